package mltest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// The fakes estimate their memory with ml's default.

func (e *fakeCentroid[B]) EstimateMemory(n, p, k int) int64 { return ml.DefaultMemoryEstimate(n, p, k) }
func (e *fakeLinear) EstimateMemory(n, p, k int) int64      { return ml.DefaultMemoryEstimate(n, p, k) }
func (e *fakeScaler[B]) EstimateMemory(n, p, k int) int64   { return ml.DefaultMemoryEstimate(n, p, k) }
func (e *fakeNoState) EstimateMemory(n, p, k int) int64     { return ml.DefaultMemoryEstimate(n, p, k) }

// fakeUnderEstimate claims a kilobyte and allocates a copy of X.
type fakeUnderEstimate struct {
	fakeLinear
}

func (e *fakeUnderEstimate) EstimateMemory(n, p, k int) int64 { return 1000 }

func (e *fakeUnderEstimate) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := e.fakeLinear.Fit(ctx, X, y); err != nil {
		return err
	}
	_ = mat.DenseCopyOf(X)
	return nil
}

// fakeNoEstimate has no EstimateMemory.
type fakeNoEstimate struct {
	Alpha float64 `json:"alpha" help:"unused"`
}

func (e *fakeNoEstimate) Fit(context.Context, *mat.Dense, []float64) error { return nil }

func init() {
	ml.Register(ml.ClassInfo{Name: "FakeUnderEstimate", Task: ml.Regression, Family: "mltest", Doc: "A fake that underestimates its memory.",
		New: func() ml.Estimator { return &fakeUnderEstimate{fakeLinear{FitIntercept: true}} }})
	ml.Register(ml.ClassInfo{Name: "FakeNoEstimate", Task: ml.Regression, Family: "mltest", Doc: "A fake without a memory estimate.",
		New: func() ml.Estimator { return &fakeNoEstimate{} }})
}

// TestMemoryEstimateCheck checks that memory_estimate catches an estimate
// below what Fit allocates and a class without one, and passes a good one.
func TestMemoryEstimateCheck(t *testing.T) {
	for class, want := range map[string]string{
		"FakeUnderEstimate": "more than 2 times EstimateMemory's 1000",
		"FakeNoEstimate":    "does not implement ml.MemoryEstimator",
		"FakeLinear":        "",
		"FakeScaler":        "",
	} {
		err := RunCheck(class, OptionsFor(class), "memory_estimate")
		var skip *SkipError
		if raceEnabled && errors.As(err, &skip) && strings.Contains(want, "more than") {
			continue // the over-estimate check skips under the race detector (see race_on.go)
		}
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", class, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: got %v, want an error containing %q", class, err, want)
		}
	}
	if got := ml.EstimateMemory(&fakeNoEstimate{}, 100, 10, 2); got != ml.DefaultMemoryEstimate(100, 10, 2) {
		t.Errorf("EstimateMemory without an estimator = %d, want the default", got)
	}
}
