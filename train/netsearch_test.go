package train_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// TestNetworkSearch runs a 2×2 GridSearchCV over an iris network's
// optimizer.lr and first Linear's out_features: four candidates scored on
// the hold-out part of the training data, the best by mean test score
// refitted on the whole training part and saved. Its references are
// structural: the ranks are scikit-learn's rankdata(-mean, "min") of the
// scores, the best is their argmax, and the refit is the run of the best
// candidate's spec without a search (same seed, same data): the same test
// metrics and the same predictions from the saved model.
func TestNetworkSearch(t *testing.T) {
	s := irisNet(t, `"optimizer": {"type": "Adam", "lr": 0.05}, "epochs": 8,
	  "search": {"type": "GridSearchCV", "param_grid": {"optimizer.lr": [0.05, 0.0001], "model.layers[0].out_features": [4, 16]}}`)
	s.Output = t.TempDir()
	var trials int
	rep := ml.ReporterFunc(func(e ml.Event) {
		if e.Kind == "trial" {
			trials++
		}
	})
	res, err := train.Run(context.Background(), s, train.Options{Reporter: rep})
	if err != nil {
		t.Fatal(err)
	}
	sr := res.Search
	if sr == nil || len(sr.Results) != 4 || trials != 4 {
		t.Fatalf("search %+v, %d trial events; want 4 candidates", sr, trials)
	}
	checkSearchRows(t, sr, 1)
	if !strings.Contains(sr.Splitter, "hold-out") || sr.Scoring != "accuracy" {
		t.Errorf("cv %q scoring %q", sr.Splitter, sr.Scoring)
	}
	if res.Metrics["cv"]["best_score"] != sr.BestScore {
		t.Errorf("metrics %v", res.Metrics["cv"])
	}
	m, err := model.Load(s.Output)
	if err != nil {
		t.Fatal(err)
	}
	// The saved model is the best candidate's: its first Linear has the
	// best out_features.
	var saved struct {
		Model struct {
			Layers []map[string]json.RawMessage `json:"layers"`
		} `json:"model"`
		Search json.RawMessage `json:"search"`
	}
	if err := json.Unmarshal(m.Manifest.Spec, &saved); err != nil {
		t.Fatal(err)
	}
	if string(saved.Model.Layers[0]["out_features"]) != string(sr.BestParams["model.layers[0].out_features"]) || saved.Search != nil {
		t.Errorf("saved spec %s, best %s", m.Manifest.Spec, train.DescribeParams(sr.BestParams))
	}
	if !strings.Contains(string(m.Manifest.Selection), `"cv_results"`) {
		t.Errorf("model_selection %s", m.Manifest.Selection)
	}
	// The refit equals a plain run of the best candidate's spec.
	bs, err := irisNet(t, `"optimizer": {"type": "Adam", "lr": 0.05}, "epochs": 8`).WithNetParams(sr.BestParams)
	if err != nil {
		t.Fatal(err)
	}
	bs.Output = t.TempDir()
	ref, err := train.Run(context.Background(), bs, train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"train", "test"} {
		for k, v := range ref.Metrics[part] {
			if got := res.Metrics[part][k]; got != v {
				t.Errorf("refit %s %s = %v, the best candidate's own run %v", part, k, got, v)
			}
		}
	}
	rm, err := model.Load(bs.Output)
	if err != nil {
		t.Fatal(err)
	}
	x := mat.NewDense(3, 4, []float64{5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3, 5.9, 3.0, 4.2, 1.5})
	p, err := m.Predict(x, false)
	q, err2 := rm.Predict(x, false)
	if err != nil || err2 != nil || len(p.Values) != 3 || !slices.Equal(p.Values, q.Values) {
		t.Errorf("predict %+v, %v; the best candidate's own model %+v, %v", p, err, q, err2)
	}
}

