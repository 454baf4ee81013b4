package tree

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/ml"
)

// Params are the hyperparameters DecisionTreeClassifier and
// DecisionTreeRegressor share (all but criterion), declared once and
// embedded in both.
type Params struct {
	Splitter              string      `json:"splitter" enum:"best,random" help:"best: the best split of each examined feature; random: one random threshold per feature"`
	MaxDepth              int         `json:"max_depth" min:"1" nullable:"true" help:"maximum depth of the tree; null (or 0) grows until leaves are pure or too small"`
	MinSamplesSplit       Count       `json:"min_samples_split" expect:"an integer ≥ 2 or a fraction of the samples in (0, 1] written with a decimal point" help:"minimum samples a node needs to be split"`
	MinSamplesLeaf        Count       `json:"min_samples_leaf" expect:"an integer ≥ 1 or a fraction of the samples in (0, 1) written with a decimal point" help:"minimum samples in each leaf"`
	MinWeightFractionLeaf float64     `json:"min_weight_fraction_leaf" min:"0" max:"0.5" help:"minimum fraction of the total sample weight in each leaf"`
	MaxFeatures           MaxFeatures `json:"max_features" nullable:"true" expect:"null, an integer ≥ 1, a number in (0, 1], \"sqrt\", \"log2\" or \"auto\"" help:"features examined per split; null means all (the deprecated auto: sqrt for a classifier, all for a regressor)"`
	RandomState           int         `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the feature draws; null means 0 (mlforge is always seeded)"`
	MaxLeafNodes          int         `json:"max_leaf_nodes" min:"2" nullable:"true" help:"grow best first up to this many leaves; null (or 0) means unlimited, grown depth first"`
	MinImpurityDecrease   float64     `json:"min_impurity_decrease" min:"0" help:"split a node only if the weighted impurity decrease is at least this"`
}

// defaultParams returns scikit-learn's defaults: best splitter, unlimited
// depth, min_samples_split 2, min_samples_leaf 1, all features.
func defaultParams() Params {
	return Params{Splitter: "best", MinSamplesSplit: Count{N: 2}, MinSamplesLeaf: Count{N: 1}}
}

// Count is a hyperparameter that scikit-learn accepts either as an absolute
// number of samples (a JSON integer such as 5) or as a fraction of the
// training samples (a JSON number with a decimal point or exponent, such as
// 0.05 or 1.0), like min_samples_split and min_samples_leaf. As in Python,
// 1 and 1.0 differ: the first is one sample, the second all of them.
type Count struct {
	// N is the absolute count, used when Frac is 0.
	N int
	// Frac is the fraction of the training samples, used when it is > 0;
	// the count is then ceil(Frac * n_samples).
	Frac float64
}

// MarshalJSON writes N as an integer, or Frac as a number that keeps its
// decimal point so that it reads back as a fraction.
func (c Count) MarshalJSON() ([]byte, error) {
	if c.Frac != 0 {
		return FloatJSON(c.Frac)
	}
	return []byte(strconv.Itoa(c.N)), nil
}

// UnmarshalJSON reads an integer as N and any other number as Frac.
func (c *Count) UnmarshalJSON(b []byte) error {
	n, isInt, err := ParseNumber(b)
	if err != nil {
		return err
	}
	if n <= 0 {
		return fmt.Errorf("count %s must be > 0", b)
	}
	if isInt {
		*c = Count{N: int(n)}
	} else {
		*c = Count{Frac: n}
	}
	return nil
}

// String formats c as it is written in JSON.
func (c Count) String() string {
	b, _ := c.MarshalJSON()
	return string(b)
}

// resolve returns the count for nSamples, as BaseDecisionTree.fit does.
func (c Count) resolve(nSamples int) int {
	if c.Frac != 0 {
		return int(math.Ceil(c.Frac * float64(nSamples)))
	}
	return c.N
}

