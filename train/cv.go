package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/suggest"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/modelselection"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
)

// CVResult is the outcome of a cross-validation (scikit-learn's
// cross_validate): each fold's test scores and times, and their means and
// standard deviations (numpy's, ddof=0).
type CVResult struct {
	// Splitter is the cross-validator as scikit-learn would write it.
	Splitter string `json:"splitter"`
	// Metrics are the names of the scores, the spec's metrics.
	Metrics []string    `json:"metrics"`
	Folds   []FoldScore `json:"folds"`
	// Mean and Std hold, per metric and for "fit_time" and "score_time"
	// (seconds), the mean and the standard deviation over the folds.
	Mean model.Values `json:"mean"`
	Std  model.Values `json:"std"`
}

// FoldScore is one fold of a cross-validation.
type FoldScore struct {
	NTrain    int          `json:"n_train"`
	NTest     int          `json:"n_test"`
	FitTime   float64      `json:"fit_time"`
	ScoreTime float64      `json:"score_time"`
	Test      model.Values `json:"test"`
	// Error is why the fold failed, in the service's sweeps (sweep.go),
	// where a failed fold scores NaN and the cross-validation goes on.
	Error string `json:"error,omitempty"`
}

// splitterFor builds the cross-validator of a validated cv for a model of
// task t; path names the cv in errors.
func splitterFor(cv *spec.CV, t ml.Task, path string) (modelselection.Splitter, string, error) {
	name, params := cv.Splitter(t)
	sp, err := modelselection.NewSplitter(name, params)
	if err != nil {
		return nil, "", spec.Errors{{Path: path, Msg: err.Error()}}
	}
	return sp, modelselection.DescribeSplitter(name, sp), nil
}

// makeFolds splits the rows of f with sp after checking that the folds
// fit in the run's memory budget and, for a stratified cross-validator,
// that n_splits is not larger than the smallest class (scikit-learn only
// warns; a fold without a class scores it wrongly). path names the cv.
func makeFolds(l budget.Limits, sp modelselection.Splitter, f *data.Frame, groups []float64, path string, cv *spec.CV) ([]modelselection.Fold, error) {
	n := f.Len()
	k, err := sp.NSplits(n)
	if err != nil {
		return nil, spec.Errors{{Path: path, Msg: err.Error()}}
	}
	if err := l.OrDefault().CheckRun(path, "the folds' row indices", budget.Mul(int64(k), int64(n), 8), fmt.Sprintf("%d folds of %d rows", k, n)); err != nil {
		return nil, err
	}
	nPath := path + ".n_splits"
	if cv.Type == "" {
		nPath = path // "cv": N
	}
	if err := checkSmallestClass(sp, f.Y, nPath); err != nil {
		return nil, err
	}
	folds, err := sp.Split(n, f.Y, groups)
	if err != nil {
		return nil, spec.Errors{{Path: path, Msg: err.Error()}}
	}
	return folds, nil
}

// checkSmallestClass refuses a stratified k-fold with more folds than
// the smallest class of y has rows.
func checkSmallestClass(sp modelselection.Splitter, y []float64, nPath string) error {
	var k int
	switch s := sp.(type) {
	case *modelselection.StratifiedKFold:
		k = s.Splits
	case *modelselection.RepeatedStratifiedKFold:
		k = s.Splits
	default:
		return nil
	}
	counts := map[float64]int{}
	for _, v := range y {
		counts[v]++
	}
	least, label := math.MaxInt, 0.0
	for c, v := range counts {
		if v < least || v == least && c < label {
			least, label = v, c
		}
	}
	if len(counts) > 0 && k > least {
		return spec.Errors{{Path: nPath, Msg: fmt.Sprintf("n_splits=%d is larger than the smallest class of the training part (class %s has %d rows); use at most %d folds",
			k, strconv.FormatFloat(label, 'g', -1, 64), least, least)}}
	}
	return nil
}

// foldReporter receives each fold's scores as it is done.
type foldReporter func(i int, fs FoldScore)

