package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/spec"
)

// A class_weight object's keys name classes (ml.ClassWeight). When the
// target column holds text, the estimators fit on class values that are
// the indices of the sorted labels (data.Frame.Classes, LabelEncoder's
// order), and a key may be either:
//
//   - a label, "setosa", as scikit-learn takes the original labels: it is
//     replaced by its class value before the fit. A key that is a label
//     is the label even when it reads as a number (labels "1", "2", "x":
//     "1" is the label "1", class value 0);
//   - otherwise a class value, "0", the index of the label (what a spec
//     had to write before labels were keys; kept).
//
// Two keys naming the same class ("setosa" and "0") are an error. When
// the target column holds numbers, a key is a class value compared as a
// number ("1", "1.0" and " 1" are the class 1, as the CSV reader reads
// the column's "1" or "1.0"), and a key that is no number names no class.
// A key that names no class of the training data is an error naming the
// key and listing the classes (their values, and a text target's labels
// beside them), at Check when the data is a built-in table and before the
// fit otherwise. "balanced" has no keys: it weighs the classes of the
// training rows, the same whatever the target holds.
//
// Wherever a spec sets a class_weight object the same rules hold:
// model.params.class_weight, a member's params at any depth (an
// ensemble's estimators), each value of a search grid's class_weight key
// and of a validation curve over it. The run replaces the labels in the
// params of each pipeline it builds (Plan.pipeline); the model file's
// estimator holds the class values, its manifest's spec and the search's
// cv_results keep the labels as written.

// cwSite is one class_weight object a spec sets, with its field path.
type cwSite struct {
	path string
	obj  map[string]json.RawMessage
}

// classWeightSites returns the class_weight objects of s: those in
// model.params at any depth, each value of a search grid key that sets the
// model's class_weight, and each value of a validation curve over it.
// Values that are not objects (null, "balanced") are left out.
func classWeightSites(s *spec.Spec) []cwSite {
	var out []cwSite
	visit := func(path string, raw json.RawMessage) {
		var obj map[string]json.RawMessage
		if b := bytes.TrimSpace(raw); len(b) > 0 && b[0] == '{' && json.Unmarshal(b, &obj) == nil {
			out = append(out, cwSite{path, obj})
		}
	}
	walkClassWeights(s.Model.Params, "model.params", visit)
	isCW := func(key string) bool {
		step, name, msg := s.GridTarget(key)
		return msg == "" && step < 0 && name == "class_weight"
	}
	if se := s.Search; se != nil {
		grids, gpath := se.ParamGrid, "search.param_grid"
		if se.Type == "RandomizedSearchCV" {
			grids, gpath = se.ParamDistributions, "search.param_distributions"
		}
		for gi, g := range grids {
			p := gpath
			if len(grids) > 1 {
				p = fmt.Sprintf("%s[%d]", gpath, gi)
			}
			for _, k := range sortedKeys(g) {
				if !isCW(k) {
					continue
				}
				for j, v := range g[k].List {
					visit(fmt.Sprintf("%s.%s[%d]", p, k, j), v)
				}
			}
		}
	}
	if v := s.ValidationCurve; v != nil && isCW(v.ParamName) {
		for j, val := range v.ParamRange {
			visit(fmt.Sprintf("validation_curve.param_range[%d]", j), val)
		}
	}
	return out
}

// walkClassWeights calls visit with every "class_weight" member of the
// JSON raw, at any depth, and its path below path.
func walkClassWeights(raw json.RawMessage, path string, visit func(string, json.RawMessage)) {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 {
		return
	}
	switch b[0] {
	case '{':
		var obj map[string]json.RawMessage
		if json.Unmarshal(b, &obj) != nil {
			return
		}
		for _, k := range sortedKeys(obj) {
			if k == "class_weight" {
				visit(path+"."+k, obj[k])
			} else {
				walkClassWeights(obj[k], path+"."+k, visit)
			}
		}
	case '[':
		var list []json.RawMessage
		if json.Unmarshal(b, &list) != nil {
			return
		}
		for i, e := range list {
			walkClassWeights(e, fmt.Sprintf("%s[%d]", path, i), visit)
		}
	}
}

// classKeyValue returns the class value a class_weight key names, given
// the target's text labels (nil for a numeric target), as the rules above
// say; ok is false when the key is neither a label nor a class value.
func classKeyValue(k string, labels []string) (float64, bool) {
	if labels != nil {
		if i, found := slices.BinarySearch(labels, k); found {
			return float64(i), true
		}
		if !slices.IsSorted(labels) {
			if i := slices.Index(labels, k); i >= 0 {
				return float64(i), true
			}
		}
	}
	v, ok := ml.ClassKey(k)
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	if labels != nil && (v != math.Trunc(v) || v < 0 || v >= float64(len(labels))) {
		return 0, false
	}
	return v, true
}

// classKeyProblem checks the keys of one class_weight object against the
// classes the training data has (have, their values), the target's labels
// and its name in messages (src); "" when every key names one of them,
// once.
func classKeyProblem(obj map[string]json.RawMessage, have []float64, labels []string, src string) string {
	var missing []string
	by := map[float64]string{}
	for _, k := range sortedKeys(obj) {
		v, ok := classKeyValue(k, labels)
		if !ok || !slices.Contains(have, v) {
			if _, num := ml.ClassKey(k); num {
				missing = append(missing, k)
			} else {
				missing = append(missing, strconv.Quote(k))
			}
			continue
		}
		if prev, dup := by[v]; dup {
			return fmt.Sprintf("names the class %s twice, as %q and %q; give each class one weight", className(v, labels), prev, k)
		}
		by[v] = k
	}
	if len(missing) == 0 {
		return ""
	}
	names := make([]string, len(have))
	for i, v := range have {
		names[i] = className(v, labels)
	}
	msg := fmt.Sprintf("names class %s, which %s does not have; its classes are %s", strings.Join(missing, ", "), src, strings.Join(names, ", "))
	if labels == nil {
		for k := range obj {
			if _, num := ml.ClassKey(k); !num {
				msg += " (the target holds numbers: a key is a class value)"
				break
			}
		}
	} else {
		msg += " (a key is a label or its class value)"
	}
	return msg
}

