package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/modelselection"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
)

// Sweeps: the service runs a classic GridSearchCV or RandomizedSearchCV,
// or a top-level cross-validation, as a parent run whose trials (one per
// candidate, one per fold) are child runs that any worker trains
// (PlanSweep, RunTrial), and whose parent gathers them into cv_results_
// (or cross_validate's folds) exactly as the in-process search or
// cross-validation computes them, then refits and saves as Run does
// (Options.Trials). The command line runs them in one process.

// MaxSweepTrials is the most trials a run fans out as child runs; a
// larger search runs in one process.
const MaxSweepTrials = 2000

// maxSweepSpecBytes bounds the specs of a sweep's children together (each
// child keeps its spec): past it the search runs in one process.
const maxSweepSpecBytes = 64 << 20

// Sweep is how a spec's search or cross-validation fans out.
type Sweep struct {
	// Kind is "search" or "cv".
	Kind string
	// Trials are the children's specs, in order: a search candidate's
	// spec (the model's parameters set), or for a fold the spec itself.
	Trials []*spec.Spec
	// Params are the candidates' parameters (nil for folds).
	Params []map[string]json.RawMessage
	// MaxParallel is how many trials train at once.
	MaxParallel int
}

// TrialOutcome is a finished trial handed to the run that gathers them:
// its Result (RunTrial's) or its Error.
type TrialOutcome struct {
	Index  int
	Error  string
	Result json.RawMessage
}

// TrialResult is what a trial computes: a candidate's row of cv_results_
// or a fold's scores.
type TrialResult struct {
	Candidate *Candidate `json:"candidate,omitempty"`
	Fold      *FoldScore `json:"fold,omitempty"`
}

// PlanSweep returns how s's search or cross-validation fans out, or nil
// and the reason it runs in one process: only a classic (supervised,
// estimator) spec with a GridSearchCV, a RandomizedSearchCV or a
// top-level cv, and no collect step or curve, fans out. A cross-validation
// reads the data to count its folds.
func PlanSweep(ctx context.Context, s *spec.Spec, opt Options) (*Sweep, string, error) {
	switch {
	case s.Search == nil && s.CV == nil:
		return nil, "no search or cross-validation", nil
	case s.IsAutoencoder() || s.IsGAN() || s.IsUnsupervised() || s.IsNetwork() && s.Search == nil:
		return nil, "only searches of classic estimators and networks, and cross-validations of classic estimators, train as child runs", nil
	case s.Collect != nil:
		return nil, "a spec with a collect step trains in one run", nil
	case s.ValidationCurve != nil || s.LearningCurve != nil:
		return nil, "a spec with a curve trains in one run", nil
	case s.Search != nil && s.Search.Type == "HalvingGridSearchCV":
		return nil, "HalvingGridSearchCV's iterations depend on each other; it trains in one run", nil
	}
	p, err := Check(s, opt)
	if err != nil {
		return nil, "", err
	}
	if p.Deferred != "" {
		return nil, p.Deferred, nil
	}
	sw := &Sweep{}
	if s.IsNetwork() {
		// Each candidate's spec with the search kept, so that its trial
		// finds itself among the candidates (RunTrial).
		if len(p.netCands) > MaxSweepTrials {
			return nil, fmt.Sprintf("%d candidates are more than the %d a search trains as child runs", len(p.netCands), MaxSweepTrials), nil
		}
		sw.Kind, sw.MaxParallel = "search", s.Search.MaxParallel
		for _, nc := range p.netCands {
			cs := *nc.plan.spec
			cs.Search = s.Search
			sw.Trials, sw.Params = append(sw.Trials, &cs), append(sw.Params, nc.params)
		}
	} else if se := s.Search; se != nil {
		cands, err := candidates(se)
		if err != nil {
			return nil, "", spec.Errors{{Path: "search", Msg: err.Error()}}
		}
		if len(cands) == 0 {
			return nil, "", spec.Errors{{Path: "search", Msg: errNoCandidates.Error()}}
		}
		if len(cands) > MaxSweepTrials {
			return nil, fmt.Sprintf("%d candidates are more than the %d a search trains as child runs", len(cands), MaxSweepTrials), nil
		}
		sw.Kind, sw.Params, sw.MaxParallel = "search", cands, se.MaxParallel
		size := 0
		for _, c := range cands {
			cs, err := s.WithParams(c)
			if err != nil {
				return nil, "", spec.Errors{{Path: "search", Msg: err.Error()}}
			}
			b, _ := json.Marshal(cs)
			if size += len(b); size > maxSweepSpecBytes {
				return nil, "the candidates' specs are too large to keep one per child run", nil
			}
			sw.Trials = append(sw.Trials, cs)
		}
	} else {
		f, groups, _, err := p.trainPart(ctx)
		if err != nil {
			return nil, "", err
		}
		folds, err := p.folds(s.CV, "cv", f, groups)
		if err != nil {
			return nil, "", err
		}
		if len(folds) > MaxSweepTrials {
			return nil, fmt.Sprintf("%d folds are more than the %d a cross-validation trains as child runs", len(folds), MaxSweepTrials), nil
		}
		sw.Kind, sw.MaxParallel = "cv", s.CV.MaxParallel
		for range folds {
			sw.Trials = append(sw.Trials, s)
		}
	}
	if sw.MaxParallel <= 0 {
		sw.MaxParallel = spec.DefaultMaxParallel
	}
	return sw, "", nil
}

