import sys, json, base64, re
from p import *
from check_golden import conv, parse_header
ensure('expr_ev')
def norm(v):
    if 'B' in v: return {'B': base64.b64encode(v['B']).decode()}
    if 'BS' in v: return {'BS': sorted(base64.b64encode(x).decode() for x in v['BS'])}
    if 'SS' in v: return {'SS': sorted(v['SS'])}
    if 'NS' in v: return {'NS': sorted(v['NS'])}
    if 'L' in v: return {'L': [norm(x) for x in v['L']]}
    if 'M' in v: return {'M': {k: norm(x) for k, x in v['M'].items()}}
    return v
def render(item):
    return json.dumps({k: norm(v) for k, v in item.items()}, sort_keys=True, separators=(',',':'))
def put(item):
    c.delete_item(TableName='expr_ev', Key={'pk':{'S':'k'}})
    if item is not None:
        it = {k: conv(v) for k, v in item.items()}
        it['pk'] = {'S':'k'}
        c.put_item(TableName='expr_ev', Item=it)
def run(kind, opts, expr):
    kw = {}
    if 'names' in opts: kw['ExpressionAttributeNames'] = opts['names']
    if 'values' in opts: kw['ExpressionAttributeValues'] = {k: conv(v) for k, v in opts['values'].items()}
    item = opts.get('item')
    put(item)
    try:
        if kind == 'eval' and item is None:
            try:
                c.delete_item(TableName='expr_ev', Key={'pk':{'S':'k'}}, ConditionExpression=expr, **kw)
                return 'true'
            except c.exceptions.ConditionalCheckFailedException:
                return 'false'
        if kind == 'eval':
            r = c.scan(TableName='expr_ev', FilterExpression=expr, **kw)
            return 'true' if r['Count'] == 1 else 'false'
        if kind == 'apply':
            r = c.update_item(TableName='expr_ev', Key={'pk':{'S':'k'}}, UpdateExpression=expr, ReturnValues='ALL_NEW', **kw)
            a = r.get('Attributes', {})
            a.pop('pk', None)
            return render(a)
        if kind == 'project':
            r = c.get_item(TableName='expr_ev', Key={'pk':{'S':'k'}}, ProjectionExpression=expr, **kw)
            a = r.get('Item', {})
            return render(a)
    except Exception as e:
        if hasattr(e, 'response'):
            code = e.response['Error']['Code']; msg = e.response['Error']['Message']
            return 'error: ' + (msg if code == 'ValidationException' else code + ': ' + msg)
        return 'EXC ' + repr(e)
bad = 0
for f in sys.argv[1:]:
    text = open(f).read()
    for cse in re.split(r'^== ', text, flags=re.M)[1:]:
        header, _, body = cse.partition('\n')
        inp, _, out = body.partition('\n--\n')
        out = out.strip()
        kind, opts = parse_header(header)
        got = run(kind, opts, inp)
        if kind == 'project' and 'item' in opts:
            pass
        if got != out:
            bad += 1
            print('MISMATCH', header[:150], repr(inp[:120]))
            print('   ddb :', got[:300])
            print('   mine:', out[:300])
print('mismatches:', bad)
