package all_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
)

// weightsFixture is written by testdata/gen_weights.py with scikit-learn
// 1.2.1: each case fitted on all rows of a dataset with sample weights
// i % 4 (zeros, and integer weights that equal repeating rows).
type weightsFixture struct {
	Cases []struct {
		Name, Class, Data, Prep string
		Params                  json.RawMessage
		Predict, Labels         []float64
		PredictProba            [][]float64 `json:"predict_proba"`
		DecisionFunction        [][]float64 `json:"decision_function"`
		Transform               [][]float64
		Coef, Intercept, Alpha  []float64
		Inertia                 *float64
		Centers                 [][]float64
	}
}

// weightTol is a case's tolerance: absolute on probabilities, relative
// to the largest magnitude (at least 1) of the values compared
// otherwise. Every predicted class and cluster label must agree. The
// values come from the reference run of gen_weights.py (the test logs
// each difference): most cases agree to rounding, at most 3.2e-11 on
// predictions of magnitude 295 (RidgeCV) and 6.7e-12 on probabilities
// (LogisticRegression on breast cancer), under the default 1e-10; the
// others below are the largest difference seen rounded up about tenfold,
// where the solvers stop at their tolerances on different paths (scipy's
// L-BFGS-B against ours, fmin_bfgs against Newton's method for Platt's
// sigmoid).
var weightTol = map[string]float64{
	"logreg_lbfgs_iris":         2e-5, // 1.9e-6 on proba, 7.8e-6 on coef of 2.93
	"sgdclf_log_avg":            1e-5, // 6.6e-7 on proba, 3.6e-5 on coef of 39.8
	"voting_soft":               1e-5, // 9.7e-7 (its LogisticRegression)
	"calibrated_sigmoid":        1e-6, // 5.2e-8
	"logreg_liblinear_l1":       1e-8, // 1.1e-9 on coef of 4.57: newGLMNET's shrinking takes another path at tol 1e-10 (as unweighted, see ml/linear's iris_l1_tight)
	"calibrated_noensemble":     1e-6, // 1.4e-8
	"calibrated_unweighted_knn": 2e-6, // 1.9e-7
}

// defaultWeightTol is the tolerance of the cases weightTol does not name.
const defaultWeightTol = 1e-10

// weightedIn returns i % 4 for n rows.
func weightedIn(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = float64(i % 4)
	}
	return w
}

// prepared applies a case's prep to X, as gen_weights.py does.
func prepared(X *mat.Dense, how string) *mat.Dense {
	r, c := X.Dims()
	out := mat.DenseCopyOf(X)
	switch how {
	case "standardize":
		for j := 0; j < c; j++ {
			mean, sq := 0.0, 0.0
			for i := 0; i < r; i++ {
				mean += X.At(i, j)
			}
			mean /= float64(r)
			for i := 0; i < r; i++ {
				d := X.At(i, j) - mean
				sq += d * d
			}
			std := math.Sqrt(sq / float64(r))
			for i := 0; i < r; i++ {
				out.Set(i, j, (X.At(i, j)-mean)/std)
			}
		}
	case "floor":
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				out.Set(i, j, math.Floor(X.At(i, j)))
			}
		}
	}
	return out
}

// maxDiff returns the largest |got - want| and the largest |want|.
func maxDiff(got, want []float64) (d, scale float64) {
	for i := range want {
		d = math.Max(d, math.Abs(got[i]-want[i]))
		scale = math.Max(scale, math.Abs(want[i]))
	}
	return d, scale
}

