package nn

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// TestConvMatchesPyTorch compares the convolutions of testdata/conv.json
// (written by gen_conv.py: padding modes, "same"/"valid", groups, dilation,
// Conv1d/3d, ConvTranspose1d/3d, the Lazy forms) with PyTorch 1.13: the
// output to 1e-5, the input's and parameters' gradients to 1e-4.
func TestConvMatchesPyTorch(t *testing.T) {
	var fx struct {
		Layers []layerFixture `json:"layers"`
	}
	loadJSON(t, "conv.json", &fx)
	if len(fx.Layers) < 47 {
		t.Fatalf("only %d convolution cases, want 47", len(fx.Layers))
	}
	for _, c := range fx.Layers {
		t.Run(c.Name, func(t *testing.T) { checkLayerCase(t, c) })
	}
}

// TestConvNdGradient checks the 3-d kernels and the explicit padding
// against finite differences.
func TestConvNdGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	for _, tc := range []struct {
		name string
		spec string
		in   []int
	}{
		{"conv3d", `{"type":"Conv3d","in_channels":2,"out_channels":2,"kernel_size":2,"stride":[1,2,1],"padding":1}`, []int{1, 2, 3, 4, 3}},
		{"convt3d", `{"type":"ConvTranspose3d","in_channels":2,"out_channels":2,"kernel_size":2,"stride":2,"groups":2}`, []int{1, 2, 2, 2, 3}},
		{"conv1d_circular", `{"type":"Conv1d","in_channels":2,"out_channels":2,"kernel_size":3,"padding":2,"padding_mode":"circular"}`, []int{2, 2, 5}},
		{"conv2d_reflect", `{"type":"Conv2d","in_channels":1,"out_channels":2,"kernel_size":3,"padding":[2,1],"padding_mode":"reflect"}`, []int{1, 1, 4, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var spec LayerSpec
			if err := json.Unmarshal([]byte(tc.spec), &spec); err != nil {
				t.Fatal(err)
			}
			m, _, err := NewLayer(spec, tc.in, rng)
			if err != nil {
				t.Fatal(err)
			}
			x := randParam(rng, 1, tc.in...)
			leaves := []*Var{x}
			for _, p := range m.Parameters() {
				leaves = append(leaves, p.Var)
			}
			fdCheck(t, tc.name, leaves, func(g *Graph) *Var { return m.Forward(g, x) })
		})
	}
}

// TestVol2colMatchesIm2col checks that a volume of depth 1 unfolds as its
// image does.
func TestVol2colMatchesIm2col(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	c, h, w := 2, 5, 6
	src := make([]float32, c*h*w)
	for i := range src {
		src[i] = rng.Float32()
	}
	geo := tensor.Geom3{Kernel: [3]int{1, 3, 2}, Pad: [3]int{0, 1, 2}, Stride: [3]int{1, 2, 1}, Dil: [3]int{1, 1, 2}}
	out := geo.Out([3]int{1, h, w})
	n := c * 3 * 2 * out[1] * out[2]
	a, b := make([]float32, n), make([]float32, n)
	tensor.Vol2col(src, c, [3]int{1, h, w}, geo, a)
	tensor.Im2col(src, c, h, w, 3, 2, 1, 2, 2, 1, 1, 2, b)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("column %d: %v, Im2col %v", i, a[i], b[i])
		}
	}
}

