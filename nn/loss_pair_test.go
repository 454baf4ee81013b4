package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

func pairT(shape []int, vals ...float32) *tensor.Tensor {
	return &tensor.Tensor{Shape: shape, Data: vals}
}

// TestPairLossMethods checks that the methods taking PyTorch's separate
// inputs give what Forward gives on the inputs packed (which
// losses_pair.json checks against PyTorch), gradients included, and that
// GaussianNLL broadcasts a variance per sample as PyTorch does.
func TestPairLossMethods(t *testing.T) {
	x1 := pairT([]int{2, 3}, 0.5, -1, 2, 1, 0.25, -0.5)
	x2 := pairT([]int{2, 3}, 1, 0.5, -2, 0.3, 0.2, 0.1)
	x3 := pairT([]int{2, 3}, -0.4, 1.5, 0.7, 2, -1, 0.6)
	y := pairT([]int{2}, 1, -1)
	check := func(name string, sep func(g *Graph, a, b, c *Var) *Var, packed func(g *Graph, p *Var) *Var, k int) {
		t.Helper()
		g := NewGraph()
		a, b, c := g.Input(x1.Clone()), g.Input(x2.Clone()), g.Input(x3.Clone())
		l1 := sep(g, a, b, c)
		if err := g.Backward(l1); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		h := NewGraph()
		xs := []*Var{h.Const(x1), h.Const(x2), h.Const(x3)}[:k]
		p := h.Input(h.Pack(xs...).Data.Clone())
		l2 := packed(h, p)
		if err := h.Backward(l2); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if l1.Item() != l2.Item() {
			t.Errorf("%s: %v, packed %v", name, l1.Item(), l2.Item())
		}
		w := 3 * k
		for j, v := range []*Var{a, b, c}[:k] {
			for i, gv := range v.Grad.Data {
				if want := p.Grad.Data[(i/3)*w+j*3+i%3]; gv != want {
					t.Errorf("%s: input %d grad[%d] = %v, packed %v", name, j, i, gv, want)
				}
			}
		}
	}
	cos := &CosineEmbeddingLoss{Margin: 0.1, Reduction: "mean"}
	check("CosineEmbedding", func(g *Graph, a, b, _ *Var) *Var { return cos.CosineEmbedding(g, a, b, g.Const(y)) },
		func(g *Graph, p *Var) *Var { return cos.Forward(g, p, g.Const(y)) }, 2)
	trip := &TripletMarginLoss{Margin: 1, P: 2, Eps: 1e-6, Swap: true, Reduction: "sum"}
	check("TripletMargin", func(g *Graph, a, b, c *Var) *Var { return trip.TripletMargin(g, a, b, c) },
		func(g *Graph, p *Var) *Var { return trip.Forward(g, p, g.Const(tensor.New(2))) }, 3)
	gn := &GaussianNLLLoss{Eps: 1e-6, Reduction: "mean"}
	pos := pairT([]int{2, 3}, 0.5, 1, 2, 0.3, 0.25, 1.5)
	check("GaussianNLL", func(g *Graph, a, b, _ *Var) *Var { return gn.GaussianNLL(g, a, g.Const(x3), g.Const(pos)) },
		func(g *Graph, p *Var) *Var { return gn.Forward(g, g.Pack(p, g.Const(pos)), g.Const(x3)) }, 1)

	// A variance per sample, (N, 1), is the same as that variance repeated.
	g := NewGraph()
	v := g.Input(pairT([]int{2, 1}, 0.5, 2))
	l := gn.GaussianNLL(g, g.Const(x1), g.Const(x2), v)
	if err := g.Backward(l); err != nil {
		t.Fatal(err)
	}
	h := NewGraph()
	vr := h.Input(pairT([]int{2, 3}, 0.5, 0.5, 0.5, 2, 2, 2))
	l2 := gn.GaussianNLL(h, h.Const(x1), h.Const(x2), vr)
	if err := h.Backward(l2); err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(l.Item()-l2.Item())) > 1e-6 {
		t.Errorf("broadcast variance: %v, repeated %v", l.Item(), l2.Item())
	}
	// and so is a variance per sample without its last dimension, (N).
	h2 := NewGraph()
	if l3 := gn.GaussianNLL(h2, h2.Const(x1), h2.Const(x2), h2.Const(pairT([]int{2}, 0.5, 2))); h2.Err() != nil || l3.Item() != l.Item() {
		t.Errorf("variance of shape (N): %v, %v; want %v", h2.Err(), l3.Item(), l.Item())
	}
	for r := range 2 {
		s := vr.Grad.Data[3*r] + vr.Grad.Data[3*r+1] + vr.Grad.Data[3*r+2]
		if math.Abs(float64(v.Grad.Data[r]-s)) > 1e-6 {
			t.Errorf("broadcast variance grad[%d] = %v, want %v", r, v.Grad.Data[r], s)
		}
	}

	rank := &MarginRankingLoss{Margin: 0.2, Reduction: "none"}
	g = NewGraph()
	a, b := g.Input(pairT([]int{2}, 1, 2)), g.Input(pairT([]int{2}, 1.5, 0.5))
	out := rank.MarginRanking(g, a, b, g.Const(y))
	if out.Data.Data[0] != float32(-1*(1-1.5)+0.2) || out.Data.Data[1] != float32(1*(2-0.5)+0.2) {
		t.Errorf("MarginRanking %v", out.Data.Data)
	}

	// Bad input is an error naming the loss, never a panic.
	for _, c := range []struct {
		l      Loss
		in, tg *tensor.Tensor
		want   string
	}{
		{gn, pairT([]int{1, 2}, 0, -1), pairT([]int{1, 1}, 0), "var -1 at position 0 is negative"},
		{gn, pairT([]int{1, 3}, 0, 1, 1), pairT([]int{1, 1}, 0), "expected the input [mean | var]"},
		{rank, pairT([]int{1, 3}, 0, 1, 1), pairT([]int{1}, 0), "packed as (N, 2)"},
		{cos, pairT([]int{2, 2}, 0, 1, 1, 1), pairT([]int{1}, 1), "CosineEmbeddingLoss: input of shape [2 2]"},
		{trip, pairT([]int{1, 4}, 0, 1, 1, 1), pairT([]int{1}, 0), "TripletMarginLoss: input of shape [1 4]"},
	} {
		g := NewGraph()
		c.l.Forward(g, g.Const(c.in), g.Const(c.tg))
		if err := g.Err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T: %v, expected an error containing %q", c.l, err, c.want)
		}
	}
	if PackedInputs(&MSELoss{}) != "" || !strings.Contains(PackedInputs(rank), "x1 and x2") {
		t.Errorf("PackedInputs")
	}
}

