package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/mlforge/mlforge/data/loader"
	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/modelselection"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
	"github.com/mlforge/mlforge/spec"
)

// MaxNetCandidates bounds the candidates of a search over a network: each
// is planned by Check and trained, so the bound is far below a classic
// search's MaxCandidates.
const MaxNetCandidates = 100

// netCandidate is one candidate of a network search: its parameters and
// its spec, checked and planned.
type netCandidate struct {
	params map[string]json.RawMessage
	plan   *Plan
}

// gridKeyPath is the field path of a grid key ("optimizer.lr" is quoted).
func gridKeyPath(gpath, key string) string { return gpath + "[" + text.Quote(key) + "]" }

// checkNetSearch makes every candidate's spec (spec.WithNetParams) and
// checks it as a spec of its own: its values, its layers planned on the
// data's shape and its memory estimate against the budget, before any is
// trained.
func (p *Plan) checkNetSearch(c *problems) {
	se := p.spec.Search
	grids, gpath := se.ParamGrid, "search.param_grid"
	if se.Type == "RandomizedSearchCV" {
		grids, gpath = se.ParamDistributions, "search.param_distributions"
		if se.NIter > MaxNetCandidates {
			c.add("search.n_iter", fmt.Sprintf("expected at most %d candidates for a network (each is trained), got %d", MaxNetCandidates, se.NIter))
			return
		}
	} else if n := gridSize(grids); n < 0 || n > MaxNetCandidates {
		c.add(gpath, fmt.Sprintf("the grid has more than %d candidates; a network search trains each, search fewer values", MaxNetCandidates))
		return
	}
	cands, err := candidates(se)
	if err != nil {
		c.add("search", err.Error())
		return
	}
	if len(cands) == 0 {
		c.add("search", errNoCandidates.Error())
		return
	}
	if se.CV != nil {
		// Folds known without the data (KFold's n_splits) bound the
		// trainings now; the others are bounded once the data is read.
		if sp, _, err := splitterFor(se.CV, p.spec.ModelTask(), "search.cv"); err == nil {
			if k, err := sp.NSplits(0); err == nil && k > 0 && len(cands)*k > MaxNetFits {
				c.add("search.cv", fmt.Sprintf("%d candidates × %d folds are %d trainings; a network search trains at most %d, use fewer folds or candidates", len(cands), k, len(cands)*k, MaxNetFits))
				return
			}
		}
	}
	out := make([]netCandidate, 0, len(cands))
	for i, cand := range cands {
		what := fmt.Sprintf("candidate %d %s", i+1, DescribeParams(cand))
		cs, err := p.spec.WithNetParams(cand)
		if err != nil {
			c.add(gpath, what+": "+err.Error())
			return
		}
		cp, err := Check(cs, p.opt)
		if err != nil {
			var list spec.Errors
			if !errors.As(err, &list) {
				c.add("search", what+": "+err.Error())
				return
			}
			for _, e := range list {
				c.add(candidatePath(gpath, e.Path, cand), what+": "+e.Msg)
			}
			return
		}
		if cp.Net == nil || cp.netPlan == nil {
			c.add("search", what+": the candidate's network could not be planned")
			return
		}
		out = append(out, netCandidate{params: cand, plan: cp})
	}
	p.netCands = out
}

// candidatePath is the grid key a candidate's problem at path is about,
// or path itself when it is about none of them.
func candidatePath(gpath, path string, cand map[string]json.RawMessage) string {
	for _, k := range sortedKeys(cand) {
		if path == k || strings.HasPrefix(path, k+".") || strings.HasPrefix(path, k+"[") ||
			strings.HasPrefix(k, path+".") || strings.HasPrefix(k, path+"[") {
			return gridKeyPath(gpath, k)
		}
	}
	return path
}

