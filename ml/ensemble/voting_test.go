package ensemble_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
)

// TestVotingParity compares the voting ensembles with scikit-learn
// 1.2.1's over members that mlforge reproduces (a decision tree, k-NN,
// Gaussian naive Bayes, ridge): hard and soft votes, with and without
// weights. Classifier test predictions must be equal, probabilities and
// regressor predictions within 1e-9 relative (1e-12 absolute), the score
// within 1e-9.
func TestVotingParity(t *testing.T) {
	for _, name := range []string{"iris", "wine", "breast_cancer", "diabetes"} {
		var fx struct {
			Dataset string
			Cases   []struct {
				Estimator   string
				Params      json.RawMessage
				TestPredict []float64 `json:"test_predict"`
				TestProba   []float64 `json:"test_proba"`
				TestScore   float64   `json:"test_score"`
			}
		}
		testutil.ReadJSON(t, "testdata/voting_"+name+".json", &fx)
		X, y := testutil.LoadCSV(t, fx.Dataset)
		var tr, te []int
		for i := range y {
			if i%4 == 0 {
				te = append(te, i)
			} else {
				tr = append(tr, i)
			}
		}
		Xtr, ytr, Xte, yte := testutil.Rows(X, tr), testutil.Take(y, tr), testutil.Rows(X, te), testutil.Take(y, te)
		for ci, c := range fx.Cases {
			t.Run(fmt.Sprintf("%s/%d", name, ci), func(t *testing.T) {
				e, err := ml.New(c.Estimator, c.Params)
				if err != nil {
					t.Fatal(err)
				}
				if err := e.Fit(context.Background(), Xtr, ytr); err != nil {
					t.Fatal(err)
				}
				pred, err := e.(ml.Predictor).Predict(Xte)
				if err != nil {
					t.Fatal(err)
				}
				var score float64
				if _, ok := e.(ml.Classifier); ok {
					testutil.AllClose(t, "predict", pred, c.TestPredict, 0, 0)
					n := 0
					for i := range yte {
						if pred[i] == yte[i] {
							n++
						}
					}
					score = float64(n) / float64(len(yte))
					if c.TestProba != nil {
						p, err := e.(ml.ProbaPredictor).PredictProba(Xte)
						if err != nil {
							t.Fatal(err)
						}
						testutil.AllClose(t, "predict_proba", p.RawMatrix().Data, c.TestProba, 1e-9, 1e-12)
					}
				} else {
					testutil.AllClose(t, "predict", pred, c.TestPredict, 1e-9, 1e-12)
					mean, ssr, sst := 0.0, 0.0, 0.0
					for _, v := range yte {
						mean += v
					}
					mean /= float64(len(yte))
					for i, v := range yte {
						ssr += (v - pred[i]) * (v - pred[i])
						sst += (v - mean) * (v - mean)
					}
					score = 1 - ssr/sst
				}
				if math.Abs(score-c.TestScore) > 1e-9 {
					t.Errorf("test score %v, sklearn %v", score, c.TestScore)
				}
			})
		}
	}
}
