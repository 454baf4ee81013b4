package tree

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

// fixture is one file written by testdata/gen.py.
type fixture struct {
	Dataset   string
	Estimator string
	Cases     []struct {
		Params             json.RawMessage
		Weighted           bool
		NodeCount          int       `json:"node_count"`
		MaxDepth           int       `json:"max_depth"`
		NLeaves            int       `json:"n_leaves"`
		FeatureImportances []float64 `json:"feature_importances"`
		TestPredict        []float64 `json:"test_predict"`
		TestProba          []float64 `json:"test_proba"`
		TestScore          float64   `json:"test_score"`

		ChildrenLeft         []int     `json:"children_left"`
		ChildrenRight        []int     `json:"children_right"`
		Feature              []int     `json:"feature"`
		Threshold            []float64 `json:"threshold"`
		Value                []float64 `json:"value"`
		Impurity             []float64 `json:"impurity"`
		NNodeSamples         []int     `json:"n_node_samples"`
		WeightedNNodeSamples []float64 `json:"weighted_n_node_samples"`
	}
}

// split returns the training and test rows as gen.py does: row i is a test
// row when i % 4 == 0.
func split(X *mat.Dense, y []float64) (Xtr *mat.Dense, ytr []float64, Xte *mat.Dense, yte []float64) {
	var tr, te []int
	for i := range y {
		if i%4 == 0 {
			te = append(te, i)
		} else {
			tr = append(tr, i)
		}
	}
	return testutil.Rows(X, tr), testutil.Take(y, tr), testutil.Rows(X, te), testutil.Take(y, te)
}

// weights is gen.py's weights.
func weights(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		if i%5 != 0 {
			w[i] = 1 + float64(i%3)
		}
	}
	return w
}

type fittedTree interface {
	ml.Predictor
	FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error
	Tree() *Tree
	FeatureImportances() []float64
	GetNLeaves() int
}

// TestParity compares every case of every fixture with scikit-learn 1.2.1.
//
// Because the splitter, its random generator, the float32 feature values and
// the order of floating-point operations are scikit-learn's, the trees are
// expected to be identical: same structure, features and sample counts
// exactly; thresholds exactly (they are midpoints of the same float32
// values); values, impurities and importances to 1e-9 relative, which
// allows for summation-order and log differences in the last bits (numpy's
// pairwise sums, glibc's log against Go's). Held-out predictions of a
// classifier must be equal, probabilities within 1e-12; a regressor's
// predictions within 1e-9 relative. The held-out score must be within 1e-9
// of scikit-learn's (the issue asks for 0.01; identical trees give more).
func TestParity(t *testing.T) {
	for _, name := range []string{"iris", "wine", "breast_cancer", "digits", "classification_10k", "diabetes", "regression_10k"} {
		var fx fixture
		testutil.ReadJSON(t, "testdata/"+name+".json", &fx)
		if testing.Short() && name == "regression_10k" {
			continue
		}
		X, y := testutil.LoadCSV(t, fx.Dataset)
		for ci, c := range fx.Cases {
			t.Run(fmt.Sprintf("%s/%d%s", name, ci, c.Params), func(t *testing.T) {
				var p struct{ Criterion string }
				if err := json.Unmarshal(c.Params, &p); err != nil {
					t.Fatal(err)
				}
				y := y
				if p.Criterion == "poisson" {
					// gen.py shifts the targets to start at 0 for Poisson.
					lo := slices.Min(y)
					y = slices.Clone(y)
					for i := range y {
						y[i] -= lo
					}
				}
				Xtr, ytr, Xte, yte := split(X, y)
				e, err := ml.New(fx.Estimator, c.Params)
				if err != nil {
					t.Fatal(err)
				}
				m := e.(fittedTree)
				var w []float64
				if c.Weighted {
					w = weights(len(ytr))
				}
				if err := m.FitWeighted(context.Background(), Xtr, ytr, w); err != nil {
					t.Fatal(err)
				}
				tr := m.Tree()
				if tr.NodeCount() != c.NodeCount || tr.MaxDepth != c.MaxDepth || m.GetNLeaves() != c.NLeaves {
					t.Fatalf("nodes/depth/leaves = %d/%d/%d, sklearn %d/%d/%d", tr.NodeCount(), tr.MaxDepth, m.GetNLeaves(), c.NodeCount, c.MaxDepth, c.NLeaves)
				}
				if c.ChildrenLeft != nil {
					eqInts(t, "children_left", tr.ChildrenLeft, c.ChildrenLeft)
					eqInts(t, "children_right", tr.ChildrenRight, c.ChildrenRight)
					eqInts(t, "feature", tr.Feature, c.Feature)
					eqInts(t, "n_node_samples", tr.NNodeSamples, c.NNodeSamples)
					testutil.AllClose(t, "threshold", tr.Threshold, c.Threshold, 0, 0)
					testutil.AllClose(t, "weighted_n_node_samples", tr.WeightedNNodeSamples, c.WeightedNNodeSamples, 1e-12, 0)
					testutil.AllClose(t, "value", tr.Value, c.Value, 1e-9, 1e-12)
					testutil.AllClose(t, "impurity", tr.Impurity, c.Impurity, 1e-9, 1e-12)
				}
				testutil.AllClose(t, "feature_importances", m.FeatureImportances(), c.FeatureImportances, 1e-9, 1e-12)
				pred, err := m.Predict(Xte)
				if err != nil {
					t.Fatal(err)
				}
				var score float64
				if cl, ok := m.(*DecisionTreeClassifier); ok {
					testutil.AllClose(t, "predict", pred, c.TestPredict, 0, 0)
					p, err := cl.PredictProba(Xte)
					if err != nil {
						t.Fatal(err)
					}
					testutil.AllClose(t, "predict_proba", p.RawMatrix().Data, c.TestProba, 0, 1e-12)
					score = accuracy(pred, yte)
				} else {
					testutil.AllClose(t, "predict", pred, c.TestPredict, 1e-9, 1e-9)
					score = r2(pred, yte)
				}
				if math.Abs(score-c.TestScore) > 1e-9 {
					t.Errorf("held-out score %v, sklearn %v", score, c.TestScore)
				}
			})
		}
	}
}

func eqInts(t *testing.T, what string, got, want []int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s[%d] = %d, want %d", what, i, got[i], want[i])
		}
	}
}

func accuracy(pred, y []float64) float64 {
	n := 0
	for i := range y {
		if pred[i] == y[i] {
			n++
		}
	}
	return float64(n) / float64(len(y))
}

func r2(pred, y []float64) float64 {
	mean := 0.0
	for _, v := range y {
		mean += v
	}
	mean /= float64(len(y))
	var ssr, sst float64
	for i, v := range y {
		ssr += (v - pred[i]) * (v - pred[i])
		sst += (v - mean) * (v - mean)
	}
	return 1 - ssr/sst
}
