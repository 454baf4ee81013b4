package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/tensor"
)

// MultiheadAttention is torch.nn.MultiheadAttention. As a layer (Forward)
// it attends over its input (query = key = value), optionally with a
// causal mask, and returns the attention output; Attend takes a separate
// query, key and value, masks, and returns the attention weights too.
// Inputs are (L, N, E), or (N, L, E) with BatchFirst, or unbatched (L, E).
// Its state_dict keys are PyTorch's: in_proj_weight (3E, E), or, when
// KDim or VDim differs from EmbedDim, q_proj_weight (E, E), k_proj_weight
// (E, KDim) and v_proj_weight (E, VDim); in_proj_bias (3E); bias_k and
// bias_v (1, 1, E) with AddBiasKV; out_proj.weight (E, E), out_proj.bias
// (E); without bias no in_proj_bias or out_proj.bias.
type MultiheadAttention struct {
	mode
	EmbedDim, NumHeads int
	// KDim and VDim are the key's and value's features (0: EmbedDim).
	KDim, VDim int
	// Dropout is the probability of dropping attention weights in training.
	Dropout    float64
	BatchFirst bool
	// AddBiasKV appends a learnt key and value (bias_k, bias_v) to every
	// sample's keys and values; AddZeroAttn appends a zero key and value
	// after them.
	AddBiasKV, AddZeroAttn bool
	// Causal masks each position's attention to later positions of the
	// sequence (Forward's attn_mask "causal": PyTorch's
	// generate_square_subsequent_mask).
	Causal  bool
	hasBias bool

	InProjWeight, InProjBias, OutProjWeight, OutProjBias *Var
	QProjWeight, KProjWeight, VProjWeight                *Var
	BiasK, BiasV                                         *Var
	rng                                                  *rand.Rand
	pcg                                                  *rand.PCG // rng's source
}

// MultiheadAttentionConfig holds torch.nn.MultiheadAttention's
// constructor arguments, for NewMultiheadAttention.
type MultiheadAttentionConfig struct {
	EmbedDim, NumHeads     int
	Dropout                float64
	Bias                   bool
	AddBiasKV, AddZeroAttn bool
	// KDim and VDim are the key's and value's features (0: EmbedDim).
	KDim, VDim int
	BatchFirst bool
}

// NewMultiheadAttention returns a MultiheadAttention initialised from rng
// as PyTorch initialises it.
func NewMultiheadAttention(c MultiheadAttentionConfig, rng *rand.Rand) (*MultiheadAttention, error) {
	if c.EmbedDim < 1 || c.NumHeads < 1 || c.EmbedDim%c.NumHeads != 0 {
		return nil, fmt.Errorf("nn: MultiheadAttention: embed_dim %d and num_heads %d, expected positive numbers, num_heads dividing embed_dim", c.EmbedDim, c.NumHeads)
	}
	if c.KDim < 0 || c.VDim < 0 || !(c.Dropout >= 0 && c.Dropout <= 1) {
		return nil, fmt.Errorf("nn: MultiheadAttention: kdim %d, vdim %d and dropout %v, expected kdim, vdim ≥ 0 (0: embed_dim) and a probability", c.KDim, c.VDim, c.Dropout)
	}
	m := &MultiheadAttention{EmbedDim: c.EmbedDim, NumHeads: c.NumHeads, KDim: c.KDim, VDim: c.VDim, Dropout: c.Dropout,
		BatchFirst: c.BatchFirst, AddBiasKV: c.AddBiasKV, AddZeroAttn: c.AddZeroAttn, hasBias: c.Bias}
	if budget.Mul(budget.Mul(4, int64(c.EmbedDim)), int64(max(c.EmbedDim, c.KDim, c.VDim))) > MaxElements {
		return nil, fmt.Errorf("nn: MultiheadAttention: embed_dim %d with kdim %d, vdim %d: more than 2^40 weights", c.EmbedDim, c.KDim, c.VDim)
	}
	m.allocate(rng)
	return m, nil
}

func (m *MultiheadAttention) kdim() int {
	if m.KDim == 0 {
		return m.EmbedDim
	}
	return m.KDim
}

func (m *MultiheadAttention) vdim() int {
	if m.VDim == 0 {
		return m.EmbedDim
	}
	return m.VDim
}

