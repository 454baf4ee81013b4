package images

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/mlforge/mlforge/internal/suggest"
	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/param"
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

// ParamType names the type "size" in the catalogue.
func (Size) ParamType() (string, string) { return "size", "" }

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

// ParamType names the type "padding" in the catalogue.
func (Padding) ParamType() (string, string) { return "padding", "" }

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

// ParamType names the type "degrees" in the catalogue.
func (Degrees) ParamType() (string, string) { return "degrees", "" }

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

// A transform is declared once, beside its type: the struct's exported
// fields are its parameters, tagged as package param describes (json name,
// help, bounds, enum, required, nullable), and one registration line in an
// init function gives its torchvision name, a one-line doc and a
// constructor of its defaults:
//
//	func init() { registerTransform("Resize", "resize ...", func() *Resize { return &Resize{Interpolation: Bilinear} }) }
//
// ParseTransform(s), ParseTargetTransforms and Catalogue read everything
// else from there. Registration order is the catalogue's order: Compose
// (this file), the transforms (transforms.go), the target transforms
// (transforms_target.go), as the files are initialised in name order.

// ParamInfo describes one parameter of a transform for the catalogue.
type ParamInfo = param.Info

// Info describes a registered transform: its name, kind ("transform" or
// "target_transform"), doc and parameters.
type Info = param.Entry

const (
	kindTransform = "transform"
	kindTarget    = "target_transform"
)

// transforms holds every transform and target transform, in registration
// order; a class's New is its kind.
var transforms = param.Registry[string]{Kind: "transform", InOrder: true}

// registerTransform adds a transform whose struct (a pointer to it, with
// torchvision's defaults, as defaults returns it) is its own params struct.
func registerTransform[T any, PT interface {
	*T
	Transform
}](name, doc string, defaults func() PT) {
	transforms.Register(param.Class[string]{Name: name, Doc: doc, Params: func() any { return defaults() }, New: kindTransform})
}

// registerTarget adds a target transform, as registerTransform does.
func registerTarget[T any, PT interface {
	*T
	TargetTransform
}](name, doc string, defaults func() PT) {
	transforms.Register(param.Class[string]{Name: name, Doc: doc, Params: func() any { return defaults() }, New: kindTarget})
}

func init() {
	transforms.Register(param.Class[string]{Name: "Compose", Doc: "apply a list of transforms in order (in JSON, give the list itself)", New: kindTransform})
}

// Catalogue returns the registered transforms and target transforms with
// their parameters, for GET /api/classes.
func Catalogue() []Info {
	cs := transforms.Classes()
	out := make([]Info, len(cs))
	for i, c := range cs {
		out[i] = Info{Name: c.Name, Kind: c.New, Doc: c.Doc, Params: c.Describe()}
	}
	return out
}

func lookup(name, kind string) (*param.Class[string], error) {
	var names []string
	for _, c := range transforms.Classes() {
		if c.New == kind && c.Name != "Compose" {
			names = append(names, c.Name)
		}
	}
	c, err := transforms.Lookup(name)
	switch {
	case err == nil && c.New == kind && c.Name != "Compose":
		return c, nil
	case err == nil && c.New != kind:
		return nil, fmt.Errorf("%q is a %s, not a %s", name, strings.ReplaceAll(c.New, "_", " "), strings.ReplaceAll(kind, "_", " "))
	}
	return nil, fmt.Errorf("unknown %s %q%s (known: %s)", strings.ReplaceAll(kind, "_", " "), name, suggest.Hint(name, names), strings.Join(names, ", "))
}

// build decodes one {"type": ..., params...} object.
func build(raw json.RawMessage, kind string) (any, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf(`want an object like {"type": "Resize", "size": 32}, got %s`, abbrev(raw))
	}
	var name string
	if t, ok := obj["type"]; !ok || json.Unmarshal(t, &name) != nil || name == "" {
		return nil, fmt.Errorf(`missing "type" (the %s's torchvision name, e.g. "Resize")`, strings.ReplaceAll(kind, "_", " "))
	}
	c, err := lookup(name, kind)
	if err != nil {
		return nil, err
	}
	v := c.Params()
	if err := param.DecodeObject(obj, v, param.Options{Skip: []string{"type"}}); err != nil {
		return nil, fmt.Errorf("%s: %w", name, wordParamError(err, v, obj))
	}
	if val, ok := v.(interface{ validate() error }); ok {
		if err := val.validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return v, nil
}

// wordParamError words a *param.Error from decoding the transform v as
// the transforms always have: `unknown param "szie" (did you mean
// "size"?) (known: size, interpolation, max_size)`, `param "size" is
// required`, `param "p": must be in [0, 1], got 2`.
func wordParamError(err error, v any, obj map[string]json.RawMessage) error {
	var pe *param.Error
	if !errors.As(err, &pe) {
		return err
	}
	var p *param.Info
	infos := param.Describe(v)
	for i := range infos {
		if infos[i].Name == pe.Param {
			p = &infos[i]
		}
	}
	switch {
	case pe.Kind == param.Unknown:
		known := "it takes no parameters"
		if len(pe.Known) > 0 {
			known = "known: " + strings.Join(pe.Known, ", ")
		}
		return fmt.Errorf("unknown param %q%s (%s)", pe.Param, pe.Hint, known)
	case pe.Kind == param.Missing:
		return fmt.Errorf("param %q is required", pe.Param)
	case p == nil:
		return pe
	case pe.Msg != "":
		return paramError(pe.Param, pe.Msg)
	case pe.Cause != nil:
		return paramError(pe.Param, pe.Cause.Error())
	case pe.Bound && len(p.Enum) > 0 && p.Type == "string":
		return paramError(pe.Param, fmt.Sprintf("unknown value %s (want %s)", pe.Got, orList(p.Enum)))
	case pe.Bound && len(p.Enum) > 0:
		return paramError(pe.Param, fmt.Sprintf("must be %s, got %s", strings.ReplaceAll(orList(p.Enum), ",", ""), pe.Got))
	case pe.Bound && p.Min != nil && p.Max != nil:
		return paramError(pe.Param, fmt.Sprintf("must be in [%s, %s], got %s", param.FormatNumber(*p.Min), param.FormatNumber(*p.Max), pe.Got))
	case pe.Bound && p.Min != nil && *p.Min == 0:
		return paramError(pe.Param, "must not be negative, got "+pe.Got)
	case pe.Bound && p.Min != nil:
		return paramError(pe.Param, fmt.Sprintf("must be at least %s, got %s", param.FormatNumber(*p.Min), pe.Got))
	case pe.Bound && p.Max != nil:
		return paramError(pe.Param, fmt.Sprintf("must be at most %s, got %s", param.FormatNumber(*p.Max), pe.Got))
	}
	return paramError(pe.Param, fmt.Sprintf("want %s, got %s", typeWord(p.Type), abbrev(obj[pe.Param])))
}

// orList writes "a, b or c".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

func typeWord(t string) string {
	switch t {
	case "int":
		return "an integer"
	case "float":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "[]float":
		return "a list of numbers"
	case "object":
		return "an object"
	}
	return "a value"
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
	v, err := build(raw, kindTransform)
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
		v, err := build(r, kindTarget)
		if err != nil {
			return nil, fmt.Errorf("target_transforms[%d]: %w", i, err)
		}
		out = append(out, v.(TargetTransform))
	}
	return out, nil
}
