package nn

import (
	"fmt"
	"math"
	"reflect"
)

// Loss is a criterion comparing a model's output with a target. Targets are
// constants: no gradient flows into them. Class targets are class indices
// stored as float32 values.
type Loss interface {
	Forward(g *Graph, input, target *Var) *Var
}

// reduction codes
const (
	redMean = iota
	redSum
	redNone
)

func reductionCode(r string) (int, error) {
	switch r {
	case "", "mean":
		return redMean, nil
	case "sum":
		return redSum, nil
	case "none":
		return redNone, nil
	}
	return 0, fmt.Errorf("reduction is %q, expected \"mean\", \"sum\" or \"none\"", r)
}

// LegacyReduction holds the deprecated size_average and reduce of the
// PyTorch 1.13 losses that still take them. When either is set (not
// null) it decides the reduction, whatever reduction says, as
// torch.nn._reduction.legacy_get_string does for _Loss: a null one counts
// as true, and then size_average and reduce give "mean", reduce alone
// "sum", and reduce false "none" (size_average is ignored then).
// NewLoss applies it; DeprecationWarning gives PyTorch's warning.
type LegacyReduction struct {
	SizeAverage *bool `json:"size_average" nullable:"true" type:"bool" help:"deprecated (use reduction): with reduce, true averages and false sums; when it or reduce is set it overrides reduction, as in PyTorch"`
	Reduce      *bool `json:"reduce" nullable:"true" type:"bool" help:"deprecated (use reduction): false gives reduction none (size_average ignored); when it or size_average is set it overrides reduction, as in PyTorch"`
}

// legacy returns the settings.
func (l *LegacyReduction) legacy() *LegacyReduction { return l }

// LegacyReductionString is torch.nn._reduction.legacy_get_string: the
// reduction that size_average and reduce (nil for None) stand for.
func LegacyReductionString(sizeAverage, reduce *bool) string {
	sa, r := sizeAverage == nil || *sizeAverage, reduce == nil || *reduce
	switch {
	case sa && r:
		return "mean"
	case r:
		return "sum"
	}
	return "none"
}

// DeprecationWarning returns PyTorch's warning for a loss built with
// size_average or reduce ("" for none): "size_average and reduce args will
// be deprecated, please use reduction='sum' instead."
func DeprecationWarning(l Loss) string {
	lg, ok := l.(interface{ legacy() *LegacyReduction })
	if !ok {
		return ""
	}
	if g := lg.legacy(); g.SizeAverage != nil || g.Reduce != nil {
		return fmt.Sprintf("size_average and reduce args will be deprecated, please use reduction='%s' instead.", LegacyReductionString(g.SizeAverage, g.Reduce))
	}
	return ""
}

// CrossEntropyLoss is log-softmax over the class dimension followed by the
// negative log-likelihood, fused. Input is (N, C) or (N, C, d1, ...);
// target holds class indices shaped (N) or (N, d1, ...), or class
// probabilities shaped like the input (IgnoreIndex does not apply to those).
type CrossEntropyLoss struct {
	// Weight rescales each class (nil: all 1).
	Weight []float32 `json:"weight" nullable:"true" help:"a weight per class"`
	// IgnoreIndex is a target value that contributes nothing (default -100).
	IgnoreIndex int `json:"ignore_index" help:"target value that is ignored"`
	// LabelSmoothing in [0, 1] mixes the target with the uniform
	// distribution.
	LabelSmoothing float64 `json:"label_smoothing" min:"0" max:"1" help:"mix the target with the uniform distribution"`
	// Reduction is "mean" (default), "sum" or "none".
	LegacyReduction
	Reduction string `json:"reduction" enum:"mean,sum,none" help:"how the per-sample losses are combined"`
}

// NewCrossEntropyLoss returns PyTorch's defaults: no weight, ignore_index
// -100, no smoothing, mean reduction.
func NewCrossEntropyLoss() *CrossEntropyLoss {
	return &CrossEntropyLoss{IgnoreIndex: -100, Reduction: "mean"}
}

