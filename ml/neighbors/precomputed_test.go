package neighbors

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
)

// TestPrecomputedParity fits the cases of testdata/precomputed.json
// (scikit-learn 1.2.1, gen_precomputed.py) with metric "precomputed" on
// the training distances and queries the test distances: the neighbours'
// indices exactly and their distances bit for bit (they are read, not
// computed), kneighbors without X (each training point's neighbours, itself
// left out) as well, predictions exactly for the classifiers and within
// 1e-12 of their scale for the regressors, probabilities within 1e-12;
// effective_metric_ "precomputed" and _fit_method "brute". The fitted
// model round-trips through its state.
func TestPrecomputedParity(t *testing.T) {
	var fx struct {
		Tables map[string]struct {
			YTrain []float64   `json:"y_train"`
			DTrain [][]float64 `json:"d_train"`
			DTest  [][]float64 `json:"d_test"`
		}
		Cases []struct {
			Name, Class, Table string
			Params             map[string]any
			Predict            []float64
			FitMethod          string      `json:"fit_method"`
			EffectiveMetric    string      `json:"effective_metric"`
			KDist              [][]float64 `json:"kneighbors_dist"`
			KInd               [][]int     `json:"kneighbors_ind"`
			SelfDist           [][]float64 `json:"self_dist"`
			SelfInd            [][]int     `json:"self_ind"`
			RDist              [][]float64 `json:"radius_dist"`
			RInd               [][]int     `json:"radius_ind"`
			Proba              [][]float64 `json:"predict_proba"`
		}
	}
	testutil.ReadJSON(t, "testdata/precomputed.json", &fx)
	dense := func(rows [][]float64) *mat.Dense {
		out := mat.NewDense(len(rows), len(rows[0]), nil)
		for i, r := range rows {
			out.SetRow(i, r)
		}
		return out
	}
	if len(fx.Cases) < 5 {
		t.Fatalf("%d cases", len(fx.Cases))
	}
	for _, c := range fx.Cases {
		t.Run(c.Name, func(t *testing.T) {
			tb := fx.Tables[c.Table]
			params := map[string]any{"metric": "precomputed"}
			for k, v := range c.Params {
				params[k] = v
			}
			pb, _ := json.Marshal(params)
			est, err := ml.New(c.Class, pb)
			if err != nil {
				t.Fatal(err)
			}
			if err := est.Fit(context.Background(), dense(tb.DTrain), tb.YTrain); err != nil {
				t.Fatal(err)
			}
			Q := dense(tb.DTest)
			check := func(est ml.Estimator) {
				if e, ok := est.(interface {
					FitMethod() string
					EffectiveMetric() string
				}); ok && (e.FitMethod() != c.FitMethod || e.EffectiveMetric() != c.EffectiveMetric) {
					t.Errorf("fit method %q, metric %q; scikit-learn %q, %q", e.FitMethod(), e.EffectiveMetric(), c.FitMethod, c.EffectiveMetric)
				}
				type kn interface {
					KNeighbors(X *mat.Dense, k int) (*mat.Dense, [][]int, error)
				}
				if e, ok := est.(kn); ok {
					for _, q := range []struct {
						X    *mat.Dense
						dist [][]float64
						ind  [][]int
					}{{Q, c.KDist, c.KInd}, {nil, c.SelfDist, c.SelfInd}} {
						d, ind, err := e.KNeighbors(q.X, 0)
						if err != nil {
							t.Fatal(err)
						}
						for i := range q.ind {
							if !slices.Equal(ind[i], q.ind[i]) || !slices.Equal(d.RawRowView(i), q.dist[i]) {
								t.Fatalf("query %v row %d: neighbours %v at %v, scikit-learn %v at %v", q.X != nil, i, ind[i], d.RawRowView(i), q.ind[i], q.dist[i])
							}
						}
					}
				}
				type rn interface {
					RadiusNeighbors(X *mat.Dense, radius float64) ([][]float64, [][]int, error)
				}
				if e, ok := est.(rn); ok {
					d, ind, err := e.RadiusNeighbors(Q, 0)
					if err != nil {
						t.Fatal(err)
					}
					for i := range c.RInd {
						// Ours come by training index, scikit-learn's
						// (sort_results=True) by distance.
						order := make([]int, len(c.RInd[i]))
						for k := range order {
							order[k] = k
						}
						sort.Slice(order, func(a, b int) bool { return c.RInd[i][order[a]] < c.RInd[i][order[b]] })
						wi, wd := make([]int, len(order)), make([]float64, len(order))
						for k, o := range order {
							wi[k], wd[k] = c.RInd[i][o], c.RDist[i][o]
						}
						if !slices.Equal(ind[i], wi) || !slices.Equal(d[i], wd) {
							t.Fatalf("row %d: within the radius %v, scikit-learn %v", i, ind[i], c.RInd[i])
						}
					}
				}
				pred, err := est.(ml.Predictor).Predict(Q)
				if err != nil {
					t.Fatal(err)
				}
				if strings.HasSuffix(c.Class, "Classifier") {
					if !slices.Equal(pred, c.Predict) {
						t.Errorf("predict %v, scikit-learn %v", pred, c.Predict)
					}
				} else {
					scale := 1.0
					for _, v := range c.Predict {
						scale = math.Max(scale, math.Abs(v))
					}
					for i, v := range c.Predict {
						if math.Abs(pred[i]-v) > 1e-12*scale {
							t.Errorf("predict[%d] = %.17g, scikit-learn %.17g", i, pred[i], v)
						}
					}
				}
				if c.Proba != nil {
					p, err := est.(ml.ProbaPredictor).PredictProba(Q)
					if err != nil {
						t.Fatal(err)
					}
					for i, row := range c.Proba {
						for j, v := range row {
							if math.Abs(p.At(i, j)-v) > 1e-12 {
								t.Fatalf("proba[%d][%d] = %v, scikit-learn %v", i, j, p.At(i, j), v)
							}
						}
					}
				}
			}
			check(est)
			st, err := est.(ml.Stateful).MarshalState()
			if err != nil {
				t.Fatal(err)
			}
			back, _ := ml.New(c.Class, pb)
			if err := back.(ml.Stateful).UnmarshalState(st); err != nil {
				t.Fatal(err)
			}
			check(back)
		})
	}
}

