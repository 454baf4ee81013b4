package ensemble

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/ml"
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
		return floatJSON(m.Frac)
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
	f, isInt, err := parseNumber(b)
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

// ClassWeight is a classifier's class_weight: null (every class weighs 1),
// "balanced" (n_samples / (n_classes · count of the class)),
// "balanced_subsample" for forests (balanced over each tree's bootstrap
// sample), or an object mapping class values, written as JSON strings
// ("0", "1.5"), to weights; classes it leaves out weigh 1. The weights
// multiply the samples' weights, as in scikit-learn.
type ClassWeight struct {
	// Name is "balanced" or "balanced_subsample"; empty for none or
	// Weights.
	Name string
	// Weights maps class values to weights.
	Weights map[float64]float64
}

// ParamType names the type in the catalogue.
func (c ClassWeight) ParamType() (string, string) {
	return "class_weight", `null, "balanced", "balanced_subsample" or an object from class values to weights ≥ 0`
}

// IsZero reports whether c is null.
func (c ClassWeight) IsZero() bool { return c.Name == "" && c.Weights == nil }

// MarshalJSON writes null, the name, or the weights with their class
// values as keys, sorted.
func (c ClassWeight) MarshalJSON() ([]byte, error) {
	switch {
	case c.Name != "":
		return json.Marshal(c.Name)
	case c.Weights == nil:
		return []byte("null"), nil
	}
	keys := make([]float64, 0, len(c.Weights))
	for k := range c.Weights {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		w := c.Weights[k]
		if math.IsNaN(w) || math.IsInf(w, 0) || math.IsNaN(k) || math.IsInf(k, 0) {
			return nil, fmt.Errorf("class_weight: %v: %v is not a finite number", k, w)
		}
		fmt.Fprintf(&b, "%q:%s", strconv.FormatFloat(k, 'g', -1, 64), strconv.FormatFloat(w, 'g', -1, 64))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads null, a string or an object of weights.
func (c *ClassWeight) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*c = ClassWeight{}
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = ClassWeight{Name: s}
		return nil
	}
	var obj map[string]float64
	if err := json.Unmarshal(b, &obj); err != nil {
		return fmt.Errorf("class_weight %s is not null, a string or an object of numbers", abbrev(b))
	}
	w := make(map[float64]float64, len(obj))
	for k, v := range obj {
		f, err := strconv.ParseFloat(strings.TrimSpace(k), 64)
		if err != nil || math.IsInf(f, 0) {
			return fmt.Errorf("class_weight key %q is not a class value (a number)", k)
		}
		w[f] = v
	}
	*c = ClassWeight{Weights: w}
	return nil
}

// validate checks the name against names (the presets this estimator
// knows) and the weights.
func (c ClassWeight) validate(names ...string) error {
	if c.Name != "" && !slices.Contains(names, c.Name) {
		return &ml.ParamError{Param: "class_weight", Expected: `null, "` + strings.Join(names, `", "`) + `" or an object from class values to weights`, Got: strconv.Quote(c.Name)}
	}
	for k, w := range c.Weights {
		if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
			return &ml.ParamError{Param: "class_weight", Msg: fmt.Sprintf("the weight of class %v is %v, expected a finite number ≥ 0", k, w)}
		}
	}
	return nil
}

// classWeights returns the weight of each class (balanced over counts, the
// number of samples of each class), as compute_class_weight; a class the
// weights name that is not among classes is an error, as in scikit-learn.
func (c ClassWeight) classWeights(classes []float64, counts []float64) ([]float64, error) {
	w := make([]float64, len(classes))
	switch {
	case c.Name != "":
		n := 0.0
		for _, k := range counts {
			n += k
		}
		for i, k := range counts {
			w[i] = n / (float64(len(classes)) * k)
		}
	default:
		for i := range w {
			w[i] = 1
		}
		found := 0
		for i, k := range classes {
			if v, ok := c.Weights[k]; ok {
				w[i] = v
				found++
			}
		}
		if found != len(c.Weights) {
			var missing []string
			for k := range c.Weights {
				if _, ok := slices.BinarySearch(classes, k); !ok {
					missing = append(missing, strconv.FormatFloat(k, 'g', -1, 64))
				}
			}
			slices.Sort(missing)
			return nil, &ml.ParamError{Param: "class_weight", Msg: fmt.Sprintf("names class(es) %s, which y does not have (classes: %v)", strings.Join(missing, ", "), classes)}
		}
	}
	return w, nil
}

// parseNumber reads a JSON number and says whether it is written as an
// integer, as Python's json module decides between int and float.
func parseNumber(b []byte) (float64, bool, error) {
	b = bytes.TrimSpace(b)
	var num json.Number
	if len(b) == 0 || b[0] == '"' || json.Unmarshal(b, &num) != nil {
		return 0, false, fmt.Errorf("%s is not a number", abbrev(b))
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

// floatJSON formats f so that it reads back as a float (1 → "1.0").
func floatJSON(f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("ensemble: %v is not a valid JSON number", f)
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return []byte(s), nil
}

func abbrev(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}
