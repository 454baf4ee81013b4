package nn

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/internal/suggest"
	"github.com/mlforge/mlforge/param"
)

// A layer or a loss is declared once, in its family's file: a params
// struct whose tags describe PyTorch's keyword arguments (package param:
// json name, help, bounds, enum, auto, nlabels, nullable, required), a
// constructor that builds the module from the decoded struct, and one
// registration line in an init function:
//
//	type PixelShuffleParams struct {
//		UpscaleFactor int `json:"upscale_factor" required:"true" min:"1" help:"..."`
//	}
//
//	func init() {
//		registerLayer("PixelShuffle", "rearrange (C·r², H, W) into (C, H·r, W·r)", func() PixelShuffleParams { return PixelShuffleParams{} },
//			func(p PixelShuffleParams, _ *layerCtx) (Module, error) { return &PixelShuffle{UpscaleFactor: p.UpscaleFactor}, nil })
//	}
//
// (nn/softsign.go is a whole layer in one file).
//
// NewLayer, Plan, Build, LayerTypes and LayerCatalogue (NewLoss, LossTypes
// and LossCatalogue for losses) read everything else from there: strict
// decoding with "did you mean", bounds, "auto" sizes, the catalogue of GET
// /api/classes and the page's form.

// ParamInfo describes one keyword argument of a layer, loss, optimizer,
// scheduler or transform for forms and documentation: param.Info, whose
// JSON form is what GET /api/classes serves.
type ParamInfo = param.Info

// Info describes a layer or loss: its PyTorch class name, a one-line
// description and its parameters in constructor order.
type Info = param.Entry

// LayerSpec describes one layer as a JSON object: its PyTorch class name
// under "type" and its constructor's keyword arguments under their PyTorch
// names, e.g. {"type": "Conv2d", "in_channels": 1, "out_channels": 32,
// "kernel_size": 3}. Sizes that follow from the input ("in_features",
// "in_channels", "num_features", "normalized_shape") may be "auto" or left
// out. LayerCatalogue lists every type with its parameters.
type LayerSpec map[string]json.RawMessage

// layerCtx is what a layer's constructor knows besides its parameters: the
// input shape (batch dimension included), for "auto" sizes, and the
// nesting depth of Sequentials; a Sequential leaves its plan in nested.
type layerCtx struct {
	in     []int
	depth  int
	nested *NetPlan
	prev   []Module // the layers before it in its layer list (nil: built alone)
}

// lastDim infers a size from the input's last dimension.
func (c *layerCtx) lastDim(name string) (int, error) {
	if len(c.in) == 0 {
		return 0, fmt.Errorf("%s: cannot infer \"auto\" from an input of shape %v", name, c.in)
	}
	return c.in[len(c.in)-1], nil
}

// channels infers a size from the input's channels, dimension 1.
func (c *layerCtx) channels(name string) (int, error) {
	if len(c.in) < 2 {
		return 0, fmt.Errorf("%s: cannot infer \"auto\" from an input of shape %v, expected (N, C, ...)", name, c.in)
	}
	return c.in[1], nil
}

// orAuto returns v, or the size auto infers when v is 0 ("auto" or left
// out).
func orAuto(v int, name string, auto func(string) (int, error)) (int, error) {
	if v != 0 {
		return v, nil
	}
	return auto(name)
}

type layerBuilder func(cfg any, c *layerCtx) (Module, error)

type lossBuilder func(cfg any) Loss

var (
	layerTypes = param.Registry[layerBuilder]{Kind: "layer type"}
	lossTypes  = param.Registry[lossBuilder]{Kind: "loss"}
)

// registerLayer adds a layer type: its one-line doc, defaults (its params
// struct holding PyTorch's defaults) and build, which returns the layer
// without weights (see plan.go) for the decoded parameters.
func registerLayer[P any](name, doc string, defaults func() P, build func(P, *layerCtx) (Module, error)) {
	layerTypes.Register(param.Class[layerBuilder]{Name: name, Doc: doc,
		Params: func() any { p := defaults(); return &p },
		New:    func(cfg any, c *layerCtx) (Module, error) { return build(*cfg.(*P), c) }})
}

// registerLoss adds a loss whose struct is its own params struct:
// defaults returns it with PyTorch's defaults.
func registerLoss[L any, PL interface {
	*L
	Loss
}](name, doc string, defaults func() L) {
	lossTypes.Register(param.Class[lossBuilder]{Name: name, Doc: doc,
		Params: func() any { l := defaults(); return &l },
		New: func(cfg any) Loss {
			l := PL(cfg.(*L))
			applyLegacyReduction(l)
			return l
		}})
}

