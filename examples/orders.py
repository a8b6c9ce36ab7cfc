#!/usr/bin/env python3
"""An order system on Dynago, through boto3.

Orders of a customer live under one partition key (the customer id) with a
composite sort key "YYYY-MM-DD#ORDER-ID", so one customer's orders are stored
together in date order. The example

  * creates the table and waits for it with boto3's waiter,
  * writes a few orders of CUST-42 (and of another customer),
  * reads one back with a strongly consistent GetItem,
  * updates the reserved word `status` through the name placeholder #s,
  * uses a `version` attribute for optimistic locking: a writer that read an
    old version fails with ConditionalCheckFailedException,
  * adds a global secondary index "StatusByDate" (status, then the
    "date#id" sort key; customer_id and total_usd projected) to the table
    that already holds the orders, waits until it is ACTIVE, and queries it
    for the SHIPPED orders, newest first,
  * deletes the table.

Run it against a Dynago server:  DYNAGO_ENDPOINT=http://127.0.0.1:8000 python3 examples/orders.py
It exits non-zero if anything does not behave as DynamoDB does.
"""
import os
import sys
import time
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

ENDPOINT = os.environ.get("DYNAGO_ENDPOINT", "http://127.0.0.1:8000")
TABLE = os.environ.get("DYNAGO_TABLE", "Orders")


def check(cond, what):
    if not cond:
        print("FAILED:", what, file=sys.stderr)
        sys.exit(1)
    print("ok:", what)


