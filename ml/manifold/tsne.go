// Package manifold holds mlforge's manifold learners, as scikit-learn 1.2
// computes them: TSNE (exact and Barnes-Hut), with Trustworthiness to
// score an embedding.
package manifold

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/nprand"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/decomposition"
	"github.com/mlforge/mlforge/ml/neighbors"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "TSNE",
		Task:   ml.Transform,
		Family: "manifold",
		Doc:    "t-distributed stochastic neighbour embedding: a 2-D (or 3-D) map of the training rows that keeps their neighbourhoods (fit_transform only)",
		New:    func() ml.Estimator { return NewTSNE() },
	})
}

// The constants of scikit-learn 1.2's _t_sne.py and _utils.pyx.
const (
	machineEps     = 0x1p-52                // np.finfo(np.double).eps
	float32Tiny    = 1.1754943508222875e-38 // np.finfo(np.float32).tiny
	perplexityTol  = 1e-5                   // PERPLEXITY_TOLERANCE
	epsilonDbl     = 1e-8                   // EPSILON_DBL
	searchSteps    = 100                    // n_steps of the binary search
	explorationIt  = 250                    // _EXPLORATION_N_ITER
	iterCheck      = 50                     // _N_ITER_CHECK
	duplicateEps   = 1e-6                   // the quad tree's EPSILON
	momentumEarly  = 0.5                    // momentum during early exaggeration
	momentumLate   = 0.8                    // momentum afterwards
	minGain        = 0.01                   // _gradient_descent's min_gain
	exactMaxFactor = 3 * 8                  // bytes per pair of the exact method: distances, conditional P, P
)

// TSNE is scikit-learn 1.2's TSNE. The affinities P are scikit-learn's:
// squared euclidean distances rounded to float32, the same binary search
// for each row's precision (perplexity within 1e-5 in log scale), over all
// rows (method "exact") or over the int(3·perplexity + 1) nearest
// neighbours (ml/neighbors, "barnes_hut"), symmetrised and normalised. The
// optimisation is scikit-learn's gradient descent with gains, momentum 0.5
// for 250 iterations of early exaggeration and 0.8 after, the gradient
// exact or from scikit-learn's Barnes-Hut space-partitioning tree (a quad
// tree in 2-D) with the same summary rule (angle²) and duplicate handling.
// It computes in float64 where scikit-learn's Barnes-Hut uses float32, and
// its PCA initialisation comes from mlforge's randomized PCA, so the final
// embedding is not scikit-learn's bit for bit: compare
// kl_divergence_ and trustworthiness, not coordinates. TSNE has no
// transform for new data, as in scikit-learn: FitTransform (or Fit and
// Embedding) gives embedding_, which the model file keeps.
type TSNE struct {
	NComponents          int     `json:"n_components" min:"1" help:"dimensions of the embedding (at most 3 for barnes_hut)"`
	Perplexity           float64 `json:"perplexity" gt:"0" help:"the effective number of neighbours; must be less than the number of samples"`
	EarlyExaggeration    float64 `json:"early_exaggeration" min:"1" help:"factor on P during the first 250 iterations"`
	LearningRate         float64 `json:"learning_rate" auto:"true" min:"0" help:"step size; auto (also 0): max(n_samples / early_exaggeration / 4, 50)"`
	NIter                int     `json:"n_iter" min:"250" help:"the most iterations (early exaggeration included)"`
	NIterWithoutProgress int     `json:"n_iter_without_progress" min:"-1" help:"stop after this many iterations without progress (checked every 50 after the first 250)"`
	MinGradNorm          float64 `json:"min_grad_norm" min:"0" help:"stop when the gradient's norm falls below this"`
	Metric               string  `json:"metric" enum:"euclidean" help:"the distance in the input space (euclidean)"`
	Init                 string  `json:"init" enum:"pca,random" help:"initial embedding: pca (scaled so the first coordinate has standard deviation 1e-4) or random (1e-4·N(0, 1))"`
	Verbose              int     `json:"verbose" min:"0" help:"accepted for compatibility: progress goes to the run's events"`
	RandomState          int64   `json:"random_state" nullable:"true" min:"0" max:"4294967295" help:"seed of the random init (numpy's RandomState) and of the PCA init; null means 0 (mlforge is always seeded)"`
	Method               string  `json:"method" enum:"barnes_hut,exact" help:"barnes_hut (O(n log n), memory O(n)) or exact (O(n²) time and memory)"`
	Angle                float64 `json:"angle" min:"0" max:"1" help:"Barnes-Hut's accuracy trade-off: a cell is summarised when its width / distance is below it"`
	NJobs                int     `json:"n_jobs" nullable:"true" help:"accepted for compatibility: the gradient uses every processor; the result does not depend on it"`

	nIn, n, c int
	embedding []float64
	kl        float64
	nIter     int
	lr        float64
}

