package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/dynago/dynago/server"
)

// TestSigV4Credentials runs a server that verifies signatures
// (--credentials): the SDK's signed requests pass, on both HTTP layers and
// for the streams API; a wrong secret, an unknown access key or another
// region is refused with DynamoDB's errors, and nothing is written.
func TestSigV4Credentials(t *testing.T) {
	for _, netHTTP := range []bool{false, true} {
		name := "http1"
		if netHTTP {
			name = "net-http"
		}
		t.Run(name, func(t *testing.T) {
			s := startServerWith(t, func(c *server.Config) {
				c.Credentials = map[string]string{"AKIDE2E": "e2e/secret+key", "AKIDOTHER": "other"}
				c.NetHTTP = netHTTP
			})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			good := newClientAs(t, s, "AKIDE2E", "e2e/secret+key", "us-east-1")
			createHashTable(t, ctx, good, "auth")
			if _, err := good.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("auth"),
				Item: map[string]types.AttributeValue{"pk": S("a"), "v": N("1")}}); err != nil {
				t.Fatal(err)
			}
			if _, err := newClientAs(t, s, "AKIDOTHER", "other", "us-east-1").GetItem(ctx, &dynamodb.GetItemInput{
				TableName: aws.String("auth"), Key: map[string]types.AttributeValue{"pk": S("a")}}); err != nil {
				t.Fatalf("second key: %v", err)
			}

			put := func(c *dynamodb.Client) error {
				_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("auth"),
					Item: map[string]types.AttributeValue{"pk": S("b")}})
				return err
			}
			wantErr(t, put(newClientAs(t, s, "AKIDE2E", "wrong", "us-east-1")), "InvalidSignatureException",
				"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
			wantErr(t, put(newClientAs(t, s, "AKIDNOBODY", "e2e/secret+key", "us-east-1")), "UnrecognizedClientException",
				"The security token included in the request is invalid.")
			wantErr(t, put(newClientAs(t, s, "AKIDE2E", "e2e/secret+key", "eu-west-1")), "InvalidSignatureException",
				"Credential should be scoped to a valid region. ")
			out, err := good.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("auth"),
				Key: map[string]types.AttributeValue{"pk": S("b")}, ConsistentRead: aws.Bool(true)})
			if err != nil || out.Item != nil {
				t.Fatalf("a refused put wrote its item: %v %v", out, err)
			}

			streams := func(secret string) error {
				c := newStreamsClient(s)
				_, err := c.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{}, func(o *dynamodbstreams.Options) {
					o.Credentials = credentials.NewStaticCredentialsProvider("AKIDE2E", secret, "")
				})
				return err
			}
			if err := streams("e2e/secret+key"); err != nil {
				t.Fatalf("streams: %v", err)
			}
			wantErr(t, streams("wrong"), "InvalidSignatureException", "")
		})
	}
}
