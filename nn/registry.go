package nn

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/mlforge/mlforge/internal/suggest"
)

// LayerSpec describes one layer as a JSON object: its PyTorch class name
// under "type" and its constructor's keyword arguments under their PyTorch
// names, e.g. {"type": "Conv2d", "in_channels": 1, "out_channels": 32,
// "kernel_size": 3}. Sizes that follow from the input ("in_features",
// "in_channels", "num_features", "normalized_shape") may be "auto" or left
// out. LayerCatalogue lists every type with its parameters.
type LayerSpec map[string]json.RawMessage

// layerCtor reads a layer's parameters and returns the layer without its
// weights (an allocator makes them; see plan.go): its fields are enough for
// OutShape and for counting its parameters.
type layerCtor func(p *specReader) (Module, error)

var layerRegistry = map[string]layerCtor{}

func init() {
	layerRegistry["Linear"] = func(p *specReader) (Module, error) {
		in := p.int("in_features", required, p.lastDim)
		out := p.int("out_features", required, nil)
		bias := p.bool("bias", true)
		if err := p.done(); err != nil {
			return nil, err
		}
		if in < 1 || out < 1 {
			return nil, fmt.Errorf("in_features %d and out_features %d must be positive", in, out)
		}
		return &Linear{InFeatures: in, OutFeatures: out, hasBias: bias}, nil
	}
	conv := func(transpose bool) layerCtor {
		return func(p *specReader) (Module, error) {
			in := p.int("in_channels", required, p.channels)
			out := p.int("out_channels", required, nil)
			k := p.pair("kernel_size", [2]int{-1, -1})
			// PyTorch's argument order, which the catalogue shows.
			opt := ConvOptions{Stride: p.pair("stride", [2]int{1, 1})}
			pad := p.padding(!transpose)
			if transpose {
				opt.OutputPadding = p.pair("output_padding", [2]int{})
			} else {
				opt.Dilation = p.pair("dilation", [2]int{1, 1})
			}
			opt.Groups = p.int("groups", 1, nil)
			bias := p.bool("bias", true)
			if transpose {
				opt.Dilation = p.pair("dilation", [2]int{1, 1})
			}
			p.str("padding_mode", "zeros", "zeros")
			opt.Padding = pad(k, opt)
			if err := p.done(); err != nil {
				return nil, err
			}
			if transpose {
				return convTranspose2dShell(in, out, k, opt, bias)
			}
			return conv2dShell(in, out, k, opt, bias)
		}
	}
	layerRegistry["Conv2d"] = conv(false)
	layerRegistry["ConvTranspose2d"] = conv(true)
	layerRegistry["MaxPool2d"] = func(p *specReader) (Module, error) {
		opt := p.poolOptions()
		p.bool("return_indices", false)
		if err := p.done(); err != nil {
			return nil, err
		}
		return NewMaxPool2d(opt)
	}
	layerRegistry["AvgPool2d"] = func(p *specReader) (Module, error) {
		opt := p.poolOptions()
		cip := p.bool("count_include_pad", true)
		if err := p.done(); err != nil {
			return nil, err
		}
		return NewAvgPool2d(opt, cip)
	}
	layerRegistry["AdaptiveAvgPool2d"] = func(p *specReader) (Module, error) {
		size := p.pair("output_size", [2]int{-1, -1})
		if err := p.done(); err != nil {
			return nil, err
		}
		m := &AdaptiveAvgPool2d{OutputSize: size}
		if size[0] < 1 || size[1] < 1 {
			return nil, fmt.Errorf("output_size %v must be positive", size)
		}
		return m, nil
	}
	layerRegistry["Flatten"] = func(p *specReader) (Module, error) {
		f := &Flatten{StartDim: p.int("start_dim", 1, nil), EndDim: p.int("end_dim", -1, nil)}
		return f, p.done()
	}
	layerRegistry["Unflatten"] = func(p *specReader) (Module, error) {
		u := &Unflatten{Dim: p.int("dim", required, nil), UnflattenedSize: p.intList("unflattened_size")}
		if err := p.done(); err != nil {
			return nil, err
		}
		return u, u.check()
	}
	layerRegistry["Dropout"] = func(p *specReader) (Module, error) {
		pr := p.float("p", 0.5)
		p.bool("inplace", false)
		if err := p.done(); err != nil {
			return nil, err
		}
		return NewDropout(pr, nil) // allocate seeds it
	}
	bn := func(dims int) layerCtor {
		return func(p *specReader) (Module, error) {
			n := p.int("num_features", required, p.channels)
			eps := p.float("eps", 1e-5)
			raw, hasMom := p.m["momentum"]
			cumulative := hasMom && bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
			mom := p.float("momentum", 0.1)
			affine := p.bool("affine", true)
			track := p.bool("track_running_stats", true)
			if err := p.done(); err != nil {
				return nil, err
			}
			b, err := batchNormShell(dims, n, eps, mom, affine, track)
			if err == nil {
				b.CumulativeAverage = cumulative
			}
			return b, err
		}
	}
	layerRegistry["BatchNorm1d"] = bn(1)
	layerRegistry["BatchNorm2d"] = bn(2)
	layerRegistry["LayerNorm"] = func(p *specReader) (Module, error) {
		shape := p.ints("normalized_shape", p.lastDimList)
		eps := p.float("eps", 1e-5)
		affine := p.bool("elementwise_affine", true)
		if err := p.done(); err != nil {
			return nil, err
		}
		return layerNormShell(shape, eps, affine)
	}
	layerRegistry["Embedding"] = func(p *specReader) (Module, error) {
		num := p.int("num_embeddings", required, nil)
		dim := p.int("embedding_dim", required, nil)
		pad := p.optInt("padding_idx")
		if err := p.done(); err != nil {
			return nil, err
		}
		return embeddingShell(num, dim, pad)
	}
	simple := func(make func(p *specReader) Module) layerCtor {
		return func(p *specReader) (Module, error) {
			m := make(p)
			p.bool("inplace", false)
			if err := p.done(); err != nil {
				return nil, err
			}
			return m, nil
		}
	}
	layerRegistry["ReLU"] = simple(func(p *specReader) Module { return &ReLU{} })
	layerRegistry["Sigmoid"] = simple(func(p *specReader) Module { return &Sigmoid{} })
	layerRegistry["Tanh"] = simple(func(p *specReader) Module { return &Tanh{} })
	layerRegistry["LeakyReLU"] = simple(func(p *specReader) Module {
		return &LeakyReLU{NegativeSlope: float32(p.float("negative_slope", 0.01))}
	})
	layerRegistry["GELU"] = simple(func(p *specReader) Module {
		return &GELU{Approximate: p.str("approximate", "none", "none", "tanh")}
	})
	layerRegistry["Softmax"] = simple(func(p *specReader) Module { return &Softmax{Dim: p.int("dim", -1, nil)} })
	layerRegistry["LogSoftmax"] = simple(func(p *specReader) Module { return &LogSoftmax{Dim: p.int("dim", -1, nil)} })
	layerRegistry["Sequential"] = func(p *specReader) (Module, error) {
		specs := p.layerList("layers")
		if err := p.done(); err != nil {
			return nil, err
		}
		pl, err := planLayers(specs, p.in, p.depth+1)
		if err != nil {
			return nil, err
		}
		p.nested = pl
		return pl.seq, nil
	}
}