// NewTSNE returns a TSNE with scikit-learn 1.2's defaults: 2 components,
// perplexity 30, early_exaggeration 12, learning_rate auto, n_iter 1000,
// n_iter_without_progress 300, min_grad_norm 1e-7, init pca, Barnes-Hut
// with angle 0.5.
func NewTSNE() *TSNE {
	return &TSNE{NComponents: 2, Perplexity: 30, EarlyExaggeration: 12, NIter: 1000, NIterWithoutProgress: 300,
		MinGradNorm: 1e-7, Metric: "euclidean", Init: "pca", Method: "barnes_hut", Angle: 0.5}
}

// Validate refuses more than 3 components with Barnes-Hut.
func (t *TSNE) Validate() error {
	if t.Method == "barnes_hut" && t.NComponents > 3 {
		return &ml.ParamError{Param: "n_components", Msg: fmt.Sprintf("n_components is %d but method \"barnes_hut\" works in at most 3 dimensions (a quad or oct tree): use method \"exact\"", t.NComponents)}
	}
	return nil
}

// CheckShape refuses a perplexity of at least the number of samples and
// an init pca with more components than features, before any work.
func (t *TSNE) CheckShape(n, p int) error {
	if t.Perplexity >= float64(n) {
		return &ml.ParamError{Param: "perplexity", Msg: fmt.Sprintf("perplexity is %v but the data has %d samples: it must be less than n_samples", t.Perplexity, n)}
	}
	if t.Init == "pca" && t.NComponents > min(n, p) {
		return &ml.ParamError{Param: "n_components", Msg: fmt.Sprintf("n_components is %d but init \"pca\" can give at most min(n_samples, n_features) = %d: use init \"random\"", t.NComponents, min(n, p))}
	}
	return nil
}

// MemoryParam names method when it is exact, whose memory grows as n².
func (t *TSNE) MemoryParam() string {
	if t.Method == "exact" {
		return "method"
	}
	return ""
}

func (t *TSNE) neighbours(n int) int { return min(n-1, int(3*t.Perplexity+1)) }

// EstimateMemory bounds Fit's memory: for exact, P and the float32
// distances (n² pairs); for Barnes-Hut, the k nearest neighbours (k =
// 3·perplexity + 1) and the symmetrised P (2·n·k entries), the tree (at
// most a few cells a point) and the embedding's work arrays; the PCA
// initialisation; a copy of X.
func (t *TSNE) EstimateMemory(n, p, _ int) int64 {
	c := int64(t.NComponents)
	N := int64(max(n, 0))
	est := budget.Add(budget.Mul(2, ml.DataBytes(n, p)), budget.Mul(8, 8, N, c), 1<<16)
	if t.Init == "pca" {
		pc := decomposition.NewPCA()
		pc.SvdSolver, pc.NComponents = "randomized", decomposition.NComponents{Count: t.NComponents}
		est = budget.Add(est, pc.EstimateMemory(n, p, t.NComponents))
	}
	if t.Method == "exact" {
		return budget.Add(est, budget.Mul(exactMaxFactor, N, N))
	}
	k := int64(max(t.neighbours(n), 1))
	// kNN: the index (a copy of X and its packing), distances and indices
	// of k+1 neighbours; P: conditional (n·k), triplets and the CSR of
	// P + Pᵀ (2·n·k each, value and column); the tree: up to 4 cells a
	// point of 2·3 + 8 + 8 words.
	return budget.Add(est, budget.Mul(3, ml.DataBytes(n, p)), budget.Mul(N, k+1, 8+8+8+8), budget.Mul(N, k, 8), budget.Mul(2, N, k, 8+8+8), budget.Mul(4, N, 8*16+64))
}

