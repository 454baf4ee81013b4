package nn

import (
	"math"

	"github.com/mlforge/mlforge/tensor"
)

// elementwise loss kinds
const (
	lossMSE = iota
	lossL1
	lossSmoothL1
	lossBCE
	lossBCELogits
	lossHuber
	lossPoisson
	lossKLDiv
	lossHinge
	lossSoftMargin
)

// redBatchMean is KLDivLoss's "batchmean": the sum divided by the batch
// size.
const redBatchMean = redNone + 1

// elemValue returns one element's loss and its derivative with respect to
// the input x, for target y, the kind's parameters p and the positive
// weight pw (BCEWithLogitsLoss).
func elemValue(kind int, x, y float32, p *[4]float32, pw float32) (loss, grad float64) {
	xf, yf := float64(x), float64(y)
	d := xf - yf
	switch kind {
	case lossMSE:
		return d * d, 2 * d
	case lossL1:
		return math.Abs(d), sign(d)
	case lossSmoothL1:
		b := float64(p[0])
		if math.Abs(d) < b {
			return 0.5 * d * d / b, d / b
		}
		return math.Abs(d) - 0.5*b, sign(d)
	case lossBCE:
		lx := math.Max(math.Log(xf), -100)
		l1x := math.Max(math.Log(1-xf), -100)
		return -(yf*lx + (1-yf)*l1x), (xf - yf) / math.Max((1-xf)*xf, 1e-12)
	case lossBCELogits:
		lw := 1 + (float64(pw)-1)*yf
		sp := math.Log1p(math.Exp(-math.Abs(xf))) + math.Max(-xf, 0)
		sigNeg := 1 / (1 + math.Exp(xf))
		return (1-yf)*xf + lw*sp, (1 - yf) - lw*sigNeg
	case lossHuber: // p[0]: delta
		dl := float64(p[0])
		if math.Abs(d) < dl {
			return 0.5 * d * d, d
		}
		if math.Abs(d) == dl {
			return dl * (math.Abs(d) - 0.5*dl), d
		}
		return dl * (math.Abs(d) - 0.5*dl), dl * sign(d)
	case lossPoisson: // p[0]: log_input, p[1]: full, p[2]: eps
		var l, g float64
		if p[0] != 0 {
			e := math.Exp(xf)
			l, g = e-yf*xf, e-yf
		} else {
			l, g = xf-yf*math.Log(xf+float64(p[2])), 1-yf/(xf+float64(p[2]))
		}
		if p[1] != 0 && yf > 1 {
			l += yf*math.Log(yf) - yf + 0.5*math.Log(2*math.Pi*yf)
		}
		return l, g
	case lossKLDiv: // p[0]: log_target
		if p[0] != 0 {
			e := math.Exp(yf)
			return e * (yf - xf), -e
		}
		var xlogy float64
		if yf != 0 {
			xlogy = yf * math.Log(yf)
		}
		return xlogy - yf*xf, -yf
	case lossHinge: // p[0]: margin; PyTorch's clamp_min passes the gradient at 0
		var l, g float64
		if y != 1 {
			if m := float64(p[0]) - xf; m >= 0 {
				l, g = m, -1
			}
		}
		if y != -1 {
			l, g = l+xf, g+1
		}
		return l, g
	default: // soft margin: log(1 + exp(-y·x))
		z := -yf * xf
		sp := math.Log1p(math.Exp(-math.Abs(z))) + math.Max(z, 0)
		return sp, -yf / (1 + math.Exp(-z))
	}
}

