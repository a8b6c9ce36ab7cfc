package difftest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Auth is the fixed, well-formed SigV4 Authorization header every request
// carries unless its scenario says otherwise. Neither DynamoDB Local nor
// Dynago checks the signature. DynamoDB Local keeps one database per access
// key and region, so the access key "difftest" also keeps these tables apart
// from anyone else's on a shared DynamoDB Local.
const Auth = "AWS4-HMAC-SHA256 Credential=difftest/20250101/us-east-1/dynamodb/aws4_request, " +
	"SignedHeaders=content-type;host;x-amz-date;x-amz-target, " +
	"Signature=4a1d7a3c3b5e6f7081920a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f"

// AmzDate is the fixed X-Amz-Date header.
const AmzDate = "20250101T000000Z"

// DefaultContentType is the Content-Type of DynamoDB's JSON 1.0 protocol.
const DefaultContentType = "application/x-amz-json-1.0"

var placeholderRE = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// Endpoint is one side of the comparison.
type Endpoint struct {
	Name  string // for the report: "dynago", "ddblocal"
	URL   string
	saved map[string]string
}

// Response is what one endpoint answered.
type Response struct {
	Status      int
	ContentType string
	Body        []byte
	Err         string // transport error: no HTTP response at all
	JSON        any    // decoded body, nil if it is not JSON
}

var httpClient = &http.Client{
	Timeout: 60 * time.Second,
	Transport: &http.Transport{
		DisableCompression:  true,
		MaxIdleConnsPerHost: 4,
	},
}

// send sends r to e, with ${NAME} placeholders replaced by e's saved values.
func (e *Endpoint) send(ctx context.Context, r *Request) *Response {
	body := placeholderRE.ReplaceAllStringFunc(r.Body, func(m string) string {
		name := placeholderRE.FindStringSubmatch(m)[1]
		if v, ok := e.saved[name]; ok {
			return v
		}
		return "null"
	})
	req, err := http.NewRequestWithContext(ctx, r.Method, strings.TrimRight(e.URL, "/")+"/", strings.NewReader(body))
	if err != nil {
		return &Response{Err: err.Error()}
	}
	if r.Target != "" {
		req.Header.Set("X-Amz-Target", r.Target)
	}
	switch r.ContentType {
	case "":
		req.Header.Set("Content-Type", DefaultContentType)
	case "-":
	default:
		req.Header.Set("Content-Type", r.ContentType)
	}
	switch {
	case r.NoAuth:
	case r.Auth != "":
		req.Header.Set("Authorization", r.Auth)
	default:
		req.Header.Set("Authorization", Auth)
	}
	if !r.NoDate {
		req.Header.Set("X-Amz-Date", AmzDate)
	}
	for _, h := range r.Headers {
		req.Header.Set(h[0], h[1])
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return &Response{Err: err.Error()}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return &Response{Status: resp.StatusCode, Err: "reading body: " + err.Error()}
	}
	out := &Response{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: b}
	if v, err := decodeJSON(b); err == nil {
		out.JSON = v
	}
	for _, s := range r.Save {
		if e.saved == nil {
			e.saved = make(map[string]string)
		}
		if v, ok := getAtPath(out.JSON, splitPath(s[1])); ok {
			e.saved[s[0]] = canonical(v)
		} else {
			delete(e.saved, s[0])
		}
	}
	return out
}

// Summary is a one-line rendering of the response for the report.
func (r *Response) Summary() string {
	if r.Err != "" {
		return "transport error: " + r.Err
	}
	body := string(r.Body)
	if r.JSON != nil {
		body = canonical(normalizeValue(r.JSON))
	}
	if len(body) > 1500 {
		body = body[:1500] + fmt.Sprintf("... (%d bytes)", len(r.Body))
	}
	return fmt.Sprintf("%d %s", r.Status, body)
}

// errorParts extracts __type (split at '#'), the message and the key the
// message came under ("message" or "Message").
func (r *Response) errorParts() (namespace, typ, msg, msgKey string, isErr bool) {
	m, ok := r.JSON.(map[string]any)
	if !ok {
		return "", "", "", "", r.Status >= 300
	}
	if t, ok := m["__type"].(string); ok {
		isErr = true
		if i := strings.LastIndex(t, "#"); i >= 0 {
			namespace, typ = t[:i], t[i+1:]
		} else {
			typ = t
		}
	}
	for _, k := range []string{"message", "Message"} {
		if v, ok := m[k]; ok {
			if s, ok := v.(string); ok {
				msg = s
			} else {
				msg = canonical(v)
			}
			msgKey = k
			break
		}
	}
	return namespace, typ, msg, msgKey, isErr || r.Status >= 300
}
