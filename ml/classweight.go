package ml

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/internal/text"
)

// ClassWeight is a classifier's class_weight: null (every class weighs 1),
// a preset name such as "balanced" (n_samples / (n_classes · count of the
// class)), or an object mapping classes to weights; classes it leaves out
// weigh 1. The weights multiply the samples' weights, as in scikit-learn.
// Which names an estimator takes is up to it (see Validate); an estimator
// with more presets wraps the type to describe them in the catalogue.
//
// A key is a class value, a number written as a JSON string ("0", "1.5";
// compared as numbers, so "1" and "1.0" are the same class and both at
// once are an error), or, for a target that holds text, the class's label
// ("setosa"), as scikit-learn takes the original labels. The estimators
// fit on class values (a text target's are the indices of its sorted
// labels), so a run replaces the labels by their values before the fit
// (package train, which knows the target's labels); a label left in
// Labels at the fit names no class and PerClass refuses it.
type ClassWeight struct {
	// Name is a preset ("balanced", ...), or empty for null or Weights.
	Name string
	// Weights maps class values to weights.
	Weights map[float64]float64
	// Labels maps the keys that are not numbers, a text target's labels,
	// to weights; nil when there are none.
	Labels map[string]float64
}

// ParamType names the type in the catalogue.
func (c ClassWeight) ParamType() (string, string) {
	return "class_weight", `null, "balanced" or an object from class values (or a text target's labels) to weights ≥ 0`
}

// IsZero reports whether c is null.
func (c ClassWeight) IsZero() bool { return c.Name == "" && c.Weights == nil && c.Labels == nil }

// MarshalJSON writes null, the name, or the weights with their class
// values as keys, sorted, then the labels' weights, sorted.
func (c ClassWeight) MarshalJSON() ([]byte, error) {
	switch {
	case c.Name != "":
		return json.Marshal(c.Name)
	case c.Weights == nil && c.Labels == nil:
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
	labels := make([]string, 0, len(c.Labels))
	for l := range c.Labels {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	for i, l := range labels {
		if i > 0 || len(keys) > 0 {
			b.WriteByte(',')
		}
		w := c.Labels[l]
		if math.IsNaN(w) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("class_weight: %q: %v is not a finite number", l, w)
		}
		k, _ := json.Marshal(l)
		b.Write(k)
		b.WriteByte(':')
		b.WriteString(strconv.FormatFloat(w, 'g', -1, 64))
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
		return fmt.Errorf("class_weight %s is not null, a string or an object of numbers", text.Abbrev(string(b)))
	}
	w := map[float64]float64{}
	var labels map[string]float64
	seen := map[float64]string{}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		f, ok := ClassKey(k)
		if !ok {
			if labels == nil {
				labels = map[string]float64{}
			}
			labels[k] = obj[k]
			continue
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return &ParamError{Msg: fmt.Sprintf("the key %q is not a class value (a finite number) or a label", k)}
		}
		if prev, dup := seen[f]; dup {
			return &ParamError{Msg: fmt.Sprintf("the keys %q and %q name the same class %s; give each class one weight", prev, k, strconv.FormatFloat(f, 'g', -1, 64))}
		}
		seen[f] = k
		w[f] = obj[k]
	}
	*c = ClassWeight{Weights: w, Labels: labels}
	return nil
}

// ClassKey reads a class_weight key as a class value: a number, spaces
// around it allowed; ok is false for a key that is no number (a label).
func ClassKey(k string) (v float64, ok bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(k), 64)
	return v, err == nil
}

// Validate checks the name against names (the presets the estimator knows)
// and the weights.
func (c ClassWeight) Validate(names ...string) error {
	if c.Name != "" && !slices.Contains(names, c.Name) {
		return &ParamError{Param: "class_weight", Expected: `null, "` + strings.Join(names, `", "`) + `" or an object from class values to weights`, Got: strconv.Quote(c.Name)}
	}
	for k, w := range c.Weights {
		if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
			return &ParamError{Param: "class_weight", Msg: fmt.Sprintf("the weight of class %v is %v, expected a finite number ≥ 0", k, w)}
		}
	}
	for k, w := range c.Labels {
		if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
			return &ParamError{Param: "class_weight", Msg: fmt.Sprintf("the weight of class %q is %v, expected a finite number ≥ 0", k, w)}
		}
	}
	return nil
}

// PerClass returns the weight of each class of classes (sorted), as
// compute_class_weight: with a name, balanced over counts (the number of
// samples of each class); else the weights, 1 for a class they leave out. A
// class the weights name that is not among classes is an error, as in
// scikit-learn, and so is a label left in Labels (classes are numbers: a
// run replaces a text target's labels by their class values first).
func (c ClassWeight) PerClass(classes, counts []float64) ([]float64, error) {
	w := make([]float64, len(classes))
	if c.Name != "" {
		n := 0.0
		for _, k := range counts {
			n += k
		}
		for i, k := range counts {
			w[i] = n / (float64(len(classes)) * k)
		}
		return w, nil
	}
	for i := range w {
		w[i] = 1
	}
	var missing []string
	for k, v := range c.Weights {
		i, ok := slices.BinarySearch(classes, k)
		if !ok {
			missing = append(missing, strconv.FormatFloat(k, 'g', -1, 64))
			continue
		}
		w[i] = v
	}
	for l := range c.Labels {
		missing = append(missing, strconv.Quote(l))
	}
	if missing != nil {
		slices.Sort(missing)
		return nil, &ParamError{Param: "class_weight", Msg: fmt.Sprintf("names class(es) %s, which y does not have (classes: %v)", strings.Join(missing, ", "), classes)}
	}
	return w, nil
}
