package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/internal/suggest"
)

// A search over a network (model.layers) names the fields it sets by
// their path in the spec's own JSON: "optimizer.lr", "batch_size",
// "epochs", "scheduler.gamma", "criterion.label_smoothing" or
// "model.layers[2].out_features". Each candidate is the spec with those
// fields replaced (WithNetParams), trained on each fold of search.cv
// (or, without it, on a hold-out split of the training part) and scored
// on the rest.

// netSearchRoots are the top-level keys a network search may set.
var netSearchRoots = []string{"optimizer", "scheduler", "criterion", "batch_size", "epochs", "model"}

const netSearchHelp = "a search over a network sets optimizer.PARAM, scheduler.PARAM, criterion.PARAM, batch_size, epochs or model.layers[I].PARAM"

// pathPart is one step of a key: an object member or a list index.
type pathPart struct {
	key   string
	index int // -1 for a member
}

// splitNetPath reads "model.layers[2].out_features" into its parts.
func splitNetPath(key string) ([]pathPart, error) {
	var out []pathPart
	for _, seg := range strings.Split(key, ".") {
		name, rest, _ := strings.Cut(seg, "[")
		if name == "" {
			return nil, fmt.Errorf("%s is not a path such as \"optimizer.lr\" or \"model.layers[2].out_features\"", quote(abbrev(key)))
		}
		out = append(out, pathPart{key: name, index: -1})
		for rest != "" {
			num, after, ok := strings.Cut(rest, "]")
			i, err := strconv.Atoi(num)
			if !ok || err != nil || i < 0 {
				return nil, fmt.Errorf("%s is not a path such as \"model.layers[2].out_features\": expected a list index in [ ]", quote(abbrev(key)))
			}
			out = append(out, pathPart{index: i})
			rest = strings.TrimPrefix(after, "[")
			if after != "" && !strings.HasPrefix(after, "[") {
				return nil, fmt.Errorf("%s is not a path such as \"model.layers[2].out_features\"", quote(abbrev(key)))
			}
		}
	}
	return out, nil
}

// netJSON is the spec as a JSON tree, numbers kept as written.
func (s *Spec) netJSON() (map[string]any, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// leafPaths lists the paths of tree's values under prefix, for hints.
func leafPaths(v any, prefix string, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			leafPaths(e, joinKey(prefix, k), out)
		}
	case []any:
		for i, e := range x {
			leafPaths(e, joinIndex(prefix, i), out)
		}
	default:
		*out = append(*out, prefix)
	}
}

// checkNetKey says what is wrong with a network search key, or "".
func (s *Spec) checkNetKey(tree map[string]any, key string) string {
	parts, err := splitNetPath(key)
	if err != nil {
		return err.Error()
	}
	root := parts[0].key
	if !contains(netSearchRoots, root) || (root == "model" && (len(parts) < 4 || parts[1].key != "layers" || parts[2].index < 0)) {
		if _, known := tree[root]; known || root == "data" || root == "seed" || root == "transforms" || root == "search" {
			return fmt.Sprintf("%s cannot be searched: %s", quote(abbrev(key)), netSearchHelp)
		}
		var known []string
		for _, r := range netSearchRoots {
			if r == "model" {
				continue
			}
			if sub, ok := tree[r]; ok {
				leafPaths(sub, r, &known)
			}
		}
		if m, ok := tree["model"].(map[string]any); ok && m["layers"] != nil {
			leafPaths(m["layers"], "model.layers", &known)
		}
		known = append(known, "batch_size", "epochs")
		sort.Strings(known)
		return fmt.Sprintf("unknown key %s%s; %s", quote(abbrev(key)), suggest.Hint(key, known), netSearchHelp)
	}
	if (root == "batch_size" || root == "epochs") && len(parts) > 1 {
		return fmt.Sprintf("%s is a number; search %s itself", root, root)
	}
	// Every container on the way must exist; the last member may be new
	// (a parameter the spec leaves at its default).
	var cur any = tree
	path := ""
	for i, pt := range parts[:len(parts)-1] {
		if pt.index >= 0 {
			l, ok := cur.([]any)
			if !ok || pt.index >= len(l) {
				return fmt.Sprintf("%s has %d entries; %s names entry %d", path, len(l), quote(abbrev(key)), pt.index)
			}
			cur, path = l[pt.index], joinIndex(path, pt.index)
			continue
		}
		m, ok := cur.(map[string]any)
		next, has := m[pt.key]
		if !ok || !has {
			if i == 0 {
				return fmt.Sprintf("%s: the spec has no %s to search", quote(abbrev(key)), pt.key)
			}
			return fmt.Sprintf("%s: %s has no %s", quote(abbrev(key)), path, quote(pt.key))
		}
		cur, path = next, joinKey(path, pt.key)
	}
	last := parts[len(parts)-1]
	if last.index >= 0 {
		return fmt.Sprintf("%s names a list entry; search a parameter such as %s.out_features", quote(abbrev(key)), key)
	}
	if _, ok := cur.(map[string]any); !ok && len(parts) > 1 {
		return fmt.Sprintf("%s: %s is not an object", quote(abbrev(key)), path)
	}
	if last.key == "type" {
		return fmt.Sprintf("%s cannot be searched: a candidate changes parameters, not the class of a layer, optimizer, scheduler or criterion", quote(abbrev(key)))
	}
	return ""
}

