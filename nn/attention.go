package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/tensor"
)

// MultiheadAttention is torch.nn.MultiheadAttention used as a layer: it
// attends over its input (query = key = value), without masks, and returns
// the attention output (not the weights). Inputs are (L, N, E), or (N, L,
// E) with BatchFirst, or unbatched (L, E). Its state_dict keys are
// PyTorch's: in_proj_weight (3E, E), in_proj_bias (3E), out_proj.weight (E,
// E), out_proj.bias (E); without bias neither bias.
type MultiheadAttention struct {
	mode
	EmbedDim, NumHeads int
	// Dropout is the probability of dropping attention weights in training.
	Dropout    float64
	BatchFirst bool
	hasBias    bool

	InProjWeight, InProjBias, OutProjWeight, OutProjBias *Var
	rng                                                  *rand.Rand
}

func (m *MultiheadAttention) allocate(rng *rand.Rand) {
	E := m.EmbedDim
	m.InProjWeight = NewParam(tensor.New(3*E, E))
	// xavier_uniform_ on (3E, E), as PyTorch's _reset_parameters.
	a := math.Sqrt(6 / float64(4*E))
	Uniform(m.InProjWeight.Data, -a, a, rng)
	m.OutProjWeight = NewParam(tensor.New(E, E))
	KaimingUniform(m.OutProjWeight.Data, math.Sqrt(5), rng)
	if m.hasBias {
		m.InProjBias = NewParam(tensor.New(3 * E))
		m.OutProjBias = NewParam(tensor.New(E))
	}
	m.rng = rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
}

func (m *MultiheadAttention) sizes() (params, buffers int64) {
	E := int64(m.EmbedDim)
	n := budget.Mul(4, E, E)
	if m.hasBias {
		n = budget.Add(n, budget.Mul(4, E))
	}
	return n, 0
}

// workspace counts, per sample, the projections (3E and E per position)
// and the attention weights (and their dropout mask) kept for backward.
func (m *MultiheadAttention) workspace(in, out []int) int64 {
	_, l := m.dims(in)
	per := budget.Mul(int64(l), int64(4*m.EmbedDim))
	att := budget.Mul(int64(m.NumHeads), int64(l), int64(l))
	if m.Dropout > 0 {
		att = budget.Mul(att, 2)
	}
	return budget.Add(per, att)
}

// dims returns the batch size and sequence length of an input shape.
func (m *MultiheadAttention) dims(in []int) (n, l int) {
	switch {
	case len(in) == 2:
		return 1, in[0]
	case m.BatchFirst:
		return in[0], in[1]
	default:
		return in[1], in[0]
	}
}

// Parameters returns PyTorch's state_dict keys.
func (m *MultiheadAttention) Parameters() []Param {
	ps := []Param{{Name: "in_proj_weight", Var: m.InProjWeight, Trainable: true}}
	if m.hasBias {
		ps = append(ps, Param{Name: "in_proj_bias", Var: m.InProjBias, Trainable: true})
	}
	ps = append(ps, Param{Name: "out_proj.weight", Var: m.OutProjWeight, Trainable: true})
	if m.hasBias {
		ps = append(ps, Param{Name: "out_proj.bias", Var: m.OutProjBias, Trainable: true})
	}
	return ps
}

// OutShape returns in, which must be (L, N, E), (N, L, E) or (L, E).
func (m *MultiheadAttention) OutShape(in []int) ([]int, error) {
	if (len(in) != 2 && len(in) != 3) || in[len(in)-1] != m.EmbedDim {
		order := "(L, N, %d) or (L, %d)"
		if m.BatchFirst {
			order = "(N, L, %d) or (L, %d)"
		}
		return nil, shapeErr("MultiheadAttention", fmt.Sprintf(order, m.EmbedDim, m.EmbedDim), in)
	}
	return in, nil
}

// Name returns "MultiheadAttention".
func (m *MultiheadAttention) Name() string { return "MultiheadAttention" }

// Forward computes out_proj(softmax(Q Kᵀ / √d) V) per head, with Q, K, V
// the input's projections.
func (m *MultiheadAttention) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if _, err := m.OutShape(x.Data.Shape); err != nil {
		return g.fail("%v", err)
	}
	n, l := m.dims(x.Data.Shape)
	qkv := g.Linear(x, m.InProjWeight, m.InProjBias)
	p := 0.0
	if !m.eval {
		p = m.Dropout
	}
	ctx := g.selfAttention(qkv, n, l, m.EmbedDim, m.NumHeads, m.BatchFirst || x.Data.Dim() == 2, p, m.rng)
	return g.Linear(ctx, m.OutProjWeight, m.OutProjBias)
}

