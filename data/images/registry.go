package images

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/internal/suggest"
	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/tensor"
)

// ParamError is a bad value for a transform's parameter.
type ParamError struct {
	Param string
	Msg   string
}

// Error formats e as `param "NAME": MSG`.
func (e *ParamError) Error() string { return fmt.Sprintf("param %q: %s", e.Param, e.Msg) }

func paramError(name, msg string) error { return &ParamError{Param: name, Msg: msg} }

// Size is an output size: one number or [height, width], as torchvision
// accepts. In JSON it is a number or a list of one or two numbers.
type Size []int

// UnmarshalJSON accepts 32, [32] or [32, 48].
func (s *Size) UnmarshalJSON(b []byte) error {
	ints, err := intOrList(b)
	if err != nil {
		return err
	}
	if len(ints) < 1 || len(ints) > 2 {
		return fmt.Errorf("want a number or a list of 1 or 2 numbers, got %d", len(ints))
	}
	*s = ints
	return nil
}

func (s Size) check(name string) error {
	if len(s) < 1 || len(s) > 2 {
		return paramError(name, fmt.Sprintf("want a positive integer or [height, width], got %v", []int(s)))
	}
	for _, v := range s {
		if v <= 0 || v > 1<<20 {
			return paramError(name, fmt.Sprintf("sizes must be between 1 and %d, got %v", 1<<20, []int(s)))
		}
	}
	return nil
}

// hw returns the height and width of a crop (one number means a square).
func (s Size) hw() (h, w int) {
	if len(s) == 1 {
		return s[0], s[0]
	}
	return s[0], s[1]
}

// Padding is a border: null (none), one number (all sides), [left/right,
// top/bottom] or [left, top, right, bottom], as torchvision accepts.
type Padding []int

// UnmarshalJSON accepts null, 4, [4, 2] or [1, 2, 3, 4].
func (p *Padding) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		*p = nil
		return nil
	}
	ints, err := intOrList(b)
	if err != nil {
		return err
	}
	*p = ints
	return nil
}

func (p Padding) ltrb() ([]int, error) {
	var out []int
	switch len(p) {
	case 0:
		return nil, nil
	case 1:
		out = []int{p[0], p[0], p[0], p[0]}
	case 2:
		out = []int{p[0], p[1], p[0], p[1]}
	case 4:
		out = []int(p)
	default:
		return nil, paramError("padding", fmt.Sprintf("want 1, 2 or 4 numbers, got %d", len(p)))
	}
	for _, v := range out {
		if v < 0 || v > 1<<16 {
			return nil, paramError("padding", fmt.Sprintf("values must be between 0 and %d, got %v", 1<<16, []int(p)))
		}
	}
	return out, nil
}

// Degrees is a range of angles [min, max]; in JSON a number d means
// [-d, d].
type Degrees [2]float64

// UnmarshalJSON accepts 30 or [-10, 20].
func (d *Degrees) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err == nil {
		if f < 0 {
			return fmt.Errorf("a single number must not be negative, got %v", f)
		}
		*d = Degrees{-f, f}
		return nil
	}
	var l []float64
	if err := json.Unmarshal(b, &l); err != nil || len(l) != 2 {
		return fmt.Errorf("want a number or [min, max], got %s", abbrev(b))
	}
	*d = Degrees{l[0], l[1]}
	return nil
}

func (d Degrees) check() error {
	for _, v := range d {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return paramError("degrees", fmt.Sprintf("must be finite, got %v", [2]float64(d)))
		}
	}
	if d[0] > d[1] {
		return paramError("degrees", fmt.Sprintf("min must not exceed max, got %v", [2]float64(d)))
	}
	return nil
}

func intOrList(b []byte) ([]int, error) {
	var f float64
	if err := json.Unmarshal(b, &f); err == nil {
		if f != math.Trunc(f) || math.Abs(f) > 1<<30 {
			return nil, fmt.Errorf("want an integer, got %s", abbrev(b))
		}
		return []int{int(f)}, nil
	}
	var l []float64
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("want an integer or a list of integers, got %s", abbrev(b))
	}
	out := make([]int, len(l))
	for i, f := range l {
		if f != math.Trunc(f) || math.Abs(f) > 1<<30 {
			return nil, fmt.Errorf("want integers, got %s", abbrev(b))
		}
		out[i] = int(f)
	}
	return out, nil
}

