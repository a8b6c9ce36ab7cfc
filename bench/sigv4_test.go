package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The credentials and time of AWS's SigV4 test suite.
const (
	suiteAccessKey = "AKIDEXAMPLE"
	suiteSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

var suiteTime = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

// The signing-key derivation example of AWS's SigV4 documentation.
func TestSigningKeyPublishedVector(t *testing.T) {
	s := NewSigner(suiteAccessKey, suiteSecretKey, "us-east-1", "iam")
	got := hex.EncodeToString(s.SigningKey("20120215"))
	if want := "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"; got != want {
		t.Fatalf("signing key = %s, want %s", got, want)
	}
}

func TestSigningKeyCachedPerDay(t *testing.T) {
	s := NewSigner(suiteAccessKey, suiteSecretKey, "us-east-1", "dynamodb")
	a := s.SigningKey("20260101")
	b := s.SigningKey("20260101")
	if &a[0] != &b[0] {
		t.Error("same day: key derived again instead of cached")
	}
	c := s.SigningKey("20260102")
	if hex.EncodeToString(a) == hex.EncodeToString(c) {
		t.Error("a new day must derive a new key")
	}
}

// AWS SigV4 test suite, cases post-vanilla and post-x-www-form-urlencoded.
func TestSignerPublishedPOSTVectors(t *testing.T) {
	cases := []struct {
		name        string
		contentType string
		body        string
		payloadHash string
		sts         string // hex SHA-256 of the canonical request (last line of the string to sign)
		auth        string
	}{
		{
			name:        "post-vanilla",
			payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
			auth: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
				"SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
		},
		{
			name:        "post-x-www-form-urlencoded",
			contentType: "application/x-www-form-urlencoded",
			body:        "Param1=value1",
			payloadHash: "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
			sts:         "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
			auth: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
				"SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", "https://example.amazonaws.com/", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			s := NewSigner(suiteAccessKey, suiteSecretKey, "us-east-1", "service")
			cr, sts := s.Sign(req, []byte(tc.body), suiteTime)
			if !strings.HasSuffix(cr, "\n"+tc.payloadHash) {
				t.Errorf("canonical request does not end in the payload hash %s:\n%s", tc.payloadHash, cr)
			}
			if tc.sts != "" && !strings.HasSuffix(sts, "\n"+tc.sts) {
				t.Errorf("string to sign:\n%s\nwant last line %s", sts, tc.sts)
			}
			if got := req.Header.Get("X-Amz-Date"); got != "20150830T123600Z" {
				t.Errorf("X-Amz-Date = %q", got)
			}
			if got := req.Header.Get("Authorization"); got != tc.auth {
				t.Errorf("Authorization =\n%s\nwant\n%s", got, tc.auth)
			}
		})
	}
}

// sdkAuthorization signs the DynamoDB request (host, body, target, time) with
// aws-sdk-go-v2's v4 signer and returns its Authorization header.
func sdkAuthorization(t *testing.T, host, target string, body []byte, at time.Time, extra func(*http.Request)) string {
	t.Helper()
	req, err := http.NewRequest("POST", "http://"+host+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", amzJSONType)
	req.Header.Set("X-Amz-Target", target)
	if extra != nil {
		extra(req)
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: "AKIDDYNAGO", SecretAccessKey: "dynago/secret+key"}
	err = v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "dynamodb", "eu-west-3", at)
	if err != nil {
		t.Fatal(err)
	}
	return req.Header.Get("Authorization")
}