// crossValidate fits a fresh pipeline (build) on each fold's training rows
// of f, weighted by those rows of w (data.sample_weight, nil for none) as
// scikit-learn's fit_params are, and scores it unweighted on the fold's
// test rows with the named metrics, as scikit-learn 1.2's scorers do.
func crossValidate(ctx context.Context, build func() (*ml.Pipeline, error), folds []modelselection.Fold, f *data.Frame, w []float64, names []string, report foldReporter) ([]FoldScore, error) {
	out := make([]FoldScore, len(folds))
	for i, fo := range folds {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pipe, err := build()
		if err != nil {
			return nil, err
		}
		tr, te, err := foldParts(f, fo.Train, fo.Test, pairwise(pipe.Final)) // precomputed.go
		if err != nil {
			return nil, err
		}
		// Estimators report their own iterations; the folds are the
		// progress here.
		fctx := ml.WithProgress(ctx, ml.ReporterFunc(func(ml.Event) {}))
		t0 := time.Now()
		if err := bindColumns(pipe, f.Features); err != nil {
			return nil, err
		}
		if err := pipe.FitWeighted(fctx, tr.X, tr.Y, rowsOf(w, fo.Train)); err != nil {
			return nil, fmt.Errorf("fold %d: %w", i+1, err)
		}
		t1 := time.Now()
		var classes []float64
		if c, ok := pipe.Final.(ml.Classifier); ok {
			classes = c.Classes()
		}
		scores, _, err := Score(pipe, te.X, te.Y, classes, names)
		if err != nil {
			return nil, fmt.Errorf("fold %d: %w", i+1, err)
		}
		out[i] = FoldScore{NTrain: len(fo.Train), NTest: len(fo.Test), FitTime: t1.Sub(t0).Seconds(), ScoreTime: time.Since(t1).Seconds(), Test: scores}
		if report != nil {
			report(i, out[i])
		}
	}
	return out, nil
}

// meanStd returns numpy's mean and std (ddof=0) of xs, as GridSearchCV
// computes them: np.average, then the root of the average squared
// deviation.
func meanStd(xs []float64) (mean, std float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(xs)))
}

// runCV cross-validates the spec's pipeline on the training part, reporting
// a "fold" event per fold whose metrics become the run's per-fold series
// (cv_<metric>, cv_fit_time, cv_score_time).
func (p *Plan) runCV(ctx context.Context, rep ml.Reporter, f *data.Frame, groups, w []float64) (*CVResult, error) {
	s := p.spec
	sp, desc, err := splitterFor(s.CV, s.ModelTask(), "cv")
	if err != nil {
		return nil, err
	}
	folds, err := makeFolds(p.opt.Limits, sp, f, groups, "cv", s.CV)
	if err != nil {
		return nil, err
	}
	rep.Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("cross-validate %s: %d folds", desc, len(folds))})
	build := func() (*ml.Pipeline, error) { return p.pipeline(s) }
	fs, err := crossValidate(ctx, build, folds, f, w, s.Metrics, func(i int, fs FoldScore) {
		m := map[string]float64{"cv_fit_time": fs.FitTime, "cv_score_time": fs.ScoreTime}
		for k, v := range fs.Test {
			m["cv_"+k] = v
		}
		rep.Report(ml.Event{Kind: "fold", Step: i + 1, Total: len(folds), Metrics: m})
	})
	if err != nil {
		return nil, err
	}
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
	return res, nil
}

