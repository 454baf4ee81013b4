package ml_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// toy is a registered test estimator with one parameter of each kind.
type toy struct {
	K       int       `json:"k" min:"1" help:"neighbours"`
	C       float64   `json:"C" gt:"0"`
	Ratio   float64   `json:"ratio" min:"0" max:"1"`
	Mode    string    `json:"mode" enum:"fast,exact"`
	Depth   int       `json:"depth" min:"1" nullable:"true"`
	Sizes   []int     `json:"sizes" min:"1"`
	Weights []float64 `json:"weights"`
	Flag    bool      `json:"flag"`
	mean    float64
	fitted  bool
}

func (t *toy) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ml.ValidateParams(t); err != nil {
		return err
	}
	t.mean, t.fitted = mat.Sum(X), true
	return nil
}

func (t *toy) Validate() error {
	if t.Mode == "exact" && t.K > 10 {
		return &ml.ParamError{Param: "k", Msg: "must be ≤ 10 with mode \"exact\""}
	}
	return nil
}

func init() {
	ml.Register(ml.ClassInfo{Name: "ToyEstimator", Task: ml.Regression, Family: "test", Doc: "test",
		New: func() ml.Estimator { return &toy{K: 5, C: 1, Ratio: 0.5, Mode: "fast", Sizes: []int{100}} }})
}

func TestNewDecodesAndChecksParams(t *testing.T) {
	e, err := ml.New("ToyEstimator", json.RawMessage(`{"k": 3, "C": 0.5, "mode": "exact", "depth": null, "sizes": [10, 5], "weights": [0.5, -1], "flag": true}`))
	if err != nil {
		t.Fatal(err)
	}
	got := e.(*toy)
	if got.K != 3 || got.C != 0.5 || got.Mode != "exact" || got.Depth != 0 || len(got.Sizes) != 2 || !got.Flag || got.Ratio != 0.5 {
		t.Fatalf("decoded %+v", got)
	}
	for _, c := range []struct{ params, want string }{
		{`{"k": "five"}`, `k: expected an integer ≥ 1, got "five"`},
		{`{"k": 0}`, `k: expected an integer ≥ 1, got 0`},
		{`{"k": 2.5}`, `k: expected an integer ≥ 1, got 2.5`},
		{`{"C": 0}`, `C: expected a number > 0, got 0`},
		{`{"ratio": 1.5}`, `ratio: expected a number ≥ 0 and ≤ 1, got 1.5`},
		{`{"mode": "fsat"}`, `mode: expected one of "fast", "exact" (did you mean "fast"?), got "fsat"`},
		{`{"sizes": [3, 0]}`, `sizes: expected a list of integers each ≥ 1, got 0`},
		{`{"k": null}`, `k: expected an integer ≥ 1, got null`},
		{`{"kk": 1}`, `kk: unknown parameter of ToyEstimator (did you mean "k"?)`},
		{`[1]`, `params: expected an object, got [1]`},
		{`{"k": 11, "mode": "exact"}`, `k: must be ≤ 10 with mode "exact"`},
	} {
		_, err := ml.New("ToyEstimator", json.RawMessage(c.params))
		var pe *ml.ParamError
		if err == nil || !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), c.want) || !ml.IsBadInput(err) {
			t.Errorf("New(%s) = %v, want a ParamError starting %q", c.params, err, c.want)
		}
	}
	if _, err := ml.New("ToyEstimater", nil); err == nil || !strings.Contains(err.Error(), `did you mean "ToyEstimator"`) {
		t.Errorf("unknown class: %v", err)
	}
}

func TestCloneAndParams(t *testing.T) {
	e, _ := ml.New("ToyEstimator", json.RawMessage(`{"k": 7, "sizes": [3]}`))
	X := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	if err := e.Fit(context.Background(), X, []float64{0, 1}); err != nil {
		t.Fatal(err)
	}
	c, err := ml.Clone(e)
	if err != nil {
		t.Fatal(err)
	}
	if c.(*toy).fitted || c.(*toy).K != 7 || c == e {
		t.Fatalf("clone = %+v", c)
	}
	c.(*toy).Sizes[0] = 99
	if e.(*toy).Sizes[0] != 3 {
		t.Fatal("clone shares a slice with the original")
	}
	p, _ := ml.Params(e)
	if !strings.Contains(string(p), `"k":7`) {
		t.Fatalf("Params = %s", p)
	}
	info, _ := ml.Lookup("ToyEstimator")
	if info.Params[0].Name != "k" || info.Params[0].Default != 5 || *info.Params[0].Min != 1 || info.Params[0].Help != "neighbours" {
		t.Fatalf("param info = %+v", info.Params[0])
	}
	if ml.ClassName(e) != "ToyEstimator" {
		t.Fatal(ml.ClassName(e))
	}
}

func TestStateAccessors(t *testing.T) {
	s := ml.NewState()
	s.SetFloats("w", []float64{1, 2, 3, 4, 5, 6}, 2, 3)
	s.SetInts("idx", []int{0, 2, 1})
	s.SetAttr("n", 3)
	if _, _, err := s.Floats("w", 2, 3); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Floats("w", 3, -1); err == nil || !strings.Contains(err.Error(), "has shape [2 3], expected [3 -1]") {
		t.Fatalf("shape check: %v", err)
	}
	if _, _, err := s.Ints("idx", 0, 1); err == nil || !strings.Contains(err.Error(), "expected an integer in [0, 1]") {
		t.Fatalf("range check: %v", err)
	}
	if _, _, err := s.Floats("missing"); err == nil {
		t.Fatal("missing array accepted")
	}
	var n string
	if err := s.Attr("n", &n); err == nil {
		t.Fatal("attribute of the wrong type accepted")
	}
	s.Arrays["bad"] = &ml.Array{Shape: []int{4}, F64: []float64{1}}
	if _, _, err := s.Floats("bad"); err == nil || !strings.Contains(err.Error(), "holds 1 values for shape [4]") {
		t.Fatalf("length check: %v", err)
	}
}

func TestCheckX(t *testing.T) {
	X := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	if err := ml.CheckX(X, 3); err != nil {
		t.Fatal(err)
	}
	if err := ml.CheckX(X, 4); err == nil || !strings.Contains(err.Error(), "X has 3 features, but the estimator was fitted with 4") {
		t.Fatal(err)
	}
	X.Set(1, 2, 0)
	X.Set(1, 1, mathInf())
	if err := ml.CheckX(X, 0); err == nil || !strings.Contains(err.Error(), "X[1, 1] is +Inf") {
		t.Fatal(err)
	}
	if err := ml.CheckXy(mat.NewDense(1, 1, []float64{1}), []float64{1, 2}); err == nil {
		t.Fatal("length mismatch accepted")
	}
	if _, _, err := ml.EncodeClasses([]float64{3, 3}); err == nil {
		t.Fatal("one class accepted")
	}
	classes, idx, _ := ml.EncodeClasses([]float64{5, -1, 5})
	if classes[0] != -1 || idx[0] != 1 || idx[1] != 0 {
		t.Fatal(classes, idx)
	}
}

func mathInf() float64 { v := 1e308; return v * 10 }