// LayerTypes lists the layer type names NewLayer accepts, sorted.
func LayerTypes() []string {
	out := make([]string, 0, len(layerRegistry))
	for k := range layerRegistry {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

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

// specReader decodes a LayerSpec's parameters, remembering the first error
// and which keys were read. In describe mode (describe set) it reads no spec:
// every parameter a constructor asks for is recorded, with its type and
// default, and done stops the constructor; this is how the catalogue is
// made from the constructors themselves.
type specReader struct {
	m    LayerSpec
	used map[string]bool
	in   []int
	err  error
	// owner is the layer or loss being read; it selects parameter docs.
	owner string
	// describe collects the parameters in describe mode.
	describe *[]ParamInfo
	// sizes holds the integer parameters read from the spec (not inferred),
	// by name: the largest names what makes a layer big.
	sizes map[string]int64
	// depth counts the Sequentials around the layer; nested is the plan of
	// a Sequential's layers.
	depth  int
	nested *NetPlan
}

// noteSize records an integer parameter given in the spec.
func (p *specReader) noteSize(name string, v int) {
	if p.sizes == nil {
		p.sizes = map[string]int64{}
	}
	if a := int64(v); a > p.sizes[name] {
		p.sizes[name] = a
	}
}

// largest returns the integer parameter with the largest value, or "".
func (p *specReader) largest() string {
	best, name := int64(1), ""
	for k, v := range p.sizes {
		if v > best || (v == best && name != "" && k < name) {
			best, name = v, k
		}
	}
	return name
}

// errDescribed stops a constructor run in describe mode.
var errDescribed = errors.New("nn: parameters described")

// describeParams runs a constructor in describe mode and returns the
// parameters it reads, in the order it reads them.
func describeParams(owner string, run func(p *specReader)) []ParamInfo {
	ps := []ParamInfo{}
	p := &specReader{m: LayerSpec{}, used: map[string]bool{}, owner: owner, describe: &ps}
	run(p)
	return ps
}

// note records a parameter in describe mode and reports whether the
// reader is describing (and so must return the default).
func (p *specReader) note(pi ParamInfo) bool {
	if p.describe == nil {
		return false
	}
	for _, q := range *p.describe {
		if q.Name == pi.Name {
			return true
		}
	}
	d := p.doc(pi.Name)
	pi.Help, pi.Min, pi.Max, pi.NLabels = d.help, d.min, d.max, d.nLabels
	if pi.Required {
		pi.Default = nil
	}
	*p.describe = append(*p.describe, pi)
	return true
}

// doc returns the documentation of a parameter of p.owner.
func (p *specReader) doc(name string) paramDoc {
	if d, ok := paramDocs[p.owner+"."+name]; ok {
		return d
	}
	return paramDocs[name]
}

// inRange checks v against the parameter's documented bounds.
func (p *specReader) inRange(name string, v float64) {
	d := p.doc(name)
	what := cmp.Or(d.what, "a value")
	switch {
	case d.min != nil && d.max != nil && !(v >= *d.min && v <= *d.max):
		p.fail("%s is %v, expected %s in [%v, %v]", name, v, what, *d.min, *d.max)
	case d.min != nil && !(v >= *d.min):
		p.fail("%s is %v, expected %s of at least %v", name, v, what, *d.min)
	case d.max != nil && !(v <= *d.max):
		p.fail("%s is %v, expected %s of at most %v", name, v, what, *d.max)
	}
}

func (p *specReader) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf(format, args...)
	}
}

