package nn

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestPoolingMatchesPyTorch compares the pooling layers of
// testdata/pool.json (written by gen_pool.py) with PyTorch 1.13: output to
// 1e-5, the input's gradient to 1e-4; and the MaxUnpool layer lists, fed by
// the indices of the max pooling before them.
func TestPoolingMatchesPyTorch(t *testing.T) {
	var fx struct {
		Layers    []layerFixture `json:"layers"`
		Sequences []struct {
			Name      string      `json:"name"`
			Layers    []LayerSpec `json:"layers"`
			Input     fixTensor   `json:"input"`
			Output    fixTensor   `json:"output"`
			Upstream  fixTensor   `json:"upstream"`
			InputGrad fixTensor   `json:"input_grad"`
		} `json:"sequences"`
	}
	loadJSON(t, "pool.json", &fx)
	if len(fx.Layers) < 26 || len(fx.Sequences) < 4 {
		t.Fatalf("only %d pooling cases and %d sequences, want 26 and 4", len(fx.Layers), len(fx.Sequences))
	}
	for _, c := range fx.Layers {
		t.Run(c.Name, func(t *testing.T) { checkLayerCase(t, c) })
	}
	for _, c := range fx.Sequences {
		t.Run(c.Name, func(t *testing.T) {
			seq, _, err := Build(c.Layers, c.Input.Shape, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				t.Fatal(err)
			}
			g := NewGraph()
			x := g.Input(c.Input.tensor())
			out := seq.Forward(g, x)
			if err := g.Backward(g.Sum(g.Mul(out, g.Const(c.Upstream.tensor())))); err != nil {
				t.Fatal(err)
			}
			closeTo(t, "output", out.Data.Data, out.Data.Shape, c.Output, fwdRtol, fwdAtol)
			closeTo(t, "input grad", x.Grad.Data, x.Grad.Shape, c.InputGrad, gradRtol, gradAtol)
		})
	}
}

// TestPoolNdGradient checks the generic pooling kernels against finite
// differences (inputs away from ties).
func TestPoolNdGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, tc := range []struct {
		spec string
		in   []int
	}{
		{`{"type":"AvgPool3d","kernel_size":3,"stride":2,"padding":1,"ceil_mode":true,"count_include_pad":false}`, []int{1, 2, 4, 5, 5}},
		{`{"type":"LPPool2d","norm_type":2,"kernel_size":2,"ceil_mode":true}`, []int{1, 2, 5, 5}},
		{`{"type":"AdaptiveAvgPool1d","output_size":3}`, []int{2, 2, 7}},
		{`{"type":"MaxPool3d","kernel_size":2,"padding":1}`, []int{1, 1, 3, 4, 3}},
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
}

