package svm

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
)

// The fixture is written by testdata/gen_svm.py with scikit-learn 1.2.1.
type svcCase struct {
	Name, Data       string
	Scaled           bool
	Params           json.RawMessage
	Classes          []float64
	Support          []int
	NSupport         []int       `json:"n_support"`
	DualCoef         [][]float64 `json:"dual_coef"`
	Intercept        []float64
	Gamma            float64
	NIter            []int       `json:"n_iter"`
	DecisionFunction [][]float64 `json:"decision_function"`
	Predict          []float64
	ProbA            []float64   `json:"prob_a"`
	ProbB            []float64   `json:"prob_b"`
	PredictProba     [][]float64 `json:"predict_proba"`
}

type svrCase struct {
	Name, Data string
	Scaled     bool
	Params     json.RawMessage
	Support    []int
	DualCoef   []float64 `json:"dual_coef"`
	Intercept  float64
	Gamma      float64
	NIter      int `json:"n_iter"`
	Predict    []float64
}

type oneClassCase struct {
	svrCase
	Labels []float64
}

type svmFixture struct {
	SVC       []svcCase
	SVR       []svrCase
	NuSVC     []svcCase `json:"nusvc"`
	NuSVR     []svrCase `json:"nusvr"`
	OneClass  []oneClassCase
	LinearSVC []struct {
		Name, Data       string
		Scaled           bool
		Params           json.RawMessage
		Coef             [][]float64
		Intercept        []float64
		NIter            int         `json:"n_iter"`
		DecisionFunction [][]float64 `json:"decision_function"`
		Predict          []float64
	} `json:"linearsvc"`
	LinearSVR []struct {
		Name, Data string
		Scaled     bool
		Params     json.RawMessage
		Coef       []float64
		Intercept  float64
		NIter      int `json:"n_iter"`
		Predict    []float64
	} `json:"linearsvr"`
}

func loadFixture(t *testing.T) svmFixture {
	var fx svmFixture
	testutil.ReadJSON(t, "testdata/sklearn_svm.json", &fx)
	return fx
}

// standardize is gen_svm.py's scaling: (X - mean) / std per column, with
// the population standard deviation over all rows.
func standardize(X *mat.Dense) *mat.Dense {
	r, c := X.Dims()
	out := mat.NewDense(r, c, nil)
	for j := range c {
		col := mat.Col(nil, j, X)
		mean := 0.0
		for _, v := range col {
			mean += v
		}
		mean /= float64(r)
		ss := 0.0
		for _, v := range col {
			ss += (v - mean) * (v - mean)
		}
		sd := math.Sqrt(ss / float64(r))
		for i, v := range col {
			out.Set(i, j, (v-mean)/sd)
		}
	}
	return out
}

// loadData loads a built-in dataset as gen_svm.py does: standardised when
// scaled, its rows reversed for a name ending in "_reversed".
func loadData(t *testing.T, name string, scaled bool) (*mat.Dense, []float64) {
	base, reverse := strings.CutSuffix(name, "_reversed")
	X, y := testutil.LoadCSV(t, "data/datasets/"+base+".csv")
	if scaled {
		X = standardize(X)
	}
	if reverse {
		r, c := X.Dims()
		R := mat.NewDense(r, c, nil)
		ry := make([]float64, r)
		for i := range r {
			R.SetRow(i, X.RawRowView(r-1-i))
			ry[i] = y[r-1-i]
		}
		X, y = R, ry
	}
	return X, y
}

// maxAbs is the largest magnitude in v, at least 1.
func maxAbs(v ...[]float64) float64 {
	s := 1.0
	for _, r := range v {
		for _, x := range r {
			s = math.Max(s, math.Abs(x))
		}
	}
	return s
}

func near(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s has %d values, scikit-learn %d", what, len(got), len(want))
		return
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol {
			t.Errorf("%s[%d] = %.12g, scikit-learn %.12g (tolerance %.3g)", what, i, got[i], want[i], tol)
			return
		}
	}
}

// fittedClassifier is what SVC and NuSVC share.
type fittedClassifier interface {
	ml.Classifier
	ml.DecisionFunctioner
	GammaValue() float64
	NIter() []int
	Support() []int
	NSupport() []int
	DualCoef() *mat.Dense
	Intercept() []float64
	ml.ProbaPredictor
	ProbA() []float64
	ProbB() []float64
}

func TestSVCParity(t *testing.T) { classifierParity(t, "SVC", loadFixture(t).SVC) }

func TestNuSVCParity(t *testing.T) { classifierParity(t, "NuSVC", loadFixture(t).NuSVC) }

