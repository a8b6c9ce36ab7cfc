//go:build difftest

package difftest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// TestDifferential runs the corpus against two endpoints:
//
//	DIFF_A, DIFF_B            endpoint URLs (required)
//	DIFF_A_NAME, DIFF_B_NAME  names for the report (default "A" and "B")
//	DIFF_LOCAL                which side is DynamoDB Local: A, B (default), both or none
//	DIFF_RUN                  a regexp: only scenarios whose name matches
//	DIFF_REPORT               write the report to this file (default: standard output only)
//	DIFF_BRIEF                "1": explained differences take one line each
//	DIFF_DUMP                 write every request with both responses to this file
//
// Differences do not fail the test; only a broken harness does.
func TestDifferential(t *testing.T) {
	urlA, urlB := os.Getenv("DIFF_A"), os.Getenv("DIFF_B")
	if urlA == "" || urlB == "" {
		t.Fatal("set DIFF_A and DIFF_B to the two endpoints (see scripts/difftest.sh)")
	}
	local, err := ParseSide(os.Getenv("DIFF_LOCAL"))
	if err != nil {
		t.Fatal(err)
	}
	scenarios, err := LoadScenarios("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if pat := os.Getenv("DIFF_RUN"); pat != "" {
		re, err := regexp.Compile(pat)
		if err != nil {
			t.Fatalf("DIFF_RUN: %v", err)
		}
		var keep []*Scenario
		for _, s := range scenarios {
			if re.MatchString(s.Name) {
				keep = append(keep, s)
			}
		}
		scenarios = keep
	}
	devs, err := LoadDeviations("known_deviations.md")
	if err != nil {
		t.Fatal(err)
	}
	a := &Endpoint{Name: envOr("DIFF_A_NAME", "A"), URL: urlA}
	b := &Endpoint{Name: envOr("DIFF_B_NAME", "B"), URL: urlB}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	for _, e := range []*Endpoint{a, b} {
		r := e.send(ctx, &Request{Method: "POST", Target: APIVersion + ".ListTables", Op: "ListTables", Body: "{}"})
		if r.Err != "" {
			t.Fatalf("endpoint %s (%s) does not answer: %s", e.Name, e.URL, r.Err)
		}
	}
	runner := &Runner{A: a, B: b, Local: local, Deviations: devs}
	res, err := runner.Run(ctx, scenarios)
	if err != nil {
		t.Fatal(err)
	}
	out := os.Stdout
	if path := os.Getenv("DIFF_REPORT"); path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		out = f
	}
	res.WriteReport(out, os.Getenv("DIFF_BRIEF") == "1")
	if path := os.Getenv("DIFF_DUMP"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		res.WriteDump(f)
		f.Close()
	}
	c := res.Counts()
	fmt.Printf("difftest: %d requests, %d identical, %d expected, %d local-deviates, %d suspect\n",
		len(res.Outcomes), c[ClassSame], c[ClassExpected], c[ClassLocal], c[ClassSuspect])
	// Every side timing out or refusing connections part way is a broken run, not a difference.
	for _, o := range res.Outcomes {
		if o.A.Err != "" && o.B.Err != "" {
			t.Errorf("%s #%d: both endpoints failed: %s / %s", o.Scenario.Name, o.Index, o.A.Err, o.B.Err)
		}
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
