package nn

func init() {
	registerLayer("Softsign", "x / (1 + |x|)", func() struct{} { return struct{}{} },
		func(struct{}, *layerCtx) (Module, error) { return &Softsign{}, nil })
}

// Softsign is x / (1 + |x|), like torch.nn.Softsign (which takes no
// parameters).
type Softsign struct{ noParams }

// Forward applies Softsign.
func (*Softsign) Forward(g *Graph, x *Var) *Var { return g.Softsign(x) }

// OutShape returns in.
func (*Softsign) OutShape(in []int) ([]int, error) { return in, nil }

// Name returns "Softsign".
func (*Softsign) Name() string { return "Softsign" }

// Softsign returns x / (1 + |x|) elementwise.
func (g *Graph) Softsign(x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out := g.bufLike(x.Data)
	for i, v := range x.Data.Data {
		out.Data[i] = v / (1 + abs32(v))
	}
	return g.newNode(out, softsignBack, x, nil, nil)
}

// softsignBack adds gy / (1 + |x|)² to x's gradient.
func softsignBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	ga, x, gy := n.a.grad(), n.a.Data.Data, n.Grad.Data
	for i, v := range x {
		d := 1 + abs32(v)
		ga[i] += gy[i] / (d * d)
	}
}
