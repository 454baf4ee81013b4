package manifold

import (
	"fmt"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// Trustworthiness is scikit-learn's sklearn.manifold.trustworthiness with
// the euclidean metric: 1 - 2/(n·k·(2n - 3k - 1)) · Σᵢ Σ_{j ∈ Nᵏ(i)}
// max(0, r(i, j) - k), where Nᵏ(i) are the k nearest neighbours of i in
// the embedding and r(i, j) the rank of j among i's neighbours in X. It
// needs k < n/2 and holds an n×n rank table (refused beyond 10,000 rows).
func Trustworthiness(X, embedded *mat.Dense, k int) (float64, error) {
	n, p := X.Dims()
	m, c := embedded.Dims()
	switch {
	case m != n:
		return 0, ml.DataErrorf("trustworthiness: X has %d rows but the embedding %d", n, m)
	case k < 1 || float64(k) >= float64(n)/2:
		return 0, ml.DataErrorf("trustworthiness: n_neighbors is %d but it must be in [1, n_samples / 2) = [1, %v)", k, float64(n)/2)
	case n > 10000:
		return 0, ml.DataErrorf("trustworthiness: %d rows would need an n×n rank table of %d entries; at most 10,000 rows", n, n*n)
	}
	sqd := func(A *mat.Dense, d, i, j int) float64 {
		var s float64
		for a := 0; a < d; a++ {
			v := A.At(i, a) - A.At(j, a)
			s += v * v
		}
		return s
	}
	rank := make([]int32, n*n)
	order := make([]int, n)
	dist := make([]float64, n)
	var t float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			order[j] = j
			dist[j] = sqd(X, p, i, j)
		}
		dist[i] = -1 // excluded: sorted first, rank 0
		sort.SliceStable(order, func(a, b int) bool { return dist[order[a]] < dist[order[b]] })
		for r, j := range order {
			rank[i*n+j] = int32(r) // i itself is rank 0, so j's is 1-based among the others
		}
		for j := 0; j < n; j++ {
			order[j] = j
			dist[j] = sqd(embedded, c, i, j)
		}
		dist[i] = -1
		sort.SliceStable(order, func(a, b int) bool { return dist[order[a]] < dist[order[b]] })
		for _, j := range order[1 : k+1] {
			if r := int(rank[i*n+j]) - k; r > 0 {
				t += float64(r)
			}
		}
	}
	if t < 0 {
		return 0, fmt.Errorf("trustworthiness: negative sum")
	}
	nf, kf := float64(n), float64(k)
	return 1 - t*(2/(nf*kf*(2*nf-3*kf-1))), nil
}