// newTrainer builds the network of the plan (its budget was checked by
// Check), its loss, optimizer and scheduler, to train s on d writing
// checkpoints to dir ("" for none).
func (p *Plan) newTrainer(rep ml.Reporter, d *netData, s *spec.Spec, dir string) (*trainer, error) {
	rng := rand.New(rand.NewPCG(uint64(s.Seed), 0x6d6c666f726765))
	seq := p.netPlan.Build(rng)
	loss, err := nn.NewLoss(s.Criterion.Type, s.Criterion.Params)
	if err != nil {
		return nil, err
	}
	if w := nn.DeprecationWarning(loss); w != "" { // size_average, reduce
		rep.Report(ml.Event{Kind: "log", Message: "warning: criterion " + s.Criterion.Type + ": " + w})
	}
	vars, err := p.pretrainedVars(rep, seq) // pretrained_weights and freeze (pretrained.go)
	if err != nil {
		return nil, err
	}
	o, err := optim.New(s.Optimizer.Type, vars, s.Optimizer.Params)
	if err != nil {
		return nil, err
	}
	var sched optim.EpochScheduler
	if s.Scheduler != nil {
		if sched, err = optim.NewScheduler(s.Scheduler.Type, o, s.Scheduler.Params); err != nil {
			return nil, err
		}
	}
	return &trainer{s: s, opt: p.opt, rep: rep, seq: seq, loss: loss, optim: o, vars: vars, sched: sched, d: d, dir: dir,
		task: p.Net.Task, hash: specHash(s), ncrops: max(p.Net.NCrops, 1)}, nil
}

// MaxNetFits bounds the trainings of a network search: candidates ×
// folds (× iterations for HalvingGridSearchCV is bounded by it too, since
// each iteration keeps fewer candidates).
const MaxNetFits = 500

// holdout splits the training part of d as data.split splits the data
// (its test_size, seed and stratification) into one fold: the candidates
// train on its first part and are scored on the second, without
// augmentations.
func (p *Plan) holdout(d *netData) (modelselection.Fold, string, error) {
	n := d.train.Len()
	labels := make([]int, n)
	if p.Net.Task == ml.Classification {
		pos := make(map[float64]int, len(d.classes))
		for i, c := range d.classes {
			pos[c] = i
		}
		for i, y := range d.yTrain {
			labels[i] = pos[y]
		}
	}
	tr, va, err := splitIndices(p.spec, labels)
	if err != nil {
		return modelselection.Fold{}, "", spec.Errors{{Path: "data.split", Msg: "splitting the training part for the search: " + err.Error()}}
	}
	if len(tr) == 0 || len(va) == 0 {
		return modelselection.Fold{}, "", spec.Errors{{Path: "data.split.test_size", Msg: fmt.Sprintf("the search's hold-out split of %d training samples leaves a part empty", n)}}
	}
	desc := fmt.Sprintf("hold-out (test_size=%g of the training part: %d train, %d validation)", p.spec.Data.Split.TestSize, len(tr), len(va))
	return modelselection.Fold{Train: tr, Test: va}, desc, nil
}

// netFolds returns the folds a network search scores its candidates on:
// search.cv's over the training samples (a number of folds is
// StratifiedKFold for a classifier, KFold for a regressor, as
// scikit-learn's cv=N), or without search.cv the hold-out split. The
// trainings (candidates × folds) are bounded by MaxNetFits.
func (p *Plan) netFolds(d *netData) ([]modelselection.Fold, string, error) {
	n := d.train.Len()
	if len(d.yTrain) != n {
		return nil, "", fmt.Errorf("train: %d training targets for %d samples", len(d.yTrain), n)
	}
	se := p.spec.Search
	if se.CV == nil {
		f, desc, err := p.holdout(d)
		if err != nil {
			return nil, "", err
		}
		return []modelselection.Fold{f}, desc, nil
	}
	sp, desc, err := splitterFor(se.CV, p.Net.Task, "search.cv")
	if err != nil {
		return nil, "", err
	}
	k, err := sp.NSplits(n)
	if err != nil {
		return nil, "", spec.Errors{{Path: "search.cv", Msg: err.Error()}}
	}
	if fits := budget.Mul(int64(len(p.netCands)), int64(k), 1); fits > MaxNetFits {
		return nil, "", spec.Errors{{Path: "search.cv", Msg: fmt.Sprintf("%d candidates × %d folds are %d trainings; a network search trains at most %d, use fewer folds or candidates", len(p.netCands), k, fits, MaxNetFits)}}
	}
	if err := p.opt.Limits.OrDefault().CheckRun("search.cv", "the folds' sample indices", budget.Mul(int64(k), int64(n), 8), fmt.Sprintf("%d folds of %d samples", k, n)); err != nil {
		return nil, "", err
	}
	nPath := "search.cv.n_splits"
	if se.CV.Type == "" {
		nPath = "search.cv"
	}
	var y []float64
	if p.Net.Task == ml.Classification {
		y = d.yTrain
		if err := checkSmallestClass(sp, y, nPath); err != nil {
			return nil, "", err
		}
	}
	folds, err := sp.Split(n, y, nil)
	if err != nil {
		return nil, "", spec.Errors{{Path: "search.cv", Msg: err.Error()}}
	}
	for i, f := range folds {
		if len(f.Train) == 0 || len(f.Test) == 0 {
			return nil, "", spec.Errors{{Path: "search.cv", Msg: fmt.Sprintf("fold %d of %d training samples has no training or no test samples", i+1, n)}}
		}
	}
	return folds, desc, nil
}

