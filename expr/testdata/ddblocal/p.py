import boto3, json, sys
from botocore.config import Config
c = boto3.client('dynamodb', endpoint_url='http://127.0.0.1:8001', region_name='us-east-1',
    aws_access_key_id='x', aws_secret_access_key='x', config=Config(retries={'max_attempts':0}, parameter_validation=False))
def ensure(name, key=[('pk','S','HASH')]):
    try:
        c.describe_table(TableName=name); return
    except c.exceptions.ResourceNotFoundException: pass
    c.create_table(TableName=name, KeySchema=[{'AttributeName':n,'KeyType':k} for n,t,k in key],
        AttributeDefinitions=[{'AttributeName':n,'AttributeType':t} for n,t,k in key], BillingMode='PAY_PER_REQUEST')
def call(op, **kw):
    try:
        r = getattr(c, op)(**kw)
        r.pop('ResponseMetadata', None)
        return 'OK ' + json.dumps(r, sort_keys=True)
    except Exception as e:
        if hasattr(e, 'response'):
            return 'ERR ' + e.response['Error'].get('Code','') + ': ' + e.response['Error'].get('Message','')
        return 'EXC ' + repr(e)
