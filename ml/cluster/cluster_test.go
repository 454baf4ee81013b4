package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// TestBadInput: parameters that cannot work are errors naming the field,
// returned before any work.
func TestBadInput(t *testing.T) {
	X := mat.NewDense(4, 2, []float64{0, 0, 1, 1, 2, 2, 3, 3})
	for _, c := range []struct{ class, params, field string }{
		{"KMeans", `{"n_clusters": 5}`, "n_clusters"},
		{"KMeans", `{"n_clusters": 2, "init": [[0, 0]]}`, "init"},
		{"KMeans", `{"n_clusters": 1, "init": [[0, 0, 0]]}`, "init"},
		{"KMeans", `{"n_clusters": 0}`, "n_clusters"},
		{"KMeans", `{"n_init": -1}`, "n_init"},
		{"KMeans", `{"init": "kmeans"}`, "init"},
		{"DBSCAN", `{"eps": 0}`, "eps"},
		{"DBSCAN", `{"eps": -1}`, "eps"},
		{"DBSCAN", `{"metric": "chebyshev"}`, "metric"},
		{"AgglomerativeClustering", `{"n_clusters": 5}`, "n_clusters"},
		{"AgglomerativeClustering", `{"n_clusters": null}`, "n_clusters"},
		{"AgglomerativeClustering", `{"linkage": "ward", "metric": "cosine"}`, "metric"},
	} {
		e, err := ml.New(c.class, json.RawMessage(c.params))
		if err == nil {
			err = e.Fit(context.Background(), X, nil)
		}
		var pe *ml.ParamError
		if !errors.As(err, &pe) || !strings.HasPrefix(pe.Param, c.field) || !ml.IsBadInput(err) {
			t.Errorf("%s %s: got %v, want a bad-input error naming %s", c.class, c.params, err, c.field)
		}
	}
}

// TestFitPredict: FitPredict returns labels_, and KMeans' Predict on the
// training rows agrees with it.
func TestFitPredict(t *testing.T) {
	X := mat.NewDense(6, 1, []float64{0, 0.1, 0.2, 10, 10.1, 10.2})
	km := NewKMeans()
	km.NClusters = 2
	lab, err := km.FitPredict(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	pred, _ := km.Predict(X)
	for i := range lab {
		if lab[i] != pred[i] {
			t.Fatalf("fit_predict %v, predict %v", lab, pred)
		}
	}
	if lab[0] == lab[3] || lab[0] != lab[2] {
		t.Fatalf("labels %v", lab)
	}
	db := NewDBSCAN()
	db.Eps, db.MinSamples = 0.15, 2
	lab, _ = db.FitPredict(context.Background(), mat.NewDense(5, 1, []float64{0, 0.1, 5, 10, 10.1}))
	if want := []float64{0, 0, -1, 1, 1}; !equal(lab, want) {
		t.Fatalf("DBSCAN labels %v, want %v", lab, want)
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestKMeansNInitAuto: n_init "auto" runs k-means++ once and random init
// ten times, as scikit-learn 1.2; it is written back as "auto".
func TestKMeansNInitAuto(t *testing.T) {
	X := mat.NewDense(6, 1, []float64{0, 0.1, 0.2, 10, 10.1, 10.2})
	for _, init := range []string{"k-means++", "random"} {
		e, err := ml.New("KMeans", json.RawMessage(`{"n_clusters": 2, "n_init": "auto", "init": "`+init+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		var runs int
		ctx := ml.WithProgress(context.Background(), ml.ReporterFunc(func(ev ml.Event) {
			if ev.Step == 1 {
				runs++
			}
		}))
		if err := e.Fit(ctx, X, nil); err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"k-means++": 1, "random": 10}[init]; runs != want {
			t.Errorf("init %s: %d runs, want %d", init, runs, want)
		}
		p, _ := ml.Params(e)
		if !strings.Contains(string(p), `"n_init":"auto"`) {
			t.Errorf("params %s", p)
		}
	}
}