func (p *specReader) has(name string) bool {
	raw, ok := p.m[name]
	return ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

func (p *specReader) take(name string) (json.RawMessage, bool) {
	p.used[name] = true
	if !p.has(name) {
		return nil, false
	}
	return p.m[name], true
}

func isAuto(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte(`"auto"`))
}

// required as a default marks an integer parameter as required.
const required = -1 << 40

// int reads an integer; def required (and auto nil) makes it required; auto
// (when set) computes it from the input shape when missing or "auto".
func (p *specReader) int(name string, def int, auto func(string) int) int {
	pi := ParamInfo{Name: name, Type: "int", Default: def, Required: def == required && auto == nil, Auto: auto != nil}
	if auto != nil {
		pi.Default = "auto"
	}
	if p.note(pi) {
		if def == required {
			return 1
		}
		return def
	}
	raw, ok := p.take(name)
	if !ok || isAuto(raw) {
		if auto != nil {
			return auto(name)
		}
		if ok {
			p.fail("%s: \"auto\" is not supported here, expected an integer", name)
			return def
		}
		if def == required {
			p.fail("%s is required", name)
		}
		return def
	}
	var v int
	if err := json.Unmarshal(raw, &v); err != nil {
		p.fail("%s: expected an integer, got %s", name, raw)
		return def
	}
	p.inRange(name, float64(v))
	p.checkSize(name, v)
	return v
}

// maxSize bounds every integer parameter: no size or index near it is
// meaningful, and products of such sizes would overflow.
const maxSize = 1 << 40

// checkSize rejects an absurd integer and records a size.
func (p *specReader) checkSize(name string, v int) {
	if v > maxSize || v < -maxSize {
		p.fail("%s is %d, which is beyond any size this machine can hold (more than 2^40)", name, v)
		return
	}
	p.noteSize(name, v)
}

// optInt reads an integer that may be left out or null (nil).
func (p *specReader) optInt(name string) *int {
	if p.note(ParamInfo{Name: name, Type: "int", Nullable: true}) {
		return nil
	}
	if !p.has(name) {
		p.used[name] = true
		return nil
	}
	v := p.int(name, 0, nil)
	return &v
}

func (p *specReader) float(name string, def float64) float64 {
	if p.note(ParamInfo{Name: name, Type: "float", Default: def}) {
		return def
	}
	raw, ok := p.take(name)
	if !ok {
		return def
	}
	var v float64
	if err := json.Unmarshal(raw, &v); err != nil {
		p.fail("%s: expected a number, got %s", name, raw)
		return def
	}
	p.inRange(name, v)
	return v
}

