package train

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/nprand"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/modelselection"
	"github.com/mlforge/mlforge/spec"
)

// MaxCandidates bounds the candidates of a search: a grid whose product is
// larger is refused before anything is fitted.
const MaxCandidates = 10000

// SearchResult is the outcome of a GridSearchCV or RandomizedSearchCV:
// scikit-learn's cv_results_ (one row per candidate, in its order),
// best_index_, best_params_ and best_score_.
type SearchResult struct {
	Type     string `json:"type"`
	Scoring  string `json:"scoring"`
	Splitter string `json:"cv"`
	// Results is cv_results_, one Candidate per row.
	Results    []Candidate                `json:"cv_results"`
	BestIndex  int                        `json:"best_index"`
	BestParams map[string]json.RawMessage `json:"best_params"`
	BestScore  float64                    `json:"best_score"`
}

// Candidate is one row of cv_results_.
type Candidate struct {
	Params         map[string]json.RawMessage `json:"params"`
	SplitTestScore []float64                  `json:"split_test_score"`
	MeanTestScore  float64                    `json:"mean_test_score"`
	StdTestScore   float64                    `json:"std_test_score"`
	RankTestScore  int                        `json:"rank_test_score"`
	MeanFitTime    float64                    `json:"mean_fit_time"`
	StdFitTime     float64                    `json:"std_fit_time"`
	MeanScoreTime  float64                    `json:"mean_score_time"`
	StdScoreTime   float64                    `json:"std_score_time"`
	// Iter and NResources are HalvingGridSearchCV's iteration and number
	// of rows (zero for the other searches).
	Iter       int `json:"iter,omitempty"`
	NResources int `json:"n_resources,omitempty"`
	// Error is why the candidate failed: it scores the search's
	// error_score (NaN by default, null in JSON) and the search goes on
	// (errorscore.go), in one process as in the service's sweeps.
	Error string `json:"error,omitempty"`

	spec *spec.Spec // the candidate's spec, to refit it
}

// gridSize returns the number of candidates of the grids, or -1 past
// MaxCandidates.
func gridSize(grids []spec.Grid) int {
	total := 0
	for _, g := range grids {
		size := 1
		for _, v := range g {
			size *= len(v.List)
			if size > MaxCandidates {
				return -1
			}
		}
		total += size
		if total > MaxCandidates {
			return -1
		}
	}
	return total
}

// Grid returns the candidates of param_grid in scikit-learn's order
// (ParameterGrid): each grid in turn, its keys sorted, the last key
// varying fastest.
func Grid(grids []spec.Grid) ([]map[string]json.RawMessage, error) {
	if gridSize(grids) < 0 {
		return nil, fmt.Errorf("the grid has more than %d candidates", MaxCandidates)
	}
	var out []map[string]json.RawMessage
	for _, g := range grids {
		keys := sortedKeys(g)
		idx := make([]int, len(keys))
		for {
			c := make(map[string]json.RawMessage, len(keys))
			for i, k := range keys {
				c[k] = g[k].List[idx[i]]
			}
			out = append(out, c)
			i := len(keys) - 1
			for i >= 0 {
				idx[i]++
				if idx[i] < len(g[keys[i]].List) {
					break
				}
				idx[i] = 0
				i--
			}
			if i < 0 {
				break
			}
		}
	}
	return out, nil
}

// gridAt is ParameterGrid.__getitem__: the ind-th candidate, keys reversed
// so that the last sorted key varies fastest.
func gridAt(grids []spec.Grid, ind int) map[string]json.RawMessage {
	for _, g := range grids {
		keys := sortedKeys(g)
		total := 1
		for _, k := range keys {
			total *= len(g[k].List)
		}
		if ind >= total {
			ind -= total
			continue
		}
		out := make(map[string]json.RawMessage, len(keys))
		for i := len(keys) - 1; i >= 0; i-- {
			n := len(g[keys[i]].List)
			out[keys[i]] = g[keys[i]].List[ind%n]
			ind /= n
		}
		return out
	}
	return nil
}