// selfAttention computes the heads' attention from packed projections qkv
// (rows of [Q | K | V], each E wide, a row per position: batch-major when
// batchFirst, else sequence-major) into rows of E, dropping attention
// weights with probability p. The (sample, head) pairs run in parallel;
// they read and write disjoint columns.
func (g *Graph) selfAttention(qkv *Var, n, l, e, heads int, batchFirst bool, p float64, rng *rand.Rand) *Var {
	shape := append([]int(nil), qkv.Data.Shape...)
	shape[len(shape)-1] = e
	y := g.buf(shape...)
	pairs := n * heads
	parts := g.parts(pairs)
	// The attention weights, then two l×l scratch matrices per part for
	// the dropped weights and the backward pass.
	att := g.buf(pairs*l*l + parts*2*l*l)
	var mask *tensor.Tensor
	if p > 0 {
		mask = g.buf(pairs * l * l)
		keep := float32(1 / (1 - p))
		if p >= 1 {
			keep = 0
		}
		for i := range mask.Data {
			if rng.Float64() < p {
				mask.Data[i] = 0
			} else {
				mask.Data[i] = keep
			}
		}
	}
	t := &attentionTask{qkv: qkv.Data.Data, y: y.Data, att: att.Data, n: n, l: l, e: e, heads: heads, batchFirst: batchFirst}
	if mask != nil {
		t.mask = mask.Data
	}
	g.parallel(t, parts, pairs*l*l*e/heads*2)
	node := g.newNode(y, attentionBack, qkv, nil, nil)
	node.s1, node.s2 = att, mask
	node.ints[0], node.ints[1], node.ints[2], node.ints[3], node.ints[5] = n, l, e, heads, parts
	node.ints[4] = 0
	if batchFirst {
		node.ints[4] = 1
	}
	return node
}

type attentionTask struct {
	back                bool
	qkv, y, att, mask   []float32
	gy, gq              []float32
	n, l, e, heads, all int
	batchFirst          bool
}

// layout returns the offset of position 0 of sample b and the stride
// between positions, in rows.
func (t *attentionTask) layout(b int) (first, stride int) {
	if t.batchFirst {
		return b * t.l, 1
	}
	return b, t.n
}

func (t *attentionTask) run(part, parts int) {
	pairs := t.n * t.heads
	lo, hi := span(pairs, part, parts)
	ll := t.l * t.l
	scratch := t.att[pairs*ll+part*2*ll : pairs*ll+(part+1)*2*ll]
	for pair := lo; pair < hi; pair++ {
		if t.back {
			t.backward(pair, scratch[:ll], scratch[ll:])
		} else {
			t.forward(pair, scratch[:ll])
		}
	}
}

func (t *attentionTask) forward(pair int, buf []float32) {
	d := t.e / t.heads
	b, h := pair/t.heads, pair%t.heads
	first, stride := t.layout(b)
	l, e := t.l, t.e
	rs, ro := stride*3*e, stride*e
	q := t.qkv[first*3*e+h*d:]
	k := t.qkv[first*3*e+e+h*d:]
	v := t.qkv[first*3*e+2*e+h*d:]
	s := t.att[pair*l*l : (pair+1)*l*l]
	scale := float32(1 / math.Sqrt(float64(d)))
	tensor.Gemm(false, true, l, l, d, scale, q, rs, k, rs, 0, s, l)
	for i := range l {
		softmaxRow(s[i*l : (i+1)*l])
	}
	pv := s
	if t.mask != nil {
		m := t.mask[pair*l*l : (pair+1)*l*l]
		for i := range buf {
			buf[i] = s[i] * m[i]
		}
		pv = buf
	}
	tensor.Gemm(false, false, l, d, l, 1, pv, l, v, rs, 0, t.y[first*e+h*d:], ro)
}

func softmaxRow(r []float32) {
	mx := float32(math.Inf(-1))
	for _, v := range r {
		mx = max(mx, v)
	}
	var sum float64
	for i, v := range r {
		ev := math.Exp(float64(v - mx))
		r[i] = float32(ev)
		sum += ev
	}
	inv := float32(1 / sum)
	for i := range r {
		r[i] *= inv
	}
}

