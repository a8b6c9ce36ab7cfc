// Package api is Dynago's HTTP front: it routes DynamoDB and DynamoDB Streams
// requests by X-Amz-Target, checks authentication, decodes gzip bodies,
// dispatches to the operations, and encodes answers with x-amzn-RequestId and
// x-amz-crc32. It is the only place where a ddb.Error becomes an HTTP response.
package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dynago/dynago/ddb"
)

// Target prefixes of the two APIs served on one port.
const (
	DynamoDBPrefix = "DynamoDB_20120810."
	StreamsPrefix  = "DynamoDBStreams_20120810."
)

// MaxRequestBytes is the largest request body accepted (DynamoDB's limit is
// 16 MB for BatchWriteItem; other operations have smaller limits of their own).
const MaxRequestBytes = 16 << 20

// Op executes one operation on a request body and returns the value to
// encode as the JSON response (a []byte or json.RawMessage is sent as it is).
// Errors should be *ddb.Error.
//
// Ops built with OpFunc receive only bodies that are valid JSON: the handler
// checks the syntax first. The ops of Operations decode the body with
// wire.Decode, which detects every syntax error itself, so the handler
// skips that extra pass for them and keeps DynamoDB's order of checks
// (syntax, target, authentication, field types) by checking the syntax only
// when something else failed.
type Op interface {
	Call(ctx context.Context, body []byte) (any, error)
}

// OpFunc is an Op that is called only with syntactically valid JSON.
type OpFunc func(ctx context.Context, body []byte) (any, error)

// Call implements Op.
func (f OpFunc) Call(ctx context.Context, body []byte) (any, error) { return f(ctx, body) }

// syntaxChecker is implemented by Ops that detect malformed JSON themselves
// and report it as a SerializationException without a message before any
// other error (see op).
type syntaxChecker interface{ checksSyntax() }

// Options configure a Handler.
type Options struct {
	// Ops maps a full X-Amz-Target (e.g. "DynamoDB_20120810.PutItem") to its operation.
	Ops map[string]Op
	// Auth checks requests; nil means WellFormedSigV4.
	Auth Authenticator
	// EncodeItem renders an item as DynamoDB JSON, for items carried by errors
	// (ConditionalCheckFailedException with ALL_OLD, cancellation reasons).
	EncodeItem func(ddb.Item) ([]byte, error)
	Log        *slog.Logger
}

// Handler serves the DynamoDB JSON protocol.
type Handler struct {
	opt     Options
	ops     map[string]opEntry
	bufPool sync.Pool // *bytes.Buffer for request bodies
}

type opEntry struct {
	op           Op
	checksSyntax bool // op reports malformed JSON itself (see syntaxChecker)
}

