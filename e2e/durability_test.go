package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// buildDynago builds the dynago binary once per test run.
var buildOnce struct {
	sync.Once
	path string
	err  error
}

func dynagoBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dynago-e2e-bin")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "dynago")
		cmd := exec.Command("go", "build", "-o", buildOnce.path, "github.com/dynago/dynago/cmd/dynago")
		cmd.Stderr = os.Stderr
		buildOnce.err = cmd.Run()
	})
	if buildOnce.err != nil {
		t.Fatalf("building dynago: %v", buildOnce.err)
	}
	return buildOnce.path
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startProcess runs `dynago serve` on dataDir and waits until it answers.
func startProcess(t *testing.T, dataDir, addr string) *exec.Cmd {
	t.Helper()
	return startDynago(t, addr, "--data-dir", dataDir, "--log-level", "warn")
}

// startDynago runs `dynago serve --addr addr` with more flags and waits
// until it answers. The process is killed if the test binary dies.
func startDynago(t *testing.T, addr string, flags ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(dynagoBinary(t), append([]string{"serve", "--addr", addr}, flags...)...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = dieWithParent()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			return cmd
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatal("dynago did not start")
	return nil
}

func clientFor(addr string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		BaseEndpoint:     aws.String("http://" + addr),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
		RetryMaxAttempts: 1,
	})
}

// TestKillDuringWrites SIGKILLs the server in the middle of a write load on
// the Pebble engine, restarts it on the same directory, and checks that
// every acknowledged write is there.
func TestKillDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dataDir := t.TempDir()
	addr := freeAddr(t)
	cmd := startProcess(t, dataDir, addr)
	c := clientFor(addr)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	createHashTable(t, ctx, c, "durable")

	var mu sync.Mutex
	acked := map[string]string{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k, v := fmt.Sprintf("w%d-%d", w, i), fmt.Sprintf("value-%d-%d", w, i)
				_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("durable"), Item: item{"pk": S(k), "v": S(v)}})
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				acked[k] = v
				mu.Unlock()
			}
		}(w)
	}
	// Let the load run, then kill the server without warning.
	for {
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 2000 {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	close(stop)
	wg.Wait()
	t.Logf("%d writes acknowledged before SIGKILL", len(acked))

	addr2 := freeAddr(t)
	cmd2 := startProcess(t, dataDir, addr2)
	defer func() {
		cmd2.Process.Signal(syscall.SIGTERM)
		cmd2.Wait()
	}()
	c2 := clientFor(addr2)
	missing := 0
	for k, v := range acked {
		out, err := c2.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("durable"), Key: item{"pk": S(k)}, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		if render(out.Item["v"]) != "S:"+v {
			missing++
			if missing < 5 {
				t.Errorf("acknowledged write %s lost (got %v)", k, render(out.Item))
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged writes lost", missing, len(acked))
	}
}

// TestGracefulShutdown sends SIGTERM while requests are in flight: the
// process exits 0 and the data is there after a restart.
func TestGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dataDir := t.TempDir()
	addr := freeAddr(t)
	cmd := startProcess(t, dataDir, addr)
	c := clientFor(addr)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	createHashTable(t, ctx, c, "graceful")
	for i := 0; i < 100; i++ {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("graceful"), Item: item{"pk": S(fmt.Sprint(i))}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("dynago exited with %v after SIGTERM", err)
	}
	addr2 := freeAddr(t)
	cmd2 := startProcess(t, dataDir, addr2)
	defer func() {
		cmd2.Process.Signal(syscall.SIGTERM)
		cmd2.Wait()
	}()
	c2 := clientFor(addr2)
	d, err := c2.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("graceful")})
	if err != nil {
		t.Fatal(err)
	}
	// Item counts are established by a background scan after a restart.
	deadline := time.Now().Add(5 * time.Second)
	for aws.ToInt64(d.Table.ItemCount) != 100 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		d, err = c2.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("graceful")})
		if err != nil {
			t.Fatal(err)
		}
	}
	if aws.ToInt64(d.Table.ItemCount) != 100 {
		t.Fatalf("ItemCount after restart = %d", aws.ToInt64(d.Table.ItemCount))
	}
}
