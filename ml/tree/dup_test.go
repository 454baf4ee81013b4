package tree

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestRowGroupsSameTree grows trees on a bootstrap sample (repeated rows,
// as AdaBoostRegressor fits) with a feature of few values (ties between
// different rows), with and without the row groups that let a fast sort's
// ties between repeated rows stand: the trees must be equal bit for bit.
func TestRowGroupsSameTree(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	n, p := 3000, 6
	base := mat.NewDense(n, p, nil)
	yb := make([]float64, n)
	for i := range n {
		for j := range p {
			v := r.NormFloat64()
			if j == 2 {
				v = float64(r.IntN(5)) // ties between different rows
			}
			base.Set(i, j, v)
		}
		yb[i] = base.At(i, 0) + 0.5*base.At(i, 2) + r.NormFloat64()
	}
	X := mat.NewDense(n, p, nil)
	y := make([]float64, n)
	w := make([]float64, n)
	cls := make([]float64, n)
	for i := range n {
		k := r.IntN(n)
		X.SetRow(i, base.RawRowView(k))
		y[i] = yb[k]
		w[i] = 0.5 + float64(k%3)*0.25 // non-integer: exact ties for a classifier
		cls[i] = float64(min(2, max(0, int(yb[k]+1))))
	}
	fit := func() []*Tree {
		var out []*Tree
		for _, depth := range []int{3, 0} {
			reg := NewDecisionTreeRegressor()
			reg.MaxDepth = depth
			if err := reg.Fit(context.Background(), X, y); err != nil {
				t.Fatal(err)
			}
			clf := NewDecisionTreeClassifier()
			clf.MaxDepth = depth
			if err := clf.FitWeighted(context.Background(), X, cls, w); err != nil {
				t.Fatal(err)
			}
			out = append(out, reg.Tree(), clf.Tree())
		}
		return out
	}
	got := fit()
	useRowGroups = false
	defer func() { useRowGroups = true }()
	want := fit()
	for k := range want {
		if !reflect.DeepEqual(got[k], want[k]) {
			t.Errorf("tree %d: differs with row groups (%d nodes, want %d)", k, got[k].NodeCount(), want[k].NodeCount())
		}
	}
}