// elemLoss computes an elementwise loss of input against a target of the
// same shape; weight and posWeight (nil: none) apply along the last
// dimension.
func (g *Graph) elemLoss(name string, kind int, input, target *Var, reduction string, p [4]float32, weight, posWeight []float32) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	red, err := reductionCode(reduction)
	if reduction == "batchmean" && kind == lossKLDiv {
		red, err = redBatchMean, nil
	}
	if err != nil {
		return g.fail("%s: %v", name, err)
	}
	if !sameShape(input.Data.Shape, target.Data.Shape) {
		return g.fail("%s: input of shape %v and target of shape %v differ (expected the same shape)", name, input.Data.Shape, target.Data.Shape)
	}
	nd := input.Data.Dim()
	last := 1
	if nd > 0 {
		last = input.Data.Shape[nd-1]
	}
	if posWeight != nil && len(posWeight) != last {
		return g.fail("%s: pos_weight has %d elements, expected the size of the last dimension (%d)", name, len(posWeight), last)
	}
	if weight != nil && len(weight) != last {
		return g.fail("%s: weight has %d elements, expected the size of the last dimension (%d)", name, len(weight), last)
	}
	if kind == lossBCE {
		for i, v := range input.Data.Data {
			if !(v >= 0 && v <= 1) {
				return g.fail("%s: input %v at position %d is not a probability in [0, 1]", name, v, i)
			}
		}
	}
	xd, yd := input.Data.Data, target.Data.Data
	vals := g.bufLike(input.Data)
	d := g.bufLike(input.Data)
	for i, x := range xd {
		pw := float32(1)
		if posWeight != nil {
			pw = posWeight[i%last]
		}
		l, gr := elemValue(kind, x, yd[i], &p, pw)
		if weight != nil {
			w := float64(weight[i%last])
			l, gr = l*w, gr*w
		}
		vals.Data[i], d.Data[i] = float32(l), float32(gr)
	}
	den := float64(len(xd))
	if red == redBatchMean {
		red, den = redMean, 1
		if nd > 0 {
			den = float64(input.Data.Shape[0])
		}
	}
	return g.unitLoss(input, vals, d, 1, red, den)
}

// unitLoss finishes a loss computed per unit, an element (per 1) or a
// sample of per elements: vals holds each unit's loss (shaped as the
// output of reduction "none"), d the derivative of its unit's loss with
// respect to each input element. Mean divides the sum by den.
func (g *Graph) unitLoss(input *Var, vals, d *tensor.Tensor, per, red int, den float64) *Var {
	return g.unitLossK(input, vals, d, per, 1, red, den)
}

// unitLossK is unitLoss where each unit of per input elements holds k
// losses, the unit's element j feeding loss j mod k (GaussianNLLLoss's
// packed means and variances: k = per/2); k = 1 is unitLoss.
func (g *Graph) unitLossK(input *Var, vals, d *tensor.Tensor, per, k, red int, den float64) *Var {
	out := vals
	if red != redNone {
		var s float64
		for _, v := range vals.Data {
			s += float64(v)
		}
		out = g.buf(1)
		out.Shape = out.Shape[:0]
		switch {
		case red == redSum:
			out.Data[0] = float32(s)
		case den == 0:
			out.Data[0] = float32(math.NaN())
		default:
			out.Data[0] = float32(s / den)
		}
	}
	node := g.newNode(out, unitLossBack, input, nil, nil)
	node.s1 = d
	node.ints[0], node.ints[1], node.ints[2] = per, red, k
	node.f[0] = 1
	if red == redMean {
		node.f[0] = float32(1 / den)
	}
	return node
}

func unitLossBack(n *Var) {
	x := n.a
	if !x.requiresGrad {
		return
	}
	per, red, k, scale := n.ints[0], n.ints[1], n.ints[2], n.f[0]
	gx, d, gy := x.grad(), n.s1.Data, n.Grad.Data
	if red != redNone {
		up := gy[0] * scale
		for i, v := range d {
			gx[i] += up * v
		}
		return
	}
	if k > 1 {
		for i, v := range d {
			gx[i] += gy[(i/per)*k+(i%per)%k] * v
		}
		return
	}
	for i, v := range d {
		gx[i] += gy[i/per] * v
	}
}

// HuberLoss is 0.5·d² for |d| < Delta and Delta·(|d| - 0.5·Delta) beyond,
// d = input - target (torch.nn.HuberLoss).
type HuberLoss struct {
	Reduction string  `json:"reduction" enum:"mean,sum,none" help:"how the per-element losses are combined"`
	Delta     float64 `json:"delta" gt:"0" help:"threshold between the quadratic and linear parts"`
}

// Forward computes the loss.
func (l *HuberLoss) Forward(g *Graph, input, target *Var) *Var {
	if !(l.Delta > 0) {
		return g.fail("HuberLoss: delta is %v, expected a positive value", l.Delta)
	}
	return g.elemLoss("HuberLoss", lossHuber, input, target, l.Reduction, [4]float32{float32(l.Delta)}, nil, nil)
}

