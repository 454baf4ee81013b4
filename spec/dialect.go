package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/internal/suggest"
)

// dialectOnly are the top-level keys that only the dialect has.
var dialectOnly = []string{"model_name", "n_epoch", "transform", "target_transform", "label_names", "n_labels"}

// dialectKeys are the top-level keys of a dialect document.
var dialectKeys = append(append([]string(nil), dialectOnly...),
	"batch_size", "criterion", "optimizer", "scheduler", "image_ops", "model", "data", "seed", "output", "metrics", "collect", "grad_clip")

// dialectFor names the dialect's key for a native-only top-level key.
var dialectFor = map[string]string{
	"name": "model_name", "epochs": "n_epoch", "transforms": "transform",
	"target_transforms": "target_transform", "labels": "label_names",
}

// dialectMarker returns what makes the document root a dialect document
// (a key or field path), or "" for a native spec.
func dialectMarker(root *node) string {
	if root.kind != kindObject {
		return ""
	}
	for _, m := range root.members {
		if contains(dialectOnly, m.key) {
			return m.key
		}
	}
	namesClass := func(n *node, native string) bool {
		if n == nil || n.kind != kindObject {
			return false
		}
		return memberOf(n, "name") != nil && memberOf(n, native) == nil
	}
	for _, k := range []string{"criterion", "optimizer", "scheduler"} {
		if namesClass(memberOf(root, k), "type") {
			return k + ".name"
		}
	}
	mod := memberOf(root, "model")
	if namesClass(mod, "class") && memberOf(mod, "layers") == nil {
		return "model.name"
	}
	if mod != nil && mod.kind == kindObject {
		if l := memberOf(mod, "layers"); l != nil && l.kind == kindArray {
			for i, e := range l.elems {
				if namesClass(e, "type") {
					return joinKey(joinIndex("model.layers", i), "name")
				}
			}
		}
	}
	return ""
}