// sameDim reports PyTorch's _qkv_same_embed_dim: one packed in_proj_weight.
func (m *MultiheadAttention) sameDim() bool {
	return m.kdim() == m.EmbedDim && m.vdim() == m.EmbedDim
}

func xavierUniform(t *tensor.Tensor, fanIn, fanOut int, rng *rand.Rand) {
	a := math.Sqrt(6 / float64(fanIn+fanOut))
	Uniform(t, -a, a, rng)
}

func (m *MultiheadAttention) allocate(rng *rand.Rand) {
	E := m.EmbedDim
	if m.sameDim() {
		m.InProjWeight = NewParam(tensor.New(3*E, E))
		// xavier_uniform_ on (3E, E), as PyTorch's _reset_parameters.
		xavierUniform(m.InProjWeight.Data, E, 3*E, rng)
	} else {
		m.QProjWeight = NewParam(tensor.New(E, E))
		m.KProjWeight = NewParam(tensor.New(E, m.kdim()))
		m.VProjWeight = NewParam(tensor.New(E, m.vdim()))
		xavierUniform(m.QProjWeight.Data, E, E, rng)
		xavierUniform(m.KProjWeight.Data, m.kdim(), E, rng)
		xavierUniform(m.VProjWeight.Data, m.vdim(), E, rng)
	}
	m.OutProjWeight = NewParam(tensor.New(E, E))
	KaimingUniform(m.OutProjWeight.Data, math.Sqrt(5), rng)
	if m.hasBias {
		m.InProjBias = NewParam(tensor.New(3 * E))
		m.OutProjBias = NewParam(tensor.New(E))
	}
	if m.AddBiasKV {
		// xavier_normal_ on (1, 1, E): fan_in = fan_out = E.
		m.BiasK, m.BiasV = NewParam(tensor.New(1, 1, E)), NewParam(tensor.New(1, 1, E))
		Normal(m.BiasK.Data, 0, math.Sqrt(1/float64(E)), rng)
		Normal(m.BiasV.Data, 0, math.Sqrt(1/float64(E)), rng)
	}
	m.pcg = rand.NewPCG(rng.Uint64(), rng.Uint64())
	m.rng = rand.New(m.pcg)
}

func (m *MultiheadAttention) sizes() (params, buffers int64) {
	E := int64(m.EmbedDim)
	n := budget.Add(budget.Mul(E, E), budget.Mul(E, budget.Add(budget.Add(E, int64(m.kdim())), int64(m.vdim()))))
	if m.hasBias {
		n = budget.Add(n, budget.Mul(4, E))
	}
	if m.AddBiasKV {
		n = budget.Add(n, budget.Mul(2, E))
	}
	return n, 0
}

// extraKeys counts the keys added to every sample's (bias_k, the zero
// key).
func (m *MultiheadAttention) extraKeys() int {
	n := 0
	if m.AddBiasKV {
		n++
	}
	if m.AddZeroAttn {
		n++
	}
	return n
}

