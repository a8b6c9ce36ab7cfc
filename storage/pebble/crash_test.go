package pebble

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynago/dynago/storage"
)

// crashDirEnv, when set, turns the test binary into the crash test's
// writer process: it writes to the store in that directory and prints an
// acknowledgement for every Update that returned nil, until it is killed.
const (
	crashDirEnv   = "DYNAGO_PEBBLE_CRASH_DIR"
	crashCycleEnv = "DYNAGO_PEBBLE_CRASH_CYCLE"
)

func crashValue(key string) string { return "value-of-" + key }

// runCrashWriter is the writer process.
func runCrashWriter(dir, cycle string) {
	e, err := Open(dir, Options{Logger: quiet})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	// Never outlive a parent that failed to kill us.
	time.AfterFunc(time.Minute, func() { os.Exit(3) })
	fmt.Println("ready")
	var out sync.Mutex
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for seq := 0; ; seq++ {
				key := fmt.Sprintf("c%s-w%d-%06d", cycle, w, seq)
				err := e.Update(context.Background(), func(tx storage.Tx) error {
					return tx.Set([]byte(key), []byte(crashValue(key)))
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, "update:", err)
					os.Exit(2)
				}
				out.Lock()
				// One write(2) per line, so a kill cannot leave a
				// complete-looking partial line.
				os.Stdout.WriteString("ack " + key + "\n")
				out.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestCrashRecovery kills a writer process with SIGKILL in the middle of a
// write load and checks that every write it acknowledged is in the store
// when it is reopened. Three cycles run on the same store.
func TestCrashRecovery(t *testing.T) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		runCrashWriter(dir, os.Getenv(crashCycleEnv))
		return
	}
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	var acked []string
	for cycle := range 3 {
		acks := crashCycle(t, dir, cycle)
		if len(acks) == 0 {
			t.Fatalf("cycle %d: the writer acknowledged nothing", cycle)
		}
		acked = append(acked, acks...)

		e := openT(t, dir, Options{})
		missing := 0
		err := e.View(context.Background(), func(tx storage.ReadTx) error {
			for _, key := range acked {
				v, err := tx.Get([]byte(key))
				switch {
				case errors.Is(err, storage.ErrNotFound):
					if missing++; missing <= 5 {
						t.Errorf("cycle %d: acknowledged key %s is missing", cycle, key)
					}
				case err != nil:
					return err
				case string(v) != crashValue(key):
					t.Errorf("cycle %d: key %s = %q", cycle, key, v)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		if missing > 0 {
			t.Fatalf("cycle %d: %d of %d acknowledged keys missing after the crash", cycle, missing, len(acked))
		}
		t.Logf("cycle %d: %d acknowledged keys, all present", cycle, len(acks))
	}
}

// crashCycle runs one writer process on dir, kills it after a number of
// acknowledgements and returns the keys it acknowledged.
func crashCycle(t *testing.T, dir string, cycle int) []string {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashRecovery$")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, fmt.Sprintf("%s=%d", crashCycleEnv, cycle))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	r := bufio.NewReader(stdout)
	var acks []string
	// Kill after a varying number of acknowledgements, or after a second
	// at most.
	want := 500 + 700*cycle
	deadline := time.Now().Add(time.Second)
	for len(acks) < want && time.Now().Before(deadline) {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("cycle %d: writer exited early: %v", cycle, err)
		}
		switch {
		case line == "ready\n":
			// The writer holds the directory: another Open must fail.
			if e, err := Open(dir, Options{Logger: quiet}); err == nil {
				e.Close()
				t.Fatalf("cycle %d: Open succeeded while the writer process holds the store", cycle)
			} else if !strings.Contains(err.Error(), "in use") {
				t.Errorf("cycle %d: Open of a held store: %v, want an in-use error", cycle, err)
			}
		case strings.HasPrefix(line, "ack "):
			acks = append(acks, strings.TrimSuffix(strings.TrimPrefix(line, "ack "), "\n"))
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed = true
	// Acknowledgements printed before the kill are still in the pipe.
	for {
		line, err := r.ReadString('\n')
		if err == io.EOF {
			break // a partial last line, if any, was not an acknowledgement
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "ack ") {
			acks = append(acks, strings.TrimSuffix(strings.TrimPrefix(line, "ack "), "\n"))
		}
	}
	cmd.Wait()
	return acks
}
