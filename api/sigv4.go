package api

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynago/dynago/ddb"
)

// SigV4 verifies AWS Signature Version 4 signatures against configured
// access keys, as DynamoDB does: the Authorization header (or, for a
// presigned request, the X-Amz-* query parameters) must name a known access
// key, be scoped to Region and the dynamodb service on the request's date,
// be dated within 15 minutes of the server's clock, and carry the signature
// of the request's method, path, query, signed headers and body under that
// key's secret.
//
// What it does not do: session tokens (X-Amz-Security-Token) are refused
// because Dynago issues none; there are no IAM policies (a known key may do
// everything).
type SigV4 struct {
	Region string            // the region requests must be scoped to
	Keys   map[string]string // access key id -> secret access key (until SetKeys)
	// Now returns the server's time; nil means time.Now.
	Now func() time.Time

	set  atomic.Pointer[map[string]string] // the keys of the last SetKeys
	mu   sync.Mutex
	keys map[signingScope][32]byte // derived signing keys
}

// SetKeys replaces the access keys (id -> secret), for instance with a
// reloaded credentials file; requests in flight finish with the old ones.
func (v *SigV4) SetKeys(keys map[string]string) {
	v.set.Store(&keys)
}

func (v *SigV4) secret(accessKey string) (string, bool) {
	keys := v.Keys
	if p := v.set.Load(); p != nil {
		keys = *p
	}
	secret, ok := keys[accessKey]
	return secret, ok
}

// The signing key depends on the secret and the scope's date only (region
// and service are fixed), so one derivation serves a key for a day. The
// secret is part of the cache key: a replaced secret never meets a key
// derived from the old one.
type signingScope struct {
	accessKey, secret, date string
}

const (
	sigV4Algorithm = "AWS4-HMAC-SHA256"
	sigV4Service   = "dynamodb"
	sigV4Term      = "aws4_request"
	amzDateLayout  = "20060102T150405Z"
	maxClockSkew   = 15 * time.Minute
)