// PoissonNLLLoss is the negative log-likelihood of a Poisson target:
// exp(x) - y·x with LogInput, x - y·log(x + Eps) without; Full adds
// Stirling's approximation of log(y!) for y > 1 (torch.nn.PoissonNLLLoss).
type PoissonNLLLoss struct {
	LogInput bool    `json:"log_input" help:"the input is the log of the rate"`
	Full     bool    `json:"full" help:"add the Stirling approximation term"`
	Eps      float64 `json:"eps" min:"0" help:"added to the rate before its log when log_input is false"`
	LegacyReduction
	Reduction string `json:"reduction" enum:"mean,sum,none" help:"how the per-element losses are combined"`
}

// Forward computes the loss.
func (l *PoissonNLLLoss) Forward(g *Graph, input, target *Var) *Var {
	var p [4]float32
	if l.LogInput {
		p[0] = 1
	}
	if l.Full {
		p[1] = 1
	}
	p[2] = float32(l.Eps)
	return g.elemLoss("PoissonNLLLoss", lossPoisson, input, target, l.Reduction, p, nil, nil)
}

// KLDivLoss is the Kullback-Leibler divergence of the target distribution
// from the input, which holds log-probabilities: y·(log y - x), or with
// LogTarget (the target holds log-probabilities too) exp(y)·(y - x)
// (torch.nn.KLDivLoss). Reduction "batchmean" divides the sum by the batch
// size, which is the divergence; "mean" divides by the number of elements,
// as PyTorch does.
type KLDivLoss struct {
	LegacyReduction
	Reduction string `json:"reduction" enum:"mean,batchmean,sum,none" help:"how the per-element terms are combined (batchmean: the divergence per sample)"`
	LogTarget bool   `json:"log_target" help:"the target holds log-probabilities"`
}

// Forward computes the loss.
func (l *KLDivLoss) Forward(g *Graph, input, target *Var) *Var {
	var p [4]float32
	if l.LogTarget {
		p[0] = 1
	}
	return g.elemLoss("KLDivLoss", lossKLDiv, input, target, l.Reduction, p, nil, nil)
}

// HingeEmbeddingLoss is x where the target is 1 and max(0, Margin - x)
// where it is -1 (torch.nn.HingeEmbeddingLoss, whose input is usually a
// distance).
type HingeEmbeddingLoss struct {
	Margin float64 `json:"margin" help:"the margin for targets -1"`
	LegacyReduction
	Reduction string `json:"reduction" enum:"mean,sum,none" help:"how the per-element losses are combined"`
}

// Forward computes the loss.
func (l *HingeEmbeddingLoss) Forward(g *Graph, input, target *Var) *Var {
	return g.elemLoss("HingeEmbeddingLoss", lossHinge, input, target, l.Reduction, [4]float32{float32(l.Margin)}, nil, nil)
}

// SoftMarginLoss is the logistic loss log(1 + exp(-y·x)) of targets ±1
// (torch.nn.SoftMarginLoss).
type SoftMarginLoss struct {
	LegacyReduction
	Reduction string `json:"reduction" enum:"mean,sum,none" help:"how the per-element losses are combined"`
}

// Forward computes the loss.
func (l *SoftMarginLoss) Forward(g *Graph, input, target *Var) *Var {
	return g.elemLoss("SoftMarginLoss", lossSoftMargin, input, target, l.Reduction, [4]float32{}, nil, nil)
}

// samples returns N and C of a (N, C) or (C) input, or ok false.
func samples(shape []int) (n, c int, batched, ok bool) {
	switch len(shape) {
	case 1:
		return 1, shape[0], false, true
	case 2:
		return shape[0], shape[1], true, true
	}
	return 0, 0, false, false
}

// sampleVals returns the buffer of per-sample losses, shaped (N) or ()
// like PyTorch's reduction "none".
func (g *Graph) sampleVals(n int, batched bool) *tensor.Tensor {
	v := g.buf(n)
	if !batched {
		v.Shape = v.Shape[:0]
	}
	return v
}

// MultiLabelSoftMarginLoss is the binary cross-entropy of logits against
// 0/1 targets averaged over the C classes of each sample, with a weight
// per class (torch.nn.MultiLabelSoftMarginLoss). Input and target are
// (N, C) or (C).
type MultiLabelSoftMarginLoss struct {
	Weight []float32 `json:"weight" nullable:"true" help:"a weight per class"`
	LegacyReduction
	Reduction string `json:"reduction" enum:"mean,sum,none" help:"how the per-sample losses are combined"`
}

