package ml_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// double is a transformer that doubles its input, column for column.
type double struct{ fitted int }

func (d *double) Fit(_ context.Context, X *mat.Dense, _ []float64) error {
	_, d.fitted = X.Dims()
	return nil
}

func (d *double) Transform(X *mat.Dense) (*mat.Dense, error) {
	var out mat.Dense
	out.Scale(2, X)
	return &out, nil
}

// TestColumnStep: the selected columns, in the selection's order, come
// first, transformed; the others follow in their order; names follow the
// same order; Transform refuses X of another width; Bind names the step
// and the closest name.
func TestColumnStep(t *testing.T) {
	in := &double{}
	p := &ml.Pipeline{Steps: []ml.Transformer{ml.NewColumnStep(in, []string{"c", "a"})}}
	if err := p.Bind([]string{"a", "b", "c", "d"}); err != nil {
		t.Fatal(err)
	}
	X := mat.NewDense(2, 4, []float64{1, 2, 3, 4, 5, 6, 7, 8})
	cs := p.Steps[0].(*ml.ColumnStep)
	if err := cs.Fit(context.Background(), X, nil); err != nil {
		t.Fatal(err)
	}
	if in.fitted != 2 {
		t.Fatalf("the transformer saw %d columns, want 2", in.fitted)
	}
	Z, err := p.TransformSteps(X)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{6, 2, 2, 4, 14, 10, 6, 8}; !reflect.DeepEqual(Z.RawMatrix().Data, want) {
		t.Fatalf("transformed %v, want %v", Z.RawMatrix().Data, want)
	}
	if got, want := cs.FeatureNames([]string{"a", "b", "c", "d"}), []string{"c", "a", "b", "d"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("names %v, want %v", got, want)
	}
	if _, err := cs.Transform(mat.NewDense(1, 3, nil)); err == nil || !strings.Contains(err.Error(), "3 features, but the step was fitted with 4") {
		t.Fatalf("3 columns: %v", err)
	}
	err = p.Bind([]string{"a", "b", "cc", "d"})
	var be *ml.BindError
	if !errors.As(err, &be) || be.Step != 0 || !strings.Contains(err.Error(), `no feature column "c"`) {
		t.Fatalf("bind: %v", err)
	}
}
