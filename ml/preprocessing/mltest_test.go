package preprocessing

import (
	"encoding/json"
	"testing"

	"github.com/mlforge/mlforge/ml/mltest"
)

// TestCommonChecks runs the common estimator suite on every class here, with
// default and non-default hyperparameters.
func TestCommonChecks(t *testing.T) {
	for _, c := range []struct {
		class, params string
	}{
		{"StandardScaler", ``},
		{"StandardScaler", `{"with_mean": false}`},
		{"StandardScaler", `{"with_mean": false, "with_std": false}`},
		{"MinMaxScaler", ``},
		{"MinMaxScaler", `{"feature_range": [-1, 1], "clip": true}`},
		{"SimpleImputer", ``},
		{"SimpleImputer", `{"strategy": "median"}`},
		{"SimpleImputer", `{"strategy": "most_frequent"}`},
		{"SimpleImputer", `{"strategy": "constant", "fill_value": 3}`},
		{"SimpleImputer", `{"missing_values": 0, "keep_empty_features": true}`},
		{"MaxAbsScaler", ``},
		{"Normalizer", ``},
		{"Normalizer", `{"norm": "max"}`},
		{"PolynomialFeatures", ``},
		{"PolynomialFeatures", `{"degree": 3, "interaction_only": true, "include_bias": false}`},
		{"FunctionTransformer", ``},
		{"FunctionTransformer", `{"func": "abs"}`},
		{"PowerTransformer", ``},
		{"PowerTransformer", `{"method": "box-cox"}`},
		{"PowerTransformer", `{"method": "box-cox", "standardize": false}`},
		{"QuantileTransformer", ``},
		{"QuantileTransformer", `{"output_distribution": "normal", "n_quantiles": 10}`},
		{"QuantileTransformer", `{"n_quantiles": 20, "subsample": 30, "random_state": 2}`},
		{"OneHotEncoder", ``},
		{"OneHotEncoder", `{"drop": "first", "handle_unknown": "ignore"}`},
		{"OneHotEncoder", `{"drop": "if_binary", "min_frequency": 25, "handle_unknown": "infrequent_if_exist"}`},
		{"OneHotEncoder", `{"max_categories": 2}`},
		{"OrdinalEncoder", ``},
		{"OrdinalEncoder", `{"handle_unknown": "use_encoded_value", "unknown_value": -1}`},
		{"OrdinalEncoder", `{"handle_unknown": "use_encoded_value", "unknown_value": -1, "encoded_missing_value": -2}`},
		{"KBinsDiscretizer", ``},
		{"KBinsDiscretizer", `{"encode": "ordinal", "strategy": "kmeans", "n_bins": 3}`},
		{"KBinsDiscretizer", `{"encode": "onehot-dense", "strategy": "uniform"}`},
		{"KBinsDiscretizer", `{"subsample": 30, "random_state": 1}`},
	} {
		t.Run(c.class+c.params, func(t *testing.T) {
			opts := mltest.OptionsFor(c.class)
			if c.params != "" {
				opts.Params = json.RawMessage(c.params)
			}
			mltest.CheckWith(t, c.class, opts)
		})
	}
}
