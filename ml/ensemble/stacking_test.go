package ensemble

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
	_ "github.com/mlforge/mlforge/ml/linear"
	_ "github.com/mlforge/mlforge/ml/naivebayes"
	_ "github.com/mlforge/mlforge/ml/neighbors"
)

// TestStackingParity compares the stacking ensembles with scikit-learn
// 1.2.1's. The members (a tree, k-NN, naive Bayes) are scikit-learn's, and
// the folds are StratifiedKFold's and KFold's, so the final estimator's
// training input (the members' cross-validated outputs) and the stacked
// test outputs (transform) agree to 1e-9 relative (1e-12 absolute). The
// final LogisticRegression or Ridge is mlforge's, fitted on that input:
// test predictions may differ on at most one row, probabilities by 1e-4,
// regressor predictions by 1e-6 relative.
func TestStackingParity(t *testing.T) {
	for _, name := range []string{"iris", "breast_cancer", "diabetes"} {
		var fx struct {
			Dataset string
			Cases   []struct {
				Estimator     string
				Params        json.RawMessage
				StackMethods  []string  `json:"stack_methods"`
				TrainMeta     []float64 `json:"train_meta"`
				MetaCols      int       `json:"meta_cols"`
				TestTransform []float64 `json:"test_transform"`
				TestPredict   []float64 `json:"test_predict"`
				TestProba     []float64 `json:"test_proba"`
				TestScore     float64   `json:"test_score"`
			}
		}
		testutil.ReadJSON(t, "testdata/stacking_"+name+".json", &fx)
		X, y := testutil.LoadCSV(t, fx.Dataset)
		Xtr, ytr, Xte, yte := split(X, y)
		for ci, c := range fx.Cases {
			t.Run(fmt.Sprintf("%s/%d", name, ci), func(t *testing.T) {
				e, err := ml.New(c.Estimator, c.Params)
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				if err := e.Fit(ctx, Xtr, ytr); err != nil {
					t.Fatal(err)
				}
				var meta []float64
				switch m := e.(type) {
				case *StackingClassifier:
					classes, idx, _ := ml.EncodeClasses(ytr)
					yi := make([]float64, len(idx))
					for i, k := range idx {
						yi[i] = float64(k)
					}
					folds, err := stratifiedFolds(idx, m.CV)
					if err != nil {
						t.Fatal(err)
					}
					Z, err := m.stackCV(ctx, Xtr, yi, nil, folds, m.methods, len(classes))
					if err != nil {
						t.Fatal(err)
					}
					meta = Z.RawMatrix().Data
					if fmt.Sprint(m.methods) != fmt.Sprint(c.StackMethods) {
						t.Errorf("stack methods %v, sklearn %v", m.methods, c.StackMethods)
					}
				case *StackingRegressor:
					folds, err := kFolds(len(ytr), m.CV)
					if err != nil {
						t.Fatal(err)
					}
					methods := make([]string, len(m.Estimators))
					for i := range methods {
						methods[i] = "predict"
					}
					Z, err := m.stackCV(ctx, Xtr, ytr, nil, folds, methods, 0)
					if err != nil {
						t.Fatal(err)
					}
					meta = Z.RawMatrix().Data
				}
				testutil.AllClose(t, "final estimator input", meta, c.TrainMeta, 1e-9, 1e-12)
				tr, err := e.(ml.Transformer).Transform(Xte)
				if err != nil {
					t.Fatal(err)
				}
				testutil.AllClose(t, "transform", tr.RawMatrix().Data, c.TestTransform, 1e-9, 1e-12)
				pred, err := e.(ml.Predictor).Predict(Xte)
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := e.(*StackingClassifier); ok {
					differ := 0
					for i := range pred {
						if pred[i] != c.TestPredict[i] {
							differ++
						}
					}
					if differ > 1 {
						t.Errorf("test predictions differ on %d rows, want at most 1", differ)
					}
					p, err := e.(ml.ProbaPredictor).PredictProba(Xte)
					if err != nil {
						t.Fatal(err)
					}
					testutil.AllClose(t, "predict_proba", p.RawMatrix().Data, c.TestProba, 0, 1e-4)
					return
				}
				testutil.AllClose(t, "predict", pred, c.TestPredict, 1e-6, 1e-9)
				if s := r2(yte, pred); math.Abs(s-c.TestScore) > 1e-6 {
					t.Errorf("test R² %v, sklearn %v", s, c.TestScore)
				}
			})
		}
	}
}
