package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// TestAttentionMatchesPyTorch checks MultiheadAttention,
// TransformerEncoderLayer, TransformerEncoder and LayerNorm against PyTorch
// 1.13 (testdata/attention.json, gen_attention.py): outputs to 1e-5,
// gradients to 1e-4.
func TestAttentionMatchesPyTorch(t *testing.T) {
	var fx struct {
		Layers []layerFixture `json:"layers"`
	}
	loadJSON(t, "attention.json", &fx)
	if len(fx.Layers) < 12 {
		t.Fatalf("only %d cases in attention.json, want 12", len(fx.Layers))
	}
	for _, c := range fx.Layers {
		t.Run(c.Name, func(t *testing.T) { checkLayerCase(t, c) })
	}
}

func TestAttentionErrors(t *testing.T) {
	for _, c := range []struct {
		spec LayerSpec
		in   []int
		want string
	}{
		{spec("MultiheadAttention", "num_heads", 3), []int{2, 5, 8}, "num_heads is 3, which does not divide embed_dim 8"},
		{spec("MultiheadAttention", "num_heads", 2), []int{2, 3, 5, 8}, "MultiheadAttention expects input of shape (L, N, 8) or (L, 8)"},
		{spec("TransformerEncoderLayer", "nhead", 5), []int{2, 5, 8}, "nhead is 5, which does not divide d_model 8"},
		{spec("TransformerEncoderLayer", "nhead", 2, "activation", "tanh"), []int{2, 5, 8}, "activation is \"tanh\""},
		{spec("TransformerEncoder", "num_layers", 2, "encoder_layer", map[string]any{"nhead": 3}), []int{2, 5, 8}, "encoder_layer: nhead is 3"},
		{spec("TransformerEncoder", "num_layers", 2, "encoder_layer", map[string]any{"type": "Linear", "nhead": 2}), []int{2, 5, 8}, "encoder_layer: type is \"Linear\""},
		{spec("TransformerEncoder", "encoder_layer", map[string]any{"nhead": 2}), []int{2, 5, 8}, "num_layers is required"},
	} {
		_, err := Plan([]LayerSpec{c.spec}, c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.spec["type"], err, c.want)
		}
	}
}

// TestAttentionDropout: dropping every attention weight leaves the output
// projection's bias; in evaluation mode nothing is dropped.
func TestAttentionDropout(t *testing.T) {
	m, _, err := NewLayer(spec("MultiheadAttention", "num_heads", 2, "dropout", 1.0, "batch_first", true), []int{2, 3, 4}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	a := m.(*MultiheadAttention)
	for i := range a.OutProjBias.Data.Data {
		a.OutProjBias.Data.Data[i] = float32(i + 1)
	}
	x := tensor.New(2, 3, 4)
	for i := range x.Data {
		x.Data[i] = float32(i%5) - 2
	}
	g := NewGraph()
	out := m.Forward(g, g.Input(x))
	for i, v := range out.Data.Data {
		if v != float32(i%4+1) {
			t.Fatalf("output[%d] = %v with every weight dropped, want the bias %v", i, v, i%4+1)
		}
	}
	if err := g.Backward(g.Sum(out)); err != nil {
		t.Fatal(err)
	}
	m.Train(false)
	g2 := NewInferenceGraph()
	if y := m.Forward(g2, g2.Const(x)); y.Data.Data[0] == 1 {
		t.Error("evaluation mode dropped attention weights")
	}
}

// TestAttentionParallelParts: attention split over parts gives what one
// part computes, forward and backward.
func TestAttentionParallelParts(t *testing.T) {
	const n, l, e, heads = 4, 40, 32, 4
	qkv := tensor.New(n, l, 3*e)
	for i := range qkv.Data {
		qkv.Data[i] = float32(math.Sin(float64(i) * 0.37))
	}
	g := NewGraph()
	x := g.Input(qkv)
	y := g.selfAttention(x, n, l, e, heads, true, 0, nil)
	up := tensor.New(n, l, e)
	for i := range up.Data {
		up.Data[i] = float32(math.Cos(float64(i) * 0.11))
	}
	if err := g.Backward(g.Sum(g.Mul(y, g.Const(up)))); err != nil {
		t.Fatal(err)
	}
	pairs := n * heads
	att := make([]float32, pairs*l*l+2*l*l)
	spec := &attnSpec{n: n, l: l, s: l, e: e, heads: heads, qBatchFirst: true, kvBatchFirst: true, kOff: e, vOff: 2 * e, rsq: 3 * e, rsk: 3 * e, rsv: 3 * e}
	serial := &attentionTask{attnSpec: spec, q: qkv.Data, k: qkv.Data, v: qkv.Data, y: make([]float32, n*l*e), att: att}
	serial.run(0, 1)
	gq := make([]float32, len(qkv.Data))
	back := &attentionTask{attnSpec: spec, back: true, q: qkv.Data, k: qkv.Data, v: qkv.Data, gq: gq, gk: gq, gv: gq, gy: up.Data, att: att}
	back.run(0, 1)
	for i, v := range serial.y {
		if d := math.Abs(float64(v - y.Data.Data[i])); d > 1e-6 {
			t.Fatalf("output %d: %v in parts, %v in one", i, y.Data.Data[i], v)
		}
	}
	for i, v := range back.gq {
		if d := math.Abs(float64(v - x.Grad.Data[i])); d > 1e-5 {
			t.Fatalf("gradient %d: %v in parts, %v in one", i, x.Grad.Data[i], v)
		}
	}
}

func BenchmarkTransformerEncoderLayer(b *testing.B) {
	m, _, err := NewLayer(spec("TransformerEncoderLayer", "nhead", 4, "dim_feedforward", 256, "batch_first", true, "dropout", 0.0), []int{32, 64, 64}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		b.Fatal(err)
	}
	x := tensor.New(32, 64, 64)
	for i := range x.Data {
		x.Data[i] = float32(math.Sin(float64(i)))
	}
	g := NewGraph()
	for b.Loop() {
		g.Reset()
		out := m.Forward(g, g.Const(x))
		if err := g.Backward(g.Sum(out)); err != nil {
			b.Fatal(err)
		}
	}
}