// fresh returns a copy of a candidate's plan with its layers planned anew:
// NetPlan.Build builds once, and a second trainer of the same plan would
// start from the first one's trained weights (a fold from the previous
// fold's, the refit from the last fold's).
func (p *Plan) fresh() (*Plan, error) {
	pl, _, err := PlanNetwork(p.spec.Model.Layers, p.Net.InShape, p.Net.NLabels)
	if err != nil {
		return nil, err
	}
	q := *p
	q.netPlan = pl
	return &q, nil
}

// subsetNet is the training part of d restricted to a fold: trained on
// fold.Train (with the training transforms), scored on fold.Test (with
// the evaluation ones).
func subsetNet(d *netData, f modelselection.Fold) (*netData, error) {
	in := *d
	in.tests = nil
	var err error
	if in.train, err = loader.Subset(d.train, f.Train); err != nil {
		return nil, err
	}
	if in.trainEval, err = loader.Subset(d.trainEval, f.Train); err != nil {
		return nil, err
	}
	if in.test, err = loader.Subset(d.trainEval, f.Test); err != nil {
		return nil, err
	}
	pick := func(idx []int) []float64 {
		out := make([]float64, len(idx))
		for i, j := range idx {
			out[i] = d.yTrain[j]
		}
		return out
	}
	in.yTrain, in.yTest = pick(f.Train), pick(f.Test)
	return &in, nil
}

