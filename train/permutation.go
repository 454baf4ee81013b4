package train

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/nprand"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/metrics"
	"github.com/mlforge/mlforge/spec"
)

// PermutationResult is scikit-learn's permutation_importance of a fitted
// pipeline: per feature (in the order of Features) the decrease of the
// score when the feature's column is shuffled, for each repeat
// (Importances), and its mean and standard deviation (numpy's, ddof=0).
type PermutationResult struct {
	Scoring     string `json:"scoring"`
	NRepeats    int    `json:"n_repeats"`
	RandomState int64  `json:"random_state"`
	// NRows is the number of rows scored, MaxSamples the number of them
	// drawn for each feature's shuffles.
	NRows      int `json:"n_rows"`
	MaxSamples int `json:"max_samples"`
	// Weighted is true when the scores weighed the test rows by their
	// data.sample_weight, as permutation_importance(sample_weight=...).
	Weighted        bool        `json:"weighted,omitempty"`
	BaselineScore   float64     `json:"baseline_score"`
	Features        []string    `json:"features"`
	ImportancesMean []float64   `json:"importances_mean"`
	ImportancesStd  []float64   `json:"importances_std"`
	Importances     [][]float64 `json:"importances"`
}

// PermutationOptions are permutation_importance's parameters.
type PermutationOptions struct {
	Scoring     string // a metric name or "neg_" and one (spec.Scorer)
	NRepeats    int    // ≥ 1
	RandomState uint32
	MaxSamples  int // rows drawn per feature, in [1, rows]; 0 means every row
	// SampleWeight weighs the rows in every score (nil: unweighted), as
	// scikit-learn's sample_weight; the rows drawn keep their weights.
	SampleWeight []float64
}

// PermutationImportance computes permutation_importance(p, X, y,
// scoring=o.Scoring, n_repeats=o.NRepeats, random_state=o.RandomState,
// max_samples=o.MaxSamples, sample_weight=o.SampleWeight) as
// scikit-learn 1.2 does: a seed drawn from
// RandomState(random_state).randint(2**31), then for each feature a fresh
// RandomState of that seed that draws the rows (sample_without_replacement)
// and shuffles them n_repeats times, each shuffle applied to the column
// as the previous one left it. classes are the classifier's (nil for a
// regressor). It checks ctx between scorings.
func PermutationImportance(ctx context.Context, p *ml.Pipeline, X *mat.Dense, y, classes []float64, features []string, o PermutationOptions) (*PermutationResult, error) {
	metric, negate, err := spec.Scorer(o.Scoring)
	if err != nil {
		return nil, err
	}
	n, d := X.Dims()
	if n == 0 {
		return nil, fmt.Errorf("permutation_importance: the test part has no rows")
	}
	if len(y) != n || len(features) != d {
		return nil, fmt.Errorf("permutation_importance: %d rows, %d targets, %d columns and %d feature names", n, len(y), d, len(features))
	}
	if err := ml.CheckSampleWeight(o.SampleWeight, n); err != nil {
		return nil, fmt.Errorf("permutation_importance: the test rows' weights: %w", err)
	}
	k := o.MaxSamples
	if k == 0 {
		k = n
	}
	if k < 1 || k > n {
		return nil, &spec.FieldError{Path: "permutation_importance.max_samples", Msg: fmt.Sprintf("%d rows is not in [1, %d] (the test rows)", k, n)}
	}
	if o.NRepeats < 1 {
		return nil, &spec.FieldError{Path: "permutation_importance.n_repeats", Msg: fmt.Sprintf("expected at least 1, got %d", o.NRepeats)}
	}
	if _, ok := p.Final.(ml.ProbaPredictor); metric.NeedsProba && !ok {
		return nil, &spec.FieldError{Path: "permutation_importance.scoring", Msg: fmt.Sprintf("metric %s needs predict_proba, which %s does not have", metric.Name, ml.ClassName(p.Final))}
	}
	score := func(X *mat.Dense, y, w []float64) (float64, error) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		pred, err := p.Predict(X)
		if err != nil {
			return 0, err
		}
		in := metrics.Input{YTrue: y, YPred: pred, Classes: classes, SampleWeight: w}
		if metric.NeedsProba {
			if in.Proba, err = p.PredictProba(X); err != nil {
				return 0, err
			}
		}
		v, err := metrics.Score(metric.Name, in)
		if err != nil {
			return 0, fmt.Errorf("metric %s: %w", metric.Name, err)
		}
		if negate {
			v = -v
		}
		return v, nil
	}
	base, err := score(X, y, o.SampleWeight)
	if err != nil {
		return nil, fmt.Errorf("permutation_importance: %w", err)
	}
	res := &PermutationResult{Scoring: o.Scoring, NRepeats: o.NRepeats, RandomState: int64(o.RandomState),
		NRows: n, MaxSamples: k, Weighted: o.SampleWeight != nil, BaselineScore: base, Features: append([]string(nil), features...),
		ImportancesMean: make([]float64, d), ImportancesStd: make([]float64, d), Importances: make([][]float64, d)}
	seed := uint32(nprand.New(o.RandomState).RandInt(0, math.MaxInt32+1))
	Xp := mat.NewDense(k, d, nil)
	yp := make([]float64, k)
	var wp []float64
	if o.SampleWeight != nil {
		wp = make([]float64, k)
	}
	col := make([]float64, k)
	idx := make([]int, k)
	for j := range d {
		rs := nprand.New(seed)
		rows := identity(n)
		if k < n {
			rows = sampleWithoutReplacement(rs, n, k)
		}
		for i, r := range rows {
			copy(Xp.RawRowView(i), X.RawRowView(r))
			yp[i] = y[r]
			if wp != nil {
				wp[i] = o.SampleWeight[r]
			}
		}
		for i := range idx {
			idx[i] = i
		}
		imp := make([]float64, o.NRepeats)
		for rep := range o.NRepeats {
			rs.Shuffle(idx)
			for i, s := range idx {
				col[i] = Xp.At(s, j)
			}
			for i, v := range col {
				Xp.Set(i, j, v)
			}
			v, err := score(Xp, yp, wp)
			if err != nil {
				return nil, fmt.Errorf("permutation_importance of %s: %w", features[j], err)
			}
			imp[rep] = base - v
		}
		res.Importances[j] = imp
		res.ImportancesMean[j], res.ImportancesStd[j] = meanStd(imp)
	}
	return res, nil
}

