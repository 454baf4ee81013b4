package neighbors

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestRadiusWithinMethodsAgree: the screened brute force (GEMM kernel for
// the Euclidean metric, lanes kernel for the others) and the k-d tree find
// the same points at the same distances, bit for bit, for every metric,
// with the radius set at a training point's exact distance (a boundary
// case, for p 1 and 2), on data offset far from the origin (large norms stress the GEMM
// form's rounding margin), and for a query whose squared norm overflows.
func TestRadiusWithinMethodsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, m, d = 700, 61, 17
	gen := func(rows int, off float64) *mat.Dense {
		X := mat.NewDense(rows, d, nil)
		for i := range rows {
			for j := range d {
				X.Set(i, j, off+rng.NormFloat64())
			}
		}
		return X
	}
	for _, c := range []struct {
		name string
		p    float64
		off  float64
	}{{"l2", 2, 0}, {"l2_offset", 2, 1e4}, {"l1", 1, 0}, {"p3", 3, 0}, {"p1.5", 1.5, 0}} {
		t.Run(c.name, func(t *testing.T) {
			X, Q := gen(n, c.off), gen(m, c.off)
			Q.Set(m-1, 0, 1e200) // squared norm +Inf: measured one by one
			met := newMetric(c.p)
			radius := met.dist(met.rdist(Q.RawRowView(0), X.RawRowView(5), math.Inf(1)))
			if c.p == 2 {
				radius = math.Sqrt(rdistL2(Q.RawRowView(0), X.RawRowView(5), math.Inf(1)))
			}
			var got [2][][]int
			var dist [2][][]float64
			for k, alg := range []string{"brute", "kd_tree"} {
				r := NewRadiusNeighborsRegressor()
				r.Algorithm, r.P, r.Radius, r.LeafSize = alg, c.p, radius, 7
				if err := r.Fit(context.Background(), X, make([]float64, n)); err != nil {
					t.Fatal(err)
				}
				var err error
				got[k], dist[k], err = r.fit.within(Q, radius, true)
				if err != nil {
					t.Fatal(err)
				}
			}
			total := 0
			for i := range m {
				total += len(got[0][i])
				if !slices.Equal(got[0][i], got[1][i]) || !slices.Equal(dist[0][i], dist[1][i]) {
					t.Fatalf("query %d: brute %v %v, kd_tree %v %v", i, got[0][i], dist[0][i], got[1][i], dist[1][i])
				}
			}
			// For other p, radius^p need not give back the reduced distance.
			if ((c.p == 1 || c.p == 2) && !slices.Contains(got[0][0], 5)) || total < m {
				t.Errorf("query 0 finds %v (training row 5 is on the boundary); %d points in all", got[0][0], total)
			}
		})
	}
}
