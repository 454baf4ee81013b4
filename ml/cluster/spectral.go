package cluster

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "SpectralClustering",
		Task:   ml.Clustering,
		Family: "cluster",
		Doc:    "spectral clustering: the rows embedded by the leading eigenvectors of the normalised graph Laplacian of an affinity (rbf or k-nearest-neighbour graph), then labelled by k-means, discretize or cluster_qr",
		New:    func() ml.Estimator { return NewSpectralClustering() },
	})
}

// SpectralClustering is scikit-learn 1.2's SpectralClustering for the
// affinities rbf (exp(-gamma·‖x−y‖²)) and nearest_neighbors (the
// symmetrised connectivity of the n_neighbors nearest rows, each row
// itself included). The rows are embedded as scikit-learn's
// spectral_embedding does: the n_components eigenvectors of the
// normalised Laplacian I − D^-½AD^-½ (diagonal of A left out) with the
// smallest eigenvalues, divided by √degree, each signed so that its
// largest entry in magnitude is positive; then labelled by k-means
// (n_init runs), discretize or cluster_qr.
//
// The eigenvectors come from block Krylov iteration with Rayleigh–Ritz
// (leadingEigenvectors; a dense decomposition up to 64 rows) for either
// eigen_solver, where scikit-learn runs ARPACK's shift-invert Lanczos (or
// LOBPCG): the eigenspace is the same, the basis of a repeated eigenvalue
// (a graph with several components) may differ, and k-means and
// discretize draw from Go's PCG generator seeded by random_state, not
// numpy's. The labels therefore agree with scikit-learn's up to a
// permutation on data whose clusters the embedding separates, not row for
// row on every input. The rbf affinity is dense (n² memory, n² time a
// product); the nearest_neighbors graph is sparse (n·n_neighbors), as
// scikit-learn keeps it, and its eigenvectors come from Chebyshev-filtered
// subspace iteration (spectral_sparse.go), whose products cost
// n·n_neighbors each.
type SpectralClustering struct {
	NClusters    int     `json:"n_clusters" min:"1" help:"the number of clusters"`
	EigenSolver  string  `json:"eigen_solver" nullable:"true" enum:"arpack,lobpcg" help:"null (arpack) or lobpcg: both run the same iterative symmetric eigensolver here (block Krylov for rbf, Chebyshev-filtered subspace iteration for the sparse nearest_neighbors graph), which finds the same eigenvectors"`
	NComponents  int     `json:"n_components" nullable:"true" min:"1" help:"eigenvectors of the embedding; null means n_clusters"`
	RandomState  int64   `json:"random_state" nullable:"true" help:"seed of k-means and discretize; null means 0 (mlforge is always seeded)"`
	NInit        int     `json:"n_init" min:"1" help:"k-means runs on the embedding, the best kept"`
	Gamma        float64 `json:"gamma" min:"0" help:"the rbf kernel's coefficient: exp(-gamma·‖x−y‖²)"`
	Affinity     string  `json:"affinity" enum:"rbf,nearest_neighbors" help:"rbf kernel, or the graph of the n_neighbors nearest rows"`
	NNeighbors   int     `json:"n_neighbors" min:"1" help:"neighbours of each row in the nearest_neighbors graph (itself included)"`
	AssignLabels string  `json:"assign_labels" enum:"kmeans,discretize,cluster_qr" help:"how the embedding is labelled: k-means, discretize (rotation to the nearest partition matrix) or cluster_qr (pivoted QR, no randomness)"`

	nIn    int
	labels []int
}

// NewSpectralClustering returns a SpectralClustering with scikit-learn's
// defaults: 8 clusters, arpack, n_init 10, gamma 1, rbf, n_neighbors 10,
// kmeans.
func NewSpectralClustering() *SpectralClustering {
	return &SpectralClustering{NClusters: 8, NInit: 10, Gamma: 1, Affinity: "rbf", NNeighbors: 10, AssignLabels: "kmeans"}
}

func (sc *SpectralClustering) components() int {
	if sc.NComponents > 0 {
		return sc.NComponents
	}
	return sc.NClusters
}

