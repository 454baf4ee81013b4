package nn

import (
	"math"

	"github.com/mlforge/mlforge/tensor"
)

// CTCLoss is the connectionist temporal classification loss
// (torch.nn.CTCLoss, Graves et al. 2006): the negative log-likelihood of a
// target sequence under every alignment of it with the input's time steps,
// blanks between and repeats merged. It is computed in log space by
// PyTorch's alpha (forward) and beta (backward) recursions, in float64.
//
// The mean reduction divides each sample's loss by its target length (at
// least 1), then averages over the batch, as PyTorch does; ZeroInfinity
// sets infinite losses (a target no alignment fits, such as one longer
// than its input) and their gradients to 0.
//
// The gradient with respect to log_probs is PyTorch's: exp(log_probs) -
// exp(log α·β - log p(target) - log_probs) per time step and class, times
// the upstream gradient; it assumes log_probs are log-probabilities (a
// LogSoftmax over the classes), through which it is the exact gradient
// (gradcheck_test.go checks it so), and it is 0 past a sample's input
// length.
//
// PyTorch's CTCLoss takes four inputs: log_probs (T, N, C), targets,
// input_lengths and target_lengths. CTC takes them apart; Forward, which
// the Loss interface fixes to an input and a target, takes log_probs as
// its input and the rest packed in the target, (N, 2+S): per sample its
// input length, its target length, then S target labels (padded with
// anything past the target length). A spec's network has one output and
// a class label or a value per sample as its target, which give none of
// these, so a spec refuses the loss (PackedInputs).
type CTCLoss struct {
	Blank        int    `json:"blank" min:"0" help:"the class index of the blank label"`
	Reduction    string `json:"reduction" enum:"mean,sum,none" help:"none: a loss per sample; sum; mean: each divided by its target length, then averaged over the batch"`
	ZeroInfinity bool   `json:"zero_infinity" help:"infinite losses (no alignment fits the target) and their gradients become 0"`
}

func (*CTCLoss) packedInputs() string {
	return "log-probabilities over time (T, N, C), and per sample a target sequence with the input and target lengths (torch: loss(log_probs, targets, input_lengths, target_lengths))"
}

func init() {
	registerLoss("CTCLoss", "connectionist temporal classification: sequences without alignments (log-probabilities over time against label sequences; from Go)",
		func() CTCLoss { return CTCLoss{Reduction: "mean"} })
}

// CTC computes the loss of logProbs (T, N, C) for the target sequences
// targets (N of them, labels in [0, C) other than Blank) over the first
// inputLengths[b] time steps of each sample, as PyTorch's
// loss(log_probs, targets, input_lengths, target_lengths).
func (l *CTCLoss) CTC(g *Graph, logProbs *Var, targets [][]int, inputLengths []int) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if len(targets) != len(inputLengths) {
		return g.fail("CTCLoss: %d target sequences and %d input lengths, expected one of each per sample", len(targets), len(inputLengths))
	}
	S := 0
	for _, t := range targets {
		S = max(S, len(t))
	}
	N := len(targets)
	packed := tensor.New(N, 2+S)
	for b, t := range targets {
		row := packed.Data[b*(2+S) : (b+1)*(2+S)]
		row[0], row[1] = float32(inputLengths[b]), float32(len(t))
		for i, v := range t {
			row[2+i] = float32(v)
		}
	}
	return l.Forward(g, logProbs, g.Const(packed))
}

// ctcCtx is what CTCLoss's backward needs of its forward.
type ctcCtx struct {
	T, N, C, blank int
	red            int
	zeroInf        bool
	inLen          []int
	targets        [][]int32
	alpha          [][]float64 // per sample, (inLen, 2·len+1)
	nll            []float64
}

