package cluster

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "MiniBatchKMeans",
		Task:   ml.Clustering,
		Family: "cluster",
		Doc:    "k-means on random mini-batches: faster than KMeans on large data, slightly worse inertia",
		New:    func() ml.Estimator { return NewMiniBatchKMeans() },
	})
}

// MiniBatchKMeans is scikit-learn 1.2's MiniBatchKMeans on dense data:
// n_init initialisations (k-means++ or random rows of a random subset of
// init_size rows), the best by inertia on that subset, then
// (max_iter·n)/batch_size steps on random batches, each centre moving to
// the running mean of the samples assigned to it; centres with a small
// share of the samples are reassigned to random rows every 10·n_clusters
// samples (reassignment_ratio), and the run stops early when the smoothed
// batch inertia has not improved for max_no_improvement steps or the
// centres moved by at most tol. The draws come from Go's PCG generator
// seeded by random_state, so results agree with scikit-learn's in quality
// (inertia), not bit for bit.
type MiniBatchKMeans struct {
	NClusters         int     `json:"n_clusters" min:"1" help:"the number of clusters"`
	Init              Init    `json:"init" help:"initial centres: k-means++, random rows, or a list of centres"`
	MaxIter           int     `json:"max_iter" min:"1" help:"passes over the data (in batches) at most"`
	BatchSize         int     `json:"batch_size" min:"1" help:"samples per mini-batch"`
	Tol               float64 `json:"tol" min:"0" help:"stop when the centres move by at most this (relative to the mean feature variance); 0 disables"`
	MaxNoImprovement  int     `json:"max_no_improvement" nullable:"true" min:"1" help:"stop after this many batches without improvement of the smoothed inertia; null disables"`
	InitSize          int     `json:"init_size" nullable:"true" min:"1" help:"rows sampled for the initialisation; null means 3·batch_size (at least 3·n_clusters)"`
	NInit             int     `json:"n_init" min:"1" help:"initialisations tried, the best on the init rows kept (scikit-learn 1.2's default 3)"`
	ReassignmentRatio float64 `json:"reassignment_ratio" min:"0" help:"centres with fewer than this fraction of the largest centre's samples are moved to random rows"`
	RandomState       int64   `json:"random_state" nullable:"true" help:"seed of the initialisation and the batches; null means 0 (mlforge is always seeded)"`
	ComputeLabels     bool    `json:"compute_labels" help:"accepted for compatibility: labels_ and inertia_ are always computed on all rows at the end"`

	km    KMeans // the fitted centres, labels and inertia
	steps int
}

// NewMiniBatchKMeans returns a MiniBatchKMeans with scikit-learn 1.2's
// defaults: 8 clusters, k-means++, max_iter 100, batch_size 1024, tol 0,
// max_no_improvement 10, n_init 3, reassignment_ratio 0.01.
func NewMiniBatchKMeans() *MiniBatchKMeans {
	return &MiniBatchKMeans{NClusters: 8, Init: Init{Method: "k-means++"}, MaxIter: 100, BatchSize: 1024,
		MaxNoImprovement: 10, NInit: 3, ReassignmentRatio: 0.01, ComputeLabels: true}
}

func (m *MiniBatchKMeans) asKMeans() *KMeans {
	return &KMeans{NClusters: m.NClusters, Init: m.Init, NInit: 1, MaxIter: 1, Algorithm: "lloyd"}
}

// Validate checks init against n_clusters.
func (m *MiniBatchKMeans) Validate() error { return m.asKMeans().Validate() }

// CheckShape refuses n_clusters larger than the rows.
func (m *MiniBatchKMeans) CheckShape(n, p int) error { return m.asKMeans().CheckShape(n, p) }

