package cluster

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/neighbors"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "DBSCAN",
		Task:   ml.Clustering,
		Family: "cluster",
		Doc:    "density-based clustering: clusters of core samples with min_samples neighbours within eps, the rest noise (-1)",
		New:    func() ml.Estimator { return NewDBSCAN() },
	})
}

// cacheFactor bounds the neighbourhoods DBSCAN keeps: cacheFactor·n
// entries.
const cacheFactor = 32

// DBSCAN is scikit-learn 1.2's DBSCAN: a sample with at least min_samples
// samples (itself included) within eps is a core sample; clusters grow
// from core samples through their neighbourhoods in the order of the
// rows, and samples reached by no core sample are noise, labelled -1.
// Neighbourhoods are radius queries on ml/neighbors' k-d tree or brute
// index. Unlike scikit-learn, which keeps every neighbourhood at once,
// they are kept only up to 32 neighbours a row on average, and queried
// again beyond, so memory stays linear in the rows.
type DBSCAN struct {
	Eps        float64 `json:"eps" gt:"0" help:"the neighbourhood radius"`
	MinSamples int     `json:"min_samples" min:"1" help:"samples within eps (itself included) that make a core sample"`
	Metric     string  `json:"metric" enum:"euclidean,l2,manhattan,l1,cityblock,minkowski,precomputed" help:"the distance: euclidean, manhattan or minkowski with exponent p, or precomputed (X is the n_samples × n_samples matrix of distances)"`
	Algorithm  string  `json:"algorithm" enum:"auto,ball_tree,kd_tree,brute" help:"the neighbour search (ball_tree uses the k-d tree: both are exact)"`
	LeafSize   int     `json:"leaf_size" min:"1" help:"points per leaf of the k-d tree"`
	P          float64 `json:"p" nullable:"true" gt:"0" help:"the Minkowski exponent for metric minkowski; null means 2"`

	nIn    int
	labels []int
	core   []int
}

// NewDBSCAN returns a DBSCAN with scikit-learn's defaults: eps 0.5,
// min_samples 5, euclidean, algorithm auto, leaf_size 30.
func NewDBSCAN() *DBSCAN {
	return &DBSCAN{Eps: 0.5, MinSamples: 5, Metric: "euclidean", Algorithm: "auto", LeafSize: 30}
}

// Validate checks that eps is finite and p is at least 1 for a tree.
func (db *DBSCAN) Validate() error {
	if math.IsInf(db.Eps, 0) || math.IsNaN(db.Eps) {
		return &ml.ParamError{Param: "eps", Expected: "a finite number > 0", Got: fmt.Sprint(db.Eps)}
	}
	return nil
}

func (db *DBSCAN) exponent() float64 {
	switch db.Metric {
	case "manhattan", "l1", "cityblock":
		return 1
	case "minkowski":
		if db.P != 0 {
			return db.P
		}
	}
	return 2
}