// NewHandler returns a handler for the given options.
func NewHandler(opt Options) *Handler {
	if opt.Auth == nil {
		opt.Auth = WellFormedSigV4{}
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{opt: opt, ops: make(map[string]opEntry, len(opt.Ops)), bufPool: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
	for target, op := range opt.Ops {
		_, checks := op.(syntaxChecker)
		h.ops[target] = opEntry{op: op, checksSyntax: checks}
	}
	return h
}

type requestIDKey struct{}

// request is the per-request state the handler allocates once: the request
// id and the storage of the response's header values. It is also the
// context the operation runs in (the request's context, plus RequestID).
type request struct {
	context.Context
	id   [requestIDLen]byte
	vals [3]string // x-amzn-RequestId, Content-Length, x-amz-crc32
}

// Value implements context.Context.
func (r *request) Value(key any) any {
	if _, ok := key.(requestIDKey); ok {
		return r
	}
	return r.Context.Value(key)
}

// RequestID returns the x-amzn-RequestId of the request ctx belongs to.
func RequestID(ctx context.Context) string {
	if st, ok := ctx.Value(requestIDKey{}).(*request); ok {
		return string(st.id[:])
	}
	return ""
}

// Canonical header keys, so that the header maps are used directly (what
// Header.Set and Header.Get would do after canonicalising the key).
const (
	hdrContentType     = "Content-Type"
	hdrContentLength   = "Content-Length"
	hdrContentEncoding = "Content-Encoding"
	hdrRequestID       = "X-Amzn-Requestid" // x-amzn-RequestId
	hdrCRC32           = "X-Amz-Crc32"      // x-amz-crc32
	hdrTarget          = "X-Amz-Target"
	hdrOrigin          = "Origin"
)

// Response content types, shared read-only header values.
var (
	ctAmzJSON = []string{"application/x-amz-json-1.0"}
	ctJSON    = []string{"application/json"}
)

func header(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// setRequestID sets x-amzn-RequestId on a response other than a JSON answer
// (writeJSON sets it together with the other headers).
func setRequestID(w http.ResponseWriter, st *request) {
	w.Header()[hdrRequestID] = []string{string(st.id[:])}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && (r.URL.Path == "/" || r.URL.Path == "") {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "healthy: dynago\n")
		return
	}
	st := &request{Context: r.Context()}
	newRequestID(&st.id)
	if origin := header(r.Header, hdrOrigin); origin != "" {
		h.cors(w, r)
		if r.Method == http.MethodOptions {
			setRequestID(w, st)
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	contentType := header(r.Header, hdrContentType)
	if r.Method != http.MethodPost {
		h.unknownOperationXML(w, st)
		return
	}

	buf := h.bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 {
			h.bufPool.Put(buf)
		}
	}()
	var raw *bytes.Buffer // the body as sent, when it is compressed
	if strings.EqualFold(header(r.Header, hdrContentEncoding), "gzip") {
		raw = h.bufPool.Get().(*bytes.Buffer)
		raw.Reset()
		defer func() {
			if raw.Cap() <= 1<<20 {
				h.bufPool.Put(raw)
			}
		}()
	}
	if err := readBody(buf, raw, r); err != nil {
		if errors.Is(err, errTooLarge) {
			setRequestID(w, st)
			w.Header()[hdrContentType] = ctAmzJSON
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		h.writeError(w, st, contentType, ddb.Errorf(ddb.ErrSerialization, "Request body could not be read"))
		return
	}
	body := buf.Bytes()
	if len(body) > 0 && contentType != "application/x-amz-json-1.0" && contentType != "application/json" &&
		!strings.HasPrefix(contentType, "application/x-amz-json-1.0;") && !strings.HasPrefix(contentType, "application/json;") {
		h.unknownOperationXML(w, st)
		return
	}
	// DynamoDB checks, in this order: the JSON syntax, the target, the
	// authentication. The syntax is checked here only where it decides the
	// answer: ops that decode with wire.Decode find syntax errors themselves.
	badSyntax := func() bool { return len(body) > 0 && !json.Valid(body) }
	target := header(r.Header, hdrTarget)
	e, ok := h.ops[target]
	if !ok {
		if badSyntax() {
			h.writeError(w, st, contentType, &ddb.Error{Type: ddb.ErrSerialization})
			return
		}
		h.writeError(w, st, contentType, &ddb.Error{Type: ddb.ErrUnknownOperation})
		return
	}
	if !e.checksSyntax && badSyntax() {
		h.writeError(w, st, contentType, &ddb.Error{Type: ddb.ErrSerialization})
		return
	}
	sent := body
	if raw != nil {
		sent = raw.Bytes()
	}
	if err := h.opt.Auth.Authenticate(r, sent); err != nil {
		if e.checksSyntax && badSyntax() {
			err = &ddb.Error{Type: ddb.ErrSerialization}
		}
		h.writeError(w, st, contentType, err)
		return
	}
	if isBlank(body) { // empty, or only white space (which is not JSON)
		h.writeError(w, st, contentType, &ddb.Error{Type: ddb.ErrSerialization})
		return
	}
	ctx := context.Context(st)
	var start time.Time
	debug := h.opt.Log.Enabled(ctx, slog.LevelDebug)
	if debug {
		start = time.Now()
	}
	out, err := h.call(ctx, e.op, body, target)
	status := http.StatusOK
	if err != nil {
		status = h.writeError(w, st, contentType, err)
	} else {
		h.writeJSON(w, st, contentType, http.StatusOK, out)
	}
	if debug {
		h.opt.Log.Debug("request", "target", target, "status", status, "duration", time.Since(start), "request_id", string(st.id[:]))
	}
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// call runs op, turning a panic into InternalServerError so that one bad
// request can never take the server down.
func (h *Handler) call(ctx context.Context, op Op, body []byte, target string) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			h.opt.Log.Error("panic in operation", "target", target, "panic", p, "request_id", RequestID(ctx))
			out, err = nil, ddb.InternalServerError()
		}
	}()
	return op.Call(ctx, body)
}

var errTooLarge = errors.New("request body too large")

// readBody reads the (possibly gzip-encoded) body into buf, up to MaxRequestBytes;
// raw, non-nil for a gzip body, receives the bytes as sent.
func readBody(buf, raw *bytes.Buffer, r *http.Request) error {
	if r.ContentLength > MaxRequestBytes {
		return errTooLarge
	}
	if raw != nil { // gzip: keep the compressed bytes, which the signature covers
		if err := readLimited(raw, r.Body); err != nil {
			return err
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw.Bytes()))
		if err != nil {
			return err
		}
		defer zr.Close()
		return readLimited(buf, zr)
	}
	if r.ContentLength < 0 { // chunked: the length is known only at the end
		return readLimited(buf, r.Body)
	}
	// net/http's body ends after Content-Length bytes.
	buf.Grow(int(r.ContentLength) + bytes.MinRead)
	_, err := buf.ReadFrom(r.Body)
	return err
}

func readLimited(buf *bytes.Buffer, src io.Reader) error {
	n, err := buf.ReadFrom(io.LimitReader(src, MaxRequestBytes+1))
	if err != nil {
		return err
	}
	if n > MaxRequestBytes {
		return errTooLarge
	}
	return nil
}

func (h *Handler) cors(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if v := r.Header.Get("Access-Control-Request-Headers"); v != "" {
		w.Header().Set("Access-Control-Allow-Headers", v)
	}
	if v := r.Header.Get("Access-Control-Request-Method"); v != "" {
		w.Header().Set("Access-Control-Allow-Methods", v)
	}
	w.Header().Set("Access-Control-Expose-Headers", "x-amzn-RequestId, x-amz-crc32")
	w.Header().Set("Access-Control-Max-Age", "172800")
}

const unknownOperationBody = "<UnknownOperationException/>\n"

var unknownOperationCRC = strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(unknownOperationBody))), 10)