func abbrev(b []byte) string { return text.Abbrev(strings.TrimSpace(string(b))) }

// TargetTransform changes a target (a class label is a scalar tensor), like
// torchvision's target_transform.
type TargetTransform interface {
	ApplyTarget(y *tensor.Tensor) (*tensor.Tensor, error)
}

// OneHot turns a class index into a vector of NumClasses values with a 1 at
// the index, like torch.nn.functional.one_hot (as float32).
type OneHot struct {
	NumClasses int `json:"num_classes" min:"1" help:"length of the vector"`
}

func (o *OneHot) validate() error {
	if o.NumClasses < 1 {
		return paramError("num_classes", fmt.Sprintf("must be at least 1, got %d", o.NumClasses))
	}
	return nil
}

// ApplyTarget encodes y.
func (o *OneHot) ApplyTarget(y *tensor.Tensor) (*tensor.Tensor, error) {
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("OneHot: %w", err)
	}
	if y == nil || len(y.Data) != 1 {
		return nil, fmt.Errorf("OneHot: want one class index per sample, got %v", shapeOf(y))
	}
	c := y.Data[0]
	if c != float32(math.Trunc(float64(c))) || c < 0 || int(c) >= o.NumClasses {
		return nil, fmt.Errorf("OneHot: class %v is not in [0, %d)", c, o.NumClasses)
	}
	out := tensor.New(o.NumClasses)
	out.Data[int(c)] = 1
	return out, nil
}

// LabelMap replaces class indices by others, for example to merge classes;
// indices not in the map are an error.
type LabelMap struct {
	Mapping map[string]float64 `json:"mapping" expect:"an object from class index (as a string) to new value" help:"new value of each class index"`
}

func (l *LabelMap) validate() error {
	if len(l.Mapping) == 0 {
		return paramError("mapping", "must not be empty")
	}
	for k := range l.Mapping {
		if _, err := strconv.Atoi(k); err != nil {
			return paramError("mapping", fmt.Sprintf("keys must be class indices, got %q", k))
		}
	}
	return nil
}

// ApplyTarget maps y.
func (l *LabelMap) ApplyTarget(y *tensor.Tensor) (*tensor.Tensor, error) {
	if y == nil || len(y.Data) != 1 {
		return nil, fmt.Errorf("LabelMap: want one class index per sample, got %v", shapeOf(y))
	}
	key := strconv.FormatFloat(float64(y.Data[0]), 'f', -1, 32)
	v, ok := l.Mapping[key]
	if !ok {
		return nil, fmt.Errorf("LabelMap: class %s is not in the mapping", key)
	}
	return &tensor.Tensor{Shape: []int{}, Data: []float32{float32(v)}}, nil
}

func shapeOf(t *tensor.Tensor) any {
	if t == nil {
		return "no target"
	}
	return t.Shape
}

// ParamInfo describes one parameter of a transform for the catalogue.
type ParamInfo struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"` // int, float, bool, string, []float, size, padding, degrees, object
	Default any      `json:"default"`
	Enum    []string `json:"enum,omitempty"`
	Help    string   `json:"help,omitempty"`
	Expect  string   `json:"expect,omitempty"`
}

// Info describes a registered transform.
type Info struct {
	Name   string      `json:"name"`
	Kind   string      `json:"kind"` // "transform" or "target_transform"
	Doc    string      `json:"doc"`
	Params []ParamInfo `json:"params"`
	new    func() any
}