// LayerTypes lists the layer type names NewLayer accepts, sorted.
func LayerTypes() []string { return layerTypes.Names() }

// LossTypes lists the loss names NewLoss accepts, sorted.
func LossTypes() []string { return lossTypes.Names() }

// LayerCatalogue describes every layer type NewLayer accepts, sorted by
// name, with the parameters declared by its params struct.
func LayerCatalogue() []Info { return layerTypes.Catalogue() }

// LossCatalogue describes every loss NewLoss accepts, sorted by name, with
// its parameters.
func LossCatalogue() []Info { return lossTypes.Catalogue() }

// NewLayer builds the layer spec describes for an input of shape in (batch
// dimension included; it fills "auto" sizes) and returns it with its output
// shape. Weights are initialised from rng like PyTorch's. Errors name the
// parameter, the expected values and, for misspelt names, the closest
// known one. NewLayer checks no memory budget: Plan does, before anything
// is allocated.
func NewLayer(spec LayerSpec, in []int, rng *rand.Rand) (Module, []int, error) {
	m, out, _, err := planLayer(spec, in, 0)
	if err != nil {
		return nil, nil, err
	}
	allocate(m, rng)
	return m, out, nil
}

// Build builds a Sequential from layer specs for inputs of shape in, and
// returns it with its output shape. An error names the layer by index. It
// plans every layer (Plan) before it allocates the first weight, drawing
// from rng in layer order.
func Build(specs []LayerSpec, in []int, rng *rand.Rand) (*Sequential, []int, error) {
	pl, err := Plan(specs, in)
	if err != nil {
		return nil, nil, err
	}
	return pl.Build(rng), pl.OutShape, nil
}

// NewLoss builds a loss from its PyTorch class name and keyword arguments
// (a JSON object, or empty for the defaults).
func NewLoss(name string, raw json.RawMessage) (Loss, error) {
	c, err := lossTypes.Lookup(name)
	if err != nil {
		le := err.(*param.LookupError)
		return nil, fmt.Errorf("unknown loss %q%s, expected one of %s", name, le.Hint, strings.Join(le.Known, ", "))
	}
	obj := map[string]json.RawMessage{}
	if raw = bytes.TrimSpace(raw); len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		if raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
			return nil, fmt.Errorf("%s: expected a JSON object of parameters, got %s", name, abbrev(raw))
		}
	}
	cfg, _, err := decodeParams(c.Params(), obj, "")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c.New(cfg), nil
}

// decodeLayer reads a layer spec's parameters into the params struct of
// its type, and returns it with the size parameter given the largest
// value ("" when none).
func decodeLayer(c *param.Class[layerBuilder], spec LayerSpec) (any, string, error) {
	return decodeParams(c.Params(), spec, "type")
}

// maxSize bounds every integer parameter: no size or index near it is
// meaningful, and products of such sizes would overflow.
const maxSize = 1 << 40

// decodeParams decodes obj onto dst, a params struct holding the
// defaults, skipping the key skip. It reports an unknown key first (most
// likely the cause of any other error), then sizes beyond any machine,
// then the first bad value, worded as the layers always have. It returns
// dst and the integer parameter given the largest value, which names what
// makes a layer big.
func decodeParams(dst any, obj map[string]json.RawMessage, skip string) (any, string, error) {
	infos := param.Describe(dst)
	known := make([]string, 0, len(infos)+1)
	byName := map[string]*param.Info{}
	for i := range infos {
		known = append(known, infos[i].Name)
		byName[infos[i].Name] = &infos[i]
	}
	if skip != "" {
		known = append(known, skip)
	}
	slices.Sort(known)
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k != skip && byName[k] == nil {
			return nil, "", &paramError{msg: fmt.Sprintf("unknown parameter %q%s, expected one of %s", k, suggest.Hint(k, known), strings.Join(known, ", "))}
		}
	}
	largest, best := "", int64(1)
	for _, k := range keys {
		p := byName[k]
		if p == nil || !isSizeType(p.Type) {
			continue
		}
		for _, v := range numbersIn(obj[k]) {
			if v > maxSize || v < -maxSize {
				return nil, "", &paramError{msg: fmt.Sprintf("%s is %s, which is beyond any size this machine can hold (more than 2^40)", k, strconv.FormatFloat(v, 'f', -1, 64))}
			}
			if a := int64(v); a > best {
				largest, best = k, a
			}
		}
	}
	var opt param.Options
	if skip != "" {
		opt.Skip = []string{skip}
	}
	if err := param.DecodeObject(obj, dst, opt); err != nil {
		return nil, "", wordParamError(err, byName)
	}
	return dst, largest, nil
}

