package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/dynago/dynago/ddb"
)

// TestSigV4TestSuite checks the canonical request and the signature against
// cases of AWS's published SigV4 test suite (credentials AKIDEXAMPLE /
// wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 2015-08-30T12:36:00Z,
// us-east-1, service "service"): the hash of the canonical request is the
// last line of the suite's string to sign.
func TestSigV4TestSuite(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	for _, tc := range []struct {
		name, method, target string
		creqHash, signature  string
	}{
		{"get-vanilla", "GET", "/", "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
			"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{"post-vanilla", "POST", "/", "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
			"5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
		{"post-vanilla-query", "POST", "/?Param1=value1", "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "http://example.amazonaws.com"+tc.target, nil)
			r.Header.Set("X-Amz-Date", "20150830T123600Z")
			creq := appendCanonicalRequest(nil, r, nil, "host;x-amz-date", false)
			h := sha256.Sum256(creq)
			if got := hex.EncodeToString(h[:]); got != tc.creqHash {
				t.Fatalf("canonical request hash %s, want %s; canonical request:\n%s", got, tc.creqHash, creq)
			}
			if tc.signature == "" {
				return
			}
			sts := "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n" + tc.creqHash
			key := deriveSigningKey(secret, "20150830", "us-east-1", "service")
			m := hmac.New(sha256.New, key[:])
			m.Write([]byte(sts))
			if got := hex.EncodeToString(m.Sum(nil)); got != tc.signature {
				t.Fatalf("signature %s, want %s", got, tc.signature)
			}
		})
	}
}

const (
	testKeyID  = "AKIDTEST"
	testSecret = "s3cr3t/KEY+value"
)

var signedAt = time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC)

func verifyingHandler(now time.Time) *Handler {
	h := testHandler()
	h.opt.Auth = &SigV4{Region: "us-east-1", Keys: map[string]string{testKeyID: testSecret, "OTHER": "x"},
		Now: func() time.Time { return now }}
	return h
}

// signedRequest builds an Echo request signed by aws-sdk-go-v2's signer.
func signedRequest(t *testing.T, body []byte, gz bool, creds aws.Credentials, service, region string, at time.Time) *http.Request {
	t.Helper()
	sent := body
	if gz {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(body)
		zw.Close()
		sent = b.Bytes()
	}
	r := httptest.NewRequest("POST", "http://localhost:8000/", bytes.NewReader(sent))
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("X-Amz-Target", DynamoDBPrefix+"Echo")
	if gz {
		r.Header.Set("Content-Encoding", "gzip")
	}
	h := sha256.Sum256(sent)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(h[:]), service, region, at); err != nil {
		t.Fatal(err)
	}
	return r
}

func errorOf(t *testing.T, rec *httptest.ResponseRecorder) (typ, msg string) {
	t.Helper()
	if rec.Code == 200 {
		return "", ""
	}
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("error body %q: %v", rec.Body, err)
	}
	_, typ, _ = strings.Cut(e.Type, "#")
	return typ, e.Message
}