// workspace counts, per sample, the projections (3E and E per position,
// and the extended keys and values) and the attention weights (and their
// dropout mask) kept for backward.
func (m *MultiheadAttention) workspace(in, out []int) int64 {
	_, l := m.dims(in)
	s := l + m.extraKeys()
	per := budget.Add(budget.Mul(int64(l), int64(4*m.EmbedDim)), budget.Mul(int64(2*(s+1)), int64(m.EmbedDim)))
	att := budget.Mul(int64(m.NumHeads), int64(l), int64(s))
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

// Parameters returns PyTorch's state_dict keys, in its order.
func (m *MultiheadAttention) Parameters() []Param {
	var ps []Param
	if m.sameDim() {
		ps = append(ps, Param{Name: "in_proj_weight", Var: m.InProjWeight, Trainable: true})
	} else {
		ps = append(ps, Param{Name: "q_proj_weight", Var: m.QProjWeight, Trainable: true},
			Param{Name: "k_proj_weight", Var: m.KProjWeight, Trainable: true},
			Param{Name: "v_proj_weight", Var: m.VProjWeight, Trainable: true})
	}
	if m.hasBias {
		ps = append(ps, Param{Name: "in_proj_bias", Var: m.InProjBias, Trainable: true})
	}
	if m.AddBiasKV {
		ps = append(ps, Param{Name: "bias_k", Var: m.BiasK, Trainable: true}, Param{Name: "bias_v", Var: m.BiasV, Trainable: true})
	}
	ps = append(ps, Param{Name: "out_proj.weight", Var: m.OutProjWeight, Trainable: true})
	if m.hasBias {
		ps = append(ps, Param{Name: "out_proj.bias", Var: m.OutProjBias, Trainable: true})
	}
	return ps
}

// OutShape returns in, which must be (L, N, E), (N, L, E) or (L, E).
func (m *MultiheadAttention) OutShape(in []int) ([]int, error) {
	if err := m.checkShape("", in, m.EmbedDim); err != nil {
		return nil, err
	}
	if !m.sameDim() {
		return nil, fmt.Errorf("MultiheadAttention with kdim %d and vdim %d attends over a key and a value other than its input: as a layer (query = key = value) they must equal embed_dim %d", m.kdim(), m.vdim(), m.EmbedDim)
	}
	return in, nil
}

func (m *MultiheadAttention) checkShape(what string, in []int, e int) error {
	if (len(in) != 2 && len(in) != 3) || in[len(in)-1] != e {
		order := "(L, N, %d) or (L, %d)"
		if m.BatchFirst {
			order = "(N, L, %d) or (L, %d)"
		}
		name := "MultiheadAttention"
		if what != "" {
			name += " " + what
		}
		return shapeErr(name, fmt.Sprintf(order, e, e), in)
	}
	return nil
}

// Name returns "MultiheadAttention".
func (m *MultiheadAttention) Name() string { return "MultiheadAttention" }

// Forward computes out_proj(softmax(Q Kᵀ / √d + mask) V) per head, with Q,
// K, V the input's projections (self-attention; mask: Causal's).
func (m *MultiheadAttention) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if _, err := m.OutShape(x.Data.Shape); err != nil {
		return g.fail("%v", err)
	}
	out, _ := m.Attend(g, x, x, x, AttendOptions{Causal: m.Causal})
	return out
}

// AttendOptions are the optional arguments of MultiheadAttention's
// forward in PyTorch.
type AttendOptions struct {
	// AttnMask is added to the attention scores: (L, S) or (N·heads, L,
	// S); -Inf excludes a key (PyTorch's boolean mask is -Inf where it
	// is true, 0 elsewhere). nil: none.
	AttnMask *tensor.Tensor
	// KeyPaddingMask, N·S values (S for an unbatched input), excludes the
	// keys where it is true. nil: none.
	KeyPaddingMask []bool
	// NeedWeights returns the attention weights (after dropout), averaged
	// over the heads with AverageAttnWeights, as (N, L, S) ((L, S)
	// unbatched), or else per head, (N, heads, L, S). They are constants:
	// no gradient flows back through them.
	NeedWeights, AverageAttnWeights bool
	// Causal excludes the keys after each query's position (L = S), as
	// the mask of generate_square_subsequent_mask, on top of AttnMask.
	Causal bool
}