// trainPart loads the training part as Run does: split, the groups column
// and the sample weights taken out.
func (p *Plan) trainPart(ctx context.Context) (*data.Frame, []float64, []float64, error) {
	trainF, testF, err := p.loadData(p.spec.ModelTask())
	if err != nil {
		return nil, nil, nil, err
	}
	trainF, testF, groups, err := p.takeGroups(trainF, testF)
	if err != nil {
		return nil, nil, nil, err
	}
	trainF, _, weights, _, err := p.takeWeights(trainF, testF)
	if err != nil {
		return nil, nil, nil, err
	}
	var shape problems // as Run checks the data read (shapecheck.go)
	if p.checkModelShape(&shape, trainF, nil); len(shape) > 0 {
		return nil, nil, nil, spec.Errors(shape)
	}
	return trainF, groups, weights, ctx.Err()
}

// folds splits f (with its groups) by cv (at path) as runCV and
// runSearch do.
func (p *Plan) folds(cv *spec.CV, path string, f *data.Frame, groups []float64) ([]modelselection.Fold, error) {
	sp, _, err := splitterFor(cv, p.spec.ModelTask(), path)
	if err != nil {
		return nil, err
	}
	return makeFolds(p.opt.Limits, sp, f, groups, path, cv)
}

// RunTrial trains trial index of a sweep whose trial spec is s (a
// candidate's spec, or the cross-validated spec): it cross-validates the
// candidate, or fits and scores the fold, as the in-process search or
// cross-validation does, and returns its TrialResult.
func RunTrial(ctx context.Context, s *spec.Spec, opt Options, index int) (*TrialResult, error) {
	p, err := Check(s, opt)
	if err != nil {
		return nil, err
	}
	quiet := ml.ReporterFunc(func(ml.Event) {})
	ctx = ml.WithProgress(ctx, quiet)
	if s.IsNetwork() {
		return p.netTrial(ctx, quiet, index)
	}
	f, groups, w, err := p.trainPart(ctx)
	if err != nil {
		return nil, err
	}
	if se := s.Search; se != nil {
		cands, err := candidates(se)
		if err != nil {
			return nil, err
		}
		if index < 0 || index >= len(cands) {
			return nil, fmt.Errorf("train: the search has %d candidates, not a candidate %d", len(cands), index+1)
		}
		folds, err := p.folds(se.CV, "search.cv", f, groups)
		if err != nil {
			return nil, err
		}
		metric, negate, err := spec.Scorer(se.Scoring)
		if err != nil {
			return nil, spec.Errors{{Path: "search.scoring", Msg: err.Error()}}
		}
		row, err := p.evalCandidate(ctx, cands[index], index, folds, f, w, metric.Name, negate)
		if err != nil {
			return nil, err
		}
		return &TrialResult{Candidate: &row}, nil
	}
	if s.CV == nil {
		return nil, errors.New("train: a trial's spec has neither a search nor a cv")
	}
	folds, err := p.folds(s.CV, "cv", f, groups)
	if err != nil {
		return nil, err
	}
	if index < 0 || index >= len(folds) {
		return nil, fmt.Errorf("train: the cross-validation has %d folds, not a fold %d", len(folds), index+1)
	}
	fs, err := crossValidate(ctx, func() (*ml.Pipeline, error) { return p.pipeline(s) }, folds[index:index+1], f, w, s.Metrics, nil)
	if err != nil {
		return nil, fmt.Errorf("fold %d: %w", index+1, unwrapFold(err))
	}
	return &TrialResult{Fold: &fs[0]}, nil
}