// MaxFeatures is the max_features hyperparameter: how many features are
// drawn at random and examined when looking for the best split of a node.
// At most one field is set; the zero value (JSON null) means all features.
// In JSON it is null, an integer (a count), a number with a decimal point (a
// fraction of the features) or one of "sqrt", "log2" and "auto".
type MaxFeatures struct {
	// Name is "sqrt" (floor(sqrt(n_features))), "log2"
	// (floor(log2(n_features))) or "auto" (deprecated in scikit-learn 1.1:
	// "sqrt" for a classifier, all features for a regressor).
	Name string
	// N is a count of features ≥ 1.
	N int
	// Frac is a fraction of the features in (0, 1]; the count is
	// max(1, floor(Frac * n_features)).
	Frac float64
}

// MarshalJSON writes the value as it is read.
func (m MaxFeatures) MarshalJSON() ([]byte, error) {
	switch {
	case m.Name != "":
		return json.Marshal(m.Name)
	case m.Frac != 0:
		return FloatJSON(m.Frac)
	case m.N != 0:
		return []byte(strconv.Itoa(m.N)), nil
	}
	return []byte("null"), nil
}

// UnmarshalJSON reads null, a string, an integer or a fraction.
func (m *MaxFeatures) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*m = MaxFeatures{}
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*m = MaxFeatures{Name: s}
		return nil
	}
	n, isInt, err := ParseNumber(b)
	if err != nil {
		return err
	}
	if n <= 0 {
		// 0 would read back as the zero value, null.
		return fmt.Errorf("max_features %s must be > 0", b)
	}
	if isInt {
		*m = MaxFeatures{N: int(n)}
	} else {
		*m = MaxFeatures{Frac: n}
	}
	return nil
}

// String formats m as it is written in JSON.
func (m MaxFeatures) String() string {
	b, _ := m.MarshalJSON()
	return string(b)
}

const maxFeaturesExpect = `null, an integer ≥ 1, a number in (0, 1], "sqrt", "log2" or "auto"`

// validate checks m against scikit-learn 1.2's constraints.
func (m MaxFeatures) validate() error {
	bad := &ml.ParamError{Param: "max_features", Expected: maxFeaturesExpect, Got: m.String()}
	set := 0
	if m.Name != "" {
		set++
		if m.Name != "sqrt" && m.Name != "log2" && m.Name != "auto" {
			return bad
		}
	}
	if m.N != 0 {
		set++
		if m.N < 1 {
			return bad
		}
	}
	if m.Frac != 0 {
		set++
		if !(m.Frac > 0 && m.Frac <= 1) {
			return bad
		}
	}
	if set > 1 {
		return &ml.ParamError{Param: "max_features", Msg: fmt.Sprintf("set only one of Name, N and Frac (got %+v)", m)}
	}
	return nil
}

// resolve returns the number of features to examine per split.
func (m MaxFeatures) resolve(nFeatures int, classifier bool) int {
	switch {
	case m.Name == "sqrt" || m.Name == "auto" && classifier:
		return max(1, int(math.Sqrt(float64(nFeatures))))
	case m.Name == "log2":
		return max(1, int(math.Log2(float64(nFeatures))))
	case m.N > 0:
		return m.N
	case m.Frac > 0:
		return max(1, int(m.Frac*float64(nFeatures)))
	}
	return nFeatures
}

// ParseNumber reads a JSON number and says whether it is written as an
// integer (no decimal point or exponent), as Python's json module decides
// between int and float. Parameters that take a count or a fraction (here
// and in ml/ensemble) read their value through it.
func ParseNumber(b []byte) (float64, bool, error) {
	b = bytes.TrimSpace(b)
	var num json.Number
	if len(b) == 0 || b[0] != '-' && (b[0] < '0' || b[0] > '9') || json.Unmarshal(b, &num) != nil {
		return 0, false, fmt.Errorf("%s is not a number", text.Abbrev(string(b)))
	}
	s := num.String()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false, fmt.Errorf("%s is not a finite number", s)
	}
	isInt := !strings.ContainsAny(s, ".eE")
	if isInt && math.Abs(f) > 1<<53 {
		return 0, false, fmt.Errorf("%s is too large", s)
	}
	return f, isInt, nil
}

// FloatJSON formats f so that it reads back as a float (1 → "1.0"), the
// other half of ParseNumber.
func FloatJSON(f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%v is not a valid JSON number", f)
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return []byte(s), nil
}
