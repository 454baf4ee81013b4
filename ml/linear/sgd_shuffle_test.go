package linear

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

// TestSGDShuffleQuality compares held-out scores (every 4th row held out,
// standardised features, NaN from constant columns set to 0,
// random_state 0, shuffle on) with scikit-learn 1.2.1's, printed by
// gen_sgd.py --quality, for every class, with and without early stopping
// (whose validation split is scikit-learn's too). The fits are
// scikit-learn's update for update (TestSGDParity), so the scores agree
// to rounding: the reference run gave a gap of 0 in every case, and the
// tolerance, 1e-9, is far below one held-out sample (1/143 at the least).
func TestSGDShuffleQuality(t *testing.T) {
	for _, c := range []struct {
		class, data, params string
		want                float64
	}{
		{"SGDClassifier", "breast_cancer", `{"loss": "log_loss"}`, 0.972027972027972},
		{"SGDClassifier", "digits", `{}`, 0.9577777777777777},
		{"SGDRegressor", "diabetes", `{}`, 0.46475294963332214},
		{"Perceptron", "digits", `{}`, 0.9511111111111111},
		{"PassiveAggressiveClassifier", "digits", `{}`, 0.9511111111111111},
		{"PassiveAggressiveRegressor", "diabetes", `{}`, 0.38400420434349325},
		{"SGDClassifier", "breast_cancer", `{"early_stopping": true}`, 0.9300699300699301},
		{"SGDClassifier", "digits", `{"early_stopping": true, "loss": "log_loss"}`, 0.9488888888888889},
		{"SGDRegressor", "diabetes", `{"early_stopping": true}`, 0.46783609583061947},
		{"Perceptron", "digits", `{"early_stopping": true}`, 0.9355555555555556},
		{"PassiveAggressiveClassifier", "breast_cancer", `{"early_stopping": true}`, 0.972027972027972},
		{"PassiveAggressiveRegressor", "diabetes", `{"early_stopping": true}`, 0.38909890608963515},
	} {
		X, y := testutil.LoadCSV(t, "data/datasets/"+c.data+".csv")
		standardise(X)
		n, p := X.Dims()
		for i := 0; i < n; i++ {
			for j := 0; j < p; j++ {
				if math.IsNaN(X.At(i, j)) {
					X.Set(i, j, 0)
				}
			}
		}
		var tr, te []int
		for i := 0; i < n; i++ {
			if i%4 != 0 {
				tr = append(tr, i)
			} else {
				te = append(te, i)
			}
		}
		sub := func(rows []int) (*mat.Dense, []float64) {
			S := mat.NewDense(len(rows), p, nil)
			v := make([]float64, len(rows))
			for k, i := range rows {
				S.SetRow(k, X.RawRowView(i))
				v[k] = y[i]
			}
			return S, v
		}
		Xtr, ytr := sub(tr)
		Xte, yte := sub(te)
		params := json.RawMessage(`{"random_state": 0, ` + c.params[1:])
		if c.params == `{}` {
			params = json.RawMessage(`{"random_state": 0}`)
		}
		est, err := ml.New(c.class, params)
		if err != nil {
			t.Fatal(err)
		}
		if err := est.Fit(context.Background(), Xtr, ytr); err != nil {
			t.Fatal(err)
		}
		pred, err := est.(ml.Predictor).Predict(Xte)
		if err != nil {
			t.Fatal(err)
		}
		var got float64
		if strings.HasSuffix(c.class, "Regressor") {
			var mean, ss, st float64
			for _, v := range yte {
				mean += v / float64(len(yte))
			}
			for i, v := range yte {
				ss += (v - pred[i]) * (v - pred[i])
				st += (v - mean) * (v - mean)
			}
			got = 1 - ss/st
		} else {
			for i, v := range yte {
				if pred[i] == v {
					got++
				}
			}
			got /= float64(len(yte))
		}
		if math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s %s %s: held-out score %.4f, scikit-learn %.4f", c.class, c.data, c.params, got, c.want)
		}
	}
}
