package nn

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/mlforge/mlforge/tensor"
)

// Module is a layer or a container of layers.
type Module interface {
	// Forward applies the module to x, recording on g.
	Forward(g *Graph, x *Var) *Var
	// Parameters lists the parameters and buffers under their PyTorch
	// state_dict names, relative to the module ("weight", "0.bias").
	Parameters() []Param
	// Train switches training mode on (true) or evaluation mode on (false);
	// it matters to Dropout and BatchNorm. Modules start in training mode,
	// like PyTorch's.
	Train(on bool)
	// OutShape returns the output shape for an input of shape in (batch
	// dimension included), or an error naming the expected and actual shape.
	OutShape(in []int) ([]int, error)
}

// Param is a named parameter or buffer of a module.
type Param struct {
	// Name is the PyTorch state_dict key, e.g. "weight" or "0.running_mean".
	Name string
	// Var holds the value (and gradient, for parameters).
	Var *Var
	// Trainable is true for parameters the optimizer updates and false for
	// buffers such as running statistics.
	Trainable bool
}

// TrainableVars returns the Vars of m's trainable parameters in order, as
// an optimizer takes them.
func TrainableVars(m Module) []*Var {
	var out []*Var
	for _, p := range m.Parameters() {
		if p.Trainable {
			out = append(out, p.Var)
		}
	}
	return out
}

// ZeroGrad clears the gradients of all of m's parameters.
func ZeroGrad(m Module) {
	for _, p := range m.Parameters() {
		p.Var.ZeroGrad()
	}
}

// StateDict returns copies of m's parameters and buffers keyed by their
// PyTorch state_dict names.
func StateDict(m Module) map[string]*tensor.Tensor {
	out := map[string]*tensor.Tensor{}
	for _, p := range m.Parameters() {
		out[p.Name] = p.Var.Data.Clone()
	}
	return out
}

// LoadStateDict copies the tensors of sd into m's parameters and buffers.
// Every key of m must be present with the same shape, and sd may hold no
// other key (PyTorch's strict mode).
func LoadStateDict(m Module, sd map[string]*tensor.Tensor) error {
	params := m.Parameters()
	known := make(map[string]bool, len(params))
	for _, p := range params {
		known[p.Name] = true
		t, ok := sd[p.Name]
		if !ok {
			return fmt.Errorf("nn: state dict is missing %q (shape %v)", p.Name, p.Var.Data.Shape)
		}
		if !sameShape(t.Shape, p.Var.Data.Shape) || len(t.Data) != len(p.Var.Data.Data) {
			return fmt.Errorf("nn: state dict entry %q has shape %v, expected %v", p.Name, t.Shape, p.Var.Data.Shape)
		}
	}
	var extra []string
	for k := range sd {
		if !known[k] {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Errorf("nn: state dict has unexpected keys %q", extra)
	}
	for _, p := range params {
		copy(p.Var.Data.Data, sd[p.Name].Data)
	}
	return nil
}

// Sequential applies its layers in order. Its parameters are named by the
// layer index, as in PyTorch: "0.weight", "0.bias", "2.weight", ...
type Sequential struct {
	Layers []Module
}

// NewSequential returns a Sequential of the given layers.
func NewSequential(layers ...Module) *Sequential {
	return &Sequential{Layers: layers}
}

// Forward applies the layers in order. Runs of layers that have a fused
// implementation (Linear, ReLU; Conv2d, ReLU, MaxPool2d with a 2x2 window;
// Conv1d, ReLU, MaxPool1d with a window of 2) run as one operation with the same result, since the intermediate values
// are not visible outside the Sequential.
func (s *Sequential) Forward(g *Graph, x *Var) *Var {
	for i := 0; i < len(s.Layers); i++ {
		if y, n := g.fuse(s.Layers[i:], x); n > 0 {
			x = y
			i += n - 1
			continue
		}
		x = s.Layers[i].Forward(g, x)
	}
	return x
}

// Parameters returns the layers' parameters prefixed by the layer index
// (but a list of one named architecture, such as ResNet18, whose keys are
// torchvision's).
func (s *Sequential) Parameters() []Param {
	if len(s.Layers) == 1 {
		if _, ok := s.Layers[0].(archRoot); ok { // a named architecture keeps torchvision's keys
			return s.Layers[0].Parameters()
		}
	}
	var out []Param
	for i, l := range s.Layers {
		prefix := strconv.Itoa(i) + "."
		for _, p := range l.Parameters() {
			p.Name = prefix + p.Name
			out = append(out, p)
		}
	}
	return out
}

// Train sets the mode of every layer.
func (s *Sequential) Train(on bool) {
	for _, l := range s.Layers {
		l.Train(on)
	}
}

// OutShape chains the layers' shape inference; an error names the layer.
func (s *Sequential) OutShape(in []int) ([]int, error) {
	for i, l := range s.Layers {
		out, err := l.OutShape(in)
		if err != nil {
			return nil, fmt.Errorf("layer %d (%s): %w", i, LayerName(l), err)
		}
		in = out
	}
	return in, nil
}

// LayerName returns the PyTorch class name of a module, e.g. "Conv2d".
func LayerName(m Module) string {
	if n, ok := m.(interface{ Name() string }); ok {
		return n.Name()
	}
	return fmt.Sprintf("%T", m)
}

// Name returns "Sequential".
func (s *Sequential) Name() string { return "Sequential" }

// mode is embedded by modules whose behaviour depends on train/eval. Its zero
// value is training mode, PyTorch's default.
type mode struct{ eval bool }

// Train switches training mode on or off.
func (m *mode) Train(on bool) { m.eval = !on }

// Training reports whether the module is in training mode.
func (m *mode) Training() bool { return !m.eval }

// noParams is embedded by stateless modules.
type noParams struct{}

// Parameters returns nil: the module has none.
func (noParams) Parameters() []Param { return nil }

// Train has no effect on a stateless module.
func (noParams) Train(bool) {}

// shapeErr formats a shape error with expected and actual shapes.
func shapeErr(layer string, expected string, got []int) error {
	return fmt.Errorf("%s expects input of shape %s, got %v", layer, expected, got)
}

// SequentialParams are a nested Sequential's keyword arguments: its layers.
type SequentialParams struct {
	Layers []LayerSpec `json:"layers" type:"list" help:"the layers, each {\"type\": ...}"`
}

func init() {
	registerLayer("Sequential", "a nested list of layers applied in order", func() SequentialParams { return SequentialParams{Layers: []LayerSpec{}} },
		func(p SequentialParams, c *layerCtx) (Module, error) {
			pl, err := planLayers(p.Layers, c.in, c.depth+1)
			if err != nil {
				return nil, err
			}
			c.nested = pl
			return pl.seq, nil
		})
}
