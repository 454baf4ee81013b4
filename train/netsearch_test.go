package train_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/train"
)

// TestNetworkSearch runs a 2×2 GridSearchCV over an iris network's
// optimizer.lr and first Linear's out_features: four candidates scored on
// the hold-out part of the training data, the best by mean test score
// refitted on the whole training part and saved.
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
	best := 0
	for i, r := range sr.Results {
		if r.MeanTestScore > sr.Results[best].MeanTestScore {
			best = i
		}
		if len(r.SplitTestScore) != 1 || r.StdTestScore != 0 || r.RankTestScore < 1 {
			t.Errorf("row %d: %+v", i, r)
		}
	}
	if sr.Results[best].MeanTestScore != sr.BestScore || sr.Results[sr.BestIndex].MeanTestScore != sr.BestScore || sr.Results[sr.BestIndex].RankTestScore != 1 {
		t.Errorf("best index %d score %v, argmax %d (%v)", sr.BestIndex, sr.BestScore, best, sr.Results[best].MeanTestScore)
	}
	if string(sr.BestParams["optimizer.lr"]) != "0.05" {
		t.Errorf("best params %s: lr 0.0001 for 8 epochs should not win", train.DescribeParams(sr.BestParams))
	}
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
	x := mat.NewDense(2, 4, []float64{5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3})
	p, err := m.Predict(x, false)
	if err != nil || len(p.Values) != 2 || p.Values[0] != 0 || p.Values[1] != 2 {
		t.Errorf("predict %+v, %v; want setosa and virginica", p, err)
	}
	if acc := res.Metrics["test"]["accuracy"]; acc < 0.8 {
		t.Errorf("refit test accuracy %v", acc)
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

// TestNetworkSearchDiverged: a candidate whose loss diverges stops the
// search with a DivergedError (the caller's mistake) naming the candidate.
func TestNetworkSearchDiverged(t *testing.T) {
	s := irisNet(t, `"optimizer": {"type": "SGD", "lr": 0.1}, "epochs": 3,
	  "search": {"type": "GridSearchCV", "param_grid": {"optimizer.lr": [0.1, 1e30]}}`)
	s.Output = t.TempDir()
	_, err := train.Run(context.Background(), s, train.Options{})
	var de *train.DivergedError
	if !errors.As(err, &de) || !ml.IsBadInput(err) || !strings.Contains(err.Error(), `search candidate 2 {"optimizer.lr": 1e30}`) {
		t.Errorf("diverged candidate: %v", err)
	}
}