// TestPrecomputedErrors: a non-square training matrix, a negative
// distance, a query without one column per training point and a tree
// algorithm are errors naming what is wrong.
func TestPrecomputedErrors(t *testing.T) {
	ctx := context.Background()
	y := []float64{0, 1, 0, 1}
	for _, class := range []string{"KNeighborsClassifier", "KNeighborsRegressor", "RadiusNeighborsClassifier", "RadiusNeighborsRegressor"} {
		params := `{"metric": "precomputed", "n_neighbors": 2}`
		if strings.HasPrefix(class, "Radius") {
			params = `{"metric": "precomputed", "radius": 5}`
		}
		est, err := ml.New(class, json.RawMessage(params))
		if err != nil {
			t.Fatal(err)
		}
		if err := est.Fit(ctx, mat.NewDense(4, 3, nil), y); err == nil || !strings.Contains(err.Error(), "got 4 × 3") {
			t.Errorf("%s on 4 × 3 distances: %v", class, err)
		}
		D := mat.NewDense(4, 4, []float64{0, 1, 2, 3, 1, 0, 1, 2, 2, 1, 0, 1, 3, 2, -1, 0})
		if err := est.Fit(ctx, D, y); err == nil || !strings.Contains(err.Error(), "X[3, 2] is -1") {
			t.Errorf("%s with a negative distance: %v", class, err)
		}
		D.Set(3, 2, 1)
		if err := est.Fit(ctx, D, y); err != nil {
			t.Fatalf("%s: %v", class, err)
		}
		if _, err := est.(ml.Predictor).Predict(mat.NewDense(2, 3, nil)); err == nil || !strings.Contains(err.Error(), "4 training points") {
			t.Errorf("%s predicting on 2 × 3: %v", class, err)
		}
		bad := strings.Replace(params, `"metric"`, `"algorithm": "kd_tree", "metric"`, 1)
		est, err = ml.New(class, json.RawMessage(bad))
		if err == nil {
			err = est.Fit(ctx, D, y)
		}
		if err == nil || !strings.Contains(err.Error(), "algorithm") {
			t.Errorf("%s with kd_tree: %v", class, err)
		}
	}
}