// setNetPath sets key (checked by checkNetKey) in tree to v.
func setNetPath(tree map[string]any, key string, v json.RawMessage) error {
	parts, err := splitNetPath(key)
	if err != nil {
		return err
	}
	var cur any = tree
	for _, pt := range parts[:len(parts)-1] {
		if pt.index >= 0 {
			l, ok := cur.([]any)
			if !ok || pt.index >= len(l) {
				return fmt.Errorf("%s: no such list entry", key)
			}
			cur = l[pt.index]
			continue
		}
		m, ok := cur.(map[string]any)
		if !ok || m[pt.key] == nil {
			return fmt.Errorf("%s: no such field", key)
		}
		cur = m[pt.key]
	}
	m, ok := cur.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: not an object", key)
	}
	m[parts[len(parts)-1].key] = v
	return nil
}

// WithNetParams returns the spec of a network search's candidate: s with
// each key of cand (a path in the spec's JSON, as "optimizer.lr") set to
// its value, and no search. The copy is parsed afresh and not validated.
func (s *Spec) WithNetParams(cand map[string]json.RawMessage) (*Spec, error) {
	tree, err := s.netJSON()
	if err != nil {
		return nil, err
	}
	for _, k := range sortedStrings(cand) {
		if msg := s.checkNetKey(tree, k); msg != "" {
			return nil, fmt.Errorf("%s", msg)
		}
		if err := setNetPath(tree, k, cand[k]); err != nil {
			return nil, err
		}
	}
	delete(tree, "search")
	b, err := json.Marshal(tree)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

func sortedStrings[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkNetGridKey checks one key of a network search's grid; the values
// are checked by train.Check, which validates and plans every candidate.
func (s *Spec) checkNetGridKey(c *errs, path, key string, vals Values) {
	tree, err := s.netJSON()
	if err != nil {
		c.add(path, err.Error())
		return
	}
	if msg := s.checkNetKey(tree, key); msg != "" {
		c.add(path, msg)
		return
	}
	if d := vals.Dist; d != nil {
		switch {
		case d.Type == "uniform" && d.Scale <= 0:
			c.add(joinKey(path, "scale"), fmt.Sprintf("expected a number > 0, got %v", d.Scale))
		case d.Type == "loguniform" && !(d.A > 0 && d.B > d.A):
			c.add(path, fmt.Sprintf("loguniform needs 0 < a < b, got a=%v, b=%v", d.A, d.B))
		case d.Type == "randint" && d.High <= d.Low:
			c.add(path, fmt.Sprintf("randint needs low < high, got low=%d, high=%d", d.Low, d.High))
		}
	} else if len(vals.List) == 0 {
		c.add(path, "the list of values is empty")
	}
}
