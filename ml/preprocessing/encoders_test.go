package preprocessing

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

// TestEncodersParity compares OneHotEncoder and OrdinalEncoder with
// scikit-learn 1.2.1 (testdata/gen_encoders.py): categories_, the output
// columns per feature, drop_idx_, infrequent_categories_, the transform and
// its inverse (NaN where scikit-learn returns None or
// "infrequent_sklearn"). Everything is exact: the encoders only compare
// and copy values.
func TestEncodersParity(t *testing.T) {
	var cases []parityCase
	testutil.ReadJSON(t, "testdata/encoders.json", &cases)
	if len(cases) < 19 {
		t.Fatalf("only %d parity cases", len(cases))
	}
	runParity(t, cases, 0, 0)
}

// TestEncodersErrors checks the encoders' refusals: each names what is
// wrong and where.
func TestEncodersErrors(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct{ class, params, want string }{
		{"OrdinalEncoder", `{"handle_unknown": "use_encoded_value"}`, "unknown_value"},
		{"OrdinalEncoder", `{"unknown_value": -1}`, "unknown_value"},
		{"OneHotEncoder", `{"min_frequency": 0}`, "min_frequency"},
		{"OneHotEncoder", `{"min_frequency": 1.5}`, "min_frequency"},
		{"OneHotEncoder", `{"min_frequency": "x"}`, "min_frequency"},
		{"OneHotEncoder", `{"drop": "last"}`, "drop"},
		{"OneHotEncoder", `{"categories": [[2, 1]]}`, "categories"},
		{"OneHotEncoder", `{"categories": [["a", 1]]}`, "categories"},
		{"OneHotEncoder", `{"categories": [["a", "b", "a"]]}`, "categories"},
		{"OneHotEncoder", `{"categories": [["a", null, "b", null]]}`, "categories"},
		{"OrdinalEncoder", `{"categories": [[1, null, 2]]}`, "categories"},
		{"OrdinalEncoder", `{"categories": [[]]}`, "categories"},
	} {
		if _, err := ml.New(c.class, json.RawMessage(c.params)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: %v, want an error naming %s", c.class, c.params, err, c.want)
		}
	}
	X := testutil.Dense([][]float64{{1, 5}, {2, 5}, {1, 7}})
	oh := NewOneHotEncoder()
	if err := oh.Fit(ctx, testutil.Dense([][]float64{{1, math.Inf(1)}}), nil); err == nil || !ml.IsBadInput(err) {
		t.Errorf("Fit with +Inf: %v", err)
	}
	oh.Categories = Categories{Lists: [][]float64{{1, 2}}}
	if err := oh.Fit(ctx, X, nil); err == nil || !strings.Contains(err.Error(), "categories has 1 lists but X has 2 features") {
		t.Errorf("Fit with one list for two features: %v", err)
	}
	oh.Categories = Categories{}
	if err := oh.Fit(ctx, X, nil); err != nil {
		t.Fatal(err)
	}
	_, err := oh.Transform(testutil.Dense([][]float64{{1, 5}, {3, 5}}))
	if err == nil || !strings.Contains(err.Error(), "X[1, 0] is 3, a category OneHotEncoder did not see in feature 0") || !ml.IsBadInput(err) {
		t.Errorf("unknown category: %v", err)
	}
	if _, err := oh.InverseTransform(testutil.Dense([][]float64{{0, 0, 1, 0}})); err == nil || !strings.Contains(err.Error(), "all zero") {
		t.Errorf("inverse of a zero block: %v", err)
	}
	first, _ := ml.New("OneHotEncoder", json.RawMessage(`{"drop": "first"}`))
	if err := first.Fit(ctx, testutil.Dense([][]float64{{1, 5}, {1, 5}}), nil); err == nil || !strings.Contains(err.Error(), "no output column") {
		t.Errorf("drop first of single categories: %v", err)
	}
	ord, _ := ml.New("OrdinalEncoder", json.RawMessage(`{"handle_unknown": "use_encoded_value", "unknown_value": 1}`))
	if err := ord.Fit(ctx, X, nil); err == nil || !strings.Contains(err.Error(), "unknown_value") {
		t.Errorf("unknown_value 1 with two categories: %v", err)
	}
	o := NewOrdinalEncoder()
	if err := o.Fit(ctx, X, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Transform(testutil.Dense([][]float64{{1, 6}})); err == nil || !strings.Contains(err.Error(), "X[0, 1] is 6") {
		t.Errorf("unknown category: %v", err)
	}
	if _, err := o.InverseTransform(testutil.Dense([][]float64{{2, 0}})); err == nil || !strings.Contains(err.Error(), "X[0, 0] is 2") {
		t.Errorf("inverse of code 2 of 2 categories: %v", err)
	}
}

// TestTextCategories: a text column's list keeps its order (its strings'
// codes are 0, 1, ..., NaN for a last null) and writes back as strings.
func TestTextCategories(t *testing.T) {
	var c Categories
	if err := json.Unmarshal([]byte(`[["Paris", "Rome", "Oslo", null], [1, 2]]`), &c); err != nil {
		t.Fatal(err)
	}
	if !c.IsText(0) || c.IsText(1) || len(c.Lists[0]) != 4 || c.Lists[0][2] != 2 || !math.IsNaN(c.Lists[0][3]) || c.Lists[1][1] != 2 {
		t.Errorf("%+v", c)
	}
	b, err := json.Marshal(c)
	if err != nil || string(b) != `[["Paris","Rome","Oslo",null],[1,2]]` {
		t.Errorf("%s, %v", b, err)
	}
}

// TestTextCategoriesNullInside: a text list may hold null anywhere (as
// scikit-learn 1.2 takes np.nan anywhere among an object column's
// categories): the strings keep the codes 0, 1, ... of their order, NaN
// sits where the null is, the list writes back as it was read, and the
// encoders put the missing category at that position (OneHotEncoder's
// column, OrdinalEncoder's code order) with every other code found.
func TestTextCategoriesNullInside(t *testing.T) {
	var c Categories
	if err := json.Unmarshal([]byte(`[["Paris", null, "Rome", "Oslo"]]`), &c); err != nil {
		t.Fatal(err)
	}
	if l := c.Lists[0]; len(l) != 4 || l[0] != 0 || !math.IsNaN(l[1]) || l[2] != 1 || l[3] != 2 {
		t.Fatalf("lists %v", l)
	}
	if b, err := json.Marshal(c); err != nil || string(b) != `[["Paris",null,"Rome","Oslo"]]` {
		t.Errorf("%s, %v", b, err)
	}
	for _, cats := range [][]float64{{math.NaN(), 0, 1, 2}, {0, math.NaN(), 1, 2}, {0, 1, math.NaN(), 2}, {0, 1, 2, math.NaN()}, {0, 1, 2}} {
		miss := missingIndex(cats)
		for t0, v := range cats {
			if got := code(cats, miss, v); got != t0 {
				t.Errorf("code(%v, %v) = %d, want %d", cats, v, got, t0)
			}
		}
		for _, v := range []float64{-1, 0.5, 3} {
			if got := code(cats, miss, v); got != -1 {
				t.Errorf("code(%v, %v) = %d, want -1", cats, v, got)
			}
		}
	}
	ctx := context.Background()
	X := testutil.Dense([][]float64{{0}, {math.NaN()}, {1}, {2}, {1}})
	oh := NewOneHotEncoder()
	oh.Categories = c
	if err := oh.Fit(ctx, X, nil); err != nil {
		t.Fatal(err)
	}
	Z, err := oh.Transform(X)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}, {0, 0, 1, 0}}
	for i, row := range want {
		if !slices.Equal(mat.Row(nil, i, Z), row) {
			t.Errorf("one-hot row %d = %v, want %v", i, mat.Row(nil, i, Z), row)
		}
	}
	od := NewOrdinalEncoder()
	od.Categories = c
	if err := od.Fit(ctx, X, nil); err != nil {
		t.Fatal(err)
	}
	Z, err = od.Transform(X)
	if err != nil {
		t.Fatal(err)
	}
	if got := mat.Col(nil, 0, Z); got[0] != 0 || !math.IsNaN(got[1]) || got[2] != 2 || got[3] != 3 || got[4] != 2 {
		t.Errorf("ordinal codes %v, want [0 NaN 2 3 2]", got)
	}
	st, err := od.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	back := NewOrdinalEncoder()
	if err := back.UnmarshalState(st); err != nil {
		t.Fatalf("state with NaN inside the categories: %v", err)
	}
}