// Forward computes the loss of input, log_probs (T, N, C), for target
// (N, 2+S): per sample the input length, the target length and S labels.
func (l *CTCLoss) Forward(g *Graph, input, target *Var) *Var {
	const name = "CTCLoss"
	if g.err != nil {
		return g.deadVar()
	}
	red, err := reductionCode(l.Reduction)
	if err != nil {
		return g.fail("%s: %v", name, err)
	}
	s, ts := input.Data.Shape, target.Data.Shape
	if len(s) != 3 || s[0] < 1 || s[1] < 1 || s[2] < 1 {
		return g.fail("%s: log_probs of shape %v, expected (T, N, C): time steps, samples, classes", name, s)
	}
	T, N, C := s[0], s[1], s[2]
	if len(ts) != 2 || ts[0] != N || ts[1] < 2 {
		return g.fail("%s: target of shape %v, expected (%d, 2+S): per sample its input length, its target length and S labels", name, ts, N)
	}
	if l.Blank < 0 || l.Blank >= C {
		return g.fail("%s: blank is %d, expected a class index in [0, %d)", name, l.Blank, C)
	}
	S := ts[1] - 2
	cx := &ctcCtx{T: T, N: N, C: C, blank: l.Blank, red: red, zeroInf: l.ZeroInfinity,
		inLen: make([]int, N), targets: make([][]int32, N), alpha: make([][]float64, N), nll: make([]float64, N)}
	td := target.Data.Data
	for b := range N {
		row := td[b*(2+S) : (b+1)*(2+S)]
		il, tl := row[0], row[1]
		if il != float32(int(il)) || il < 1 || int(il) > T {
			return g.fail("%s: input length %v of sample %d, expected an integer in [1, %d] (the time steps)", name, il, b, T)
		}
		if tl != float32(int(tl)) || tl < 0 || int(tl) > S {
			return g.fail("%s: target length %v of sample %d, expected an integer in [0, %d] (the labels given)", name, tl, b, S)
		}
		cx.inLen[b] = int(il)
		tg := make([]int32, int(tl))
		for i := range tg {
			v := row[2+i]
			k := int(v)
			if float32(k) != v || k < 0 || k >= C || k == l.Blank {
				return g.fail("%s: target label %v at position %d of sample %d, expected a class index in [0, %d) other than the blank (%d)", name, v, i, b, C, l.Blank)
			}
			tg[i] = int32(k)
		}
		cx.targets[b] = tg
	}
	lp := input.Data.Data
	at := func(t, b, c int) float64 { return float64(lp[(t*N+b)*C+c]) }
	vals := make([]float64, N)
	for b := range N {
		tg, Tb := cx.targets[b], cx.inLen[b]
		L := 2*len(tg) + 1
		prime := func(s int) int {
			if s%2 == 0 {
				return l.Blank
			}
			return int(tg[s/2])
		}
		alpha := make([]float64, Tb*L)
		for i := range alpha {
			alpha[i] = math.Inf(-1)
		}
		alpha[0] = at(0, b, l.Blank)
		if len(tg) > 0 {
			alpha[1] = at(0, b, int(tg[0]))
		}
		for t := 1; t < Tb; t++ {
			prev, cur := alpha[(t-1)*L:t*L], alpha[t*L:(t+1)*L]
			for s := range L {
				c := prime(s)
				la1, la2, la3 := prev[s], math.Inf(-1), math.Inf(-1)
				if s > 0 {
					la2 = prev[s-1]
				}
				if s > 1 && prime(s-2) != c {
					la3 = prev[s-2]
				}
				cur[s] = logSumExp3(la1, la2, la3) + at(t, b, c)
			}
		}
		last := alpha[(Tb-1)*L:]
		var nll float64
		if len(tg) == 0 {
			nll = -last[0]
		} else {
			nll = -logSumExp3(last[L-1], last[L-2], math.Inf(-1))
		}
		cx.alpha[b], cx.nll[b] = alpha, nll
		vals[b] = nll
		if l.ZeroInfinity && math.IsInf(nll, 1) {
			vals[b] = 0
		}
	}
	var out *tensor.Tensor
	switch red {
	case redNone:
		out = g.buf(N)
		for b, v := range vals {
			out.Data[b] = float32(v)
		}
	default:
		var sum float64
		for b, v := range vals {
			if red == redMean {
				v /= float64(max(len(cx.targets[b]), 1))
			}
			sum += v
		}
		if red == redMean {
			sum /= float64(N)
		}
		out = g.buf(1)
		out.Shape = out.Shape[:0]
		out.Data[0] = float32(sum)
	}
	n := g.newNode(out, ctcBack, input, nil, nil)
	n.ctx = cx
	return n
}

