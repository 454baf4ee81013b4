package manifold

import (
	"encoding/json"
	"testing"

	"github.com/mlforge/mlforge/ml/mltest"
)

// TestCommonChecks runs the common estimator suite on TSNE with each
// method and init (a perplexity below the suite's 60 rows).
func TestCommonChecks(t *testing.T) {
	for _, p := range []string{`{"perplexity": 10, "n_iter": 300}`, `{"perplexity": 5, "method": "exact", "init": "random", "n_iter": 250}`,
		`{"perplexity": 8, "n_components": 3, "n_iter": 250, "angle": 0.3}`} {
		t.Run("TSNE"+p, func(t *testing.T) {
			opts := mltest.OptionsFor("TSNE")
			opts.Params = json.RawMessage(p)
			mltest.CheckWith(t, "TSNE", opts)
		})
	}
}
