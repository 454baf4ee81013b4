package tree

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestFusedRandomSplits checks that the random splitter's fused passes
// (sums taken while partitioning, the next feature gathered while
// partitioning, class counts without partitioning) grow exactly the trees
// of the plain partition-then-update splitter, scikit-learn's.
func TestFusedRandomSplits(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	n, p := 600, 6
	X := mat.NewDense(n, p, nil)
	y := make([]float64, n)
	cls := make([]int, n)
	w := make([]float64, n)
	for i := range n {
		s := 0.0
		for j := range p {
			v := r.NormFloat64()
			if j == 5 {
				v = float64(r.IntN(3)) // ties and a few constant nodes
			}
			X.Set(i, j, v)
			s += float64(j+1) * v
		}
		y[i] = s + r.NormFloat64()
		cls[i] = min(3, max(0, int(s/4+2)))
		w[i] = float64(r.IntN(3))
	}
	reg, err := NewRegressionData(X, y)
	if err != nil {
		t.Fatal(err)
	}
	class, err := NewClassData(X, cls, 4)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		d         *Data
		criterion string
		w         []float64
		leaf      int
		wfrac     float64
		maxF      int
	}{
		{reg, "squared_error", nil, 1, 0, 0},
		{reg, "friedman_mse", nil, 3, 0, 2},
		{reg, "squared_error", nil, 1, 0.02, 0},
		{class, "gini", nil, 1, 0, 0},
		{class, "entropy", nil, 2, 0, 3},
		{class, "gini", w, 1, 0, 0},
		{class, "gini", w, 1, 0.03, 2},
	}
	defer func() { plainRandomSplits = false }()
	for k, c := range cases {
		for seed := range 5 {
			o := GrowOptions{Criterion: c.criterion, Params: defaultParams()}
			o.Splitter = "random"
			o.RandomState = seed
			o.MinSamplesLeaf = Count{N: c.leaf}
			o.MinWeightFractionLeaf = c.wfrac
			if c.maxF > 0 {
				o.MaxFeatures = MaxFeatures{N: c.maxF}
			}
			plainRandomSplits = false
			fused, err := c.d.Grow(context.Background(), o, c.w)
			if err != nil {
				t.Fatal(err)
			}
			plainRandomSplits = true
			plain, err := c.d.Grow(context.Background(), o, c.w)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(fused, plain) {
				t.Errorf("case %d (%s) seed %d: the fused splitter grew another tree (%d nodes, plain %d)",
					k, c.criterion, seed, len(fused.Feature), len(plain.Feature))
			}
			if len(fused.Feature) < 9 {
				t.Errorf("case %d: only %d nodes", k, len(fused.Feature))
			}
		}
	}
}