// Attend is MultiheadAttention's forward(query, key, value,
// key_padding_mask, need_weights, attn_mask, average_attn_weights): query
// (L, N, E), key (S, N, KDim), value (S, N, VDim), batch first with
// BatchFirst, or unbatched (L, E), (S, KDim), (S, VDim). It returns the
// attention output, shaped as query, and the weights when NeedWeights
// asks for them (else nil).
func (m *MultiheadAttention) Attend(g *Graph, query, key, value *Var, opt AttendOptions) (out, weights *Var) {
	if g.err != nil {
		return g.deadVar(), nil
	}
	E, H := m.EmbedDim, m.NumHeads
	qs, ks, vs := query.Data.Shape, key.Data.Shape, value.Data.Shape
	for _, c := range []struct {
		what  string
		shape []int
		e     int
	}{{"query", qs, E}, {"key", ks, m.kdim()}, {"value", vs, m.vdim()}} {
		if err := m.checkShape(c.what, c.shape, c.e); err != nil {
			return g.fail("%v", err), nil
		}
	}
	n, l := m.dims(qs)
	nk, s := m.dims(ks)
	nv, sv := m.dims(vs)
	if len(ks) != len(qs) || len(vs) != len(qs) || nk != n || nv != n || sv != s {
		return g.fail("MultiheadAttention: query %v, key %v and value %v, expected the same batch, and key and value the same length", qs, ks, vs), nil
	}
	batchFirst := m.BatchFirst || len(qs) == 2
	sx := s + m.extraKeys()
	if opt.Causal && s != l {
		return g.fail("MultiheadAttention: a causal mask needs as many keys as queries, got %d and %d", s, l), nil
	}

	// The projections: one packed product when query = key = value.
	var q, k, v *Var
	qOff, kOff, vOff, rs := 0, 0, 0, E
	bias := func(i int) *Var {
		if m.InProjBias == nil {
			return nil
		}
		return g.rowsOf(m.InProjBias, i*E, (i+1)*E)
	}
	switch {
	case m.sameDim() && query == key && key == value:
		q = g.Linear(query, m.InProjWeight, m.InProjBias)
		k, v = q, q
		kOff, vOff, rs = E, 2*E, 3*E
	case m.sameDim():
		q = g.Linear(query, g.rowsOf(m.InProjWeight, 0, E), bias(0))
		k = g.Linear(key, g.rowsOf(m.InProjWeight, E, 2*E), bias(1))
		v = g.Linear(value, g.rowsOf(m.InProjWeight, 2*E, 3*E), bias(2))
	default:
		q = g.Linear(query, m.QProjWeight, bias(0))
		k = g.Linear(key, m.KProjWeight, bias(1))
		v = g.Linear(value, m.VProjWeight, bias(2))
	}
	kvBatchFirst := batchFirst
	krs, vrs := rs, rs
	if sx > s {
		k = g.extendKV(k, kOff, rs, n, s, E, batchFirst, m.BiasK, m.AddZeroAttn)
		v = g.extendKV(v, vOff, rs, n, s, E, batchFirst, m.BiasV, m.AddZeroAttn)
		kOff, vOff, krs, vrs, kvBatchFirst = 0, 0, E, E, true
	}
	if g.err != nil {
		return g.deadVar(), nil
	}

	// The additive mask, shared (L, S') or per (sample, head).
	var mask []float32
	perPair := false
	if opt.AttnMask != nil || opt.KeyPaddingMask != nil || opt.Causal {
		am := opt.AttnMask
		if am != nil {
			switch {
			case am.Dim() == 2 && am.Shape[0] == l && am.Shape[1] == s:
			case am.Dim() == 3 && am.Shape[0] == n*H && am.Shape[1] == l && am.Shape[2] == s:
				perPair = true
			default:
				return g.fail("MultiheadAttention: attn_mask of shape %v, expected (%d, %d) or (%d, %d, %d)", am.Shape, l, s, n*H, l, s), nil
			}
		}
		if opt.KeyPaddingMask != nil {
			if len(opt.KeyPaddingMask) != n*s {
				return g.fail("MultiheadAttention: key_padding_mask has %d values, expected N·S = %d", len(opt.KeyPaddingMask), n*s), nil
			}
			perPair = true
		}
		count := l * sx
		if perPair {
			count *= n * H
		}
		mb := g.zbuf(count)
		mask = mb.Data
		pairs := 1
		if perPair {
			pairs = n * H
		}
		negInf := float32(math.Inf(-1))
		for pr := range pairs {
			blk := mask[pr*l*sx : (pr+1)*l*sx]
			for i := range l {
				row := blk[i*sx : i*sx+s]
				if am != nil {
					src := am.Data[i*s : (i+1)*s]
					if am.Dim() == 3 {
						src = am.Data[(pr*l+i)*s : (pr*l+i+1)*s]
					}
					copy(row, src)
				}
				if opt.Causal {
					for j := i + 1; j < s; j++ {
						row[j] = negInf
					}
				}
				if opt.KeyPaddingMask != nil {
					b := pr / H
					for j := range s {
						if opt.KeyPaddingMask[b*s+j] {
							row[j] = negInf
						}
					}
				}
			}
		}
	}

	p := 0.0
	if !m.eval {
		p = m.Dropout
	}
	a := &attnSpec{n: n, l: l, s: sx, e: E, heads: H, qBatchFirst: batchFirst, kvBatchFirst: kvBatchFirst,
		qOff: qOff, kOff: kOff, vOff: vOff, rsq: rs, rsk: krs, rsv: vrs, mask: mask, maskPerPair: perPair}
	ctx := g.attention(q, k, v, a, p, m.rng, m.pcg)
	out = g.Linear(ctx, m.OutProjWeight, m.OutProjBias)
	if opt.NeedWeights {
		weights = g.attentionWeights(ctx, n, l, sx, H, opt.AverageAttnWeights, len(qs) == 2)
	}
	return out, weights
}

