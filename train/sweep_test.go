package train_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// runTrials trains every trial of s's sweep as a child run would (each
// from its own spec through JSON), failing those fail says, and runs s
// with the trials gathered.
func runTrials(t *testing.T, src string, fail func(i int) bool) (*train.Result, *train.Sweep) {
	t.Helper()
	s, err := spec.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	sw, why, err := train.PlanSweep(context.Background(), s, train.Options{})
	if err != nil || sw == nil {
		t.Fatalf("no sweep: %q %v", why, err)
	}
	var out []train.TrialOutcome
	for i, ts := range sw.Trials {
		b, _ := json.Marshal(ts)
		cs, err := spec.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		if fail != nil && fail(i) {
			out = append(out, train.TrialOutcome{Index: i, Error: "killed by the test"})
			continue
		}
		r, err := train.RunTrial(context.Background(), cs, train.Options{}, i)
		if err != nil {
			t.Fatal(err)
		}
		rb, _ := json.Marshal(r)
		out = append(out, train.TrialOutcome{Index: i, Result: rb})
	}
	res, err := train.Run(context.Background(), s, train.Options{Trials: out, Output: filepath.Join(t.TempDir(), "g")})
	if err != nil {
		t.Fatal(err)
	}
	return res, sw
}

const sweepSearch = `{"name": "sw", "data": {"train": "builtin:iris"}, "preprocess": [{"type": "StandardScaler"}],
	"model": {"class": "LogisticRegression", "params": {"max_iter": 200}},
	"search": {"type": "GridSearchCV", "param_grid": {"C": [0.01, 0.1, 1, 10, 100, 1000]}, "cv": 4, "max_parallel": 2}, "output": %q}`