// Sample returns RandomizedSearchCV's candidates (ParameterSampler) drawn
// from numpy's RandomState(seed) as scikit-learn 1.2 and scipy draw them:
// when every value is a list, n_iter grid points without replacement
// (sample_without_replacement's "auto": a permutation when n_iter is
// between 1% and 99% of the grid, else tracking selection below 20% and
// reservoir sampling above), else for each draw a grid, then each key in
// sorted order from its list (randint) or distribution (rvs).
func Sample(grids []spec.Grid, nIter int, seed uint32) ([]map[string]json.RawMessage, error) {
	rng := nprand.New(seed)
	allLists := true
	for _, g := range grids {
		for _, v := range g {
			allLists = allLists && v.Dist == nil
		}
	}
	if allLists {
		size := gridSize(grids)
		if size < 0 {
			return nil, fmt.Errorf("the grid has more than %d candidates", MaxCandidates)
		}
		n := min(nIter, size)
		var picks []int
		ratio := float64(n) / float64(size)
		switch {
		case ratio > 0.01 && ratio < 0.99:
			picks = rng.Permutation(size)[:n]
		case ratio < 0.2:
			seen := map[int]bool{}
			for range n {
				j := int(rng.RandInt(0, int64(size)))
				for seen[j] {
					j = int(rng.RandInt(0, int64(size)))
				}
				seen[j] = true
				picks = append(picks, j)
			}
		default:
			picks = make([]int, n)
			for i := range picks {
				picks[i] = i
			}
			for i := n; i < size; i++ {
				if j := int(rng.RandInt(0, int64(i+1))); j < n {
					picks[j] = i
				}
			}
		}
		out := make([]map[string]json.RawMessage, n)
		for i, j := range picks {
			out[i] = gridAt(grids, j)
		}
		return out, nil
	}
	out := make([]map[string]json.RawMessage, nIter)
	for it := range out {
		g := grids[rng.RandInt(0, int64(len(grids)))]
		c := map[string]json.RawMessage{}
		for _, k := range sortedKeys(g) {
			v := g[k]
			if v.Dist == nil {
				c[k] = v.List[rng.RandInt(0, int64(len(v.List)))]
				continue
			}
			var x any
			switch d := v.Dist; d.Type {
			case "uniform":
				x = rng.Float64()*d.Scale + d.Loc
			case "loguniform":
				q := rng.Float64()
				x = math.Exp(math.Log(d.A) + q*(math.Log(d.B)-math.Log(d.A)))
			case "randint":
				x = rng.RandInt(d.Low, d.High)
			default:
				return nil, fmt.Errorf("unknown distribution %q", d.Type)
			}
			b, _ := json.Marshal(x)
			c[k] = b
		}
		out[it] = c
	}
	return out, nil
}

// candidates returns the search's candidates.
func candidates(se *spec.Search) ([]map[string]json.RawMessage, error) {
	if se.Type == "RandomizedSearchCV" {
		seed := int64(0)
		if se.RandomState != nil {
			seed = *se.RandomState
		}
		return Sample(se.ParamDistributions, se.NIter, uint32(seed))
	}
	return Grid(se.ParamGrid)
}

