package model_test

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/mlforge/mlforge/model"
)

// TestNonFiniteMetrics: a metric that overflowed is written as null (JSON
// has no Inf or NaN) instead of failing the save, and reads back as NaN.
func TestNonFiniteMetrics(t *testing.T) {
	m := model.Metrics{"test": {"mse": math.Inf(1), "r2": 0.5, "odd": math.NaN()}}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"test":{"mse":null,"odd":null,"r2":0.5}}`; string(b) != want {
		t.Fatalf("marshalled %s, want %s", b, want)
	}
	var back model.Metrics
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back["test"]["r2"] != 0.5 || !math.IsNaN(back["test"]["mse"]) || !math.IsNaN(back["test"]["odd"]) {
		t.Fatalf("read back %v", back)
	}
	if got, want := m.NonFinite(), []string{"test mse = +Inf", "test odd = NaN"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("NonFinite = %q, want %q", got, want)
	}
}