// rowsOf returns rows lo to hi of w along its first dimension (a view
// copied, whose gradient flows back into those rows).
func (g *Graph) rowsOf(w *Var, lo, hi int) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	inner := 1
	for _, d := range w.Data.Shape[1:] {
		inner *= d
	}
	shape := append([]int{hi - lo}, w.Data.Shape[1:]...)
	y := g.buf(shape...)
	copy(y.Data, w.Data.Data[lo*inner:hi*inner])
	n := g.newNode(y, rowsBack, w, nil, nil)
	n.ints[0] = lo * inner
	return n
}

func rowsBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	gw := n.a.grad()[n.ints[0]:]
	for i, v := range n.Grad.Data {
		gw[i] += v
	}
}

// extendKV copies the s positions of each of n samples of src (rows of rs
// values, the e from column off; batch-major when batchFirst, else
// sequence-major) into batch-major rows (n, s + extra, e), followed by
// bias (e values, when not nil) and a zero row (zero), as PyTorch's
// bias_k/bias_v and add_zero_attn extend keys and values.
func (g *Graph) extendKV(src *Var, off, rs, n, s, e int, batchFirst bool, bias *Var, zero bool) *Var {
	sx := s
	if bias != nil {
		sx++
	}
	if zero {
		sx++
	}
	y := g.zbuf(n, sx, e)
	row := func(b, j int) int {
		if batchFirst {
			return b*s + j
		}
		return j*n + b
	}
	for b := range n {
		for j := range s {
			copy(y.Data[(b*sx+j)*e:(b*sx+j+1)*e], src.Data.Data[row(b, j)*rs+off:row(b, j)*rs+off+e])
		}
		if bias != nil {
			copy(y.Data[(b*sx+s)*e:(b*sx+s+1)*e], bias.Data.Data)
		}
	}
	node := g.newNode(y, extendKVBack, src, bias, nil)
	node.ints[0], node.ints[1], node.ints[2], node.ints[3], node.ints[4], node.ints[5] = off, rs, n, s, e, sx
	if batchFirst {
		node.ints[6] = 1
	}
	return node
}

func extendKVBack(nd *Var) {
	off, rs, n, s, e, sx := nd.ints[0], nd.ints[1], nd.ints[2], nd.ints[3], nd.ints[4], nd.ints[5]
	gy := nd.Grad.Data
	if nd.a.requiresGrad {
		gs := nd.a.grad()
		for b := range n {
			for j := range s {
				r := j*n + b
				if nd.ints[6] == 1 {
					r = b*s + j
				}
				dst := gs[r*rs+off : r*rs+off+e]
				for i, v := range gy[(b*sx+j)*e : (b*sx+j+1)*e] {
					dst[i] += v
				}
			}
		}
	}
	if nd.b != nil && nd.b.requiresGrad {
		gb := nd.b.grad()
		for b := range n {
			for i, v := range gy[(b*sx+s)*e : (b*sx+s+1)*e] {
				gb[i] += v
			}
		}
	}
}

// attnSpec describes an attention's operands: q rows of rsq values (the
// heads' columns from qOff), in the query's layout; k and v rows likewise
// in the keys' layout; an additive mask of l×s scores, shared or one per
// (sample, head).
type attnSpec struct {
	n, l, s, e, heads         int
	qBatchFirst, kvBatchFirst bool
	qOff, kOff, vOff          int
	rsq, rsk, rsv             int
	mask                      []float32
	maskPerPair               bool
	parts                     int
}