// TestPoolingSpecErrors checks that bad parameters and a MaxUnpool without
// indices are refused, naming the field or the layer.
func TestPoolingSpecErrors(t *testing.T) {
	for _, tc := range []struct {
		specs string
		in    []int
		want  string
	}{
		{`[{"type":"MaxUnpool2d","kernel_size":2}]`, []int{1, 2, 4, 4}, `layers[0]: MaxUnpool2d: no MaxPool2d with "return_indices": true before it in the same layer list`},
		{`[{"type":"MaxPool2d","kernel_size":2},{"type":"MaxUnpool2d","kernel_size":2}]`, []int{1, 2, 4, 4}, `layers[1]: MaxUnpool2d: no MaxPool2d with "return_indices": true`},
		{`[{"type":"MaxPool1d","kernel_size":2,"return_indices":true},{"type":"Unflatten","dim":2,"unflattened_size":[1,2]},{"type":"MaxUnpool2d","kernel_size":2}]`, []int{1, 2, 4}, `layers[2]: MaxUnpool2d: no MaxPool2d`},
		{`[{"type":"AdaptiveMaxPool2d","output_size":[2,0]}]`, []int{1, 2, 4, 4}, `output_size is [2,0], expected positive sizes or nulls`},
		{`[{"type":"MaxPool1d","kernel_size":3,"padding":2}]`, []int{1, 2, 8}, `padding [2] should be at most half of the effective kernel size [3]`},
		{`[{"type":"MaxPool3d","kernel_size":[2,2]}]`, []int{1, 2, 4, 4, 4}, `kernel_size is [2 2], expected an integer or a list of 3 integers`},
		{`[{"type":"AvgPool3d","kernel_size":2,"divisor_override":0}]`, []int{1, 2, 4, 4, 4}, `divisor_override is 0, expected a value of at least 1`},
		{`[{"type":"AvgPool1d","kernel_size":2,"divisor_override":2}]`, []int{1, 2, 4}, `unknown parameter "divisor_override"`},
		{`[{"type":"LPPool2d","norm_type":0,"kernel_size":2}]`, []int{1, 2, 4, 4}, `norm_type is 0, expected`},
		{`[{"type":"LPPool1d","kernel_size":2}]`, []int{1, 2, 4}, `norm_type is required`},
		{`[{"type":"AdaptiveMaxPool3d","output_size":[2,2]}]`, []int{1, 2, 4, 4, 4}, `output_size [2 2], expected an integer or a list of 3 sizes`},
		{`[{"type":"AdaptiveAvgPool1d","output_size":0}]`, []int{1, 2, 4}, `output_size is 0, expected`},
		{`[{"type":"MaxPool3d","kernel_size":5}]`, []int{1, 2, 4, 4, 4}, `is smaller than kernel_size [5 5 5]`},
		{`[{"type":"AvgPool1d","kernel_size":2}]`, []int{1, 2, 4, 4}, `AvgPool1d expects input of shape (N, C, L)`},
		{`[{"type":"FractionalMaxPool2d","kernel_size":2}]`, []int{1, 2, 8, 8}, `output_size or output_ratio is required`},
		{`[{"type":"FractionalMaxPool2d","kernel_size":2,"output_size":3,"output_ratio":0.5}]`, []int{1, 2, 8, 8}, `output_size and output_ratio are both given`},
		{`[{"type":"FractionalMaxPool3d","kernel_size":2,"output_ratio":1.5}]`, []int{1, 2, 8, 8, 8}, `output_ratio is 1.5, expected a value in (0, 1)`},
		{`[{"type":"FractionalMaxPool2d","kernel_size":4,"output_size":6}]`, []int{1, 2, 8, 8}, `kernel_size [4 4] with output size 6 is too large for dimension 2`},
		{`[{"type":"FractionalMaxPool2d","kernel_size":2,"output_size":2},{"type":"MaxUnpool2d","kernel_size":2}]`, []int{1, 2, 8, 8}, `MaxUnpool2d: no MaxPool2d`},
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

// TestMaxUnpoolRuntimeErrors checks the errors a MaxUnpool meets when it
// runs: indices of another shape, and no source at all (built alone).
func TestMaxUnpoolRuntimeErrors(t *testing.T) {
	var specs []LayerSpec
	_ = json.Unmarshal([]byte(`[{"type":"MaxPool2d","kernel_size":2,"return_indices":true},
		{"type":"Conv2d","out_channels":2,"kernel_size":2},{"type":"MaxUnpool2d","kernel_size":2}]`), &specs)
	seq, _, err := Build(specs, []int{1, 2, 6, 6}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	g := NewGraph()
	seq.Forward(g, g.Const(randParam(rand.New(rand.NewPCG(2, 2)), 1, 1, 2, 6, 6).Data))
	if err := g.Err(); err == nil || !strings.Contains(err.Error(), "MaxUnpool2d: input of shape [1 2 2 2], expected the shape [1 2 3 3] of the indices of MaxPool2d") {
		t.Errorf("shape mismatch: %v", err)
	}
	m, _, err := NewLayer(LayerSpec{"type": json.RawMessage(`"MaxUnpool1d"`), "kernel_size": json.RawMessage(`2`)}, []int{1, 2, 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g = NewGraph()
	m.Forward(g, g.Const(randParam(rand.New(rand.NewPCG(2, 2)), 1, 1, 2, 4).Data))
	if err := g.Err(); err == nil || !strings.Contains(err.Error(), "MaxUnpool1d: no MaxPool1d with return_indices before it") {
		t.Errorf("no source: %v", err)
	}
}

// TestFractionalMaxPoolMatchesPyTorch runs the fractional cases of
// testdata/pool.json with PyTorch's own random samples (_random_samples),
// so that the windows are the same: output to 1e-5, gradient to 1e-4.
func TestFractionalMaxPoolMatchesPyTorch(t *testing.T) {
	var fx struct {
		Fractional []struct {
			layerFixture
			Samples fixTensor `json:"samples"`
		} `json:"fractional"`
	}
	loadJSON(t, "pool.json", &fx)
	if len(fx.Fractional) < 5 {
		t.Fatalf("only %d fractional cases, want 5", len(fx.Fractional))
	}
	for _, c := range fx.Fractional {
		t.Run(c.Name, func(t *testing.T) {
			m, _, err := NewLayer(specFromArgs(c.Type, c.Args), c.Input.Shape, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			m.(*FractionalMaxPool).samples = c.Samples.Data
			g := NewGraph()
			x := g.Input(c.Input.tensor())
			out := m.Forward(g, x)
			if err := g.Backward(g.Sum(g.Mul(out, g.Const(c.Upstream.tensor())))); err != nil {
				t.Fatal(err)
			}
			closeTo(t, "output", out.Data.Data, out.Data.Shape, c.Output, fwdRtol, fwdAtol)
			closeTo(t, "input grad", x.Grad.Data, x.Grad.Shape, *c.InputGrad, gradRtol, gradAtol)
		})
	}
	// Drawn samples: the same seed gives the same windows, and every
	// output is a maximum of the input it pools.
	spec := specFromArgs("FractionalMaxPool2d", map[string]any{"kernel_size": 2, "output_ratio": 0.5})
	a, _, _ := NewLayer(spec, []int{2, 2, 8, 8}, rand.New(rand.NewPCG(4, 4)))
	b, _, _ := NewLayer(spec, []int{2, 2, 8, 8}, rand.New(rand.NewPCG(4, 4)))
	x := randParam(rand.New(rand.NewPCG(5, 5)), 1, 2, 2, 8, 8)
	ya, yb := a.Forward(NewGraph(), x), b.Forward(NewGraph(), x)
	if !sameShape(ya.Data.Shape, []int{2, 2, 4, 4}) {
		t.Fatalf("shape %v", ya.Data.Shape)
	}
	for i := range ya.Data.Data {
		if ya.Data.Data[i] != yb.Data.Data[i] {
			t.Fatalf("same seed, different outputs at %d", i)
		}
	}
}

// BenchmarkMaxPool1d is a 1-d CNN's pooling step: batch 64, 32 channels,
// length 256, window 2.
func BenchmarkMaxPool1d(b *testing.B) {
	benchConv(b, `{"type":"MaxPool1d","kernel_size":2}`, 64, 32, 256)
}

// BenchmarkAvgPool3d is a 3-d pooling step: batch 8, 8 channels, 16³
// voxels, window 2.
func BenchmarkAvgPool3d(b *testing.B) {
	benchConv(b, `{"type":"AvgPool3d","kernel_size":2}`, 8, 8, 16, 16, 16)
}

// BenchmarkUpsampleBilinear doubles (16, 8, 32, 32) images bilinearly.
func BenchmarkUpsampleBilinear(b *testing.B) {
	benchConv(b, `{"type":"Upsample","scale_factor":2,"mode":"bilinear"}`, 16, 8, 32, 32)
}