func classifierParity(t *testing.T, class string, cases []svcCase) {
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			X, y := loadData(t, c.Data, c.Scaled)
			est, err := ml.New(class, c.Params)
			if err != nil {
				t.Fatal(err)
			}
			if err := est.Fit(context.Background(), X, y); err != nil {
				t.Fatal(err)
			}
			m := est.(fittedClassifier)
			// gamma "scale" sums X.var() pairwise as numpy does: equal.
			if g := m.GammaValue(); g != c.Gamma {
				t.Errorf("gamma %v, scikit-learn %v", g, c.Gamma)
			}
			if !slices.Equal(m.NIter(), c.NIter) {
				t.Errorf("n_iter %v, scikit-learn %v: the solver took another path", m.NIter(), c.NIter)
			}
			if !slices.Equal(m.NSupport(), c.NSupport) {
				t.Errorf("n_support %v, scikit-learn %v", m.NSupport(), c.NSupport)
			}
			if !slices.Equal(m.Support(), c.Support) {
				t.Errorf("support %v, scikit-learn %v", m.Support(), c.Support)
			}
			if slices.Equal(m.Support(), c.Support) {
				dc := m.DualCoef()
				for r, row := range c.DualCoef {
					near(t, "dual_coef row", dc.RawRowView(r), row, tolCoef*maxAbs(row))
				}
			}
			near(t, "intercept", m.Intercept(), c.Intercept, tolCoef*maxAbs(c.Intercept))
			d, err := m.DecisionFunction(X)
			if err != nil {
				t.Fatal(err)
			}
			for i, row := range c.DecisionFunction {
				near(t, "decision_function row", d.RawRowView(i), row, tolDecision*maxAbs(row))
			}
			if c.ProbA != nil {
				// The cross-validation folds are scikit-learn's (the same
				// generator and seed): the sigmoids agree to rounding.
				near(t, "probA", m.ProbA(), c.ProbA, tolCoef*maxAbs(c.ProbA))
				near(t, "probB", m.ProbB(), c.ProbB, tolCoef*maxAbs(c.ProbB))
				pp, err := m.PredictProba(X)
				if err != nil {
					t.Fatal(err)
				}
				for i, row := range c.PredictProba {
					near(t, "predict_proba row", pp.RawRowView(i), row, tolDecision)
				}
			}
			pred, err := m.Predict(X)
			if err != nil {
				t.Fatal(err)
			}
			diff := 0
			for i, v := range pred {
				if v != c.Predict[i] {
					diff++
				}
			}
			if diff > 0 {
				t.Errorf("%d predictions differ from scikit-learn's", diff)
			}
		})
	}
}

// Tolerances, relative to the largest magnitude of the reference values.
// The solver follows libsvm's iterations one for one (n_iter_ is checked to
// be equal, pair by pair), so the fitted values differ only by rounding
// (kernel sums in another order: libsvm's BLAS ddot, the predictions'
// GEMM): the largest difference measured over these fixtures was below
// 1e-11. Were the paths to part (ties broken otherwise on another
// platform), both solutions would still meet tol = 1e-3 on the dual's
// maximal violation, which bounds how far they can be apart, but then the
// iteration check fails first and says so.
const (
	tolCoef     = 1e-9
	tolDecision = 1e-9
)

type fittedRegressor interface {
	ml.Predictor
	GammaValue() float64
	NIter() int
	Support() []int
	DualCoef() []float64
	Intercept() float64
}

func TestSVRParity(t *testing.T) { regressorParity(t, "SVR", loadFixture(t).SVR, nil) }

func TestNuSVRParity(t *testing.T) { regressorParity(t, "NuSVR", loadFixture(t).NuSVR, nil) }

// oneClassPredictor gives the decision function as Predict does a
// regressor's values, for regressorParity.
type oneClassPredictor struct{ *OneClassSVM }

func (o oneClassPredictor) Predict(X *mat.Dense) ([]float64, error) {
	d, err := o.DecisionFunction(X)
	if err != nil {
		return nil, err
	}
	return d.RawMatrix().Data, nil
}

func TestOneClassSVMParity(t *testing.T) {
	var cases []svrCase
	labels := map[string][]float64{}
	for _, c := range loadFixture(t).OneClass {
		cases = append(cases, c.svrCase)
		labels[c.Name] = c.Labels
	}
	regressorParity(t, "OneClassSVM", cases, func(t *testing.T, name string, m fittedRegressor, X *mat.Dense) {
		got, err := m.(oneClassPredictor).OneClassSVM.Predict(X)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, labels[name]) {
			t.Errorf("predict differs from scikit-learn's")
		}
	})
}