// floats reads an optional list of numbers (nil when left out or null).
func (p *specReader) floats(name string) []float32 {
	if p.note(ParamInfo{Name: name, Type: "[]float", Nullable: true}) {
		return nil
	}
	raw, ok := p.take(name)
	if !ok {
		return nil
	}
	var v []float32
	if err := json.Unmarshal(raw, &v); err != nil {
		p.fail("%s: expected a list of numbers, got %s", name, raw)
	}
	return v
}

func (p *specReader) bool(name string, def bool) bool {
	if p.note(ParamInfo{Name: name, Type: "bool", Default: def}) {
		return def
	}
	raw, ok := p.take(name)
	if !ok {
		return def
	}
	var v bool
	if err := json.Unmarshal(raw, &v); err != nil {
		p.fail("%s: expected true or false, got %s", name, raw)
	}
	return v
}

func (p *specReader) str(name, def string, allowed ...string) string {
	if p.note(ParamInfo{Name: name, Type: "string", Default: def, Enum: allowed}) {
		return def
	}
	raw, ok := p.take(name)
	if !ok {
		return def
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		p.fail("%s: expected a string, got %s", name, raw)
		return def
	}
	for _, a := range allowed {
		if a == v {
			return v
		}
	}
	p.fail("%s is %q, expected one of %q%s", name, v, allowed, suggest.Hint(v, allowed))
	return def
}

// pairDefault is a pair's default as the catalogue shows it: an int for a
// square, else a list.
func pairDefault(def [2]int) any {
	if def[0] == def[1] {
		return def[0]
	}
	return []int{def[0], def[1]}
}

// pair reads an int or a two-element list (height, width); a negative
// default makes it required.
func (p *specReader) pair(name string, def [2]int) [2]int {
	if p.note(ParamInfo{Name: name, Type: "pair", Default: pairDefault(def), Required: def[0] < 0}) {
		if def[0] < 0 {
			return [2]int{1, 1}
		}
		return def
	}
	raw, ok := p.take(name)
	if !ok {
		if def[0] < 0 {
			p.fail("%s is required", name)
		}
		return def
	}
	var v int
	if err := json.Unmarshal(raw, &v); err == nil {
		p.inRange(name, float64(v))
		p.checkSize(name, v)
		return [2]int{v, v}
	}
	var l []int
	if err := json.Unmarshal(raw, &l); err != nil || len(l) != 2 {
		p.fail("%s: expected an integer or a list of two integers, got %s", name, raw)
		return def
	}
	p.inRange(name, float64(l[0]))
	p.inRange(name, float64(l[1]))
	p.checkSize(name, l[0])
	p.checkSize(name, l[1])
	return [2]int{l[0], l[1]}
}

// optPair reads a pair that may be left out or null (ok false).
func (p *specReader) optPair(name string) (v [2]int, ok bool) {
	if p.note(ParamInfo{Name: name, Type: "pair", Nullable: true}) {
		return [2]int{1, 1}, false
	}
	if !p.has(name) {
		p.used[name] = true
		return [2]int{}, false
	}
	return p.pair(name, [2]int{}), true
}

// ints reads an int or a list of ints, computed by auto when missing or
// "auto".
func (p *specReader) ints(name string, auto func(string) []int) []int {
	if p.note(ParamInfo{Name: name, Type: "[]int", Default: "auto", Auto: true}) {
		return []int{1}
	}
	raw, ok := p.take(name)
	if !ok || isAuto(raw) {
		return auto(name)
	}
	var v int
	if err := json.Unmarshal(raw, &v); err == nil {
		p.inRange(name, float64(v))
		p.checkSize(name, v)
		return []int{v}
	}
	var l []int
	if err := json.Unmarshal(raw, &l); err != nil {
		p.fail("%s: expected an integer or a list of integers, got %s", name, raw)
	}
	for _, v := range l {
		p.inRange(name, float64(v))
		p.checkSize(name, v)
	}
	return l
}

// intList reads a required list of integers.
func (p *specReader) intList(name string) []int {
	if p.note(ParamInfo{Name: name, Type: "[]int", Required: true}) {
		return []int{1}
	}
	raw, ok := p.take(name)
	if !ok {
		p.fail("%s is required", name)
		return nil
	}
	var l []int
	if err := json.Unmarshal(raw, &l); err != nil || len(l) == 0 {
		p.fail("%s: expected a non-empty list of integers, got %s", name, raw)
		return nil
	}
	for _, v := range l {
		p.inRange(name, float64(v))
		p.checkSize(name, v)
	}
	return l
}