// CheckShape refuses fewer than two rows, more clusters or eigenvectors
// than rows and, for the nearest_neighbors graph, more neighbours than
// rows.
func (sc *SpectralClustering) CheckShape(n, _ int) error {
	if n < 2 {
		return &ml.ParamError{Param: "n_clusters", Msg: fmt.Sprintf("the data has %d rows: spectral clustering needs at least 2", n)}
	}
	if sc.NClusters > n {
		return &ml.ParamError{Param: "n_clusters", Msg: fmt.Sprintf("n_clusters is %d but the data has only %d rows: it must be at most the number of samples", sc.NClusters, n)}
	}
	if c := sc.components(); c > n {
		return &ml.ParamError{Param: "n_components", Msg: fmt.Sprintf("n_components is %d but the data has only %d rows: it must be at most the number of samples", c, n)}
	}
	if sc.Affinity == "nearest_neighbors" && sc.NNeighbors > n {
		return &ml.ParamError{Param: "n_neighbors", Msg: fmt.Sprintf("n_neighbors is %d but the data has only %d rows: it must be at most the number of samples", sc.NNeighbors, n)}
	}
	return nil
}

// Fit clusters X; y is ignored.
func (sc *SpectralClustering) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(sc); err != nil {
		return err
	}
	if err := ml.CheckX(X, 0); err != nil {
		return err
	}
	n, d := X.Dims()
	if err := sc.CheckShape(n, d); err != nil {
		return err
	}
	progress := ml.ProgressFrom(ctx)
	progress.Report(ml.Event{Kind: "step", Step: 1, Total: 3, Message: "affinity"})
	if err := ctx.Err(); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(uint64(sc.RandomState), 0x853c49e6748fea9b))
	var maps *mat.Dense
	if sc.Affinity == "nearest_neighbors" {
		// A sparse graph, as scikit-learn keeps it (spectral_sparse.go).
		A, err := sc.knnGraph(ctx, X)
		if err != nil {
			return err
		}
		progress.Report(ml.Event{Kind: "step", Step: 2, Total: 3, Message: "spectral embedding"})
		if err := ctx.Err(); err != nil {
			return err
		}
		if maps, err = sparseSpectralEmbedding(ctx, A, sc.components(), rng); err != nil {
			return err
		}
	} else {
		A, err := sc.affinityMatrix(ctx, X)
		if err != nil {
			return err
		}
		progress.Report(ml.Event{Kind: "step", Step: 2, Total: 3, Message: "spectral embedding"})
		if err := ctx.Err(); err != nil {
			return err
		}
		if maps, err = spectralEmbedding(ctx, A, sc.components(), rng); err != nil {
			return err
		}
	}
	progress.Report(ml.Event{Kind: "step", Step: 3, Total: 3, Message: "assign labels (" + sc.AssignLabels + ")"})
	if err := ctx.Err(); err != nil {
		return err
	}
	var labels []int
	var err error
	switch sc.AssignLabels {
	case "discretize":
		rng := rand.New(rand.NewPCG(uint64(sc.RandomState), 0x9e3779b97f4a7c15))
		if labels, err = discretize(maps, rng); err != nil {
			return err
		}
	case "cluster_qr":
		labels = clusterQR(maps)
	default:
		km := NewKMeans()
		km.NClusters, km.NInit, km.RandomState = sc.NClusters, sc.NInit, sc.RandomState
		if err := km.Fit(ctx, maps, nil); err != nil {
			return fmt.Errorf("k-means on the spectral embedding: %w", err)
		}
		labels = km.Labels()
	}
	sc.nIn, sc.labels = d, labels
	return nil
}

// affinityMatrix returns the dense affinity_matrix_ of the rbf kernel.
func (sc *SpectralClustering) affinityMatrix(ctx context.Context, X *mat.Dense) (*mat.SymDense, error) {
	data, n, d := rows(X)
	A := mat.NewSymDense(n, nil)
	raw := A.RawSymmetric()
	forRows(n, n*d, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xi := data[i*d : (i+1)*d]
			for j := i; j < n; j++ {
				raw.Data[i*raw.Stride+j] = math.Exp(-sc.Gamma * sqdist(xi, data[j*d:(j+1)*d]))
			}
		}
	})
	return A, ctx.Err()
}