func TestSigV4Verify(t *testing.T) {
	good := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}
	body := []byte(`{"TableName":"t"}`)
	const mismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	// authEdited signs a request, then replaces old by new in its
	// Authorization header.
	authEdited := func(old, new string) func(t *testing.T) *http.Request {
		return func(t *testing.T) *http.Request {
			r := signedRequest(t, body, false, good, "dynamodb", "us-east-1", signedAt)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
			return r
		}
	}
	for _, tc := range []struct {
		name   string
		req    func(t *testing.T) *http.Request
		now    time.Time
		typ    string // "" means success
		msg    string
		status int
	}{
		{name: "signed by the SDK", req: func(t *testing.T) *http.Request {
			return signedRequest(t, body, false, good, "dynamodb", "us-east-1", signedAt)
		}},
		{name: "gzip body, signature over the compressed bytes", req: func(t *testing.T) *http.Request {
			return signedRequest(t, body, true, good, "dynamodb", "us-east-1", signedAt)
		}},
		{name: "14 minutes late", now: signedAt.Add(14 * time.Minute), req: func(t *testing.T) *http.Request {
			return signedRequest(t, body, false, good, "dynamodb", "us-east-1", signedAt)
		}},
		{name: "14 minutes early", now: signedAt.Add(-14 * time.Minute), req: func(t *testing.T) *http.Request {
			return signedRequest(t, body, false, good, "dynamodb", "us-east-1", signedAt)
		}},
		{name: "wrong secret", typ: "InvalidSignatureException", msg: mismatch, req: func(t *testing.T) *http.Request {
			return signedRequest(t, body, false, aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: "nope"}, "dynamodb", "us-east-1", signedAt)
		}},
		{name: "unknown access key", typ: "UnrecognizedClientException", msg: "The security token included in the request is invalid.",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, body, false, aws.Credentials{AccessKeyID: "AKIDUNKNOWN", SecretAccessKey: testSecret}, "dynamodb", "us-east-1", signedAt)
			}},
		{name: "session token", typ: "UnrecognizedClientException", msg: "The security token included in the request is invalid.",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, body, false, aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: "tok"}, "dynamodb", "us-east-1", signedAt)
			}},
		{name: "body changed after signing", typ: "InvalidSignatureException", msg: mismatch, req: func(t *testing.T) *http.Request {
			r := signedRequest(t, body, false, good, "dynamodb", "us-east-1", signedAt)
			other := []byte(`{"TableName":"u"}`)
			r.Body = readCloser{bytes.NewReader(other)}
			r.ContentLength = int64(len(other))
			return r
		}},
		{name: "signed header changed after signing", typ: "InvalidSignatureException", msg: mismatch, req: func(t *testing.T) *http.Request {
			r := signedRequest(t, body, false, good, "dynamodb", "us-east-1", signedAt)
			r.Header.Set("Content-Type", "application/json")
			return r
		}},
		{name: "signature not hex", typ: "InvalidSignatureException", msg: mismatch, req: func(t *testing.T) *http.Request {
			r := signedRequest(t, body, false, good, "dynamodb", "us-east-1", signedAt)
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:strings.Index(a, "Signature=")]+"Signature=zz")
			return r
		}},
		{name: "expired", now: signedAt.Add(16 * time.Minute), typ: "InvalidSignatureException",
			msg: "Signature expired: 20261124T103000Z is now earlier than 20261124T103100Z (20261124T104600Z - 15 min.)",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, body, false, good, "dynamodb", "us-east-1", signedAt)
			}},
		{name: "from the future", now: signedAt.Add(-16 * time.Minute), typ: "InvalidSignatureException",
			msg: "Signature not yet current: 20261124T103000Z is still later than 20261124T102900Z (20261124T101400Z + 15 min.)",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, body, false, good, "dynamodb", "us-east-1", signedAt)
			}},
		{name: "another region", typ: "InvalidSignatureException", msg: "Credential should be scoped to a valid region. ",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, body, false, good, "dynamodb", "eu-west-1", signedAt)
			}},
		{name: "another service", typ: "InvalidSignatureException", msg: "Credential should be scoped to correct service: 'dynamodb'. ",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, body, false, good, "sqs", "us-east-1", signedAt)
			}},
		{name: "scope date not the request's", typ: "InvalidSignatureException",
			msg: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261123' != '20261124', from '20261124T103000Z'.",
			req: authEdited("/20261124/", "/20261123/")},
		{name: "bad terminator", typ: "InvalidSignatureException",
			msg: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ",
			req: authEdited("aws4_request", "aws5_request")},
		{name: "credential of four parts", typ: "IncompleteSignatureException",
			msg: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDTEST/20261124/us-east-1/dynamodb'",
			req: authEdited("/aws4_request", "")},
		{name: "host not signed", typ: "InvalidSignatureException",
			msg: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
			req: func(t *testing.T) *http.Request {
				r := signedRequest(t, body, false, good, "dynamodb", "us-east-1", signedAt)
				a := r.Header.Get("Authorization")
				i, j := strings.Index(a, "SignedHeaders="), strings.Index(a, ", Signature=")
				r.Header.Set("Authorization", a[:i]+"SignedHeaders=x-amz-date"+a[j:])
				return r
			}},
		{name: "another algorithm", typ: "IncompleteSignatureException", msg: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'",
			req: authEdited("SHA256", "SHA512")},
		{name: "no Authorization", typ: "MissingAuthenticationTokenException", msg: "Request is missing Authentication Token",
			req: func(t *testing.T) *http.Request {
				r := signedRequest(t, body, false, good, "dynamodb", "us-east-1", signedAt)
				r.Header.Del("Authorization")
				return r
			}},
		{name: "presigned", req: func(t *testing.T) *http.Request { return presigned(t, body, good, signedAt, 300) }},
		{name: "presigned, expired", now: signedAt.Add(301 * time.Second), typ: "InvalidSignatureException",
			msg: "Signature expired: 20261124T103500Z is now earlier than 20261124T103501Z",
			req: func(t *testing.T) *http.Request { return presigned(t, body, good, signedAt, 300) }},
		{name: "presigned, wrong secret", typ: "InvalidSignatureException", msg: mismatch, req: func(t *testing.T) *http.Request {
			return presigned(t, body, aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: "nope"}, signedAt, 300)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.now
			if now.IsZero() {
				now = signedAt
			}
			rec := httptest.NewRecorder()
			verifyingHandler(now).ServeHTTP(rec, tc.req(t))
			typ, msg := errorOf(t, rec)
			if typ != tc.typ || msg != tc.msg {
				t.Fatalf("got %d %s %q, want %s %q", rec.Code, typ, msg, tc.typ, tc.msg)
			}
			if tc.typ == "" && !strings.Contains(rec.Body.String(), `"ok":true`) {
				t.Fatalf("body %s", rec.Body)
			}
			if tc.typ != "" && rec.Code != 400 {
				t.Fatalf("status %d, want 400", rec.Code)
			}
		})
	}
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// presigned builds an Echo request authenticated by query parameters.
func presigned(t *testing.T, body []byte, creds aws.Credentials, at time.Time, expires int) *http.Request {
	t.Helper()
	r := httptest.NewRequest("POST", "http://localhost:8000/?X-Amz-Expires="+strconv.Itoa(expires), bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("X-Amz-Target", DynamoDBPrefix+"Echo")
	h := sha256.Sum256(body)
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, hex.EncodeToString(h[:]), "dynamodb", "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	out := httptest.NewRequest("POST", u, bytes.NewReader(body))
	out.Header = r.Header.Clone()
	return out
}

func TestParseCredentials(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     map[string]string
		err      string
	}{
		{"pairs", "# keys\nAKID1 secret1\n\n  AKID2\tsecret/2+x  \n", map[string]string{"AKID1": "secret1", "AKID2": "secret/2+x"}, ""},
		{"colon", "AKID1:sec:ret", map[string]string{"AKID1": "sec:ret"}, ""},
		{"secret with =", "AKID1 abc=def\nAKID2:x=y", map[string]string{"AKID1": "abc=def", "AKID2": "x=y"}, ""},
		{"shared credentials file", "[default]\naws_access_key_id = AKID1\naws_secret_access_key = s1\nregion = us-east-1\n\n; other\n[ci]\naws_secret_access_key=s2\naws_access_key_id=AKID2\n",
			map[string]string{"AKID1": "s1", "AKID2": "s2"}, ""},
		{"section without secret", "[default]\naws_access_key_id = AKID1\n[x]\n", nil, "line 1: a section needs both"},
		{"one field", "AKID1\n", nil, "line 1: want ACCESS_KEY_ID SECRET_ACCESS_KEY"},
		{"three fields", "a b c\n", nil, "line 1: want"},
		{"empty", "# nothing\n", nil, "no access keys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCredentials(strings.NewReader(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// BenchmarkSigV4 measures verifying one signed GetItem-sized request.
func BenchmarkSigV4(b *testing.B) {
	t := &testing.T{}
	r := signedRequest(t, []byte(`{"TableName":"bench","Key":{"pk":{"S":"user#00001234"}}}`), false,
		aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}, "dynamodb", "us-east-1", signedAt)
	body := []byte(`{"TableName":"bench","Key":{"pk":{"S":"user#00001234"}}}`)
	v := &SigV4{Region: "us-east-1", Keys: map[string]string{testKeyID: testSecret}, Now: func() time.Time { return signedAt }}
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Authenticate(r, body); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzSigV4 feeds arbitrary Authorization headers, dates, queries and
// bodies to the verifier: it must answer with an error or accept, never
// panic, and it accepts only the signed request (with its header, date and
// body; a query that canonicalizes to the same, such as "&", is the same).
func FuzzSigV4(f *testing.F) {
	t := &testing.T{}
	good := signedRequest(t, []byte(`{"TableName":"t"}`), false,
		aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}, "dynamodb", "us-east-1", signedAt)
	f.Add(good.Header.Get("Authorization"), good.Header.Get("X-Amz-Date"), "", `{"TableName":"t"}`)
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=00", "20261124T103000Z", "X-Amz-Signature=1", "")
	f.Add("AWS4-HMAC-SHA256 Credential=///////, SignedHeaders=;;;, Signature=", "x", "a=%zz&b=%41+c&=", "{}")
	v := &SigV4{Region: "us-east-1", Keys: map[string]string{testKeyID: testSecret}, Now: func() time.Time { return signedAt }}
	f.Fuzz(func(t *testing.T, auth, date, query, body string) {
		r := httptest.NewRequest("POST", "http://localhost:8000/", strings.NewReader(body))
		r.URL.RawQuery = query
		r.Header.Set("Content-Type", "application/x-amz-json-1.0")
		r.Header.Set("X-Amz-Target", DynamoDBPrefix+"Echo")
		r.Header.Set("Authorization", auth)
		r.Header.Set("X-Amz-Date", date)
		if err := v.Authenticate(r, []byte(body)); err == nil {
			if auth != good.Header.Get("Authorization") || date != good.Header.Get("X-Amz-Date") || body != `{"TableName":"t"}` {
				t.Fatalf("accepted a request that was not signed: %q %q %q %q", auth, date, query, body)
			}
		}
	})
}

// TestSigV4Randomized signs random requests with aws-sdk-go-v2's signer
// (random bodies, query parameters, extra signed headers with odd spacing,
// several values) and checks that each verifies, and that changing one
// byte of the body or of a signed header's value, or the query, makes it
// fail.
func TestSigV4Randomized(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	v := &SigV4{Region: "us-east-1", Keys: map[string]string{testKeyID: testSecret}, Now: func() time.Time { return signedAt }}
	creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}
	const alphabet = "abcXYZ019-_.~ %/+=&?:;,\"'{}[]\t"
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	headerChecks, queries := 0, 0
	for i := range 300 {
		body := []byte(word(rng.IntN(200)))
		u := "http://localhost:8000/"
		if rng.IntN(3) == 0 {
			q := url.Values{}
			for range 1 + rng.IntN(3) {
				q.Add(word(1+rng.IntN(5)), word(rng.IntN(6)))
			}
			u += "?" + q.Encode()
			queries++
		}
		r := httptest.NewRequest("POST", u, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/x-amz-json-1.0")
		r.Header.Set("X-Amz-Target", DynamoDBPrefix+"Echo")
		extra := fmt.Sprintf("X-Dynago-Test-%d", i)
		for range 1 + rng.IntN(2) {
			r.Header.Add(extra, " "+strings.TrimSpace(strings.ReplaceAll(word(1+rng.IntN(12)), "\t", " "))+"  x  y ")
		}
		h := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(h[:]), "dynamodb", "us-east-1", signedAt); err != nil {
			t.Fatal(err)
		}
		if err := v.Authenticate(r, body); err != nil {
			t.Fatalf("request %d (query %q, %s: %q): %v", i, r.URL.RawQuery, extra, r.Header[extra], err)
		}
		if len(body) > 0 {
			changed := bytes.Clone(body)
			changed[rng.IntN(len(changed))] ^= 0x20
			if v.Authenticate(r, changed) == nil {
				t.Fatalf("request %d: verified with a changed body", i)
			}
		}
		if strings.Contains(r.Header.Get("Authorization"), strings.ToLower(extra)) {
			headerChecks++
			old := r.Header[extra]
			r.Header[extra] = []string{old[0] + "!"}
			if v.Authenticate(r, body) == nil {
				t.Fatalf("request %d: verified with a changed signed header", i)
			}
			r.Header[extra] = old
		}
		r.URL.RawQuery += "&z=1"
		if v.Authenticate(r, body) == nil {
			t.Fatalf("request %d: verified with a changed query", i)
		}
	}
	if headerChecks < 250 || queries < 50 {
		t.Fatalf("only %d requests signed the extra header, %d had a query", headerChecks, queries)
	}
}

// TestSigV4SetKeys replaces the keys while derived signing keys are
// cached: a removed key is unknown at once, a rotated secret is checked
// against the new secret only.
func TestSigV4SetKeys(t *testing.T) {
	v := &SigV4{Region: "us-east-1", Keys: map[string]string{testKeyID: testSecret, "GONE": "g"},
		Now: func() time.Time { return signedAt }}
	body := []byte(`{}`)
	check := func(id, secret string) error {
		t.Helper()
		r := signedRequest(t, body, false, aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, "dynamodb", "us-east-1", signedAt)
		return v.Authenticate(r, body)
	}
	for _, k := range [][2]string{{testKeyID, testSecret}, {"GONE", "g"}} {
		if err := check(k[0], k[1]); err != nil { // warms the cache
			t.Fatal(err)
		}
	}
	v.SetKeys(map[string]string{testKeyID: "rotated", "NEW": "n"})
	for _, tc := range []struct {
		id, secret, typ string
	}{
		{testKeyID, "rotated", ""},
		{testKeyID, testSecret, "InvalidSignatureException"},
		{"GONE", "g", "UnrecognizedClientException"},
		{"NEW", "n", ""},
	} {
		err := check(tc.id, tc.secret)
		var de *ddb.Error
		switch {
		case tc.typ == "" && err != nil:
			t.Errorf("%s/%s: %v", tc.id, tc.secret, err)
		case tc.typ != "" && (!errors.As(err, &de) || de.Type != tc.typ):
			t.Errorf("%s/%s: %v, want %s", tc.id, tc.secret, err, tc.typ)
		}
	}
}
