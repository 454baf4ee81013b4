package neural

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/metrics"
)

type parityCase struct {
	Dataset   string          `json:"dataset"`
	Class     string          `json:"class"`
	Params    json.RawMessage `json:"params"`
	Train     []int           `json:"train"`
	Test      []int           `json:"test"`
	Seeds     int             `json:"seeds"`
	Scores    []float64       `json:"scores"`
	MeanScore float64         `json:"mean_score"`
}

// standardize scales the columns of X by the mean and (population) standard
// deviation of the rows in fit, like a StandardScaler fitted on them;
// constant columns keep a scale of 1.
func standardize(X *mat.Dense, fit []int) {
	r, c := X.Dims()
	for j := range c {
		var mean, ss float64
		for _, i := range fit {
			mean += X.At(i, j)
		}
		mean /= float64(len(fit))
		for _, i := range fit {
			d := X.At(i, j) - mean
			ss += d * d
		}
		sd := math.Sqrt(ss / float64(len(fit)))
		if sd == 0 {
			sd = 1
		}
		for i := range r {
			X.Set(i, j, (X.At(i, j)-mean)/sd)
		}
	}
}

func pick(X *mat.Dense, y []float64, idx []int) (*mat.Dense, []float64) {
	_, c := X.Dims()
	out := mat.NewDense(len(idx), c, nil)
	ys := make([]float64, len(idx))
	for k, i := range idx {
		out.SetRow(k, X.RawRowView(i))
		ys[k] = y[i]
	}
	return out, ys
}

// TestParity fits each case of testdata/parity.json (made by gen.py with
// scikit-learn 1.2.1) on the same split and scaling with the same
// random_state values (0 to 2 for digits, 0 to 4 otherwise), and requires
// the mean held-out score (accuracy or R²) to be within 0.02 of
// scikit-learn's mean: the initial weights come from another generator, so
// single fits differ by a few test samples, while the mean of several fits
// of the same algorithm agrees closely. The digits and
// breast_cancer cases run only without -short.
func TestParity(t *testing.T) {
	b, err := os.ReadFile("testdata/parity.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []parityCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, pc := range cases {
		name := pc.Dataset + "/" + pc.Class + string(pc.Params)
		t.Run(name, func(t *testing.T) {
			if testing.Short() && (pc.Dataset == "digits" || pc.Dataset == "breast_cancer") {
				t.Skip("slow case")
			}
			X, y := testutil.LoadCSV(t, "data/datasets/"+pc.Dataset+".csv")
			standardize(X, pc.Train)
			Xtr, ytr := pick(X, y, pc.Train)
			Xte, yte := pick(X, y, pc.Test)
			var sum float64
			var scores []float64
			for seed := range pc.Seeds {
				params := map[string]any{}
				json.Unmarshal(pc.Params, &params)
				params["random_state"] = seed
				raw, _ := json.Marshal(params)
				e, err := ml.New(pc.Class, raw)
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
				var s float64
				if pc.Class == "MLPClassifier" {
					s, err = metrics.AccuracyScore(yte, pred)
				} else {
					s, err = metrics.R2Score(yte, pred)
				}
				if err != nil {
					t.Fatal(err)
				}
				scores = append(scores, s)
				sum += s
			}
			mean := sum / float64(pc.Seeds)
			t.Logf("mlforge %.4f %v, scikit-learn %.4f %v", mean, scores, pc.MeanScore, pc.Scores)
			if math.Abs(mean-pc.MeanScore) > 0.02 {
				t.Errorf("mean held-out score %.4f, scikit-learn %.4f: differ by more than 0.02", mean, pc.MeanScore)
			}
		})
	}
}
