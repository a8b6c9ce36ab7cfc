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

// Op executes one operation on a raw JSON request body and returns the value
// to encode as the JSON response. Errors should be *ddb.Error.
type Op func(ctx context.Context, body []byte) (any, error)

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
	bufPool sync.Pool
}

// NewHandler returns a handler for the given options.
func NewHandler(opt Options) *Handler {
	if opt.Auth == nil {
		opt.Auth = WellFormedSigV4{}
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	return &Handler{opt: opt, bufPool: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
}

type requestIDKey struct{}

// RequestID returns the x-amzn-RequestId of the request ctx belongs to.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && (r.URL.Path == "/" || r.URL.Path == "") {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "healthy: dynago\n")
		return
	}
	reqID := newRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	if origin := r.Header.Get("Origin"); origin != "" {
		h.cors(w, r)
		if r.Method == http.MethodOptions {
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	contentType := r.Header.Get("Content-Type")
	if r.Method != http.MethodPost {
		h.unknownOperationXML(w)
		return
	}

	buf := h.bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 {
			h.bufPool.Put(buf)
		}
	}()
	if err := readBody(buf, r); err != nil {
		if errors.Is(err, errTooLarge) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		h.writeError(w, contentType, ddb.Errorf(ddb.ErrSerialization, "Request body could not be read"))
		return
	}
	body := buf.Bytes()
	if len(body) > 0 && contentType != "application/x-amz-json-1.0" && contentType != "application/json" &&
		!strings.HasPrefix(contentType, "application/x-amz-json-1.0;") && !strings.HasPrefix(contentType, "application/json;") {
		h.unknownOperationXML(w)
		return
	}
	if len(body) > 0 && !json.Valid(body) {
		h.writeError(w, contentType, &ddb.Error{Type: ddb.ErrSerialization})
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op, ok := h.opt.Ops[target]
	if !ok {
		h.writeError(w, contentType, &ddb.Error{Type: ddb.ErrUnknownOperation})
		return
	}
	if err := h.opt.Auth.Authenticate(r, body); err != nil {
		h.writeError(w, contentType, err)
		return
	}
	if len(body) == 0 {
		h.writeError(w, contentType, &ddb.Error{Type: ddb.ErrSerialization})
		return
	}
	ctx := context.WithValue(r.Context(), requestIDKey{}, reqID)
	var start time.Time
	debug := h.opt.Log.Enabled(ctx, slog.LevelDebug)
	if debug {
		start = time.Now()
	}
	out, err := h.call(ctx, op, body, target)
	status := http.StatusOK
	if err != nil {
		status = h.writeError(w, contentType, err)
	} else {
		h.writeJSON(w, contentType, http.StatusOK, out)
	}
	if debug {
		h.opt.Log.Debug("request", "target", target, "status", status, "duration", time.Since(start), "request_id", reqID)
	}
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
	return op(ctx, body)
}

var errTooLarge = errors.New("request body too large")

// readBody reads the (possibly gzip-encoded) body into buf, up to MaxRequestBytes.
func readBody(buf *bytes.Buffer, r *http.Request) error {
	if r.ContentLength > MaxRequestBytes {
		return errTooLarge
	}
	var src io.Reader = r.Body
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return err
		}
		defer zr.Close()
		src = zr
	}
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

func (h *Handler) unknownOperationXML(w http.ResponseWriter) {
	const body = "<UnknownOperationException/>\n"
	w.Header().Set("x-amz-crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10))
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusNotFound)
	io.WriteString(w, body)
}

// responseContentType echoes the JSON flavour the client used.
func responseContentType(requestCT string) string {
	if strings.HasPrefix(requestCT, "application/json") {
		return "application/json"
	}
	return "application/x-amz-json-1.0"
}

// errorBody is DynamoDB's error document. Serialization errors use "Message";
// the others use "message" (as DynamoDB does).
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
func (h *Handler) writeError(w http.ResponseWriter, contentType string, err error) int {
	var de *ddb.Error
	if !errors.As(err, &de) {
		h.opt.Log.Error("internal error", "err", err)
		de = ddb.InternalServerError()
	}
	if de.Type == ddb.ErrInternalServer {
		h.opt.Log.Error("internal server error answered", "err", err)
	}
	eb := errorBody{Type: de.Namespace() + "#" + de.Type}
	if de.Type == ddb.ErrSerialization {
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
	h.writeJSON(w, contentType, de.HTTPStatus(), eb)
	return de.HTTPStatus()
}

func (h *Handler) writeJSON(w http.ResponseWriter, contentType string, status int, v any) {
	var body []byte
	switch b := v.(type) {
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
	hdr := w.Header()
	hdr.Set("Content-Type", responseContentType(contentType))
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	hdr.Set("x-amz-crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	w.WriteHeader(status)
	w.Write(body)
}

const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newRequestID returns a 52-character request id in DynamoDB's style.
func newRequestID() string {
	var b [52]byte
	for i := 0; i < len(b); {
		r := rand.Uint64()
		for j := 0; j < 10 && i < len(b); j++ {
			b[i] = idChars[r%uint64(len(idChars))]
			r /= uint64(len(idChars))
			i++
		}
	}
	return string(b[:])
}
