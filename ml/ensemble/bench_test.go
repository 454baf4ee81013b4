package ensemble

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

// benchData is a 15,000 x 20 problem like bench/classic's: a noisy
// linear target, and three classes cut from it.
func benchData(classify bool) (*mat.Dense, []float64) {
	r := rand.New(rand.NewPCG(1, 2))
	n, p := 15000, 20
	X := mat.NewDense(n, p, nil)
	y := make([]float64, n)
	for i := range n {
		s := 0.0
		for j := range p {
			v := r.NormFloat64()
			X.Set(i, j, v)
			if j < 12 {
				s += float64(j+1) * v
			}
		}
		s += 10 * r.NormFloat64()
		y[i] = s
		if classify {
			y[i] = float64(min(2, max(0, int(s/20+1))))
		}
	}
	return X, y
}

func benchFit(b *testing.B, class string, classify bool) {
	X, y := benchData(classify)
	for b.Loop() {
		e, err := ml.New(class, json.RawMessage(`{"n_estimators": 20, "random_state": 0}`))
		if err != nil {
			b.Fatal(err)
		}
		if err := e.Fit(context.Background(), X, y); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRandomForestClassifier(b *testing.B) { benchFit(b, "RandomForestClassifier", true) }
func BenchmarkRandomForestRegressor(b *testing.B)  { benchFit(b, "RandomForestRegressor", false) }
func BenchmarkExtraTreesClassifier(b *testing.B)   { benchFit(b, "ExtraTreesClassifier", true) }
func BenchmarkExtraTreesRegressor(b *testing.B)    { benchFit(b, "ExtraTreesRegressor", false) }

func BenchmarkGradientBoostingClassifier(b *testing.B) {
	X, y := benchData(true)
	for b.Loop() {
		e, err := ml.New("GradientBoostingClassifier", json.RawMessage(`{"n_estimators": 10}`))
		if err != nil {
			b.Fatal(err)
		}
		if err := e.Fit(context.Background(), X, y); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGradientBoostingRegressor(b *testing.B) {
	X, y := benchData(false)
	for b.Loop() {
		e, err := ml.New("GradientBoostingRegressor", json.RawMessage(`{"n_estimators": 20}`))
		if err != nil {
			b.Fatal(err)
		}
		if err := e.Fit(context.Background(), X, y); err != nil {
			b.Fatal(err)
		}
	}
}

// benchHist fits a HistGradientBoosting class with scikit-learn's defaults
// (100 iterations; early stopping "auto" is on above 10,000 rows) and
// predicts the training rows.
func benchHist(b *testing.B, class string, classify bool) {
	X, y := benchData(classify)
	for b.Loop() {
		e, err := ml.New(class, json.RawMessage(`{"random_state": 0}`))
		if err != nil {
			b.Fatal(err)
		}
		if err := e.Fit(context.Background(), X, y); err != nil {
			b.Fatal(err)
		}
		if _, err := e.(ml.Predictor).Predict(X); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHistGradientBoostingClassifier(b *testing.B) {
	benchHist(b, "HistGradientBoostingClassifier", true)
}

func BenchmarkHistGradientBoostingRegressor(b *testing.B) {
	benchHist(b, "HistGradientBoostingRegressor", false)
}

func BenchmarkAdaBoostRegressor(b *testing.B) {
	X, y := benchData(false)
	for b.Loop() {
		e, err := ml.New("AdaBoostRegressor", json.RawMessage(`{"random_state": 0}`))
		if err != nil {
			b.Fatal(err)
		}
		if err := e.Fit(context.Background(), X, y); err != nil {
			b.Fatal(err)
		}
		if _, err := e.(ml.Predictor).Predict(X); err != nil {
			b.Fatal(err)
		}
	}
}