// TestSampleWeightParity fits every case of the fixture with FitWeighted
// and compares its outputs with scikit-learn's fit(X, y, sample_weight).
func TestSampleWeightParity(t *testing.T) {
	var f weightsFixture
	testutil.ReadJSON(t, "testdata/sklearn_weights.json", &f)
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			X, y := testutil.LoadCSV(t, "data/datasets/"+c.Data+".csv")
			X = prepared(X, c.Prep)
			n, _ := X.Dims()
			w := weightedIn(n)
			est, err := ml.New(c.Class, c.Params)
			if err != nil {
				t.Fatal(err)
			}
			wf, ok := est.(ml.WeightedFitter)
			if !ok {
				t.Fatalf("%s does not implement ml.WeightedFitter", c.Class)
			}
			if ml.ClassOf(est).Task == ml.Clustering || ml.ClassOf(est).Task == ml.Transform {
				y = nil
			}
			if err := wf.FitWeighted(context.Background(), X, y, w); err != nil {
				t.Fatal(err)
			}
			tol, ok := weightTol[c.Name]
			if !ok {
				tol = defaultWeightTol
			}
			check := func(what string, got, want []float64, rel bool) {
				t.Helper()
				if len(got) != len(want) {
					t.Fatalf("%s: %d values, scikit-learn has %d", what, len(got), len(want))
				}
				d, scale := maxDiff(got, want)
				lim := tol
				if rel {
					lim *= math.Max(scale, 1)
				}
				t.Logf("%s: max |diff| %.3g (scale %.3g)", what, d, scale)
				if !(d <= lim) {
					t.Errorf("%s: max |diff| %.3g > %.3g", what, d, lim)
				}
			}
			if c.Predict != nil {
				pr, err := est.(ml.Predictor).Predict(X)
				if err != nil {
					t.Fatal(err)
				}
				if ml.ClassOf(est).Task == ml.Regression {
					check("predict", pr, c.Predict, true)
				} else {
					bad := 0
					for i := range pr {
						if pr[i] != c.Predict[i] {
							bad++
						}
					}
					t.Logf("predict: %d of %d differ", bad, len(pr))
					if bad > 0 {
						t.Errorf("predict: %d of %d rows differ from scikit-learn's", bad, len(pr))
					}
				}
			}
			if c.PredictProba != nil {
				P, err := est.(ml.ProbaPredictor).PredictProba(X)
				if err != nil {
					t.Fatal(err)
				}
				check("predict_proba", P.RawMatrix().Data, flatRows(c.PredictProba), false)
			}
			if c.DecisionFunction != nil {
				D, err := est.(ml.DecisionFunctioner).DecisionFunction(X)
				if err != nil {
					t.Fatal(err)
				}
				check("decision_function", testutil.Flatten(D), flatRows(c.DecisionFunction), true)
			}
			if c.Transform != nil {
				T, err := est.(ml.Transformer).Transform(X)
				if err != nil {
					t.Fatal(err)
				}
				check("transform", testutil.Flatten(T), flatRows(c.Transform), true)
			}
			if c.Labels != nil {
				lab := est.(interface{ Labels() []int }).Labels()
				bad := 0
				for i, l := range lab {
					if float64(l) != c.Labels[i] {
						bad++
					}
				}
				if bad > 0 {
					t.Errorf("labels: %d of %d differ from scikit-learn's", bad, len(lab))
				}
			}
			if c.Inertia != nil {
				in := est.(interface{ Inertia() float64 }).Inertia()
				check("inertia", []float64{in}, []float64{*c.Inertia}, true)
				check("centers", testutil.Flatten(est.(interface{ ClusterCenters() *mat.Dense }).ClusterCenters()), flatRows(c.Centers), true)
			}
			if c.Alpha != nil {
				if a, ok := est.(interface{ Alpha() float64 }); ok {
					check("alpha", []float64{a.Alpha()}, c.Alpha, true)
				}
			}
			if c.Coef != nil {
				switch e := est.(type) {
				case interface{ Coef() []float64 }:
					check("coef", e.Coef(), c.Coef, true)
				case interface{ Coef() *mat.Dense }:
					check("coef", testutil.Flatten(e.Coef()), c.Coef, true)
				}
			}
		})
	}
}