func identity(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// sampleWithoutReplacement is scikit-learn's
// sample_without_replacement(n, k, method="auto", random_state=rs): a
// permutation's first k entries when 0.01 < k/n < 0.99, otherwise
// tracking selection (k/n < 0.2) or reservoir sampling.
func sampleWithoutReplacement(rs *nprand.RandomState, n, k int) []int {
	ratio := float64(k) / float64(n)
	if ratio > 0.01 && ratio < 0.99 {
		return rs.Permutation(n)[:k]
	}
	out := make([]int, k)
	if ratio < 0.2 {
		seen := make(map[int]bool, k)
		for i := range out {
			j := int(rs.RandInt(0, int64(n)))
			for seen[j] {
				j = int(rs.RandInt(0, int64(n)))
			}
			seen[j] = true
			out[i] = j
		}
		return out
	}
	for i := range out {
		out[i] = i
	}
	for i := k; i < n; i++ {
		if j := int(rs.RandInt(0, int64(i+1))); j < k {
			out[j] = i
		}
	}
	return out
}

// runPermutation is the run's permutation_importance step on the test
// part, weighted by the test rows' data.sample_weight (w) when the run
// has one and the test part holds the column (nil otherwise: a data.test
// file without it is scored unweighted, as the stage event says).
func (p *Plan) runPermutation(ctx context.Context, rep ml.Reporter, pipe *ml.Pipeline, X *mat.Dense, y, w, classes []float64, features []string) (*PermutationResult, error) {
	pi := p.spec.PermutationImportance
	n, d := X.Dims()
	k := n
	switch {
	case pi.MaxSamples <= 1:
		k = int(pi.MaxSamples * float64(n))
	default:
		k = int(pi.MaxSamples)
	}
	if k < 1 || k > n {
		return nil, spec.Errors{{Path: "permutation_importance.max_samples", Msg: fmt.Sprintf("%v makes %d rows of the %d test rows; it must make between 1 and %d", pi.MaxSamples, k, n, n)}}
	}
	rs := int64(0)
	if pi.RandomState != nil {
		rs = *pi.RandomState
	}
	how := ""
	switch {
	case w != nil:
		how = ", weighted by " + p.spec.Data.SampleWeight
	case p.spec.Data.SampleWeight != "":
		how = ", unweighted: the test data has no column " + p.spec.Data.SampleWeight
	}
	rep.Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("permutation_importance: %d features × %d repeats on %d of %d test rows, scoring %s%s", d, pi.NRepeats, k, n, pi.Scoring, how)})
	return PermutationImportance(ctx, pipe, X, y, classes, features, PermutationOptions{Scoring: pi.Scoring, NRepeats: pi.NRepeats, RandomState: uint32(rs), MaxSamples: k, SampleWeight: w})
}
