package ensemble

import (
	"bytes"
	"fmt"
	"math"
	"strconv"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/tree"
)

// MaxSamples is a forest's max_samples: how many rows each tree's bootstrap
// sample draws. The zero value (JSON null) means as many as the training
// set has; a JSON integer is a count (N) and a number written with a
// decimal point a fraction of the rows (Frac, in (0, 1]), the count being
// max(round(Frac·n), 1), as in scikit-learn.
type MaxSamples struct {
	N    int
	Frac float64
}

// ParamType names the type in the catalogue.
func (m MaxSamples) ParamType() (string, string) {
	return "count", "null, an integer ≥ 1 or a fraction of the samples in (0, 1] written with a decimal point"
}

// MarshalJSON writes null, N as an integer or Frac with its decimal point.
func (m MaxSamples) MarshalJSON() ([]byte, error) {
	switch {
	case m.Frac != 0:
		return tree.FloatJSON(m.Frac)
	case m.N != 0:
		return []byte(strconv.Itoa(m.N)), nil
	}
	return []byte("null"), nil
}

// UnmarshalJSON reads null, an integer as N or another number as Frac.
func (m *MaxSamples) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*m = MaxSamples{}
		return nil
	}
	f, isInt, err := tree.ParseNumber(b)
	if err != nil {
		return err
	}
	if f <= 0 {
		return fmt.Errorf("max_samples %s must be > 0", b)
	}
	if isInt {
		*m = MaxSamples{N: int(f)}
	} else {
		*m = MaxSamples{Frac: f}
	}
	return nil
}

func (m MaxSamples) String() string {
	b, _ := m.MarshalJSON()
	return string(b)
}

func (m MaxSamples) validate() error {
	if m.N < 0 || m.Frac < 0 || m.Frac > 1 || math.IsNaN(m.Frac) || m.N != 0 && m.Frac != 0 {
		_, e := m.ParamType()
		return &ml.ParamError{Param: "max_samples", Expected: e, Got: m.String()}
	}
	return nil
}

// resolve is scikit-learn's _get_n_samples_bootstrap.
func (m MaxSamples) resolve(n int) (int, error) {
	switch {
	case m.N > 0:
		if m.N > n {
			return 0, &ml.ParamError{Param: "max_samples", Msg: fmt.Sprintf("must be ≤ the number of samples, %d, but is %d", n, m.N)}
		}
		return m.N, nil
	case m.Frac > 0:
		return max(int(math.RoundToEven(float64(n)*m.Frac)), 1), nil
	}
	return n, nil
}

// ClassWeight is a classifier's class_weight (see ml.ClassWeight); forests
// take one preset more, "balanced_subsample" (balanced over each tree's
// bootstrap sample), which the catalogue names.
type ClassWeight struct{ ml.ClassWeight }

// ParamType names the type in the catalogue.
func (c ClassWeight) ParamType() (string, string) {
	return "class_weight", `null, "balanced", "balanced_subsample" or an object from class values (or a text target's labels) to weights ≥ 0`
}
