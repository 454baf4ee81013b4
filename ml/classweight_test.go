package ml_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/ml"
)

// TestClassWeightLabels: an object's keys that are numbers are class
// values, the others labels (kept for package train to replace by their
// class values); the JSON round-trips; two keys of one class value are
// refused; a label left at the fit names no class.
func TestClassWeightLabels(t *testing.T) {
	var c ml.ClassWeight
	if err := json.Unmarshal([]byte(`{"setosa": 2, " 1": 3, "2.5": 0.5}`), &c); err != nil {
		t.Fatal(err)
	}
	want := ml.ClassWeight{Weights: map[float64]float64{1: 3, 2.5: 0.5}, Labels: map[string]float64{"setosa": 2}}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("decoded %+v, want %+v", c, want)
	}
	b, err := json.Marshal(c)
	if err != nil || string(b) != `{"1":3,"2.5":0.5,"setosa":2}` {
		t.Errorf("encoded %s, %v", b, err)
	}
	var back ml.ClassWeight
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, c) {
		t.Errorf("round trip %+v, %v", back, err)
	}
	if b, _ := json.Marshal(ml.ClassWeight{Labels: map[string]float64{`a"b`: 1}}); string(b) != `{"a\"b":1}` {
		t.Errorf("labels only: %s", b)
	}
	if err := json.Unmarshal([]byte(`{"1": 1, "1.0": 2}`), &c); err == nil || !strings.Contains(err.Error(), `the keys "1" and "1.0" name the same class 1`) {
		t.Errorf("two keys of class 1: %v", err)
	}
	if err := (ml.ClassWeight{Labels: map[string]float64{"x": -1}}).Validate("balanced"); err == nil || !strings.Contains(err.Error(), `the weight of class "x" is -1`) {
		t.Errorf("negative weight of a label: %v", err)
	}
	_, err = want.PerClass([]float64{0, 1, 2.5}, []float64{1, 1, 1})
	if err == nil || !strings.Contains(err.Error(), `names class(es) "setosa", which y does not have`) {
		t.Errorf("a label at the fit: %v", err)
	}
	if w, err := (ml.ClassWeight{Weights: want.Weights}).PerClass([]float64{0, 1, 2.5}, []float64{1, 1, 1}); err != nil || !reflect.DeepEqual(w, []float64{1, 3, 0.5}) {
		t.Errorf("class values: %v, %v", w, err)
	}
}