// TestPairLossGradients checks the packed losses' gradients, and Pack's,
// against finite differences through the methods taking PyTorch's inputs.
func TestPairLossGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	a, b, c := randParam(rng, 1, 4, 3), randParam(rng, 1, 4, 3), randParam(rng, 1, 4, 3)
	y := pairT([]int{4}, 1, -1, 1, -1)
	v := NewParam(pairT([]int{4, 3}, 0.5, 1, 2, 0.3, 0.8, 1.5, 2, 1, 0.7, 0.9, 1.1, 0.4))
	gn := &GaussianNLLLoss{Full: true, Eps: 1e-6, Reduction: "sum"}
	fdCheck(t, "GaussianNLLLoss", []*Var{a, v}, func(g *Graph) *Var { return gn.GaussianNLL(g, a, g.Const(b.Data), v) })
	cos := &CosineEmbeddingLoss{Margin: -0.9, Reduction: "mean"}
	fdCheck(t, "CosineEmbeddingLoss", []*Var{a, b}, func(g *Graph) *Var { return cos.CosineEmbedding(g, a, b, g.Const(y)) })
	trip := &TripletMarginLoss{Margin: 5, P: 3, Eps: 1e-6, Reduction: "mean"}
	fdCheck(t, "TripletMarginLoss", []*Var{a, b, c}, func(g *Graph) *Var { return trip.TripletMargin(g, a, b, c) })
	x1, x2 := randParam(rng, 1, 4), randParam(rng, 1, 4)
	rank := &MarginRankingLoss{Margin: 5, Reduction: "sum"}
	fdCheck(t, "MarginRankingLoss", []*Var{x1, x2}, func(g *Graph) *Var { return rank.MarginRanking(g, x1, x2, g.Const(y)) })
}
