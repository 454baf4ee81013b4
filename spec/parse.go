package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/internal/suggest"
	"github.com/mlforge/mlforge/nn"
)

// Parse reads a spec from JSON and checks its shape: b must be at most
// MaxSize bytes of valid JSON holding one object, without duplicate keys,
// with only known keys and with values of the right JSON types. It applies
// the defaults that need no registry: data.split.test_size (0.25) and
// data.split.seed (the top-level seed). The error, if any, is an Errors
// naming each field at fault.
//
// Parse does not look at the registry, the file system or the relations
// between fields: Validate does.
func Parse(b []byte) (*Spec, error) {
	if len(b) > MaxSize {
		return nil, Errors{{Msg: fmt.Sprintf("the spec is larger than %d bytes (1 MiB); a spec names its data files rather than holding data", MaxSize)}}
	}
	root, err := parseJSON(b)
	if err != nil {
		return nil, Errors{err.(*FieldError)}
	}
	rename := func(p string) string { return p }
	if marker := dialectMarker(root); marker != "" { // the service dialect (dialect.go)
		if b, rename, err = fromDialectPaths(b, root, marker); err != nil {
			return nil, err
		}
		if root, err = parseJSON(b); err != nil {
			return nil, Errors{err.(*FieldError)}
		}
	}
	d := &decoder{src: b}
	s := d.spec(root)
	if err := d.err(); err != nil {
		if list, ok := err.(Errors); ok {
			for _, fe := range list {
				fe.Path = rename(fe.Path)
			}
		}
		return nil, err
	}
	return s, nil
}

// decoder maps parsed JSON onto a Spec, collecting shape errors.
type decoder struct {
	src  []byte
	list Errors
	pos  []int // the offset in src of each error's value, for sorting
}

// add records a problem with the value n.
func (d *decoder) add(n *node, path, msg string) {
	d.list = append(d.list, &FieldError{Path: path, Msg: msg})
	d.pos = append(d.pos, n.start)
}

// err returns the problems in the order of the document, or nil.
func (d *decoder) err() error {
	if len(d.list) == 0 {
		return nil
	}
	idx := make([]int, len(d.list))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return d.pos[idx[a]] < d.pos[idx[b]] })
	out := make(Errors, len(idx))
	for i, j := range idx {
		out[i] = d.list[j]
	}
	return capped(out)
}

var (
	topKeys = []string{"name", "data", "preprocess", "model", "metrics", "output", "seed",
		"criterion", "optimizer", "scheduler", "batch_size", "epochs", "transforms", "target_transforms", "labels",
		"cv", "search", "validation_curve", "learning_curve", "image_ops", "pretrained_weights", "freeze", "collect", "permutation_importance", "task", "optimizer_d", "grad_clip"}
	dataKeys  = []string{"train", "test", "target", "split", "sample_weight", "sequence"}
	splitKeys = []string{"test_size", "seed", "stratify"}
	modelKeys = []string{"class", "params", "layers", "encoder", "decoder", "generator", "discriminator", "latent_dim"}
	idxKeys   = []string{"images", "labels"}
)