// modelSelection runs the spec's cross-validation or search on the
// training part before the final fit. With a search, the pipeline the run
// fits and saves becomes the best candidate's (refit).
func (p *Plan) modelSelection(ctx context.Context, rep ml.Reporter, res *Result, pipe **ml.Pipeline, f *data.Frame, groups, w []float64) error {
	s := p.spec
	if p.opt.Trials != nil { // a sweep's trials, trained as child runs (sweep.go)
		var err error
		if s.CV != nil {
			res.CV, err = p.gatherCV(rep, f)
		} else if s.Search != nil {
			res.Search, *pipe, err = p.gatherSearch(rep, f)
		}
		return err
	}
	if s.CV != nil {
		cv, err := p.runCV(ctx, rep, f, groups, w)
		if err != nil {
			return err
		}
		res.CV = cv
	}
	if s.ValidationCurve != nil || s.LearningCurve != nil {
		cr, err := p.runCurve(ctx, rep, f, groups, w)
		if err != nil {
			return err
		}
		res.Curve = cr
	}
	if s.Search != nil {
		sr, best, err := p.runSearch(ctx, rep, f, groups, w)
		if err != nil {
			return err
		}
		res.Search = sr
		*pipe = best
	}
	return nil
}

// selectionMetrics adds the cross-validation's or search's summary to the
// run's metrics: "cv" holds each metric's mean and <metric>_std (and the
// times); a search adds best_score (the refit candidate's mean test score).
func selectionMetrics(res *Result) {
	if res.CV != nil {
		m := model.Values{}
		for k, v := range res.CV.Mean {
			m[k] = v
			m[k+"_std"] = res.CV.Std[k]
		}
		res.Metrics["cv"] = m
	}
	if res.Search != nil {
		best := res.Search.Results[res.Search.BestIndex]
		res.Metrics["cv"] = model.Values{
			"best_score": best.MeanTestScore, "best_score_std": best.StdTestScore,
			"candidates": float64(len(res.Search.Results)),
		}
	}
}

