package e2e

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/dynago/dynago/server"
)

// TestSigV4Credentials runs a server that verifies signatures
// (--credentials): the SDK's signed requests pass, on both HTTP layers and
// for the streams API; a wrong secret, an unknown access key or another
// region is refused with DynamoDB's errors, and nothing is written.
func TestSigV4Credentials(t *testing.T) {
	for _, netHTTP := range []bool{false, true} {
		name := "http1"
		if netHTTP {
			name = "net-http"
		}
		t.Run(name, func(t *testing.T) {
			s := startServerWith(t, func(c *server.Config) {
				c.Credentials = map[string]string{"AKIDE2E": "e2e/secret+key", "AKIDOTHER": "other"}
				c.NetHTTP = netHTTP
			})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			good := newClientAs(t, s, "AKIDE2E", "e2e/secret+key", "us-east-1")
			createHashTable(t, ctx, good, "auth")
			if _, err := good.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("auth"),
				Item: map[string]types.AttributeValue{"pk": S("a"), "v": N("1")}}); err != nil {
				t.Fatal(err)
			}
			if _, err := newClientAs(t, s, "AKIDOTHER", "other", "us-east-1").GetItem(ctx, &dynamodb.GetItemInput{
				TableName: aws.String("auth"), Key: map[string]types.AttributeValue{"pk": S("a")}}); err != nil {
				t.Fatalf("second key: %v", err)
			}

			put := func(c *dynamodb.Client) error {
				_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("auth"),
					Item: map[string]types.AttributeValue{"pk": S("b")}})
				return err
			}
			wantErr(t, put(newClientAs(t, s, "AKIDE2E", "wrong", "us-east-1")), "InvalidSignatureException",
				"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
			wantErr(t, put(newClientAs(t, s, "AKIDNOBODY", "e2e/secret+key", "us-east-1")), "UnrecognizedClientException",
				"The security token included in the request is invalid.")
			wantErr(t, put(newClientAs(t, s, "AKIDE2E", "e2e/secret+key", "eu-west-1")), "InvalidSignatureException",
				"Credential should be scoped to a valid region. ")
			out, err := good.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("auth"),
				Key: map[string]types.AttributeValue{"pk": S("b")}, ConsistentRead: aws.Bool(true)})
			if err != nil || out.Item != nil {
				t.Fatalf("a refused put wrote its item: %v %v", out, err)
			}

			streams := func(secret string) error {
				c := newStreamsClient(s)
				_, err := c.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{}, func(o *dynamodbstreams.Options) {
					o.Credentials = credentials.NewStaticCredentialsProvider("AKIDE2E", secret, "")
				})
				return err
			}
			if err := streams("e2e/secret+key"); err != nil {
				t.Fatalf("streams: %v", err)
			}
			wantErr(t, streams("wrong"), "InvalidSignatureException", "")
		})
	}
}

// TestCredentialsReload rotates keys without a restart: the server reads
// --credentials again on ReloadCredentials (in process) and on SIGHUP
// (the binary); a file that does not parse leaves the keys in use.
func TestCredentialsReload(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	file := filepath.Join(t.TempDir(), "credentials")
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	list := func(c *dynamodb.Client) error {
		_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
		return err
	}

	t.Run("in process", func(t *testing.T) {
		write("AKIDOLD old-secret\n")
		s := startServerWith(t, func(c *server.Config) { c.CredentialsFile = file })
		if err := list(newClientAs(t, s, "AKIDOLD", "old-secret", "us-east-1")); err != nil {
			t.Fatal(err)
		}
		write("# rotated\nAKIDNEW new-secret\n")
		if err := s.ReloadCredentials(); err != nil {
			t.Fatal(err)
		}
		if err := list(newClientAs(t, s, "AKIDNEW", "new-secret", "us-east-1")); err != nil {
			t.Fatalf("new key after reload: %v", err)
		}
		wantErr(t, list(newClientAs(t, s, "AKIDOLD", "old-secret", "us-east-1")), "UnrecognizedClientException", "")
		write("AKIDBROKEN\n")
		if err := s.ReloadCredentials(); err == nil {
			t.Fatal("a malformed file was accepted")
		}
		if err := list(newClientAs(t, s, "AKIDNEW", "new-secret", "us-east-1")); err != nil {
			t.Fatalf("the keys in use were dropped by a failed reload: %v", err)
		}
	})

	t.Run("SIGHUP", func(t *testing.T) {
		if testing.Short() || runtime.GOOS == "windows" {
			t.Skip("runs the binary; needs SIGHUP")
		}
		write("AKIDOLD old-secret\n")
		addr := freeAddr(t)
		cmd := startDynago(t, addr, "--in-memory", "--log-level", "warn", "--credentials", file)
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		client := func(id, secret string) *dynamodb.Client {
			return dynamodb.New(dynamodb.Options{BaseEndpoint: aws.String("http://" + addr), Region: "us-east-1",
				Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), RetryMaxAttempts: 1})
		}
		if err := list(client("AKIDOLD", "old-secret")); err != nil {
			t.Fatal(err)
		}
		write("AKIDNEW new-secret\n")
		if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		// The signal is handled asynchronously: wait for the new key.
		deadline := time.Now().Add(10 * time.Second)
		for list(client("AKIDNEW", "new-secret")) != nil {
			if time.Now().After(deadline) {
				t.Fatal("the new key was not accepted after SIGHUP")
			}
			time.Sleep(20 * time.Millisecond)
		}
		wantErr(t, list(client("AKIDOLD", "old-secret")), "UnrecognizedClientException", "")
	})
}