var registry = []*Info{
	{Name: "Compose", Kind: "transform", Doc: "apply a list of transforms in order (in JSON, give the list itself)", new: func() any { return &Compose{} }},
	{Name: "ToTensor", Kind: "transform", Doc: "8-bit H x W x C image to C x H x W float32 tensor in [0, 1]", new: func() any { return &ToTensor{} }},
	{Name: "Normalize", Kind: "transform", Doc: "(x - mean) / std per channel of a tensor", new: func() any { return &Normalize{} }},
	{Name: "Resize", Kind: "transform", Doc: "resize (one size: the smaller edge) with PIL's antialiased filters", new: func() any { return &Resize{Interpolation: Bilinear} }},
	{Name: "CenterCrop", Kind: "transform", Doc: "crop the centre (padding with 0 when the image is smaller)", new: func() any { return &CenterCrop{} }},
	{Name: "RandomCrop", Kind: "transform", Doc: "crop at a random place, after optional padding", new: func() any { return &RandomCrop{PaddingMode: PadConstant} }},
	{Name: "RandomHorizontalFlip", Kind: "transform", Doc: "mirror left-right with probability p", new: func() any { return &RandomHorizontalFlip{P: 0.5} }},
	{Name: "RandomVerticalFlip", Kind: "transform", Doc: "mirror top-bottom with probability p", new: func() any { return &RandomVerticalFlip{P: 0.5} }},
	{Name: "RandomRotation", Kind: "transform", Doc: "rotate by a random angle (nearest neighbour, counter-clockwise)", new: func() any { return &RandomRotation{} }},
	{Name: "Grayscale", Kind: "transform", Doc: "convert to gray (ITU-R 601-2 luma)", new: func() any { return &Grayscale{NumOutputChannels: 1} }},
	{Name: "ConvertRGB", Kind: "transform", Doc: "convert to 3-channel RGB (gray replicated)", new: func() any { return &ConvertRGB{} }},
	{Name: "OneHot", Kind: "target_transform", Doc: "class index to a one-hot float vector", new: func() any { return &OneHot{} }},
	{Name: "LabelMap", Kind: "target_transform", Doc: "replace class indices by other values", new: func() any { return &LabelMap{} }},
}

// required lists the parameters that have no default.
var required = map[string][]string{
	"Normalize":      {"mean", "std"},
	"Resize":         {"size"},
	"CenterCrop":     {"size"},
	"RandomCrop":     {"size"},
	"RandomRotation": {"degrees"},
	"OneHot":         {"num_classes"},
	"LabelMap":       {"mapping"},
}

func init() {
	for _, info := range registry {
		info.Params = paramInfos(info.new())
	}
}

// Catalogue returns the registered transforms and target transforms with
// their parameters, for GET /api/classes.
func Catalogue() []Info {
	out := make([]Info, len(registry))
	for i, info := range registry {
		out[i] = *info
		out[i].Params = slices.Clone(info.Params)
	}
	return out
}

func lookup(name, kind string) (*Info, error) {
	var names []string
	for _, info := range registry {
		if info.Kind == kind && info.Name != "Compose" {
			names = append(names, info.Name)
			if info.Name == name {
				return info, nil
			}
		}
	}
	for _, info := range registry {
		if info.Name == name {
			return nil, fmt.Errorf("%q is a %s, not a %s", name, strings.ReplaceAll(info.Kind, "_", " "), strings.ReplaceAll(kind, "_", " "))
		}
	}
	return nil, fmt.Errorf("unknown %s %q%s (known: %s)", strings.ReplaceAll(kind, "_", " "), name, suggest.Hint(name, names), strings.Join(names, ", "))
}

func paramInfos(v any) []ParamInfo {
	rv := reflect.ValueOf(v).Elem()
	rt := rv.Type()
	if rt.Kind() != reflect.Struct {
		return []ParamInfo{}
	}
	out := []ParamInfo{}
	for i := range rt.NumField() {
		f := rt.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		p := ParamInfo{Name: name, Help: f.Tag.Get("help"), Expect: f.Tag.Get("expect"), Default: rv.Field(i).Interface()}
		if e := f.Tag.Get("enum"); e != "" {
			p.Enum = strings.Split(e, ",")
		}
		switch f.Type {
		case reflect.TypeFor[Size]():
			p.Type = "size"
		case reflect.TypeFor[Padding]():
			p.Type = "padding"
		case reflect.TypeFor[Degrees]():
			p.Type = "degrees"
		default:
			switch f.Type.Kind() {
			case reflect.Int:
				p.Type = "int"
			case reflect.Float64:
				p.Type = "float"
			case reflect.Bool:
				p.Type = "bool"
			case reflect.String:
				p.Type = "string"
			case reflect.Slice:
				p.Type = "[]float"
			default:
				p.Type = "object"
			}
		}
		if slices.Contains(required[rt.Name()], name) {
			p.Default = nil
		}
		out = append(out, p)
	}
	return out
}