// Forward computes the loss.
func (l *CrossEntropyLoss) Forward(g *Graph, input, target *Var) *Var {
	if g.err == nil && input.Data.Dim() >= 2 && sameShape(input.Data.Shape, target.Data.Shape) {
		return g.softCrossEntropy(input, target, &l.Weight, l.LabelSmoothing, l.Reduction)
	}
	return g.classLoss("CrossEntropyLoss", input, target, &l.Weight, l.IgnoreIndex, l.LabelSmoothing, l.Reduction, true)
}

// NLLLoss is the negative log-likelihood of log-probabilities; shapes as in
// CrossEntropyLoss.
type NLLLoss struct {
	Weight      []float32 `json:"weight" nullable:"true" help:"a weight per class"`
	IgnoreIndex int       `json:"ignore_index" help:"target value that is ignored"`
	LegacyReduction
	Reduction string `json:"reduction" enum:"mean,sum,none" help:"how the per-sample losses are combined"`
}

// NewNLLLoss returns PyTorch's defaults: ignore_index -100, mean reduction.
func NewNLLLoss() *NLLLoss { return &NLLLoss{IgnoreIndex: -100, Reduction: "mean"} }

// Forward computes the loss.
func (l *NLLLoss) Forward(g *Graph, input, target *Var) *Var {
	return g.classLoss("NLLLoss", input, target, &l.Weight, l.IgnoreIndex, 0, l.Reduction, false)
}

func (g *Graph) classLoss(name string, input, target *Var, wp *[]float32, ignore int, eps float64, reduction string, logits bool) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	weight := *wp
	red, err := reductionCode(reduction)
	if err != nil {
		return g.fail("%s: %v", name, err)
	}
	if !(eps >= 0 && eps <= 1) {
		return g.fail("%s: label_smoothing is %v, expected a value in [0, 1]", name, eps)
	}
	is, ts := input.Data.Shape, target.Data.Shape
	ok := len(is) >= 2 && len(ts) == len(is)-1 && ts[0] == is[0] && sameShape(ts[1:], is[2:])
	if !ok {
		return g.fail("%s: input of shape %v and target of shape %v do not match (expected input (N, C, ...) and target (N, ...))", name, is, ts)
	}
	N, C := is[0], is[1]
	L := len(input.Data.Data) / max(N*C, 1)
	if weight != nil && len(weight) != C {
		return g.fail("%s: weight has %d elements, expected one per class (%d)", name, len(weight), C)
	}
	tgt := g.ibuf(N * L)
	for i, v := range target.Data.Data {
		k := int(v)
		if float32(k) != v {
			return g.fail("%s: target %v at position %d is not a class index", name, v, i)
		}
		if k == ignore {
			tgt[i] = -1
			continue
		}
		if k < 0 || k >= C {
			return g.fail("%s: target %d at position %d is out of range, expected a class index in [0, %d)", name, k, i, C)
		}
		tgt[i] = int32(k)
	}
	logp := input.Data
	if logits {
		logp = g.bufLike(input.Data)
		softmaxForward(input.Data.Data, logp.Data, N, C, L, true)
	}
	lp := logp.Data
	var out = g.buf(1)
	out.Shape = out.Shape[:0]
	if red == redNone {
		out = g.buf(N * L)
		out.Shape = append(out.Shape[:0], ts...)
	}
	var wsum float64 // sum of target weights of non-ignored elements
	var count int    // number of non-ignored elements
	var nllSum, smoothSum float64
	W := float64(C)
	if weight != nil {
		W = sum64(weight)
	}
	for n := 0; n < N; n++ {
		for in := 0; in < L; in++ {
			t := tgt[n*L+in]
			if t < 0 {
				if red == redNone {
					out.Data[n*L+in] = 0
				}
				continue
			}
			base := n*C*L + in
			wt := 1.0
			if weight != nil {
				wt = float64(weight[t])
			}
			wsum += wt
			count++
			nll := -wt * float64(lp[base+int(t)*L])
			var smooth float64
			if eps > 0 {
				for c := 0; c < C; c++ {
					wc := 1.0
					if weight != nil {
						wc = float64(weight[c])
					}
					smooth -= wc * float64(lp[base+c*L])
				}
			}
			nllSum += nll
			smoothSum += smooth
			if red == redNone {
				out.Data[n*L+in] = float32((1-eps)*nll + eps/float64(C)*smooth)
			}
		}
	}
	var nllDen, smoothDen float64 = 1, 1
	if red == redMean {
		nllDen = wsum
		smoothDen = wsum
		if weight == nil {
			smoothDen = float64(count)
		}
		out.Data[0] = float32((1-eps)*nllSum/nllDen + eps/float64(C)*smoothSum/smoothDen)
	} else if red == redSum {
		out.Data[0] = float32((1-eps)*nllSum + eps/float64(C)*smoothSum)
	}
	node := g.newNode(out, classLossBack, input, nil, nil)
	node.s1 = logp
	node.idx = tgt
	node.ctx = nil
	node.ints[0], node.ints[1], node.ints[2], node.ints[3] = N, C, L, red
	node.ints[4] = 0
	if logits {
		node.ints[4] = 1
	}
	node.f[0], node.f[1], node.f[2], node.f[3] = float32(eps), float32(nllDen), float32(smoothDen), float32(W)
	if weight != nil {
		node.ctx = wp
	}
	return node
}

