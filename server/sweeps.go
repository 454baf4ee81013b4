package server

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/artifacts"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/store"
	"github.com/mlforge/mlforge/train"
)

// Sweeps in the service: a run whose spec has a classic GridSearchCV or
// RandomizedSearchCV, or a top-level cv, fans its candidates or folds out
// as child runs that any worker trains (train.PlanSweep, jobs' sweep.go),
// at most the spec's max_parallel at once (spec.DefaultMaxParallel when
// it does not say). The parent gathers them into cv_results_ (a failed
// child scores NaN, as error_score=nan, with its error), refits the best
// and saves the model as the one-process run does. The command line's
// train runs everything in one process.

// sweepFanout is the jobs.Config.Fanout of the data folder dataDir.
func sweepFanout(dataDir string, limits jobs.Limits, art *artifacts.Store) func(ctx context.Context, run *store.Run) (*jobs.Fanout, error) {
	return func(ctx context.Context, run *store.Run) (*jobs.Fanout, error) {
		if run.Class == CollectClass {
			return nil, nil
		}
		sp, err := spec.Parse(run.Spec)
		if err != nil {
			return nil, err
		}
		if sp.Search == nil && sp.CV == nil {
			return nil, nil
		}
		files, err := filepath.Abs(filepath.Join(dataDir, "files"))
		if err != nil {
			return nil, err
		}
		if err := fetchUploads(ctx, art, files, sp); err != nil {
			return nil, err
		}
		sw, why, err := train.PlanSweep(ctx, sp, train.Options{Root: files, Restrict: true, Limits: limits.Budget()})
		if err != nil {
			s := &Server{paths: newPathScrubber(dataDir, files)}
			return nil, s.scrubErr(err)
		}
		if sw == nil {
			return &jobs.Fanout{Note: "the search or cross-validation trains in this run, not as child runs: " + why}, nil
		}
		fo := &jobs.Fanout{MaxParallel: sw.MaxParallel}
		for i, ts := range sw.Trials {
			b, err := json.Marshal(ts)
			if err != nil {
				return nil, err
			}
			what := "trial"
			if sw.Kind == "cv" {
				what = "fold"
			}
			fo.Children = append(fo.Children, &store.Run{Name: childName(run.Name, what, i), Class: run.Class, Spec: b})
		}
		return fo, nil
	}
}

// childName is the name of child i of a run named parent: parent-trial-3
// (1-based), the parent's name shortened to keep within 64 characters.
func childName(parent, what string, i int) string {
	suffix := fmt.Sprintf("-%s-%d", what, i+1)
	if len(parent)+len(suffix) > 64 {
		parent = parent[:64-len(suffix)]
	}
	return parent + suffix
}

// runTrial trains a sweep's child: its candidate or fold (train.RunTrial).
// Its result holds the trial's row (or fold) and, as its test metrics, a
// candidate's mean_test_score and std_test_score or a fold's scores.
func runTrial(ctx context.Context, dataDir string, limits jobs.Limits, art *artifacts.Store, run *store.Run, sp *spec.Spec, files string, rec jobs.Progress) (json.RawMessage, error) {
	if err := fetchUploads(ctx, art, files, sp); err != nil {
		return nil, err
	}
	tr, err := train.RunTrial(ctx, sp, train.Options{Root: files, Restrict: true, Limits: limits.Budget()}, run.ChildIndex)
	if err != nil {
		s := &Server{paths: newPathScrubber(dataDir, files)}
		return nil, s.scrubErr(err)
	}
	test := map[string]float64{}
	switch {
	case tr.Candidate != nil:
		test["mean_test_score"], test["std_test_score"] = tr.Candidate.MeanTestScore, tr.Candidate.StdTestScore
	case tr.Fold != nil:
		for k, v := range tr.Fold.Test {
			test[k] = v
		}
	}
	final := map[string]float64{}
	for k, v := range test {
		final["test_"+k] = v
	}
	rec.Metrics(final, 0)
	return json.Marshal(map[string]any{"trial": tr, "metrics": map[string]any{"test": modelValues(test)}})
}

// modelValues writes non-finite values as null, as model.Values does.
type modelValues map[string]float64

func (v modelValues) MarshalJSON() ([]byte, error) {
	out := make(map[string]*float64, len(v))
	for k, x := range v {
		if x == x && x-x == 0 { // finite
			out[k] = &x
		} else {
			out[k] = nil
		}
	}
	return json.Marshal(out)
}

// trialOutcomes converts a parent's gathered children for train.
func trialOutcomes(trials []store.Trial) []train.TrialOutcome {
	out := make([]train.TrialOutcome, len(trials))
	for i, t := range trials {
		out[i] = train.TrialOutcome{Index: t.Index, Error: t.Error}
		if t.Error == "" {
			var res struct {
				Trial json.RawMessage `json:"trial"`
			}
			if err := json.Unmarshal(t.Result, &res); err != nil || len(res.Trial) == 0 {
				out[i].Error = "the child run left no result"
				continue
			}
			out[i].Result = res.Trial
		}
	}
	return out
}

// withChildren adds a sweep parent's children to its view.
func (s *Server) withChildren(ctx context.Context, v *api.Run) error {
	kids, err := s.store.Children(ctx, v.ID)
	if err != nil || len(kids) == 0 {
		return err
	}
	v.Children = make([]api.ChildRun, len(kids))
	for i, k := range kids {
		kv := view(k, false)
		v.Children[i] = api.ChildRun{ID: k.ID, Name: k.Name, Index: k.ChildIndex, Status: k.Status, Params: kv.Params, Metrics: kv.Metrics, Error: k.Error}
	}
	return nil
}
