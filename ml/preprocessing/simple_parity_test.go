package preprocessing

import (
	"context"
	"fmt"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
)

// TestSimpleParity compares MaxAbsScaler, Normalizer, PolynomialFeatures and
// FunctionTransformer with scikit-learn 1.2.1 (testdata/gen_simple.py) on the
// inputs of gen.py. The tolerance is 1e-14 relative (and absolute, for
// values near 0): the reductions are NumPy's but not always in its order.
func TestSimpleParity(t *testing.T) {
	var cases []parityCase
	testutil.ReadJSON(t, "testdata/simple.json", &cases)
	if len(cases) < 15 {
		t.Fatalf("only %d parity cases", len(cases))
	}
	const tol = 1e-14
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s%s/%s/%s", c.Class, c.Params, c.X, c.Transform), func(t *testing.T) {
			e, err := ml.New(c.Class, c.Params)
			if err != nil {
				t.Fatal(err)
			}
			X := inputX(t, c.X)
			if err := e.Fit(context.Background(), X, nil); err != nil {
				t.Fatal(err)
			}
			if m, ok := e.(*MaxAbsScaler); ok {
				testutil.AllClose(t, "max_abs_", m.MaxAbs(), c.Attrs["max_abs_"], tol, tol)
				testutil.AllClose(t, "scale_", m.Scale(), c.Attrs["scale_"], tol, tol)
			}
			Z, err := e.(ml.Transformer).Transform(transformInput(X, c.Transform))
			if err != nil {
				t.Fatal(err)
			}
			if r, k := Z.Dims(); r != c.OutShape[0] || k != c.OutShape[1] {
				t.Fatalf("Transform shape %dx%d, sklearn %v", r, k, c.OutShape)
			}
			testutil.AllClose(t, "transform", Z.RawMatrix().Data, c.Out, tol, tol)
			if c.Inverse != nil {
				inv, err := e.(ml.InverseTransformer).InverseTransform(Z)
				if err != nil {
					t.Fatal(err)
				}
				testutil.AllClose(t, "inverse_transform", inv.RawMatrix().Data, c.Inverse, tol, tol)
			}
		})
	}
}