// Fit clusters X; y is ignored.
func (db *DBSCAN) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	return db.FitWeighted(ctx, X, nil, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, sample_weight=w): a sample is a core sample when
// the weights of its neighbourhood (itself included) sum to at least
// min_samples.
func (db *DBSCAN) FitWeighted(ctx context.Context, X *mat.Dense, _, w []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(db); err != nil {
		return err
	}
	if err := ml.CheckX(X, 0); err != nil {
		return err
	}
	data, n, d := rows(X)
	if err := ml.CheckSampleWeight(w, n); err != nil {
		return err
	}
	x := clone(data)
	var ix *neighbors.RadiusIndex
	if db.Metric == "precomputed" {
		if n != d {
			return ml.DataErrorf("metric=\"precomputed\": X must be the square matrix of distances between the samples (n_samples × n_samples), got %d × %d", n, d)
		}
		for i, v := range x {
			if v < 0 {
				return ml.DataErrorf("metric=\"precomputed\": X[%d, %d] is %v; distances must be ≥ 0", i/d, i%d, v)
			}
		}
		ix = neighbors.NewPrecomputedRadiusIndex(x, n)
	} else {
		ix = neighbors.NewRadiusIndex(x, n, d, db.exponent(), db.Algorithm, db.LeafSize)
	}
	progress := ml.ProgressFrom(ctx)
	isCore := make([]bool, n)
	nb := make([]int, 0, 64)
	// The neighbourhoods are kept (as int32, in one array) while they
	// total at most cacheFactor·n entries, so the clusters grow without a
	// second query; denser data is queried again instead.
	cacheCap := cacheFactor * n
	cache := make([]int32, 0, min(cacheCap, 4*n))
	start := make([]int32, n+1)
	ncore := 0
	for i := 0; i < n; i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			progress.Report(ml.Event{Kind: "step", Step: i/1024 + 1, Total: (n + 1023) / 1024, Message: "counting neighbours"})
		}
		nb = ix.Within(nb[:0], x[i*d:(i+1)*d], db.Eps)
		if w == nil && len(nb) >= db.MinSamples || w != nil && weightOf(w, nb) >= float64(db.MinSamples) {
			isCore[i] = true
			ncore++
		}
		if cache != nil {
			if len(cache)+len(nb) > cacheCap {
				cache, start = nil, nil // too dense to keep: query again
			} else {
				for _, v := range nb {
					cache = append(cache, int32(v))
				}
				start[i+1] = int32(len(cache))
			}
		}
	}
	neighbours := func(j int) []int {
		if cache == nil {
			nb = ix.Within(nb[:0], x[j*d:(j+1)*d], db.Eps)
			return nb
		}
		nb = nb[:0]
		for _, v := range cache[start[j]:start[j+1]] {
			nb = append(nb, int(v))
		}
		return nb
	}
	// dbscan_inner grows each cluster from the first unlabelled core
	// sample; every sample density-reachable from it gets its label,
	// whatever the order of the search, so a sample is labelled when it is
	// first reached and the stack holds each at most once (n in all).
	labels := make([]int, n)
	for i := range labels {
		labels[i] = -1
	}
	stack := make([]int, 0, 64)
	label := 0
	for i := 0; i < n; i++ {
		if labels[i] != -1 || !isCore[i] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		labels[i] = label
		stack = append(stack[:0], i)
		for len(stack) > 0 {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !isCore[j] {
				continue
			}
			for _, v := range neighbours(j) {
				if labels[v] == -1 {
					labels[v] = label
					stack = append(stack, v)
				}
			}
		}
		label++
	}
	core := make([]int, 0, ncore)
	for i, c := range isCore {
		if c {
			core = append(core, i)
		}
	}
	db.nIn, db.labels, db.core = d, labels, core
	return nil
}

// weightOf returns the sum of w over the samples idx.
func weightOf(w []float64, idx []int) float64 {
	s := 0.0
	for _, i := range idx {
		s += w[i]
	}
	return s
}

// FitPredict fits on X and returns labels_.
func (db *DBSCAN) FitPredict(ctx context.Context, X *mat.Dense) ([]float64, error) {
	if err := db.Fit(ctx, X, nil); err != nil {
		return nil, err
	}
	return fitLabels(db), nil
}

// Labels returns labels_ (-1 for noise), or nil before Fit.
func (db *DBSCAN) Labels() []int { return clone(db.labels) }

// CoreSampleIndices returns core_sample_indices_, ascending.
func (db *DBSCAN) CoreSampleIndices() []int { return clone(db.core) }

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (db *DBSCAN) NFeaturesIn() int { return db.nIn }

// MarshalState returns labels_ and core_sample_indices_.
func (db *DBSCAN) MarshalState() (*ml.State, error) {
	if db.labels == nil {
		return nil, ml.NotFittedError("DBSCAN")
	}
	st := ml.NewState()
	st.SetAttr("n_features_in_", db.nIn)
	st.SetInts("labels_", db.labels)
	st.SetInts("core_sample_indices_", db.core)
	return st, nil
}

// UnmarshalState restores state written by MarshalState.
func (db *DBSCAN) UnmarshalState(st *ml.State) error {
	var nIn int
	if err := st.Attr("n_features_in_", &nIn); err != nil {
		return err
	}
	if nIn < 1 {
		return fmt.Errorf("state: n_features_in_ is %d, expected at least 1", nIn)
	}
	labels, _, err := st.Ints("labels_", -1, math.MaxInt32, -1)
	if err != nil {
		return err
	}
	core, _, err := st.Ints("core_sample_indices_", 0, max(len(labels)-1, 0), -1)
	if err != nil {
		return err
	}
	db.nIn, db.labels, db.core = nIn, labels, core
	return nil
}

// EstimateMemory bounds Fit's memory: the copy of X, the k-d tree (its
// packed rows, boxes and index), the labels, core flags and the search
// stack (n each at most).
func (db *DBSCAN) EstimateMemory(n, p, _ int) int64 {
	N := int64(max(n, 1))
	// The neighbour list of one query (n at most) grows by doubling; the
	// kept neighbourhoods are cacheFactor·n int32 at most, grown by
	// doubling too.
	return budget.Add(budget.Mul(3, ml.DataBytes(n, p)), budget.Mul(8, N, 8), budget.Mul(4*2, N, cacheFactor+1), 1<<16)
}
