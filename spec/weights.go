package spec

import (
	"fmt"

	"github.com/mlforge/mlforge/ml"
)

// validateSampleWeight checks data.sample_weight against the model: a
// classic estimator with a weighted fit and a column other than the
// target. Cross-validation, searches and curves fit each fold with its
// rows' weights (scikit-learn's fit_params) and score unweighted.
func (s *Spec) validateSampleWeight(c *errs) {
	col := s.Data.SampleWeight
	if col == "" {
		return
	}
	const path = "data.sample_weight"
	if s.IsNetwork() {
		c.add(path, "applies to classic estimators (model.class); a network's loss is not weighted per sample")
		return
	}
	if s.Data.Target != "" && col == s.Data.Target {
		c.add(path, fmt.Sprintf("%s is the target; the weights must be another column", quote(col)))
		return
	}
	if s.Model.Class != "" {
		if info, err := ml.Lookup(s.Model.Class); err == nil {
			if _, ok := info.New().(ml.WeightedFitter); !ok {
				c.add(path, fmt.Sprintf("%s does not take sample weights: its fit has no sample_weight (as in scikit-learn 1.2); the classes that take them are marked \"sample_weight\": true in /api/classes", s.Model.Class))
				return
			}
		}
	}
}
