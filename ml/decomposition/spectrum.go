package decomposition

import (
	"fmt"
	"math"

	"github.com/mlforge/mlforge/ml"
)

// setSpectrum stores what PCA and TruncatedSVD both keep: components_
// (k×p), explained_variance_, explained_variance_ratio_ and
// singular_values_.
func setSpectrum(st *ml.State, comp []float64, k, p int, ev, evr, sv []float64) {
	st.SetFloats("components_", comp, k, p)
	st.SetFloats("explained_variance_", ev)
	st.SetFloats("explained_variance_ratio_", evr)
	st.SetFloats("singular_values_", sv)
}

// spectrumOf reads back what setSpectrum stored, checking the shapes, that
// the components are finite and that the explained variances are finite
// and ≥ 0.
func spectrumOf(st *ml.State) (comp []float64, k, p int, ev, evr, sv []float64, err error) {
	comp, shape, err := st.Floats("components_", -1, -1)
	if err != nil {
		return nil, 0, 0, nil, nil, nil, err
	}
	k, p = shape[0], shape[1]
	if k < 1 || p < 1 || k > p {
		return nil, 0, 0, nil, nil, nil, fmt.Errorf("state: components_ has shape %v, expected k×p with 1 ≤ k ≤ p", shape)
	}
	for i, v := range comp {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, 0, nil, nil, nil, fmt.Errorf("state: components_[%d] is %v, expected a finite number", i, v)
		}
	}
	if ev, _, err = st.Floats("explained_variance_", k); err != nil {
		return nil, 0, 0, nil, nil, nil, err
	}
	for i, v := range ev {
		if !(v >= 0) || math.IsInf(v, 0) {
			return nil, 0, 0, nil, nil, nil, fmt.Errorf("state: explained_variance_[%d] is %v, expected a finite number ≥ 0", i, v)
		}
	}
	if evr, _, err = st.Floats("explained_variance_ratio_", k); err != nil {
		return nil, 0, 0, nil, nil, nil, err
	}
	if sv, _, err = st.Floats("singular_values_", k); err != nil {
		return nil, 0, 0, nil, nil, nil, err
	}
	return comp, k, p, ev, evr, sv, nil
}
