package preprocessing

import (
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
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
	runParity(t, cases, 1e-14, 1e-14)
}