// memberOf returns the value of key in the object n, or nil.
func memberOf(n *node, key string) *node {
	for _, m := range n.members {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// IsDialect reports whether b is a dictionary in the service dialect
// rather than a native spec (see the rule above). It is false for text
// that is not a JSON object.
func IsDialect(b []byte) bool {
	root, err := parseJSON(b)
	return err == nil && dialectMarker(root) != ""
}

// Convert returns the native spec, indented, that the document b maps to,
// and whether b was in the dialect; a native spec comes back as it is,
// indented. Its errors are Parse's, naming the dictionary's fields.
//
// The dictionary dialect is the form in which the users of a PyTorch-based
// image-classifier service already write their training runs. Parse reads
// it unchanged and maps it onto a native spec (Convert prints that spec, as
// `mlforge spec convert` does):
//
//	{ "model_name": "cats", "n_epoch": 5, "batch_size": 32, "n_labels": 2,
//	  "criterion": {"name": "CrossEntropyLoss"},
//	  "optimizer": {"name": "SGD", "lr": 0.01, "momentum": 0.9},
//	  "image_ops": [{"convert": {"mode": "'RGB'"}}, {"resize": {"size": [32, 32]}}],
//	  "transform": {"ToTensor": true, "Normalize": {"mean": [0.5], "std": [0.5]}},
//	  "model": {"layers": [{"name": "Flatten"}, {"name": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
//	  "data": {"train": "images/cats"} }
//
// The mapping, key by key:
//
//	model_name                name
//	n_epoch                   epochs
//	transform                 transforms: each member KEY: true or KEY: {params}
//	                          becomes {"type": KEY, params...}, in the object's order
//	target_transform          target_transforms, the same way
//	label_names               labels (the class names in index order); it needs
//	                          data (a stored dataset "dataset:NAME", or a folder
//	                          with one subfolder per label)
//	n_labels                  ignored ("n_labels" in layers is the number of labels)
//	criterion, optimizer,     a class name, or {"name": CLASS, params...}
//	scheduler
//	model                     {"name": CLASS, params...}, a predefined network, is
//	                          model.layers [{"type": CLASS, params...}];
//	                          {"layers": [{"name": LAYER, ...}]} is model.layers
//	grad_clip                 grad_clip: a number (max_norm), or
//	                          {"max_norm": N, "norm_type": 2}, clip_grad_norm_'s
//	                          arguments (the L2 norm only: norm_type 2, its default)
//	image_ops, batch_size,    as in a native spec
//	data, seed, output,
//	metrics, collect
//
// Every string value that is a quoted Python literal ('RGB' or "RGB" inside
// the JSON string) is unquoted.
//
// Detection: a document is in the dialect when its top level has one of the
// dialect's own keys (model_name, n_epoch, transform, target_transform,
// label_names, n_labels), or when its criterion, optimizer, scheduler,
// model or one of model.layers names its class with "name" and has no
// "type" (or "class"). None of these is valid in a native spec, so the two
// never overlap: a document that shows either marker is read as the
// dialect only, and any key the dialect does not have (a native "epochs"
// beside "n_epoch", say) is an error naming the key and the dialect's
// keys, never a silent switch to the native reading.
func Convert(b []byte) (native []byte, dialect bool, err error) {
	if len(b) > MaxSize {
		_, err := Parse(b)
		return nil, false, err
	}
	root, err := parseJSON(b)
	if err != nil {
		return nil, false, Errors{err.(*FieldError)}
	}
	marker := dialectMarker(root)
	out := b
	if marker != "" {
		if out, err = fromDialect(b, root, marker); err != nil {
			return nil, true, err
		}
	}
	// The shape errors of the native spec, named as in the dictionary.
	if _, err := Parse(b); err != nil {
		return nil, marker != "", err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, bytes.TrimSpace(out), "", "  "); err != nil {
		return nil, marker != "", Errors{{Msg: err.Error()}}
	}
	buf.WriteByte('\n')
	return buf.Bytes(), marker != "", nil
}

// fromDialect maps the dialect document root (the text b) onto compact
// native JSON. marker is what made it a dialect document.
func fromDialect(b []byte, root *node, marker string) ([]byte, error) {
	out, _, err := fromDialectPaths(b, root, marker)
	return out, err
}

// fromDialectPaths is fromDialect that also returns the mapping of the
// native spec's field paths back to the dictionary's, for the errors of
// parsing the native spec.
func fromDialectPaths(b []byte, root *node, marker string) ([]byte, func(string) string, error) {
	r := &dialectRenamer{transforms: map[string][]string{}}
	d := &decoder{src: b}
	why := fmt.Sprintf("; the document is read as a service dictionary because of its %s", quote(marker))
	known := append([]string(nil), dialectKeys...)
	sort.Strings(known)
	m := map[string]*node{}
	for _, mem := range root.members {
		switch {
		case contains(dialectKeys, mem.key):
			m[mem.key] = mem.val
		case dialectFor[mem.key] != "":
			d.add(mem.val, mem.key, fmt.Sprintf("a native spec key in a service dictionary: write %s there (or write the whole document as a native spec)%s", quote(dialectFor[mem.key]), why))
		default:
			d.add(mem.val, mem.key, fmt.Sprintf("unknown key in a service dictionary%s; known keys: %s%s", suggest.Hint(mem.key, dialectKeys), strings.Join(known, ", "), why))
		}
	}

	var out []kv
	put := func(key string, n *node) {
		if n != nil {
			out = append(out, kv{key, rawNode(unpy(n))})
		}
	}
	if n := m["model_name"]; n != nil {
		switch {
		case n.kind != kindString:
			d.add(n, "model_name", "expected a string, got "+got(n))
		case !namePattern.MatchString(unpyStr(n.str)) || n.str == "." || n.str == "..":
			d.add(n, "model_name", "expected "+nameRule+` (the name of the run and its model), got `+quote(abbrev(n.str)))
		}
		put("name", n)
	}
	put("seed", m["seed"])
	if n := m["label_names"]; n != nil && m["data"] == nil {
		d.add(n, "label_names", `needs the images of each label: give data.train, a stored dataset "dataset:NAME" (with "collect": {"limit": N} to collect the labels it lacks) or a folder with one subfolder per label (label_names then names the classes in index order)`)
	}
	put("data", m["data"])
	put("image_ops", m["image_ops"])
	for _, k := range [][2]string{{"transform", "transforms"}, {"target_transform", "target_transforms"}} {
		if n := m[k[0]]; n != nil {
			if list, keys, ok := d.dialectTransforms(n, k[0]); ok {
				out = append(out, kv{k[1], list})
				r.transforms[k[1]] = keys
			}
		}
	}
	put("labels", m["label_names"])
	put("collect", m["collect"])
	if n := m["model"]; n != nil {
		if mod, ok := d.dialectModel(n); ok {
			out = append(out, kv{"model", mod})
			r.predefined = memberOf(n, "layers") == nil
		}
	}
	for _, k := range []string{"criterion", "optimizer", "scheduler"} {
		if n := m[k]; n != nil {
			if c, ok := d.dialectClass(n, k, "type"); ok {
				out = append(out, kv{k, c})
			}
		}
	}
	if n := m["grad_clip"]; n != nil {
		if v, ok := d.dialectGradClip(n); ok {
			out = append(out, kv{"grad_clip", v})
			r.gradClipObject = n.kind == kindObject
		}
	}
	put("batch_size", m["batch_size"])
	put("epochs", m["n_epoch"])
	put("metrics", m["metrics"])
	put("output", m["output"])
	if err := d.err(); err != nil {
		return nil, nil, err
	}
	return writeObject(out), r.path, nil
}

// dialectRenamer maps native field paths back to a dictionary's.
type dialectRenamer struct {
	transforms map[string][]string // "transforms": the transform object's keys in order
	predefined bool                // model is {"name": CLASS, ...}
	// gradClipObject: grad_clip is {"max_norm": N, ...}, whose
	// max_norm is the native grad_clip.
	gradClipObject bool
}

var (
	dialectTop   = regexp.MustCompile(`^(name|epochs|labels)\b`)
	dialectTrans = regexp.MustCompile(`^((?:target_)?transforms)\[(\d+)\]`)
	dialectClass = regexp.MustCompile(`^(criterion|optimizer|scheduler|model\.layers\[\d+\])\.type$`)
	dialectModel = regexp.MustCompile(`^model\.layers\[0\]`)
)

func (r *dialectRenamer) path(p string) string {
	if m := dialectTop.FindStringSubmatch(p); m != nil {
		return map[string]string{"name": "model_name", "epochs": "n_epoch", "labels": "label_names"}[m[1]] + p[len(m[0]):]
	}
	if m := dialectTrans.FindStringSubmatch(p); m != nil {
		keys := r.transforms[m[1]]
		i, _ := strconv.Atoi(m[2])
		if i < len(keys) {
			return joinKey(strings.TrimSuffix(m[1], "s"), keys[i]) + p[len(m[0]):]
		}
	}
	if m := dialectClass.FindStringSubmatch(p); m != nil {
		p = m[1] + ".name"
	}
	if r.gradClipObject && p == "grad_clip" {
		return "grad_clip.max_norm"
	}
	if r.predefined && dialectModel.MatchString(p) {
		p = "model" + p[len("model.layers[0]"):]
	}
	return p
}

// kv is one member of an object being written.
type kv struct {
	key string
	val []byte
}

func writeObject(members []kv) []byte {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(quote(m.key))
		buf.WriteByte(':')
		buf.Write(m.val)
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

func writeList(elems [][]byte) []byte {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, e := range elems {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(e)
	}
	buf.WriteByte(']')
	return buf.Bytes()
}

func rawNode(n *node) []byte {
	var buf bytes.Buffer
	writeNode(&buf, n)
	return buf.Bytes()
}

// dialectTransforms maps an ordered object {"Resize": {"size": 32},
// "ToTensor": true} onto a native list of transforms, and returns the
// transforms' names in order.
func (d *decoder) dialectTransforms(n *node, path string) ([]byte, []string, bool) {
	if n.kind != kindObject {
		d.add(n, path, `expected an object of transforms in order, such as {"Resize": {"size": 32}, "ToTensor": true}, got `+got(n))
		return nil, nil, false
	}
	var list [][]byte
	var keys []string
	for _, mem := range n.members {
		p := joinKey(path, mem.key)
		st := []kv{{"type", []byte(quote(mem.key))}}
		switch v := mem.val; {
		case v.kind == kindBool && v.boolean:
		case v.kind == kindObject:
			for _, pm := range v.members {
				if pm.key == "type" {
					d.add(pm.val, joinKey(p, "type"), "the transform is named by its key; its object holds only its parameters")
					continue
				}
				st = append(st, kv{pm.key, rawNode(unpy(pm.val))})
			}
		default:
			d.add(v, p, "expected true or an object of the transform's parameters, got "+got(v)+" (leave the key out to skip the transform)")
			continue
		}
		list = append(list, writeObject(st))
		keys = append(keys, mem.key)
	}
	return writeList(list), keys, true
}

// dialectClass maps a class given as a name or {"name": CLASS, params...}
// onto a native {typeKey: CLASS, params...}.
func (d *decoder) dialectClass(n *node, path, typeKey string) ([]byte, bool) {
	switch n.kind {
	case kindString:
		return writeObject([]kv{{typeKey, []byte(quote(unpyStr(n.str)))}}), true
	case kindObject:
	default:
		d.add(n, path, `expected a class name or {"name": CLASS, ...its parameters}, got `+got(n))
		return nil, false
	}
	var st []kv
	var name *node
	native := false
	for _, mem := range n.members {
		switch mem.key {
		case "name":
			name = mem.val
		case "type", "class":
			d.add(mem.val, joinKey(path, mem.key), fmt.Sprintf(`a service dictionary names the class with "name", not %s`, quote(mem.key)))
			native = true
		default:
			st = append(st, kv{mem.key, rawNode(unpy(mem.val))})
		}
	}
	switch {
	case name == nil && native:
		return nil, false
	case name == nil:
		d.add(n, joinKey(path, "name"), "required: the class name")
		return nil, false
	case name.kind != kindString || unpyStr(name.str) == "":
		d.add(name, joinKey(path, "name"), "expected a class name, got "+got(name))
		return nil, false
	}
	return writeObject(append([]kv{{typeKey, []byte(quote(unpyStr(name.str)))}}, st...)), true
}

// dialectGradClip maps grad_clip, a number (clip_grad_norm_'s max_norm)
// or {"max_norm": N, "norm_type": 2}, onto the native grad_clip, the
// largest L2 norm of the gradients.
func (d *decoder) dialectGradClip(n *node) ([]byte, bool) {
	const eg = `a number (the largest L2 norm of the gradients, clip_grad_norm_'s max_norm) or {"max_norm": 1.0, "norm_type": 2}`
	switch n.kind {
	case kindNumber:
		return rawNode(n), true
	case kindObject:
	default:
		d.add(n, "grad_clip", "expected "+eg+", got "+got(n))
		return nil, false
	}
	var maxNorm *node
	ok := true
	for _, mem := range n.members {
		p := joinKey("grad_clip", mem.key)
		switch mem.key {
		case "max_norm":
			maxNorm = mem.val
			if mem.val.kind != kindNumber {
				d.add(mem.val, p, "expected a number > 0, got "+got(mem.val))
				ok = false
			}
		case "norm_type":
			v := unpy(mem.val)
			f, err := strconv.ParseFloat(v.num, 64)
			if v.kind == kindString {
				f, err = strconv.ParseFloat(v.str, 64)
			}
			if err != nil || f != 2 {
				d.add(mem.val, p, "expected 2: grad_clip clips the L2 norm of all the gradients together (clip_grad_norm_'s default norm_type), got "+got(mem.val))
				ok = false
			}
		default:
			d.add(mem.val, p, "unknown key in grad_clip"+suggest.Hint(mem.key, []string{"max_norm", "norm_type"})+"; known keys: max_norm, norm_type")
			ok = false
		}
	}
	if maxNorm == nil {
		d.add(n, "grad_clip.max_norm", "required: the largest L2 norm of the gradients")
		return nil, false
	}
	return rawNode(maxNorm), ok
}

// dialectModel maps {"name": CLASS, params...} (a predefined network) or
// {"layers": [{"name": LAYER, ...}]} onto a native model.
func (d *decoder) dialectModel(n *node) ([]byte, bool) {
	const eg = `{"name": "ResNet18"} (a predefined network) or {"layers": [{"name": "Linear", "in_features": "auto", "out_features": "n_labels"}]}`
	if n.kind != kindObject {
		d.add(n, "model", "expected "+eg+", got "+got(n))
		return nil, false
	}
	layers := memberOf(n, "layers")
	if layers == nil {
		if memberOf(n, "name") == nil {
			d.add(n, "model", "expected "+eg+"; it has neither \"name\" nor \"layers\"")
			return nil, false
		}
		l, ok := d.dialectClass(n, "model", "type")
		if !ok {
			return nil, false
		}
		return writeObject([]kv{{"layers", writeList([][]byte{l})}}), true
	}
	for _, mem := range n.members {
		if mem.key != "layers" {
			d.add(mem.val, joinKey("model", mem.key), `a model with "layers" takes no other key; a predefined network is {"name": CLASS, ...} without "layers"`)
		}
	}
	if layers.kind != kindArray {
		d.add(layers, "model.layers", "expected a list of layers such as [{\"name\": \"ReLU\"}], got "+got(layers))
		return nil, false
	}
	var list [][]byte
	for i, e := range layers.elems {
		l, ok := d.dialectClass(e, joinIndex("model.layers", i), "type")
		if ok {
			list = append(list, l)
		}
	}
	return writeObject([]kv{{"layers", writeList(list)}}), true
}

// unpy returns n with every string that is a quoted Python literal
// unquoted, at any depth.
func unpy(n *node) *node {
	switch n.kind {
	case kindString:
		if s := unpyStr(n.str); s != n.str {
			c := *n
			c.str = s
			return &c
		}
	case kindArray:
		c := *n
		c.elems = make([]*node, len(n.elems))
		for i, e := range n.elems {
			c.elems[i] = unpy(e)
		}
		return &c
	case kindObject:
		c := *n
		c.members = make([]member, len(n.members))
		for i, m := range n.members {
			c.members[i] = member{key: m.key, pos: m.pos, val: unpy(m.val)}
		}
		return &c
	}
	return n
}

// unpyStr unquotes a Python string literal written inside a JSON string,
// 'RGB' or "RGB", without escapes; other strings are returned as they
// are.
func unpyStr(s string) string {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		inner := s[1 : len(s)-1]
		if !strings.ContainsAny(inner, `\`+s[:1]) {
			return inner
		}
	}
	return s
}