// Fit runs mini-batch k-means on X; y is ignored.
func (m *MiniBatchKMeans) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	return m.FitWeighted(ctx, X, nil, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn 1.2's fit(X, sample_weight=w): the batches' running means
// and counts are weighted, as are the inertias that pick the
// initialisation and stop the steps, and the final inertia; the seeding
// is unweighted, as in 1.2.
func (m *MiniBatchKMeans) FitWeighted(ctx context.Context, X *mat.Dense, _, sw []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := checkFit(X, m.NClusters, "n_clusters"); err != nil {
		return err
	}
	x, n, d := rows(X)
	if err := ml.CheckSampleWeight(sw, n); err != nil {
		return err
	}
	wt := func(i int) float64 {
		if sw == nil {
			return 1
		}
		return sw[i]
	}
	k := m.NClusters
	if err := m.CheckShape(n, d); err != nil {
		return err
	}
	// tol relative to the mean variance of the features.
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range x[i*d : (i+1)*d] {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	var vs float64
	for i := 0; i < n; i++ {
		for j, v := range x[i*d : (i+1)*d] {
			vs += (v - mean[j]) * (v - mean[j])
		}
	}
	tol := vs / float64(n) / float64(d) * m.Tol
	batch := min(m.BatchSize, n)
	initSize := m.InitSize
	if initSize == 0 {
		initSize = 3 * batch
		if initSize < k {
			initSize = 3 * k
		}
	}
	initSize = min(initSize, n)
	rng := rand.New(rand.NewPCG(uint64(m.RandomState), 0x2545f4914f6cdd1d))
	nInit := m.NInit
	if m.Init.Centers != nil {
		nInit = 1
	}
	// The validation rows, then the initialisations.
	vi := make([]int, initSize)
	for i := range vi {
		vi[i] = rng.IntN(n)
	}
	xv := gather(x, d, vi)
	centers := make([]float64, k*d)
	bestInertia := math.Inf(1)
	ws := &kmWork{}
	cand := make([]float64, k*d)
	labels := make([]int, max(initSize, batch))
	for r := 0; r < nInit; r++ {
		sub := make([]int, initSize)
		for i := range sub {
			sub[i] = rng.IntN(n)
		}
		xs := gather(x, d, sub)
		switch {
		case m.Init.Centers != nil:
			for c, row := range m.Init.Centers {
				copy(cand[c*d:(c+1)*d], row)
			}
		case m.Init.Method == "random":
			perm := rng.Perm(initSize)
			for c := 0; c < k; c++ {
				copy(cand[c*d:(c+1)*d], xs[perm[c]*d:(perm[c]+1)*d])
			}
		default:
			xx := make([]float64, initSize)
			ws.closest = nil
			kmeansPlusPlus(xs, xx, initSize, d, k, rng, cand, ws)
		}
		assign(xv, initSize, d, cand, k, labels[:initSize])
		var in float64
		for i := 0; i < initSize; i++ {
			c := labels[i]
			in += wt(vi[i]) * sqdist(xv[i*d:(i+1)*d], cand[c*d:(c+1)*d])
		}
		if in < bestInertia {
			bestInertia = in
			copy(centers, cand)
		}
	}
	// The mini-batch steps.
	counts := make([]float64, k)
	steps := m.MaxIter * n / batch
	progress := ml.ProgressFrom(ctx)
	idx := make([]int, batch)
	xb := make([]float64, batch*d)
	next := make([]float64, k*d)
	var ewa, ewaMin float64
	noImprove, sinceReassign := 0, 0
	step := 0
	for step = 0; step < steps; step++ {
		if step%16 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			progress.Report(ml.Event{Kind: "iter", Step: step/16 + 1, Total: (steps + 15) / 16, Message: "mini-batches"})
		}
		for i := range idx {
			idx[i] = rng.IntN(n)
			copy(xb[i*d:(i+1)*d], x[idx[i]*d:(idx[i]+1)*d])
		}
		lab := labels[:batch]
		assign(xb, batch, d, centers, k, lab)
		var bi float64
		for i, c := range lab {
			bi += wt(idx[i]) * sqdist(xb[i*d:(i+1)*d], centers[c*d:(c+1)*d])
		}
		// Running means.
		copy(next, centers)
		for c := 0; c < k; c++ {
			for j := 0; j < d; j++ {
				next[c*d+j] *= counts[c]
			}
		}
		for i, c := range lab {
			wi := wt(idx[i])
			counts[c] += wi
			for j, v := range xb[i*d : (i+1)*d] {
				next[c*d+j] += wi * v
			}
		}
		for c := 0; c < k; c++ {
			if counts[c] > 0 {
				for j := 0; j < d; j++ {
					next[c*d+j] /= counts[c]
				}
			}
		}
		// Random reassignment of small centres (_random_reassign).
		sinceReassign += batch
		zero := false
		for _, w := range counts {
			zero = zero || w == 0
		}
		if m.ReassignmentRatio > 0 && (zero || sinceReassign >= 10*k) {
			sinceReassign = 0
			m.reassign(rng, x, n, d, next, counts)
		}
		var shift float64
		for c := 0; c < k; c++ {
			shift += sqdist(next[c*d:(c+1)*d], centers[c*d:(c+1)*d])
		}
		centers, next = next, centers
		// _mini_batch_convergence.
		bi /= float64(batch)
		if step == 0 {
			ewa, ewaMin = bi, bi
			continue
		}
		alpha := min(float64(batch)*2/float64(n+1), 1)
		ewa = ewa*(1-alpha) + bi*alpha
		if tol > 0 && shift <= tol {
			step++
			break
		}
		if ewa < ewaMin {
			noImprove, ewaMin = 0, ewa
		} else {
			noImprove++
		}
		if m.MaxNoImprovement > 0 && noImprove >= m.MaxNoImprovement {
			step++
			break
		}
	}
	all := make([]int, n)
	assign(x, n, d, centers, k, all)
	var in float64
	for i, c := range all {
		in += wt(i) * sqdist(x[i*d:(i+1)*d], centers[c*d:(c+1)*d])
	}
	m.km = KMeans{NClusters: k, centers: centers, k: k, d: d, labels: all, inertia: in, nIter: (step*batch + n - 1) / n}
	m.steps = step
	return nil
}

// reassign moves the centres whose counts are below reassignment_ratio
// times the largest to distinct random rows, giving them the smallest
// count of the others.
func (m *MiniBatchKMeans) reassign(rng *rand.Rand, x []float64, n, d int, centers, counts []float64) {
	k := len(counts)
	var top float64
	for _, w := range counts {
		top = max(top, w)
	}
	var small []int
	for c, w := range counts {
		if w < m.ReassignmentRatio*top {
			small = append(small, c)
		}
	}
	if len(small) == 0 {
		return
	}
	if len(small) > n/2 { // at most half the rows, the smallest counts first
		sort.SliceStable(small, func(a, b int) bool { return counts[small[a]] < counts[small[b]] })
		small = small[:n/2]
	}
	minOther := math.Inf(1)
	isSmall := make([]bool, k)
	for _, c := range small {
		isSmall[c] = true
	}
	for c, w := range counts {
		if !isSmall[c] {
			minOther = min(minOther, w)
		}
	}
	rows := rng.Perm(n)[:len(small)]
	for i, c := range small {
		copy(centers[c*d:(c+1)*d], x[rows[i]*d:(rows[i]+1)*d])
		if !math.IsInf(minOther, 1) {
			counts[c] = minOther
		}
	}
}

func gather(x []float64, d int, idx []int) []float64 {
	out := make([]float64, len(idx)*d)
	for i, r := range idx {
		copy(out[i*d:(i+1)*d], x[r*d:(r+1)*d])
	}
	return out
}

// Predict returns the index of the nearest centre of each row of X.
func (m *MiniBatchKMeans) Predict(X *mat.Dense) ([]float64, error) {
	if m.km.centers == nil {
		return nil, ml.NotFittedError("MiniBatchKMeans")
	}
	return m.km.Predict(X)
}

// Transform returns the distances of each row of X to the centres.
func (m *MiniBatchKMeans) Transform(X *mat.Dense) (*mat.Dense, error) {
	if m.km.centers == nil {
		return nil, ml.NotFittedError("MiniBatchKMeans")
	}
	return m.km.Transform(X)
}

// Score returns minus the inertia of X.
func (m *MiniBatchKMeans) Score(X *mat.Dense) (float64, error) {
	if m.km.centers == nil {
		return 0, ml.NotFittedError("MiniBatchKMeans")
	}
	return m.km.Score(X)
}

// FitPredict fits on X and returns labels_.
func (m *MiniBatchKMeans) FitPredict(ctx context.Context, X *mat.Dense) ([]float64, error) {
	if err := m.Fit(ctx, X, nil); err != nil {
		return nil, err
	}
	return fitLabels(m), nil
}

// ClusterCenters returns cluster_centers_, or nil before Fit.
func (m *MiniBatchKMeans) ClusterCenters() *mat.Dense { return m.km.ClusterCenters() }

// Labels returns labels_, or nil before Fit.
func (m *MiniBatchKMeans) Labels() []int { return m.km.Labels() }

// Inertia returns inertia_ on all the training rows.
func (m *MiniBatchKMeans) Inertia() float64 { return m.km.inertia }

// NSteps returns n_steps_, the mini-batches processed.
func (m *MiniBatchKMeans) NSteps() int { return m.steps }

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (m *MiniBatchKMeans) NFeaturesIn() int { return m.km.d }

// MarshalState returns cluster_centers_, labels_, inertia_, n_iter_ and
// n_steps_.
func (m *MiniBatchKMeans) MarshalState() (*ml.State, error) {
	if m.km.centers == nil {
		return nil, ml.NotFittedError("MiniBatchKMeans")
	}
	st, err := m.km.MarshalState()
	if err != nil {
		return nil, err
	}
	st.SetAttr("n_steps_", m.steps)
	return st, nil
}

// UnmarshalState restores state written by MarshalState.
func (m *MiniBatchKMeans) UnmarshalState(st *ml.State) error {
	var km KMeans
	if err := km.UnmarshalState(st); err != nil {
		return err
	}
	var steps int
	if err := st.Attr("n_steps_", &steps); err != nil {
		return err
	}
	if steps < 0 {
		return fmt.Errorf("state: n_steps_ is %d, expected ≥ 0", steps)
	}
	m.km, m.steps = km, steps
	return nil
}

// EstimateMemory bounds Fit's memory: the init rows (twice) and their
// k-means++ scratch, a batch, the labels of every row and the centres.
func (m *MiniBatchKMeans) EstimateMemory(n, p, _ int) int64 {
	k := int64(max(m.NClusters, 1))
	init := int64(m.InitSize)
	if init == 0 {
		init = max(3*int64(m.BatchSize), 3*k)
	}
	init = min(init, int64(max(n, 1)))
	b := min(int64(m.BatchSize), int64(max(n, 1)))
	trials := 2 + int64(math.Log(float64(k)))
	P := int64(max(p, 1))
	return budget.Add(budget.Mul(8, init, budget.Add(budget.Mul(3, P), trials+4)), budget.Mul(8, b, P+2),
		budget.Mul(16, int64(max(n, 1))), budget.Mul(8, k, P, 4), budget.Mul(8, int64(max(n, 1)), 2), 1<<16)
}
