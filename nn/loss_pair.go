package nn

import (
	"math"

	"github.com/mlforge/mlforge/tensor"
)

// The losses of this file take more than one input in PyTorch
// (GaussianNLLLoss(input, target, var), MarginRankingLoss(x1, x2, y),
// CosineEmbeddingLoss(x1, x2, y), TripletMarginLoss(anchor, positive,
// negative)). Each has a method taking PyTorch's arguments; its Forward,
// which the Loss interface fixes to one input, takes them packed along the
// last dimension, as torch.cat(inputs, dim=-1) would: [mean | var],
// [x1 | x2] or [anchor | positive | negative]. A layer-list network has a
// single output and a class label or value as its target, which gives none
// of these losses what it compares, so a spec refuses them (PackedInputs
// says what they take).

// PackedInputs describes the inputs a loss of this file takes packed in
// Forward's input ("" for the other losses).
func PackedInputs(l Loss) string {
	if p, ok := l.(interface{ packedInputs() string }); ok {
		return p.packedInputs()
	}
	return ""
}

// Pack joins xs, all of the same shape, along their last dimension, as
// torch.cat(xs, dim=-1); gradients flow back into each. At most three.
func (g *Graph) Pack(xs ...*Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if len(xs) < 1 || len(xs) > 3 {
		return g.fail("Pack: %d inputs, expected 1 to 3", len(xs))
	}
	s := xs[0].Data.Shape
	if len(s) == 0 {
		return g.fail("Pack: a scalar input, expected at least one dimension")
	}
	for _, x := range xs[1:] {
		if !sameShape(x.Data.Shape, s) {
			return g.fail("Pack: inputs of shapes %v and %v, expected the same shape", s, x.Data.Shape)
		}
	}
	w := s[len(s)-1]
	k := len(xs)
	shape := append([]int(nil), s...)
	shape[len(s)-1] = w * k
	y := g.buf(shape...)
	rows := len(xs[0].Data.Data) / max(w, 1)
	for j, x := range xs {
		for r := range rows {
			copy(y.Data[r*w*k+j*w:r*w*k+(j+1)*w], x.Data.Data[r*w:(r+1)*w])
		}
	}
	var a, b, c *Var
	a = xs[0]
	if k > 1 {
		b = xs[1]
	}
	if k > 2 {
		c = xs[2]
	}
	n := g.newNode(y, packBack, a, b, c)
	n.ints[0], n.ints[1] = w, k
	return n
}

func packBack(n *Var) {
	w, k := n.ints[0], n.ints[1]
	gy := n.Grad.Data
	rows := len(gy) / max(w*k, 1)
	for j, x := range []*Var{n.a, n.b, n.c}[:k] {
		if !x.requiresGrad {
			continue
		}
		gx := x.grad()
		for r := range rows {
			src := gy[r*w*k+j*w : r*w*k+(j+1)*w]
			dst := gx[r*w : (r+1)*w]
			for i, v := range src {
				dst[i] += v
			}
		}
	}
}

// packedLoss finishes a loss of packed rows: rows of w input elements each
// hold k units of loss (k = 1: a unit per row; GaussianNLLLoss: k = w/2,
// a unit per mean), vals holds the units' losses (shaped as reduction
// "none" returns them) and d the derivative of its unit's loss with
// respect to each input element. Mean divides the sum by the number of
// units.
func (g *Graph) packedLoss(input *Var, vals, d *tensor.Tensor, w, k, red int) *Var {
	return g.unitLossK(input, vals, d, w, k, red, float64(len(vals.Data)))
}

// packedRows checks a packed input of parts inputs along the last
// dimension and returns the number of rows, the packed width and whether
// the input is batched ((N, parts·D) rather than (parts·D)).
func packedRows(shape []int, parts int) (rows, w int, batched, ok bool) {
	switch len(shape) {
	case 1:
		rows, w = 1, shape[0]
	case 2:
		rows, w, batched = shape[0], shape[1], true
	default:
		return 0, 0, false, false
	}
	return rows, w, batched, w > 0 && w%parts == 0
}

