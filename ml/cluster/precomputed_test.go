package cluster

import (
	"context"
	"encoding/json"
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