// Fit embeds X; y is ignored.
func (t *TSNE) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	_, err := t.fit(ctx, X)
	return err
}

// FitTransform embeds X and returns embedding_ (n_samples ×
// n_components), as scikit-learn's fit_transform.
func (t *TSNE) FitTransform(ctx context.Context, X *mat.Dense) (*mat.Dense, error) {
	return t.fit(ctx, X)
}

func (t *TSNE) fit(ctx context.Context, X *mat.Dense) (*mat.Dense, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ml.ValidateParams(t); err != nil {
		return nil, err
	}
	if err := ml.CheckX(X, 0); err != nil {
		return nil, err
	}
	n, p := X.Dims()
	if err := t.CheckShape(n, p); err != nil {
		return nil, err
	}
	if t.Method == "exact" {
		need := budget.Mul(exactMaxFactor, int64(n), int64(n))
		if err := budget.Default().CheckRun("model.params.method", `TSNE with method "exact"`, need,
			fmt.Sprintf("P and the distances of %s × %s pairs: O(n²); method \"barnes_hut\" needs O(n)", budget.Count(int64(n)), budget.Count(int64(n)))); err != nil {
			return nil, err
		}
	}
	lr := t.LearningRate
	if lr == 0 {
		lr = math.Max(float64(n)/t.EarlyExaggeration/4, 50)
	}
	progress := ml.ProgressFrom(ctx)
	progress.Report(ml.Event{Kind: "stage", Message: "affinities"})
	x := mat.DenseCopyOf(X).RawMatrix().Data
	var obj objective
	dof := math.Max(float64(t.NComponents-1), 1)
	if t.Method == "exact" {
		P := ExactP(x, n, p, t.Perplexity)
		obj = &exactObjective{P: P, n: n, c: t.NComponents, dof: dof}
	} else {
		P, err := t.sparseP(x, n, p)
		if err != nil {
			return nil, err
		}
		obj = newBHObjective(P, n, t.NComponents, dof, t.Angle)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	y, err := t.initial(ctx, X, n)
	if err != nil {
		return nil, err
	}
	progress.Report(ml.Event{Kind: "stage", Message: "gradient descent"})
	obj.scale(t.EarlyExaggeration)
	gd := descent{obj: obj, lr: lr, minGradNorm: t.MinGradNorm, nIter: t.NIter, progress: progress}
	kl, it, err := gd.run(ctx, y, 0, explorationIt, explorationIt, momentumEarly)
	if err != nil {
		return nil, err
	}
	obj.scale(1 / t.EarlyExaggeration)
	if it < explorationIt || t.NIter-explorationIt > 0 {
		if kl, it, err = gd.run(ctx, y, it+1, t.NIter, t.NIterWithoutProgress, momentumLate); err != nil {
			return nil, err
		}
	}
	t.nIn, t.n, t.c, t.embedding, t.kl, t.nIter, t.lr = p, n, t.NComponents, y, kl, it, lr
	return t.Embedding(), nil
}

// initial is the initial embedding: PCA (randomized, random_state) scaled
// so that the first coordinate's standard deviation is 1e-4, or
// 1e-4·standard_normal from numpy's RandomState(random_state), both
// rounded to float32 as scikit-learn does.
func (t *TSNE) initial(ctx context.Context, X *mat.Dense, n int) ([]float64, error) {
	c := t.NComponents
	y := make([]float64, n*c)
	if t.Init == "random" {
		g := &nprand.Gauss{R: nprand.New(uint32(t.RandomState))}
		for i := range y {
			y[i] = 1e-4 * float64(float32(g.Next()))
		}
		return y, nil
	}
	pc := decomposition.NewPCA()
	pc.NComponents, pc.SvdSolver, pc.RandomState = decomposition.NComponents{Count: c}, "randomized", t.RandomState
	if err := pc.Fit(ctx, X, nil); err != nil {
		return nil, fmt.Errorf("init pca: %w", err)
	}
	Z, err := pc.Transform(X)
	if err != nil {
		return nil, err
	}
	for i := 0; i < n; i++ {
		for j := 0; j < c; j++ {
			y[i*c+j] = float64(float32(Z.At(i, j)))
		}
	}
	var m, s float64
	for i := 0; i < n; i++ {
		m += y[i*c]
	}
	m /= float64(n)
	for i := 0; i < n; i++ {
		s += (y[i*c] - m) * (y[i*c] - m)
	}
	sd := math.Sqrt(s / float64(n))
	if sd == 0 {
		sd = 1
	}
	for i := range y {
		y[i] = float64(float32(y[i] / sd * 1e-4))
	}
	return y, nil
}

// BinarySearchPerplexity is scikit-learn's _binary_search_perplexity: for
// each row i of sqd (n rows of k squared distances, already rounded to
// float32), the conditional probabilities exp(-d·β) / Σ with β found by
// bisection so that the entropy is log(perplexity) within 1e-5. With
// k == n (all rows), the diagonal is left out.
func BinarySearchPerplexity(sqd []float64, n, k int, perplexity float64) []float64 {
	P := make([]float64, n*k)
	binarySearchPerplexity(sqd, P, n, k, perplexity, nil)
	return P
}

// binarySearchPerplexity writes BinarySearchPerplexity's P into P, which
// may be sqd itself when scratch (k values) is given: each row's distances
// are copied there before the row is overwritten.
func binarySearchPerplexity(sqd, P []float64, n, k int, perplexity float64, scratch []float64) {
	desired := math.Log(float64(float32(perplexity)))
	usingNeighbours := k < n
	for i := 0; i < n; i++ {
		row, d := P[i*k:(i+1)*k], sqd[i*k:(i+1)*k]
		if scratch != nil {
			d = scratch[:k]
			copy(d, sqd[i*k:(i+1)*k])
		}
		betaMin, betaMax, beta := math.Inf(-1), math.Inf(1), 1.0
		for l := 0; l < searchSteps; l++ {
			var sum float64
			for j := range row {
				if j != i || usingNeighbours {
					row[j] = math.Exp(-d[j] * beta)
					sum += row[j]
				}
			}
			if sum == 0 {
				sum = epsilonDbl
			}
			var sumDP float64
			for j := range row {
				row[j] /= sum
				sumDP += d[j] * row[j]
			}
			diff := math.Log(sum) + beta*sumDP - desired
			if math.Abs(diff) <= perplexityTol {
				break
			}
			if diff > 0 {
				betaMin = beta
				if math.IsInf(betaMax, 1) {
					beta *= 2
				} else {
					beta = (beta + betaMax) / 2
				}
			} else {
				betaMax = beta
				if math.IsInf(betaMin, -1) {
					beta /= 2
				} else {
					beta = (beta + betaMin) / 2
				}
			}
		}
	}
}

// ExactP is scikit-learn's _joint_probabilities on the squared euclidean
// distances of x (n×p): the conditional P of every row, P + Pᵀ divided by
// its sum, at least machine epsilon off the diagonal. It returns the full
// n×n matrix (zero diagonal).
func ExactP(x []float64, n, p int, perplexity float64) []float64 {
	D := make([]float64, n*n)
	sq := make([]float64, n)
	for i := 0; i < n; i++ {
		for _, v := range x[i*p : (i+1)*p] {
			sq[i] += v * v
		}
	}
	// euclidean_distances(squared=True): ‖x‖² - 2x·y + ‖y‖², clipped at
	// 0, the diagonal 0; then rounded to float32.
	var G mat.Dense
	Xm := mat.NewDense(n, p, x)
	G.Mul(Xm, Xm.T())
	g := G.RawMatrix().Data
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			d := 0.0
			if i != j {
				d = float64(float32(max(sq[i]-2*g[i*n+j]+sq[j], 0)))
			}
			D[i*n+j] = d
		}
	}
	cond := BinarySearchPerplexity(D, n, n, perplexity)
	var sum float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			D[i*n+j] = cond[i*n+j] + cond[j*n+i]
			sum += D[i*n+j]
		}
	}
	sum = math.Max(sum, machineEps)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i == j {
				D[i*n+j] = 0
			} else {
				D[i*n+j] = math.Max(D[i*n+j]/sum, machineEps)
			}
		}
	}
	return D
}

