package api

import (
	"net/http"
	"strings"

	"github.com/dynago/dynago/ddb"
)

// Authenticator decides whether a request may proceed. It is called after
// the target is known and before the body is decoded. The default accepts
// any well-formed SigV4 Authorization header; a verifying implementation
// (signatures checked against configured keys) plugs in here.
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
	auth := r.Header.Get("Authorization")
	if strings.TrimSpace(auth) == "" {
		if r.URL.Query().Get("X-Amz-Signature") != "" {
			return nil // presigned request
		}
		return ddb.Errorf(ddb.ErrMissingAuthenticationToken, "Request is missing Authentication Token")
	}
	if !strings.HasPrefix(strings.TrimSpace(auth), "AWS4-") {
		return ddb.Errorf(ddb.ErrMissingAuthenticationToken, "Request is missing Authentication Token")
	}
	params := parseAuthParams(auth)
	var msg strings.Builder
	for _, name := range [...]string{"Credential", "Signature", "SignedHeaders"} {
		if _, ok := params[name]; !ok {
			msg.WriteString("Authorization header requires '" + name + "' parameter. ")
		}
	}
	if r.Header.Get("X-Amz-Date") == "" && r.Header.Get("Date") == "" {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if msg.Len() > 0 {
		return ddb.Errorf(ddb.ErrIncompleteSignature, "%sAuthorization=%s", msg.String(), auth)
	}
	return nil
}

// parseAuthParams splits "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=h, Signature=s"
// into its key=value parameters.
func parseAuthParams(auth string) map[string]string {
	out := make(map[string]string, 3)
	_, rest, ok := strings.Cut(strings.TrimSpace(auth), " ")
	if !ok {
		return out
	}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && k != "" {
			out[k] = v
		}
	}
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
