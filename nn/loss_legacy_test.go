package nn

import (
	"encoding/json"
	"math"
	"os"
	"reflect"
	"slices"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// TestLegacyReductionMatchesPyTorch builds every loss of
// testdata/legacy_reduction.json (gen_legacy_reduction.py: PyTorch 1.13's
// losses with size_average, each with every combination of size_average,
// reduce and reduction) and checks the reduction it takes and the
// deprecation warning against PyTorch's; the losses with size_average are
// exactly those that take it here.
func TestLegacyReductionMatchesPyTorch(t *testing.T) {
	b, err := os.ReadFile("testdata/legacy_reduction.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Losses []string `json:"losses"`
		Cases  []struct {
			Loss      string          `json:"loss"`
			Kwargs    json.RawMessage `json:"kwargs"`
			Reduction string          `json:"reduction"`
			Warning   *string         `json:"warning"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	var ours []string
	for _, e := range LossCatalogue() {
		for _, p := range e.Params {
			if p.Name == "size_average" {
				ours = append(ours, e.Name)
			}
		}
	}
	if !slices.Equal(ours, f.Losses) {
		t.Errorf("losses with size_average: %v, PyTorch's %v", ours, f.Losses)
	}
	if len(f.Cases) < 400 {
		t.Fatalf("%d cases", len(f.Cases))
	}
	for _, c := range f.Cases {
		l, err := NewLoss(c.Loss, c.Kwargs)
		if err != nil {
			t.Errorf("%s %s: %v", c.Loss, c.Kwargs, err)
			continue
		}
		if got := reflect.ValueOf(l).Elem().FieldByName("Reduction").String(); got != c.Reduction {
			t.Errorf("%s %s: reduction %q, PyTorch's %q", c.Loss, c.Kwargs, got, c.Reduction)
		}
		want := ""
		if c.Warning != nil {
			want = *c.Warning
		}
		if got := DeprecationWarning(l); got != want {
			t.Errorf("%s %s: warning %q, PyTorch's %q", c.Loss, c.Kwargs, got, want)
		}
	}
	// null is PyTorch's None: no override.
	l, _ := NewLoss("MSELoss", []byte(`{"size_average": null, "reduce": null, "reduction": "sum"}`))
	if l.(*MSELoss).Reduction != "sum" || DeprecationWarning(l) != "" {
		t.Errorf("null size_average and reduce: reduction %q, warning %q", l.(*MSELoss).Reduction, DeprecationWarning(l))
	}
	// The reduction taken is the one computed: MSELoss with
	// size_average false is the sum of the squared errors.
	x := &tensor.Tensor{Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}
	y := &tensor.Tensor{Shape: []int{2, 2}, Data: []float32{0, 0, 1, 1}}
	for _, c := range []struct {
		kw   string
		want []float32
	}{{`{"size_average": false}`, []float32{1 + 4 + 4 + 9}}, {`{"reduce": true}`, []float32{18. / 4}}, {`{"reduce": false, "reduction": "sum"}`, []float32{1, 4, 4, 9}}} {
		l, err := NewLoss("MSELoss", []byte(c.kw))
		if err != nil {
			t.Fatal(err)
		}
		g := NewGraph()
		got := l.Forward(g, g.Const(x), g.Const(y)).Data.Data
		if len(got) != len(c.want) || math.Abs(float64(got[0]-c.want[0])) > 1e-6 {
			t.Errorf("MSELoss %s: %v, want %v", c.kw, got, c.want)
		}
	}
}
