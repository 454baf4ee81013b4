//go:build !race

package mltest

import "github.com/mlforge/mlforge/ml"

// The shared-buffer fake races by design, so it is left out of -race runs
// (where the race detector, not the check, would report it).
func init() {
	ml.Register(ml.ClassInfo{Name: "FakeSharedBuffer", Task: ml.Classification, Family: "mltest",
		Doc: "A fake classifier that keeps per-call scratch space in the estimator.", New: newFakeCentroid[sharedBuffer]})
	classifierBugs["FakeSharedBuffer"] = []string{"concurrent_predict"}
}
