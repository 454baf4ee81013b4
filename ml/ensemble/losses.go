package ensemble

import (
	"math"

	"github.com/mlforge/mlforge/internal/f64"
	"github.com/mlforge/mlforge/ml/tree"
)

// gbLoss is one of scikit-learn 1.2's gradient boosting losses
// (sklearn.ensemble._gb_losses): its negative gradient, the update of a
// tree's leaves (the line search) and its value.
type gbLoss struct {
	name  string
	k     int
	alpha float64
	gamma float64 // huber's threshold at the current stage
	// buffers reused by the methods.
	bufs  [3][]float64
	order []int
	start []int
	pb    percentileBuf
}

// buf returns buffer i with n elements.
func (l *gbLoss) buf(i, n int) []float64 {
	if cap(l.bufs[i]) < n {
		l.bufs[i] = make([]float64, n)
	}
	return l.bufs[i][:n]
}

// negativeGradient writes the negative gradient at rawCopy (n x K; column
// k) for targets y into r; lse holds each row's logsumexp for the
// multinomial loss and w the full sample weights (huber's quantile).
func (l *gbLoss) negativeGradient(r, y, raw, lse []float64, k int, w []float64) {
	K := l.k
	switch l.name {
	case "squared_error":
		for i := range r {
			r[i] = y[i] - raw[i]
		}
	case "absolute_error":
		for i := range r {
			if y[i]-raw[i] > 0 {
				r[i] = 1
			} else {
				r[i] = -1
			}
		}
	case "huber":
		abs := l.buf(0, len(r))
		for i := range r {
			abs[i] = math.Abs(y[i] - raw[i])
		}
		gamma := weightedPercentile(abs, w, l.alpha*100, &l.pb)
		for i := range r {
			d := y[i] - raw[i]
			if math.Abs(d) <= gamma {
				r[i] = d
			} else {
				r[i] = gamma * sign(d)
			}
		}
		l.gamma = gamma
	case "quantile":
		for i := range r {
			if y[i] > raw[i] {
				r[i] = l.alpha
			} else {
				r[i] = -(1 - l.alpha)
			}
		}
	case "exponential":
		for i := range r {
			yy := 2*y[i] - 1
			r[i] = yy * math.Exp(-yy*raw[i])
		}
	default: // log_loss
		if K == 1 {
			for i := range r {
				r[i] = y[i] - expit(raw[i])
			}
			return
		}
		for i := range r {
			v := math.Exp(raw[i*K+k] - lse[i])
			if math.IsNaN(v) {
				v = 0
			}
			r[i] = y[i] - v
		}
	}
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return x
}

// updateLeaves is update_terminal_regions: each leaf's value set by the
// loss's line search over the in-bag rows (mask) that reach it, in row
// order. Squared error keeps the tree's means.
func (l *gbLoss) updateLeaves(t *tree.Tree, leaves []int, mask []bool, y, residual, raw []float64, k int, w []float64) {
	if l.name == "squared_error" {
		return
	}
	K := l.k
	nodes := t.NodeCount()
	if cap(l.start) < nodes+1 {
		l.start = make([]int, nodes+1)
	}
	start := l.start[:nodes+1]
	clear(start)
	for i, lf := range leaves {
		if mask[i] {
			start[lf+1]++
		}
	}
	for j := 1; j <= nodes; j++ {
		start[j] += start[j-1]
	}
	if cap(l.order) < len(leaves) {
		l.order = make([]int, len(leaves))
	}
	order := l.order[:start[nodes]]
	// start[lf] counts up as leaf lf's rows are placed, then is restored.
	for i, lf := range leaves {
		if mask[i] {
			order[start[lf]] = i
			start[lf]++
		}
	}
	for j := nodes; j > 0; j-- {
		start[j] = start[j-1]
	}
	start[0] = 0
	for lf, left := range t.ChildrenLeft {
		if left != tree.Leaf {
			continue
		}
		idx := order[start[lf]:start[lf+1]]
		a, b, c := l.bufs[0][:0], l.bufs[1][:0], l.bufs[2][:0]
		switch l.name {
		case "absolute_error", "quantile":
			for _, i := range idx {
				a = append(a, y[i]-raw[i*K+k])
				b = append(b, w[i])
			}
			q := 50.0
			if l.name == "quantile" {
				q = l.alpha * 100
			}
			if len(a) > 0 {
				t.Value[lf] = weightedPercentile(a, b, q, &l.pb)
			}
		case "huber":
			for _, i := range idx {
				a = append(a, y[i]-raw[i*K+k])
				b = append(b, w[i])
			}
			if len(a) == 0 {
				continue
			}
			med := weightedPercentile(a, b, 50, &l.pb)
			for _, d := range a {
				dm := d - med
				c = append(c, sign(dm)*math.Min(math.Abs(dm), l.gamma))
			}
			t.Value[lf] = med + npMean(c)
		case "exponential":
			for _, i := range idx {
				yy := 2*y[i] - 1
				e := math.Exp(-yy * raw[i*K+k])
				a = append(a, yy*w[i]*e)
				b = append(b, w[i]*e)
			}
			t.Value[lf] = newton(f64.PairwiseSum(a), f64.PairwiseSum(b))
		default: // log_loss
			for _, i := range idx {
				r := residual[i]
				a = append(a, w[i]*r)
				b = append(b, w[i]*(y[i]-r)*(1-y[i]+r))
			}
			num := f64.PairwiseSum(a)
			if K > 1 {
				num *= float64(K-1) / float64(K)
			}
			t.Value[lf] = newton(num, f64.PairwiseSum(b))
		}
		l.bufs[0], l.bufs[1], l.bufs[2] = a, b, c
	}
}