// netTrial trains candidate index of a network search on search.cv's
// folds (or the hold-out split), as runNetSearch trains each (it trains
// this one alone).
func (p *Plan) netTrial(ctx context.Context, rep ml.Reporter, index int) (*TrialResult, error) {
	if index < 0 || index >= len(p.netCands) {
		return nil, fmt.Errorf("train: the search has %d candidates, not a candidate %d", len(p.netCands), index+1)
	}
	d, err := p.loadNetData()
	if err != nil {
		return nil, err
	}
	one := *p
	one.netCands = p.netCands[index : index+1]
	// The trial's failure is the child run's: the parent applies the
	// search's error_score when it gathers the children (gatherRows).
	cs, se := *p.spec, *p.spec.Search
	se.ErrorScore = &spec.ErrorScore{Raise: true}
	cs.Search = &se
	one.spec = &cs
	sr, _, err := one.runNetSearch(ctx, rep, d)
	if err != nil {
		// runNetSearch numbers the candidate it trained 1.
		return nil, errors.New(strings.Replace(err.Error(), "search candidate 1 ", fmt.Sprintf("search candidate %d ", index+1), 1))
	}
	row := sr.Results[0]
	row.RankTestScore = 0
	return &TrialResult{Candidate: &row}, nil
}

// gatherNetSearch is runNetSearch over the rows the trials computed.
func (p *Plan) gatherNetSearch(rep ml.Reporter, d *netData) (*SearchResult, *Plan, error) {
	se := p.spec.Search
	folds, desc, err := p.netFolds(d)
	if err != nil {
		return nil, nil, err
	}
	params := make([]map[string]json.RawMessage, len(p.netCands))
	for i, nc := range p.netCands {
		params[i] = nc.params
	}
	rep.Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("%s: %d candidates × %d folds of %s, scoring %s, gathered from child runs", se.Type, len(params), len(folds), desc, se.Scoring)})
	res, err := p.gatherRows(rep, params, len(folds), desc)
	if err != nil {
		return nil, nil, err
	}
	rep.Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("best %s %.6g: %s; refit on the training part", se.Scoring, res.BestScore, DescribeParams(res.BestParams))})
	refit, err := p.netCands[res.BestIndex].plan.fresh()
	if err != nil {
		return nil, nil, err
	}
	return res, refit, nil
}

// unwrapFold drops crossValidate's "fold 1: " of a one-fold call.
func unwrapFold(err error) error {
	if u := errors.Unwrap(err); u != nil && err.Error() == "fold 1: "+u.Error() {
		return u
	}
	return err
}