// Forward computes the loss.
func (l *MultiLabelSoftMarginLoss) Forward(g *Graph, input, target *Var) *Var {
	const name = "MultiLabelSoftMarginLoss"
	if g.err != nil {
		return g.deadVar()
	}
	red, err := reductionCode(l.Reduction)
	if err != nil {
		return g.fail("%s: %v", name, err)
	}
	N, C, batched, ok := samples(input.Data.Shape)
	if !ok || !sameShape(input.Data.Shape, target.Data.Shape) {
		return g.fail("%s: input of shape %v and target of shape %v, expected both (N, C) or (C)", name, input.Data.Shape, target.Data.Shape)
	}
	if l.Weight != nil && len(l.Weight) != C {
		return g.fail("%s: weight has %d elements, expected one per class (%d)", name, len(l.Weight), C)
	}
	x, y := input.Data.Data, target.Data.Data
	vals, d := g.sampleVals(N, batched), g.bufLike(input.Data)
	for n := 0; n < N; n++ {
		var s float64
		for c := 0; c < C; c++ {
			i := n*C + c
			xf, yf := float64(x[i]), float64(y[i])
			// log σ(x) = -softplus(-x), log σ(-x) = -softplus(x)
			spNeg := math.Log1p(math.Exp(-math.Abs(xf))) + math.Max(-xf, 0)
			sp := spNeg + xf
			w := 1.0
			if l.Weight != nil {
				w = float64(l.Weight[c])
			}
			s += w * (yf*spNeg + (1-yf)*sp)
			d.Data[i] = float32(w * (1/(1+math.Exp(-xf)) - yf) / float64(C))
		}
		vals.Data[n] = float32(s / float64(C))
	}
	return g.unitLoss(input, vals, d, C, red, float64(N))
}

// MultiMarginLoss is the multi-class hinge loss: for target class y,
// Σᵢ≠y max(0, Margin - x[y] + x[i])^P / C, each term times Weight[y]
// (torch.nn.MultiMarginLoss). Input is (N, C) or (C), target (N) or ()
// class indices.
type MultiMarginLoss struct {
	P      int       `json:"p" enum:"1,2" help:"the power of the hinge, 1 or 2"`
	Margin float64   `json:"margin" help:"the margin"`
	Weight []float32 `json:"weight" nullable:"true" help:"a weight per class"`
	LegacyReduction
	Reduction string `json:"reduction" enum:"mean,sum,none" help:"how the per-sample losses are combined"`
}

// Forward computes the loss.
func (l *MultiMarginLoss) Forward(g *Graph, input, target *Var) *Var {
	const name = "MultiMarginLoss"
	if g.err != nil {
		return g.deadVar()
	}
	red, err := reductionCode(l.Reduction)
	if err != nil {
		return g.fail("%s: %v", name, err)
	}
	if l.P != 1 && l.P != 2 {
		return g.fail("%s: p is %d, expected 1 or 2", name, l.P)
	}
	N, C, batched, ok := samples(input.Data.Shape)
	if !ok || len(target.Data.Data) != N || target.Data.Dim() != input.Data.Dim()-1 {
		return g.fail("%s: input of shape %v and target of shape %v, expected input (N, C) and target (N), or (C) and ()", name, input.Data.Shape, target.Data.Shape)
	}
	if l.Weight != nil && len(l.Weight) != C {
		return g.fail("%s: weight has %d elements, expected one per class (%d)", name, len(l.Weight), C)
	}
	x := input.Data.Data
	vals, d := g.sampleVals(N, batched), g.zbuf(input.Data.Shape...)
	margin := float64(l.Margin)
	for n := 0; n < N; n++ {
		tv := target.Data.Data[n]
		y := int(tv)
		if float32(y) != tv || y < 0 || y >= C {
			return g.fail("%s: target %v at position %d is not a class index in [0, %d)", name, tv, n, C)
		}
		w := 1.0
		if l.Weight != nil {
			w = float64(l.Weight[y])
		}
		row := x[n*C : n*C+C]
		var s float64
		for i := 0; i < C; i++ {
			if i == y {
				continue
			}
			z := margin - float64(row[y]) + float64(row[i])
			if z <= 0 {
				continue
			}
			h, dh := z, 1.0
			if l.P == 2 {
				h, dh = z*z, 2*z
			}
			s += w * h
			gi := float32(w * dh / float64(C))
			d.Data[n*C+i] += gi
			d.Data[n*C+y] -= gi
		}
		vals.Data[n] = float32(s / float64(C))
	}
	return g.unitLoss(input, vals, d, C, red, float64(N))
}

