package naivebayes

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
)

// The fixture is written by testdata/gen.py with scikit-learn 1.2.1.
type fixture struct {
	Splits map[string]struct{ Train, Test []int }
	Cases  []struct {
		Name, Data, Split string
		Params            json.RawMessage
		Classes           []float64
		Theta, Var        [][]float64
		ClassPrior        []float64 `json:"class_prior"`
		ClassCount        []float64 `json:"class_count"`
		Epsilon           float64
		Predict           []float64
		PredictProba      [][]float64 `json:"predict_proba"`
		PredictLogProba   [][]float64 `json:"predict_log_proba"`
		Score             float64
	}
}

func flat(rows [][]float64) []float64 {
	var out []float64
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

func TestGaussianNBParity(t *testing.T) {
	var f fixture
	testutil.ReadJSON(t, "testdata/sklearn_gaussiannb.json", &f)
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			X, y := testutil.LoadCSV(t, c.Data)
			sp := f.Splits[c.Split]
			Xtr, ytr := testutil.Rows(X, sp.Train), testutil.Take(y, sp.Train)
			Xte, yte := testutil.Rows(X, sp.Test), testutil.Take(y, sp.Test)
			est, err := ml.New("GaussianNB", c.Params)
			if err != nil {
				t.Fatal(err)
			}
			m := est.(*GaussianNB)
			if err := m.Fit(context.Background(), Xtr, ytr); err != nil {
				t.Fatal(err)
			}
			testutil.AllClose(t, "classes", m.Classes(), c.Classes, 0, 0)
			testutil.AllClose(t, "class_count", m.ClassCount(), c.ClassCount, 0, 0)
			// Means and variances are sums of the same numbers in another
			// order (numpy sums pairwise): 1e-12 relative, plus an absolute
			// 1e-12 of the feature scale for means near zero.
			testutil.AllClose(t, "theta", testutil.Flatten(m.Theta()), flat(c.Theta), 1e-12, 1e-12*maxAbs(flat(c.Theta)))
			testutil.AllClose(t, "var", testutil.Flatten(m.Var()), flat(c.Var), 1e-10, 0)
			testutil.AllClose(t, "class_prior", m.ClassPrior(), c.ClassPrior, 1e-15, 0)
			if math.Abs(m.Epsilon()-c.Epsilon) > 1e-12*c.Epsilon {
				t.Errorf("epsilon = %v, want %v", m.Epsilon(), c.Epsilon)
			}
			nr := len(c.Predict)
			Xs := testutil.Rows(Xte, seq(nr))
			L, err := m.PredictLogProba(Xs)
			if err != nil {
				t.Fatal(err)
			}
			// Log-probabilities are differences of large joint
			// log-likelihoods (down to -7e9 on digits, where var_smoothing
			// is tiny): 1e-9 relative and 1e-9 absolute.
			testutil.AllClose(t, "predict_log_proba", testutil.Flatten(L), flat(c.PredictLogProba), 1e-9, 1e-9)
			P, err := m.PredictProba(Xs)
			if err != nil {
				t.Fatal(err)
			}
			// Probabilities: exp of the above, 1e-9 absolute.
			testutil.AllClose(t, "predict_proba", testutil.Flatten(P), flat(c.PredictProba), 0, 1e-9)
			pred, err := m.Predict(Xte)
			if err != nil {
				t.Fatal(err)
			}
			testutil.AllClose(t, "predict", pred[:nr], c.Predict, 0, 0)
			ok := 0
			for i := range yte {
				if pred[i] == yte[i] {
					ok++
				}
			}
			// Held-out accuracy: identical predictions give the same score;
			// the bar is 0.01.
			if acc := float64(ok) / float64(len(yte)); math.Abs(acc-c.Score) > 0.01 {
				t.Errorf("accuracy = %v, want %v ± 0.01", acc, c.Score)
			}
		})
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}