// trialOutcomes decodes the trials of a sweep, n of them in order.
func trialOutcomes(trials []TrialOutcome, n int, what string) ([]*TrialResult, []string, error) {
	if len(trials) != n {
		return nil, nil, fmt.Errorf("train: the sweep gathered %d trials for %d %s", len(trials), n, what)
	}
	res, errs := make([]*TrialResult, n), make([]string, n)
	failed := 0
	for i, t := range trials {
		if t.Index != i {
			return nil, nil, fmt.Errorf("train: the sweep's trial %d came as %d", i, t.Index)
		}
		if t.Error != "" {
			errs[i] = t.Error
			failed++
			continue
		}
		var r TrialResult
		if err := json.Unmarshal(t.Result, &r); err != nil {
			return nil, nil, fmt.Errorf("train: the sweep's trial %d: %w", i+1, err)
		}
		res[i] = &r
	}
	if failed == n {
		return nil, nil, fmt.Errorf("every one of the %d %s failed; the first: %s", n, what, errs[0])
	}
	return res, errs, nil
}

// gatherSearch is runSearch over the rows the trials computed: a failed
// candidate scores NaN on every fold and ranks last.
func (p *Plan) gatherSearch(rep ml.Reporter, f *data.Frame) (*SearchResult, *ml.Pipeline, error) {
	s, se := p.spec, p.spec.Search
	cands, err := candidates(se)
	if err != nil {
		return nil, nil, spec.Errors{{Path: "search", Msg: err.Error()}}
	}
	sp, desc, err := splitterFor(se.CV, s.ModelTask(), "search.cv")
	if err != nil {
		return nil, nil, err
	}
	k, err := sp.NSplits(f.Len())
	if err != nil {
		return nil, nil, spec.Errors{{Path: "search.cv", Msg: err.Error()}}
	}
	rep.Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("%s: %d candidates × %d folds of %s, scoring %s, gathered from child runs", se.Type, len(cands), k, desc, se.Scoring)})
	res, err := p.gatherRows(rep, cands, k, desc)
	if err != nil {
		return nil, nil, err
	}
	best := res.Results[res.BestIndex]
	bs, err := s.WithParams(best.Params)
	if err != nil {
		return nil, nil, spec.Errors{{Path: "search", Msg: err.Error()}}
	}
	rep.Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("best %s %.6g: %s; refit on the training part", se.Scoring, res.BestScore, DescribeParams(res.BestParams))})
	pipe, err := p.pipeline(bs)
	if err != nil {
		return nil, nil, err
	}
	return res, pipe, nil
}

// gatherRows makes cv_results_ from the trials of candidates cands (k
// scores each), ranked, with the best: a failed candidate scores NaN on
// every fold and ranks last.
func (p *Plan) gatherRows(rep ml.Reporter, cands []map[string]json.RawMessage, k int, desc string) (*SearchResult, error) {
	se := p.spec.Search
	if se.ErrorScore != nil && se.ErrorScore.Raise {
		// error_score="raise": the first failed candidate stops the search.
		for i, t := range p.opt.Trials {
			if t.Error != "" && i < len(cands) {
				what := fmt.Sprintf("search candidate %d %s", i+1, DescribeParams(cands[i]))
				if strings.HasPrefix(t.Error, what+": ") {
					return nil, errors.New(t.Error)
				}
				return nil, fmt.Errorf("%s: %s", what, t.Error)
			}
		}
	}
	trials, errs, err := trialOutcomes(p.opt.Trials, len(cands), "candidates")
	if err != nil {
		return nil, err
	}
	res := &SearchResult{Type: se.Type, Scoring: se.Scoring, Splitter: desc}
	for i, c := range cands {
		var row Candidate
		if t := trials[i]; t != nil && t.Candidate != nil {
			row = *t.Candidate
			row.Params = c
		} else {
			msg := errs[i]
			if msg == "" {
				msg = "the trial computed no candidate"
			}
			row = failedRow(se, c, k, msg) // errorscore.go
			reportFailed(rep, se, i, c, msg)
		}
		res.Results = append(res.Results, row)
		reportTrial(rep, i, row)
	}
	rank(res.Results)
	for i, r := range res.Results {
		if r.RankTestScore == 1 {
			res.BestIndex = i
			break
		}
	}
	best := res.Results[res.BestIndex]
	res.BestParams, res.BestScore = best.Params, best.MeanTestScore
	return res, nil
}

