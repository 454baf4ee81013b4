package linear

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

func iris(t *testing.T) (*mat.Dense, []float64) {
	d := loadData(t, "data/datasets/iris.csv")
	return d.X, d.y
}

func diabetes(t *testing.T) (*mat.Dense, []float64) {
	d := loadData(t, "data/datasets/diabetes.csv")
	return d.X, d.y
}

func TestParamErrors(t *testing.T) {
	cases := []struct {
		class, params, want string
	}{
		{"LogisticRegression", `{"solver":"newton-cg"}`, `solver: expected one of "lbfgs", "saga", "liblinear"`},
		{"LogisticRegression", `{"penalty":"l3"}`, `penalty: expected one of "l2", "none", "l1", "elasticnet"`},
		{"LogisticRegression", `{"penalty":"l1"}`, `Solver lbfgs supports only 'l2' or 'none' penalties, got l1 penalty.`},
		{"LogisticRegression", `{"penalty":"elasticnet"}`, `Solver lbfgs supports only 'l2' or 'none' penalties, got elasticnet penalty.`},
		{"LogisticRegression", `{"penalty":"elasticnet","solver":"saga"}`, `l1_ratio must be between 0 and 1; got (l1_ratio=None)`},
		{"LogisticRegression", `{"penalty":"elasticnet","solver":"saga","l1_ratio":1.5}`, `l1_ratio must be between 0 and 1; got (l1_ratio=1.5)`},
		{"LogisticRegression", `{"solver":"saga","class_weight":"heavy"}`, `class_weight: expected null, "balanced"`},
		{"LogisticRegression", `{"solver":"saga","random_state":-1}`, `random_state`},
		{"LogisticRegression", `{"C":0}`, "C: expected a number > 0"},
		{"LogisticRegression", `{"max_iter":-1}`, "max_iter: expected an integer ≥ 0"},
		{"LogisticRegression", `{"multi_class":"crammer"}`, "multi_class: expected one of"},
		{"Ridge", `{"alpha":-1}`, "alpha: expected a number ≥ 0"},
		{"Ridge", `{"solver":"sag"}`, `solver: expected one of "auto", "cholesky", "svd"`},
	}
	for _, c := range cases {
		_, err := ml.New(c.class, json.RawMessage(c.params))
		if err == nil || !strings.Contains(err.Error(), c.want) || !ml.IsBadInput(err) {
			t.Errorf("%s %s: error %v, want one containing %q", c.class, c.params, err, c.want)
		}
	}
	// penalty null means none, as in scikit-learn ≥ 1.2.
	e, err := ml.New("LogisticRegression", json.RawMessage(`{"penalty":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if p := e.(*LogisticRegression).Penalty; p != "" {
		t.Errorf("penalty null decoded as %q", p)
	}
}

func TestNotFitted(t *testing.T) {
	X := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	for _, e := range []ml.Predictor{NewLinearRegression(), NewRidge(), NewLogisticRegression()} {
		if _, err := e.Predict(X); !errors.Is(err, ml.ErrNotFitted) {
			t.Errorf("%T.Predict before Fit: %v", e, err)
		}
		if _, err := e.(ml.Stateful).MarshalState(); !errors.Is(err, ml.ErrNotFitted) {
			t.Errorf("%T.MarshalState before Fit: %v", e, err)
		}
	}
	lr := NewLogisticRegression()
	if _, err := lr.PredictProba(X); !errors.Is(err, ml.ErrNotFitted) {
		t.Errorf("PredictProba before Fit: %v", err)
	}
	if _, err := lr.DecisionFunction(X); !errors.Is(err, ml.ErrNotFitted) {
		t.Errorf("DecisionFunction before Fit: %v", err)
	}
}

func TestDataErrors(t *testing.T) {
	ctx := context.Background()
	X, y := iris(t)
	lr := NewLogisticRegression()
	if err := lr.Fit(ctx, X, y[:10]); err == nil || !ml.IsBadInput(err) {
		t.Errorf("length mismatch: %v", err)
	}
	one := make([]float64, len(y))
	if err := lr.Fit(ctx, X, one); err == nil || !strings.Contains(err.Error(), "at least 2") {
		t.Errorf("one class: %v", err)
	}
	if err := lr.Fit(ctx, X, y); err != nil {
		t.Fatal(err)
	}
	if _, err := lr.Predict(mat.NewDense(1, 3, nil)); err == nil || !strings.Contains(err.Error(), "3 features") {
		t.Errorf("feature mismatch: %v", err)
	}
	bad := mat.DenseCopyOf(X)
	bad.Set(4, 2, 1.0/zero)
	if err := NewRidge().Fit(ctx, bad, y); err == nil || !strings.Contains(err.Error(), "X[4, 2]") {
		t.Errorf("Inf in X: %v", err)
	}
}

var zero = 0.0

func TestInputsNotMutated(t *testing.T) {
	X, y := diabetes(t)
	X0, y0 := mat.DenseCopyOf(X), append([]float64(nil), y...)
	ctx := context.Background()
	for _, e := range []ml.Predictor{NewLinearRegression(), NewRidge(), &Ridge{Alpha: 1, FitIntercept: true, Solver: "svd"}} {
		if err := e.Fit(ctx, X, y); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Predict(X); err != nil {
			t.Fatal(err)
		}
	}
	Xi, yi := iris(t)
	Xi0, yi0 := mat.DenseCopyOf(Xi), append([]float64(nil), yi...)
	if err := NewLogisticRegression().Fit(ctx, Xi, yi); err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(X, X0) || !mat.Equal(Xi, Xi0) {
		t.Error("Fit changed X")
	}
	testutil.AllClose(t, "y", y, y0, 0, 0)
	testutil.AllClose(t, "y", yi, yi0, 0, 0)
}

func TestCancel(t *testing.T) {
	X, y := iris(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, e := range []ml.Estimator{NewLinearRegression(), NewRidge(), NewLogisticRegression()} {
		if err := e.Fit(ctx, X, y); !errors.Is(err, context.Canceled) {
			t.Errorf("%T: Fit with a cancelled context: %v", e, err)
		}
	}
	// Cancel during the iterations: the fit stops at the next iteration.
	ctx, cancel = context.WithCancel(context.Background())
	iters := 0
	ctx = ml.WithProgress(ctx, ml.ReporterFunc(func(e ml.Event) {
		if e.Kind == "iter" {
			iters++
			if iters == 3 {
				cancel()
			}
		}
	}))
	m := NewLogisticRegression()
	m.MaxIter = 1000
	m.Tol = 1e-12
	if err := m.Fit(ctx, X, y); !errors.Is(err, context.Canceled) || iters != 3 {
		t.Errorf("cancel after 3 iterations: err %v after %d iterations", err, iters)
	}
}

func TestProgressAndConvergence(t *testing.T) {
	X, y := iris(t)
	var events []ml.Event
	ctx := ml.WithProgress(context.Background(), ml.ReporterFunc(func(e ml.Event) { events = append(events, e) }))
	m := NewLogisticRegression()
	m.MaxIter = 5
	if err := m.Fit(ctx, X, y); err != nil {
		t.Fatal(err)
	}
	if m.Converged() || m.NIter()[0] != 5 {
		t.Errorf("max_iter 5: converged %v, n_iter %v", m.Converged(), m.NIter())
	}
	var iters, logs int
	prev := 0.0
	for _, e := range events {
		switch e.Kind {
		case "iter":
			iters++
			if e.Step != iters || e.Total != 5 || e.Loss == nil {
				t.Errorf("event %+v", e)
			}
			if iters > 1 && *e.Loss > prev {
				t.Errorf("loss rose from %v to %v", prev, *e.Loss)
			}
			prev = *e.Loss
		case "log":
			logs++
			if !strings.Contains(e.Message, "failed to converge") {
				t.Errorf("log event %q", e.Message)
			}
		}
	}
	if iters != 5 || logs != 1 {
		t.Errorf("%d iter events and %d log events, want 5 and 1", iters, logs)
	}
	// Converged fits report no warning.
	events = nil
	m = NewLogisticRegression()
	m.MaxIter = 1000
	if err := m.Fit(ctx, X, y); err != nil {
		t.Fatal(err)
	}
	if !m.Converged() {
		t.Error("max_iter 1000 did not converge")
	}
	for _, e := range events {
		if e.Kind == "log" {
			t.Errorf("unexpected %q", e.Message)
		}
	}
}

// TestStateRoundTrip checks that a model restored from its state predicts
// exactly what the original does.
func TestStateRoundTrip(t *testing.T) {
	ctx := context.Background()
	Xr, yr := diabetes(t)
	Xc, yc := iris(t)
	ests := []struct {
		e    ml.Predictor
		X    *mat.Dense
		y    []float64
		make func() ml.Predictor
	}{
		{NewLinearRegression(), Xr, yr, func() ml.Predictor { return &LinearRegression{} }},
		{NewRidge(), Xr, yr, func() ml.Predictor { return &Ridge{} }},
		{NewLogisticRegression(), Xc, yc, func() ml.Predictor { return &LogisticRegression{} }},
		{&LogisticRegression{Penalty: "l2", C: 1, FitIntercept: true, InterceptScaling: 1, MaxIter: 200, Tol: 1e-4, Solver: "lbfgs", MultiClass: "ovr"}, Xc, yc, func() ml.Predictor { return &LogisticRegression{} }},
	}
	for _, c := range ests {
		if err := c.e.Fit(ctx, c.X, c.y); err != nil {
			t.Fatal(err)
		}
		s, err := c.e.(ml.Stateful).MarshalState()
		if err != nil {
			t.Fatal(err)
		}
		r := c.make()
		if err := r.(ml.Stateful).UnmarshalState(s); err != nil {
			t.Fatal(err)
		}
		p1, _ := c.e.Predict(c.X)
		p2, err := r.Predict(c.X)
		if err != nil {
			t.Fatal(err)
		}
		testutil.AllClose(t, ml.ClassName(c.e), p2, p1, 0, 0)
		if pp, ok := c.e.(ml.ProbaPredictor); ok {
			a, _ := pp.PredictProba(c.X)
			b, _ := r.(ml.ProbaPredictor).PredictProba(c.X)
			if !mat.Equal(a, b) {
				t.Errorf("%s: probabilities differ after a state round trip", ml.ClassName(c.e))
			}
		}
	}
	// Inconsistent state is an error, not a panic.
	m := NewLogisticRegression()
	if err := m.Fit(ctx, Xc, yc); err != nil {
		t.Fatal(err)
	}
	s, _ := m.MarshalState()
	s.SetFloats("intercept", []float64{1, 2})
	if err := (&LogisticRegression{}).UnmarshalState(s); err == nil {
		t.Error("intercept of the wrong length accepted")
	}
	if err := (&Ridge{}).UnmarshalState(s); err == nil {
		t.Error("LogisticRegression state accepted by Ridge")
	}
}

func TestBinaryShapes(t *testing.T) {
	X, y := iris(t)
	// Classes 1 and 2 only: a binary problem with labels 1 and 2.
	var rows []int
	for i, v := range y {
		if v > 0 {
			rows = append(rows, i)
		}
	}
	Xb, yb := testutil.Rows(X, rows), testutil.Take(y, rows)
	for _, mc := range []string{"auto", "ovr", "multinomial"} {
		m := NewLogisticRegression()
		m.MultiClass = mc
		m.MaxIter = 1000
		if err := m.Fit(context.Background(), Xb, yb); err != nil {
			t.Fatal(err)
		}
		if r, c := m.Coef().Dims(); r != 1 || c != 4 || len(m.Intercept()) != 1 {
			t.Errorf("%s: coef %d×%d, %d intercepts; want 1×4 and 1", mc, r, c, len(m.Intercept()))
		}
		D, _ := m.DecisionFunction(Xb)
		P, _ := m.PredictProba(Xb)
		pred, _ := m.Predict(Xb)
		if _, c := D.Dims(); c != 1 {
			t.Errorf("%s: decision_function has %d columns", mc, c)
		}
		for i := range pred {
			want := 1.0
			if D.At(i, 0) > 0 {
				want = 2
			}
			if pred[i] != want || (P.At(i, 1) > 0.5) != (want == 2) {
				t.Fatalf("%s row %d: predict %v, decision %v, proba %v", mc, i, pred[i], D.At(i, 0), P.RawRowView(i))
			}
		}
	}
}

func TestRidgeSolversAgree(t *testing.T) {
	X, y := diabetes(t)
	ctx := context.Background()
	var coefs [][]float64
	for _, s := range []string{"auto", "cholesky", "svd"} {
		m := NewRidge()
		m.Solver = s
		if err := m.Fit(ctx, X, y); err != nil {
			t.Fatal(err)
		}
		coefs = append(coefs, m.Coef())
	}
	// Same problem, well conditioned: the solvers agree to rounding.
	testutil.AllClose(t, "cholesky vs auto", coefs[1], coefs[0], 1e-10, 1e-9)
	testutil.AllClose(t, "svd vs cholesky", coefs[2], coefs[1], 1e-8, 1e-7)
	// alpha 0 with a duplicated column is singular: auto falls back to SVD.
	Xd := augment(X)
	m := &Ridge{Alpha: 0, FitIntercept: true, Solver: "auto"}
	if err := m.Fit(ctx, Xd, y); err != nil {
		t.Fatal(err)
	}
	if m.SolverUsed() != "svd" {
		t.Errorf("singular system solved by %q, want svd", m.SolverUsed())
	}
}

func TestRegistered(t *testing.T) {
	for _, name := range []string{"LinearRegression", "Ridge", "LogisticRegression"} {
		c, err := ml.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		if c.Family != "linear" {
			t.Errorf("%s family %q", name, c.Family)
		}
		e, err := ml.Clone(c.New())
		if err != nil {
			t.Fatal(err)
		}
		if ml.ClassName(e) != name {
			t.Errorf("clone of %s is %s", name, ml.ClassName(e))
		}
	}
}