// csr is a sparse symmetric P: row i's columns ind[ptr[i]:ptr[i+1]]
// (ascending) and values val. Columns are int32: t-SNE's memory is a few
// words per neighbour pair, and rows are far fewer than 2^31.
type csr struct {
	ptr []int
	ind []int32
	val []float64
}

// sparseP is scikit-learn's _joint_probabilities_nn: the k nearest
// neighbours of each row (itself left out), their squared distances
// rounded to float32 in the order of the columns, the conditional P over
// them, P + Pᵀ divided by its sum.
func (t *TSNE) sparseP(x []float64, n, p int) (*csr, error) {
	k := t.neighbours(n)
	knn := neighbors.NewKNeighborsRegressor()
	knn.NNeighbors = min(k+1, n)
	X := mat.NewDense(n, p, x)
	if err := knn.Fit(context.Background(), X, make([]float64, n)); err != nil {
		return nil, fmt.Errorf("TSNE neighbours: %w", err)
	}
	dist, ind, err := knn.KNeighbors(X, min(k+1, n))
	if err != nil {
		return nil, fmt.Errorf("TSNE neighbours: %w", err)
	}
	if n > math.MaxInt32 {
		return nil, ml.DataErrorf("TSNE: %d samples, more than 2^31", n)
	}
	cols := make([]int32, n*k)
	sqd := make([]float64, n*k)
	type nb struct {
		j int
		d float64
	}
	row := make([]nb, 0, k+1)
	for i := 0; i < n; i++ {
		row = row[:0]
		self := -1
		for a, j := range ind[i] {
			if j == i && self < 0 {
				self = a
			}
		}
		if self < 0 {
			self = 0 // scikit-learn drops the first neighbour when the row itself is not among them (duplicates)
		}
		for a, j := range ind[i] {
			if a != self && len(row) < k {
				d := dist.At(i, a)
				row = append(row, nb{j, d})
			}
		}
		sort.Slice(row, func(a, b int) bool { return row[a].j < row[b].j })
		for a, e := range row {
			cols[i*k+a] = int32(e.j)
			sqd[i*k+a] = float64(float32(e.d * e.d))
		}
	}
	// The neighbours are in cols and sqd now: collect the lists, the index
	// and the search's buffers (a few n×k blocks) before P + Pᵀ takes
	// 2·n·k more, so that the peak is the live data, not the live data and
	// the garbage (once per fit, a few milliseconds).
	dist, ind, knn = nil, nil, nil
	runtime.GC()
	cond := sqd // the conditional P replaces the distances, row by row
	binarySearchPerplexity(sqd, cond, n, k, t.Perplexity, make([]float64, k))
	sqd = nil
	// P + Pᵀ: count each row's entries, then fill and merge duplicates.
	cnt := make([]int, n+1)
	for i := 0; i < n; i++ {
		for a := 0; a < k; a++ {
			cnt[i+1]++
			cnt[cols[i*k+a]+1]++
		}
	}
	for i := 0; i < n; i++ {
		cnt[i+1] += cnt[i]
	}
	fill := append([]int(nil), cnt[:n]...)
	tj := make([]int32, 2*n*k)
	tv := make([]float64, 2*n*k)
	for i := 0; i < n; i++ {
		for a := 0; a < k; a++ {
			j, v := cols[i*k+a], cond[i*k+a]
			tj[fill[i]], tv[fill[i]] = j, v
			fill[i]++
			tj[fill[j]], tv[fill[j]] = int32(i), v
			fill[j]++
		}
	}
	cols, cond = nil, nil
	out := &csr{ptr: make([]int, n+1)}
	out.ind, out.val = tj[:0], tv[:0] // merged in place: never ahead of the reads
	var total float64
	w := 0
	for i := 0; i < n; i++ {
		lo, hi := cnt[i], cnt[i+1]
		seg := entries{tj[lo:hi], tv[lo:hi]}
		sort.Sort(seg)
		start := w
		for e := lo; e < hi; e++ {
			if w > start && tj[w-1] == tj[e] {
				tv[w-1] += tv[e]
			} else {
				tj[w], tv[w] = tj[e], tv[e]
				w++
			}
		}
		out.ptr[i+1] = w
	}
	out.ind, out.val = tj[:w], tv[:w]
	for _, v := range out.val {
		total += v
	}
	total = math.Max(total, machineEps)
	for a := range out.val {
		out.val[a] /= total
	}
	return out, nil
}