// selfAttention computes the heads' attention from packed projections qkv
// (rows of [Q | K | V], each E wide, a row per position: batch-major when
// batchFirst, else sequence-major) into rows of E, dropping attention
// weights with probability p.
func (g *Graph) selfAttention(qkv *Var, n, l, e, heads int, batchFirst bool, p float64, rng *rand.Rand) *Var {
	a := &attnSpec{n: n, l: l, s: l, e: e, heads: heads, qBatchFirst: batchFirst, kvBatchFirst: batchFirst,
		kOff: e, vOff: 2 * e, rsq: 3 * e, rsk: 3 * e, rsv: 3 * e}
	return g.attention(qkv, qkv, qkv, a, p, rng, nil)
}

// attention computes softmax(Q Kᵀ/√d + mask) V per (sample, head) into
// rows of E in the query's layout, dropping attention weights with
// probability p (drawing from rng, or from its source pcg when not nil:
// the same numbers). The (sample, head) pairs run in parallel; they read
// and write disjoint columns.
func (g *Graph) attention(q, k, v *Var, a *attnSpec, p float64, rng *rand.Rand, pcg *rand.PCG) *Var {
	shape := append([]int(nil), q.Data.Shape...)
	shape[len(shape)-1] = a.e
	y := g.buf(shape...)
	pairs := a.n * a.heads
	a.parts = g.parts(pairs)
	ls := a.l * a.s
	// The attention weights, then two l×s scratch matrices per part for
	// the dropped weights and the backward pass.
	att := g.buf(pairs*ls + a.parts*2*ls)
	var mask *tensor.Tensor
	if p > 0 {
		mask = g.buf(pairs * ls)
	}
	if mask != nil && pcg != nil {
		g.dropMask(mask.Data, p, pcg, nil, nil)
	} else if mask != nil {
		keep := float32(1 / (1 - p))
		if p >= 1 {
			keep = 0
		}
		thr := uint64(math.Ceil(p * (1 << 53))) // rng.Float64() < p, as in Graph.Dropout
		for i := range mask.Data {
			if rng.Uint64()&(1<<53-1) < thr {
				mask.Data[i] = 0
			} else {
				mask.Data[i] = keep
			}
		}
	}
	t := &attentionTask{attnSpec: a, q: q.Data.Data, k: k.Data.Data, v: v.Data.Data, y: y.Data, att: att.Data}
	if mask != nil {
		t.drop = mask.Data
	}
	g.parallel(t, a.parts, pairs*ls*a.e/a.heads*2)
	node := g.newNode(y, attentionBack, q, k, v)
	node.s1, node.s2 = att, mask
	node.ctx = a
	return node
}

// attentionWeights returns the attention weights (after dropout) kept by
// the attention node ctx, averaged over the heads or per head, as a
// constant.
func (g *Graph) attentionWeights(ctx *Var, n, l, s, heads int, average, unbatched bool) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	att, drop := ctx.s1.Data, ctx.s2
	ls := l * s
	var w *tensor.Tensor
	if average {
		w = g.zbuf(n, l, s)
	} else {
		w = g.buf(n, heads, l, s)
	}
	inv := float32(1) / float32(heads)
	for pr := range n * heads {
		src := att[pr*ls : (pr+1)*ls]
		b := pr / heads
		for i, pv := range src {
			if drop != nil {
				pv *= drop.Data[pr*ls+i]
			}
			if average {
				w.Data[b*ls+i] += pv * inv
			} else {
				w.Data[pr*ls+i] = pv
			}
		}
	}
	if unbatched {
		w.Shape = w.Shape[1:]
	}
	return g.Const(w)
}

type attentionTask struct {
	*attnSpec
	back       bool
	q, k, v, y []float32
	att, drop  []float32
	gy         []float32
	gq, gk, gv []float32
}

// layout returns the offset of position 0 of sample b and the stride
// between positions, in rows, of a sequence of length l.
func (t *attentionTask) layout(b, l int, batchFirst bool) (first, stride int) {
	if batchFirst {
		return b * l, 1
	}
	return b, t.n
}

func (t *attentionTask) run(part, parts int) {
	pairs := t.n * t.heads
	lo, hi := span(pairs, part, parts)
	ls := t.l * t.s
	scratch := t.att[pairs*ls+part*2*ls : pairs*ls+(part+1)*2*ls]
	for pair := lo; pair < hi; pair++ {
		if t.back {
			t.backward(pair, scratch[:ls], scratch[ls:])
		} else {
			t.forward(pair, scratch[:ls])
		}
	}
}