// newton is the leaf value num/den, 0 when |den| < 1e-150.
func newton(num, den float64) float64 {
	if math.Abs(den) < 1e-150 {
		return 0
	}
	return num / den
}

// value is the loss of raw (n x K) for y over the rows where mask is
// inBag (all rows when mask is nil), weighted by w, as the loss's
// __call__ with sample weights.
func (l *gbLoss) value(y []float64, raw, w []float64, mask []bool, inBag bool, tmp []float64) float64 {
	K := l.k
	n := len(y)
	ws, t1, t2 := l.buf(0, n)[:0], l.buf(1, n)[:0], l.buf(2, n)[:0]
	defer func() { l.bufs[0], l.bufs[1], l.bufs[2] = ws, t1, t2 }()
	for i := range y {
		if mask != nil && mask[i] != inBag {
			continue
		}
		wi, yi, r := w[i], y[i], raw[i*K:(i+1)*K]
		ws = append(ws, wi)
		switch l.name {
		case "squared_error":
			d := yi - r[0]
			t1 = append(t1, wi*(d*d))
		case "absolute_error":
			t1 = append(t1, wi*math.Abs(yi-r[0]))
		case "huber":
			d := yi - r[0]
			if math.Abs(d) <= l.gamma {
				t1 = append(t1, wi*0.5*(d*d))
			} else {
				t2 = append(t2, wi*l.gamma*(math.Abs(d)-l.gamma/2))
			}
		case "quantile":
			d := yi - r[0]
			if yi > r[0] {
				t1 = append(t1, wi*d)
			} else {
				t2 = append(t2, wi*d)
			}
		case "exponential":
			t1 = append(t1, wi*math.Exp(-(2*yi-1)*r[0]))
		default:
			if K == 1 {
				t1 = append(t1, wi*((yi*r[0])-logAddExp0(r[0])))
			} else {
				t1 = append(t1, wi*(-r[int(yi)]+logSumExp(r, tmp)))
			}
		}
	}
	if len(ws) == 0 {
		return 0
	}
	wsum := f64.PairwiseSum(ws)
	switch l.name {
	case "squared_error", "absolute_error", "exponential":
		return 1 / wsum * f64.PairwiseSum(t1)
	case "huber":
		return (f64.PairwiseSum(t1) + f64.PairwiseSum(t2)) / wsum
	case "quantile":
		return (l.alpha*f64.PairwiseSum(t1) - (1-l.alpha)*f64.PairwiseSum(t2)) / wsum
	}
	if K == 1 {
		return -2 / wsum * f64.PairwiseSum(t1)
	}
	return f64.PairwiseSum(t1) / wsum
}