// TestConvSpecErrors checks that bad parameters are refused as PyTorch
// refuses them, naming the field.
func TestConvSpecErrors(t *testing.T) {
	for _, tc := range []struct {
		spec string
		in   []int
		want string
	}{
		{`{"type":"Conv2d","out_channels":4,"kernel_size":3,"padding_mode":"mirror"}`, []int{1, 2, 5, 5}, `padding_mode is "mirror", expected one of`},
		{`{"type":"Conv2d","out_channels":4,"kernel_size":3,"padding":"same","stride":2}`, []int{1, 2, 5, 5}, `padding "same" needs stride 1`},
		{`{"type":"Conv2d","out_channels":4,"kernel_size":3,"padding":"full"}`, []int{1, 2, 5, 5}, `padding is "full", expected`},
		{`{"type":"Conv2d","out_channels":4,"kernel_size":3,"groups":3}`, []int{1, 3, 5, 5}, `out_channels 4 must be divisible by groups 3`},
		{`{"type":"Conv1d","out_channels":4,"kernel_size":3,"groups":3}`, []int{1, 2, 5}, `in_channels 2 must be divisible by groups 3`},
		{`{"type":"Conv1d","out_channels":4,"kernel_size":[3,3]}`, []int{1, 2, 5}, `kernel_size is [3 3], expected an integer or a list of 1 integers`},
		{`{"type":"Conv3d","out_channels":4,"kernel_size":[3,3]}`, []int{1, 2, 5, 5, 5}, `kernel_size is [3 3], expected an integer or a list of 3 integers`},
		{`{"type":"Conv3d","out_channels":4,"kernel_size":0}`, []int{1, 2, 5, 5, 5}, `kernel_size is 0, expected`},
		{`{"type":"Conv1d","out_channels":4,"kernel_size":3,"padding":3,"padding_mode":"reflect"}`, []int{1, 2, 3}, `padding_mode "reflect" needs padding (3, 3) smaller than dimension 2`},
		{`{"type":"ConvTranspose1d","out_channels":4,"kernel_size":3,"padding_mode":"reflect"}`, []int{1, 2, 5}, `only "zeros" padding mode is supported for ConvTranspose1d`},
		{`{"type":"ConvTranspose2d","out_channels":4,"kernel_size":3,"padding_mode":"circular"}`, []int{1, 2, 5, 5}, `only "zeros" padding mode is supported for ConvTranspose2d`},
		{`{"type":"ConvTranspose3d","out_channels":4,"kernel_size":3,"padding":"same"}`, []int{1, 2, 5, 5, 5}, `padding "same" is not supported for ConvTranspose3d`},
		{`{"type":"ConvTranspose1d","out_channels":4,"kernel_size":3,"stride":2,"output_padding":2}`, []int{1, 2, 5}, `output_padding [2] must be smaller than either stride [2] or dilation [1]`},
		{`{"type":"Conv3d","out_channels":4,"kernel_size":3}`, []int{1, 2, 5, 5}, `Conv3d expects input of shape (N, 2, D, H, W)`},
		{`{"type":"LazyConv2d","in_channels":2,"out_channels":4,"kernel_size":3}`, []int{1, 2, 5, 5}, `unknown parameter "in_channels"`},
		{`{"type":"LazyLinear","in_features":2,"out_features":4}`, []int{1, 2}, `unknown parameter "in_features"`},
		{`{"type":"Conv1d","out_channels":4,"kernel_size":9}`, []int{1, 2, 5}, `too small for kernel_size [9]`},
	} {
		var spec LayerSpec
		if err := json.Unmarshal([]byte(tc.spec), &spec); err != nil {
			t.Fatal(err)
		}
		_, err := Plan([]LayerSpec{spec}, tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.spec, err, tc.want)
		}
	}
}

// TestConvPlan checks shapes, parameter counts and workspaces in a plan,
// and that a padding mode keeps Conv2d out of the fused path.
func TestConvPlan(t *testing.T) {
	var specs []LayerSpec
	if err := json.Unmarshal([]byte(`[
		{"type":"Conv1d","out_channels":4,"kernel_size":3,"padding":"same","padding_mode":"reflect"},
		{"type":"Unflatten","dim":1,"unflattened_size":[1,2,2]},
		{"type":"Conv3d","out_channels":2,"kernel_size":[1,2,2]},
		{"type":"ConvTranspose3d","out_channels":1,"kernel_size":2,"stride":2}]`), &specs); err != nil {
		t.Fatal(err)
	}
	pl, err := Plan(specs, []int{2, 3, 16})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{2, 4, 16}, {2, 1, 2, 2, 16}, {2, 2, 2, 1, 15}, {2, 1, 4, 2, 30}}
	for i, l := range pl.Layers {
		if !sameShape(l.OutShape, want[i]) {
			t.Errorf("layer %d: %v, want %v", i, l.OutShape, want[i])
		}
	}
	if pl.Layers[0].Params != 4*3*3+4 || pl.Layers[2].Params != 2*1*4+2 || pl.Layers[3].Params != 2*1*8+1 {
		t.Errorf("params %d %d %d", pl.Layers[0].Params, pl.Layers[2].Params, pl.Layers[3].Params)
	}
	// Conv1d keeps its padded input (3x18) and columns (3*3x16) per sample.
	if got, wantAct := pl.Layers[0].Activations, int64(2*4*16+2*(3*18+9*16)); got != wantAct {
		t.Errorf("Conv1d activations %d, want %d", got, wantAct)
	}
	seq := pl.Build(rand.New(rand.NewPCG(1, 1)))
	g := NewGraph()
	x := g.Input(tensor.New(2, 3, 16))
	y := seq.Forward(g, x)
	if g.Err() != nil || !sameShape(y.Data.Shape, []int{2, 1, 4, 2, 30}) {
		t.Fatalf("forward: %v %v", y.Data.Shape, g.Err())
	}
	c, _, err := NewLayer(LayerSpec{"type": json.RawMessage(`"Conv2d"`), "out_channels": json.RawMessage(`2`), "kernel_size": json.RawMessage(`3`),
		"padding": json.RawMessage(`1`), "padding_mode": json.RawMessage(`"circular"`)}, []int{1, 1, 6, 6}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	s := NewSequential(c, &ReLU{}, &MaxPool2d{PoolOptions: PoolOptions{KernelSize: [2]int{2, 2}, Stride: [2]int{2, 2}, Dilation: [2]int{1, 1}}})
	if _, n := NewGraph().fuse(s.Layers, nil); n != 0 {
		t.Errorf("a circular Conv2d was fused")
	}
}