func classLossBack(n *Var) {
	x := n.a
	if !x.requiresGrad {
		return
	}
	N, C, L, red, logits := n.ints[0], n.ints[1], n.ints[2], n.ints[3], n.ints[4] == 1
	eps, nllDen, smoothDen, W := n.f[0], n.f[1], n.f[2], n.f[3]
	var weight []float32
	if n.ctx != nil {
		weight = *n.ctx.(*[]float32)
	}
	gx, lp, gy := x.grad(), n.s1.Data, n.Grad.Data
	for i := 0; i < N; i++ {
		for in := 0; in < L; in++ {
			t := n.idx[i*L+in]
			if t < 0 {
				continue
			}
			var up float32
			switch red {
			case redMean:
				up = gy[0]
			case redSum:
				up = gy[0]
			default:
				up = gy[i*L+in]
			}
			alpha := up * (1 - eps)
			beta := up * eps / float32(C)
			if red == redMean {
				alpha /= nllDen
				beta /= smoothDen
			}
			wt := float32(1)
			if weight != nil {
				wt = weight[t]
			}
			base := i*C*L + in
			if !logits {
				gx[base+int(t)*L] -= alpha * wt
				continue
			}
			for c := 0; c < C; c++ {
				p := float32(math.Exp(float64(lp[base+c*L])))
				d := alpha * wt * p
				if c == int(t) {
					d -= alpha * wt
				}
				if eps > 0 {
					wc := float32(1)
					if weight != nil {
						wc = weight[c]
					}
					d += beta * (p*W - wc)
				}
				gx[base+c*L] += d
			}
		}
	}
}

// MSELoss is the mean squared error.
type MSELoss struct {
	LegacyReduction
	Reduction string `json:"reduction" enum:"mean,sum,none" help:"how the per-sample losses are combined"`
}

// Forward computes the loss.
func (l *MSELoss) Forward(g *Graph, input, target *Var) *Var {
	return g.elemLoss("MSELoss", lossMSE, input, target, l.Reduction, [4]float32{}, nil, nil)
}

// L1Loss is the mean absolute error.
type L1Loss struct {
	LegacyReduction
	Reduction string `json:"reduction" enum:"mean,sum,none" help:"how the per-sample losses are combined"`
}

// Forward computes the loss.
func (l *L1Loss) Forward(g *Graph, input, target *Var) *Var {
	return g.elemLoss("L1Loss", lossL1, input, target, l.Reduction, [4]float32{}, nil, nil)
}

// SmoothL1Loss is quadratic for |x-y| < Beta and linear beyond (PyTorch's
// default Beta is 1; Beta 0 is L1Loss).
type SmoothL1Loss struct {
	Beta float64 `json:"beta" min:"0" help:"threshold between the quadratic and linear parts"`
	LegacyReduction
	Reduction string `json:"reduction" enum:"mean,sum,none" help:"how the per-sample losses are combined"`
}

