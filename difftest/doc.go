// Package difftest is a differential tester: it sends the same sequence of
// raw DynamoDB HTTP requests to two endpoints (normally Dynago and AWS's
// DynamoDB Local) and compares the answers.
//
// The corpus lives in testdata/*.txt, one scenario per file (see corpus.go
// for the format). Known deviations of DynamoDB Local from real DynamoDB are
// listed, with evidence, in known_deviations.md, which the report reads so it
// can tell "DynamoDB Local deviates" apart from "possible Dynago bug".
//
// The live comparison is a test behind the build tag "difftest", so
// `go test ./...` never talks to DynamoDB Local; run it with `make difftest`
// (scripts/difftest.sh), or directly:
//
//	DIFF_A=http://127.0.0.1:8000 DIFF_B=http://127.0.0.1:8001 \
//	  go test -tags difftest -count=1 -run TestDifferential ./difftest
//
// Differences are the product, not a failure: the test fails only when the
// harness itself breaks (an unreadable corpus, an endpoint that never answers).
package difftest
