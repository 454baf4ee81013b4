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
	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/ml"
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
	return &trainer{s: s, opt: p.opt, rep: rep, seq: seq, loss: loss, optim: o, sched: sched, d: d, dir: dir,
		task: p.Net.Task, hash: specHash(s), ncrops: max(p.Net.NCrops, 1)}, nil
}

// holdout splits the training part of d as data.split splits the data
// (its test_size, seed and stratification): the candidates train on the
// first part and are scored on the second, without augmentations.
func (p *Plan) holdout(d *netData) (*netData, string, error) {
	n := d.train.Len()
	if len(d.yTrain) != n {
		return nil, "", fmt.Errorf("train: %d training targets for %d samples", len(d.yTrain), n)
	}
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
		return nil, "", spec.Errors{{Path: "data.split", Msg: "splitting the training part for the search: " + err.Error()}}
	}
	if len(tr) == 0 || len(va) == 0 {
		return nil, "", spec.Errors{{Path: "data.split.test_size", Msg: fmt.Sprintf("the search's hold-out split of %d training samples leaves a part empty", n)}}
	}
	in := *d
	in.testFiles = nil
	if in.train, err = loader.Subset(d.train, tr); err != nil {
		return nil, "", err
	}
	if in.trainEval, err = loader.Subset(d.trainEval, tr); err != nil {
		return nil, "", err
	}
	if in.test, err = loader.Subset(d.trainEval, va); err != nil {
		return nil, "", err
	}
	pick := func(idx []int) []float64 {
		out := make([]float64, len(idx))
		for i, j := range idx {
			out[i] = d.yTrain[j]
		}
		return out
	}
	in.yTrain, in.yTest = pick(tr), pick(va)
	desc := fmt.Sprintf("hold-out (test_size=%g of the training part: %d train, %d validation)", p.spec.Data.Split.TestSize, len(tr), len(va))
	return &in, desc, nil
}

// runNetSearch trains every candidate of a network search on a hold-out
// split of the training part, scores it on the held-out samples, ranks
// the candidates as scikit-learn does and returns the result with the
// best candidate's plan, which the run then trains on the whole training
// part (refit). Each candidate reports a "trial" event; its epochs are
// not reported, so that the run's epoch chart is the refit's. A candidate
// whose loss diverges stops the search with its DivergedError, naming it.
func (p *Plan) runNetSearch(ctx context.Context, rep ml.Reporter, d *netData) (*SearchResult, *Plan, error) {
	se := p.spec.Search
	metric, negate, err := spec.Scorer(se.Scoring)
	if err != nil {
		return nil, nil, spec.Errors{{Path: "search.scoring", Msg: err.Error()}}
	}
	in, desc, err := p.holdout(d)
	if err != nil {
		return nil, nil, err
	}
	rep.Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("%s: %d candidates, each trained once on a %s, scoring %s", se.Type, len(p.netCands), desc, se.Scoring)})
	quiet := ml.ReporterFunc(func(e ml.Event) {
		if e.Kind == "log" {
			rep.Report(e)
		}
	})
	res := &SearchResult{Type: se.Type, Scoring: se.Scoring, Splitter: desc}
	for i, nc := range p.netCands {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		what := fmt.Sprintf("search candidate %d %s", i+1, DescribeParams(nc.params))
		cs := *nc.plan.spec
		cs.Metrics = []string{metric.Name}
		tr, err := nc.plan.newTrainer(quiet, in, &cs, "")
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", what, err)
		}
		t0 := time.Now()
		err = tr.fit(ctx)
		var de *DivergedError
		if errors.As(err, &de) {
			return nil, nil, fmt.Errorf("%s: %w; leave the value out of the search", what, err)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", what, err)
		}
		fit := time.Since(t0).Seconds()
		t1 := time.Now()
		scores, _, _, _, err := tr.score(ctx, in.test, in.yTest)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: scoring the hold-out part: %w", what, err)
		}
		v := scores[metric.Name]
		if negate {
			v = -v
		}
		row := Candidate{Params: nc.params, SplitTestScore: []float64{v}, MeanTestScore: v,
			MeanFitTime: fit, MeanScoreTime: time.Since(t1).Seconds(), spec: nc.plan.spec}
		res.Results = append(res.Results, row)
		rep.Report(ml.Event{Kind: "trial", Step: i + 1, Message: DescribeParams(nc.params),
			Metrics: map[string]float64{"search_mean_test_score": row.MeanTestScore, "search_std_test_score": 0, "search_mean_fit_time": row.MeanFitTime}})
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
	rep.Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("best %s %.6g: %s; refit on the training part", se.Scoring, res.BestScore, DescribeParams(res.BestParams))})
	return res, p.netCands[res.BestIndex].plan, nil
}
