package bench

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// AWS Signature Version 4 (HMAC-SHA256), written for this package.
//
// Two implementations share one key derivation:
//   - Signer.Sign is general: it signs the host and every header already on an
//     http.Request (the way the AWS test suite states its cases), with the
//     request's path and query. Setup and tests use it.
//   - requestSigner is the hot path for DynamoDB's JSON protocol, where every
//     request is "POST /" with the same four signed headers
//     (content-type;host;x-amz-date;x-amz-target). It appends into reusable
//     buffers and allocates one string per request (the Authorization value).

const (
	sigAlgorithm     = "AWS4-HMAC-SHA256"
	amzDateLayout    = "20060102T150405Z"
	amzJSONType      = "application/x-amz-json-1.0"
	fastSignedHeader = "content-type;host;x-amz-date;x-amz-target"
)

// Signer holds credentials and the credential scope (region, service) and
// caches the derived signing key of the current day.
type Signer struct {
	AccessKey string
	SecretKey string
	Region    string
	Service   string

	mu     sync.Mutex
	keyDay string // YYYYMMDD of key
	key    []byte
}

// NewSigner returns a Signer for one access key, secret, region and service.
func NewSigner(accessKey, secretKey, region, service string) *Signer {
	return &Signer{AccessKey: accessKey, SecretKey: secretKey, Region: region, Service: service}
}

// SigningKey returns HMAC(HMAC(HMAC(HMAC("AWS4"+secret, day), region), service), "aws4_request")
// for day in the form YYYYMMDD. The key of the most recent day asked for is
// cached, so a long run derives it once per UTC day. The result must not be
// modified.
func (s *Signer) SigningKey(day string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil && s.keyDay == day {
		return s.key
	}
	k := hmacSHA256([]byte("AWS4"+s.SecretKey), day)
	k = hmacSHA256(k, s.Region)
	k = hmacSHA256(k, s.Service)
	k = hmacSHA256(k, "aws4_request")
	s.keyDay, s.key = day, k
	return k
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// scope returns "YYYYMMDD/region/service/aws4_request".
func (s *Signer) scope(day string) string {
	return day + "/" + s.Region + "/" + s.Service + "/aws4_request"
}

// Sign sets X-Amz-Date (from t) and Authorization on req. The signed headers
// are the host plus every header present in req.Header except Authorization,
// User-Agent, Expect, Transfer-Encoding and X-Amzn-Trace-Id. payload is the
// request body (nil for none); its SHA-256 goes into the canonical request.
// Sign returns the canonical request and the string to sign, for tests.
func (s *Signer) Sign(req *http.Request, payload []byte, t time.Time) (canonicalRequest, stringToSign string) {
	t = t.UTC()
	amzDate := t.Format(amzDateLayout)
	day := amzDate[:8]
	req.Header.Set("X-Amz-Date", amzDate)

	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	type hv struct{ name, value string }
	hs := []hv{{"host", host}}
	for name, values := range req.Header {
		switch http.CanonicalHeaderKey(name) {
		case "Authorization", "User-Agent", "Expect", "Transfer-Encoding", "X-Amzn-Trace-Id", "Host":
			continue
		}
		vs := make([]string, len(values))
		for i, v := range values {
			vs[i] = canonicalHeaderValue(v)
		}
		hs = append(hs, hv{strings.ToLower(name), strings.Join(vs, ",")})
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].name < hs[j].name })

	var names []string
	var cr strings.Builder
	cr.WriteString(req.Method)
	cr.WriteByte('\n')
	cr.WriteString(canonicalPath(req.URL))
	cr.WriteByte('\n')
	cr.WriteString(canonicalQuery(req.URL))
	cr.WriteByte('\n')
	for _, h := range hs {
		names = append(names, h.name)
		cr.WriteString(h.name)
		cr.WriteByte(':')
		cr.WriteString(h.value)
		cr.WriteByte('\n')
	}
	signedHeaders := strings.Join(names, ";")
	cr.WriteByte('\n')
	cr.WriteString(signedHeaders)
	cr.WriteByte('\n')
	ph := sha256.Sum256(payload)
	cr.WriteString(hex.EncodeToString(ph[:]))
	canonicalRequest = cr.String()

	crh := sha256.Sum256([]byte(canonicalRequest))
	scope := s.scope(day)
	stringToSign = sigAlgorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(crh[:])
	sig := hmacSHA256(s.SigningKey(day), stringToSign)
	req.Header.Set("Authorization", sigAlgorithm+" Credential="+s.AccessKey+"/"+scope+
		", SignedHeaders="+signedHeaders+", Signature="+hex.EncodeToString(sig))
	return canonicalRequest, stringToSign
}