func (h *Handler) unknownOperationXML(w http.ResponseWriter, st *request) {
	setRequestID(w, st)
	w.Header().Set("x-amz-crc32", unknownOperationCRC)
	w.Header().Set("Content-Length", strconv.Itoa(len(unknownOperationBody)))
	w.WriteHeader(http.StatusNotFound)
	io.WriteString(w, unknownOperationBody)
}

// responseContentType echoes the JSON flavour the client used.
func responseContentType(requestCT string) []string {
	if strings.HasPrefix(requestCT, "application/json") {
		return ctJSON
	}
	return ctAmzJSON
}

// errorBody is DynamoDB's error document. Serialization errors and
// TransactionCanceledException (whose API shape names the member Message,
// next to CancellationReasons) use "Message"; the others use "message" (as
// DynamoDB does).
type errorBody struct {
	Type                string               `json:"__type"`
	Message             string               `json:"message,omitempty"`
	UpperMessage        string               `json:"Message,omitempty"`
	Item                json.RawMessage      `json:"Item,omitempty"`
	CancellationReasons []cancellationReason `json:"CancellationReasons,omitempty"`
}

type cancellationReason struct {
	Code    string          `json:"Code"`
	Message string          `json:"Message,omitempty"`
	Item    json.RawMessage `json:"Item,omitempty"`
}

