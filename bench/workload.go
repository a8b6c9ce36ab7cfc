package bench

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
)

// opKind is one DynamoDB request type the generator sends.
type opKind int

const (
	opGet opKind = iota
	opPut
	opUpdate
	opQuery
	opBatchWrite
	opScan
	numOpKinds
)

var opNames = [numOpKinds]string{"get", "put", "update", "query", "batchwrite", "scan"}

var opTargets = [numOpKinds]string{
	"DynamoDB_20120810.GetItem",
	"DynamoDB_20120810.PutItem",
	"DynamoDB_20120810.UpdateItem",
	"DynamoDB_20120810.Query",
	"DynamoDB_20120810.BatchWriteItem",
	"DynamoDB_20120810.Scan",
}

// The table has one shape that serves every workload: hash key pk (S) and
// range key sk (N). Item i (0 <= i < items) lives in partition i/queryItems at
// sort key i%queryItems:
//
//	{"pk":{"S":"p<i/q>"},"sk":{"N":"<i%q>"},"n":{"N":"0"},"data":{"S":"<payload>"}}
//
// n is the counter UpdateItem increments; data pads the item to --item-size.

// workload holds the request-body templates of one run: byte strings with the
// table name already in them, between which a worker splices keys and payloads.
// It is read-only once built and shared by all workers.
type workload struct {
	items      int
	queryItems int
	partitions int
	dataLen    int    // length of the data attribute's string value
	pool       []byte // random payload characters; a put copies dataLen of them from a random offset

	getPre, putPre, updatePre, queryPre, batchPre, scanPre []byte
}

const (
	keyPre    = `{"pk":{"S":"p`
	keyMid    = `"},"sk":{"N":"`
	keyPost   = `"}}`
	itemPost  = `"},"n":{"N":"0"},"data":{"S":"`
	updateEnd = `,"UpdateExpression":"SET n = n + :one","ConditionExpression":"attribute_exists(pk)",` +
		`"ExpressionAttributeValues":{":one":{"N":"1"}}}`
	queryEnd = `"}}}`
	batchEnd = `]}}`
	putReq   = `{"PutRequest":{"Item":`
	scanESK  = `,"ExclusiveStartKey":`
)

func newWorkload(table string, items, itemSize, queryItems int, seed uint64) *workload {
	t, _ := json.Marshal(table)
	tn := string(t)
	w := &workload{
		items:      items,
		queryItems: queryItems,
		partitions: (items + queryItems - 1) / queryItems,
		getPre:     []byte(`{"TableName":` + tn + `,"Key":`),
		putPre:     []byte(`{"TableName":` + tn + `,"Item":`),
		updatePre:  []byte(`{"TableName":` + tn + `,"Key":`),
		queryPre: []byte(`{"TableName":` + tn + `,"KeyConditionExpression":"pk = :p",` +
			`"ExpressionAttributeValues":{":p":{"S":"p`),
		batchPre: []byte(`{"RequestItems":{` + tn + `:[`),
		scanPre:  []byte(`{"TableName":` + tn + `,"Limit":` + strconv.Itoa(scanPageSize)),
	}
	// DynamoDB's item size: attribute name lengths plus value sizes (a
	// string's UTF-8 length; a number is about 1 byte per 2 digits plus 1).
	// Take a typical key (the last item's) for the fixed part.
	last := items - 1
	pk := 1 + len(strconv.Itoa(last/queryItems))
	sk := 1 + (len(strconv.Itoa(last%queryItems))+1)/2
	fixed := (2 + pk) + (2 + sk) + (1 + 2) + 4
	w.dataLen = max(itemSize-fixed, 1)

	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	w.pool = make([]byte, max(64<<10, 2*w.dataLen))
	for i := range w.pool {
		w.pool[i] = alphabet[r.IntN(len(alphabet))]
	}
	return w
}

func (w *workload) appendKey(dst []byte, i int) []byte {
	dst = append(dst, keyPre...)
	dst = strconv.AppendInt(dst, int64(i/w.queryItems), 10)
	dst = append(dst, keyMid...)
	dst = strconv.AppendInt(dst, int64(i%w.queryItems), 10)
	return append(dst, keyPost...)
}

// appendItem appends item i with the payload copied from pool[off:].
func (w *workload) appendItem(dst []byte, i, off int) []byte {
	dst = append(dst, keyPre...)
	dst = strconv.AppendInt(dst, int64(i/w.queryItems), 10)
	dst = append(dst, keyMid...)
	dst = strconv.AppendInt(dst, int64(i%w.queryItems), 10)
	dst = append(dst, itemPost...)
	dst = append(dst, w.pool[off:off+w.dataLen]...)
	return append(dst, keyPost...)
}

// payloadOffset picks a random start in the payload pool.
func (w *workload) payloadOffset(r *rand.Rand) int {
	return r.IntN(len(w.pool) - w.dataLen + 1)
}

func (w *workload) appendGet(dst []byte, i int) []byte {
	dst = append(dst, w.getPre...)
	dst = w.appendKey(dst, i)
	return append(dst, '}')
}

func (w *workload) appendPut(dst []byte, i, off int) []byte {
	dst = append(dst, w.putPre...)
	dst = w.appendItem(dst, i, off)
	return append(dst, '}')
}

func (w *workload) appendUpdate(dst []byte, i int) []byte {
	dst = append(dst, w.updatePre...)
	dst = w.appendKey(dst, i)
	return append(dst, updateEnd...)
}

func (w *workload) appendQuery(dst []byte, partition int) []byte {
	dst = append(dst, w.queryPre...)
	dst = strconv.AppendInt(dst, int64(partition), 10)
	return append(dst, queryEnd...)
}

// appendBatch appends a BatchWriteItem of n puts of the items first,
// first+1, ... (modulo items), so the keys of one batch are distinct when
// n <= items.
func (w *workload) appendBatch(dst []byte, first, n int, r *rand.Rand) []byte {
	dst = append(dst, w.batchPre...)
	for k := 0; k < n; k++ {
		if k > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, putReq...)
		dst = w.appendItem(dst, (first+k)%w.items, w.payloadOffset(r))
		dst = append(dst, "}}"...)
	}
	return append(dst, batchEnd...)
}

// appendScan appends a Scan of one page, starting after startKey (the raw JSON
// of a LastEvaluatedKey) when it is not empty.
func (w *workload) appendScan(dst []byte, startKey []byte) []byte {
	dst = append(dst, w.scanPre...)
	if len(startKey) > 0 {
		dst = append(dst, scanESK...)
		dst = append(dst, startKey...)
	}
	return append(dst, '}')
}
