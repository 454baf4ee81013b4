package nn

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestResampleMatchesPyTorch compares Unfold, Fold, Upsample (every mode)
// and the Upsampling layers of testdata/resample.json (gen_resample.py)
// with PyTorch 1.13, and Bilinear on two inputs: output to 1e-5, gradients
// to 1e-4.
func TestResampleMatchesPyTorch(t *testing.T) {
	var fx struct {
		Layers   []layerFixture `json:"layers"`
		Bilinear []struct {
			Name       string               `json:"name"`
			Args       map[string]any       `json:"args"`
			X1         fixTensor            `json:"x1"`
			X2         fixTensor            `json:"x2"`
			State      map[string]fixTensor `json:"state"`
			Output     fixTensor            `json:"output"`
			Upstream   fixTensor            `json:"upstream"`
			X1Grad     fixTensor            `json:"x1_grad"`
			X2Grad     fixTensor            `json:"x2_grad"`
			ParamGrads map[string]fixTensor `json:"param_grads"`
		} `json:"bilinear"`
	}
	loadJSON(t, "resample.json", &fx)
	if len(fx.Layers) < 25 || len(fx.Bilinear) < 2 {
		t.Fatalf("only %d resampling and %d Bilinear cases, want 25 and 2", len(fx.Layers), len(fx.Bilinear))
	}
	for _, c := range fx.Layers {
		t.Run(c.Name, func(t *testing.T) { checkLayerCase(t, c) })
	}
	for _, c := range fx.Bilinear {
		t.Run(c.Name, func(t *testing.T) {
			m, _, err := NewLayer(specFromArgs("Bilinear", c.Args), c.X1.Shape, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				t.Fatal(err)
			}
			sd := map[string]*fixTensor{}
			for k, v := range c.State {
				sd[k] = &v
			}
			st := StateDict(m)
			for k := range st {
				st[k] = sd[k].tensor()
			}
			if err := LoadStateDict(m, st); err != nil {
				t.Fatal(err)
			}
			b := m.(*Bilinear)
			g := NewGraph()
			x1, x2 := g.Input(c.X1.tensor()), g.Input(c.X2.tensor())
			out := b.Forward2(g, x1, x2)
			if err := g.Backward(g.Sum(g.Mul(out, g.Const(c.Upstream.tensor())))); err != nil {
				t.Fatal(err)
			}
			closeTo(t, "output", out.Data.Data, out.Data.Shape, c.Output, fwdRtol, fwdAtol)
			closeTo(t, "x1 grad", x1.Grad.Data, x1.Grad.Shape, c.X1Grad, gradRtol, gradAtol)
			closeTo(t, "x2 grad", x2.Grad.Data, x2.Grad.Shape, c.X2Grad, gradRtol, gradAtol)
			for _, p := range m.Parameters() {
				closeTo(t, p.Name+" grad", p.Var.Grad.Data, p.Var.Grad.Shape, c.ParamGrads[p.Name], gradRtol, gradAtol)
			}
		})
	}
}

// TestResampleGradient checks Upsample, Fold and Bilinear against finite
// differences.
func TestResampleGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, tc := range []struct {
		spec string
		in   []int
	}{
		{`{"type":"Upsample","scale_factor":1.5,"mode":"bicubic"}`, []int{1, 2, 3, 4}},
		{`{"type":"Upsample","size":[3,4,5],"mode":"trilinear","align_corners":true}`, []int{1, 1, 2, 3, 3}},
		{`{"type":"Fold","output_size":[4,4],"kernel_size":2,"stride":1}`, []int{1, 8, 9}},
	} {
		var spec LayerSpec
		if err := json.Unmarshal([]byte(tc.spec), &spec); err != nil {
			t.Fatal(err)
		}
		m, _, err := NewLayer(spec, tc.in, rng)
		if err != nil {
			t.Fatal(err)
		}
		x := randParam(rng, 1, tc.in...)
		fdCheck(t, tc.spec, []*Var{x}, func(g *Graph) *Var { return m.Forward(g, x) })
	}
	b := NewBilinear(3, 2, 2, true, rng)
	x1, x2 := randParam(rng, 1, 4, 3), randParam(rng, 1, 4, 2)
	fdCheck(t, "Bilinear", []*Var{x1, x2, b.Weight}, func(g *Graph) *Var { return b.Forward2(g, x1, x2) })
}