// checkSearchRows checks cv_results_ against itself: nSplits scores a
// row, their mean and (population) std, scikit-learn's ranks, the best
// index the first of rank 1 and best_score its mean.
func checkSearchRows(t *testing.T, sr *train.SearchResult, nSplits int) {
	t.Helper()
	for i, r := range sr.Results {
		if len(r.SplitTestScore) != nSplits {
			t.Errorf("row %d: %d split scores, want %d", i, len(r.SplitTestScore), nSplits)
			continue
		}
		var mean, ss float64
		for _, v := range r.SplitTestScore {
			mean += v
		}
		mean /= float64(nSplits)
		for _, v := range r.SplitTestScore {
			ss += (v - mean) * (v - mean)
		}
		if math.Abs(r.MeanTestScore-mean) > 1e-12 || math.Abs(r.StdTestScore-math.Sqrt(ss/float64(nSplits))) > 1e-12 {
			t.Errorf("row %d: mean %v std %v of %v", i, r.MeanTestScore, r.StdTestScore, r.SplitTestScore)
		}
		want := 1
		for _, o := range sr.Results {
			if o.MeanTestScore > r.MeanTestScore {
				want++
			}
		}
		if r.RankTestScore != want {
			t.Errorf("row %d: rank %d, want %d", i, r.RankTestScore, want)
		}
	}
	b := sr.Results[sr.BestIndex]
	if sr.Type != "HalvingGridSearchCV" {
		if b.RankTestScore != 1 {
			t.Errorf("best index %d has rank %d", sr.BestIndex, b.RankTestScore)
		}
		for i := range sr.BestIndex {
			if sr.Results[i].RankTestScore == 1 {
				t.Errorf("best index %d, but row %d ranks first before it", sr.BestIndex, i)
			}
		}
	}
	if sr.BestScore != b.MeanTestScore || train.DescribeParams(sr.BestParams) != train.DescribeParams(b.Params) {
		t.Errorf("best %v %s, row %d %v %s", sr.BestScore, train.DescribeParams(sr.BestParams), sr.BestIndex, b.MeanTestScore, train.DescribeParams(b.Params))
	}
}

// TestNetworkSearchKFold: with search.cv each candidate is trained on
// each fold (cv=3 is StratifiedKFold for a classifier, a splitter object
// is taken as written), and a HalvingGridSearchCV halves the candidates
// while doubling the training samples (resource n_samples).
func TestNetworkSearchKFold(t *testing.T) {
	for _, c := range []struct {
		search, splitter string
		rows, splits     int
	}{
		{`{"type": "GridSearchCV", "param_grid": {"optimizer.lr": [0.05, 0.001]}, "cv": 3}`, "StratifiedKFold(n_splits=3", 2, 3},
		{`{"type": "RandomizedSearchCV", "param_distributions": {"optimizer.lr": {"type": "loguniform", "a": 0.001, "b": 0.1}}, "n_iter": 2,
		   "cv": {"type": "KFold", "n_splits": 2, "shuffle": true, "random_state": 0}}`, "KFold(n_splits=2", 2, 2},
		{`{"type": "HalvingGridSearchCV", "param_grid": {"optimizer.lr": [0.05, 0.02, 0.001, 0.0001]}, "factor": 2, "cv": 2}`, "StratifiedKFold(n_splits=2", 7, 2},
	} {
		s := irisNet(t, `"optimizer": {"type": "Adam", "lr": 0.05}, "epochs": 2, "search": `+c.search)
		s.Output = t.TempDir()
		res, err := train.Run(context.Background(), s, train.Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.search, err)
		}
		sr := res.Search
		if len(sr.Results) != c.rows || !strings.Contains(sr.Splitter, c.splitter) {
			t.Fatalf("%s: %d rows, cv %q; want %d rows of %s", c.search, len(sr.Results), sr.Splitter, c.rows, c.splitter)
		}
		checkSearchRows(t, sr, c.splits)
		if sr.Type == "HalvingGridSearchCV" {
			// 112 training samples, 4 candidates, factor 2: "exhaust"
			// starts at 112/2² = 28 samples; 4, 2 and 1 candidates on
			// 28, 56 and 112 (scikit-learn's n_resources_).
			var iters, nres []int
			for _, r := range sr.Results {
				iters, nres = append(iters, r.Iter), append(nres, r.NResources)
			}
			if !slices.Equal(iters, []int{0, 0, 0, 0, 1, 1, 2}) || !slices.Equal(nres, []int{28, 28, 28, 28, 56, 56, 112}) || sr.BestIndex != 6 {
				t.Errorf("halving iter %v n_resources %v best %d", iters, nres, sr.BestIndex)
			}
		}
		if _, err := model.Load(s.Output); err != nil {
			t.Errorf("%s: the refit model: %v", c.search, err)
		}
	}
}