// MultiLabelMarginLoss is the multi-label hinge loss: for the target
// classes j of a sample and every other class i, max(0, 1 - (x[j] - x[i]))
// summed and divided by C (torch.nn.MultiLabelMarginLoss). Input is (N, C)
// or (C); the target has the same shape and lists the sample's classes
// first, ended by -1 (or filling the row).
type MultiLabelMarginLoss struct {
	LegacyReduction
	Reduction string `json:"reduction" enum:"mean,sum,none" help:"how the per-sample losses are combined"`
}

// Forward computes the loss.
func (l *MultiLabelMarginLoss) Forward(g *Graph, input, target *Var) *Var {
	const name = "MultiLabelMarginLoss"
	if g.err != nil {
		return g.deadVar()
	}
	red, err := reductionCode(l.Reduction)
	if err != nil {
		return g.fail("%s: %v", name, err)
	}
	N, C, batched, ok := samples(input.Data.Shape)
	if !ok || !sameShape(input.Data.Shape, target.Data.Shape) {
		return g.fail("%s: input of shape %v and target of shape %v, expected both (N, C) or (C)", name, input.Data.Shape, target.Data.Shape)
	}
	x := input.Data.Data
	vals, d := g.sampleVals(N, batched), g.zbuf(input.Data.Shape...)
	isTarget := g.ibuf(C)
	for n := 0; n < N; n++ {
		for c := range isTarget {
			isTarget[c] = 0
		}
		trow := target.Data.Data[n*C : n*C+C]
		k := 0
		for ; k < C; k++ {
			tv := trow[k]
			j := int(tv)
			if float32(j) != tv || j < -1 || j >= C {
				return g.fail("%s: target %v at position %d is not a class index in [0, %d) or -1", name, tv, n*C+k, C)
			}
			if j == -1 {
				break
			}
			isTarget[j] = 1
		}
		row := x[n*C : n*C+C]
		var s float64
		for _, tv := range trow[:k] {
			j := int(tv)
			for i := 0; i < C; i++ {
				if isTarget[i] == 1 {
					continue
				}
				z := 1 - (float64(row[j]) - float64(row[i]))
				if z > 0 {
					s += z
					d.Data[n*C+i] += float32(1 / float64(C))
					d.Data[n*C+j] -= float32(1 / float64(C))
				}
			}
		}
		vals.Data[n] = float32(s / float64(C))
	}
	return g.unitLoss(input, vals, d, C, red, float64(N))
}

func init() {
	registerLoss("HuberLoss", "quadratic below delta, linear beyond (regression)",
		func() HuberLoss { return HuberLoss{Reduction: "mean", Delta: 1} })
	registerLoss("PoissonNLLLoss", "negative log-likelihood of Poisson counts (regression of counts)",
		func() PoissonNLLLoss { return PoissonNLLLoss{LogInput: true, Eps: 1e-8, Reduction: "mean"} })
	registerLoss("KLDivLoss", "Kullback-Leibler divergence of the target distribution from the input's log-probabilities",
		func() KLDivLoss { return KLDivLoss{Reduction: "mean"} })
	registerLoss("HingeEmbeddingLoss", "x for targets 1, max(0, margin - x) for targets -1",
		func() HingeEmbeddingLoss { return HingeEmbeddingLoss{Margin: 1, Reduction: "mean"} })
	registerLoss("SoftMarginLoss", "logistic loss of targets ±1", func() SoftMarginLoss { return SoftMarginLoss{Reduction: "mean"} })
	registerLoss("MultiLabelSoftMarginLoss", "binary cross-entropy of logits against multi-hot targets, averaged over the classes",
		func() MultiLabelSoftMarginLoss { return MultiLabelSoftMarginLoss{Reduction: "mean"} })
	registerLoss("MultiMarginLoss", "multi-class hinge loss of class-index targets",
		func() MultiMarginLoss { return MultiMarginLoss{P: 1, Margin: 1, Reduction: "mean"} })
	registerLoss("MultiLabelMarginLoss", "multi-label hinge loss of class-index lists ended by -1",
		func() MultiLabelMarginLoss { return MultiLabelMarginLoss{Reduction: "mean"} })
}