// NewSmoothL1Loss returns PyTorch's defaults: beta 1, mean reduction.
func NewSmoothL1Loss() *SmoothL1Loss { return &SmoothL1Loss{Reduction: "mean", Beta: 1} }

// Forward computes the loss.
func (l *SmoothL1Loss) Forward(g *Graph, input, target *Var) *Var {
	if !(l.Beta >= 0) {
		return g.fail("SmoothL1Loss: beta is %v, expected a non-negative value", l.Beta)
	}
	return g.elemLoss("SmoothL1Loss", lossSmoothL1, input, target, l.Reduction, [4]float32{float32(l.Beta)}, nil, nil)
}

// BCELoss is the binary cross-entropy of probabilities in [0, 1]; the logs
// are clamped at -100 as in PyTorch. Weight, if set, rescales each
// element's loss along the last dimension (PyTorch broadcasts it the same
// way).
type BCELoss struct {
	Weight []float32 `json:"weight" nullable:"true" help:"a weight per output (last dimension)"`
	LegacyReduction
	Reduction string `json:"reduction" enum:"mean,sum,none" help:"how the per-sample losses are combined"`
}

// Forward computes the loss.
func (l *BCELoss) Forward(g *Graph, input, target *Var) *Var {
	return g.elemLoss("BCELoss", lossBCE, input, target, l.Reduction, [4]float32{}, l.Weight, nil)
}

// BCEWithLogitsLoss is a sigmoid followed by BCELoss, computed stably.
// PosWeight, if set, weighs the positive term per class (last dimension);
// Weight rescales each element's loss, along the last dimension too.
type BCEWithLogitsLoss struct {
	Weight    []float32 `json:"weight" nullable:"true" help:"a weight per output (last dimension)"`
	PosWeight []float32 `json:"pos_weight" nullable:"true" help:"a weight of the positive examples per output"`
	LegacyReduction
	Reduction string `json:"reduction" enum:"mean,sum,none" help:"how the per-sample losses are combined"`
}

// Forward computes the loss.
func (l *BCEWithLogitsLoss) Forward(g *Graph, input, target *Var) *Var {
	return g.elemLoss("BCEWithLogitsLoss", lossBCELogits, input, target, l.Reduction, [4]float32{}, l.Weight, l.PosWeight)
}

func sign(d float64) float64 {
	switch {
	case d > 0:
		return 1
	case d < 0:
		return -1
	}
	return 0
}

// softCrossEntropy is CrossEntropyLoss with class-probability targets.
func (g *Graph) softCrossEntropy(input, target *Var, wp *[]float32, eps float64, reduction string) *Var {
	const name = "CrossEntropyLoss"
	red, err := reductionCode(reduction)
	if err != nil {
		return g.fail("%s: %v", name, err)
	}
	if !(eps >= 0 && eps <= 1) {
		return g.fail("%s: label_smoothing is %v, expected a value in [0, 1]", name, eps)
	}
	is := input.Data.Shape
	N, C := is[0], is[1]
	L := len(input.Data.Data) / max(N*C, 1)
	weight := *wp
	if weight != nil && len(weight) != C {
		return g.fail("%s: weight has %d elements, expected one per class (%d)", name, len(weight), C)
	}
	logp := g.bufLike(input.Data)
	softmaxForward(input.Data.Data, logp.Data, N, C, L, true)
	out := g.buf(1)
	out.Shape = out.Shape[:0]
	if red == redNone {
		out = g.buf(N * L)
		out.Shape = append(append(out.Shape[:0], is[0]), is[2:]...)
	}
	lp, y := logp.Data, target.Data.Data
	var total float64
	for n := 0; n < N; n++ {
		for in := 0; in < L; in++ {
			base := n*C*L + in
			var li float64
			for c := 0; c < C; c++ {
				yc := float64(y[base+c*L])*(1-eps) + eps/float64(C)
				if weight != nil {
					yc *= float64(weight[c])
				}
				li -= yc * float64(lp[base+c*L])
			}
			if red == redNone {
				out.Data[n*L+in] = float32(li)
			}
			total += li
		}
	}
	switch red {
	case redMean:
		out.Data[0] = float32(total / float64(N*L))
	case redSum:
		out.Data[0] = float32(total)
	}
	node := g.newNode(out, softCrossEntropyBack, input, nil, nil)
	node.s1, node.s2 = logp, target.Data
	node.ctx = nil
	if weight != nil {
		node.ctx = wp
	}
	node.ints[0], node.ints[1], node.ints[2], node.ints[3] = N, C, L, red
	node.f[0] = float32(eps)
	return node
}

