package svm

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/mltest"
)

// wantParam checks that err is an *ml.ParamError naming param.
func wantParam(t *testing.T, err error, param string) {
	t.Helper()
	var pe *ml.ParamError
	if !errors.As(err, &pe) || pe.Param != param {
		t.Fatalf("error %v, want a ParamError naming %q", err, param)
	}
	if !ml.IsBadInput(err) {
		t.Errorf("error %v is not marked as bad input", err)
	}
}

func TestBadParams(t *testing.T) {
	X, y := mltest.Blobs(1, 30, 3, []float64{0, 1, 2})
	for _, c := range []struct{ class, params, param string }{
		{"SVC", `{"C": 0}`, "C"},
		{"SVC", `{"C": -1}`, "C"},
		{"SVR", `{"C": 0}`, "C"},
		{"NuSVR", `{"C": -2}`, "C"},
		{"SVC", `{"gamma": "scales"}`, "gamma"},
		{"SVC", `{"gamma": -0.5}`, "gamma"},
		{"SVR", `{"gamma": "none"}`, "gamma"},
		{"SVC", `{"kernel": "precomputd"}`, "kernel"},
		{"SVC", `{"break_ties": true, "decision_function_shape": "ovo"}`, "break_ties"},
		{"SVC", `{"class_weight": "balance"}`, "class_weight"},
		{"SVC", `{"tol": 0}`, "tol"},
		{"SVC", `{"cache_size": 0}`, "cache_size"},
		{"SVC", `{"max_iter": -2}`, "max_iter"},
		{"NuSVC", `{"nu": 0}`, "nu"},
		{"NuSVC", `{"nu": 1.5}`, "nu"},
		{"OneClassSVM", `{"nu": 0}`, "nu"},
		{"SVR", `{"epsilon": -0.1}`, "epsilon"},
		{"LinearSVC", `{"C": 0}`, "C"},
		{"LinearSVC", `{"dual": false}`, "dual"},
		{"LinearSVC", `{"penalty": "l1"}`, "penalty"},
		{"LinearSVC", `{"loss": "log"}`, "loss"},
		{"LinearSVR", `{"C": -1}`, "C"},
		{"LinearSVR", `{"dual": false}`, "dual"},
	} {
		t.Run(c.class+c.params, func(t *testing.T) {
			_, err := ml.New(c.class, []byte(c.params))
			wantParam(t, err, c.param)
		})
	}
	// Set after construction, Fit refuses it.
	m := NewSVC()
	m.C = 0
	wantParam(t, m.Fit(context.Background(), X, y), "C")
	// A class weight for a class y does not have.
	e, err := ml.New("SVC", []byte(`{"class_weight": {"7": 2}}`))
	if err != nil {
		t.Fatal(err)
	}
	wantParam(t, e.Fit(context.Background(), X, y), "class_weight")
	// nu too large for the pair of classes (as libsvm's
	// svm_check_parameter): 5 samples against 25.
	yy := make([]float64, 30)
	for i := range 5 {
		yy[i] = 1
	}
	// probability=true with a class of one sample (5-fold
	// cross-validation cannot hold it out and train on it).
	y1 := make([]float64, 30)
	y1[3] = 1
	p := NewSVC()
	p.Probability = true
	wantParam(t, p.Fit(context.Background(), X, y1), "probability")
	nu := NewNuSVC()
	nu.Nu = 0.9
	err = nu.Fit(context.Background(), X, yy)
	wantParam(t, err, "nu")
	if !strings.Contains(err.Error(), "infeasible") {
		t.Errorf("error %q does not say nu is infeasible", err)
	}
}

func TestBadData(t *testing.T) {
	X, y := mltest.Blobs(1, 30, 3, []float64{0, 1})
	bad := mat.DenseCopyOf(X)
	bad.Set(4, 1, math.NaN())
	for _, class := range []string{"SVC", "NuSVC", "SVR", "NuSVR", "OneClassSVM", "LinearSVC", "LinearSVR"} {
		e, err := ml.New(class, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = e.Fit(context.Background(), bad, y)
		if !ml.IsBadInput(err) || !strings.Contains(err.Error(), "X[4, 1]") {
			t.Errorf("%s: Fit on X with a NaN: %v, want a bad-input error naming X[4, 1]", class, err)
		}
	}
	one := make([]float64, 30)
	for _, class := range []string{"SVC", "NuSVC", "LinearSVC"} {
		e, _ := ml.New(class, nil)
		if err := e.Fit(context.Background(), X, one); !ml.IsBadInput(err) || !strings.Contains(err.Error(), "class") {
			t.Errorf("%s: Fit on one class: %v, want a bad-input error", class, err)
		}
	}
}

// TestZeroClassWeight: a class weight of 0 leaves its pairs with no free
// variable and rho infinite; scikit-learn 1.2.1 raises "The dual
// coefficients or intercepts are not finite" on iris with class_weight
// {0: 0}, and so does Fit, as bad input.
func TestZeroClassWeight(t *testing.T) {
	X, y := loadData(t, "iris", false)
	e, err := ml.New("SVC", []byte(`{"class_weight": {"0": 0}}`))
	if err != nil {
		t.Fatal(err)
	}
	err = e.Fit(context.Background(), X, y)
	if !ml.IsBadInput(err) || !strings.Contains(err.Error(), "not finite") {
		t.Errorf("Fit: %v, want a bad-input error saying the coefficients are not finite", err)
	}
}

// TestConstantX fits on rows that are all equal: gamma "scale" falls back
// to 1 (X.var() is 0, as in scikit-learn) and SMO ends.
func TestConstantX(t *testing.T) {
	X := mat.NewDense(20, 3, nil)
	y := make([]float64, 20)
	for i := range y {
		y[i] = float64(i % 2)
		for j := range 3 {
			X.Set(i, j, 4)
		}
	}
	m := NewSVC()
	if err := m.Fit(context.Background(), X, y); err != nil {
		t.Fatal(err)
	}
	if m.GammaValue() != 1 {
		t.Errorf("gamma %v, want 1", m.GammaValue())
	}
	if _, err := m.Predict(X); err != nil {
		t.Fatal(err)
	}
}

// TestMaxIter stops SMO at max_iter with a log event, as libsvm warns.
func TestMaxIter(t *testing.T) {
	X, y := mltest.Blobs(3, 200, 4, []float64{0, 1})
	var logs []string
	ctx := ml.WithProgress(context.Background(), ml.ReporterFunc(func(ev ml.Event) {
		if ev.Kind == "log" {
			logs = append(logs, ev.Message)
		}
	}))
	m := NewSVC()
	m.MaxIter = 2
	m.C = 100
	if err := m.Fit(ctx, X, y); err != nil {
		t.Fatal(err)
	}
	if m.Converged() || m.NIter()[0] != 2 {
		t.Errorf("converged %v after %v iterations, want false after 2", m.Converged(), m.NIter())
	}
	if len(logs) != 1 || !strings.Contains(logs[0], "max_iter=2") {
		t.Errorf("log events %q, want one naming max_iter=2", logs)
	}
}