// Both of this package's signers agree with aws-sdk-go-v2 on DynamoDB requests.
func TestSignersMatchSDK(t *testing.T) {
	wl := newWorkload("bench_sig", 1000, 200, 10, 1)
	bodies := map[string][]byte{
		"DynamoDB_20120810.GetItem":        wl.appendGet(nil, 7),
		"DynamoDB_20120810.PutItem":        wl.appendPut(nil, 123, 5),
		"DynamoDB_20120810.BatchWriteItem": wl.appendBatch(nil, 990, 25, newRand(3)),
		"DynamoDB_20120810.Scan":           wl.appendScan(nil, nil),
		"DynamoDB_20120810.ListTables":     []byte("{}"),
	}
	s := NewSigner("AKIDDYNAGO", "dynago/secret+key", "eu-west-3", "dynamodb")
	for _, host := range []string{"127.0.0.1:8000", "dynamodb.eu-west-3.amazonaws.com"} {
		rs := newRequestSigner(s, host)
		// Times cross a second and a UTC day boundary, so both caches roll over.
		times := []time.Time{
			time.Date(2026, 3, 1, 23, 59, 59, 900e6, time.UTC),
			time.Date(2026, 3, 1, 23, 59, 59, 999e6, time.UTC),
			time.Date(2026, 3, 2, 0, 0, 0, 1e6, time.FixedZone("CET", 3600)),
			time.Date(2026, 3, 2, 0, 0, 1, 0, time.UTC),
		}
		for target, body := range bodies {
			for _, at := range times {
				name := fmt.Sprintf("%s/%s/%s", host, target, at.Format(time.RFC3339Nano))
				want := sdkAuthorization(t, host, target, body, at, nil)

				date, fast := rs.sign(target, body, at)
				if fast != want {
					t.Errorf("%s: requestSigner\n%s\nsdk\n%s", name, fast, want)
				}
				if wantDate := at.UTC().Format(amzDateLayout); date != wantDate {
					t.Errorf("%s: X-Amz-Date %s, want %s", name, date, wantDate)
				}

				req, _ := http.NewRequest("POST", "http://"+host+"/", nil)
				req.Header.Set("Content-Type", amzJSONType)
				req.Header.Set("X-Amz-Target", target)
				s.Sign(req, body, at)
				if got := req.Header.Get("Authorization"); got != want {
					t.Errorf("%s: Signer.Sign\n%s\nsdk\n%s", name, got, want)
				}
			}
		}
	}
}

// The SDK also signs Content-Length (when it knows it) and extra headers;
// Signer.Sign signs whatever headers the request carries, the same way.
func TestSignerMatchesSDKWithMoreHeaders(t *testing.T) {
	body := []byte(`{"TableName":"bench_x"}`)
	at := time.Date(2026, 7, 14, 10, 11, 12, 0, time.UTC)
	extra := func(r *http.Request) {
		r.Header.Set("X-Amz-Security-Token", "tok")
		r.Header.Add("X-Custom", "  a   b  ")
		r.Header.Add("X-Custom", "c")
		r.Header.Set("User-Agent", "not signed")
	}
	want := sdkAuthorization(t, "localhost:8000", "DynamoDB_20120810.DescribeTable", body, at, func(r *http.Request) {
		extra(r)
		r.ContentLength = int64(len(body))
	})
	if !strings.Contains(want, "content-length;content-type;host;x-amz-date;x-amz-security-token;x-amz-target;x-custom") {
		t.Fatalf("unexpected SDK signed headers: %s", want)
	}
	req, _ := http.NewRequest("POST", "http://localhost:8000/", nil)
	req.Header.Set("Content-Type", amzJSONType)
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.DescribeTable")
	req.Header.Set("Content-Length", fmt.Sprint(len(body)))
	extra(req)
	s := NewSigner("AKIDDYNAGO", "dynago/secret+key", "eu-west-3", "dynamodb")
	s.Sign(req, body, at)
	if got := req.Header.Get("Authorization"); got != want {
		t.Errorf("Signer.Sign\n%s\nsdk\n%s", got, want)
	}
}

func BenchmarkRequestSigner(b *testing.B) {
	wl := newWorkload("dynago_bench", 10000, 200, 10, 1)
	body := wl.appendPut(nil, 4242, 0)
	rs := newRequestSigner(NewSigner("AKID", "secret", "us-east-1", "dynamodb"), "127.0.0.1:8000")
	now := time.Now()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		rs.sign("DynamoDB_20120810.PutItem", body, now)
	}
}