func softCrossEntropyBack(n *Var) {
	x := n.a
	if !x.requiresGrad {
		return
	}
	N, C, L, red := n.ints[0], n.ints[1], n.ints[2], n.ints[3]
	eps := float64(n.f[0])
	var weight []float32
	if n.ctx != nil {
		weight = *n.ctx.(*[]float32)
	}
	gx, lp, y, gy := x.grad(), n.s1.Data, n.s2.Data, n.Grad.Data
	for i := 0; i < N; i++ {
		for in := 0; in < L; in++ {
			var up float64
			switch red {
			case redMean:
				up = float64(gy[0]) / float64(N*L)
			case redSum:
				up = float64(gy[0])
			default:
				up = float64(gy[i*L+in])
			}
			base := i*C*L + in
			var sw float64 // sum of weighted targets
			for c := 0; c < C; c++ {
				yc := float64(y[base+c*L])*(1-eps) + eps/float64(C)
				if weight != nil {
					yc *= float64(weight[c])
				}
				sw += yc
			}
			for c := 0; c < C; c++ {
				yc := float64(y[base+c*L])*(1-eps) + eps/float64(C)
				if weight != nil {
					yc *= float64(weight[c])
				}
				p := math.Exp(float64(lp[base+c*L]))
				gx[base+c*L] += float32(up * (p*sw - yc))
			}
		}
	}
}

func init() {
	mean := func() string { return "mean" }
	registerLoss("CrossEntropyLoss", "softmax cross-entropy of logits against class indices (classification)",
		func() CrossEntropyLoss { return *NewCrossEntropyLoss() })
	registerLoss("NLLLoss", "negative log-likelihood of log-probabilities (after LogSoftmax; classification)",
		func() NLLLoss { return *NewNLLLoss() })
	registerLoss("BCELoss", "binary cross-entropy of probabilities against 0/1 targets", func() BCELoss { return BCELoss{Reduction: mean()} })
	registerLoss("BCEWithLogitsLoss", "binary cross-entropy of logits against 0/1 targets",
		func() BCEWithLogitsLoss { return BCEWithLogitsLoss{Reduction: mean()} })
	registerLoss("MSELoss", "mean squared error (regression)", func() MSELoss { return MSELoss{Reduction: mean()} })
	registerLoss("L1Loss", "mean absolute error (regression)", func() L1Loss { return L1Loss{Reduction: mean()} })
	registerLoss("SmoothL1Loss", "Huber-like loss, quadratic below beta (regression)", func() SmoothL1Loss { return *NewSmoothL1Loss() })
}

// applyLegacyReduction sets l's reduction from its size_average and
// reduce when either is set, as PyTorch's _Loss.__init__ does.
func applyLegacyReduction(l Loss) {
	lg, ok := l.(interface{ legacy() *LegacyReduction })
	if !ok {
		return
	}
	g := lg.legacy()
	if g.SizeAverage == nil && g.Reduce == nil {
		return
	}
	if f := reflect.ValueOf(l).Elem().FieldByName("Reduction"); f.IsValid() && f.Kind() == reflect.String && f.CanSet() {
		f.SetString(LegacyReductionString(g.SizeAverage, g.Reduce))
	}
}

// LossReduction returns the reduction l takes ("" for a loss without
// one): its reduction, or the one size_average and reduce stand for.
func LossReduction(l Loss) string {
	v := reflect.ValueOf(l)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return ""
	}
	if f := v.Elem().FieldByName("Reduction"); f.IsValid() && f.Kind() == reflect.String {
		return f.String()
	}
	return ""
}
