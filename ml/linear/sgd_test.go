package linear

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/mltest"
	"gonum.org/v1/gonum/mat"
)

func standardise(X *mat.Dense) {
	n, p := X.Dims()
	for j := 0; j < p; j++ {
		var m, s float64
		for i := 0; i < n; i++ {
			m += X.At(i, j)
		}
		m /= float64(n)
		for i := 0; i < n; i++ {
			s += (X.At(i, j) - m) * (X.At(i, j) - m)
		}
		s = math.Sqrt(s / float64(n))
		for i := 0; i < n; i++ {
			X.Set(i, j, (X.At(i, j)-m)/s)
		}
	}
}

// TestSGDParity compares SGDClassifier, SGDRegressor, Perceptron and the
// passive-aggressive classes against scikit-learn 1.2.1
// (testdata/gen_sgd.py), with shuffle=false and with scikit-learn's
// shuffle (the seeds drawn from RandomState(random_state) as it draws
// them): coef_ and intercept_ within 1e-6 relative to the largest
// magnitude (the same update sequence, so only rounding differs, e.g. in
// Go's math.Exp against the C library's exp; the largest deviation
// measured when the test was written was 3.4e-9 of it), the same n_iter_, and for log_loss and modified_huber
// predict_proba on the first 10 rows within 1e-6.
func TestSGDParity(t *testing.T) {
	var fx struct {
		Cases []struct {
			Class, Data string
			Params      json.RawMessage
			Coef        [][]float64
			Intercept   []float64
			NIter       int `json:"n_iter"`
			Proba       [][]float64
		}
	}
	testutil.ReadJSON(t, "testdata/sklearn_sgd.json", &fx)
	for _, c := range fx.Cases {
		t.Run(c.Class+"_"+c.Data+string(c.Params), func(t *testing.T) {
			X, y := testutil.LoadCSV(t, "data/datasets/"+c.Data+".csv")
			standardise(X)
			est, err := ml.New(c.Class, c.Params)
			if err != nil {
				t.Fatal(err)
			}
			if err := est.Fit(context.Background(), X, y); err != nil {
				t.Fatal(err)
			}
			var coef [][]float64
			var b []float64
			var nIter int
			switch m := est.(type) {
			case interface{ Coef() *mat.Dense }: // the classifiers
				for r := range c.Coef {
					coef = append(coef, m.Coef().RawRowView(r))
				}
				b = est.(interface{ Intercept() []float64 }).Intercept()
			case interface{ Coef() []float64 }: // the regressors
				coef, b = [][]float64{m.Coef()}, []float64{est.(interface{ Intercept() float64 }).Intercept()}
			}
			nIter = est.(interface{ NIter() int }).NIter()
			if nIter != c.NIter {
				t.Errorf("n_iter %d, scikit-learn %d", nIter, c.NIter)
			}
			scale := 1.0
			for r, row := range c.Coef {
				for _, v := range row {
					scale = math.Max(scale, math.Abs(v))
				}
				scale = math.Max(scale, math.Abs(c.Intercept[r]))
			}
			for r, row := range c.Coef {
				for j, v := range row {
					if math.Abs(coef[r][j]-v) > 1e-6*scale {
						t.Errorf("coef[%d][%d] = %.12g, scikit-learn %.12g", r, j, coef[r][j], v)
					}
				}
				if math.Abs(b[r]-c.Intercept[r]) > 1e-6*scale {
					t.Errorf("intercept[%d] = %.12g, scikit-learn %.12g", r, b[r], c.Intercept[r])
				}
			}
			if c.Proba == nil {
				return
			}
			P, err := est.(ml.ProbaPredictor).PredictProba(X.Slice(0, len(c.Proba), 0, X.RawMatrix().Cols).(*mat.Dense))
			if err != nil {
				t.Fatal(err)
			}
			for i, row := range c.Proba {
				for k, v := range row {
					if math.Abs(P.At(i, k)-v) > 1e-6 {
						t.Errorf("predict_proba[%d][%d] = %.12g, scikit-learn %.12g", i, k, P.At(i, k), v)
					}
				}
			}
		})
	}
}