type entries struct {
	j []int32
	v []float64
}

func (e entries) Len() int           { return len(e.j) }
func (e entries) Less(a, b int) bool { return e.j[a] < e.j[b] }
func (e entries) Swap(a, b int) {
	e.j[a], e.j[b] = e.j[b], e.j[a]
	e.v[a], e.v[b] = e.v[b], e.v[a]
}

// objective is the KL divergence of P from the embedding's Q and its
// gradient.
type objective interface {
	// eval writes the gradient of y into grad and returns the divergence
	// when withError (NaN otherwise).
	eval(y, grad []float64, withError bool) float64
	// scale multiplies P by f (early exaggeration).
	scale(f float64)
}

// descent is scikit-learn's _gradient_descent with gains.
type descent struct {
	obj         objective
	lr          float64
	minGradNorm float64
	nIter       int
	progress    ml.Reporter
	update      []float64
	gains       []float64
	grad        []float64
}

// run iterates from it to nIter-1 (the last index, as scikit-learn's
// n_iter_ counts) and returns the last error computed and the index.
func (d *descent) run(ctx context.Context, p []float64, it, nIter, withoutProgress int, momentum float64) (float64, int, error) {
	if d.update == nil {
		d.update, d.gains, d.grad = make([]float64, len(p)), make([]float64, len(p)), make([]float64, len(p))
	}
	for i := range d.update {
		d.update[i], d.gains[i] = 0, 1
	}
	errV, best := math.MaxFloat64, math.MaxFloat64
	bestIter, i := it, it
	for i = it; i < nIter; i++ {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		check := (i+1)%iterCheck == 0
		errV = d.obj.eval(p, d.grad, check || i == nIter-1)
		var gn float64
		for a, g := range d.grad {
			if d.update[a]*g < 0 {
				d.gains[a] += 0.2
			} else {
				d.gains[a] *= 0.8
			}
			d.gains[a] = math.Max(d.gains[a], minGain)
			g *= d.gains[a]
			gn += g * g
			d.update[a] = momentum*d.update[a] - d.lr*g
			p[a] += d.update[a]
		}
		if check {
			loss := errV
			d.progress.Report(ml.Event{Kind: "iter", Step: i + 1, Total: d.nIter, Loss: &loss, Message: "gradient descent"})
			if errV < best {
				best, bestIter = errV, i
			} else if i-bestIter > withoutProgress {
				break
			}
			if math.Sqrt(gn) <= d.minGradNorm {
				break
			}
		}
	}
	if i == nIter {
		i--
	}
	return errV, i, nil
}