// runNetSearch trains every candidate of a network search on each fold
// of search.cv (or on a hold-out split of the training part), scores it
// on the fold's test samples, ranks the candidates as scikit-learn does
// and returns the result with the best candidate's plan, which the run
// then trains on the whole training part (refit). A HalvingGridSearchCV
// halves the candidates on growing subsamples of each fold (resource
// n_samples, halve). Each candidate reports a "trial" event; its epochs
// are not reported, so that the run's epoch chart is the refit's. A
// candidate that fails (its loss diverging, say) scores the search's
// error_score, NaN by default, and the search goes on; with
// error_score="raise" it stops the search with its error (a
// DivergedError), naming it (errorscore.go).
func (p *Plan) runNetSearch(ctx context.Context, rep ml.Reporter, d *netData) (*SearchResult, *Plan, error) {
	se := p.spec.Search
	metric, negate, err := spec.Scorer(se.Scoring)
	if err != nil {
		return nil, nil, spec.Errors{{Path: "search.scoring", Msg: err.Error()}}
	}
	folds, desc, err := p.netFolds(d)
	if err != nil {
		return nil, nil, err
	}
	if len(folds) == 1 && se.CV == nil {
		rep.Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("%s: %d candidates, each trained once on a %s, scoring %s", se.Type, len(p.netCands), desc, se.Scoring)})
	} else {
		rep.Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("%s: %d candidates × %d folds of %s, scoring %s", se.Type, len(p.netCands), len(folds), desc, se.Scoring)})
	}
	quiet := ml.ReporterFunc(func(e ml.Event) {
		if e.Kind == "log" {
			rep.Report(e)
		}
	})
	byParams := make(map[string]int, len(p.netCands))
	cands := make([]map[string]json.RawMessage, len(p.netCands))
	for i, nc := range p.netCands {
		cands[i] = nc.params
		if _, ok := byParams[DescribeParams(nc.params)]; !ok {
			byParams[DescribeParams(nc.params)] = i
		}
	}
	res := &SearchResult{Type: se.Type, Scoring: se.Scoring, Splitter: desc}
	// plans[r] is the plan of the candidate of row r of cv_results_.
	var plans []*Plan
	trainings := 0
	var firstErr error // the first candidate's failure (errorscore.go)
	evaluate := func(cands []map[string]json.RawMessage, folds []modelselection.Fold, iter, nRes int) ([]int, error) {
		var rows []int
		for _, params := range cands {
			nc := p.netCands[byParams[DescribeParams(params)]]
			i := len(res.Results)
			if trainings += len(folds); trainings > MaxNetFits {
				return nil, spec.Errors{{Path: "search", Msg: fmt.Sprintf("the search would train more than %d networks; search fewer candidates or folds", MaxNetFits)}}
			}
			row, err := p.netCandidate(ctx, quiet, d, nc, i, folds, metric.Name, negate)
			if err != nil {
				if stop := stopsSearch(ctx, se, err); stop != nil {
					return nil, stop
				}
				if firstErr == nil {
					firstErr = err
				}
				row = failedRow(se, nc.params, len(folds), err.Error())
				reportFailed(rep, se, i, nc.params, err.Error())
			}
			row.Iter, row.NResources, row.spec = iter, nRes, nc.plan.spec
			res.Results = append(res.Results, row)
			plans = append(plans, nc.plan)
			rows = append(rows, i)
			rep.Report(ml.Event{Kind: "trial", Step: i + 1, Message: DescribeParams(nc.params),
				Metrics: map[string]float64{"search_mean_test_score": row.MeanTestScore, "search_std_test_score": row.StdTestScore, "search_mean_fit_time": row.MeanFitTime}})
		}
		return rows, nil
	}
	if se.Type == "HalvingGridSearchCV" {
		if err := p.halve(res, evaluate, cands, folds, d.train.Len(), d.yTrain); err != nil {
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
	refit, err := plans[res.BestIndex].fresh()
	if err != nil {
		return nil, nil, err
	}
	return res, refit, nil
}

// netCandidate trains candidate nc (row i of cv_results_) on each of
// folds of d and scores it by metric (negated for a "neg_" scorer): its
// row. A failure of its own (building, training or scoring it, its loss
// diverging) is a *candidateError, which the search's error_score covers.
func (p *Plan) netCandidate(ctx context.Context, quiet ml.Reporter, d *netData, nc netCandidate, i int, folds []modelselection.Fold, metric string, negate bool) (Candidate, error) {
	what := fmt.Sprintf("search candidate %d %s", i+1, DescribeParams(nc.params))
	own := func(err error) error { return &candidateError{err} }
	row := Candidate{Params: nc.params}
	fit, score := make([]float64, len(folds)), make([]float64, len(folds))
	for j, fo := range folds {
		if err := ctx.Err(); err != nil {
			return Candidate{}, err
		}
		part, err := subsetNet(d, fo)
		if err != nil {
			return Candidate{}, fmt.Errorf("%s: %w", what, err)
		}
		cp, err := nc.plan.fresh()
		if err != nil {
			return Candidate{}, fmt.Errorf("%s: %w", what, err)
		}
		cs := *cp.spec
		cs.Metrics = []string{metric}
		tr, err := cp.newTrainer(quiet, part, &cs, "")
		if err != nil {
			return Candidate{}, own(fmt.Errorf("%s: %w", what, err))
		}
		t0 := time.Now()
		err = tr.fit(ctx)
		var de *DivergedError
		if errors.As(err, &de) {
			return Candidate{}, own(fmt.Errorf("%s: %w; leave the value out of the search", what, err))
		}
		if err != nil {
			return Candidate{}, own(fmt.Errorf("%s: %w", what, err))
		}
		fit[j] = time.Since(t0).Seconds()
		t1 := time.Now()
		scores, _, _, _, err := tr.score(ctx, part.test, part.yTest)
		if err != nil {
			return Candidate{}, own(fmt.Errorf("%s: scoring fold %d: %w", what, j+1, err))
		}
		score[j] = time.Since(t1).Seconds()
		v := scores[metric]
		if negate {
			v = -v
		}
		row.SplitTestScore = append(row.SplitTestScore, v)
	}
	row.MeanTestScore, row.StdTestScore = meanStd(row.SplitTestScore)
	row.MeanFitTime, row.StdFitTime = meanStd(fit)
	row.MeanScoreTime, row.StdScoreTime = meanStd(score)
	return row, nil
}
