package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeDynamo is a tiny in-memory DynamoDB for the generator's tests: it
// checks every request's SigV4 signature (recomputed with Signer.Sign from the
// bytes and headers received) and implements just enough of each operation.
type fakeDynamo struct {
	t      *testing.T
	signer *Signer

	mu          sync.Mutex
	tableExists bool
	items       map[string]map[string]any // by pk/sk
	calls       map[string]int
	scanPages   map[string]int // ExclusiveStartKey seen -> count
	badSig      int
	unprocessed bool // answer the first BatchWriteItem with everything unprocessed
}

func newFakeDynamo(t *testing.T) *fakeDynamo {
	return &fakeDynamo{
		t:         t,
		signer:    NewSigner("AKIDDYNAGOBENCH", "dynagoBenchSecretKey", "us-east-1", "dynamodb"),
		items:     map[string]map[string]any{},
		calls:     map[string]int{},
		scanPages: map[string]int{},
	}
}

func (f *fakeDynamo) fail(w http.ResponseWriter, typ, msg string) {
	w.WriteHeader(400)
	fmt.Fprintf(w, `{"__type":"com.amazonaws.dynamodb.v20120810#%s","message":%q}`, typ, msg)
}

func itemKey(k map[string]any) string {
	return fmt.Sprint(k["pk"].(map[string]any)["S"], "/", k["sk"].(map[string]any)["N"])
}

func (f *fakeDynamo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	target := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")

	// Verify the signature over what arrived.
	at, err := time.Parse(amzDateLayout, r.Header.Get("X-Amz-Date"))
	check, _ := http.NewRequest("POST", "http://"+r.Host+"/", nil)
	check.Header.Set("Content-Type", r.Header.Get("Content-Type"))
	check.Header.Set("X-Amz-Target", r.Header.Get("X-Amz-Target"))
	f.signer.Sign(check, body, at)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[target]++
	if err != nil || check.Header.Get("Authorization") != r.Header.Get("Authorization") ||
		r.Header.Get("Content-Type") != amzJSONType {
		f.badSig++
		w.WriteHeader(400)
		io.WriteString(w, `{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"bad signature"}`)
		return
	}
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		w.WriteHeader(400)
		io.WriteString(w, `{"__type":"com.amazon.coral.service#SerializationException","Message":"bad json"}`)
		return
	}
	w.Header().Set("Content-Type", amzJSONType)
	switch target {
	case "CreateTable":
		if f.tableExists {
			f.fail(w, "ResourceInUseException", "Table already exists")
			return
		}
		f.tableExists = true
		io.WriteString(w, `{"TableDescription":{"TableStatus":"CREATING"}}`)
	case "DescribeTable":
		if !f.tableExists {
			f.fail(w, "ResourceNotFoundException", "Requested resource not found")
			return
		}
		io.WriteString(w, `{"Table":{"TableStatus":"ACTIVE","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},`+
			`{"AttributeName":"sk","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},`+
			`{"AttributeName":"sk","AttributeType":"N"}]}}`)
	case "BatchWriteItem":
		if f.unprocessed {
			f.unprocessed = false
			out, _ := json.Marshal(map[string]any{"UnprocessedItems": in["RequestItems"]})
			w.Write(out)
			return
		}
		for _, reqs := range in["RequestItems"].(map[string]any) {
			for _, r := range reqs.([]any) {
				it := r.(map[string]any)["PutRequest"].(map[string]any)["Item"].(map[string]any)
				f.items[itemKey(it)] = it
			}
		}
		io.WriteString(w, `{"UnprocessedItems":{}}`)
	case "PutItem":
		it := in["Item"].(map[string]any)
		f.items[itemKey(it)] = it
		io.WriteString(w, `{}`)
	case "GetItem":
		out, _ := json.Marshal(map[string]any{"Item": f.items[itemKey(in["Key"].(map[string]any))]})
		w.Write(out)
	case "UpdateItem":
		if f.items[itemKey(in["Key"].(map[string]any))] == nil {
			f.fail(w, "ConditionalCheckFailedException", "The conditional request failed")
			return
		}
		io.WriteString(w, `{}`)
	case "Query":
		io.WriteString(w, `{"Count":0,"Items":[],"ScannedCount":0}`)
	case "Scan":
		esk, _ := json.Marshal(in["ExclusiveStartKey"])
		f.scanPages[string(esk)]++
		switch string(esk) {
		case "null":
			io.WriteString(w, `{"Count":1,"Items":[{"pk":{"S":"x"}}],"LastEvaluatedKey":{"pk":{"S":"p1"},"sk":{"N":"1"}},"ScannedCount":1}`)
		case `{"pk":{"S":"p1"},"sk":{"N":"1"}}`:
			io.WriteString(w, `{"Count":1,"Items":[],"LastEvaluatedKey":{"pk":{"S":"p2"},"sk":{"N":"2"}},"ScannedCount":1}`)
		default:
			io.WriteString(w, `{"Count":0,"Items":[],"ScannedCount":0}`)
		}
	default:
		w.WriteHeader(400)
		io.WriteString(w, `{"__type":"com.amazon.coral.service#UnknownOperationException"}`)
	}
}