// benchConv times one forward and backward pass of a layer spec on an
// input of shape in.
func benchConv(b *testing.B, spec string, in ...int) {
	var ls LayerSpec
	if err := json.Unmarshal([]byte(spec), &ls); err != nil {
		b.Fatal(err)
	}
	m, _, err := NewLayer(ls, in, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		b.Fatal(err)
	}
	x := tensor.New(in...)
	Normal(x, 0, 1, rand.New(rand.NewPCG(2, 2)))
	g := NewGraph()
	b.ResetTimer()
	for range b.N {
		g.Reset()
		ZeroGrad(m)
		y := m.Forward(g, g.Input(x))
		if err := g.Backward(g.Sum(y)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConv1d is a 1-d CNN layer's training step: batch 64, 16 to 32
// channels, length 256, kernel 5.
func BenchmarkConv1d(b *testing.B) {
	benchConv(b, `{"type":"Conv1d","out_channels":32,"kernel_size":5,"padding":2}`, 64, 16, 256)
}

// BenchmarkConv3d is a 3-d convolution's training step: batch 8, 4 to 8
// channels, 16³ voxels, kernel 3.
func BenchmarkConv3d(b *testing.B) {
	benchConv(b, `{"type":"Conv3d","out_channels":8,"kernel_size":3,"padding":1}`, 8, 4, 16, 16, 16)
}

// TestConv2dSetPadding checks that a Conv2d given a padding mode from Go
// computes what the same layer built from a spec does.
func TestConv2dSetPadding(t *testing.T) {
	a, err := NewConv2d(2, 3, [2]int{3, 3}, ConvOptions{}, true, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetPadding("replicate", [2]int{1, 2}, [2]int{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := a.SetPadding("mirror", [2]int{1, 1}, [2]int{1, 1}); err == nil || !strings.Contains(err.Error(), `padding_mode is "mirror"`) {
		t.Errorf("mirror: %v", err)
	}
	_ = a.SetPadding("replicate", [2]int{1, 2}, [2]int{1, 2})
	b, _, err := NewLayer(specFromArgs("Conv2d", map[string]any{"in_channels": 2, "out_channels": 3, "kernel_size": 3, "padding": []int{1, 2}, "padding_mode": "replicate"}),
		[]int{1, 2, 5, 5}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	x := randParam(rand.New(rand.NewPCG(3, 3)), 1, 1, 2, 5, 5)
	ya, yb := a.Forward(NewGraph(), x), b.Forward(NewGraph(), x)
	if !sameShape(ya.Data.Shape, []int{1, 3, 5, 7}) || !sameShape(ya.Data.Shape, yb.Data.Shape) {
		t.Fatalf("shapes %v %v", ya.Data.Shape, yb.Data.Shape)
	}
	for i := range ya.Data.Data {
		if ya.Data.Data[i] != yb.Data.Data[i] {
			t.Fatalf("output %d: %v, from the spec %v", i, ya.Data.Data[i], yb.Data.Data[i])
		}
	}
}
