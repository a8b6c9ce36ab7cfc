// Package e2e drives a real Dynago server, started in-process, through
// aws-sdk-go-v2 exactly as an application would.
package e2e

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/dynago/dynago/server"
)

// startServer starts Dynago on a free port with a fresh store. The store is
// Pebble on a temporary directory unless DYNAGO_E2E_MEMORY=1 (memory) or
// DYNAGO_E2E_ETCD is set (etcd, see etcd_test.go).
func startServer(t testing.TB) *server.Server { return startServerWith(t, nil) }

// startServerWith starts Dynago like startServer (the same choice of
// store), with cfg adjusted by tweak (if not nil).
func startServerWith(t testing.TB, tweak func(*server.Config)) *server.Server {
	t.Helper()
	cfg := server.Config{
		Addr: "127.0.0.1:0",
		Log:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	switch {
	case etcdStore != "": // DYNAGO_E2E_ETCD (etcd_test.go)
		cfg.Store, cfg.Etcd.Prefix = etcdStore, etcdPrefix()
	case os.Getenv("DYNAGO_E2E_MEMORY") == "1":
		cfg.InMemory = true
	default:
		cfg.DataDir = t.TempDir()
	}
	if testing.Verbose() {
		cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if tweak != nil {
		tweak(&cfg)
	}
	s, err := server.Start(cfg)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return s
}

// newClient returns an SDK client for the server that retries nothing the
// server answered, so that tests see every error as the server sent it. It
// does retry net.ErrClosed: the SDK's HTTP client can lose a race with its
// own connection's read loop on large responses (aws-sdk-go-v2 issue
// #2737, retried by default in newer SDK versions).
func newClient(t testing.TB, s *server.Server) *dynamodb.Client {
	return newClientAs(t, s, "AKIDEXAMPLE", "secret", "us-east-1")
}

// newClientAs is newClient signing with the given access key and region.
func newClientAs(t testing.TB, s *server.Server, accessKey, secret, region string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		BaseEndpoint: aws.String(s.URL()),
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secret, ""),
		HTTPClient:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 5
			o.RateLimiter = ratelimit.None
			o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
				if errors.Is(err, net.ErrClosed) {
					return aws.TrueTernary
				}
				return aws.FalseTernary
			})}
		}),
	})
}

// setup starts a server and returns a client and a context for one test.
func setup(t *testing.T) (*dynamodb.Client, context.Context) {
	t.Helper()
	s := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return newClient(t, s), ctx
}

// apiError asserts that err is a DynamoDB error of the given code whose
// message contains msg (exactly equal when exact is set).
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s %q, got success", code, msg)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s %q, got non-API error %v", code, msg, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want error code %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
	if msg != "" && ae.ErrorMessage() != msg {
		t.Fatalf("want message\n  %q\ngot\n  %q", msg, ae.ErrorMessage())
	}
}

func wantErrContains(t *testing.T, err error, code, part string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s containing %q, got success", code, part)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got non-API error %v", code, err)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), part) {
		t.Fatalf("want %s containing %q, got %s: %q", code, part, ae.ErrorCode(), ae.ErrorMessage())
	}
}

// Attribute value shorthands.
func S(s string) types.AttributeValue  { return &types.AttributeValueMemberS{Value: s} }
func N(n string) types.AttributeValue  { return &types.AttributeValueMemberN{Value: n} }
func B(b []byte) types.AttributeValue  { return &types.AttributeValueMemberB{Value: b} }
func BOOL(b bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: b} }
func NULL() types.AttributeValue       { return &types.AttributeValueMemberNULL{Value: true} }
func SS(s ...string) types.AttributeValue {
	return &types.AttributeValueMemberSS{Value: s}
}
func NS(n ...string) types.AttributeValue {
	return &types.AttributeValueMemberNS{Value: n}
}
func L(v ...types.AttributeValue) types.AttributeValue {
	return &types.AttributeValueMemberL{Value: v}
}
func M(m map[string]types.AttributeValue) types.AttributeValue {
	return &types.AttributeValueMemberM{Value: m}
}

type item = map[string]types.AttributeValue

// createHashTable creates a PAY_PER_REQUEST table keyed by pk (S).
func createHashTable(t *testing.T, ctx context.Context, c *dynamodb.Client, name string) {
	t.Helper()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("create table %s: %v", name, err)
	}
}

// createRangeTable creates a PAY_PER_REQUEST table keyed by pk (S) and sk of type skType.
func createRangeTable(t *testing.T, ctx context.Context, c *dynamodb.Client, name string, skType types.ScalarAttributeType) {
	t.Helper()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: skType},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("create table %s: %v", name, err)
	}
}