// logSumExp3 is log(e^a + e^b + e^c) as PyTorch's CTC computes it: shifted
// by the largest, and -inf when all three are.
func logSumExp3(a, b, c float64) float64 {
	m := max(a, b, c)
	if math.IsInf(m, -1) {
		m = 0
	}
	return math.Log(math.Exp(a-m)+math.Exp(b-m)+math.Exp(c-m)) + m
}

// ctcBack runs the beta recursion and adds PyTorch's gradient with
// respect to log_probs.
func ctcBack(n *Var) {
	x := n.a
	if !x.requiresGrad {
		return
	}
	cx := n.ctx.(*ctcCtx)
	N, C, blank := cx.N, cx.C, cx.blank
	lp, gx, gy := x.Data.Data, x.grad(), n.Grad.Data
	at := func(t, b, c int) float64 { return float64(lp[(t*N+b)*C+c]) }
	neg := math.Inf(-1)
	lcab := make([]float64, C)
	var beta []float64
	for b := range N {
		tg, Tb, nll := cx.targets[b], cx.inLen[b], cx.nll[b]
		if cx.zeroInf && math.IsInf(nll, 1) {
			continue // its gradient is 0
		}
		var gr float64
		switch cx.red {
		case redNone:
			gr = float64(gy[b])
		case redSum:
			gr = float64(gy[0])
		default:
			gr = float64(gy[0]) / float64(max(len(tg), 1)) / float64(N)
		}
		L := 2*len(tg) + 1
		prime := func(s int) int {
			if s%2 == 0 {
				return blank
			}
			return int(tg[s/2])
		}
		alpha := cx.alpha[b]
		if cap(beta) < Tb*L {
			beta = make([]float64, Tb*L)
		}
		beta = beta[:Tb*L]
		for i := range beta {
			beta[i] = neg
		}
		// grad holds log Σ α·β per class at each time step, then PyTorch's
		// gradient; written for time step t once t+1 is done.
		flush := func(t int) {
			for c := range C {
				l := at(t, b, c)
				v := (math.Exp(l) - math.Exp(lcab[c]+nll-l)) * gr
				gx[(t*N+b)*C+c] += float32(v)
			}
		}
		for c := range lcab {
			lcab[c] = neg
		}
		t := Tb - 1
		beta[t*L+L-1] = at(t, b, blank)
		lcab[blank] = alpha[t*L+L-1] + beta[t*L+L-1]
		if len(tg) > 0 {
			c := prime(L - 2)
			beta[t*L+L-2] = at(t, b, c)
			lcab[c] = alpha[t*L+L-2] + beta[t*L+L-2]
		}
		flush(t)
		for t := Tb - 2; t >= 0; t-- {
			for c := range lcab {
				lcab[c] = neg
			}
			next, cur := beta[(t+1)*L:(t+2)*L], beta[t*L:(t+1)*L]
			for s := L - 1; s >= 0; s-- {
				c := prime(s)
				lb1, lb2, lb3 := next[s], neg, neg
				if s < L-1 {
					lb2 = next[s+1]
				}
				if s < L-2 && prime(s+2) != c {
					lb3 = next[s+2]
				}
				cur[s] = logSumExp3(lb1, lb2, lb3) + at(t, b, c)
				ab := alpha[t*L+s] + cur[s]
				if math.IsInf(lcab[c], -1) {
					lcab[c] = ab
				} else {
					m := max(lcab[c], ab)
					lcab[c] = math.Log(math.Exp(lcab[c]-m)+math.Exp(ab-m)) + m
				}
			}
			flush(t)
		}
	}
}