// runSearch cross-validates every candidate of the spec's search on the
// training part f, ranks them as scikit-learn does and returns the
// results with the best candidate's unfitted pipeline. It reports a
// "trial" event per candidate (search_mean_test_score, search_rank
// after all are done are in the result).
func (p *Plan) runSearch(ctx context.Context, rep ml.Reporter, f *data.Frame, groups, w []float64) (*SearchResult, *ml.Pipeline, error) {
	s, se := p.spec, p.spec.Search
	cands, err := candidates(se)
	if err != nil {
		return nil, nil, spec.Errors{{Path: "search", Msg: err.Error()}}
	}
	if len(cands) == 0 {
		return nil, nil, spec.Errors{{Path: "search", Msg: errNoCandidates.Error()}}
	}
	sp, desc, err := splitterFor(se.CV, s.ModelTask(), "search.cv")
	if err != nil {
		return nil, nil, err
	}
	folds, err := makeFolds(p.opt.Limits, sp, f, groups, "search.cv", se.CV)
	if err != nil {
		return nil, nil, err
	}
	if err := p.opt.Limits.OrDefault().CheckRun("search", "the search's scores", budget.Mul(int64(len(cands)), int64(len(folds)+8), 8), fmt.Sprintf("%d candidates × %d folds", len(cands), len(folds))); err != nil {
		return nil, nil, err
	}
	metric, negate, err := spec.Scorer(se.Scoring)
	if err != nil {
		return nil, nil, spec.Errors{{Path: "search.scoring", Msg: err.Error()}}
	}
	rep.Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("%s: %d candidates × %d folds of %s, scoring %s", se.Type, len(cands), len(folds), desc, se.Scoring)})
	res := &SearchResult{Type: se.Type, Scoring: se.Scoring, Splitter: desc}
	var firstErr error // the first candidate's failure (errorscore.go)
	// evaluate cross-validates candidates on folds, appending their rows.
	evaluate := func(cands []map[string]json.RawMessage, folds []modelselection.Fold, iter, nRes int) ([]int, error) {
		var rows []int
		for _, c := range cands {
			i := len(res.Results)
			row, err := p.evalCandidate(ctx, c, i, folds, f, w, metric.Name, negate)
			if err != nil {
				if stop := stopsSearch(ctx, se, err); stop != nil {
					return nil, stop
				}
				if firstErr == nil {
					firstErr = err
				}
				row = failedRow(se, c, len(folds), err.Error())
				reportFailed(rep, se, i, c, err.Error())
			}
			row.Iter, row.NResources = iter, nRes
			res.Results = append(res.Results, row)
			rows = append(rows, i)
			reportTrial(rep, i, row)
		}
		return rows, nil
	}
	if se.Type == "HalvingGridSearchCV" {
		if err := p.halve(res, evaluate, cands, folds, f.Len(), f.Y); err != nil {
			return nil, nil, err
		}
	} else {
		if _, err := evaluate(cands, folds, 0, 0); err != nil {
			return nil, nil, err
		}
		rank(res.Results)
		for i, r := range res.Results {
			if r.RankTestScore == 1 {
				res.BestIndex = i
				break
			}
		}
	}
	if err := allFailed(res.Results, firstErr); err != nil {
		return nil, nil, err
	}
	best := res.Results[res.BestIndex]
	res.BestParams, res.BestScore = best.Params, best.MeanTestScore
	rep.Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("best %s %.6g: %s; refit on the training part", se.Scoring, res.BestScore, DescribeParams(res.BestParams))})
	if best.spec == nil { // a failed candidate ranked first by its error_score
		if best.spec, err = p.spec.WithParams(best.Params); err != nil {
			return nil, nil, spec.Errors{{Path: "search", Msg: err.Error()}}
		}
	}
	pipe, err := p.pipeline(best.spec)
	if err != nil {
		return nil, nil, err
	}
	return res, pipe, nil
}