// spectralEmbedding is scikit-learn's spectral_embedding(A, k,
// norm_laplacian=True, drop_first=False) as an n×k matrix.
func spectralEmbedding(ctx context.Context, A *mat.SymDense, k int, rng *rand.Rand) (*mat.Dense, error) {
	n := A.SymmetricDim()
	raw := A.RawSymmetric()
	// csgraph laplacian(normed=True): the degrees without the diagonal,
	// √degree (1 for an isolated row).
	dd := make([]float64, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if j != i {
				dd[i] += A.At(i, j)
			}
		}
	}
	for i, v := range dd {
		if v == 0 {
			dd[i] = 1
		} else {
			dd[i] = math.Sqrt(v)
		}
	}
	// M = D^-½ A D^-½ off the diagonal: I − M is the Laplacian with its
	// diagonal set to 1, and its smallest eigenvalues are M's largest.
	M := mat.NewSymDense(n, nil)
	mr := M.RawSymmetric()
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			mr.Data[i*mr.Stride+j] = raw.Data[i*raw.Stride+j] / dd[i] / dd[j]
		}
	}
	V, err := leadingEigenvectors(ctx, M, k, rng)
	if err != nil {
		return nil, err
	}
	return signedEmbedding(V, dd), nil
}

// denseEigen is the size up to which leadingEigenvectors decomposes the
// whole matrix.
const denseEigen = 64

// leadingEigenvectors returns the k eigenvectors of the symmetric M (its
// eigenvalues in [-1, 1]) with the largest eigenvalues, largest first, as
// an n×k matrix: by block Krylov iteration from a random block of k+2
// vectors, with full reorthogonalisation and Rayleigh–Ritz over the whole
// basis, until every Ritz pair's residual ‖Mu − θu‖ is below 1e-9 (or the
// basis spans everything); a small M is decomposed at once.
func leadingEigenvectors(ctx context.Context, M *mat.SymDense, k int, rng *rand.Rand) (*mat.Dense, error) {
	n := M.SymmetricDim()
	if n <= denseEigen {
		var eig mat.EigenSym
		if !eig.Factorize(M, true) {
			return nil, fmt.Errorf("spectral embedding: the eigendecomposition of the %d×%d Laplacian did not converge", n, n)
		}
		var V mat.Dense
		eig.VectorsTo(&V)
		out := mat.NewDense(n, k, nil)
		for c := 0; c < k; c++ {
			for i := 0; i < n; i++ {
				out.Set(i, c, V.At(i, n-1-c)) // eigenvalues ascend
			}
		}
		return out, nil
	}
	const tol = 1e-9
	b := min(k+2, n)
	var basis, prods [][]float64
	// add orthonormalises w against the basis (twice, modified
	// Gram–Schmidt) and appends it, or a random vector where w lies in
	// the span already.
	add := func(w []float64) {
		for try := 0; try < 4 && len(basis) < n; try++ {
			norm0 := math.Sqrt(dot(w, w))
			for pass := 0; pass < 2; pass++ {
				for _, q := range basis {
					p := dot(w, q)
					for i := range w {
						w[i] -= p * q[i]
					}
				}
			}
			norm := math.Sqrt(dot(w, w))
			if norm > 1e-10*max(norm0, 1e-300) && norm > 0 {
				for i := range w {
					w[i] /= norm
				}
				basis = append(basis, w)
				return
			}
			w = make([]float64, n)
			for i := range w {
				w[i] = rng.Float64()*2 - 1
			}
		}
	}
	for j := 0; j < b; j++ {
		w := make([]float64, n)
		for i := range w {
			w[i] = rng.Float64()*2 - 1 // scikit-learn's v0 is uniform on [-1, 1] too
		}
		add(w)
	}
	next := k
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := len(prods)
		for j := start; j < len(basis); j++ {
			var mv mat.VecDense
			mv.MulVec(M, mat.NewVecDense(n, basis[j]))
			prods = append(prods, mv.RawVector().Data)
		}
		s := len(basis)
		if s >= next || s >= n {
			T := mat.NewSymDense(s, nil)
			for i := 0; i < s; i++ {
				for j := i; j < s; j++ {
					T.SetSym(i, j, (dot(basis[i], prods[j])+dot(basis[j], prods[i]))/2)
				}
			}
			var eig mat.EigenSym
			if !eig.Factorize(T, true) {
				return nil, fmt.Errorf("spectral embedding: the Rayleigh–Ritz step on %d vectors did not converge", s)
			}
			vals := eig.Values(nil)
			var Y mat.Dense
			eig.VectorsTo(&Y)
			out := mat.NewDense(n, k, nil)
			converged := true
			u, r := make([]float64, n), make([]float64, n)
			for c := 0; c < k; c++ {
				col := s - 1 - c
				clear(u)
				clear(r)
				for j := 0; j < s; j++ {
					y := Y.At(j, col)
					for i := range u {
						u[i] += y * basis[j][i]
						r[i] += y * prods[j][i]
					}
				}
				for i := range r {
					r[i] -= vals[col] * u[i]
				}
				if math.Sqrt(dot(r, r)) > tol {
					converged = false
				}
				out.SetCol(c, u)
			}
			if converged || s >= n {
				return out, nil
			}
			next = s + max(b, s/5)
		}
		// Extend the basis by M times the last block.
		for j := start; j < s && len(basis) < n; j++ {
			add(append([]float64(nil), prods[j]...))
		}
		if len(basis) == s { // nothing new (an invariant subspace): a random direction
			w := make([]float64, n)
			for i := range w {
				w[i] = rng.Float64()*2 - 1
			}
			add(w)
		}
	}
}