// gatherCV is runCV over the folds the trials scored: a failed fold
// scores NaN.
func (p *Plan) gatherCV(rep ml.Reporter, f *data.Frame) (*CVResult, error) {
	s := p.spec
	sp, desc, err := splitterFor(s.CV, s.ModelTask(), "cv")
	if err != nil {
		return nil, err
	}
	k, err := sp.NSplits(f.Len())
	if err != nil {
		return nil, spec.Errors{{Path: "cv", Msg: err.Error()}}
	}
	trials, errs, err := trialOutcomes(p.opt.Trials, k, "folds")
	if err != nil {
		return nil, err
	}
	rep.Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("cross-validate %s: %d folds, gathered from child runs", desc, k)})
	fs := make([]FoldScore, k)
	for i := range fs {
		if t := trials[i]; t != nil && t.Fold != nil {
			fs[i] = *t.Fold
		} else {
			fs[i] = FoldScore{Test: model.Values{}, Error: errs[i]}
			for _, name := range s.Metrics {
				fs[i].Test[name] = math.NaN()
			}
			rep.Report(ml.Event{Kind: "log", Message: fmt.Sprintf("fold %d failed (scored NaN, as error_score=nan): %s", i+1, errs[i])})
		}
		m := map[string]float64{"cv_fit_time": fs[i].FitTime, "cv_score_time": fs[i].ScoreTime}
		for k, v := range fs[i].Test {
			m["cv_"+k] = v
		}
		rep.Report(ml.Event{Kind: "fold", Step: i + 1, Total: k, Metrics: m})
	}
	return cvSummary(s, desc, fs), nil
}

// cvSummary is a cross-validation's result from its folds' scores.
func cvSummary(s *spec.Spec, desc string, fs []FoldScore) *CVResult {
	res := &CVResult{Splitter: desc, Metrics: s.Metrics, Folds: fs, Mean: model.Values{}, Std: model.Values{}}
	col := func(get func(FoldScore) float64) []float64 {
		out := make([]float64, len(fs))
		for i, x := range fs {
			out[i] = get(x)
		}
		return out
	}
	for _, name := range s.Metrics {
		res.Mean[name], res.Std[name] = meanStd(col(func(x FoldScore) float64 { return x.Test[name] }))
	}
	res.Mean["fit_time"], res.Std["fit_time"] = meanStd(col(func(x FoldScore) float64 { return x.FitTime }))
	res.Mean["score_time"], res.Std["score_time"] = meanStd(col(func(x FoldScore) float64 { return x.ScoreTime }))
	return res
}

// MarshalJSON writes c with null for its non-finite scores (a failed
// candidate's NaN).
func (c Candidate) MarshalJSON() ([]byte, error) {
	type plain Candidate
	nullable := func(x float64) *float64 {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return &x
	}
	split := make([]*float64, len(c.SplitTestScore))
	for i, x := range c.SplitTestScore {
		split[i] = nullable(x)
	}
	return json.Marshal(struct {
		plain
		SplitTestScore []*float64 `json:"split_test_score"`
		MeanTestScore  *float64   `json:"mean_test_score"`
		StdTestScore   *float64   `json:"std_test_score"`
	}{plain(c), split, nullable(c.MeanTestScore), nullable(c.StdTestScore)})
}

// UnmarshalJSON reads c, a null score as NaN.
func (c *Candidate) UnmarshalJSON(b []byte) error {
	type plain Candidate
	var in struct {
		plain
		SplitTestScore []*float64 `json:"split_test_score"`
		MeanTestScore  *float64   `json:"mean_test_score"`
		StdTestScore   *float64   `json:"std_test_score"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	val := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	*c = Candidate(in.plain)
	c.SplitTestScore = make([]float64, len(in.SplitTestScore))
	for i, p := range in.SplitTestScore {
		c.SplitTestScore[i] = val(p)
	}
	c.MeanTestScore, c.StdTestScore = val(in.MeanTestScore), val(in.StdTestScore)
	return nil
}