// GaussianNLLLoss is the negative log-likelihood of a target under
// Gaussians of predicted means and variances: 0.5·(log(max(var, Eps)) +
// (input - target)²/max(var, Eps)), plus 0.5·log(2π) with Full
// (torch.nn.GaussianNLLLoss). The clamp to Eps passes the gradient
// unchanged, as PyTorch's clamp under no_grad does. A negative variance is
// an error.
//
// Forward takes the mean and the variance packed along the last
// dimension, [mean | var] (N, 2k) or (2k), and a target (N, k) or (k);
// GaussianNLL takes them apart.
type GaussianNLLLoss struct {
	Full      bool    `json:"full" help:"add the constant 0.5·log(2π)"`
	Eps       float64 `json:"eps" min:"0" help:"the variances are clamped to at least eps (for stability)"`
	Reduction string  `json:"reduction" enum:"mean,sum,none" help:"how the per-element losses are combined"`
}

func (*GaussianNLLLoss) packedInputs() string {
	return "a mean, a target and a variance (torch: loss(input, target, var))"
}

// GaussianNLL computes the loss of target under means input and variances
// v, which has input's shape, or a last dimension of 1 or none (one
// variance per sample, as PyTorch allows).
func (l *GaussianNLLLoss) GaussianNLL(g *Graph, input, target, v *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	s := input.Data.Shape
	if len(s) > 0 && sameShape(v.Data.Shape, s[:len(s)-1]) && s[len(s)-1] != 1 {
		// one variance per sample, without its last dimension
		v = g.Reshape(v, append(append([]int(nil), s[:len(s)-1]...), 1)...)
	}
	if vs := v.Data.Shape; len(s) > 0 && len(vs) == len(s) && vs[len(vs)-1] == 1 && s[len(s)-1] != 1 && sameShape(vs[:len(vs)-1], s[:len(s)-1]) {
		// broadcast the variance over the last dimension
		rep := g.buf(s...)
		w := s[len(s)-1]
		for r, val := range v.Data.Data {
			for j := range w {
				rep.Data[r*w+j] = val
			}
		}
		v = g.newNode(rep, broadcastLastBack, v, nil, nil)
		v.ints[0] = w
	}
	if !sameShape(v.Data.Shape, s) {
		return g.fail("GaussianNLLLoss: var of shape %v, expected the input's shape %v or a last dimension of 1", v.Data.Shape, s)
	}
	if len(s) == 0 {
		input, target, v = g.Reshape(input, 1), g.Reshape(target, 1), g.Reshape(v, 1)
	}
	return l.Forward(g, g.Pack(input, v), target)
}

func broadcastLastBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	w := n.ints[0]
	gx := n.a.grad()
	for i, v := range n.Grad.Data {
		gx[i/w] += v
	}
}

// Forward computes the loss of a packed [mean | var] input.
func (l *GaussianNLLLoss) Forward(g *Graph, input, target *Var) *Var {
	const name = "GaussianNLLLoss"
	if g.err != nil {
		return g.deadVar()
	}
	red, err := reductionCode(l.Reduction)
	if err != nil {
		return g.fail("%s: %v", name, err)
	}
	if !(l.Eps >= 0) {
		return g.fail("%s: eps is %v, expected a number ≥ 0", name, l.Eps)
	}
	rows, w, batched, ok := packedRows(input.Data.Shape, 2)
	k := w / 2
	want := []int{k}
	if batched {
		want = []int{rows, k}
	}
	if !ok || !sameShape(target.Data.Shape, want) {
		return g.fail("%s: input of shape %v and target of shape %v, expected the input [mean | var] packed along the last dimension, (N, 2k) or (2k), and the target (N, k) or (k)", name, input.Data.Shape, target.Data.Shape)
	}
	x, y := input.Data.Data, target.Data.Data
	eps := float32(l.Eps)
	vals, d := g.buf(want...), g.bufLike(input.Data)
	var c float64
	if l.Full {
		c = 0.5 * math.Log(2*math.Pi)
	}
	for r := range rows {
		for j := range k {
			vr := x[r*w+k+j]
			if vr < 0 {
				return g.fail("%s: var %v at position %d is negative, expected variances ≥ 0", name, vr, r*k+j)
			}
			vc := float64(max(vr, eps))
			diff := float64(x[r*w+j]) - float64(y[r*k+j])
			vals.Data[r*k+j] = float32(0.5*(math.Log(vc)+diff*diff/vc) + c)
			d.Data[r*w+j] = float32(diff / vc)
			d.Data[r*w+k+j] = float32(0.5 * (1/vc - diff*diff/(vc*vc)))
		}
	}
	return g.packedLoss(input, vals, d, w, k, red)
}

