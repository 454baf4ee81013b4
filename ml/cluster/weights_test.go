package cluster

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/testutil"
)

// TestMiniBatchKMeansWeighted checks MiniBatchKMeans' weighted fit, whose
// random batches cannot be compared with scikit-learn's row for row: the
// inertia is the weighted sum of squared distances to the final centres,
// and the weights change the centres.
func TestMiniBatchKMeansWeighted(t *testing.T) {
	X, _ := testutil.LoadCSV(t, "data/datasets/iris.csv")
	n, d := X.Dims()
	w := make([]float64, n)
	for i := range w {
		w[i] = float64(i % 4)
	}
	fit := func(w []float64) *MiniBatchKMeans {
		m := NewMiniBatchKMeans()
		m.NClusters = 3
		if err := m.FitWeighted(context.Background(), X, nil, w); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := fit(w)
	C := m.ClusterCenters()
	want := 0.0
	for i := 0; i < n; i++ {
		best := math.Inf(1)
		for c := 0; c < 3; c++ {
			s := 0.0
			for j := 0; j < d; j++ {
				v := X.At(i, j) - C.At(c, j)
				s += v * v
			}
			best = math.Min(best, s)
		}
		want += w[i] * best
	}
	if got := m.Inertia(); math.Abs(got-want) > 1e-9*want {
		t.Errorf("inertia %v, want the weighted sum %v", got, want)
	}
	if mat.EqualApprox(C, fit(nil).ClusterCenters(), 1e-12) {
		t.Errorf("the weighted centres are the unweighted ones")
	}
}
