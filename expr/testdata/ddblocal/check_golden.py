import sys, json, base64, re
from p import *
ensure('expr_h')
ensure('expr_hr', [('a','S','HASH'), ('b','S','RANGE')])
ensure('expr_hn', [('a','N','HASH'), ('b','N','RANGE')])
ensure('expr_hb', [('a','B','HASH'), ('b','B','RANGE')])
ensure('expr_ho', [('a','S','HASH')])

def conv(v):
    # DynamoDB JSON -> boto3 client value (B as bytes)
    if 'B' in v: return {'B': base64.b64decode(v['B'])}
    if 'BS' in v: return {'BS': [base64.b64decode(x) for x in v['BS']]}
    if 'L' in v: return {'L': [conv(x) for x in v['L']]}
    if 'M' in v: return {'M': {k: conv(x) for k, x in v['M'].items()}}
    return v

def parse_header(h):
    kind, _, rest = h.partition(' ')
    opts = {}
    while rest.strip():
        rest = rest.lstrip()
        name, _, after = rest.partition('=')
        if after.startswith('{'):
            dec = json.JSONDecoder()
            obj, end = dec.raw_decode(after)
            opts[name] = obj
            rest = after[end:]
        else:
            val, _, rest = after.partition(' ')
            opts[name] = val
    return kind, opts

def tables_for_key(key):
    return {'a:S': 'expr_ho', 'a:S,b:S': 'expr_hr', 'a:N,b:N': 'expr_hn', 'a:B,b:B': 'expr_hb'}[key]

def run(kind, opts, expr):
    kw = {}
    if 'names' in opts: kw['ExpressionAttributeNames'] = opts['names']
    if 'values' in opts: kw['ExpressionAttributeValues'] = {k: conv(v) for k, v in opts['values'].items()}
    if kind == 'condition':
        return call('delete_item', TableName='expr_h', Key={'pk': {'S': 'nope'}}, ConditionExpression=expr, **kw)
    if kind == 'filter':
        return call('scan', TableName='expr_h', FilterExpression=expr, Limit=1, **kw)
    if kind == 'projection':
        return call('get_item', TableName='expr_h', Key={'pk': {'S': 'nope'}}, ProjectionExpression=expr, **kw)
    if kind == 'update':
        return call('update_item', TableName='expr_h', Key={'pk': {'S': 'nope'}}, UpdateExpression=expr, ConditionExpression='attribute_exists(zzznope)', **kw)
    if kind == 'keycondition':
        return call('query', TableName=tables_for_key(opts['key']), KeyConditionExpression=expr, **kw)
    return 'unknown kind'

if __name__ == "__main__":
  bad = 0
  for f in sys.argv[1:]:
      text = open(f).read()
      cases = re.split(r'^== ', text, flags=re.M)[1:]
      for c in cases:
          header, _, body = c.partition('\n')
          inp, _, out = body.partition('\n--\n')
          out = out.strip()
          kind, opts = parse_header(header)
          got = run(kind, opts, inp)
          if got.startswith('ERR ValidationException: '):
              got = 'error: ' + got[len('ERR ValidationException: '):]
          elif got.startswith('OK') or 'ConditionalCheckFailed' in got:
              got = 'ok'
          exp = out if out.startswith('error') else 'ok'
          if got != exp:
              bad += 1
              print('MISMATCH', f, header, repr(inp[:200]))
              print('   ddb :', got[:300])
              print('   mine:', exp[:300])
  print('mismatches:', bad)