// TestSweepSearchMatchesInProcess: a search gathered from its trials has
// the in-process search's cv_results_ (scores, ranks, best) and model
// metrics, the same numbers exactly.
func TestSweepSearchMatchesInProcess(t *testing.T) {
	src := []byte(sprintf(sweepSearch, filepath.Join(t.TempDir(), "m")))
	s, err := spec.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	want, err := train.Run(context.Background(), s, train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, sw := runTrials(t, string(src), nil)
	if sw.Kind != "search" || len(sw.Trials) != 6 || sw.MaxParallel != 2 {
		t.Fatalf("sweep %s of %d trials, max_parallel %d", sw.Kind, len(sw.Trials), sw.MaxParallel)
	}
	sameSearch(t, got.Search, want.Search)
	if !reflect.DeepEqual(got.Metrics["test"], want.Metrics["test"]) {
		t.Errorf("test metrics %v, in-process %v", got.Metrics["test"], want.Metrics["test"])
	}
}

func sameSearch(t *testing.T, got, want *train.SearchResult) {
	t.Helper()
	if len(got.Results) != len(want.Results) || got.BestIndex != want.BestIndex || got.BestScore != want.BestScore {
		t.Fatalf("best %d (%v) of %d, in-process %d (%v) of %d", got.BestIndex, got.BestScore, len(got.Results), want.BestIndex, want.BestScore, len(want.Results))
	}
	for i := range got.Results {
		g, w := got.Results[i], want.Results[i]
		if !reflect.DeepEqual(g.Params, w.Params) || !reflect.DeepEqual(g.SplitTestScore, w.SplitTestScore) ||
			g.MeanTestScore != w.MeanTestScore || g.StdTestScore != w.StdTestScore || g.RankTestScore != w.RankTestScore {
			t.Errorf("candidate %d: %+v, in-process %+v", i, g, w)
		}
	}
}

// TestSweepFailedTrial: a failed candidate scores NaN, ranks last, keeps
// its error, and the search goes on; cv_results_ writes its scores as
// null. Every trial failing fails the run, naming the first error.
func TestSweepFailedTrial(t *testing.T) {
	src := sprintf(sweepSearch, filepath.Join(t.TempDir(), "m"))
	res, _ := runTrials(t, src, func(i int) bool { return i == 2 })
	r := res.Search.Results[2]
	if r.Error != "killed by the test" || !math.IsNaN(r.MeanTestScore) || r.RankTestScore != 6 || res.Search.BestIndex == 2 {
		t.Fatalf("failed candidate: %+v (best %d)", r, res.Search.BestIndex)
	}
	b, err := json.Marshal(res.Search)
	if err != nil {
		t.Fatal(err)
	}
	var back train.SearchResult
	if err := json.Unmarshal(b, &back); err != nil || !math.IsNaN(back.Results[2].SplitTestScore[0]) || back.Results[1].MeanTestScore != res.Search.Results[1].MeanTestScore {
		t.Fatalf("round trip: %v %+v", err, back.Results[2])
	}

	s, _ := spec.Parse([]byte(src))
	sw, _, _ := train.PlanSweep(context.Background(), s, train.Options{})
	var all []train.TrialOutcome
	for i := range sw.Trials {
		all = append(all, train.TrialOutcome{Index: i, Error: "boom"})
	}
	_, err = train.Run(context.Background(), s, train.Options{Trials: all, Output: filepath.Join(t.TempDir(), "g")})
	if err == nil || err.Error() != "every one of the 6 candidates failed; the first: boom" {
		t.Fatalf("all failed: %v", err)
	}
}

// TestSweepCVMatchesInProcess: a cross-validation gathered from its folds
// has the in-process folds' scores and means.
func TestSweepCVMatchesInProcess(t *testing.T) {
	src := sprintf(`{"name": "cvs", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"},
		"cv": {"type": "StratifiedKFold", "n_splits": 5, "shuffle": true, "random_state": 1, "max_parallel": 3}, "output": %q}`, filepath.Join(t.TempDir(), "m"))
	s, err := spec.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want, err := train.Run(context.Background(), s, train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, sw := runTrials(t, src, nil)
	if sw.Kind != "cv" || len(sw.Trials) != 5 || sw.MaxParallel != 3 {
		t.Fatalf("sweep %s of %d trials, max_parallel %d", sw.Kind, len(sw.Trials), sw.MaxParallel)
	}
	for i := range want.CV.Folds {
		if !reflect.DeepEqual(got.CV.Folds[i].Test, want.CV.Folds[i].Test) || got.CV.Folds[i].NTrain != want.CV.Folds[i].NTrain {
			t.Errorf("fold %d: %+v, in-process %+v", i, got.CV.Folds[i], want.CV.Folds[i])
		}
	}
	if got.CV.Mean["accuracy"] != want.CV.Mean["accuracy"] || got.CV.Std["accuracy"] != want.CV.Std["accuracy"] {
		t.Errorf("mean %v, in-process %v", got.CV.Mean, want.CV.Mean)
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// TestSweepNetworkSearchMatchesInProcess: a network search gathered from
// trials (each candidate trained alone from its own spec) has the
// in-process search's rows and refits the same best candidate.
func TestSweepNetworkSearchMatchesInProcess(t *testing.T) {
	for _, cv := range []string{"", `, "cv": 2`} {
		t.Run("cv"+cv, func(t *testing.T) { netSweep(t, cv) })
	}
}

func netSweep(t *testing.T, cv string) {
	s := irisNet(t, `"optimizer": {"type": "Adam", "lr": 0.05}, "epochs": 4,
	  "search": {"type": "GridSearchCV", "param_grid": {"optimizer.lr": [0.05, 0.0001], "model.layers[0].out_features": [4, 8]}, "max_parallel": 2`+cv+`}`)
	s.Output = filepath.Join(t.TempDir(), "m")
	b, _ := json.Marshal(s)
	want, err := train.Run(context.Background(), s, train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, sw := runTrials(t, string(b), nil)
	if sw.Kind != "search" || len(sw.Trials) != 4 || sw.MaxParallel != 2 {
		t.Fatalf("sweep %s of %d trials, max_parallel %d", sw.Kind, len(sw.Trials), sw.MaxParallel)
	}
	sameSearch(t, got.Search, want.Search)
	if k := len(got.Search.Results[0].SplitTestScore); cv != "" && k != 2 {
		t.Errorf("%d scores a candidate with cv 2", k)
	}
	if !reflect.DeepEqual(got.Metrics["test"], want.Metrics["test"]) {
		t.Errorf("test metrics %v, in-process %v", got.Metrics["test"], want.Metrics["test"])
	}
}

// TestSweepWeightedMatchesInProcess: with data.sample_weight the trials
// fit each fold weighted, as the in-process search does.
func TestSweepWeightedMatchesInProcess(t *testing.T) {
	path, _, _, _ := weightedIris(t, "")
	src := sprintf(`{"name": "sw-w", "data": {"train": %q, "sample_weight": "w"}, "model": {"class": "LogisticRegression", "params": {"max_iter": 300}},
		"search": {"type": "GridSearchCV", "param_grid": {"C": [0.01, 1, 100]}, "cv": 3}, "output": %q}`, path, filepath.Join(t.TempDir(), "m"))
	s, err := spec.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want, err := train.Run(context.Background(), s, train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := runTrials(t, src, nil)
	sameSearch(t, got.Search, want.Search)
}
