package cluster

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml/neighbors"
)

// csr is a sparse symmetric n×n matrix in compressed rows.
type csr struct {
	n      int
	rowPtr []int
	col    []int
	val    []float64
}

// mulBlock sets dst (n×m, row-major) to the matrix times src (n×m).
func (a *csr) mulBlock(dst, src []float64, m int) {
	forRows(a.n, len(a.val)*m, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out := dst[i*m : (i+1)*m]
			clear(out)
			for p := a.rowPtr[i]; p < a.rowPtr[i+1]; p++ {
				v, x := a.val[p], src[a.col[p]*m:(a.col[p]+1)*m]
				for c := range out {
					out[c] += v * x[c]
				}
			}
		}
	})
}

// knnGraph returns 0.5·(C + Cᵀ) for the connectivity C of the
// n_neighbors nearest rows (each row itself included), as scikit-learn's
// affinity_matrix_ for affinity="nearest_neighbors", sparse and without
// its diagonal (which the normalised Laplacian leaves out).
func (sc *SpectralClustering) knnGraph(ctx context.Context, X *mat.Dense) (*csr, error) {
	n, _ := X.Dims()
	knn := neighbors.NewKNeighborsRegressor()
	knn.NNeighbors = sc.NNeighbors
	if err := knn.Fit(ctx, X, make([]float64, n)); err != nil {
		return nil, fmt.Errorf("the nearest_neighbors affinity: %w", err)
	}
	_, ind, err := knn.KNeighbors(X, sc.NNeighbors)
	if err != nil {
		return nil, fmt.Errorf("the nearest_neighbors affinity: %w", err)
	}
	type entry struct{ i, j int }
	es := make([]entry, 0, 2*n*sc.NNeighbors)
	for i, row := range ind {
		for _, j := range row {
			if i != j {
				es = append(es, entry{i, j}, entry{j, i})
			}
		}
	}
	slices.SortFunc(es, func(a, b entry) int {
		if a.i != b.i {
			return a.i - b.i
		}
		return a.j - b.j
	})
	A := &csr{n: n, rowPtr: make([]int, n+1)}
	for t, e := range es {
		if t > 0 && es[t-1] == e {
			A.val[len(A.val)-1] += 0.5
			continue
		}
		A.col = append(A.col, e.j)
		A.val = append(A.val, 0.5)
		A.rowPtr[e.i+1] = len(A.col)
	}
	for i := 1; i <= n; i++ {
		A.rowPtr[i] = max(A.rowPtr[i], A.rowPtr[i-1])
	}
	return A, ctx.Err()
}

// sparseSpectralEmbedding is spectralEmbedding for a sparse affinity
// without diagonal: M = D^-½AD^-½, its k leading eigenvectors (by
// chebyshevEigenvectors, or densely for a small graph), divided by
// √degree and signed as spectralEmbedding signs them.
func sparseSpectralEmbedding(ctx context.Context, A *csr, k int, rng *rand.Rand) (*mat.Dense, error) {
	n := A.n
	dd := make([]float64, n)
	for i := 0; i < n; i++ {
		for p := A.rowPtr[i]; p < A.rowPtr[i+1]; p++ {
			dd[i] += A.val[p]
		}
		if dd[i] == 0 {
			dd[i] = 1
		} else {
			dd[i] = math.Sqrt(dd[i])
		}
	}
	M := &csr{n: n, rowPtr: A.rowPtr, col: A.col, val: make([]float64, len(A.val))}
	for i := 0; i < n; i++ {
		for p := A.rowPtr[i]; p < A.rowPtr[i+1]; p++ {
			M.val[p] = A.val[p] / dd[i] / dd[A.col[p]]
		}
	}
	var V *mat.Dense
	var err error
	if n <= denseEigen {
		D := mat.NewSymDense(n, nil)
		for i := 0; i < n; i++ {
			for p := M.rowPtr[i]; p < M.rowPtr[i+1]; p++ {
				if j := M.col[p]; j >= i {
					D.SetSym(i, j, M.val[p])
				}
			}
		}
		V, err = leadingEigenvectors(ctx, D, k, rng)
	} else {
		V, err = chebyshevEigenvectors(ctx, M, k, rng)
	}
	if err != nil {
		return nil, err
	}
	return signedEmbedding(V, dd), nil
}

// signedEmbedding divides the eigenvectors V by √degree and signs each
// column so that its largest entry in magnitude is positive.
func signedEmbedding(V *mat.Dense, dd []float64) *mat.Dense {
	n, k := V.Dims()
	emb := mat.NewDense(n, k, nil)
	for c := 0; c < k; c++ {
		best, sign := 0.0, 1.0
		for i := 0; i < n; i++ {
			v := V.At(i, c) / dd[i]
			emb.Set(i, c, v)
			if math.Abs(v) > best {
				best, sign = math.Abs(v), math.Copysign(1, v)
			}
		}
		if sign < 0 {
			for i := 0; i < n; i++ {
				emb.Set(i, c, -emb.At(i, c))
			}
		}
	}
	return emb
}

// subspaceSize is the block chebyshevEigenvectors iterates for k
// eigenvectors.
func subspaceSize(k int) int64 { return int64(2*k + 8) }

