package api

import (
	"net/http"
	"strings"

	"github.com/dynago/dynago/ddb"
)

// Authenticator decides whether a request may proceed. It is called after
// the target is known and before the body is decoded, with the body as sent
// (still compressed when the request has a Content-Encoding). The default
// accepts any well-formed SigV4 Authorization header; SigV4 verifies the
// signatures against configured access keys.
type Authenticator interface {
	Authenticate(r *http.Request, body []byte) error
}

// WellFormedSigV4 accepts every request whose Authorization header has the
// shape of AWS Signature Version 4, without checking the signature. This is
// what DynamoDB Local and most emulators do; it still rejects unsigned
// requests the way DynamoDB does, so clients that forget credentials find out.
type WellFormedSigV4 struct{}

// Authenticate implements Authenticator.
func (WellFormedSigV4) Authenticate(r *http.Request, _ []byte) error {
	auth := header(r.Header, "Authorization")
	if strings.TrimSpace(auth) == "" {
		if r.URL.Query().Get("X-Amz-Signature") != "" {
			return nil // presigned request
		}
		return ddb.Errorf(ddb.ErrMissingAuthenticationToken, "Request is missing Authentication Token")
	}
	if !strings.HasPrefix(strings.TrimSpace(auth), "AWS4-") {
		return ddb.Errorf(ddb.ErrMissingAuthenticationToken, "Request is missing Authentication Token")
	}
	var seen [3]bool // Credential, Signature, SignedHeaders
	eachAuthParam(auth, func(k, _ string) {
		switch k {
		case "Credential":
			seen[0] = true
		case "Signature":
			seen[1] = true
		case "SignedHeaders":
			seen[2] = true
		}
	})
	hasDate := header(r.Header, "X-Amz-Date") != "" || header(r.Header, "Date") != ""
	if seen == [3]bool{true, true, true} && hasDate {
		return nil
	}
	var msg strings.Builder
	for i, name := range [...]string{"Credential", "Signature", "SignedHeaders"} {
		if !seen[i] {
			msg.WriteString("Authorization header requires '" + name + "' parameter. ")
		}
	}
	if !hasDate {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	return ddb.Errorf(ddb.ErrIncompleteSignature, "%sAuthorization=%s", msg.String(), auth)
}

// eachAuthParam calls fn with the key=value parameters of
// "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=h, Signature=s", in order.
func eachAuthParam(auth string, fn func(k, v string)) {
	_, rest, ok := strings.Cut(strings.TrimSpace(auth), " ")
	if !ok {
		return
	}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && k != "" {
			fn(k, v)
		}
	}
}

// parseAuthParams splits "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=h, Signature=s"
// into its key=value parameters.
func parseAuthParams(auth string) map[string]string {
	out := make(map[string]string, 3)
	eachAuthParam(auth, func(k, v string) { out[k] = v })
	return out
}

// SigningRegion returns the region of the request's SigV4 credential scope
// ("AKID/20260101/us-east-1/dynamodb/aws4_request"), or "" if there is none.
func SigningRegion(r *http.Request) string {
	cred := parseAuthParams(r.Header.Get("Authorization"))["Credential"]
	parts := strings.Split(cred, "/")
	if len(parts) >= 3 {
		return parts[2]
	}
	return ""
}