// TestSGDBadInput checks errors that name the parameter.
func TestSGDBadInput(t *testing.T) {
	X := mat.NewDense(4, 2, []float64{1, 2, 3, 4, 5, 6, 7, 9})
	y := []float64{0, 1, 0, 1}
	for _, c := range []struct{ class, params, want string }{
		{"SGDClassifier", `{"alpha": -1}`, "alpha"},
		{"SGDClassifier", `{"alpha": 0}`, "alpha"},
		{"SGDClassifier", `{"l1_ratio": 1.5}`, "l1_ratio"},
		{"SGDClassifier", `{"learning_rate": "constant"}`, "eta0"},
		{"SGDClassifier", `{"learning_rate": "constant", "eta0": -1}`, "eta0"},
		{"SGDClassifier", `{"loss": "hinje"}`, `did you mean "hinge"`},
		{"SGDClassifier", `{"penalty": "l3"}`, "penalty"},
		{"SGDClassifier", `{"tol": -1}`, "tol"},
		{"SGDClassifier", `{"average": -1}`, "average"},
		{"SGDClassifier", `{"average": "yes"}`, "average"},
		{"SGDClassifier", `{"average": 1.5}`, "average"},
		{"SGDClassifier", `{"early_stopping": true, "validation_fraction": 0}`, "validation_fraction"},
		{"SGDClassifier", `{"class_weight": {"3": 2}}`, "class"},
		{"SGDRegressor", `{"loss": "hinge"}`, "loss"},
		{"SGDRegressor", `{"learning_rate": "optimal", "alpha": 0}`, "alpha"},
		{"SGDRegressor", `{"power_t": "x"}`, "power_t"},
		{"Perceptron", `{"loss": "hinge"}`, "unknown parameter"},
		{"Perceptron", `{"learning_rate": "optimal"}`, "unknown parameter"},
		{"Perceptron", `{"eta0": 0}`, "eta0"},
		{"PassiveAggressiveClassifier", `{"C": 0}`, "C"},
		{"PassiveAggressiveClassifier", `{"loss": "log_loss"}`, "loss"},
		{"PassiveAggressiveClassifier", `{"penalty": "l2"}`, "unknown parameter"},
		{"PassiveAggressiveRegressor", `{"C": -1}`, "C"},
		{"PassiveAggressiveRegressor", `{"loss": "hinge"}`, "loss"},
		{"PassiveAggressiveRegressor", `{"epsilon": -0.5}`, "epsilon"},
	} {
		est, err := ml.New(c.class, json.RawMessage(c.params))
		if err == nil {
			err = est.Fit(context.Background(), X, y)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: error %v, want one naming %s", c.class, c.params, err, c.want)
		}
	}
	// Early stopping's stratified split needs two samples of each class,
	// as scikit-learn's StratifiedShuffleSplit does.
	est, err := ml.New("SGDClassifier", json.RawMessage(`{"early_stopping": true}`))
	if err != nil {
		t.Fatal(err)
	}
	X3 := mat.NewDense(5, 2, []float64{1, 2, 3, 4, 5, 6, 7, 9, 2, 2})
	err = est.Fit(context.Background(), X3, []float64{0, 1, 0, 1, 2})
	if err == nil || !ml.IsBadInput(err) || !strings.Contains(err.Error(), "least populated class") {
		t.Errorf("early stopping with a class of one sample: error %v, want a bad-input error naming the least populated class", err)
	}
}

// TestSGDAverageParam checks that average takes scikit-learn's true, false
// and integers, and is written back as it was given.
func TestSGDAverageParam(t *testing.T) {
	for in, want := range map[string]string{`true`: `true`, `false`: `false`, `0`: `false`, `1`: `true`, `10`: `10`} {
		est, err := ml.New("SGDClassifier", json.RawMessage(`{"average": `+in+`}`))
		if err != nil {
			t.Fatalf("average %s: %v", in, err)
		}
		raw, err := ml.Params(est)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		if string(got["average"]) != want {
			t.Errorf("average %s is written back as %s, want %s", in, got["average"], want)
		}
	}
	// tol null disables the tolerance stop: max_iter epochs run.
	X, y := testutil.LoadCSV(t, "data/datasets/iris.csv")
	est, err := ml.New("SGDClassifier", json.RawMessage(`{"tol": null, "max_iter": 7}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := est.Fit(context.Background(), X, y); err != nil {
		t.Fatal(err)
	}
	if n := est.(*SGDClassifier).NIter(); n != 7 {
		t.Errorf("tol null, max_iter 7: %d epochs, want 7", n)
	}
}

// TestSGDNJobs checks that the one-vs-rest problems fitted at once
// (n_jobs 2 and -1) give bit for bit the model of n_jobs null, with as
// many progress events, and that the common checks hold with n_jobs 2.
func TestSGDNJobs(t *testing.T) {
	X, y := testutil.LoadCSV(t, "data/datasets/wine.csv")
	standardise(X)
	for _, class := range []string{"SGDClassifier", "Perceptron", "PassiveAggressiveClassifier"} {
		var want *mat.Dense
		var wantEvents int
		for _, jobs := range []string{"null", "2", "-1"} {
			est, err := ml.New(class, json.RawMessage(`{"random_state": 1, "n_jobs": `+jobs+`}`))
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			events := 0
			ctx := ml.WithProgress(context.Background(), ml.ReporterFunc(func(ml.Event) { mu.Lock(); events++; mu.Unlock() }))
			if err := est.Fit(ctx, X, y); err != nil {
				t.Fatal(err)
			}
			coef := est.(interface{ Coef() *mat.Dense }).Coef()
			if want == nil {
				want, wantEvents = coef, events
				continue
			}
			if !mat.Equal(coef, want) {
				t.Errorf("%s n_jobs %s: coefficients differ from n_jobs null", class, jobs)
			}
			if events != wantEvents {
				t.Errorf("%s n_jobs %s: %d progress events, n_jobs null %d", class, jobs, events, wantEvents)
			}
		}
		t.Run(class, func(t *testing.T) {
			opts := mltest.OptionsFor(class)
			opts.Params = json.RawMessage(`{"random_state": 0, "n_jobs": 2}`)
			mltest.CheckWith(t, class, opts)
		})
	}
}
