package preprocessing

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"runtime"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
)

var nan = math.NaN()

func TestParams(t *testing.T) {
	for _, c := range []struct {
		class, params, want string
	}{
		{"MinMaxScaler", `{"feature_range": [1, 0]}`, `feature_range: expected a list [min, max] of two finite numbers with min < max, got [1,0]`},
		{"MinMaxScaler", `{"feature_range": [0, 1, 2]}`, `feature_range: expected a list [min, max] of two numbers with min < max, got [0, 1, 2]`},
		{"MinMaxScaler", `{"feature_range": 1}`, `feature_range: expected a list [min, max] of two numbers with min < max, got 1`},
		{"SimpleImputer", `{"strategy": "meen"}`, `strategy: expected one of "mean", "median", "most_frequent", "constant" (did you mean "mean"?), got "meen"`},
		{"SimpleImputer", `{"fill_value": "x"}`, `fill_value: expected a number, or null for 0, got "x"`},
		{"StandardScaler", `{"with_mean": 1}`, `with_mean: expected true or false, got 1`},
	} {
		_, err := ml.New(c.class, json.RawMessage(c.params))
		var pe *ml.ParamError
		if !errors.As(err, &pe) || err.Error() != c.want {
			t.Errorf("%s %s: %v\nwant %s", c.class, c.params, err, c.want)
		}
	}
	e, err := ml.New("MinMaxScaler", json.RawMessage(`{"feature_range": [-2, 5]}`))
	if err != nil || e.(*MinMaxScaler).FeatureRange != (FeatureRange{-2, 5}) {
		t.Fatalf("feature_range: %v", err)
	}
	p, _ := ml.Params(e)
	if string(p) != `{"clip":false,"feature_range":[-2,5]}` {
		t.Errorf("Params = %s", p)
	}
	e, err = ml.New("SimpleImputer", json.RawMessage(`{"missing_values": -1, "fill_value": null}`))
	if err != nil || *e.(*SimpleImputer).MissingValues != -1 || e.(*SimpleImputer).FillValue != nil {
		t.Fatalf("missing_values: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	X := testutil.Dense([][]float64{{1, 2}, {3, math.Inf(1)}})
	for _, e := range []ml.Transformer{NewStandardScaler(), NewMinMaxScaler(), NewSimpleImputer()} {
		err := e.Fit(ctx, X, nil)
		if !ml.IsBadInput(err) || err.Error() != "X[1, 1] is +Inf: input must not contain infinity" {
			t.Errorf("%T: %v", e, err)
		}
		if err := e.Fit(ctx, testutil.Dense([][]float64{{1, 2}, {3, 4}}), nil); err != nil {
			t.Fatal(err)
		}
		_, err = e.Transform(testutil.Dense([][]float64{{1, 2, 3}}))
		if !ml.IsBadInput(err) {
			t.Errorf("%T: wrong width: %v", e, err)
		}
	}
	s := &SimpleImputer{Strategy: "mean", MissingValues: new(float64)}
	err := s.Fit(ctx, testutil.Dense([][]float64{{1, nan}}), nil)
	if !ml.IsBadInput(err) || err.Error() != "X[0, 1] is NaN: with missing_values set to a number, X must not contain NaN" {
		t.Errorf("NaN with missing_values 0: %v", err)
	}
}

func TestNaNPassesThroughScalers(t *testing.T) {
	X := testutil.Dense([][]float64{{1, nan}, {3, 4}, {nan, 8}})
	s := NewStandardScaler()
	if err := s.Fit(context.Background(), X, nil); err != nil {
		t.Fatal(err)
	}
	// Means over present values: (1+3)/2 and (4+8)/2; variances 1 and 4.
	testutil.AllClose(t, "mean_", s.Mean(), []float64{2, 6}, 0, 0)
	testutil.AllClose(t, "var_", s.Var(), []float64{1, 4}, 0, 0)
	Z, _ := s.Transform(X)
	testutil.AllClose(t, "Z", Z.RawMatrix().Data, []float64{-1, nan, 1, -1, nan, 1}, 0, 0)
	m := NewMinMaxScaler()
	m.Fit(context.Background(), X, nil)
	Z, _ = m.Transform(X)
	testutil.AllClose(t, "Z", Z.RawMatrix().Data, []float64{0, nan, 1, 0, nan, 1}, 0, 0)
}

func TestImputerDropsEmptyColumns(t *testing.T) {
	X := testutil.Dense([][]float64{{1, nan, 5}, {nan, nan, 7}})
	s := NewSimpleImputer()
	if err := s.Fit(context.Background(), X, nil); err != nil {
		t.Fatal(err)
	}
	Z, err := s.Transform(X)
	if err != nil {
		t.Fatal(err)
	}
	testutil.AllClose(t, "Z", Z.RawMatrix().Data, []float64{1, 5, 1, 7}, 0, 0)
	testutil.AllClose(t, "statistics_", s.Statistics(), []float64{1, nan, 6}, 0, 0)

	all := NewSimpleImputer()
	all.Fit(context.Background(), testutil.Dense([][]float64{{nan}, {nan}}), nil)
	if _, err := all.Transform(testutil.Dense([][]float64{{1}})); !ml.IsBadInput(err) {
		t.Errorf("all columns dropped: %v", err)
	}
}

func TestNotFitted(t *testing.T) {
	X := testutil.Dense([][]float64{{1}})
	for _, e := range []ml.Transformer{NewStandardScaler(), NewMinMaxScaler(), NewSimpleImputer()} {
		if _, err := e.Transform(X); !errors.Is(err, ml.ErrNotFitted) {
			t.Errorf("%T: %v", e, err)
		}
		if _, err := e.(ml.Stateful).MarshalState(); !errors.Is(err, ml.ErrNotFitted) {
			t.Errorf("%T: %v", e, err)
		}
	}
}

func TestStateRejectsBadScale(t *testing.T) {
	s := NewStandardScaler()
	s.Fit(context.Background(), testutil.Dense([][]float64{{1}, {2}}), nil)
	st, _ := s.MarshalState()
	st.Arrays["scale_"].F64[0] = 0
	if err := NewStandardScaler().UnmarshalState(st); err == nil {
		t.Error("scale_ 0 accepted")
	}
	st, _ = s.MarshalState()
	if err := (&StandardScaler{}).UnmarshalState(st); err != nil {
		t.Errorf("with_mean and with_std false: extra arrays are ignored, got %v", err)
	}
}

// TestParallelTransformExact checks that splitting a large Transform across
// goroutines gives the same bits as one goroutine.
func TestParallelTransformExact(t *testing.T) {
	X, _ := testutil.LoadCSV(t, "data/datasets/digits.csv") // 1797 x 64: above parallelMin
	if r, c := X.Dims(); r*c < parallelMin {
		t.Fatal("digits is too small to take the parallel path")
	}
	for _, e := range []ml.Transformer{NewStandardScaler(), &MinMaxScaler{FeatureRange: FeatureRange{-1, 1}, Clip: true}, &SimpleImputer{Strategy: "median", MissingValues: new(float64)}} {
		if err := e.Fit(context.Background(), X, nil); err != nil {
			t.Fatal(err)
		}
		prev := runtime.GOMAXPROCS(1)
		one, err1 := e.Transform(X)
		runtime.GOMAXPROCS(4)
		four, err4 := e.Transform(X)
		runtime.GOMAXPROCS(prev)
		if err1 != nil || err4 != nil {
			t.Fatal(err1, err4)
		}
		testutil.AllClose(t, ml.ClassName(e), four.RawMatrix().Data, one.RawMatrix().Data, 0, 0)
	}
}