// Authenticate implements Authenticator. body is the request body as sent
// (before any Content-Encoding is undone).
func (v *SigV4) Authenticate(r *http.Request, body []byte) error {
	auth := strings.TrimSpace(header(r.Header, "Authorization"))
	if auth == "" && r.URL.Query().Get("X-Amz-Signature") != "" {
		return v.verifyPresigned(r, body)
	}
	if err := (WellFormedSigV4{}).Authenticate(r, body); err != nil {
		return err
	}
	alg, _, _ := strings.Cut(auth, " ")
	if alg != sigV4Algorithm {
		return ddb.Errorf(ddb.ErrIncompleteSignature, "Unsupported AWS 'algorithm': '%s'", alg)
	}
	var cred, signed, sig string
	eachAuthParam(auth, func(k, val string) {
		switch k {
		case "Credential":
			cred = val
		case "SignedHeaders":
			signed = val
		case "Signature":
			sig = val
		}
	})
	date := header(r.Header, "X-Amz-Date")
	if date == "" {
		// Only a Date header (WellFormedSigV4 made sure there is one).
		t, err := http.ParseTime(header(r.Header, "Date"))
		if err != nil {
			return ddb.Errorf(ddb.ErrIncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", header(r.Header, "Date"))
		}
		date = t.UTC().Format(amzDateLayout)
	}
	if header(r.Header, "X-Amz-Security-Token") != "" {
		return ddb.Errorf(ddb.ErrUnrecognizedClient, "The security token included in the request is invalid.")
	}
	return v.verify(r, body, cred, signed, sig, date, "", false)
}

// verifyPresigned checks a request authenticated by query parameters.
func (v *SigV4) verifyPresigned(r *http.Request, body []byte) error {
	q := r.URL.Query()
	var missing strings.Builder
	for _, p := range [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders"} {
		if q.Get(p) == "" {
			missing.WriteString("AWS query-string parameters must include '" + p + "'. ")
		}
	}
	if missing.Len() > 0 {
		return ddb.Errorf(ddb.ErrIncompleteSignature, "%sRe-examine the query-string parameters.", missing.String())
	}
	if alg := q.Get("X-Amz-Algorithm"); alg != sigV4Algorithm {
		return ddb.Errorf(ddb.ErrIncompleteSignature, "Unsupported AWS 'algorithm': '%s'", alg)
	}
	if q.Get("X-Amz-Security-Token") != "" || header(r.Header, "X-Amz-Security-Token") != "" {
		return ddb.Errorf(ddb.ErrUnrecognizedClient, "The security token included in the request is invalid.")
	}
	return v.verify(r, body, q.Get("X-Amz-Credential"), q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Signature"),
		q.Get("X-Amz-Date"), q.Get("X-Amz-Expires"), true)
}

// verify checks the credential scope, the date and the signature.
func (v *SigV4) verify(r *http.Request, body []byte, cred, signed, sig, date, expires string, presigned bool) error {
	if strings.Count(cred, "/") != 4 {
		return ddb.Errorf(ddb.ErrIncompleteSignature, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", cred)
	}
	var parts [5]string
	rest := cred
	for i := range 4 {
		parts[i], rest, _ = strings.Cut(rest, "/")
	}
	parts[4] = rest
	accessKey, scopeDate, region, service, term := parts[0], parts[1], parts[2], parts[3], parts[4]
	t, err := time.Parse(amzDateLayout, date)
	if err != nil {
		return ddb.Errorf(ddb.ErrIncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", date)
	}
	switch {
	case term != sigV4Term:
		return ddb.Errorf(ddb.ErrInvalidSignature, "Credential should be scoped with a valid terminator: '%s', not '%s'. ", sigV4Term, term)
	case service != sigV4Service:
		return ddb.Errorf(ddb.ErrInvalidSignature, "Credential should be scoped to correct service: '%s'. ", sigV4Service)
	case region != v.Region:
		return ddb.Errorf(ddb.ErrInvalidSignature, "Credential should be scoped to a valid region. ")
	case scopeDate != date[:8]:
		return ddb.Errorf(ddb.ErrInvalidSignature, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", scopeDate, date[:8], date)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	n := now().UTC().Truncate(time.Second)
	if presigned {
		secs, err := strconv.Atoi(expires)
		if err != nil || secs < 0 || secs > 604800 {
			return ddb.Errorf(ddb.ErrIncompleteSignature, "X-Amz-Expires must be a number of seconds from 0 to 604800 (a week), got '%s'", expires)
		}
		if end := t.Add(time.Duration(secs) * time.Second); n.After(end) {
			return ddb.Errorf(ddb.ErrInvalidSignature, "Signature expired: %s is now earlier than %s",
				end.Format(amzDateLayout), n.Format(amzDateLayout))
		}
	}
	if earliest := n.Add(-maxClockSkew); t.Before(earliest) && !presigned {
		return ddb.Errorf(ddb.ErrInvalidSignature, "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			date, earliest.Format(amzDateLayout), n.Format(amzDateLayout))
	}
	if latest := n.Add(maxClockSkew); t.After(latest) {
		return ddb.Errorf(ddb.ErrInvalidSignature, "Signature not yet current: %s is still later than %s (%s + 15 min.)",
			date, latest.Format(amzDateLayout), n.Format(amzDateLayout))
	}
	secret, ok := v.secret(accessKey)
	if !ok {
		return ddb.Errorf(ddb.ErrUnrecognizedClient, "The security token included in the request is invalid.")
	}
	hostSigned := false
	for name := range strings.SplitSeq(signed, ";") {
		hostSigned = hostSigned || name == "host"
	}
	if !hostSigned {
		return ddb.Errorf(ddb.ErrInvalidSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	var buf [1024]byte
	creq := sha256.Sum256(appendCanonicalRequest(buf[:0], r, body, signed, presigned))
	want := v.signature(accessKey, secret, scopeDate, date, cred, creq)
	var hexWant [64]byte
	hex.Encode(hexWant[:], want[:])
	if !equalConstantTime(hexWant[:], sig) {
		return ddb.Errorf(ddb.ErrInvalidSignature, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return nil
}

// equalConstantTime reports whether a and b are equal, in a time that
// depends on their lengths only.
func equalConstantTime(a []byte, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var d byte
	for i := range a {
		d |= a[i] ^ b[i]
	}
	return d == 0
}

// signature is the HMAC of the string to sign (which ends with the hash of
// the canonical request) under the scope's signing key.
func (v *SigV4) signature(accessKey, secret, scopeDate, date, cred string, creq [32]byte) [32]byte {
	scope := cred[len(accessKey)+1:]
	var buf [256]byte
	sts := append(buf[:0], sigV4Algorithm+"\n"...)
	sts = append(sts, date...)
	sts = append(sts, '\n')
	sts = append(sts, scope...)
	sts = append(sts, '\n')
	sts = hex.AppendEncode(sts, creq[:])
	key := v.signingKey(accessKey, secret, scopeDate)
	return hmacSHA256(&key, sts)
}

// hmacSHA256 is HMAC-SHA256 with a 32-byte key (RFC 2104), without the
// allocations of crypto/hmac.
func hmacSHA256(key *[32]byte, msg []byte) [32]byte {
	var inner [64 + 320]byte
	padKey(inner[:64], key, 0x36)
	var ih [32]byte
	if len(msg) <= len(inner)-64 {
		ih = sha256.Sum256(append(inner[:64], msg...))
	} else {
		d := sha256.New()
		d.Write(inner[:64])
		d.Write(msg)
		d.Sum(ih[:0])
	}
	var outer [64 + 32]byte
	padKey(outer[:64], key, 0x5c)
	copy(outer[64:], ih[:])
	return sha256.Sum256(outer[:])
}

// padKey fills the 64-byte block dst with key, zero-padded, XORed with pad.
func padKey(dst []byte, key *[32]byte, pad byte) {
	for i := range dst {
		dst[i] = pad
	}
	for i, k := range key {
		dst[i] ^= k
	}
}

func (v *SigV4) signingKey(accessKey, secret, scopeDate string) [32]byte {
	s := signingScope{accessKey, secret, scopeDate}
	v.mu.Lock()
	k, ok := v.keys[s]
	v.mu.Unlock()
	if ok {
		return k
	}
	k = deriveSigningKey(secret, scopeDate, v.Region, sigV4Service)
	v.mu.Lock()
	if v.keys == nil || len(v.keys) >= 1024 {
		v.keys = make(map[signingScope][32]byte)
	}
	v.keys[signingScope{strings.Clone(accessKey), secret, strings.Clone(scopeDate)}] = k
	v.mu.Unlock()
	return k
}

func deriveSigningKey(secret, date, region, service string) [32]byte {
	mac := func(key []byte, data string) []byte {
		m := hmac.New(sha256.New, key)
		io.WriteString(m, data)
		return m.Sum(nil)
	}
	k := mac([]byte("AWS4"+secret), date)
	k = mac(k, region)
	k = mac(k, service)
	var out [32]byte
	copy(out[:], mac(k, sigV4Term))
	return out
}

// appendCanonicalRequest appends SigV4's canonical form of r: method, URI,
// query, the signed headers with their values, the signed header list and
// the SHA-256 of the body.
func appendCanonicalRequest(b []byte, r *http.Request, body []byte, signed string, presigned bool) []byte {
	b = append(b, r.Method...)
	b = append(b, '\n')
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	b = appendURIEscaped(b, path, true) // every service but S3 encodes the path twice
	b = append(b, '\n')
	b = appendCanonicalQuery(b, r.URL.RawQuery, presigned)
	b = append(b, '\n')
	for name := range strings.SplitSeq(signed, ";") {
		b = append(b, name...)
		b = append(b, ':')
		b = appendHeaderValues(b, signedHeaderValues(r, name))
		b = append(b, '\n')
	}
	b = append(b, '\n')
	b = append(b, signed...)
	b = append(b, '\n')
	h := sha256.Sum256(body)
	return hex.AppendEncode(b, h[:])
}

// signedHeaderValues returns the values of a signed header as received;
// Go keeps some of them outside Request.Header.
func signedHeaderValues(r *http.Request, name string) []string {
	switch name {
	case "host":
		return []string{r.Host}
	case "transfer-encoding":
		if len(r.TransferEncoding) > 0 {
			return []string{strings.Join(r.TransferEncoding, ",")}
		}
	case "content-length":
		if _, ok := r.Header["Content-Length"]; !ok && r.ContentLength >= 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	}
	if len(name) > 64 {
		return r.Header[http.CanonicalHeaderKey(name)]
	}
	// The canonical key without allocating (a map index with string(bytes)
	// does not copy).
	var key [64]byte
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		key[i] = c
		upper = c == '-'
	}
	return r.Header[string(key[:len(name)])]
}

// appendHeaderValues appends the values joined by commas, each trimmed and
// with runs of spaces collapsed to one.
func appendHeaderValues(b []byte, vals []string) []byte {
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		v = strings.TrimSpace(v)
		space := false
		for j := 0; j < len(v); j++ {
			if v[j] == ' ' {
				if space {
					continue
				}
				space = true
			} else {
				space = false
			}
			b = append(b, v[j])
		}
	}
	return b
}

// appendCanonicalQuery appends the query's parameters, each name and value
// URI-encoded, sorted by name and then value; a presigned request's
// signature parameter is left out.
func appendCanonicalQuery(b []byte, raw string, presigned bool) []byte {
	if raw == "" {
		return b
	}
	type param struct{ k, v string }
	var ps []param
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, val, _ := strings.Cut(part, "=")
		k, val = queryUnescape(k), queryUnescape(val)
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		ps = append(ps, param{string(appendURIEscaped(nil, k, false)), string(appendURIEscaped(nil, val, false))})
	}
	slices.SortFunc(ps, func(a, c param) int {
		if n := strings.Compare(a.k, c.k); n != 0 {
			return n
		}
		return strings.Compare(a.v, c.v)
	})
	for i, p := range ps {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.k...)
		b = append(b, '=')
		b = append(b, p.v...)
	}
	return b
}

// queryUnescape decodes %XX and '+' (a space in a form-encoded query); an
// invalid escape is kept as it is.
func queryUnescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			out = append(out, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// appendURIEscaped appends s with every byte but the unreserved characters
// (A-Z a-z 0-9 - _ . ~), and '/' when keepSlash, encoded as %XX.
func appendURIEscaped(b []byte, s string, keepSlash bool) []byte {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || c == '/' && keepSlash {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return b
}

// ParseCredentials reads access keys for SigV4 from r: either lines of
// "ACCESS_KEY_ID SECRET_ACCESS_KEY" (or "ID:SECRET"), or the AWS shared
// credentials format ("aws_access_key_id = ..." and "aws_secret_access_key
// = ..." in [sections]). Blank lines and lines starting with # or ; are
// ignored.
func ParseCredentials(r io.Reader) (map[string]string, error) {
	keys := make(map[string]string)
	sc := bufio.NewScanner(r)
	lineNo := 0
	var id, secret string // of the current [section]
	sectionLine := 0
	section := func() error {
		if id == "" && secret == "" {
			return nil
		}
		if id == "" || secret == "" {
			return fmt.Errorf("line %d: a section needs both aws_access_key_id and aws_secret_access_key", sectionLine)
		}
		keys[id] = secret
		id, secret = "", ""
		return nil
	}
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case line[0] == '[':
			if err := section(); err != nil {
				return nil, err
			}
			sectionLine = lineNo
			continue
		}
		if k, val, ok := strings.Cut(line, "="); ok && !strings.ContainsAny(strings.TrimSpace(k), " \t:") {
			// A setting of the shared credentials format (a secret with
			// an '=' in an "ID SECRET" line has white space before it).
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "aws_access_key_id":
				id = strings.TrimSpace(val)
			case "aws_secret_access_key":
				secret = strings.TrimSpace(val)
			}
			continue // other settings of a profile (region, ...)
		}
		f := strings.Fields(line)
		if len(f) == 1 {
			f = strings.SplitN(f[0], ":", 2)
		}
		if len(f) != 2 || f[0] == "" || f[1] == "" {
			return nil, fmt.Errorf("line %d: want ACCESS_KEY_ID SECRET_ACCESS_KEY", lineNo)
		}
		keys[f[0]] = f[1]
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := section(); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no access keys")
	}
	return keys, nil
}