// evalCandidate cross-validates candidate c (the i-th) on folds of f,
// fitting with the sample weights w (nil for none), scoring with metric (negated for a "neg_" scorer): one row of
// cv_results_. The service's child runs call it for one candidate each
// (sweep.go), so that their rows are the in-process search's.
func (p *Plan) evalCandidate(ctx context.Context, c map[string]json.RawMessage, i int, folds []modelselection.Fold, f *data.Frame, w []float64, metric string, negate bool) (Candidate, error) {
	cs, err := p.spec.WithParams(c)
	if err != nil {
		return Candidate{}, spec.Errors{{Path: "search", Msg: err.Error()}}
	}
	if _, err := p.pipeline(cs); err != nil {
		return Candidate{}, &candidateError{fmt.Errorf("search candidate %d %s: %w", i+1, DescribeParams(c), err)}
	}
	fs, err := crossValidate(ctx, func() (*ml.Pipeline, error) { return p.pipeline(cs) }, folds, f, w, []string{metric}, nil)
	if err != nil {
		return Candidate{}, &candidateError{fmt.Errorf("search candidate %d %s: %w", i+1, DescribeParams(c), err)}
	}
	row := Candidate{Params: c, SplitTestScore: make([]float64, len(fs)), spec: cs}
	fit, score := make([]float64, len(fs)), make([]float64, len(fs))
	for j, x := range fs {
		v := x.Test[metric]
		if negate {
			v = -v
		}
		row.SplitTestScore[j], fit[j], score[j] = v, x.FitTime, x.ScoreTime
	}
	row.MeanTestScore, row.StdTestScore = meanStd(row.SplitTestScore)
	row.MeanFitTime, row.StdFitTime = meanStd(fit)
	row.MeanScoreTime, row.StdScoreTime = meanStd(score)
	return row, nil
}

// reportTrial reports row i of cv_results_ as a "trial" event.
func reportTrial(rep ml.Reporter, i int, row Candidate) {
	rep.Report(ml.Event{Kind: "trial", Step: i + 1, Message: DescribeParams(row.Params),
		Metrics: map[string]float64{"search_mean_test_score": row.MeanTestScore, "search_std_test_score": row.StdTestScore, "search_mean_fit_time": row.MeanFitTime}})
}

// rank sets rank_test_score as scikit-learn does: rankdata(-mean,
// method="min"), a NaN mean ranking below every number.
func rank(rows []Candidate) {
	means := make([]float64, len(rows))
	low := math.Inf(1)
	for i, r := range rows {
		means[i] = r.MeanTestScore
		if !math.IsNaN(r.MeanTestScore) {
			low = min(low, r.MeanTestScore)
		}
	}
	for i, m := range means {
		if math.IsNaN(m) {
			means[i] = low - 1
		}
	}
	for i := range rows {
		r := 1
		for j := range rows {
			if means[j] > means[i] {
				r++
			}
		}
		rows[i].RankTestScore = r
	}
}