// attentionBack propagates through softmax(Q Kᵀ/√d) V for every sample
// and head into the packed projections' gradient.
func attentionBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	t := &attentionTask{back: true, n: n.ints[0], l: n.ints[1], e: n.ints[2], heads: n.ints[3], batchFirst: n.ints[4] == 1,
		qkv: n.a.Data.Data, gq: n.a.grad(), gy: n.Grad.Data, att: n.s1.Data}
	if n.s2 != nil {
		t.mask = n.s2.Data
	}
	parts := n.ints[5]
	n.g.parallel(t, parts, t.n*t.heads*t.l*t.l*t.e/t.heads*4)
}

func (t *attentionTask) backward(pair int, dp, pd []float32) {
	l, e, heads := t.l, t.e, t.heads
	d := e / heads
	scale := float32(1 / math.Sqrt(float64(d)))
	qkv, gq, gy := t.qkv, t.gq, t.gy
	b, h := pair/heads, pair%heads
	first, stride := t.layout(b)
	rs, ro := stride*3*e, stride*e
	qo, ko, vo := first*3*e+h*d, first*3*e+e+h*d, first*3*e+2*e+h*d
	P := t.att[pair*l*l : (pair+1)*l*l]
	pv := P
	if t.mask != nil {
		m := t.mask[pair*l*l : (pair+1)*l*l]
		for i := range pd {
			pd[i] = P[i] * m[i]
		}
		pv = pd
	}
	dy := gy[first*e+h*d:]
	// dV += Pᵀ dY; dP = dY Vᵀ.
	tensor.Gemm(true, false, l, d, l, 1, pv, l, dy, ro, 1, gq[vo:], rs)
	tensor.Gemm(false, true, l, l, d, 1, dy, ro, qkv[vo:], rs, 0, dp, l)
	if t.mask != nil {
		m := t.mask[pair*l*l : (pair+1)*l*l]
		for i := range dp {
			dp[i] *= m[i]
		}
	}
	// dS = P ⊙ (dP - Σ_j dP·P), the softmax's backward, row by row.
	for i := range l {
		row, prow := dp[i*l:(i+1)*l], P[i*l:(i+1)*l]
		var dot float64
		for j := range row {
			dot += float64(row[j]) * float64(prow[j])
		}
		for j := range row {
			row[j] = prow[j] * (row[j] - float32(dot))
		}
	}
	// dQ += scale dS K; dK += scale dSᵀ Q.
	tensor.Gemm(false, false, l, d, l, scale, dp, l, qkv[ko:], rs, 1, gq[qo:], rs)
	tensor.Gemm(true, false, l, d, l, scale, dp, l, qkv[qo:], rs, 1, gq[ko:], rs)
}

// MultiheadAttentionParams are torch.nn.MultiheadAttention's keyword
// arguments that a layer list uses.
type MultiheadAttentionParams struct {
	EmbedDim   int     `json:"embed_dim" auto:"true" min:"1" help:"features per position (the input's last dimension)"`
	NumHeads   int     `json:"num_heads" required:"true" min:"1" help:"parallel attention heads; must divide embed_dim"`
	Dropout    float64 `json:"dropout" min:"0" max:"1" expect:"a probability" help:"dropout probability on the attention weights"`
	Bias       bool    `json:"bias" help:"learn biases of the input and output projections"`
	BatchFirst bool    `json:"batch_first" help:"inputs are (N, L, E) rather than (L, N, E)"`
}

func buildMHA(p MultiheadAttentionParams, c *layerCtx) (*MultiheadAttention, error) {
	e, err := orAuto(p.EmbedDim, "embed_dim", c.lastDim)
	if err != nil {
		return nil, err
	}
	if e%p.NumHeads != 0 {
		return nil, fmt.Errorf("num_heads is %d, which does not divide embed_dim %d (expected a divisor of embed_dim)", p.NumHeads, e)
	}
	return &MultiheadAttention{EmbedDim: e, NumHeads: p.NumHeads, Dropout: p.Dropout, BatchFirst: p.BatchFirst, hasBias: p.Bias}, nil
}

func init() {
	registerLayer("MultiheadAttention", "self-attention over the input (query = key = value), as torch.nn.MultiheadAttention",
		func() MultiheadAttentionParams { return MultiheadAttentionParams{Bias: true} },
		func(p MultiheadAttentionParams, c *layerCtx) (Module, error) { return buildMHA(p, c) })
}
