package nn

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestSimpleLayersMatchPyTorch compares the forward pass and the input's
// gradient of Identity, the padding layers, PixelShuffle, ChannelShuffle
// and the pointwise activations with PyTorch 1.13's on the cases of
// testdata/layers_more.json (written by gen_layers_more.py), to the
// tolerances of every layer: 1e-5 relative forward, 1e-4 relative for
// gradients. The activations' "edges" cases hold their kinks exactly.
func TestSimpleLayersMatchPyTorch(t *testing.T) {
	var fx struct {
		Layers []layerFixture `json:"layers"`
	}
	loadJSON(t, "layers_more.json", &fx)
	if len(fx.Layers) < 50 {
		t.Fatalf("only %d cases", len(fx.Layers))
	}
	seen := map[string]bool{}
	for _, c := range fx.Layers {
		seen[c.Type] = true
		t.Run(c.Name, func(t *testing.T) { checkLayerCase(t, c) })
	}
	for _, typ := range []string{"Identity", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad2d", "ReflectionPad1d",
		"ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "PixelShuffle", "ChannelShuffle", "Hardswish", "Hardsigmoid",
		"Mish", "SiLU", "Softplus", "Hardtanh", "ReLU6", "LogSigmoid", "Tanhshrink", "Softshrink", "Hardshrink", "Threshold"} {
		if !seen[typ] {
			t.Errorf("no PyTorch case for %s", typ)
		}
	}
}

// TestSmoothActivationsGradient checks the smooth activations' gradients
// against finite differences.
func TestSmoothActivationsGradient(t *testing.T) {
	for _, op := range []*pointwiseOp{mishOp, siluOp, softplusOp, logSigmoidOp, tanhshrinkOp} {
		x := randParam(rand.New(rand.NewPCG(3, 1)), 2, 3, 5)
		fdCheck(t, op.name, []*Var{x}, func(g *Graph) *Var { return g.pointwise(x, op, [4]float32{1, 20}) })
	}
	rng := rand.New(rand.NewPCG(5, 1))
	for _, c := range []struct {
		p  *Pad
		in []int
	}{
		{&Pad{name: "ReflectionPad2d", Mode: "reflect", Padding: []int{2, 1, 0, 3}}, []int{1, 2, 4, 5}},
		{&Pad{name: "ReplicationPad1d", Mode: "replicate", Padding: []int{3, 4}}, []int{2, 3, 4}},
		{&Pad{name: "ConstantPad3d", Mode: "constant", Padding: []int{1, -1, 2, 0, 1, 1}, Value: 2}, []int{1, 2, 3, 4, 5}},
	} {
		x := randParam(rng, 1, c.in...)
		fdCheck(t, c.p.name, []*Var{x}, func(g *Graph) *Var { return c.p.Forward(g, x) })
	}
	x := randParam(rng, 1, 2, 8, 2, 3)
	fdCheck(t, "PixelShuffle", []*Var{x}, func(g *Graph) *Var { return (&PixelShuffle{UpscaleFactor: 2}).Forward(g, x) })
	fdCheck(t, "ChannelShuffle", []*Var{x}, func(g *Graph) *Var { return (&ChannelShuffle{Groups: 4}).Forward(g, x) })
}

// TestSimpleLayerErrors checks the specs PyTorch refuses.
func TestSimpleLayerErrors(t *testing.T) {
	for _, c := range []struct {
		spec string
		in   []int
		want string
	}{
		{`{"type": "ReflectionPad1d", "padding": 3}`, []int{1, 2, 3}, "must be smaller than its size 3"},
		{`{"type": "ReflectionPad2d", "padding": [1, 2]}`, []int{1, 2, 3, 4}, "expected an integer or a list of 4 integers"},
		{`{"type": "ReplicationPad1d", "padding": -1}`, []int{1, 2, 3}, "padding is -1, expected a value of at least 0"},
		{`{"type": "ConstantPad1d", "padding": 1}`, []int{1, 2, 3}, "value is required"},
		{`{"type": "ConstantPad1d", "padding": [-2, -2], "value": 0}`, []int{1, 2, 3}, "leaves dimension 2 of input shape [1 2 3] with size -1"},
		{`{"type": "ZeroPad2d", "padding": 1}`, []int{1, 2}, "expected an input of 3 or 4 dimensions"},
		{`{"type": "PixelShuffle", "upscale_factor": 2}`, []int{1, 6, 2, 2}, "not divisible by upscale_factor² = 4"},
		{`{"type": "PixelShuffle"}`, []int{1, 4, 2, 2}, "upscale_factor is required"},
		{`{"type": "ChannelShuffle", "groups": 4}`, []int{1, 6, 2}, "not divisible by groups 4"},
		{`{"type": "Hardtanh", "min_val": 1, "max_val": 1}`, []int{1, 2}, "max_val 1 must be greater than min_val 1"},
		{`{"type": "Softshrink", "lambd": -1}`, []int{1, 2}, "lambd is -1, expected a value of at least 0"},
		{`{"type": "Threshold", "threshold": 0.1}`, []int{1, 2}, "value is required"},
		{`{"type": "Softplus", "beta": 0}`, []int{1, 2}, "beta is 0, expected a value greater than 0"},
		{`{"type": "Mish", "inplace": 1}`, []int{1, 2}, "inplace: expected true or false, got 1"},
		{`{"type": "LogSigmoid", "inplace": true}`, []int{1, 2}, `unknown parameter "inplace"`},
	} {
		var ls LayerSpec
		if err := json.Unmarshal([]byte(c.spec), &ls); err != nil {
			t.Fatal(err)
		}
		_, _, err := NewLayer(ls, c.in, rand.New(rand.NewPCG(1, 2)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s on %v: %v, expected an error containing %q", c.spec, c.in, err, c.want)
		}
	}
}