// isSizeType reports whether parameters of catalogue type t hold sizes or
// indices (integers).
func isSizeType(t string) bool {
	switch t {
	case "int", "pair", "padding", "[]int":
		return true
	}
	return false
}

// numbersIn returns the numbers of a JSON number or list of numbers.
func numbersIn(raw json.RawMessage) []float64 {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var out []float64
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case float64:
			out = append(out, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// paramError is a bad parameter of a layer or loss, worded as they always
// have been: `p is 1.5, expected a probability in [0, 1]`, `kernel_size
// is required`, `out_features: expected an integer, got "x"`.
type paramError struct {
	msg string
	pe  *param.Error
}

func (e *paramError) Error() string { return e.msg }

// Unwrap returns the *param.Error, if any.
func (e *paramError) Unwrap() error {
	if e.pe == nil {
		return nil
	}
	return e.pe
}

// BadInput marks the error as the user's input rather than a bug.
func (e *paramError) BadInput() bool { return true }

// wordParamError words a *param.Error from decoding a layer's or loss's
// parameters; byName describes them.
func wordParamError(err error, byName map[string]*param.Info) error {
	var pe *param.Error
	if !errors.As(err, &pe) {
		return err
	}
	name := pe.Param
	p := byName[name]
	var msg string
	switch {
	case p == nil:
		msg = pe.Error()
	case pe.Kind == param.Missing:
		msg = name + " is required"
	case pe.Kind == param.Unknown:
		msg = fmt.Sprintf("unknown parameter %q%s, expected one of %s", name, pe.Hint, strings.Join(pe.Known, ", "))
	case strings.HasPrefix(pe.Msg, "is "):
		msg = name + " " + pe.Msg
	case pe.Msg != "":
		msg = pe.Error()
	case pe.Bound && len(p.Enum) > 0:
		msg = fmt.Sprintf("%s is %s, expected one of %q%s", name, pe.Got, p.Enum, pe.Hint)
	case pe.Bound:
		msg = fmt.Sprintf("%s is %s, expected %s", name, pe.Got, rangeWords(p))
	default:
		msg = fmt.Sprintf("%s: expected %s, got %s", name, typeWords(p), pe.Got)
	}
	return &paramError{msg: msg, pe: pe}
}

// rangeWords says what range a parameter accepts: "a value in [0, 1]", "a
// probability of at least 0".
func rangeWords(p *param.Info) string {
	what := cmp.Or(p.Expect, "a value")
	num := func(f *float64) string { return param.FormatNumber(*f) }
	switch {
	case p.Min != nil && p.Max != nil:
		lo, hi := "[", "]"
		if p.MinExcl {
			lo = "("
		}
		if p.MaxExcl {
			hi = ")"
		}
		return fmt.Sprintf("%s in %s%s, %s%s", what, lo, num(p.Min), num(p.Max), hi)
	case p.Min != nil && p.MinExcl:
		return fmt.Sprintf("%s greater than %s", what, num(p.Min))
	case p.Min != nil:
		return fmt.Sprintf("%s of at least %s", what, num(p.Min))
	case p.Max != nil && p.MaxExcl:
		return fmt.Sprintf("%s less than %s", what, num(p.Max))
	case p.Max != nil:
		return fmt.Sprintf("%s of at most %s", what, num(p.Max))
	}
	return what
}

// typeWords says in words what values of a parameter's type look like.
func typeWords(p *param.Info) string {
	if p.Expect != "" {
		return p.Expect
	}
	switch p.Type {
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
	case "[]int":
		return "a list of integers"
	case "pair":
		return "an integer or a list of two integers"
	case "list":
		return "a list of layer objects"
	}
	return "a value"
}

func abbrev(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 64 {
		r := []rune(s)
		if len(r) > 61 {
			s = string(r[:61]) + "..."
		}
	}
	return s
}

// Pair is a (height, width) pair of a 2-d layer's geometry. In JSON it is
// an integer (a square) or a list of two integers.
type Pair [2]int

// UnmarshalJSON reads 3 or [3, 5].
func (p *Pair) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*p = Pair{n, n}
		return nil
	}
	var l []int
	if err := json.Unmarshal(b, &l); err != nil || len(l) != 2 {
		return fmt.Errorf("expected an integer or a list of two integers, got %s", abbrev(b))
	}
	*p = Pair{l[0], l[1]}
	return nil
}