def main():
    ddb = boto3.resource(
        "dynamodb",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id="example",
        aws_secret_access_key="example",
    )
    client = ddb.meta.client

    table = ddb.create_table(
        TableName=TABLE,
        AttributeDefinitions=[
            {"AttributeName": "customer_id", "AttributeType": "S"},
            {"AttributeName": "order_key", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "customer_id", "KeyType": "HASH"},
            {"AttributeName": "order_key", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    check(table.table_status == "CREATING", "CreateTable answers CREATING, as DynamoDB does")
    table.wait_until_exists()
    table.reload()
    check(table.table_status == "ACTIVE", "table is ACTIVE after wait_until_exists")

    orders = [
        ("CUST-42", "2024-02-11#ORD-1001", "SHIPPED", Decimal("149.00")),
        ("CUST-42", "2024-03-05#ORD-1002", "PENDING", Decimal("23.50")),
        ("CUST-42", "2024-07-19#ORD-1003", "PENDING", Decimal("310")),
        ("CUST-42", "2025-01-02#ORD-1004", "SHIPPED", Decimal("5.25")),
        ("CUST-7", "2024-04-01#ORD-2001", "PENDING", Decimal("99.99")),
    ]
    for cust, key, status, total in orders:
        table.put_item(
            Item={
                "customer_id": cust,
                "order_key": key,
                "status": status,
                "total_usd": total,
                "version": 1,
            },
            ConditionExpression="attribute_not_exists(customer_id)",
        )
    check(True, "wrote %d orders" % len(orders))

    got = table.get_item(
        Key={"customer_id": "CUST-42", "order_key": "2024-02-11#ORD-1001"},
        ConsistentRead=True,
    )["Item"]
    check(got["total_usd"] == Decimal("149"), "149.00 comes back as the number 149")
    check(got["status"] == "SHIPPED", "status read back")

    # A second insert of the same order is refused by its condition.
    try:
        table.put_item(
            Item={"customer_id": "CUST-42", "order_key": "2024-02-11#ORD-1001", "status": "DUP"},
            ConditionExpression="attribute_not_exists(customer_id)",
        )
        check(False, "duplicate insert refused")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "ConditionalCheckFailedException", "duplicate insert refused")

    # `status` is a reserved word: it must go through an expression attribute name.
    try:
        table.update_item(
            Key={"customer_id": "CUST-42", "order_key": "2024-03-05#ORD-1002"},
            UpdateExpression="SET status = :s",
            ExpressionAttributeValues={":s": "SHIPPED"},
        )
        check(False, "bare reserved word refused")
    except ClientError as e:
        check(
            e.response["Error"]["Code"] == "ValidationException"
            and "reserved keyword: status" in e.response["Error"]["Message"],
            "bare reserved word `status` refused with ValidationException",
        )

    # Optimistic locking: read, then update only if the version is unchanged.
    key = {"customer_id": "CUST-42", "order_key": "2024-03-05#ORD-1002"}
    current = table.get_item(Key=key, ConsistentRead=True)["Item"]
    seen_version = current["version"]

    def ship(expected_version):
        return table.update_item(
            Key=key,
            UpdateExpression="SET #s = :new, version = version + :one",
            ConditionExpression="version = :seen",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":new": "SHIPPED", ":one": 1, ":seen": expected_version},
            ReturnValues="ALL_NEW",
        )["Attributes"]

    updated = ship(seen_version)
    check(updated["status"] == "SHIPPED" and updated["version"] == 2, "update through #s with version check")

    # A second writer still holding version 1 must fail.
    try:
        ship(seen_version)
        check(False, "stale update refused")
    except ClientError as e:
        check(
            e.response["Error"]["Code"] == "ConditionalCheckFailedException",
            "stale update (version 1) fails with ConditionalCheckFailedException",
        )
    final = table.get_item(Key=key, ConsistentRead=True)["Item"]
    check(final["version"] == 2, "the stale writer changed nothing")

    # All orders of CUST-42 in 2024, in date order, via the composite sort key.
    if os.environ.get("DYNAGO_EXAMPLE_QUERY", "1") == "1":
        resp = table.query(
            KeyConditionExpression=Key("customer_id").eq("CUST-42")
            & Key("order_key").between("2024-01-01", "2024-12-31~"),
        )
        keys = [it["order_key"] for it in resp["Items"]]
        check(
            keys == ["2024-02-11#ORD-1001", "2024-03-05#ORD-1002", "2024-07-19#ORD-1003"],
            "query CUST-42's 2024 orders by the composite sort key",
        )

    # A second access pattern: every order with a given status, newest
    # first. The index is added to the table that already holds the orders;
    # DynamoDB builds it in the background (IndexStatus CREATING, then
    # ACTIVE) while the table stays in use.
    if os.environ.get("DYNAGO_EXAMPLE_GSI", "1") == "1":
        desc = client.update_table(
            TableName=TABLE,
            AttributeDefinitions=[
                {"AttributeName": "status", "AttributeType": "S"},
                {"AttributeName": "order_key", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexUpdates=[
                {
                    "Create": {
                        "IndexName": "StatusByDate",
                        "KeySchema": [
                            {"AttributeName": "status", "KeyType": "HASH"},
                            {"AttributeName": "order_key", "KeyType": "RANGE"},
                        ],
                        "Projection": {
                            "ProjectionType": "INCLUDE",
                            "NonKeyAttributes": ["customer_id", "total_usd"],
                        },
                    }
                }
            ],
        )["TableDescription"]
        index = [g for g in desc["GlobalSecondaryIndexes"] if g["IndexName"] == "StatusByDate"][0]
        check(index["IndexStatus"] == "CREATING", "UpdateTable adds StatusByDate as CREATING")

        # Orders keep flowing while the index is built.
        table.put_item(
            Item={
                "customer_id": "CUST-9",
                "order_key": "2025-02-14#ORD-3001",
                "status": "SHIPPED",
                "total_usd": Decimal("42.10"),
                "version": 1,
            }
        )

        deadline = time.time() + 60
        while True:
            gsis = client.describe_table(TableName=TABLE)["Table"].get("GlobalSecondaryIndexes", [])
            status = [g["IndexStatus"] for g in gsis if g["IndexName"] == "StatusByDate"]
            if status == ["ACTIVE"]:
                break
            if time.time() > deadline:
                check(False, "StatusByDate becomes ACTIVE (last seen: %s)" % status)
            time.sleep(0.1)
        check(True, "StatusByDate is ACTIVE")

        # `status` is a reserved word: boto3's Key() puts it behind a name placeholder.
        resp = table.query(
            IndexName="StatusByDate",
            KeyConditionExpression=Key("status").eq("SHIPPED"),
            ScanIndexForward=False,
        )
        shipped = [(it["order_key"], it["customer_id"], it["total_usd"]) for it in resp["Items"]]
        check(
            shipped
            == [
                ("2025-02-14#ORD-3001", "CUST-9", Decimal("42.1")),
                ("2025-01-02#ORD-1004", "CUST-42", Decimal("5.25")),
                ("2024-03-05#ORD-1002", "CUST-42", Decimal("23.5")),
                ("2024-02-11#ORD-1001", "CUST-42", Decimal("149")),
            ],
            "query StatusByDate: the SHIPPED orders, newest first",
        )
        check(
            all(set(it) == {"customer_id", "order_key", "status", "total_usd"} for it in resp["Items"]),
            "the index holds the keys, customer_id and total_usd (no version)",
        )

        # An index cannot be read with strong consistency.
        try:
            table.query(
                IndexName="StatusByDate",
                KeyConditionExpression=Key("status").eq("PENDING"),
                ConsistentRead=True,
            )
            check(False, "consistent read of a GSI refused")
        except ClientError as e:
            check(
                e.response["Error"]["Code"] == "ValidationException"
                and e.response["Error"]["Message"] == "Consistent reads are not supported on global secondary indexes",
                "consistent read of a GSI refused with ValidationException",
            )

    table.delete()
    client.get_waiter("table_not_exists").wait(TableName=TABLE)
    check(True, "table deleted")


if __name__ == "__main__":
    main()