func regressorParity(t *testing.T, class string, cases []svrCase, extra func(*testing.T, string, fittedRegressor, *mat.Dense)) {
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			X, y := loadData(t, c.Data, c.Scaled)
			est, err := ml.New(class, c.Params)
			if err != nil {
				t.Fatal(err)
			}
			if class == "OneClassSVM" {
				y = nil
			}
			if err := est.Fit(context.Background(), X, y); err != nil {
				t.Fatal(err)
			}
			var m fittedRegressor
			if o, ok := est.(*OneClassSVM); ok {
				m = oneClassPredictor{o}
			} else {
				m = est.(fittedRegressor)
			}
			if extra != nil {
				defer extra(t, c.Name, m, X)
			}
			if g := m.GammaValue(); g != c.Gamma {
				t.Errorf("gamma %v, scikit-learn %v", g, c.Gamma)
			}
			if m.NIter() != c.NIter {
				t.Errorf("n_iter %v, scikit-learn %v: the solver took another path", m.NIter(), c.NIter)
			}
			if !slices.Equal(m.Support(), c.Support) {
				t.Errorf("support %v, scikit-learn %v", m.Support(), c.Support)
			} else {
				near(t, "dual_coef", m.DualCoef(), c.DualCoef, tolCoef*maxAbs(c.DualCoef))
			}
			near(t, "intercept", []float64{m.Intercept()}, []float64{c.Intercept}, tolCoef*maxAbs([]float64{c.Intercept}))
			pred, err := m.Predict(X)
			if err != nil {
				t.Fatal(err)
			}
			near(t, "predict", pred, c.Predict, tolDecision*maxAbs(c.Predict))
		})
	}
}

// TestLinearSVCParity compares LinearSVC with scikit-learn's liblinear:
// the same coordinate order (the generator is scikit-learn's, seeded the
// same way) gives the same iterations, so n_iter_ is equal and the
// coefficients agree to rounding (tolLinear); cases that stop at max_iter
// included.
func TestLinearSVCParity(t *testing.T) {
	for _, c := range loadFixture(t).LinearSVC {
		t.Run(c.Name, func(t *testing.T) {
			X, y := loadData(t, c.Data, c.Scaled)
			est, err := ml.New("LinearSVC", c.Params)
			if err != nil {
				t.Fatal(err)
			}
			if err := est.Fit(context.Background(), X, y); err != nil {
				t.Fatal(err)
			}
			m := est.(*LinearSVC)
			if m.NIter() != c.NIter {
				t.Errorf("n_iter %d, scikit-learn %d", m.NIter(), c.NIter)
			}
			coef := m.Coef()
			for r, row := range c.Coef {
				near(t, "coef row", coef.RawRowView(r), row, tolLinear*maxAbs(row))
			}
			near(t, "intercept", m.Intercept(), c.Intercept, tolLinear*maxAbs(c.Intercept))
			d, err := m.DecisionFunction(X)
			if err != nil {
				t.Fatal(err)
			}
			for i, row := range c.DecisionFunction {
				near(t, "decision_function row", d.RawRowView(i), row, tolLinear*maxAbs(row))
			}
			pred, _ := m.Predict(X)
			if !slices.Equal(pred, c.Predict) {
				t.Errorf("predictions differ from scikit-learn's")
			}
		})
	}
}

func TestLinearSVRParity(t *testing.T) {
	for _, c := range loadFixture(t).LinearSVR {
		t.Run(c.Name, func(t *testing.T) {
			X, y := loadData(t, c.Data, c.Scaled)
			est, err := ml.New("LinearSVR", c.Params)
			if err != nil {
				t.Fatal(err)
			}
			if err := est.Fit(context.Background(), X, y); err != nil {
				t.Fatal(err)
			}
			m := est.(*LinearSVR)
			if m.NIter() != c.NIter {
				t.Errorf("n_iter %d, scikit-learn %d", m.NIter(), c.NIter)
			}
			near(t, "coef", m.Coef(), c.Coef, tolLinear*maxAbs(c.Coef))
			near(t, "intercept", []float64{m.Intercept()}, []float64{c.Intercept}, tolLinear*maxAbs([]float64{c.Intercept}))
			pred, _ := m.Predict(X)
			near(t, "predict", pred, c.Predict, tolLinear*maxAbs(c.Predict))
		})
	}
}

// tolLinear is the linear models' tolerance relative to the largest
// magnitude (measured: below 1e-13 on these fixtures, the sums of the
// same terms in the same order but for the predictions' GEMM).
const tolLinear = 1e-9