// DescribeParams writes a candidate as {"C": 1, "kernel": "rbf"}, keys
// sorted.
func DescribeParams(c map[string]json.RawMessage) string {
	parts := make([]string, 0, len(c))
	for _, k := range sortedKeys(c) {
		parts = append(parts, fmt.Sprintf("%q: %s", k, c[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// CVTable writes cv_results_ as rows for a table: params, mean and std
// test score, rank and mean fit time, in the candidates' order.
func (r *SearchResult) CVTable() [][]string {
	halving := r.Type == "HalvingGridSearchCV"
	head := []string{"#", "params", "mean_test_score", "std_test_score", "rank_test_score", "mean_fit_time"}
	if halving {
		head = append(head, "iter", "n_resources")
	}
	rows := [][]string{head}
	for i, c := range r.Results {
		row := []string{fmt.Sprint(i), DescribeParams(c.Params), fmt.Sprintf("%.6f", c.MeanTestScore),
			fmt.Sprintf("%.6f", c.StdTestScore), fmt.Sprint(c.RankTestScore), fmt.Sprintf("%.4fs", c.MeanFitTime)}
		if halving {
			row = append(row, fmt.Sprint(c.Iter), fmt.Sprint(c.NResources))
		}
		rows = append(rows, row)
	}
	return rows
}

// halve runs HalvingGridSearchCV's successive halving (scikit-learn 1.2's
// BaseSuccessiveHalving with resource="n_samples"): each iteration
// cross-validates the remaining candidates on subsamples of each fold
// (resample with the search's random_state) of n_resources rows in all,
// keeps the best ceil(n/factor) and multiplies the rows by factor. The
// ranks cover every row of cv_results_; the best candidate is the best of
// the last iteration. n is the number of training rows, y their targets.
func (p *Plan) halve(res *SearchResult, evaluate func([]map[string]json.RawMessage, []modelselection.Fold, int, int) ([]int, error),
	cands []map[string]json.RawMessage, folds []modelselection.Fold, n int, y []float64) error {
	se := p.spec.Search
	factor := se.Factor
	minR := 0
	if r := se.MinResources; r.Rule != "" {
		minR = len(folds) * 2
		if p.spec.ModelTask() == ml.Classification {
			minR *= distinct(y)
		}
	} else {
		minR = r.N
	}
	maxR := n
	if r := se.MaxResources; r.Rule == "" {
		maxR = r.N
	}
	if minR > maxR {
		return spec.Errors{{Path: "search.min_resources", Msg: fmt.Sprintf("min_resources=%d is greater than max_resources=%d", minR, maxR)}}
	}
	logf := func(x float64) int { return int(math.Floor(math.Log(x) / math.Log(factor))) }
	nReq := 1 + logf(float64(len(cands)))
	if se.MinResources.Rule == "exhaust" {
		minR = max(minR, int(math.Floor(float64(maxR)/math.Pow(factor, float64(nReq-1)))))
	}
	nPoss := 1 + logf(float64(maxR/minR))
	nIter := min(nPoss, nReq)
	if se.AggressiveElimination {
		nIter = nReq
	}
	seed := uint32(*se.RandomState)
	resample := func(idx []int, k int) []int {
		perm := nprand.New(seed).Permutation(len(idx))[:k]
		out := make([]int, k)
		for i, j := range perm {
			out[i] = idx[j]
		}
		return out
	}
	var last []int
	for itr := 0; itr < nIter; itr++ {
		power := itr
		if se.AggressiveElimination {
			power = max(0, itr-nReq+nPoss)
		}
		nRes := min(int(math.Pow(factor, float64(power))*float64(minR)), maxR)
		frac := float64(nRes) / float64(n)
		sub := make([]modelselection.Fold, len(folds))
		for i, fo := range folds {
			sub[i] = modelselection.Fold{Train: resample(fo.Train, int(frac*float64(len(fo.Train)))), Test: resample(fo.Test, int(frac*float64(len(fo.Test))))}
			if len(sub[i].Train) == 0 || len(sub[i].Test) == 0 {
				return spec.Errors{{Path: "search.min_resources", Msg: fmt.Sprintf("iteration %d subsamples %d rows, which leaves a fold without training or test rows; use a larger min_resources", itr, nRes)}}
			}
		}
		rows, err := evaluate(cands, sub, itr, nRes)
		if err != nil {
			return err
		}
		last = rows
		keep := int(math.Ceil(float64(len(cands)) / factor))
		scores := make([]float64, len(rows))
		nan := 0
		for i, r := range rows {
			scores[i] = res.Results[r].MeanTestScore
			if math.IsNaN(scores[i]) {
				nan++
			}
		}
		order := nprand.ArgsortFloat64(scores)
		// np.roll by the NaN count puts the NaNs first, the best last.
		order = append(order[len(order)-nan:], order[:len(order)-nan]...)
		next := make([]map[string]json.RawMessage, 0, keep)
		for _, i := range order[len(order)-min(keep, len(order)):] {
			next = append(next, res.Results[rows[i]].Params)
		}
		cands = next
	}
	rank(res.Results)
	best := -1
	for _, r := range last {
		if v := res.Results[r].MeanTestScore; !math.IsNaN(v) && (best < 0 || v > res.Results[best].MeanTestScore) {
			best = r
		}
	}
	if best < 0 {
		best = last[0]
	}
	res.BestIndex = best
	return nil
}
