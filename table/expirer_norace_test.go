//go:build !race

package table

// raceDetector is set when the tests run under the race detector (slow).
const raceDetector = false