// MarginRankingLoss is max(0, -y·(x1 - x2) + Margin) for targets y of ±1
// (torch.nn.MarginRankingLoss): x1 should rank above x2 where y is 1.
//
// Forward takes x1 and x2 packed as (N, 2), a target (N); MarginRanking
// takes them apart, each (N).
type MarginRankingLoss struct {
	Margin float64 `json:"margin" help:"the margin"`
	LegacyReduction
	Reduction string `json:"reduction" enum:"mean,sum,none" help:"how the per-sample losses are combined"`
}

func (*MarginRankingLoss) packedInputs() string {
	return "two inputs to rank, x1 and x2, and a target of ±1 (torch: loss(x1, x2, y))"
}

// MarginRanking computes the loss of x1 and x2, each (N), for targets y
// (N).
func (l *MarginRankingLoss) MarginRanking(g *Graph, x1, x2, y *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if x1.Data.Dim() != 1 || !sameShape(x1.Data.Shape, x2.Data.Shape) {
		return g.fail("MarginRankingLoss: x1 of shape %v and x2 of shape %v, expected both (N)", x1.Data.Shape, x2.Data.Shape)
	}
	n := x1.Data.Shape[0]
	return l.Forward(g, g.Pack(g.Reshape(x1, n, 1), g.Reshape(x2, n, 1)), y)
}

// Forward computes the loss of a packed (N, 2) input.
func (l *MarginRankingLoss) Forward(g *Graph, input, target *Var) *Var {
	const name = "MarginRankingLoss"
	if g.err != nil {
		return g.deadVar()
	}
	red, err := reductionCode(l.Reduction)
	if err != nil {
		return g.fail("%s: %v", name, err)
	}
	s := input.Data.Shape
	if len(s) != 2 || s[1] != 2 || !sameShape(target.Data.Shape, s[:1]) {
		return g.fail("%s: input of shape %v and target of shape %v, expected x1 and x2 packed as (N, 2) and the target (N)", name, s, target.Data.Shape)
	}
	N := s[0]
	x, y := input.Data.Data, target.Data.Data
	vals, d := g.buf(N), g.zbuf(s...)
	m := l.Margin
	for i := range N {
		yf := float64(y[i])
		z := -yf*(float64(x[2*i])-float64(x[2*i+1])) + m
		if z >= 0 { // clamp_min passes the gradient at 0
			vals.Data[i] = float32(z)
			d.Data[2*i], d.Data[2*i+1] = float32(-yf), float32(yf)
		} else {
			vals.Data[i] = 0
		}
	}
	return g.packedLoss(input, vals, d, 2, 1, red)
}

// CosineEmbeddingLoss is 1 - cos(x1, x2) for targets 1 and max(0,
// cos(x1, x2) - Margin) for targets -1, 0 for other targets
// (torch.nn.CosineEmbeddingLoss, whose cosine adds 1e-12 to each squared
// norm).
//
// Forward takes x1 and x2 packed along the last dimension, (N, 2D) or
// (2D), and a target (N) or (); CosineEmbedding takes them apart, each
// (N, D) or (D).
type CosineEmbeddingLoss struct {
	Margin float64 `json:"margin" help:"the margin for targets -1 (PyTorch suggests 0 to 0.5)"`
	LegacyReduction
	Reduction string `json:"reduction" enum:"mean,sum,none" help:"how the per-sample losses are combined"`
}

func (*CosineEmbeddingLoss) packedInputs() string {
	return "two inputs to compare, x1 and x2, and a target of ±1 (torch: loss(x1, x2, y))"
}

// CosineEmbedding computes the loss of x1 and x2, (N, D) or (D), for
// targets y, (N) or ().
func (l *CosineEmbeddingLoss) CosineEmbedding(g *Graph, x1, x2, y *Var) *Var {
	return l.Forward(g, g.Pack(x1, x2), y)
}