// discretize is scikit-learn's discretize: the embedding's columns scaled
// to norm √n and signed against their first entry, its rows to unit
// norm, then the rotation to the nearest partition matrix found by
// alternating argmax and SVD (at most 20 iterations after the first),
// the rotation started from a random row and the rows most orthogonal to
// it.
func discretize(maps *mat.Dense, rng *rand.Rand) ([]int, error) {
	n, k := maps.Dims()
	v := mat.DenseCopyOf(maps)
	norm := math.Sqrt(float64(n))
	for c := 0; c < k; c++ {
		col := mat.Col(nil, c, v)
		l := mat.Norm(mat.NewVecDense(n, col), 2)
		for i := range col {
			col[i] = col[i] / l * norm
		}
		if col[0] != 0 {
			s := math.Copysign(1, col[0])
			for i := range col {
				col[i] = -1 * col[i] * s
			}
		}
		v.SetCol(c, col)
	}
	for i := 0; i < n; i++ {
		row := v.RawRowView(i)
		var s float64
		for _, x := range row {
			s += x * x
		}
		s = math.Sqrt(s)
		for j := range row {
			row[j] /= s
		}
	}
	const maxRestarts, maxIter = 30, 20
	eps := math.Nextafter(1, 2) - 1
	var labels []int
	for restart := 0; restart < maxRestarts; restart++ {
		rot := mat.NewDense(k, k, nil)
		rot.SetCol(0, v.RawRowView(rng.IntN(n)))
		c := make([]float64, n)
		for j := 1; j < k; j++ {
			var prod mat.VecDense
			prod.MulVec(v, rot.ColView(j-1))
			arg, lo := 0, math.Inf(1)
			for i := range c {
				c[i] += math.Abs(prod.AtVec(i))
				if c[i] < lo {
					arg, lo = i, c[i]
				}
			}
			rot.SetCol(j, v.RawRowView(arg))
		}
		last := 0.0
		labels = make([]int, n)
		var t mat.Dense
		for iter := 1; ; iter++ {
			t.Mul(v, rot)
			for i := 0; i < n; i++ {
				labels[i] = argmax(t.RawRowView(i))
			}
			// vectors_discreteᵀ·vectors: the sum of each label's rows.
			ts := mat.NewDense(k, k, nil)
			for i, l := range labels {
				r := ts.RawRowView(l)
				for j, x := range v.RawRowView(i) {
					r[j] += x
				}
			}
			var svd mat.SVD
			if !svd.Factorize(ts, mat.SVDFull) {
				break // randomise and run again, as scikit-learn does
			}
			var S float64
			for _, s := range svd.Values(nil) {
				S += s
			}
			ncut := 2 * (float64(n) - S)
			if math.Abs(ncut-last) < eps || iter > maxIter {
				return labels, nil
			}
			last = ncut
			var U, V mat.Dense
			svd.UTo(&U)
			svd.VTo(&V)
			rot.Mul(&V, U.T())
		}
	}
	return nil, fmt.Errorf("discretize: the SVD did not converge in %d restarts", maxRestarts)
}