// build decodes one {"type": ..., params...} object.
func build(raw json.RawMessage, kind string) (any, *Info, error) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, nil, fmt.Errorf(`want an object like {"type": "Resize", "size": 32}, got %s`, abbrev(raw))
	}
	var name string
	if t, ok := obj["type"]; !ok || json.Unmarshal(t, &name) != nil || name == "" {
		return nil, nil, fmt.Errorf(`missing "type" (the %s's torchvision name, e.g. "Resize")`, strings.ReplaceAll(kind, "_", " "))
	}
	info, err := lookup(name, kind)
	if err != nil {
		return nil, nil, err
	}
	v := info.new()
	rv := reflect.ValueOf(v).Elem()
	fields := map[string]reflect.Value{}
	var names []string
	if rv.Kind() == reflect.Struct {
		for i := range rv.NumField() {
			n, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("json"), ",")
			if n != "" && n != "-" {
				fields[n] = rv.Field(i)
				names = append(names, n)
			}
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "type" {
			continue
		}
		f, ok := fields[k]
		if !ok {
			known := "it takes no parameters"
			if len(names) > 0 {
				known = "known: " + strings.Join(names, ", ")
			}
			return nil, info, fmt.Errorf("%s: unknown param %q%s (%s)", name, k, suggest.Hint(k, names), known)
		}
		if err := json.Unmarshal(obj[k], f.Addr().Interface()); err != nil {
			msg := err.Error()
			var te *json.UnmarshalTypeError
			if ok := asTypeError(err, &te); ok {
				msg = fmt.Sprintf("want %s, got %s", typeWord(f.Type()), abbrev(obj[k]))
			}
			return nil, info, fmt.Errorf("%s: param %q: %s", name, k, msg)
		}
	}
	for _, r := range required[name] {
		if _, ok := obj[r]; !ok {
			return nil, info, fmt.Errorf("%s: param %q is required", name, r)
		}
	}
	if val, ok := v.(interface{ validate() error }); ok {
		if err := val.validate(); err != nil {
			return nil, info, fmt.Errorf("%s: %w", name, err)
		}
	}
	return v, info, nil
}

func asTypeError(err error, te **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*te = t
	}
	return ok
}

func typeWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int:
		return "an integer"
	case reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list of numbers"
	case reflect.Map:
		return "an object"
	}
	return t.String()
}

// ParseTransform builds one transform from JSON such as
// {"type": "Normalize", "mean": [0.1307], "std": [0.3081]}; a JSON list is
// a Compose of its elements. Parameters left out take torchvision's
// defaults; unknown names get a "did you mean" hint.
func ParseTransform(raw json.RawMessage) (Transform, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		return ParseTransforms(raw)
	}
	v, _, err := build(raw, "transform")
	if err != nil {
		return nil, err
	}
	switch t := v.(type) {
	case *ToTensor:
		return *t, nil
	case *ConvertRGB:
		return *t, nil
	}
	return v.(Transform), nil
}

// ParseTransforms builds a Compose from a JSON list of transforms; errors
// say which element, e.g. `transforms[2]: Resize: param "size": ...`.
func ParseTransforms(raw json.RawMessage) (Compose, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("transforms: want a list of objects like [{\"type\": \"ToTensor\"}], got %s", abbrev(raw))
	}
	out := make(Compose, 0, len(list))
	for i, r := range list {
		t, err := ParseTransform(r)
		if err != nil {
			return nil, fmt.Errorf("transforms[%d]: %w", i, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// ComposeTargets applies target transforms in order.
type ComposeTargets []TargetTransform

// ApplyTarget runs each target transform on the result of the one before.
func (c ComposeTargets) ApplyTarget(y *tensor.Tensor) (*tensor.Tensor, error) {
	var err error
	for _, t := range c {
		if y, err = t.ApplyTarget(y); err != nil {
			return nil, err
		}
	}
	return y, nil
}

// ParseTargetTransforms builds target transforms from a JSON object or a
// list of them, e.g. [{"type": "OneHot", "num_classes": 10}].
func ParseTargetTransforms(raw json.RawMessage) (ComposeTargets, error) {
	raw = bytes.TrimSpace(raw)
	var list []json.RawMessage
	if len(raw) > 0 && raw[0] == '[' {
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("target_transforms: want a list of objects, got %s", abbrev(raw))
		}
	} else {
		list = []json.RawMessage{raw}
	}
	out := make(ComposeTargets, 0, len(list))
	for i, r := range list {
		v, _, err := build(r, "target_transform")
		if err != nil {
			return nil, fmt.Errorf("target_transforms[%d]: %w", i, err)
		}
		out = append(out, v.(TargetTransform))
	}
	return out, nil
}
