package bench

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"
)

// workerStats is what one worker measured inside the window.
type workerStats struct {
	ops      [numOpKinds]uint64
	hist     [numOpKinds]*histogram // nil for kinds the workload never sends
	errors   map[string]uint64
	examples map[string]string // the first message seen per error type
	items    uint64            // items written by BatchWriteItem
}

// worker runs one request at a time in a loop. It owns everything the hot
// path touches: the body buffer, its connection (rawConn) or one reusable
// http.Request with its header map, the signer's buffers, the response buffer
// and its own random source, so the loop allocates next to nothing (with
// --client nethttp, little beyond what net/http itself does).
type worker struct {
	wl     *workload
	op     string
	tr     http.RoundTripper // --client nethttp
	raw    *rawConn          // --client fast
	url    *url.URL
	sig    *requestSigner
	rng    *rand.Rand
	stats  workerStats
	renewN int // times the request objects were replaced after a failure

	req  *http.Request
	hdr  http.Header
	rd   *bytes.Reader
	rc   io.ReadCloser
	body []byte
	resp []byte

	scanKey []byte // LastEvaluatedKey of the previous Scan page, raw JSON
	itemsOp int    // items the current request writes
}

// targetValues are shared, never-modified header values, one per op kind.
var targetValues = func() (v [numOpKinds][]string) {
	for k := range v {
		v[k] = []string{opTargets[k]}
	}
	return v
}()

var (
	contentTypeValue = []string{amzJSONType}
	userAgentValue   = []string{userAgent}
)

// newWorker returns a worker that sends through tr, or over its own rawConn
// when tr is nil.
func newWorker(wl *workload, op string, tr http.RoundTripper, u *url.URL, s *Signer, seed uint64) *worker {
	w := &worker{
		wl:  wl,
		op:  op,
		tr:  tr,
		url: u,
		sig: newRequestSigner(s, u.Host),
		rng: rand.New(rand.NewPCG(seed, seed*0x2545f4914f6cdd1d+1)),
		stats: workerStats{
			errors:   map[string]uint64{},
			examples: map[string]string{},
		},
	}
	for _, k := range kindsOf(op) {
		w.stats.hist[k] = new(histogram)
	}
	if tr == nil {
		w.raw = newRawConn(u)
	}
	w.renew()
	return w
}

// kindsOf lists the request kinds a workload sends.
func kindsOf(op string) []opKind {
	switch op {
	case "mixed":
		return []opKind{opGet, opPut, opUpdate}
	case "put":
		return []opKind{opPut}
	case "update":
		return []opKind{opUpdate}
	case "query":
		return []opKind{opQuery}
	case "batchwrite":
		return []opKind{opBatchWrite}
	case "scan":
		return []opKind{opScan}
	}
	return []opKind{opGet}
}

// renew gives the worker a fresh request, header map and body buffer. It is
// called at start and after any failed request: after a failure the
// transport may still be writing the old request on a dying connection, so
// the old objects are abandoned rather than reused.
func (w *worker) renew() {
	w.renewN++
	w.body = make([]byte, 0, 8<<10)
	w.rd = bytes.NewReader(nil)
	w.rc = io.NopCloser(w.rd) // keeps net/http's in-memory-body fast path: headers and body in one write
	w.hdr = http.Header{
		"Content-Type":  contentTypeValue,
		"User-Agent":    userAgentValue,
		"X-Amz-Target":  targetValues[opGet],
		"X-Amz-Date":    {""},
		"Authorization": {""},
	}
	w.req = &http.Request{
		Method:     http.MethodPost,
		URL:        w.url,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     w.hdr,
		Host:       w.url.Host,
	}
}

// close closes the worker's own connection, if it has one.
func (w *worker) close() {
	if w.raw != nil {
		w.raw.close()
	}
}

// nextKind picks the kind of the next request.
func (w *worker) nextKind() opKind {
	switch w.op {
	case "get":
		return opGet
	case "put":
		return opPut
	case "update":
		return opUpdate
	case "query":
		return opQuery
	case "batchwrite":
		return opBatchWrite
	case "scan":
		return opScan
	}
	// mixed: 50% get, 30% put, 20% update
	switch r := w.rng.IntN(100); {
	case r < 50:
		return opGet
	case r < 80:
		return opPut
	default:
		return opUpdate
	}
}