// TestResampleSpecErrors checks the refusals, worded after PyTorch's, and
// Bilinear in a plain layer list.
func TestResampleSpecErrors(t *testing.T) {
	for _, tc := range []struct {
		specs string
		in    []int
		want  string
	}{
		{`[{"type":"Bilinear","in1_features":4,"in2_features":4,"out_features":2}]`, []int{2, 4}, `layers[0]: Bilinear: takes two inputs (x1, x2), but a layer list passes one tensor`},
		{`[{"type":"Upsample"}]`, []int{1, 2, 4, 4}, `either size or scale_factor should be defined`},
		{`[{"type":"Upsample","size":4,"scale_factor":2}]`, []int{1, 2, 4, 4}, `only one of size or scale_factor should be defined`},
		{`[{"type":"Upsample","scale_factor":2,"mode":"bilinear"}]`, []int{1, 2, 4}, `got a 3-d input of shape [1 2 4], but mode "bilinear" needs a 4-d input`},
		{`[{"type":"Upsample","scale_factor":2,"mode":"nearest","align_corners":true}]`, []int{1, 2, 4}, `align_corners can only be set with the interpolating modes`},
		{`[{"type":"Upsample","scale_factor":2,"mode":"cubic"}]`, []int{1, 2, 4}, `mode is "cubic", expected one of`},
		{`[{"type":"Upsample","size":[2,3,4]}]`, []int{1, 2, 4, 4}, `size [2 3 4] for an input of 2 spatial dimensions`},
		{`[{"type":"Upsample","scale_factor":0.1}]`, []int{1, 2, 4, 4}, `output size 0 along dimension 2`},
		{`[{"type":"UpsamplingNearest2d","scale_factor":2}]`, []int{1, 2, 4}, `needs a 4-d input`},
		{`[{"type":"Fold","output_size":4,"kernel_size":2}]`, []int{1, 6, 9}, `dimension 1 of input shape [1 6 9] must be divisible by the product of kernel_size`},
		{`[{"type":"Fold","output_size":4,"kernel_size":2}]`, []int{1, 8, 8}, `give 3x3 sliding blocks, but dimension 2 of input shape [1 8 8] is 8`},
		{`[{"type":"Unfold","kernel_size":5}]`, []int{1, 2, 4, 4}, `Unfold: input of shape [1 2 4 4] is too small for kernel_size [5 5]`},
	} {
		var specs []LayerSpec
		if err := json.Unmarshal([]byte(tc.specs), &specs); err != nil {
			t.Fatal(err)
		}
		_, err := Plan(specs, tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.specs, err, tc.want)
		}
	}
}

// TestNewLayersInANetwork trains one step of a network made of the new
// layers and checks the state_dict names PyTorch would give it.
func TestNewLayersInANetwork(t *testing.T) {
	var specs []LayerSpec
	if err := json.Unmarshal([]byte(`[
		{"type":"LazyConv1d","out_channels":4,"kernel_size":3,"padding":"same","padding_mode":"circular"},
		{"type":"MaxPool1d","kernel_size":2,"return_indices":true},
		{"type":"ReLU"},
		{"type":"MaxUnpool1d","kernel_size":2},
		{"type":"Upsample","scale_factor":2,"mode":"linear"},
		{"type":"Unflatten","dim":1,"unflattened_size":[1,4]},
		{"type":"Conv2d","in_channels":"auto","out_channels":2,"kernel_size":2,"padding_mode":"reflect","padding":1},
		{"type":"AdaptiveMaxPool2d","output_size":[2,null]},
		{"type":"Unfold","kernel_size":[1,2]},
		{"type":"Flatten"},
		{"type":"LazyLinear","out_features":3}]`), &specs); err != nil {
		t.Fatal(err)
	}
	pl, err := Plan(specs, []int{2, 3, 8})
	if err != nil {
		t.Fatal(err)
	}
	seq := pl.Build(rand.New(rand.NewPCG(1, 1)))
	var names []string
	for _, p := range seq.Parameters() {
		names = append(names, p.Name)
	}
	if strings.Join(names, " ") != "0.weight 0.bias 6.weight 6.bias 10.weight 10.bias" {
		t.Errorf("state_dict names %v", names)
	}
	g := NewGraph()
	x := g.Const(randParam(rand.New(rand.NewPCG(2, 2)), 1, 2, 3, 8).Data)
	out := seq.Forward(g, x)
	if g.Err() != nil || !sameShape(out.Data.Shape, pl.OutShape) {
		t.Fatalf("forward: %v %v, planned %v", out.Data.Shape, g.Err(), pl.OutShape)
	}
	if err := g.Backward(g.Sum(out)); err != nil {
		t.Fatal(err)
	}
	for _, p := range seq.Parameters() {
		if p.Var.Grad == nil {
			t.Errorf("%s has no gradient", p.Name)
		}
	}
}