// layerList reads a list of layer specs (empty when left out).
func (p *specReader) layerList(name string) []LayerSpec {
	if p.note(ParamInfo{Name: name, Type: "list", Default: []any{}}) {
		return nil
	}
	var specs []LayerSpec
	if raw, ok := p.take(name); ok {
		if err := json.Unmarshal(raw, &specs); err != nil {
			p.fail("%s: expected a list of layer objects: %v", name, err)
		}
	}
	return specs
}

// padding reads a convolution's padding: an int, a pair, "valid" or (for
// Conv2d with stride 1 and an even total padding) "same". It returns the
// padding as a function of the kernel size, stride and dilation, which
// "same" needs and which are read after it.
func (p *specReader) padding(allowSame bool) func(k [2]int, opt ConvOptions) [2]int {
	fixed := func(pad [2]int) func([2]int, ConvOptions) [2]int {
		return func([2]int, ConvOptions) [2]int { return pad }
	}
	if p.note(ParamInfo{Name: "padding", Type: "padding", Default: 0}) {
		return fixed([2]int{})
	}
	raw, ok := p.m["padding"]
	if ok && len(bytes.TrimSpace(raw)) > 0 && bytes.TrimSpace(raw)[0] == '"' {
		p.used["padding"] = true
		var s string
		_ = json.Unmarshal(raw, &s)
		switch {
		case s == "valid":
			return fixed([2]int{})
		case s == "same" && allowSame:
			return func(k [2]int, opt ConvOptions) [2]int {
				var pad [2]int
				for i := 0; i < 2; i++ {
					total := opt.Dilation[i] * (k[i] - 1)
					if opt.Stride[i] != 1 || total%2 != 0 {
						p.fail("padding \"same\" needs stride 1 and an even dilation*(kernel_size-1), got stride %v, kernel_size %v, dilation %v", opt.Stride, k, opt.Dilation)
					}
					pad[i] = total / 2
				}
				return pad
			}
		}
		if allowSame {
			p.fail("padding is %q, expected an integer, a pair, \"valid\" or \"same\"", s)
		} else {
			p.fail("padding is %q, expected an integer, a pair or \"valid\"", s)
		}
		return fixed([2]int{})
	}
	return fixed(p.pair("padding", [2]int{}))
}

func (p *specReader) poolOptions() PoolOptions {
	k := p.pair("kernel_size", [2]int{-1, -1})
	stride, ok := p.optPair("stride")
	if !ok {
		stride = k
	}
	return PoolOptions{KernelSize: k, Stride: stride, Padding: p.pair("padding", [2]int{}),
		Dilation: p.pair("dilation", [2]int{1, 1}), CeilMode: p.bool("ceil_mode", false)}
}

func (p *specReader) lastDim(name string) int {
	if len(p.in) == 0 {
		p.fail("%s: cannot infer \"auto\" from an input of shape %v", name, p.in)
		return -1
	}
	return p.in[len(p.in)-1]
}

func (p *specReader) lastDimList(name string) []int {
	return []int{p.lastDim(name)}
}

func (p *specReader) channels(name string) int {
	if len(p.in) < 2 {
		p.fail("%s: cannot infer \"auto\" from an input of shape %v, expected (N, C, ...)", name, p.in)
		return -1
	}
	return p.in[1]
}

