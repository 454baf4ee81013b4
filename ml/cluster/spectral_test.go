package cluster

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestSpectralParity: SpectralClustering's labels equal scikit-learn
// 1.2.1's up to a permutation of the cluster numbers (adjusted Rand index
// 1) for the rbf and nearest_neighbors affinities and the three
// assign_labels, on data the embedding separates. Row-for-row parity is
// not possible: scikit-learn's embedding comes from ARPACK, k-means and
// discretize draw from numpy's generator (see SpectralClustering).
func TestSpectralParity(t *testing.T) {
	p := loadMeanShift(t)
	for _, c := range p.Spectral {
		t.Run(fmt.Sprintf("%s/%v", c.Data, c.Params), func(t *testing.T) {
			sc := fit(t, "SpectralClustering", c.Params, dense(p.Data[c.Data])).(*SpectralClustering)
			if !sameUpToPermutation(sc.Labels(), c.Labels) {
				m := map[[2]int]int{}
				for i, l := range sc.Labels() {
					m[[2]int{l, c.Labels[i]}]++
				}
				t.Errorf("labels differ from scikit-learn's beyond a permutation (scikit-learn's ARI against the truth %g); contingency %v", c.ARITruth, m)
			}
		})
	}
}

// TestChebyshevEigenvectors: on a 300-row nearest_neighbors graph the
// sparse solver's eigenvectors span the leading eigenspace that a dense
// symmetric eigendecomposition (LAPACK's dsyev, gonum) finds: each
// vector's Rayleigh quotient equals the dense eigenvalue within 1e-9 (the
// solver's residual tolerance) and its projection on the dense
// eigenvectors keeps its norm up to the Davis–Kahan bound: the angle to
// the eigenspace is at most √k·1e-9 over the gap to the next eigenvalue,
// so 1 − ‖projection‖ ≤ angle²/2 (plus 1e-12 of rounding).
func TestChebyshevEigenvectors(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	n, k := 300, 3
	X := mat.NewDense(n, 2, nil)
	for i := 0; i < n; i++ {
		a := math.Pi * rng.Float64()
		x, y := math.Cos(a), math.Sin(a)
		if i%2 == 1 {
			x, y = 1-x, 0.5-y
		}
		X.Set(i, 0, x+0.05*rng.NormFloat64())
		X.Set(i, 1, y+0.05*rng.NormFloat64())
	}
	sc := NewSpectralClustering()
	sc.Affinity = "nearest_neighbors"
	A, err := sc.knnGraph(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	D := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for p := A.rowPtr[i]; p < A.rowPtr[i+1]; p++ {
			D.SetSym(i, A.col[p], A.val[p])
		}
	}
	for i := 0; i < n; i++ { // symmetric, and (C + Cᵀ)/2 of 0/1 entries
		for j := 0; j < n; j++ {
			if v := D.At(i, j); v != D.At(j, i) || (v != 0 && v != 0.5 && v != 1) || (i == j && v != 0) {
				t.Fatalf("A[%d, %d] = %v", i, j, v)
			}
		}
	}
	dd := make([]float64, n)
	for i := range dd {
		for j := 0; j < n; j++ {
			dd[i] += D.At(i, j)
		}
		dd[i] = math.Sqrt(dd[i])
	}
	M := &csr{n: n, rowPtr: A.rowPtr, col: A.col, val: make([]float64, len(A.val))}
	Md := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for p := A.rowPtr[i]; p < A.rowPtr[i+1]; p++ {
			M.val[p] = A.val[p] / dd[i] / dd[A.col[p]]
			Md.SetSym(i, A.col[p], M.val[p])
		}
	}
	V, err := chebyshevEigenvectors(context.Background(), M, k, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	var eig mat.EigenSym
	if !eig.Factorize(Md, true) {
		t.Fatal("dense eigendecomposition failed")
	}
	vals := eig.Values(nil)
	var E mat.Dense
	eig.VectorsTo(&E)
	lead := E.Slice(0, n, n-k, n)
	angle := math.Sqrt(float64(k)) * 1e-9 / (vals[n-k] - vals[n-k-1])
	tol := angle*angle/2 + 1e-12
	for c := 0; c < k; c++ {
		v := V.ColView(c)
		var mv mat.VecDense
		mv.MulVec(Md, v)
		if q, want := mat.Dot(v, &mv), vals[n-1-c]; math.Abs(q-want) > 1e-9 {
			t.Errorf("eigenvalue %d: %v, dense %v", c, q, want)
		}
		var proj mat.VecDense
		proj.MulVec(lead.T(), v)
		if nrm := mat.Norm(&proj, 2); math.Abs(nrm-1) > tol {
			t.Errorf("eigenvector %d: %v of its norm in the dense leading eigenspace (bound %g)", c, nrm, tol)
		}
	}
}