// MarshalJSON writes a square as one integer, else a list of two.
func (p Pair) MarshalJSON() ([]byte, error) {
	if p[0] == p[1] {
		return json.Marshal(p[0])
	}
	return json.Marshal([]int{p[0], p[1]})
}

// ParamType names the type "pair" in the catalogue.
func (Pair) ParamType() (string, string) { return "pair", "" }

// ParamNumbers returns both sizes, which the bounds apply to.
func (p Pair) ParamNumbers() []float64 { return []float64{float64(p[0]), float64(p[1])} }

// IntList is an integer or a list of integers (in JSON: 4 or [4, 8]).
type IntList []int

// UnmarshalJSON reads 4 or [4, 8].
func (l *IntList) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*l = IntList{n}
		return nil
	}
	var v []int
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("expected an integer or a list of integers, got %s", abbrev(b))
	}
	*l = v
	return nil
}

// ParamType names the type "[]int" in the catalogue.
func (IntList) ParamType() (string, string) { return "[]int", "" }

// ParamNumbers returns the integers, which the bounds apply to.
func (l IntList) ParamNumbers() []float64 {
	out := make([]float64, len(l))
	for i, v := range l {
		out[i] = float64(v)
	}
	return out
}

// Padding is a convolution's padding: a Pair, "valid" (no padding) or,
// with Same, "same" (the output keeps the input's size; resolved from the
// kernel size, stride and dilation).
type Padding struct {
	Size Pair
	Same bool
}

// UnmarshalJSON reads 1, [1, 2], "valid" or "same".
func (p *Padding) UnmarshalJSON(b []byte) error { return p.read(b, true) }

func (p *Padding) read(b []byte, allowSame bool) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		switch {
		case s == "valid":
			*p = Padding{}
			return nil
		case s == "same" && allowSame:
			*p = Padding{Same: true}
			return nil
		}
		if allowSame {
			return fmt.Errorf("is %q, expected an integer, a pair, \"valid\" or \"same\"", s)
		}
		return fmt.Errorf("is %q, expected an integer, a pair or \"valid\"", s)
	}
	var pair Pair
	if err := pair.UnmarshalJSON(b); err != nil {
		if allowSame {
			return fmt.Errorf("expected an integer, a pair, \"valid\" or \"same\", got %s", abbrev(b))
		}
		return fmt.Errorf("expected an integer, a pair or \"valid\", got %s", abbrev(b))
	}
	*p = Padding{Size: pair}
	return nil
}

// MarshalJSON writes "same" or the Pair.
func (p Padding) MarshalJSON() ([]byte, error) {
	if p.Same {
		return []byte(`"same"`), nil
	}
	return p.Size.MarshalJSON()
}

// ParamType names the type "padding" in the catalogue.
func (Padding) ParamType() (string, string) { return "padding", "" }

// ParamNumbers returns the sizes, which the bounds apply to.
func (p Padding) ParamNumbers() []float64 { return p.Size.ParamNumbers() }

// resolve returns the padding for a kernel and geometry: "same" needs
// stride 1 and an even dilation*(kernel_size-1).
func (p Padding) resolve(k [2]int, stride, dilation [2]int) ([2]int, error) {
	if !p.Same {
		return p.Size, nil
	}
	var pad [2]int
	for i := range 2 {
		total := dilation[i] * (k[i] - 1)
		if stride[i] != 1 || total%2 != 0 {
			return pad, fmt.Errorf("padding \"same\" needs stride 1 and an even dilation*(kernel_size-1), got stride %v, kernel_size %v, dilation %v", stride, k, dilation)
		}
		pad[i] = total / 2
	}
	return pad, nil
}

// TransposePadding is a transposed convolution's padding: a Pair or
// "valid".
type TransposePadding struct{ Padding }

// UnmarshalJSON reads 1, [1, 2] or "valid".
func (p *TransposePadding) UnmarshalJSON(b []byte) error { return p.read(b, false) }
