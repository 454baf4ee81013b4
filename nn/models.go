package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/tensor"
)

// Named architectures are layer types whose one entry is a whole network,
// e.g. {"type": "ResNet18", "in_channels": "auto", "num_classes": "n_labels"}
// as the entire layer list. Each has torchvision 0.14's module structure,
// so its state_dict keys and shapes are torchvision's exactly ("conv1.weight",
// "layer1.0.downsample.0.weight", "fc.bias") and weights move between the
// two both ways (a layer list of that one entry keeps these keys, without
// Sequential's "0." prefix). Weights start from each layer's PyTorch default
// initialisation and are then redrawn with torchvision's per-model schemes
// (initArch); pretrained weights replace them.

// ArchParams are the parameters of every named architecture.
type ArchParams struct {
	InChannels int `json:"in_channels" auto:"true" min:"1" help:"channels of the input images (3 in torchvision)"`
	NumClasses int `json:"num_classes" min:"1" nlabels:"true" help:"outputs of the classification head"`
}

// DropoutArchParams are the parameters of architectures whose head has
// dropout.
type DropoutArchParams struct {
	ArchParams
	Dropout float64 `json:"dropout" min:"0" max:"1" expect:"a probability" help:"dropout probability of the classifier"`
}

// archBuilder plans the leaf layers of a named architecture in order,
// following the shape and summing their sizes.
type archBuilder struct {
	typ   string
	shape []int
	depth int
	sum   *NetPlan
	err   error
}

func newArch(typ string, c *layerCtx) *archBuilder {
	return &archBuilder{typ: typ, shape: c.in, depth: c.depth + 1, sum: &NetPlan{}}
}

// leaf plans one layer spec for the current shape.
func (b *archBuilder) leaf(s LayerSpec) Module {
	if b.err != nil {
		return &Identity{}
	}
	m, out, lp, err := planLayer(s, b.shape, b.depth)
	if err != nil {
		b.err = err
		return &Identity{}
	}
	b.sum.Params = budget.Add(b.sum.Params, lp.Params)
	b.sum.Buffers = budget.Add(b.sum.Buffers, lp.Buffers)
	b.sum.Activations = budget.Add(b.sum.Activations, lp.Activations)
	b.shape = out
	return m
}

// join records a block (a Residual or a Concat) built from leaves planned
// from shape in: its output is the new shape and one more activation.
func (b *archBuilder) join(m Module, in []int) Module {
	if b.err != nil {
		return m
	}
	out, err := m.OutShape(in)
	if err != nil {
		b.err = err
		return m
	}
	b.sum.Activations = budget.Add(b.sum.Activations, mul(out...))
	b.shape = out
	return m
}

// done finishes the architecture: c.nested carries the sizes.
func (b *archBuilder) done(m Module, c *layerCtx) (Module, error) {
	if b.err != nil {
		return nil, fmt.Errorf("%s for an input of shape %v: %w", b.typ, c.in, b.err)
	}
	c.nested = b.sum
	return m, nil
}

// seq names children "0", "1", ... as an nn.Sequential does.
func seq(ms ...Module) *Stack {
	ch := make([]Child, len(ms))
	for i, m := range ms {
		ch[i] = Child{Name: strconv.Itoa(i), Module: m}
	}
	return NewStack("Sequential", ch...)
}

func conv(out, k, stride, pad int, bias bool, groups int) LayerSpec {
	return spec("Conv2d", "out_channels", out, "kernel_size", k, "stride", stride, "padding", pad, "bias", bias, "groups", groups)
}

var (
	bn2d    = spec("BatchNorm2d")
	relu    = spec("ReLU")
	flatten = spec("Flatten")
)

func pool(typ string, k, stride, pad int, ceil bool) LayerSpec {
	return spec(typ, "kernel_size", k, "stride", stride, "padding", pad, "ceil_mode", ceil)
}

func adaptive(n int) LayerSpec { return spec("AdaptiveAvgPool2d", "output_size", n) }

func linear(out int) LayerSpec { return spec("Linear", "out_features", out) }

func dropout(p float64) LayerSpec { return spec("Dropout", "p", p) }

// firstConv is the first convolution's spec with in_channels set when
// given.
func firstConv(p ArchParams, s LayerSpec) LayerSpec {
	if p.InChannels > 0 {
		s["in_channels"] = mustJSON(p.InChannels)
	}
	return s
}

// registerArch adds a named architecture.
func registerArch[P any](name, doc string, defaults func() P, build func(P, *layerCtx) (Module, error)) {
	registerLayer(name, doc, defaults, build)
	archNames = append(archNames, name)
}

// archNames lists the named architectures in registration order.
var archNames []string

// Architectures returns the names of the named architectures.
func Architectures() []string { return append([]string(nil), archNames...) }

// IsArchitecture reports whether name is a named architecture (a layer
// type that is a whole network, such as "ResNet18").
func IsArchitecture(name string) bool {
	for _, n := range archNames {
		if n == name {
			return true
		}
	}
	return false
}

func defaultArch() ArchParams { return ArchParams{NumClasses: 1000} }

// archRoot marks a named architecture: a layer list of that one layer
// keeps torchvision's state_dict keys, without Sequential's "0." prefix.
type archRoot interface{ torchvisionRoot() }

// Arch is a named architecture's top-level module: a Stack whose keys are
// torchvision's ("conv1.weight", "fc.bias").
type Arch struct {
	*Stack
	init string // torchvision's initialisation scheme (see initArch)
}

func (Arch) torchvisionRoot() {}

func (a Arch) allocate(rng *rand.Rand) {
	a.Stack.allocate(rng)
	initArch(a.init, a.Parameters(), rng)
}

// initArch redraws the weights as torchvision's constructors do after
// building (the draws differ, the distributions are the same): "resnet"
// kaiming_normal_(mode="fan_out") convolutions; "vgg" and "mobilenet"
// the same with zero biases and N(0, 0.01) Linear weights; "densenet"
// kaiming_normal_ (fan_in) convolutions and zero Linear biases;
// "squeezenet" kaiming_uniform_ convolutions but the last, N(0, 0.01),
// with zero biases. BatchNorm2d starts at weight 1 and bias 0 in all, as by
// default; AlexNet and LeNet5 keep PyTorch's default initialisation.
func initArch(scheme string, ps []Param, rng *rand.Rand) {
	if scheme == "" {
		return
	}
	var convs []*tensor.Tensor
	for _, p := range ps {
		if !p.Trainable {
			continue
		}
		t := p.Var.Data
		switch {
		case len(t.Shape) == 4:
			convs = append(convs, t)
			fanIn := t.Shape[1] * t.Shape[2] * t.Shape[3]
			fanOut := t.Shape[0] * t.Shape[2] * t.Shape[3]
			switch scheme {
			case "resnet", "vgg", "mobilenet":
				Normal(t, 0, math.Sqrt(2/float64(fanOut)), rng)
			case "densenet":
				Normal(t, 0, math.Sqrt(2/float64(fanIn)), rng)
			case "squeezenet":
				b := math.Sqrt(6 / float64(fanIn))
				Uniform(t, -b, b, rng)
			}
		case len(t.Shape) == 2 && (scheme == "vgg" || scheme == "mobilenet"):
			Normal(t, 0, 0.01, rng)
		case strings.HasSuffix(p.Name, "bias") && scheme != "resnet":
			clear(t.Data)
		}
	}
	if scheme == "squeezenet" && len(convs) > 0 {
		Normal(convs[len(convs)-1], 0, 0.01, rng)
	}
}