// TestNetworkSearchChecks: a candidate over the memory budget or with a
// bad value is refused before any is trained, naming the grid key.
func TestNetworkSearchChecks(t *testing.T) {
	s := irisNet(t, `"epochs": 1, "search": {"type": "GridSearchCV", "param_grid": {"optimizer.lr": [0.1, -1]}}`)
	_, err := train.Check(s, train.Options{})
	if err == nil || !strings.Contains(err.Error(), `search.param_grid["optimizer.lr"]`) || !strings.Contains(err.Error(), "candidate 2") {
		t.Errorf("lr -1: %v", err)
	}
	s = irisNet(t, `"epochs": 1, "search": {"type": "GridSearchCV", "param_grid": {"optimizer.lr": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]}, "cv": 100}`)
	_, err = train.Check(s, train.Options{})
	if err == nil || !strings.Contains(err.Error(), "search.cv: 6 candidates × 100 folds are 600 trainings; a network search trains at most 500") {
		t.Errorf("600 trainings: %v", err)
	}
	s = irisNet(t, `"epochs": 1, "search": {"type": "GridSearchCV", "param_grid": {"model.layers[0].out_features": [8, 100000000]}}`)
	_, err = train.Check(s, train.Options{})
	if err == nil || !strings.Contains(err.Error(), `search.param_grid["model.layers[0].out_features"]`) || !strings.Contains(err.Error(), "candidate 2") {
		t.Errorf("huge layer: %v", err)
	}
}

// TestNetworkSearchCancel cancels a network search after its first
// candidate: the run stops with the context's error and saves nothing.
func TestNetworkSearchCancel(t *testing.T) {
	s := irisNet(t, `"epochs": 3, "search": {"type": "GridSearchCV", "param_grid": {"optimizer.lr": [0.1, 0.01, 0.001]}}`)
	s.Output = t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var trials int
	rep := ml.ReporterFunc(func(e ml.Event) {
		if e.Kind == "trial" {
			trials++
			cancel()
		}
	})
	_, err := train.Run(ctx, s, train.Options{Reporter: rep})
	if !errors.Is(err, context.Canceled) || trials != 1 {
		t.Errorf("cancelled search: %v after %d candidates", err, trials)
	}
	if _, err := model.Load(s.Output); err == nil {
		t.Error("a cancelled search saved a model")
	}
}

// TestNetworkSearchDiverged: a candidate whose loss diverges scores NaN
// (error_score's default), ranks last with its error, is logged, and the
// search goes on to refit the other; with error_score "raise" it stops the
// search with a DivergedError (the caller's mistake) naming the candidate;
// every candidate diverging fails the run naming the first.
func TestNetworkSearchDiverged(t *testing.T) {
	search := func(grid, errorScore string) *spec.Spec {
		return irisNet(t, `"optimizer": {"type": "SGD", "lr": 0.1}, "epochs": 3,
		  "search": {"type": "GridSearchCV", "param_grid": {"optimizer.lr": `+grid+`}`+errorScore+`}`)
	}
	s := search(`[0.1, 1e30]`, ``)
	s.Output = t.TempDir()
	var logs []string
	rep := ml.ReporterFunc(func(e ml.Event) {
		if e.Kind == "log" {
			logs = append(logs, e.Message)
		}
	})
	res, err := train.Run(context.Background(), s, train.Options{Reporter: rep})
	if err != nil {
		t.Fatal(err)
	}
	sr := res.Search
	if r := sr.Results[1]; !math.IsNaN(r.MeanTestScore) || !math.IsNaN(r.SplitTestScore[0]) || r.RankTestScore != 2 || !strings.Contains(r.Error, "diverged") || sr.BestIndex != 0 || sr.Results[0].Error != "" {
		t.Fatalf("the diverged candidate's row: %+v, best %d", r, sr.BestIndex)
	}
	if !slices.ContainsFunc(logs, func(m string) bool {
		return strings.HasPrefix(m, `search candidate 2 {"optimizer.lr": 1e30} failed (scored NaN, as error_score=nan): `) && !strings.Contains(m, "): search candidate")
	}) {
		t.Errorf("no log of the failed candidate: %q", logs)
	}
	if _, err := model.Load(s.Output); err != nil {
		t.Errorf("the search saved no model: %v", err)
	}

	s = search(`[0.1, 1e30]`, `, "error_score": "raise"`)
	s.Output = t.TempDir()
	_, err = train.Run(context.Background(), s, train.Options{})
	var de *train.DivergedError
	if !errors.As(err, &de) || !ml.IsBadInput(err) || !strings.HasPrefix(err.Error(), `search candidate 2 {"optimizer.lr": 1e30}: `) {
		t.Errorf("diverged candidate, error_score raise: %v", err)
	}

	s = search(`[1e30, 1e31]`, `, "error_score": 0`)
	s.Output = t.TempDir()
	_, err = train.Run(context.Background(), s, train.Options{})
	if !errors.As(err, &de) || !ml.IsBadInput(err) || !strings.HasPrefix(err.Error(), `every one of the 2 candidates failed; the first: search candidate 1 {"optimizer.lr": 1e30}: `) {
		t.Errorf("every candidate diverged: %v", err)
	}
}