// chebyshevEigenvectors returns the k eigenvectors of the sparse
// symmetric M (its eigenvalues in [-1, 1]) with the largest eigenvalues,
// largest first, as an n×k matrix: subspace iteration on a block of
// 2k+8 vectors (from a random block, uniform on [-1, 1] as scikit-learn's
// v0), each step a Chebyshev polynomial of degree chebDegree in M that
// damps the interval [-1, θ] (θ the block's smallest Ritz value), an
// orthonormalisation and Rayleigh–Ritz, until every wanted Ritz pair's
// residual ‖Mu − θu‖ is below 1e-9, as leadingEigenvectors. A product
// costs nnz(M)·block, so the many products of the polynomial are cheap
// where a Krylov basis would grow to hundreds of vectors on a graph whose
// leading eigenvalues cluster near 1.
func chebyshevEigenvectors(ctx context.Context, M *csr, k int, rng *rand.Rand) (*mat.Dense, error) {
	const (
		tol        = 1e-9
		chebDegree = 20
		maxSteps   = 2000
	)
	n := M.n
	m := min(int(subspaceSize(k)), n)
	X := mat.NewDense(n, m, nil)
	xr := X.RawMatrix().Data
	for i := range xr {
		xr[i] = rng.Float64()*2 - 1
	}
	MX := mat.NewDense(n, m, nil)
	Y0, Y1 := mat.NewDense(n, m, nil), mat.NewDense(n, m, nil)
	var H mat.Dense
	var eig mat.EigenSym
	var W mat.Dense
	// orth orthonormalises X's columns: modified Gram–Schmidt, twice; a
	// column that vanishes is replaced by a random one.
	orth := func() {
		x := X.RawMatrix().Data
		for c := 0; c < m; c++ {
			for try := 0; ; try++ {
				norm0 := 0.0
				for i := 0; i < n; i++ {
					norm0 += x[i*m+c] * x[i*m+c]
				}
				for pass := 0; pass < 2; pass++ {
					for q := 0; q < c; q++ {
						var p float64
						for i := 0; i < n; i++ {
							p += x[i*m+c] * x[i*m+q]
						}
						for i := 0; i < n; i++ {
							x[i*m+c] -= p * x[i*m+q]
						}
					}
				}
				var norm float64
				for i := 0; i < n; i++ {
					norm += x[i*m+c] * x[i*m+c]
				}
				norm = math.Sqrt(norm)
				if norm > 1e-10*math.Sqrt(norm0) && norm > 0 || try == 3 {
					for i := 0; i < n; i++ {
						x[i*m+c] /= norm
					}
					break
				}
				for i := 0; i < n; i++ {
					x[i*m+c] = rng.Float64()*2 - 1
				}
			}
		}
	}
	orth()
	for step := 0; step < maxSteps; step++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// Rayleigh–Ritz on the block.
		M.mulBlock(MX.RawMatrix().Data, X.RawMatrix().Data, m)
		H.Mul(X.T(), MX)
		T := mat.NewSymDense(m, nil)
		for i := 0; i < m; i++ {
			for j := i; j < m; j++ {
				T.SetSym(i, j, (H.At(i, j)+H.At(j, i))/2)
			}
		}
		if !eig.Factorize(T, true) {
			return nil, fmt.Errorf("spectral embedding: the Rayleigh–Ritz step on %d vectors did not converge", m)
		}
		vals := eig.Values(nil)
		var Yv mat.Dense
		eig.VectorsTo(&Yv)
		// Largest first.
		R := mat.NewDense(m, m, nil)
		for c := 0; c < m; c++ {
			for i := 0; i < m; i++ {
				R.Set(i, c, Yv.At(i, m-1-c))
			}
		}
		W.Mul(X, R)
		X.Copy(&W)
		W.Mul(MX, R)
		MX.Copy(&W)
		converged := true
		for c := 0; c < k && converged; c++ {
			theta := vals[m-1-c]
			var r2 float64
			for i := 0; i < n; i++ {
				d := MX.At(i, c) - theta*X.At(i, c)
				r2 += d * d
			}
			converged = math.Sqrt(r2) <= tol
		}
		if converged {
			out := mat.NewDense(n, k, nil)
			out.Copy(X.Slice(0, n, 0, k))
			return out, nil
		}
		// Damp [-1, θ_min]: the Chebyshev recurrence on (M − c)/e.
		lo, hi := -1.0, vals[0]
		if hi <= lo+1e-12 {
			hi = lo + 1e-12
		}
		c, e := (hi+lo)/2, (hi-lo)/2
		x, y0, y1, mx := X.RawMatrix().Data, Y0.RawMatrix().Data, Y1.RawMatrix().Data, MX.RawMatrix().Data
		// y1 = (M − c)x / e, from MX = M·X already computed.
		for i := range y1 {
			y1[i] = (mx[i] - c*x[i]) / e
		}
		copy(y0, x)
		for d := 2; d <= chebDegree; d++ {
			M.mulBlock(mx, y1, m)
			for i := range y0 {
				y0[i] = 2*(mx[i]-c*y1[i])/e - y0[i]
			}
			y0, y1 = y1, y0
		}
		copy(x, y1)
		orth()
	}
	return nil, fmt.Errorf("spectral embedding: the eigenvectors of the %d×%d graph Laplacian did not converge in %d steps", n, n, maxSteps)
}