// offsets returns, for a pair, the offsets of its head's first query, key
// and value and output element, and the strides between positions.
func (t *attentionTask) offsets(pair int) (qo, ko, vo, yo, ldq, ldk, ldv, ldy int) {
	d := t.e / t.heads
	b, h := pair/t.heads, pair%t.heads
	fq, sq := t.layout(b, t.l, t.qBatchFirst)
	fk, sk := t.layout(b, t.s, t.kvBatchFirst)
	return fq*t.rsq + t.qOff + h*d, fk*t.rsk + t.kOff + h*d, fk*t.rsv + t.vOff + h*d, fq*t.e + h*d,
		sq * t.rsq, sk * t.rsk, sk * t.rsv, sq * t.e
}

func (t *attentionTask) forward(pair int, buf []float32) {
	d := t.e / t.heads
	l, s := t.l, t.s
	qo, ko, vo, yo, ldq, ldk, ldv, ldy := t.offsets(pair)
	sc := t.att[pair*l*s : (pair+1)*l*s]
	scale := float32(1 / math.Sqrt(float64(d)))
	tensor.Gemm(false, true, l, s, d, scale, t.q[qo:], ldq, t.k[ko:], ldk, 0, sc, s)
	if t.mask != nil {
		m := t.mask[:l*s]
		if t.maskPerPair {
			m = t.mask[pair*l*s : (pair+1)*l*s]
		}
		for i, v := range m {
			sc[i] += v
		}
	}
	tensor.SoftmaxRows(sc, sc, s)
	pv := sc
	if t.drop != nil {
		m := t.drop[pair*l*s : (pair+1)*l*s]
		for i := range buf {
			buf[i] = sc[i] * m[i]
		}
		pv = buf
	}
	tensor.Gemm(false, false, l, d, s, 1, pv, s, t.v[vo:], ldv, 0, t.y[yo:], ldy)
}

// attentionBack propagates through softmax(Q Kᵀ/√d + mask) V for every
// sample and head into the projections' gradients (one buffer when they
// are packed). An operand that needs no gradient gets a scratch buffer.
func attentionBack(n *Var) {
	a := n.ctx.(*attnSpec)
	if !n.a.requiresGrad && !n.b.requiresGrad && !n.c.requiresGrad {
		return
	}
	grad := func(v *Var) []float32 {
		if v.requiresGrad {
			return v.grad()
		}
		return make([]float32, len(v.Data.Data))
	}
	t := &attentionTask{attnSpec: a, back: true, q: n.a.Data.Data, k: n.b.Data.Data, v: n.c.Data.Data, gy: n.Grad.Data, att: n.s1.Data}
	t.gq = grad(n.a)
	t.gk, t.gv = t.gq, t.gq
	if n.b != n.a {
		t.gk = grad(n.b)
	}
	if n.c == n.b {
		t.gv = t.gk
	} else if n.c != n.a {
		t.gv = grad(n.c)
	}
	if n.s2 != nil {
		t.drop = n.s2.Data
	}
	n.g.parallel(t, a.parts, a.n*a.heads*a.l*a.s*a.e/a.heads*4)
}

func (t *attentionTask) backward(pair int, dp, pd []float32) {
	l, s := t.l, t.s
	d := t.e / t.heads
	scale := float32(1 / math.Sqrt(float64(d)))
	qo, ko, vo, yo, ldq, ldk, ldv, ldy := t.offsets(pair)
	P := t.att[pair*l*s : (pair+1)*l*s]
	pv := P
	if t.drop != nil {
		m := t.drop[pair*l*s : (pair+1)*l*s]
		for i := range pd {
			pd[i] = P[i] * m[i]
		}
		pv = pd
	}
	dy := t.gy[yo:]
	// dV += Pᵀ dY; dP = dY Vᵀ.
	tensor.Gemm(true, false, s, d, l, 1, pv, s, dy, ldy, 1, t.gv[vo:], ldv)
	tensor.Gemm(false, true, l, s, d, 1, dy, ldy, t.v[vo:], ldv, 0, dp, s)
	if t.drop != nil {
		m := t.drop[pair*l*s : (pair+1)*l*s]
		for i := range dp {
			dp[i] *= m[i]
		}
	}
	// dS = P ⊙ (dP - Σ_j dP·P), the softmax's backward, row by row.
	for i := range l {
		row, prow := dp[i*s:(i+1)*s], P[i*s:(i+1)*s]
		tensor.AddScalar(row, row, -tensor.Dot(row, prow))
		tensor.Mul(row, row, prow)
	}
	// dQ += scale dS K; dK += scale dSᵀ Q.
	tensor.Gemm(false, false, l, d, s, scale, dp, s, t.k[ko:], ldk, 1, t.gq[qo:], ldq)
	tensor.Gemm(true, false, s, d, l, scale, dp, s, t.q[qo:], ldq, 1, t.gk[ko:], ldk)
}