func flatRows(rows [][]float64) []float64 {
	var out []float64
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

// outputsOf returns what a fitted estimator gives on X, for comparing two
// fits: decisions, else probabilities, else predictions for a supervised
// estimator; the transform of a transformer; the centres of k-means.
func outputsOf(t *testing.T, e ml.Estimator, X *mat.Dense) []float64 {
	t.Helper()
	var M mat.Matrix
	var err error
	switch v := e.(type) {
	case interface{ ClusterCenters() *mat.Dense }:
		M = v.ClusterCenters()
	case ml.DecisionFunctioner:
		M, err = v.DecisionFunction(X)
	case ml.ProbaPredictor:
		M, err = v.PredictProba(X)
	case ml.Transformer:
		M, err = v.Transform(X)
	case ml.Predictor:
		var p []float64
		p, err = v.Predict(X)
		M = mat.NewVecDense(len(p), p)
	}
	if err != nil {
		t.Fatal(err)
	}
	return testutil.Flatten(M)
}

// TestSampleWeightRows checks scikit-learn's two invariances of sample
// weights where the algorithm has them: a weight of 0 is dropping the row,
// and an integer weight k is repeating the row k times. The weights are
// i % 4. tol is relative to the outputs' magnitude; the deterministic
// solvers agree to rounding, the iterative ones to their stopping rules
// (the largest difference seen, rounded up about tenfold).
func TestSampleWeightRows(t *testing.T) {
	for _, c := range []struct {
		class, params, data string
		drop, repeat        float64 // tolerances
	}{
		{"LinearRegression", `{}`, "diabetes", 1e-12, 1e-12},
		{"Ridge", `{"alpha": 2}`, "diabetes", 1e-12, 1e-12},
		{"Lasso", `{"alpha": 0.1, "tol": 1e-12, "max_iter": 100000}`, "diabetes", 1e-9, 1e-9},
		{"ElasticNet", `{"alpha": 0.05, "l1_ratio": 0.3, "tol": 1e-12, "max_iter": 100000}`, "diabetes", 1e-9, 1e-9},
		{"RidgeClassifier", `{}`, "iris", 1e-12, 1e-12},
		// L-BFGS stops on its gradient tolerance: 2.8e-5 on decisions of 13.4.
		{"LogisticRegression", `{"max_iter": 10000, "tol": 1e-12}`, "iris", 1e-12, 2e-5},
		{"MultinomialNB", `{}`, "iris", 1e-12, 1e-12},
		{"BernoulliNB", `{"binarize": 3}`, "iris", 1e-12, 1e-12},
		{"ComplementNB", `{}`, "iris", 1e-12, 1e-12},
		// epsilon is var_smoothing times the largest unweighted variance of
		// all rows, as in scikit-learn: 8.1e-10 on probabilities.
		{"GaussianNB", `{}`, "iris", 1e-8, 1e-8},
		// libsvm leaves out the rows of weight 0; repeated rows make Q
		// singular, and SMO stops within tol (1e-3) of the same dual: 1.9e-4
		// on decisions of 2.25.
		{"SVC", `{"gamma": 0.5}`, "iris", 1e-12, 1e-3},
		{"StandardScaler", `{}`, "iris", 1e-12, 1e-12},
		{"KMeans", `{"n_clusters": 3, "init": [[5.1, 3.5, 1.4, 0.2], [5.7, 2.6, 3.5, 1.0], [7.7, 3.0, 6.1, 2.3]], "n_init": 1}`, "iris", 1e-12, 1e-12},
	} {
		t.Run(c.class, func(t *testing.T) {
			X, y := testutil.LoadCSV(t, "data/datasets/"+c.data+".csv")
			n, p := X.Dims()
			w := weightedIn(n)
			if task := ml.ClassOf(mustNew(t, c.class, c.params)).Task; task == ml.Clustering || task == ml.Transform {
				y = nil
			}
			weighted := mustNew(t, c.class, c.params)
			if err := weighted.(ml.WeightedFitter).FitWeighted(context.Background(), X, y, w); err != nil {
				t.Fatal(err)
			}
			want := outputsOf(t, weighted, X)
			// drop: the rows of weight 0 left out, the others weighted.
			var kept, kw, ky []float64
			// repeat: each row repeated w times, unweighted.
			var rep, ry []float64
			for i := 0; i < n; i++ {
				if w[i] > 0 {
					kept = append(kept, X.RawRowView(i)...)
					kw = append(kw, w[i])
					if y != nil {
						ky = append(ky, y[i])
					}
				}
				for range int(w[i]) {
					rep = append(rep, X.RawRowView(i)...)
					if y != nil {
						ry = append(ry, y[i])
					}
				}
			}
			for _, k := range []struct {
				name string
				tol  float64
				fit  func(e ml.Estimator) error
			}{
				{"drop", c.drop, func(e ml.Estimator) error {
					return e.(ml.WeightedFitter).FitWeighted(context.Background(), mat.NewDense(len(kw), p, kept), ky, kw)
				}},
				{"repeat", c.repeat, func(e ml.Estimator) error {
					return e.Fit(context.Background(), mat.NewDense(len(rep)/p, p, rep), ry)
				}},
			} {
				e := mustNew(t, c.class, c.params)
				if err := k.fit(e); err != nil {
					t.Fatal(err)
				}
				got := outputsOf(t, e, X)
				d, scale := maxDiff(got, want)
				t.Logf("%s: max |diff| %.3g (scale %.3g)", k.name, d, scale)
				if !(d <= k.tol*math.Max(scale, 1)) {
					t.Errorf("%s: the fit on the rows differs from the weighted fit by %.3g (scale %.3g)", k.name, d, scale)
				}
			}
		})
	}
}

func mustNew(t *testing.T, class, params string) ml.Estimator {
	t.Helper()
	e, err := ml.New(class, json.RawMessage(params))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestSampleWeightRefusedMembers checks that a meta-estimator given
// weights refuses a member that cannot take them, naming it, as
// scikit-learn 1.2 raises "Underlying estimator ... does not support
// sample weights"; CalibratedClassifierCV instead fits such an estimator
// unweighted and weighs only its calibrators, as scikit-learn does.
func TestSampleWeightRefusedMembers(t *testing.T) {
	X, y := testutil.LoadCSV(t, "data/datasets/iris.csv")
	n, _ := X.Dims()
	w := weightedIn(n)
	for _, c := range []struct{ class, params, want string }{
		{"VotingClassifier", `{"estimators": [{"name": "nb", "class": "GaussianNB"}, {"name": "knn", "class": "KNeighborsClassifier"}]}`,
			`sample_weight: estimator "knn": underlying estimator KNeighborsClassifier does not take sample weights`},
		{"StackingClassifier", `{"estimators": [{"name": "knn", "class": "KNeighborsClassifier"}]}`,
			`estimator "knn": underlying estimator KNeighborsClassifier does not take sample weights`},
		{"StackingClassifier", `{"estimators": [{"name": "nb", "class": "GaussianNB"}], "final_estimator": {"class": "KNeighborsClassifier"}}`,
			`final_estimator: sample_weight: underlying estimator KNeighborsClassifier does not take sample weights`},
	} {
		e := mustNew(t, c.class, c.params)
		err := e.(ml.WeightedFitter).FitWeighted(context.Background(), X, y, w)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: %v, want %q", c.class, c.params, err, c.want)
		}
	}
	bad := append([]float64(nil), w...)
	for _, v := range []float64{-1, math.NaN(), math.Inf(1)} {
		bad[5] = v
		for _, class := range []string{"LinearRegression", "GaussianNB", "SVC", "KMeans", "LogisticRegression", "SGDClassifier", "LinearSVC", "VotingClassifier"} {
			params := `{}`
			if class == "VotingClassifier" {
				params = `{"estimators": [{"name": "nb", "class": "GaussianNB"}]}`
			}
			e := mustNew(t, class, params)
			err := e.(ml.WeightedFitter).FitWeighted(context.Background(), X, y, bad)
			if err == nil || !strings.Contains(err.Error(), "sample_weight[5]") || !ml.IsBadInput(err) {
				t.Errorf("%s with a weight %v: %v, want a bad-input error naming sample_weight[5]", class, v, err)
			}
		}
	}
	var zero = make([]float64, n)
	if err := mustNew(t, "Ridge", `{}`).(ml.WeightedFitter).FitWeighted(context.Background(), X, y, zero); err == nil || !strings.Contains(err.Error(), "sums to 0") {
		t.Errorf("Ridge with every weight 0: %v", err)
	}
}