// fields checks that n is an object whose keys are all in known or reserved
// and returns its members by key. what names the object in messages.
func (d *decoder) fields(n *node, path, what string, known, reserved []string) (map[string]*node, bool) {
	if n.kind != kindObject {
		d.add(n, path, "expected "+what+", got "+got(n))
		return nil, false
	}
	m := make(map[string]*node, len(n.members))
	for _, mem := range n.members {
		if !contains(known, mem.key) && !contains(reserved, mem.key) {
			sorted := append([]string(nil), known...)
			sort.Strings(sorted)
			where := ""
			if path != "" {
				where = " in " + path
			}
			d.add(mem.val, joinKey(path, mem.key), fmt.Sprintf("unknown key%s%s; known keys: %s",
				where, suggest.Hint(mem.key, known), strings.Join(sorted, ", ")))
			continue
		}
		m[mem.key] = mem.val
	}
	return m, true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// got describes a JSON value for an error message: a scalar as written
// (shortened), a container by its kind.
func got(n *node) string {
	switch n.kind {
	case kindObject:
		return "an object"
	case kindArray:
		return "an array"
	case kindString:
		return quote(abbrev(n.str))
	case kindNumber:
		return abbrev(n.num)
	case kindBool:
		return strconv.FormatBool(n.boolean)
	}
	return "null"
}

func (d *decoder) spec(root *node) *Spec {
	s := &Spec{}
	m, ok := d.fields(root, "", "the spec to be a JSON object", topKeys, nil)
	if !ok {
		return s
	}
	if n := m["name"]; n != nil {
		s.Name = d.str(n, "name")
	}
	if n := m["seed"]; n != nil {
		s.Seed = d.integer(n, "seed")
	}
	if n := m["task"]; n != nil && n.kind != kindNull {
		s.Task = d.str(n, "task")
	}
	s.Data.Split.TestSize = DefaultTestSize
	s.Data.Split.Seed = s.Seed
	if n := m["data"]; n != nil {
		s.Data = d.data(n, "data", s.Seed)
	}
	if n := m["preprocess"]; n != nil {
		if n.kind != kindArray {
			d.add(n, "preprocess", "expected a list of steps such as [{\"type\": \"StandardScaler\"}], got "+got(n))
		} else if len(n.elems) > 0 {
			s.Preprocess = make([]Step, len(n.elems))
			for i, e := range n.elems {
				s.Preprocess[i] = d.step(e, joinIndex("preprocess", i))
			}
		}
	}
	if n := m["model"]; n != nil {
		s.Model = d.model(n, "model")
	}
	if n := m["metrics"]; n != nil {
		if n.kind != kindArray {
			d.add(n, "metrics", "expected a list of metric names such as [\"accuracy\"], got "+got(n))
		} else if len(n.elems) > 0 {
			s.Metrics = make([]string, len(n.elems))
			for i, e := range n.elems {
				s.Metrics[i] = d.str(e, joinIndex("metrics", i))
			}
		}
	}
	if n := m["output"]; n != nil {
		s.Output = d.str(n, "output")
	}
	s.CV, s.Search = d.cv(m["cv"], "cv"), d.search(m["search"], "search")
	s.ValidationCurve, s.LearningCurve = d.validationCurve(m["validation_curve"], "validation_curve"), d.learningCurve(m["learning_curve"], "learning_curve")
	s.PermutationImportance = d.permutationImportance(m["permutation_importance"], "permutation_importance") // permutation.go
	s.Criterion = d.component(m["criterion"], "criterion", `"CrossEntropyLoss" or {"type": "CrossEntropyLoss", "label_smoothing": 0.1}`)
	s.Optimizer = d.component(m["optimizer"], "optimizer", `{"type": "SGD", "lr": 0.01, "momentum": 0.9}`)
	s.OptimizerD = d.component(m["optimizer_d"], "optimizer_d", `{"type": "Adam", "lr": 0.0002, "betas": [0.5, 0.999]}`)
	s.Scheduler = d.component(m["scheduler"], "scheduler", `{"type": "StepLR", "step_size": 5}`)
	if n := m["batch_size"]; n != nil {
		s.BatchSize = int(d.integer(n, "batch_size"))
	}
	if n := m["epochs"]; n != nil {
		s.Epochs = int(d.integer(n, "epochs"))
	}
	if n := m["grad_clip"]; n != nil && n.kind != kindNull {
		s.GradClip = d.number(n, "grad_clip")
	}
	for _, k := range []struct {
		key string
		dst *json.RawMessage
		eg  string
	}{
		{"transforms", &s.Transforms, `[{"type": "Normalize", "mean": [0.5], "std": [0.5]}]`},
		{"target_transforms", &s.TargetTransforms, `[{"type": "OneHot", "num_classes": 10}]`},
	} {
		if n := m[k.key]; n != nil && n.kind != kindNull {
			if n.kind != kindArray {
				d.add(n, k.key, "expected a list of transforms such as "+k.eg+", got "+got(n))
			} else {
				*k.dst = d.raw(n)
			}
		}
	}
	if n := m["image_ops"]; n != nil && n.kind != kindNull {
		if n.kind != kindArray {
			d.add(n, "image_ops", `expected a list of Pillow image operations such as [{"convert": "L"}, {"resize": {"size": [28, 28]}}], got `+got(n))
		} else {
			s.ImageOps = d.raw(n)
		}
	}
	s.Pretrained = d.pretrained(m)
	s.Collect = d.collect(m["collect"], "collect") // collect.go
	if n := m["labels"]; n != nil && n.kind != kindNull {
		if n.kind != kindArray {
			d.add(n, "labels", `expected a list of class names such as ["cat", "dog"], got `+got(n))
		} else {
			s.Labels = make([]string, len(n.elems))
			for i, e := range n.elems {
				s.Labels[i] = d.str(e, joinIndex("labels", i))
			}
		}
	}
	return s
}

// component reads a criterion, optimizer or scheduler: a class name, or an
// object with "type" and the keyword arguments. null is the default.
func (d *decoder) component(n *node, path, example string) *Step {
	switch {
	case n == nil || n.kind == kindNull:
		return nil
	case n.kind == kindString:
		if n.str == "" {
			d.add(n, path, "required: a class name, as in "+example)
		}
		return &Step{Type: n.str}
	case n.kind == kindObject:
		st := d.step(n, path)
		if st.Type == "" {
			d.add(n, joinKey(path, "type"), "required: a class name, as in "+example)
		}
		return &st
	}
	d.add(n, path, "expected "+example+", got "+got(n))
	return nil
}

func (d *decoder) data(n *node, path string, seed int64) Data {
	data := Data{Split: Split{TestSize: DefaultTestSize, Seed: seed}}
	m, ok := d.fields(n, path, `an object such as {"train": "builtin:iris"}`, dataKeys, nil)
	if !ok {
		return data
	}
	if v := m["train"]; v != nil {
		data.Train = d.source(v, joinKey(path, "train"))
	}
	if v := m["test"]; v != nil {
		data.Test = d.source(v, joinKey(path, "test"))
	}
	if v := m["target"]; v != nil {
		data.Target = d.str(v, joinKey(path, "target"))
	}
	if v := m["sample_weight"]; v != nil && v.kind != kindNull {
		data.SampleWeight = d.str(v, joinKey(path, "sample_weight"))
	}
	data.Sequence = d.sequence(m["sequence"], joinKey(path, "sequence")) // sequence.go
	if v := m["split"]; v != nil {
		sp := joinKey(path, "split")
		sm, ok := d.fields(v, sp, `an object such as {"test_size": 0.25}`, splitKeys, nil)
		if ok {
			if x := sm["test_size"]; x != nil {
				data.Split.TestSize = d.number(x, joinKey(sp, "test_size"))
			}
			if x := sm["seed"]; x != nil {
				data.Split.Seed = d.integer(x, joinKey(sp, "seed"))
			}
			if x := sm["stratify"]; x != nil {
				if x.kind != kindBool {
					d.add(x, joinKey(sp, "stratify"), "expected true or false, got "+got(x))
				} else {
					b := x.boolean
					data.Split.Stratify = &b
				}
			}
		}
	}
	return data
}

// source reads a data source: "builtin:NAME" or a CSV path.
func (d *decoder) source(n *node, path string) Source {
	const expected = `expected "builtin:NAME", a CSV path, a folder of images or {"images": IDX, "labels": IDX}`
	switch {
	case n.kind == kindObject:
		m, ok := d.fields(n, path, `{"images": "train-images-idx3-ubyte.gz", "labels": "train-labels-idx1-ubyte.gz"}`, idxKeys, nil)
		if !ok {
			return Source{}
		}
		var src Source
		for _, k := range idxKeys {
			v := m[k]
			if v == nil {
				d.add(n, joinKey(path, k), "required: the path of the IDX "+k+" file")
				continue
			}
			p := d.str(v, joinKey(path, k))
			if p == "" && v.kind == kindString {
				d.add(v, joinKey(path, k), "expected the path of the IDX "+k+" file, got \"\"")
			}
			if k == "images" {
				src.Images = p
			} else {
				src.Labels = p
			}
		}
		return src
	case n.kind != kindString || n.str == "":
		d.add(n, path, expected+", got "+got(n))
	case n.str == BuiltinPrefix:
		d.add(n, path, `expected a dataset name after "builtin:", such as "builtin:iris"`)
	default:
		return parseSource(n.str)
	}
	return Source{}
}

// step reads a preprocessing step: "type" plus inline parameters.
func (d *decoder) step(n *node, path string) Step {
	var s Step
	if n.kind != kindObject {
		d.add(n, path, `expected a step such as {"type": "StandardScaler"}, got `+got(n))
		return s
	}
	var params bytes.Buffer
	for _, mem := range n.members {
		if mem.key == "type" {
			s.Type = d.str(mem.val, joinKey(path, "type"))
			continue
		}
		if mem.key == "columns" {
			s.Columns = d.columns(mem.val, joinKey(path, "columns"))
			continue
		}
		if params.Len() == 0 {
			params.WriteByte('{')
		} else {
			params.WriteByte(',')
		}
		params.WriteString(quote(mem.key))
		params.WriteByte(':')
		d.compact(&params, mem.val)
	}
	if params.Len() > 0 {
		params.WriteByte('}')
		s.Params = params.Bytes()
	}
	return s
}

// columns reads a step's column selection: a non-empty list of distinct
// column names.
func (d *decoder) columns(n *node, path string) []string {
	const want = `expected a list of feature column names such as ["city"]`
	if n.kind != kindArray {
		d.add(n, path, want+", got "+got(n))
		return nil
	}
	if len(n.elems) == 0 {
		d.add(n, path, want+", got an empty list (leave columns out for all of them)")
		return nil
	}
	out := make([]string, 0, len(n.elems))
	seen := make(map[string]int, len(n.elems))
	for i, e := range n.elems {
		ep := joinIndex(path, i)
		if e.kind != kindString {
			d.add(e, ep, "expected a column name, got "+got(e))
			continue
		}
		if j, ok := seen[e.str]; ok {
			d.add(e, ep, fmt.Sprintf("%s is already listed at %s", quote(e.str), joinIndex(path, j)))
			continue
		}
		seen[e.str] = i
		out = append(out, e.str)
	}
	return out
}

func (d *decoder) model(n *node, path string) Model {
	var mod Model
	m, ok := d.fields(n, path, `an object such as {"class": "KNeighborsClassifier"}`, modelKeys, nil)
	if !ok {
		return mod
	}
	if v := m["class"]; v != nil {
		mod.Class = d.str(v, joinKey(path, "class"))
	}
	if v := m["params"]; v != nil {
		if v.kind != kindObject {
			d.add(v, joinKey(path, "params"), `expected an object of hyperparameters such as {"n_neighbors": 5}, got `+got(v))
		} else {
			mod.Params = d.raw(v)
		}
	}
	if v := m["layers"]; v == nil && nn.IsArchitecture(mod.Class) {
		d.archModel(&mod, m["params"], path)
		return mod
	}
	if v := m["layers"]; v != nil {
		mod.Layers = d.layers(v, joinKey(path, "layers"))
	}
	if v := m["encoder"]; v != nil {
		mod.Encoder = d.layers(v, joinKey(path, "encoder"))
	}
	if v := m["decoder"]; v != nil {
		mod.Decoder = d.layers(v, joinKey(path, "decoder"))
	}
	if v := m["generator"]; v != nil {
		mod.Generator = d.layers(v, joinKey(path, "generator"))
	}
	if v := m["discriminator"]; v != nil {
		mod.Discriminator = d.layers(v, joinKey(path, "discriminator"))
	}
	if v := m["latent_dim"]; v != nil {
		mod.LatentDim = int(d.integer(v, joinKey(path, "latent_dim")))
	}
	return mod
}

// layers reads a list of layers (model.layers, model.encoder, ...).
func (d *decoder) layers(v *node, lp string) []nn.LayerSpec {
	{
		if v.kind != kindArray {
			d.add(v, lp, `expected a list of layers such as [{"type": "Linear", "in_features": "auto", "out_features": "n_labels"}], got `+got(v))
			return nil
		}
		layers := make([]nn.LayerSpec, len(v.elems))
		for i, e := range v.elems {
			ep := joinIndex(lp, i)
			if e.kind != kindObject {
				d.add(e, ep, `expected a layer such as {"type": "ReLU"}, got `+got(e))
				continue
			}
			ls := nn.LayerSpec{}
			hasType := false
			for _, mem := range e.members {
				ls[mem.key] = d.raw(mem.val)
				if mem.key == "type" {
					hasType = true
					if mem.val.kind != kindString {
						d.add(mem.val, joinKey(ep, "type"), `expected a layer name such as "Linear", got `+got(mem.val))
					}
				}
			}
			if !hasType {
				d.add(e, joinKey(ep, "type"), `required: a PyTorch layer name such as "Linear"`)
			}
			layers[i] = ls
		}
		return layers
	}
}

// archModel makes a named architecture given as model.class, with its
// model.params (an object, or nil), the network of that one layer, as if
// it were written {"layers": [{"type": CLASS, params...}]}.
func (d *decoder) archModel(mod *Model, params *node, path string) {
	ls := nn.LayerSpec{"type": mustQuote(mod.Class)}
	if params != nil && params.kind == kindObject {
		for _, mem := range params.members {
			if mem.key == "type" {
				d.add(mem.val, joinKey(joinKey(path, "params"), "type"), fmt.Sprintf("%s names the architecture; its params are the layer's parameters (in_channels, num_classes, ...)", joinKey(path, "class")))
				continue
			}
			ls[mem.key] = d.raw(mem.val)
		}
	}
	mod.Layers = []nn.LayerSpec{ls}
	mod.Class, mod.Params, mod.arch = "", nil, true
}

func mustQuote(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

func (d *decoder) str(n *node, path string) string {
	if n.kind != kindString {
		d.add(n, path, "expected a string, got "+got(n))
		return ""
	}
	return n.str
}

func (d *decoder) number(n *node, path string) float64 {
	if n.kind != kindNumber {
		d.add(n, path, "expected a number, got "+got(n))
		return 0
	}
	f, err := strconv.ParseFloat(n.num, 64)
	if err != nil || math.IsInf(f, 0) {
		d.add(n, path, "expected a finite number, got "+got(n))
		return 0
	}
	return f
}

func (d *decoder) integer(n *node, path string) int64 {
	if n.kind == kindNumber {
		if i, err := strconv.ParseInt(n.num, 10, 64); err == nil {
			return i
		}
		// 1e3 and 5.0 are integers too.
		if f, err := strconv.ParseFloat(n.num, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return int64(f)
		}
	}
	d.add(n, path, "expected an integer, got "+got(n))
	return 0
}

// raw returns the compact JSON text of n, or nil for a missing value.
func (d *decoder) raw(n *node) json.RawMessage {
	if n == nil {
		return nil
	}
	var buf bytes.Buffer
	d.compact(&buf, n)
	return buf.Bytes()
}

// compact writes n's source text without insignificant white space.
func (d *decoder) compact(buf *bytes.Buffer, n *node) {
	if d.src == nil {
		writeNode(buf, n)
		return
	}
	if err := json.Compact(buf, d.src[n.start:n.end]); err != nil {
		// The parser accepted the text, so this cannot happen; fall back to
		// rebuilding it from the tree.
		writeNode(buf, n)
	}
}

// writeNode writes n as compact JSON.
func writeNode(buf *bytes.Buffer, n *node) {
	switch n.kind {
	case kindNull:
		buf.WriteString("null")
	case kindBool:
		buf.WriteString(strconv.FormatBool(n.boolean))
	case kindNumber:
		buf.WriteString(n.num)
	case kindString:
		buf.WriteString(quote(n.str))
	case kindArray:
		buf.WriteByte('[')
		for i, e := range n.elems {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeNode(buf, e)
		}
		buf.WriteByte(']')
	case kindObject:
		buf.WriteByte('{')
		for i, m := range n.members {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(quote(m.key))
			buf.WriteByte(':')
			writeNode(buf, m.val)
		}
		buf.WriteByte('}')
	}
}