// Forward computes the loss of a packed [x1 | x2] input.
func (l *CosineEmbeddingLoss) Forward(g *Graph, input, target *Var) *Var {
	const name = "CosineEmbeddingLoss"
	if g.err != nil {
		return g.deadVar()
	}
	red, err := reductionCode(l.Reduction)
	if err != nil {
		return g.fail("%s: %v", name, err)
	}
	rows, w, batched, ok := packedRows(input.Data.Shape, 2)
	if !ok || len(target.Data.Data) != rows || target.Data.Dim() != input.Data.Dim()-1 {
		return g.fail("%s: input of shape %v and target of shape %v, expected x1 and x2 packed along the last dimension, (N, 2D) or (2D), and the target (N) or ()", name, input.Data.Shape, target.Data.Shape)
	}
	D := w / 2
	x, y := input.Data.Data, target.Data.Data
	vals, d := g.sampleVals(rows, batched), g.zbuf(input.Data.Shape...)
	const tiny = 1e-12
	for r := range rows {
		a, b := x[r*w:r*w+D], x[r*w+D:r*w+w]
		var p, m1, m2 float64
		for j := range D {
			af, bf := float64(a[j]), float64(b[j])
			p += af * bf
			m1 += af * af
			m2 += bf * bf
		}
		m1 += tiny
		m2 += tiny
		den := math.Sqrt(m1 * m2)
		cos := p / den
		var sgn float64
		switch y[r] {
		case 1:
			vals.Data[r], sgn = float32(1-cos), -1
		case -1:
			if z := cos - l.Margin; z >= 0 {
				vals.Data[r], sgn = float32(z), 1
			} else {
				vals.Data[r] = 0
			}
		default:
			vals.Data[r] = 0
		}
		if sgn == 0 {
			continue
		}
		da, db := d.Data[r*w:r*w+D], d.Data[r*w+D:r*w+w]
		for j := range D {
			af, bf := float64(a[j]), float64(b[j])
			da[j] = float32(sgn * (bf/den - cos*af/m1))
			db[j] = float32(sgn * (af/den - cos*bf/m2))
		}
	}
	return g.packedLoss(input, vals, d, w, 1, red)
}

// TripletMarginLoss is max(0, Margin + d(a, p) - d(a, n)) for anchors a,
// positives p and negatives n, d the p-norm distance ‖x - y + Eps‖_P; with
// Swap, d(a, n) is replaced by d(p, n) where that is smaller
// (torch.nn.TripletMarginLoss).
//
// Forward takes the three packed along the last dimension, (N, 3D) or
// (3D), and ignores its target; TripletMargin takes them apart, each
// (N, D) or (D).
type TripletMarginLoss struct {
	Margin float64 `json:"margin" help:"the margin between the positive and negative distances"`
	P      float64 `json:"p" gt:"0" help:"the norm degree of the pairwise distance"`
	Eps    float64 `json:"eps" help:"added to the differences before their norm"`
	Swap   bool    `json:"swap" help:"use the distance between positive and negative where it is smaller (distance swap)"`
	LegacyReduction
	Reduction string `json:"reduction" enum:"mean,sum,none" help:"how the per-sample losses are combined"`
}

func (*TripletMarginLoss) packedInputs() string {
	return "three inputs, an anchor, a positive and a negative example (torch: loss(anchor, positive, negative))"
}

// TripletMargin computes the loss of anchors a, positives p and negatives
// n, each (N, D) or (D).
func (l *TripletMarginLoss) TripletMargin(g *Graph, a, p, n *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	packed := g.Pack(a, p, n)
	var t *tensor.Tensor
	if a.Data.Dim() == 2 {
		t = g.buf(a.Data.Shape[0])
	} else {
		t = g.buf(1)
		t.Shape = t.Shape[:0]
	}
	return l.Forward(g, packed, g.Const(t))
}