// className writes class value v, with its label for a text target:
// "0 (setosa)".
func className(v float64, labels []string) string {
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if labels != nil && v == math.Trunc(v) && v >= 0 && int(v) < len(labels) {
		s += " (" + labels[int(v)] + ")"
	}
	return s
}

// checkClassWeights is Check's (and the run's, on the data read) part for
// the class_weight objects of the spec: each key must name a class of the
// training data frame (once).
func (p *Plan) checkClassWeights(c *problems, frame *data.Frame) {
	s := p.spec
	if frame == nil || frame.Y == nil || s.ModelTask() != ml.Classification {
		return
	}
	sites := classWeightSites(s)
	if len(sites) == 0 {
		return
	}
	have := distinctValues(frame.Y)
	for _, site := range sites {
		if msg := classKeyProblem(site.obj, have, frame.Classes, s.Data.Train.String()); msg != "" {
			c.add(site.path, msg)
		}
	}
}

// distinctValues returns the distinct values of y, sorted.
func distinctValues(y []float64) []float64 {
	out := slices.Clone(y)
	slices.Sort(out)
	return slices.Compact(out)
}

// resolveClassWeights returns s with the labels among the keys of its
// model's class_weight objects (at any depth) replaced by their class
// values, for a target whose text labels are labels; s itself when none
// is a label (a numeric target, or keys already class values).
func resolveClassWeights(s *spec.Spec, labels []string) (*spec.Spec, error) {
	if labels == nil || len(s.Model.Params) == 0 || !bytes.Contains(s.Model.Params, []byte(`"class_weight"`)) {
		return s, nil
	}
	var problem error
	params, changed := rewriteClassWeights(s.Model.Params, "model.params", func(path string, obj map[string]json.RawMessage) (map[string]json.RawMessage, bool) {
		all := make([]float64, len(labels))
		for i := range all {
			all[i] = float64(i)
		}
		if msg := classKeyProblem(obj, all, labels, "the target"); msg != "" {
			if problem == nil {
				problem = spec.Errors{{Path: path, Msg: msg}}
			}
			return nil, false
		}
		out := make(map[string]json.RawMessage, len(obj))
		changed := false
		for k, w := range obj {
			key := k // a class value, as written
			if slices.Contains(labels, k) {
				v, _ := classKeyValue(k, labels)
				key = strconv.FormatFloat(v, 'g', -1, 64)
				changed = changed || key != k
			}
			out[key] = w
		}
		return out, changed
	})
	if problem != nil {
		return nil, problem
	}
	if !changed {
		return s, nil
	}
	c := *s
	c.Model.Params = params
	return &c, nil
}

// rewriteClassWeights returns raw with each "class_weight" object member
// (at any depth) replaced by what f makes of it, and whether anything
// changed; the JSON is rewritten only along the members that change.
func rewriteClassWeights(raw json.RawMessage, path string, f func(string, map[string]json.RawMessage) (map[string]json.RawMessage, bool)) (json.RawMessage, bool) {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 {
		return raw, false
	}
	switch b[0] {
	case '{':
		var obj map[string]json.RawMessage
		if json.Unmarshal(b, &obj) != nil {
			return raw, false
		}
		changed := false
		for _, k := range sortedKeys(obj) {
			var v json.RawMessage
			var ch bool
			if vb := bytes.TrimSpace(obj[k]); k == "class_weight" && len(vb) > 0 && vb[0] == '{' {
				var cw map[string]json.RawMessage
				if json.Unmarshal(vb, &cw) != nil {
					continue
				}
				var out map[string]json.RawMessage
				if out, ch = f(path+"."+k, cw); ch {
					v, _ = json.Marshal(out)
				}
			} else {
				v, ch = rewriteClassWeights(obj[k], path+"."+k, f)
			}
			if ch {
				obj[k], changed = v, true
			}
		}
		if !changed {
			return raw, false
		}
		out, err := json.Marshal(obj)
		if err != nil {
			return raw, false
		}
		return out, true
	case '[':
		var list []json.RawMessage
		if json.Unmarshal(b, &list) != nil {
			return raw, false
		}
		changed := false
		for i, e := range list {
			if v, ch := rewriteClassWeights(e, fmt.Sprintf("%s[%d]", path, i), f); ch {
				list[i], changed = v, true
			}
		}
		if !changed {
			return raw, false
		}
		out, err := json.Marshal(list)
		if err != nil {
			return raw, false
		}
		return out, true
	}
	return raw, false
}

// pipeline builds the unfitted pipeline of s (the spec or one of its
// candidates) as Pipeline does, once the training data is read: a text
// target's labels among its class_weight keys become class values.
func (p *Plan) pipeline(s *spec.Spec) (*ml.Pipeline, error) {
	r, err := resolveClassWeights(s, p.labels)
	if err != nil {
		return nil, err
	}
	return Pipeline(r)
}