// MultiheadAttentionParams are torch.nn.MultiheadAttention's keyword
// arguments that a layer list uses, and attn_mask, which a layer list
// cannot pass to forward: "causal" is the mask of
// generate_square_subsequent_mask (each position attends to itself and
// earlier ones).
type MultiheadAttentionParams struct {
	EmbedDim    int     `json:"embed_dim" auto:"true" min:"1" help:"features per position (the input's last dimension)"`
	NumHeads    int     `json:"num_heads" required:"true" min:"1" help:"parallel attention heads; must divide embed_dim"`
	Dropout     float64 `json:"dropout" min:"0" max:"1" expect:"a probability" help:"dropout probability on the attention weights"`
	Bias        bool    `json:"bias" help:"learn biases of the input and output projections"`
	AddBiasKV   bool    `json:"add_bias_kv" help:"append a learnt key and value (bias_k, bias_v) to every sample's"`
	AddZeroAttn bool    `json:"add_zero_attn" help:"append a zero key and value to every sample's"`
	KDim        *int    `json:"kdim" nullable:"true" type:"int" min:"1" help:"key features (null: embed_dim; a layer's key is its input, so only embed_dim)"`
	VDim        *int    `json:"vdim" nullable:"true" type:"int" min:"1" help:"value features (null: embed_dim; a layer's value is its input, so only embed_dim)"`
	BatchFirst  bool    `json:"batch_first" help:"inputs are (N, L, E) rather than (L, N, E)"`
	AttnMask    *string `json:"attn_mask" nullable:"true" type:"string" enum:"causal" help:"null: every position attends to all; \"causal\": to itself and earlier positions only"`
}

func buildMHA(p MultiheadAttentionParams, c *layerCtx) (*MultiheadAttention, error) {
	e, err := orAuto(p.EmbedDim, "embed_dim", c.lastDim)
	if err != nil {
		return nil, err
	}
	if e%p.NumHeads != 0 {
		return nil, fmt.Errorf("num_heads is %d, which does not divide embed_dim %d (expected a divisor of embed_dim)", p.NumHeads, e)
	}
	for _, d := range []struct {
		name string
		v    *int
	}{{"kdim", p.KDim}, {"vdim", p.VDim}} {
		if d.v != nil && *d.v != e {
			return nil, fmt.Errorf("%s is %d, but in a layer list the key and the value are the layer's input, of embed_dim %d features (expected %d or null; a key or value of other features needs Attend from Go)", d.name, *d.v, e, e)
		}
	}
	causal := false
	if p.AttnMask != nil {
		if *p.AttnMask != "causal" {
			return nil, fmt.Errorf("attn_mask is %q, expected \"causal\" or null", *p.AttnMask)
		}
		causal = true
	}
	return &MultiheadAttention{EmbedDim: e, NumHeads: p.NumHeads, Dropout: p.Dropout, BatchFirst: p.BatchFirst, hasBias: p.Bias,
		AddBiasKV: p.AddBiasKV, AddZeroAttn: p.AddZeroAttn, Causal: causal}, nil
}

func init() {
	registerLayer("MultiheadAttention", "self-attention over the input (query = key = value), optionally causal, as torch.nn.MultiheadAttention",
		func() MultiheadAttentionParams { return MultiheadAttentionParams{Bias: true} },
		func(p MultiheadAttentionParams, c *layerCtx) (Module, error) { return buildMHA(p, c) })
}