// clusterQR is scikit-learn's cluster_qr: the k rows of the embedding that
// QR with column pivoting of its transpose picks first, the orthogonal
// factor U·Vᵀ of their SVD, each row labelled by the largest magnitude of
// its rotation.
func clusterQR(maps *mat.Dense) []int {
	n, k := maps.Dims()
	// Pivoted Gram–Schmidt over the rows: each step takes the row of the
	// largest remaining norm (the first of equals, as LAPACK's idamax)
	// and projects it out of the others.
	res := mat.DenseCopyOf(maps)
	piv := make([]int, 0, k)
	taken := make([]bool, n)
	for len(piv) < k {
		best, bn := -1, -1.0
		for i := 0; i < n; i++ {
			if taken[i] {
				continue
			}
			r := res.RawRowView(i)
			if s := dot(r, r); s > bn {
				best, bn = i, s
			}
		}
		taken[best] = true
		piv = append(piv, best)
		q := append([]float64(nil), res.RawRowView(best)...)
		if bn > 0 {
			l := math.Sqrt(bn)
			for j := range q {
				q[j] /= l
			}
			for i := 0; i < n; i++ {
				if taken[i] {
					continue
				}
				r := res.RawRowView(i)
				p := dot(r, q)
				for j := range r {
					r[j] -= p * q[j]
				}
			}
		}
	}
	sel := mat.NewDense(k, k, nil) // vectors[piv[:k], :]ᵀ
	for a, i := range piv {
		sel.SetCol(a, maps.RawRowView(i))
	}
	var svd mat.SVD
	labels := make([]int, n)
	if !svd.Factorize(sel, mat.SVDFull) {
		return labels
	}
	var U, V, R, T mat.Dense
	svd.UTo(&U)
	svd.VTo(&V)
	R.Mul(&U, V.T())
	T.Mul(maps, &R)
	for i := 0; i < n; i++ {
		row := T.RawRowView(i)
		for j := range row {
			row[j] = math.Abs(row[j])
		}
		labels[i] = argmax(row)
	}
	return labels
}

// argmax returns the index of the first largest value.
func argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// FitPredict fits on X and returns labels_.
func (sc *SpectralClustering) FitPredict(ctx context.Context, X *mat.Dense) ([]float64, error) {
	if err := sc.Fit(ctx, X, nil); err != nil {
		return nil, err
	}
	return fitLabels(sc), nil
}

// Labels returns labels_, or nil before Fit.
func (sc *SpectralClustering) Labels() []int { return clone(sc.labels) }

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (sc *SpectralClustering) NFeaturesIn() int { return sc.nIn }

// MarshalState returns labels_.
func (sc *SpectralClustering) MarshalState() (*ml.State, error) {
	if sc.labels == nil {
		return nil, ml.NotFittedError("SpectralClustering")
	}
	st := ml.NewState()
	st.SetAttr("n_features_in_", sc.nIn)
	st.SetInts("labels_", sc.labels)
	return st, nil
}

// UnmarshalState restores state written by MarshalState.
func (sc *SpectralClustering) UnmarshalState(st *ml.State) error {
	var nIn int
	if err := st.Attr("n_features_in_", &nIn); err != nil {
		return err
	}
	if nIn < 1 {
		return fmt.Errorf("state: n_features_in_ is %d, expected at least 1", nIn)
	}
	labels, _, err := st.Ints("labels_", 0, math.MaxInt32, -1)
	if err != nil {
		return err
	}
	sc.nIn, sc.labels = nIn, labels
	return nil
}

// EstimateMemory bounds Fit's memory: for rbf the affinity, the normalised
// matrix, its eigenvectors and the decomposition's workspace (n² each);
// for the sparse nearest_neighbors graph its entries (about
// 2·n_neighbors a row, 24 bytes each, twice) and the subspace; the
// embedding and k-means on it.
func (sc *SpectralClustering) EstimateMemory(n, p, _ int) int64 {
	N := int64(max(n, 1))
	k := int64(max(sc.components(), sc.NClusters, 1))
	nn := int64(max(sc.NNeighbors, 1))
	if sc.Affinity == "nearest_neighbors" {
		return budget.Add(ml.DataBytes(n, p), budget.Mul(24*4, N, nn), budget.Mul(8*8, N, subspaceSize(int(k))), budget.Mul(8*8, N, k), budget.Mul(8*nn*3, N), 1<<16)
	}
	return budget.Add(ml.DataBytes(n, p), budget.Mul(8*5, N, N), budget.Mul(8*8, N, k), budget.Mul(8*nn*3, N), 1<<16)
}