// exactObjective is _kl_divergence on the full P (n×n).
type exactObjective struct {
	P      []float64
	n, c   int
	dof    float64
	rowSum []float64
}

func (o *exactObjective) scale(f float64) {
	for i := range o.P {
		o.P[i] *= f
	}
}

func (o *exactObjective) num(y []float64, i, j int) float64 {
	var d float64
	for a := 0; a < o.c; a++ {
		v := y[i*o.c+a] - y[j*o.c+a]
		d += v * v
	}
	if o.dof == 1 {
		return 1 / (d + 1)
	}
	return math.Pow(d/o.dof+1, (o.dof+1)/-2)
}

func (o *exactObjective) eval(y, grad []float64, withError bool) float64 {
	n, c := o.n, o.c
	if o.rowSum == nil {
		o.rowSum = make([]float64, n)
	}
	w := max(1, min(maxWorkers(), n/64))
	parallel(n, w, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			var s float64
			for j := 0; j < n; j++ {
				if j != i {
					s += o.num(y, i, j)
				}
			}
			o.rowSum[i] = s
		}
	})
	var z float64
	for _, s := range o.rowSum {
		z += s
	}
	coef := 2 * (o.dof + 1) / o.dof
	parallel(n, w, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			g := grad[i*c : (i+1)*c]
			for a := range g {
				g[a] = 0
			}
			var kl float64
			for j := 0; j < n; j++ {
				if j == i {
					continue
				}
				q := o.num(y, i, j)
				Q := math.Max(q/z, machineEps)
				pij := o.P[i*n+j]
				if withError {
					kl += pij * math.Log(math.Max(pij, machineEps)/Q)
				}
				f := (pij - Q) * q
				for a := range g {
					g[a] += f * (y[i*c+a] - y[j*c+a])
				}
			}
			for a := range g {
				g[a] *= coef
			}
			o.rowSum[i] = kl
		}
	})
	if !withError {
		return math.NaN()
	}
	var kl float64
	for _, v := range o.rowSum {
		kl += v
	}
	return kl
}