// build writes the body of the next request of kind k into w.body.
func (w *worker) build(k opKind) {
	wl, b := w.wl, w.body[:0]
	w.itemsOp = 0
	switch k {
	case opGet:
		b = wl.appendGet(b, w.rng.IntN(wl.items))
	case opPut:
		b = wl.appendPut(b, w.rng.IntN(wl.items), wl.payloadOffset(w.rng))
	case opUpdate:
		b = wl.appendUpdate(b, w.rng.IntN(wl.items))
	case opQuery:
		b = wl.appendQuery(b, w.rng.IntN(wl.partitions))
	case opBatchWrite:
		b = wl.appendBatch(b, w.rng.IntN(wl.items), batchSize, w.rng)
		w.itemsOp = batchSize
	case opScan:
		b = wl.appendScan(b, w.scanKey)
	}
	w.body = b
}

// do sends one request of kind k (already built in w.body), signed at now,
// and reads the whole response. It returns "" on success, else the error type.
func (w *worker) do(k opKind, now time.Time) string {
	date, auth := w.sig.sign(opTargets[k], w.body, now)
	var status int
	var err error
	if w.raw != nil {
		status, w.resp, err = w.raw.roundTrip(opTargets[k], date, auth, w.body, w.resp)
	} else {
		status, err = w.stdRoundTrip(k, date, auth)
	}
	if err != nil {
		kind := netErrorKind(err)
		w.example(kind, err.Error())
		return kind
	}
	if status != http.StatusOK {
		if w.raw == nil {
			w.renew()
		}
		kind := string(errorType(w.resp))
		if kind == "" {
			kind = "HTTP " + strconv.Itoa(status)
		}
		if _, seen := w.stats.examples[kind]; !seen {
			msg := rawField(w.resp, "message")
			if msg == nil {
				msg = rawField(w.resp, "Message")
			}
			if msg == nil {
				msg = w.resp
			}
			w.example(kind, string(msg))
		}
		return kind
	}
	switch k {
	case opScan:
		// Follow the pages; after the last one, start over.
		w.scanKey = append(w.scanKey[:0], rawField(w.resp, "LastEvaluatedKey")...)
	case opBatchWrite:
		if u := rawField(w.resp, "UnprocessedItems"); u != nil && !isEmptyObject(u) {
			w.example("UnprocessedItems", "BatchWriteItem returned unprocessed items")
			return "UnprocessedItems"
		}
	}
	return ""
}

// stdRoundTrip sends w.body through net/http's Transport, reusing the
// worker's request and header map, and reads the response into w.resp.
func (w *worker) stdRoundTrip(k opKind, date, auth string) (int, error) {
	h := w.hdr
	h["X-Amz-Date"][0] = date
	h["Authorization"][0] = auth
	h["X-Amz-Target"] = targetValues[k]
	w.rd.Reset(w.body)
	w.req.Body = w.rc
	w.req.ContentLength = int64(len(w.body))

	resp, err := w.tr.RoundTrip(w.req)
	if err != nil {
		w.renew()
		return 0, err
	}
	w.resp, err = readBody(resp.Body, w.resp, resp.ContentLength)
	resp.Body.Close()
	if err != nil {
		w.renew()
		return 0, err
	}
	return resp.StatusCode, nil
}

func (w *worker) example(kind, msg string) {
	if _, ok := w.stats.examples[kind]; !ok {
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		w.stats.examples[kind] = msg
	}
}

// run sends requests until end (or stop). Requests that start before
// measureStart (warm-up) or finish after end are not counted.
func (w *worker) run(measureStart, end time.Time, stop *atomic.Bool) {
	for !stop.Load() {
		start := time.Now()
		if !start.Before(end) {
			return
		}
		k := w.nextKind()
		w.build(k)
		errKind := w.do(k, start)
		fin := time.Now()
		if start.Before(measureStart) || fin.After(end) {
			continue
		}
		if errKind != "" {
			w.stats.errors[errKind]++
			continue
		}
		w.stats.ops[k]++
		w.stats.items += uint64(w.itemsOp)
		w.stats.hist[k].record(int64(fin.Sub(start)))
	}
}