// done reports an unknown key (most likely the cause of any other error)
// or else the first error; in describe mode it stops the constructor.
func (p *specReader) done() error {
	if p.describe != nil {
		return errDescribed
	}
	var known, unknown []string
	for k := range p.used {
		known = append(known, k)
	}
	for k := range p.m {
		if !p.used[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		sort.Strings(known)
		return fmt.Errorf("unknown parameter %q%s, expected one of %s", unknown[0], suggest.Hint(unknown[0], known), strings.Join(known, ", "))
	}
	return p.err
}

// lossRegistry holds the losses NewLoss builds, each reading its keyword
// arguments from a specReader.
var lossRegistry = map[string]func(p *specReader) Loss{
	"CrossEntropyLoss": func(p *specReader) Loss {
		return &CrossEntropyLoss{Weight: p.floats("weight"), IgnoreIndex: p.int("ignore_index", -100, nil), LabelSmoothing: p.float("label_smoothing", 0), Reduction: p.reduction()}
	},
	"NLLLoss": func(p *specReader) Loss {
		return &NLLLoss{Weight: p.floats("weight"), IgnoreIndex: p.int("ignore_index", -100, nil), Reduction: p.reduction()}
	},
	"BCELoss": func(p *specReader) Loss { return &BCELoss{Reduction: p.reduction()} },
	"BCEWithLogitsLoss": func(p *specReader) Loss {
		return &BCEWithLogitsLoss{PosWeight: p.floats("pos_weight"), Reduction: p.reduction()}
	},
	"MSELoss":      func(p *specReader) Loss { return &MSELoss{Reduction: p.reduction()} },
	"L1Loss":       func(p *specReader) Loss { return &L1Loss{Reduction: p.reduction()} },
	"SmoothL1Loss": func(p *specReader) Loss { return &SmoothL1Loss{Beta: p.float("beta", 1), Reduction: p.reduction()} },
}

func (p *specReader) reduction() string { return p.str("reduction", "mean", "mean", "sum", "none") }

// LossTypes lists the loss names NewLoss accepts, sorted.
func LossTypes() []string {
	out := make([]string, 0, len(lossRegistry))
	for k := range lossRegistry {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// NewLoss builds a loss from its PyTorch class name and keyword arguments
// (a JSON object, or empty for the defaults).
func NewLoss(name string, raw json.RawMessage) (Loss, error) {
	ctor, ok := lossRegistry[name]
	if !ok {
		return nil, fmt.Errorf("unknown loss %q%s, expected one of %s", name, suggest.Hint(name, LossTypes()), strings.Join(LossTypes(), ", "))
	}
	spec := LayerSpec{}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &spec); err != nil {
			return nil, fmt.Errorf("%s: expected a JSON object of parameters: %v", name, err)
		}
	}
	p := &specReader{m: spec, used: map[string]bool{}, owner: name}
	l := ctor(p)
	if err := p.done(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return l, nil
}

// Unflatten splits dimension Dim of its input into UnflattenedSize, like
// torch.nn.Unflatten: (N, 64) with Dim 1 and UnflattenedSize (8, 8) becomes
// (N, 8, 8). One size may be -1, inferred from the others. Dim counts from
// the end when negative; it may not be the batch dimension. The output is a
// view of the input.
type Unflatten struct {
	noParams
	Dim             int
	UnflattenedSize []int
}

// Name returns "Unflatten".
func (u *Unflatten) Name() string { return "Unflatten" }

// check validates UnflattenedSize on its own.
func (u *Unflatten) check() error {
	infer := 0
	for _, s := range u.UnflattenedSize {
		switch {
		case s == -1:
			infer++
		case s < 1:
			return fmt.Errorf("unflattened_size %v: expected positive sizes (and at most one -1)", u.UnflattenedSize)
		}
	}
	if len(u.UnflattenedSize) == 0 || infer > 1 {
		return fmt.Errorf("unflattened_size %v: expected a non-empty list of positive sizes with at most one -1", u.UnflattenedSize)
	}
	return nil
}

// OutShape returns in with dimension Dim replaced by UnflattenedSize.
func (u *Unflatten) OutShape(in []int) ([]int, error) {
	if err := u.check(); err != nil {
		return nil, fmt.Errorf("Unflatten: %w", err)
	}
	d := u.Dim
	if d < 0 {
		d += len(in)
	}
	if d < 1 || d >= len(in) {
		return nil, fmt.Errorf("Unflatten: dim %d does not fit input of shape %v, expected a dimension other than the batch dimension 0", u.Dim, in)
	}
	sizes := slices.Clone(u.UnflattenedSize)
	prod, infer := 1, -1
	for i, s := range sizes {
		if s == -1 {
			infer = i
		} else {
			prod *= s
		}
	}
	if infer >= 0 {
		if in[d]%prod != 0 {
			return nil, fmt.Errorf("Unflatten: unflattened_size %v does not divide dimension %d of size %d of input shape %v", u.UnflattenedSize, d, in[d], in)
		}
		sizes[infer] = in[d] / prod
		prod *= sizes[infer]
	}
	if prod != in[d] {
		return nil, fmt.Errorf("Unflatten: unflattened_size %v has %d elements, but dimension %d of input shape %v has %d", u.UnflattenedSize, prod, d, in, in[d])
	}
	out := append(slices.Clone(in[:d]), sizes...)
	return append(out, in[d+1:]...), nil
}

// Forward returns a view of x with dimension Dim unflattened.
func (u *Unflatten) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	shape, err := u.OutShape(x.Data.Shape)
	if err != nil {
		return g.fail("%v", err)
	}
	return g.Reshape(x, shape...)
}