// canonicalHeaderValue trims a header value and collapses runs of spaces.
func canonicalHeaderValue(v string) string {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		return v
	}
	var b strings.Builder
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

// canonicalPath URI-encodes each segment of the decoded path once (as the
// AWS test suite does; DynamoDB's path is always "/").
func canonicalPath(u *url.URL) string {
	p := u.Path
	if p == "" {
		return "/"
	}
	return uriEncode(p, false)
}

// canonicalQuery sorts parameters by name, then value, each URI-encoded.
func canonicalQuery(u *url.URL) string {
	if u.RawQuery == "" {
		return ""
	}
	type kv struct{ k, v string }
	var kvs []kv
	for k, vs := range u.Query() {
		for _, v := range vs {
			kvs = append(kvs, kv{uriEncode(k, true), uriEncode(v, true)})
		}
	}
	sort.Slice(kvs, func(i, j int) bool {
		if kvs[i].k != kvs[j].k {
			return kvs[i].k < kvs[j].k
		}
		return kvs[i].v < kvs[j].v
	})
	var b strings.Builder
	for i, p := range kvs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// uriEncode percent-encodes every byte except the RFC 3986 unreserved
// characters (and '/' unless encodeSlash).
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~', c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// requestSigner signs DynamoDB JSON-protocol requests ("POST /", signed
// headers content-type;host;x-amz-date;x-amz-target) for one worker. It is not
// safe for concurrent use; each worker owns one.
type requestSigner struct {
	s *Signer

	crPrefix []byte // "POST\n/\n\ncontent-type:...\nhost:<host>\nx-amz-date:"

	// Per UTC day.
	day        string
	mac        hash.Hash // HMAC-SHA256 keyed with the day's signing key
	stsPrefix  []byte    // "AWS4-HMAC-SHA256\n" (date follows)
	scopeLine  []byte    // "\n<scope>\n"
	authPrefix []byte    // "AWS4-HMAC-SHA256 Credential=.../aws4_request, SignedHeaders=..., Signature="

	// Per second.
	sec     int64
	amzDate string

	cr, sts, auth, sum []byte
}

func newRequestSigner(s *Signer, host string) *requestSigner {
	rs := &requestSigner{s: s, sec: -1}
	rs.crPrefix = []byte("POST\n/\n\ncontent-type:" + amzJSONType + "\nhost:" + canonicalHeaderValue(host) + "\nx-amz-date:")
	rs.stsPrefix = []byte(sigAlgorithm + "\n")
	return rs
}

// sign returns the X-Amz-Date and Authorization header values for a request
// with the given X-Amz-Target and body, signed at now.
func (rs *requestSigner) sign(target string, body []byte, now time.Time) (amzDate, authorization string) {
	if sec := now.Unix(); sec != rs.sec {
		rs.sec = sec
		rs.amzDate = now.UTC().Format(amzDateLayout)
		if day := rs.amzDate[:8]; day != rs.day {
			rs.day = day
			rs.mac = hmac.New(sha256.New, rs.s.SigningKey(day))
			scope := rs.s.scope(day)
			rs.scopeLine = []byte("\n" + scope + "\n")
			rs.authPrefix = []byte(sigAlgorithm + " Credential=" + rs.s.AccessKey + "/" + scope +
				", SignedHeaders=" + fastSignedHeader + ", Signature=")
		}
	}

	var h [sha256.Size]byte
	var hx [2 * sha256.Size]byte

	cr := append(rs.cr[:0], rs.crPrefix...)
	cr = append(cr, rs.amzDate...)
	cr = append(cr, "\nx-amz-target:"...)
	cr = append(cr, target...)
	cr = append(cr, "\n\n"+fastSignedHeader+"\n"...)
	h = sha256.Sum256(body)
	hex.Encode(hx[:], h[:])
	cr = append(cr, hx[:]...)
	rs.cr = cr

	h = sha256.Sum256(cr)
	hex.Encode(hx[:], h[:])
	sts := append(rs.sts[:0], rs.stsPrefix...)
	sts = append(sts, rs.amzDate...)
	sts = append(sts, rs.scopeLine...)
	sts = append(sts, hx[:]...)
	rs.sts = sts

	rs.mac.Reset()
	rs.mac.Write(sts)
	rs.sum = rs.mac.Sum(rs.sum[:0])
	hex.Encode(hx[:], rs.sum)

	auth := append(rs.auth[:0], rs.authPrefix...)
	auth = append(auth, hx[:]...)
	rs.auth = auth
	return rs.amzDate, string(auth)
}