// selectionJSON is what the model file keeps of the cross-validation, the
// search or the curve, and of the permutation importance
// (Manifest.Selection).
func selectionJSON(res *Result) (json.RawMessage, error) {
	m := map[string]any{}
	switch {
	case res.CV != nil:
		m["cross_validate"] = res.CV
	case res.Search != nil:
		m["search"] = res.Search
	case res.Curve != nil:
		m[res.Curve.Kind] = res.Curve
	}
	if res.Permutation != nil {
		m["permutation_importance"] = res.Permutation
	}
	if len(m) == 0 {
		return nil, nil
	}
	return json.Marshal(m)
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var errNoCandidates = errors.New("the search has no candidates")

// checkSelection is train.Check's part for cv and search: the number of
// candidates and, when the training data is at hand (a built-in dataset),
// the folds on the training part, n_splits against the smallest class
// included, so that those errors come before any work.
func (p *Plan) checkSelection(c *problems, frame *data.Frame, cols []string) {
	s := p.spec
	if s.IsNetwork() || (s.CV == nil && s.Search == nil && s.ValidationCurve == nil && s.LearningCurve == nil) {
		return
	}
	if col, path := p.groupsColumn(); col != "" && cols != nil {
		target := s.Data.Target
		if target == "" {
			target = cols[len(cols)-1]
		}
		switch {
		case col == target:
			c.add(path, fmt.Sprintf("%q is the target; groups must be another column", col))
			return
		case !slices.Contains(cols, col):
			c.add(path, fmt.Sprintf("no column %q in %s%s; columns: %s", col, s.Data.Train.String(), suggest.Hint(col, cols), strings.Join(cols, ", ")))
			return
		}
	}
	cv, path := s.CV, "cv"
	switch {
	case s.ValidationCurve != nil:
		cv, path = s.ValidationCurve.CV, "validation_curve.cv"
	case s.LearningCurve != nil:
		cv, path = s.LearningCurve.CV, "learning_curve.cv"
	}
	if s.Search != nil {
		cv, path = s.Search.CV, "search.cv"
		grids, gpath := s.Search.ParamGrid, "search.param_grid"
		if s.Search.Type == "RandomizedSearchCV" {
			grids, gpath = s.Search.ParamDistributions, "search.param_distributions"
		}
		lists := true
		for _, g := range grids {
			for _, v := range g {
				lists = lists && v.Dist == nil
			}
		}
		if lists && gridSize(grids) < 0 {
			c.add(gpath, fmt.Sprintf("the grid has more than %d candidates; search fewer values", MaxCandidates))
		}
		if s.Search.NIter > MaxCandidates {
			c.add("search.n_iter", fmt.Sprintf("expected at most %d candidates, got %d", MaxCandidates, s.Search.NIter))
		}
	}
	if cv == nil || frame == nil || frame.Y == nil {
		return
	}
	train := frame
	if s.Data.Test.IsZero() {
		var err error
		if train, _, err = frame.Split(s.Data.Split.TestSize, s.Data.Split.Seed, s.Data.Split.Stratify != nil && *s.Data.Split.Stratify); err != nil {
			return // the run reports it
		}
	}
	train, _, groups, err := p.takeGroups(train, nil)
	if err != nil {
		return // the column was checked above
	}
	sp, _, err := splitterFor(cv, s.ModelTask(), path)
	if err != nil {
		return // reported by Validate
	}
	if _, err := makeFolds(p.opt.Limits, sp, train, groups, path, cv); err != nil {
		var fe spec.Errors
		if errors.As(err, &fe) {
			*c = append(*c, fe...)
		} else {
			c.addBudget("", err)
		}
	}
}

// groupsColumn returns the column of group labels of the spec's
// cross-validation (cv or search.cv) and its field, or "".
func (p *Plan) groupsColumn() (string, string) {
	s := p.spec
	switch {
	case s.CV != nil && s.CV.Groups != "":
		return s.CV.Groups, "cv.groups"
	case s.Search != nil && s.Search.CV != nil && s.Search.CV.Groups != "":
		return s.Search.CV.Groups, "search.cv.groups"
	case s.ValidationCurve != nil && s.ValidationCurve.CV != nil && s.ValidationCurve.CV.Groups != "":
		return s.ValidationCurve.CV.Groups, "validation_curve.cv.groups"
	case s.LearningCurve != nil && s.LearningCurve.CV != nil && s.LearningCurve.CV.Groups != "":
		return s.LearningCurve.CV.Groups, "learning_curve.cv.groups"
	}
	return "", ""
}

// takeGroups removes the groups column of a GroupKFold from the training
// (and test) frame and returns the training part's group labels; without
// one it returns the frames as they are.
func (p *Plan) takeGroups(trainF, testF *data.Frame) (*data.Frame, *data.Frame, []float64, error) {
	col, path := p.groupsColumn()
	if col == "" {
		return trainF, testF, nil, nil
	}
	j := slices.Index(trainF.Features, col)
	if j < 0 {
		return nil, nil, nil, spec.Errors{{Path: path, Msg: fmt.Sprintf("no feature column %q in %s; columns: %s", col, trainF.Source, strings.Join(trainF.Features, ", "))}}
	}
	n, _ := trainF.X.Dims()
	groups := make([]float64, n)
	for i := range groups {
		groups[i] = trainF.X.At(i, j)
	}
	trainF = dropColumn(trainF, j)
	if testF != nil {
		if k := slices.Index(testF.Features, col); k >= 0 {
			testF = dropColumn(testF, k)
		}
	}
	return trainF, testF, groups, nil
}

// dropColumn returns f without its feature column j.
func dropColumn(f *data.Frame, j int) *data.Frame {
	r, c := f.X.Dims()
	out := *f
	out.Features = slices.Delete(slices.Clone(f.Features), j, j+1)
	if _, ok := f.Text[f.Features[j]]; ok {
		out.Text = maps.Clone(f.Text)
		delete(out.Text, f.Features[j])
	}
	x := make([]float64, 0, r*(c-1))
	for i := 0; i < r; i++ {
		row := f.X.RawRowView(i)
		x = append(append(x, row[:j]...), row[j+1:]...)
	}
	if r > 0 && c > 1 {
		out.X = mat.NewDense(r, c-1, x)
	} else {
		out.X = &mat.Dense{}
	}
	return &out
}