// writeError answers err as DynamoDB does and returns the HTTP status used.
func (h *Handler) writeError(w http.ResponseWriter, st *request, contentType string, err error) int {
	var de *ddb.Error
	if !errors.As(err, &de) {
		h.opt.Log.Error("internal error", "err", err)
		de = ddb.InternalServerError()
	}
	if de.Type == ddb.ErrInternalServer {
		h.opt.Log.Error("internal server error answered", "err", err)
	}
	eb := errorBody{Type: de.Namespace() + "#" + de.Type}
	if de.Type == ddb.ErrSerialization || de.Type == ddb.ErrTransactionCanceled {
		eb.UpperMessage = de.Message
	} else {
		eb.Message = de.Message
	}
	if de.Item != nil && h.opt.EncodeItem != nil {
		if b, err := h.opt.EncodeItem(de.Item); err == nil {
			eb.Item = b
		}
	}
	for _, cr := range de.CancellationReasons {
		c := cancellationReason{Code: cr.Code, Message: cr.Message}
		if cr.Item != nil && h.opt.EncodeItem != nil {
			if b, err := h.opt.EncodeItem(cr.Item); err == nil {
				c.Item = b
			}
		}
		eb.CancellationReasons = append(eb.CancellationReasons, c)
	}
	h.writeJSON(w, st, contentType, de.HTTPStatus(), eb)
	return de.HTTPStatus()
}

// writeJSON sends v (a response body from an op, []byte, json.RawMessage, or
// a value for encoding/json) with DynamoDB's headers.
func (h *Handler) writeJSON(w http.ResponseWriter, st *request, contentType string, status int, v any) {
	var body []byte
	switch b := v.(type) {
	case *responseBody:
		body = b.b
		defer b.release()
	case []byte:
		body = b
	case json.RawMessage:
		body = b
	default:
		var err error
		body, err = json.Marshal(v)
		if err != nil {
			h.opt.Log.Error("encoding response", "err", err)
			status = http.StatusInternalServerError
			body = []byte(`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`)
		}
	}
	// The request id, the length and the checksum share one string, and
	// their header values one array: net/http copies the header map (not
	// the strings) when the header is written.
	var num [requestIDLen + 2*20]byte
	n := copy(num[:], st.id[:])
	n = len(strconv.AppendInt(num[:n], int64(len(body)), 10))
	lenEnd := n
	n = len(strconv.AppendUint(num[:n], uint64(crc32.ChecksumIEEE(body)), 10))
	vals := string(num[:n])
	st.vals = [3]string{vals[:requestIDLen], vals[requestIDLen:lenEnd], vals[lenEnd:]}
	hdr := w.Header()
	hdr[hdrRequestID] = st.vals[0:1:1]
	hdr[hdrContentType] = responseContentType(contentType)
	hdr[hdrContentLength] = st.vals[1:2:2]
	hdr[hdrCRC32] = st.vals[2:3:3]
	w.WriteHeader(status)
	w.Write(body)
}

// responseBody is an encoded response in a pooled buffer; writeJSON returns
// it to the pool once written.
type responseBody struct{ b []byte }

var responsePool = sync.Pool{New: func() any { return &responseBody{b: make([]byte, 0, 1024)} }}

func newResponseBody() *responseBody { return responsePool.Get().(*responseBody) }

func (r *responseBody) release() {
	if cap(r.b) <= 64<<10 {
		r.b = r.b[:0]
		responsePool.Put(r)
	}
}

const (
	requestIDLen = 52
	idChars      = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

// newRequestID fills id with a request id in DynamoDB's style: 52 characters
// from A-Z and 0-9. Two words from the runtime's random source (128 bits)
// are stretched with the SplitMix64 mixer, which is much cheaper than
// drawing every character from the source, and each random byte picks a
// character through idTable.
func newRequestID(id *[requestIDLen]byte) {
	state, salt := rand.Uint64(), rand.Uint64()
	var word [8]byte
	for i := 0; i < len(id); i += 8 {
		state += 0x9e3779b97f4a7c15
		z := state
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		r := (z ^ z>>31) ^ salt
		word = [8]byte{idTable[uint8(r)], idTable[uint8(r>>8)], idTable[uint8(r>>16)], idTable[uint8(r>>24)],
			idTable[uint8(r>>32)], idTable[uint8(r>>40)], idTable[uint8(r>>48)], idTable[uint8(r>>56)]}
		copy(id[i:], word[:])
	}
}

// idTable maps a random byte to a character of idChars: byte b to
// idChars[b*36>>8], cheaper than a division and uniform enough for ids.
var idTable = func() (t [256]byte) {
	for b := range t {
		t[b] = idChars[b*len(idChars)>>8]
	}
	return t
}()