func maxWorkers() int { return runtime.GOMAXPROCS(0) }

// parallel runs f over [0, n) split into workers contiguous ranges, f's
// first argument the range's number. Every row's result is computed by
// one goroutine alone, so the result does not depend on the number of
// workers.
func parallel(n, workers int, f func(w, lo, hi int)) {
	if workers <= 1 {
		f(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for t := 0; t < workers; t++ {
		lo, hi := n*t/workers, n*(t+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(t, lo, hi)
		}()
	}
	wg.Wait()
}

// Embedding returns embedding_ (n_samples × n_components), or nil before
// Fit.
func (t *TSNE) Embedding() *mat.Dense {
	if t.embedding == nil {
		return nil
	}
	return mat.NewDense(t.n, t.c, append([]float64(nil), t.embedding...))
}

// KLDivergence returns kl_divergence_: the Kullback-Leibler divergence
// after the last iteration.
func (t *TSNE) KLDivergence() float64 { return t.kl }

// NIterFitted returns n_iter_: the index of the last iteration run.
func (t *TSNE) NIterFitted() int { return t.nIter }

// LearningRateFitted returns learning_rate_.
func (t *TSNE) LearningRateFitted() float64 { return t.lr }

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (t *TSNE) NFeaturesIn() int { return t.nIn }

// MarshalState returns embedding_, kl_divergence_, n_iter_,
// learning_rate_ and n_features_in_.
func (t *TSNE) MarshalState() (*ml.State, error) {
	if t.embedding == nil {
		return nil, ml.NotFittedError("TSNE")
	}
	st := ml.NewState()
	st.SetFloats("embedding_", t.embedding, t.n, t.c)
	st.SetAttr("kl_divergence_", t.kl)
	st.SetAttr("n_iter_", t.nIter)
	st.SetAttr("learning_rate_", t.lr)
	st.SetAttr("n_features_in_", t.nIn)
	return st, nil
}

// UnmarshalState restores state written by MarshalState, checking that
// the embedding is finite.
func (t *TSNE) UnmarshalState(st *ml.State) error {
	e, shape, err := st.Floats("embedding_", -1, -1)
	if err != nil {
		return err
	}
	for i, v := range e {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("state: embedding_[%d] is %v, expected a finite number", i, v)
		}
	}
	var kl, lr float64
	var it, nIn int
	for name, dst := range map[string]any{"kl_divergence_": &kl, "n_iter_": &it, "learning_rate_": &lr, "n_features_in_": &nIn} {
		if err := st.Attr(name, dst); err != nil {
			return err
		}
	}
	if nIn < 1 {
		return fmt.Errorf("state: n_features_in_ is %d, expected ≥ 1", nIn)
	}
	t.n, t.c, t.embedding, t.kl, t.nIter, t.lr, t.nIn = shape[0], shape[1], e, kl, it, lr, nIn
	return nil
}
