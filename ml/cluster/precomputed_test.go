package cluster

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
)

// TestDBSCANPrecomputedParity fits DBSCAN(metric="precomputed") on the
// distance matrices of testdata/precomputed.json (scikit-learn 1.2.1,
// gen_precomputed.py): labels_ and core_sample_indices_ exactly, with
// sample weights in one case; a matrix that is not square, or holds a
// negative distance, is an error naming it.
func TestDBSCANPrecomputedParity(t *testing.T) {
	var fx struct {
		Cases []struct {
			Name         string
			Params       map[string]any
			D            [][]float64
			SampleWeight []float64 `json:"sample_weight"`
			Labels       []int
			Core         []int `json:"core_sample_indices"`
		}
	}
	testutil.ReadJSON(t, "testdata/precomputed.json", &fx)
	for _, c := range fx.Cases {
		t.Run(c.Name, func(t *testing.T) {
			c.Params["metric"] = "precomputed"
			pb, _ := json.Marshal(c.Params)
			est, err := ml.New("DBSCAN", pb)
			if err != nil {
				t.Fatal(err)
			}
			D := mat.NewDense(len(c.D), len(c.D), nil)
			for i, r := range c.D {
				D.SetRow(i, r)
			}
			db := est.(*DBSCAN)
			if err := db.FitWeighted(context.Background(), D, nil, c.SampleWeight); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(db.Labels(), c.Labels) || !slices.Equal(db.CoreSampleIndices(), c.Core) {
				t.Errorf("labels %v core %v\nscikit-learn %v core %v", db.Labels(), db.CoreSampleIndices(), c.Labels, c.Core)
			}
		})
	}
	db := NewDBSCAN()
	db.Metric = "precomputed"
	if err := db.Fit(context.Background(), mat.NewDense(3, 2, nil), nil); err == nil || !strings.Contains(err.Error(), "got 3 × 2") {
		t.Errorf("a 3 × 2 matrix: %v", err)
	}
	if err := db.Fit(context.Background(), mat.NewDense(2, 2, []float64{0, -1, 1, 0}), nil); err == nil || !strings.Contains(err.Error(), "X[0, 1] is -1") {
		t.Errorf("a negative distance: %v", err)
	}
}

// TestAgglomerativePrecomputedParity: AgglomerativeClustering with metric
// "precomputed" on iris's distance matrix (gen_precomputed.py) gives
// scikit-learn's labels_, children_ and n_clusters_ exactly and its
// distances_ within 1e-12 (the reference run finds them equal); ward with
// precomputed distances is refused.
func TestAgglomerativePrecomputedParity(t *testing.T) {
	var fx struct {
		Iris struct {
			D     [][]float64
			Cases []struct {
				Name      string
				Params    map[string]any
				Labels    []int
				Children  [][2]int
				Distances []float64
				NClusters int `json:"n_clusters"`
			}
		} `json:"agglomerative_iris"`
	}
	testutil.ReadJSON(t, "testdata/precomputed.json", &fx)
	n := len(fx.Iris.D)
	D := mat.NewDense(n, n, nil)
	for i, r := range fx.Iris.D {
		D.SetRow(i, r)
	}
	for _, c := range fx.Iris.Cases {
		t.Run(c.Name, func(t *testing.T) {
			c.Params["metric"] = "precomputed"
			pb, _ := json.Marshal(c.Params)
			est, err := ml.New("AgglomerativeClustering", pb)
			if err != nil {
				t.Fatal(err)
			}
			if err := est.Fit(context.Background(), D, nil); err != nil {
				t.Fatal(err)
			}
			a := est.(*AgglomerativeClustering)
			if !slices.Equal(a.Labels(), c.Labels) || !slices.Equal(a.Children(), c.Children) || a.NClustersFitted() != c.NClusters {
				t.Errorf("labels %v children %v... n_clusters %d\nscikit-learn %v %v... %d", a.Labels(), a.Children()[:3], a.NClustersFitted(), c.Labels, c.Children[:3], c.NClusters)
			}
			if got := a.Distances(); !slices.Equal(got, c.Distances) {
				for i := range got {
					if math.Abs(got[i]-c.Distances[i]) > 1e-12 {
						t.Fatalf("distances[%d] = %.17g, scikit-learn %.17g", i, got[i], c.Distances[i])
					}
				}
			}
		})
	}
	if _, err := ml.New("AgglomerativeClustering", json.RawMessage(`{"metric": "precomputed"}`)); err == nil {
		a := NewAgglomerativeClustering()
		a.Metric = "precomputed"
		if err := a.Fit(context.Background(), D, nil); err == nil || !strings.Contains(err.Error(), "ward") {
			t.Errorf("ward with precomputed distances: %v", err)
		}
	}
}
