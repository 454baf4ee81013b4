package model

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// columnModel is fitted() with its step restricted to column "b".
func columnModel(t *testing.T) *Model {
	t.Helper()
	sh, err := ml.New("modeltestShift", json.RawMessage(`{"scale": -2.5}`))
	if err != nil {
		t.Fatal(err)
	}
	cs := ml.NewColumnStep(sh.(ml.Transformer), []string{"b"})
	p := &ml.Pipeline{Steps: []ml.Transformer{cs}, Final: &sumClassifier{}}
	if err := p.Bind([]string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if err := p.Fit(context.Background(), mat.NewDense(2, 2, []float64{1, 2, 3, 4}), []float64{0, 1}); err != nil {
		t.Fatal(err)
	}
	m := fitted(t)
	m.Pipeline = p
	return m
}

// TestColumnStepSaveLoad: a step's column selection is saved and restored,
// so that the loaded pipeline transforms as the fitted one; a manifest
// whose selection or text column is inconsistent is refused.
func TestColumnStepSaveLoad(t *testing.T) {
	m := columnModel(t)
	var buf bytes.Buffer
	if err := Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	got, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	cs, ok := got.Pipeline.Steps[0].(*ml.ColumnStep)
	if !ok || cs.Names[0] != "b" || cs.Columns[0] != 1 || cs.NFeaturesIn() != 2 {
		t.Fatalf("loaded step %#v", got.Pipeline.Steps[0])
	}
	X := mat.NewDense(2, 2, []float64{10, 20, 30, 40})
	want, _ := m.Pipeline.TransformSteps(X)
	have, err := got.Pipeline.TransformSteps(X)
	if err != nil || !mat.Equal(want, have) {
		t.Fatalf("loaded transform %v (%v), want %v", have, err, want)
	}

	for _, c := range []struct {
		name  string
		edit  func(m *Model)
		error string
	}{
		{"index out of range", func(m *Model) { m.Pipeline.Steps[0].(*ml.ColumnStep).Columns[0] = 2 }, "column index 2 is out of range"},
		{"text without categories", func(m *Model) { m.Manifest.Features[1] = Column{Name: "b", Type: "text"} }, `text feature "b" has no categories`},
		{"unknown type", func(m *Model) { m.Manifest.Features[1] = Column{Name: "b", Type: "date"} }, `feature "b" has the type "date"`},
		{"repeated category", func(m *Model) {
			m.Manifest.Features[1] = Column{Name: "b", Type: "text", Categories: []string{"x", "x"}}
		}, `the category "x" twice`},
	} {
		m := columnModel(t)
		c.edit(m)
		var buf bytes.Buffer
		if err := Encode(&buf, m); err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(buf.Bytes()); err == nil || !strings.Contains(err.Error(), c.error) {
			t.Errorf("%s: %v, want ...%s", c.name, err, c.error)
		}
	}
}