func runMain(t *testing.T, args ...string) (code int, res jsonResult, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, &out, &errb)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; strings.HasPrefix(last, "{") {
		if err := json.Unmarshal([]byte(last), &res); err != nil {
			t.Fatalf("JSON line %q: %v", last, err)
		}
	}
	return code, res, out.String(), errb.String()
}

func TestRunAllOpsAgainstFake(t *testing.T) {
	for _, client := range []string{"fast", "nethttp"} {
		t.Run(client, func(t *testing.T) { runAllOpsAgainstFake(t, client) })
	}
}

func runAllOpsAgainstFake(t *testing.T, client string) {
	f := newFakeDynamo(t)
	f.unprocessed = true
	srv := httptest.NewServer(f)
	defer srv.Close()

	code, res, stdout, stderr := runMain(t, "--endpoint", srv.URL, "--setup", "--items", "60", "--query-items", "6",
		"-c", "3", "-d", "150ms", "--warmup", "20ms", "--json", "--op", "get", "--client", client)
	if code != 0 || res.Ops == 0 || len(res.Errors) != 0 {
		t.Fatalf("setup+get: exit %d, %+v, stderr %s", code, res, stderr)
	}
	if strings.Count(stdout, "\n") != 1 || stderr != "" {
		t.Errorf("--json must print only the JSON line; stdout %q stderr %q", stdout, stderr)
	}
	if len(f.items) != 60 {
		t.Errorf("setup preloaded %d items, want 60 (after resending unprocessed ones)", len(f.items))
	}
	if res.Endpoint != srv.URL || res.Op != "get" || res.C != 3 || res.DurationS < 0.1 || res.DurationS > 0.2 ||
		res.OpsPerS <= 0 || res.P50us <= 0 || res.P99us < res.P50us || res.P999us < res.P99us || res.Errors == nil {
		t.Errorf("JSON line %+v", res)
	}

	for _, op := range []string{"put", "query", "update", "batchwrite", "scan", "mixed"} {
		code, res, stdout, stderr := runMain(t, "--endpoint", srv.URL, "--items", "60", "--query-items", "6",
			"-c", "2", "-d", "150ms", "--warmup", "0", "--op", op, "--client", client)
		if code != 0 || res.Ops == 0 || len(res.Errors) != 0 || res.Op != op {
			t.Errorf("%s: exit %d, %+v\nstdout %s\nstderr %s", op, code, res, stdout, stderr)
		}
		if !strings.Contains(stdout, "errors: none") || !strings.Contains(stdout, "p99.9 µs") {
			t.Errorf("%s: text output\n%s", op, stdout)
		}
		if op == "mixed" {
			for _, row := range []string{"\nget ", "\nput ", "\nupdate ", "\ntotal "} {
				if !strings.Contains(stdout, row) {
					t.Errorf("mixed: no %q row in\n%s", row, stdout)
				}
			}
		}
		if op == "batchwrite" && !strings.Contains(stdout, "items written:") {
			t.Errorf("batchwrite: no items line in\n%s", stdout)
		}
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.badSig != 0 {
		t.Errorf("%d requests had a bad signature", f.badSig)
	}
	for _, target := range []string{"CreateTable", "DescribeTable", "BatchWriteItem", "GetItem", "PutItem", "UpdateItem", "Query", "Scan"} {
		if f.calls[target] == 0 {
			t.Errorf("no %s call", target)
		}
	}
	// Scan followed LastEvaluatedKey: every page was asked for, in order.
	first, second, third := f.scanPages["null"], f.scanPages[`{"pk":{"S":"p1"},"sk":{"N":"1"}}`], f.scanPages[`{"pk":{"S":"p2"},"sk":{"N":"2"}}`]
	if first == 0 || second == 0 || third == 0 || second > first || third > second || len(f.scanPages) != 3 {
		t.Errorf("scan pages: %v", f.scanPages)
	}
}

func TestRunCountsErrorsByType(t *testing.T) {
	f := newFakeDynamo(t)
	f.tableExists = true // but empty: every conditional update fails
	srv := httptest.NewServer(f)
	defer srv.Close()
	code, res, stdout, _ := runMain(t, "--endpoint", srv.URL, "--op", "update", "-c", "2", "-d", "100ms", "--warmup", "0", "--items", "50")
	if code != 1 || res.Ops != 0 || res.Errors["ConditionalCheckFailedException"] == 0 || len(res.Errors) != 1 {
		t.Errorf("exit %d, %+v", code, res)
	}
	if !strings.Contains(stdout, "ConditionalCheckFailedException") || !strings.Contains(stdout, `"The conditional request failed"`) {
		t.Errorf("text output\n%s", stdout)
	}

	// A wrong secret: the fake rejects every signature, starting with the
	// DescribeTable that checks the table before the run.
	code, _, _, stderr := runMain(t, "--endpoint", srv.URL, "--op", "get", "-c", "1", "-d", "50ms", "--warmup", "0", "--secret-key", "wrong")
	if code != 1 || !strings.Contains(stderr, "InvalidSignatureException") {
		t.Errorf("bad secret: exit %d, stderr %q", code, stderr)
	}
}

func TestRunTableMissing(t *testing.T) {
	srv := httptest.NewServer(newFakeDynamo(t))
	defer srv.Close()
	code, _, _, stderr := runMain(t, "--endpoint", srv.URL, "-d", "50ms")
	if code != 1 || !strings.Contains(stderr, "run with --setup") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestRunConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	code, _, _, stderr := runMain(t, "--endpoint", url, "-d", "50ms")
	if code != 1 || !strings.Contains(stderr, "refused") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TrivialServer's handler is a stub endpoint: every op "succeeds", even setup.
func TestRunAgainstTrivialHandler(t *testing.T) {
	srv := httptest.NewServer(TrivialHandler())
	defer srv.Close()
	for _, op := range []string{"get", "batchwrite", "scan"} {
		code, res, _, stderr := runMain(t, "--endpoint", srv.URL, "--setup", "--items", "30", "--op", op, "-c", "2", "-d", "100ms", "--warmup", "0", "--json")
		if code != 0 || res.Ops == 0 || len(res.Errors) != 0 {
			t.Errorf("%s: exit %d %+v %s", op, code, res, stderr)
		}
	}
	resp, err := http.Post(srv.URL, amzJSONType, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if crc := fmt.Sprint(crc32.ChecksumIEEE(body)); string(body) != trivialBody || resp.Header.Get("X-Amz-Crc32") != crc {
		t.Errorf("trivial answer %q crc %q", body, resp.Header.Get("X-Amz-Crc32"))
	}
}
