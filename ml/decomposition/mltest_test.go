package decomposition

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/mltest"
)

func asParam(err error, pe **ml.ParamError) bool { return errors.As(err, pe) }

// TestCommonChecks runs the common estimator suite on PCA with several
// settings.
func TestCommonChecks(t *testing.T) {
	for _, p := range []string{``, `{"n_components": 2, "whiten": true}`, `{"n_components": 0.9}`, `{"n_components": "mle"}`,
		`{"n_components": 2, "svd_solver": "randomized", "random_state": 3}`} {
		t.Run("PCA"+p, func(t *testing.T) {
			opts := mltest.OptionsFor("PCA")
			if p != "" {
				opts.Params = json.RawMessage(p)
			}
			mltest.CheckWith(t, "PCA", opts)
		})
	}
	for _, p := range []string{`{"n_components": 2}`, `{"n_components": 3, "algorithm": "arpack"}`} {
		t.Run("TruncatedSVD"+p, func(t *testing.T) {
			opts := mltest.OptionsFor("TruncatedSVD")
			opts.Params = json.RawMessage(p)
			mltest.CheckWith(t, "TruncatedSVD", opts)
		})
	}
}

// TestNMFCommonChecks runs the common suite on NMF with each solver and
// loss.
func TestNMFCommonChecks(t *testing.T) {
	for _, p := range []string{`{"n_components": 2}`, `{"n_components": 3, "solver": "mu", "beta_loss": "kullback-leibler", "init": "random"}`,
		`{"n_components": 2, "shuffle": true, "alpha_W": 0.01}`} {
		t.Run("NMF"+p, func(t *testing.T) {
			opts := mltest.OptionsFor("NMF")
			opts.Params = json.RawMessage(p)
			mltest.CheckWith(t, "NMF", opts)
		})
	}
}