// pnorm returns ‖u - v + eps‖_p and writes its gradient with respect to u
// into du (which is -its gradient with respect to v); a zero distance has
// a zero gradient, as PyTorch's norm.
func pnorm(u, v []float32, eps, p float64, du []float64) float64 {
	var s float64
	for j := range u {
		z := math.Abs(float64(u[j]) - float64(v[j]) + eps)
		switch p {
		case 1:
			s += z
		case 2:
			s += z * z
		default:
			s += math.Pow(z, p)
		}
	}
	var nrm float64
	switch p {
	case 1:
		nrm = s
	case 2:
		nrm = math.Sqrt(s)
	default:
		nrm = math.Pow(s, 1/p)
	}
	for j := range u {
		z := float64(u[j]) - float64(v[j]) + eps
		switch {
		case nrm == 0:
			du[j] = 0
		case p == 1:
			du[j] = sign(z)
		case p == 2:
			du[j] = z / nrm
		default:
			du[j] = sign(z) * math.Pow(math.Abs(z), p-1) / math.Pow(nrm, p-1)
		}
	}
	return nrm
}

// Forward computes the loss of a packed [anchor | positive | negative]
// input; the target is not read.
func (l *TripletMarginLoss) Forward(g *Graph, input, target *Var) *Var {
	const name = "TripletMarginLoss"
	if g.err != nil {
		return g.deadVar()
	}
	red, err := reductionCode(l.Reduction)
	if err != nil {
		return g.fail("%s: %v", name, err)
	}
	if !(l.P > 0) || math.IsInf(l.P, 0) {
		return g.fail("%s: p is %v, expected a finite positive norm degree", name, l.P)
	}
	rows, w, batched, ok := packedRows(input.Data.Shape, 3)
	if !ok {
		return g.fail("%s: input of shape %v, expected the anchor, positive and negative packed along the last dimension, (N, 3D) or (3D)", name, input.Data.Shape)
	}
	D := w / 3
	x := input.Data.Data
	vals, d := g.sampleVals(rows, batched), g.zbuf(input.Data.Shape...)
	gp, gn, gs := make([]float64, D), make([]float64, D), make([]float64, D)
	for r := range rows {
		a, p, n := x[r*w:r*w+D], x[r*w+D:r*w+2*D], x[r*w+2*D:r*w+w]
		dp := pnorm(a, p, l.Eps, l.P, gp)
		dn := pnorm(a, n, l.Eps, l.P, gn)
		wn, ws := 1.0, 0.0
		if l.Swap {
			ds := pnorm(p, n, l.Eps, l.P, gs)
			switch {
			case ds < dn:
				dn, wn, ws = ds, 0, 1
			case ds == dn: // torch.min splits the gradient of a tie
				wn, ws = 0.5, 0.5
			}
		}
		z := l.Margin + dp - dn
		if z < 0 {
			vals.Data[r] = 0
			continue
		}
		vals.Data[r] = float32(z)
		da, dpp, dnn := d.Data[r*w:r*w+D], d.Data[r*w+D:r*w+2*D], d.Data[r*w+2*D:r*w+w]
		for j := range D {
			// z = dp(a, p) - wn·dn(a, n) - ws·ds(p, n)
			da[j] = float32(gp[j] - wn*gn[j])
			dpp[j] = float32(-gp[j] - ws*gs[j])
			dnn[j] = float32(wn*gn[j] + ws*gs[j])
		}
	}
	return g.packedLoss(input, vals, d, w, 1, red)
}

func init() {
	registerLoss("GaussianNLLLoss", "negative log-likelihood of Gaussians of predicted means and variances, packed [mean | var] along the last dimension",
		func() GaussianNLLLoss { return GaussianNLLLoss{Eps: 1e-6, Reduction: "mean"} })
	registerLoss("MarginRankingLoss", "hinge loss ranking x1 against x2 for targets ±1, x1 and x2 packed as (N, 2)",
		func() MarginRankingLoss { return MarginRankingLoss{Reduction: "mean"} })
	registerLoss("CosineEmbeddingLoss", "1 - cos(x1, x2) for targets 1, max(0, cos - margin) for -1, x1 and x2 packed along the last dimension",
		func() CosineEmbeddingLoss { return CosineEmbeddingLoss{Reduction: "mean"} })
	registerLoss("TripletMarginLoss", "max(0, margin + d(anchor, positive) - d(anchor, negative)), the three packed along the last dimension",
		func() TripletMarginLoss { return TripletMarginLoss{Margin: 1, P: 2, Eps: 1e-6, Reduction: "mean"} })
}
