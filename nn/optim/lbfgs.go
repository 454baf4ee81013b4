package optim

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/tensor"
)

func init() {
	register("LBFGS", "limited-memory BFGS: quasi-Newton steps from a history of gradients, each step re-evaluating the loss (a closure)", DefaultLBFGS, NewLBFGS)
}

// ClosureStepper is an optimizer whose step re-evaluates the loss, as
// PyTorch's step(closure) does for LBFGS: closure clears the gradients,
// runs the forward pass and the loss, backpropagates, and returns the
// loss. StepClosure returns the loss of its first evaluation (before the
// update), or the first error of closure, which ends the step. A
// training loop that finds an optimizer implementing it calls StepClosure
// once per batch instead of Step.
type ClosureStepper interface {
	StepClosure(closure func() (float32, error)) (float32, error)
}

// LBFGSConfig holds torch.optim.LBFGS's keyword arguments.
type LBFGSConfig struct {
	LR              float64 `json:"lr" min:"0" help:"learning rate: the step along each quasi-Newton direction (with line_search_fn, its first trial)"`
	MaxIter         int     `json:"max_iter" min:"1" help:"iterations per optimizer step"`
	MaxEval         *int    `json:"max_eval" nullable:"true" type:"int" min:"1" help:"loss evaluations per optimizer step (null: max_iter·5/4, rounded down)"`
	ToleranceGrad   float64 `json:"tolerance_grad" min:"0" help:"a step ends once the largest gradient component is at most this"`
	ToleranceChange float64 `json:"tolerance_change" min:"0" help:"a step ends once the loss or the parameters change by less than this"`
	HistorySize     int     `json:"history_size" min:"1" help:"update pairs kept for the inverse Hessian estimate"`
	LineSearchFn    *string `json:"line_search_fn" nullable:"true" type:"string" enum:"strong_wolfe" help:"null: fixed steps of lr; \"strong_wolfe\": a line search satisfying the strong Wolfe conditions"`
}

// DefaultLBFGS returns LBFGS's defaults: lr 1, max_iter 20, max_eval
// null (25), tolerance_grad 1e-7, tolerance_change 1e-9, history_size
// 100, line_search_fn null.
func DefaultLBFGS() LBFGSConfig {
	return LBFGSConfig{LR: 1, MaxIter: 20, ToleranceGrad: 1e-7, ToleranceChange: 1e-9, HistorySize: 100}
}

// LBFGSStates returns the values per parameter that LBFGS keeps at most,
// for memory budgets: history_size pairs of update vectors, the
// direction, the previous gradient, the gradient and the parameters' copy
// of the line search. raw is its keyword arguments (defaults where they
// do not parse).
func LBFGSStates(raw json.RawMessage) int {
	h := DefaultLBFGS().HistorySize
	var c struct {
		HistorySize *int `json:"history_size"`
	}
	if len(raw) > 0 && json.Unmarshal(raw, &c) == nil && c.HistorySize != nil && *c.HistorySize > 0 && *c.HistorySize < 1<<20 {
		h = *c.HistorySize
	}
	return 2*h + 4
}

// LBFGS is torch.optim.LBFGS (PyTorch 1.13's update rules, tolerances and
// termination tests, its cubic-interpolating strong Wolfe line search with
// c1 = 1e-4, c2 = 0.9 and at most 25 evaluations), over all its
// parameters as one flat vector. Its step needs the loss re-evaluated:
// use StepClosure. Step alone performs one iteration from the gradients
// in hand, which is what step(closure) does with max_iter 1 and no line
// search (max_iter, max_eval and line_search_fn need the closure and do
// not apply).
type LBFGS struct {
	base
	cfg     LBFGSConfig
	maxEval int
	wolfe   bool

	d, prevFlatGrad  []float32
	t                float64
	oldDirs, oldStps [][]float32
	ro               []float32
	hDiag            float32
	prevLoss         float64
	hasPrevLoss      bool
	nIter, funcEvals int
	al               []float32
}

// NewLBFGS returns an LBFGS optimizer.
func NewLBFGS(params []*nn.Var, cfg LBFGSConfig) (*LBFGS, error) {
	if !(cfg.LR >= 0) || cfg.MaxIter < 1 || cfg.HistorySize < 1 || !(cfg.ToleranceGrad >= 0) || !(cfg.ToleranceChange >= 0) {
		return nil, fmt.Errorf("optim: LBFGS: lr %v, tolerances %v and %v must be non-negative, max_iter %d and history_size %d at least 1",
			cfg.LR, cfg.ToleranceGrad, cfg.ToleranceChange, cfg.MaxIter, cfg.HistorySize)
	}
	o := &LBFGS{base: base{params: params, lr: cfg.LR}, cfg: cfg, maxEval: cfg.MaxIter * 5 / 4, hDiag: 1}
	if cfg.MaxEval != nil {
		if *cfg.MaxEval < 1 {
			return nil, fmt.Errorf("optim: LBFGS: max_eval is %d, expected at least 1 (or null)", *cfg.MaxEval)
		}
		o.maxEval = *cfg.MaxEval
	}
	if cfg.LineSearchFn != nil {
		if *cfg.LineSearchFn != "strong_wolfe" {
			return nil, fmt.Errorf("optim: LBFGS: line_search_fn is %q, expected \"strong_wolfe\" or null", *cfg.LineSearchFn)
		}
		o.wolfe = true
	}
	return o, nil
}

func (o *LBFGS) numel() int {
	n := 0
	for _, p := range o.params {
		n += len(p.Data.Data)
	}
	return n
}

// gather returns the parameters' gradients as one vector (zeros for a
// parameter without one), in dst when it has room.
func (o *LBFGS) gather(dst []float32) []float32 {
	n := o.numel()
	if cap(dst) < n {
		dst = make([]float32, n)
	}
	dst = dst[:n]
	off := 0
	for _, p := range o.params {
		k := len(p.Data.Data)
		if p.Grad == nil {
			clear(dst[off : off+k])
		} else {
			copy(dst[off:off+k], p.Grad.Data[:k])
		}
		off += k
	}
	return dst
}

// addGrad adds t·d to the parameters (p.add_(d, alpha=t): alpha in
// float32, the product exact before the sum's rounding, as a fused
// multiply-add).
func (o *LBFGS) addGrad(t float64, d []float32) {
	a := float64(float32(t))
	off := 0
	for _, p := range o.params {
		w := p.Data.Data
		for j := range w {
			w[j] = float32(float64(w[j]) + a*float64(d[off+j]))
		}
		off += len(w)
	}
}

func (o *LBFGS) cloneParams() []float32 {
	x := make([]float32, 0, o.numel())
	for _, p := range o.params {
		x = append(x, p.Data.Data...)
	}
	return x
}

func (o *LBFGS) setParams(x []float32) {
	off := 0
	for _, p := range o.params {
		off += copy(p.Data.Data, x[off:])
	}
}

// dot is a float32 dot product (accumulated in float64, rounded once).
func dot(a, b []float32) float32 {
	var s float64
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return float32(s)
}

func absMax(a []float32) float32 {
	var m float32
	for _, v := range a {
		m = max(m, float32(math.Abs(float64(v))))
	}
	return m
}

// axpy adds alpha·x to y in float32, as y.add_(x, alpha=alpha).
func axpy(y []float32, alpha float32, x []float32) {
	a := float64(alpha)
	for i, v := range x {
		y[i] = float32(float64(y[i]) + a*float64(v))
	}
}

// Step performs one L-BFGS iteration from the current gradients, without
// re-evaluating the loss (step(closure) with max_iter 1 and no line
// search); StepClosure is the full step.
func (o *LBFGS) Step() {
	if o.wolfe || o.cfg.MaxIter != 1 {
		cfg := *o
		cfg.wolfe, cfg.cfg.MaxIter = false, 1
		o.stepWith(&cfg)
		o.copyStateFrom(&cfg)
		return
	}
	o.stepWith(o)
}

// stepWith runs one closure-free iteration on s (o or a copy of o with
// max_iter 1 and no line search).
func (o *LBFGS) stepWith(s *LBFGS) {
	var l float32
	if s.hasPrevLoss {
		l = float32(s.prevLoss)
	}
	s.StepClosure(func() (float32, error) { return l, nil })
}

func (o *LBFGS) copyStateFrom(s *LBFGS) {
	o.d, o.prevFlatGrad, o.t = s.d, s.prevFlatGrad, s.t
	o.oldDirs, o.oldStps, o.ro, o.hDiag = s.oldDirs, s.oldStps, s.ro, s.hDiag
	o.prevLoss, o.hasPrevLoss, o.nIter, o.funcEvals, o.al = s.prevLoss, s.hasPrevLoss, s.nIter, s.funcEvals, s.al
}

// StepClosure performs one optimizer step, as LBFGS.step(closure):
// up to max_iter iterations, each a quasi-Newton direction from the
// history, a step of lr along it (the first ever scaled to at most 1/‖g‖₁)
// or a strong Wolfe line search, with at most max_eval evaluations of
// closure, stopping early on the tolerances. It returns the first
// evaluation's loss.
func (o *LBFGS) StepClosure(closure func() (float32, error)) (float32, error) {
	cfg := o.cfg
	tolChange := cfg.ToleranceChange
	origLoss, err := closure()
	if err != nil {
		return origLoss, err
	}
	loss := float64(origLoss)
	currentEvals := 1
	o.funcEvals++
	flat := o.gather(nil)
	if float64(absMax(flat)) <= cfg.ToleranceGrad {
		return origLoss, nil
	}
	n := len(flat)
	if len(o.d) != n || (o.prevFlatGrad != nil && len(o.prevFlatGrad) != n) {
		// a state of other parameters: start afresh
		o.nIter, o.d, o.prevFlatGrad, o.oldDirs, o.oldStps, o.ro = 0, nil, nil, nil, nil, nil
	}
	for iter := 1; iter <= cfg.MaxIter; iter++ {
		o.nIter++
		if o.nIter == 1 {
			o.d = make([]float32, n)
			for i, v := range flat {
				o.d[i] = -v
			}
			o.oldDirs, o.oldStps, o.ro = nil, nil, nil
			o.hDiag = 1
		} else {
			t32 := float32(o.t)
			y, s := make([]float32, n), make([]float32, n)
			for i := range y {
				y[i] = flat[i] - o.prevFlatGrad[i]
				s[i] = o.d[i] * t32
			}
			ys := dot(y, s)
			if ys > 1e-10 {
				if len(o.oldDirs) == cfg.HistorySize {
					o.oldDirs, o.oldStps, o.ro = o.oldDirs[1:], o.oldStps[1:], o.ro[1:]
				}
				o.oldDirs = append(o.oldDirs, y)
				o.oldStps = append(o.oldStps, s)
				o.ro = append(o.ro, 1/ys)
				o.hDiag = ys / dot(y, y)
			}
			num := len(o.oldDirs)
			if len(o.al) < cfg.HistorySize {
				o.al = make([]float32, cfg.HistorySize)
			}
			q := make([]float32, n)
			for i, v := range flat {
				q[i] = -v
			}
			for i := num - 1; i >= 0; i-- {
				o.al[i] = dot(o.oldStps[i], q) * o.ro[i]
				axpy(q, -o.al[i], o.oldDirs[i])
			}
			for i := range q {
				q[i] *= o.hDiag
			}
			for i := range num {
				be := dot(o.oldDirs[i], q) * o.ro[i]
				axpy(q, o.al[i]-be, o.oldStps[i])
			}
			o.d = q
		}
		o.prevFlatGrad = append(o.prevFlatGrad[:0], flat...)
		o.prevLoss, o.hasPrevLoss = loss, true
		if o.nIter == 1 {
			var s float64
			for _, v := range flat {
				s += math.Abs(float64(v))
			}
			o.t = float64(float32(min(1, float64(1/float32(s)))) * float32(o.lr))
		} else {
			o.t = o.lr
		}
		gtd := dot(flat, o.d)
		if float64(gtd) > -tolChange {
			break
		}
		lsEvals := 0
		var optCond bool
		if o.wolfe {
			x := o.cloneParams()
			var t float64
			loss, flat, t, lsEvals, err = o.strongWolfe(closure, x, o.t, o.d, loss, flat, gtd)
			if err != nil {
				o.setParams(x)
				return origLoss, err
			}
			o.t = t
			o.addGrad(o.t, o.d)
			optCond = float64(absMax(flat)) <= cfg.ToleranceGrad
		} else {
			o.addGrad(o.t, o.d)
			if iter != cfg.MaxIter {
				l, err := closure()
				if err != nil {
					return origLoss, err
				}
				loss = float64(l)
				flat = o.gather(flat)
				optCond = float64(absMax(flat)) <= cfg.ToleranceGrad
				lsEvals = 1
			}
		}
		currentEvals += lsEvals
		o.funcEvals += lsEvals
		if iter == cfg.MaxIter || currentEvals >= o.maxEval || optCond {
			break
		}
		t32 := float32(o.t)
		var dt float32
		for _, v := range o.d {
			dt = max(dt, float32(math.Abs(float64(v*t32))))
		}
		if float64(dt) <= tolChange || math.Abs(loss-o.prevLoss) < tolChange {
			break
		}
	}
	return origLoss, nil
}

// directional evaluates the loss and its gradient at x + t·d and restores
// the parameters to x.
func (o *LBFGS) directional(closure func() (float32, error), x []float32, t float64, d []float32) (float64, []float32, error) {
	o.addGrad(t, d)
	l, err := closure()
	g := o.gather(nil)
	o.setParams(x)
	return float64(l), g, err
}

// cubicInterpolate is the minimiser of the cubic through (x1, f1) and
// (x2, f2) with slopes g1 and g2, within the bounds (the interval when
// none are given), or the bounds' midpoint when the cubic has none.
func cubicInterpolate(x1, f1, g1, x2, f2, g2 float64, bounds *[2]float64) float64 {
	var lo, hi float64
	switch {
	case bounds != nil:
		lo, hi = bounds[0], bounds[1]
	case x1 <= x2:
		lo, hi = x1, x2
	default:
		lo, hi = x2, x1
	}
	d1 := float64(float32(g1 + g2 - 3*(f1-f2)/(x1-x2)))
	d2sq := float64(float32(d1*d1 - g1*g2))
	if d2sq >= 0 {
		d2 := math.Sqrt(d2sq)
		var minPos float64
		if x1 <= x2 {
			minPos = x2 - (x2-x1)*((g2+d2-d1)/(g2-g1+2*d2))
		} else {
			minPos = x1 - (x1-x2)*((g1+d2-d1)/(g1-g2+2*d2))
		}
		minPos = float64(float32(minPos))
		return min(max(minPos, lo), hi)
	}
	return (lo + hi) / 2
}

// strongWolfe is PyTorch's _strong_wolfe: a bracketing phase, then a
// zoom by cubic interpolation, until the strong Wolfe conditions hold
// (c1 = 1e-4, c2 = 0.9), the bracket is below 1e-9 or 25 evaluations
// are spent. It returns the loss and gradient at the step found, the
// step and the evaluations made.
func (o *LBFGS) strongWolfe(closure func() (float32, error), x []float32, t float64, d []float32, f float64, g []float32, gtd32 float32) (float64, []float32, float64, int, error) {
	const c1, c2, tolChange, maxLS = 1e-4, 0.9, 1e-9, 25
	gtd := float64(gtd32)
	dNorm := float64(absMax(d))
	g = append([]float32(nil), g...)
	fNew, gNew, err := o.directional(closure, x, t, d)
	if err != nil {
		return 0, nil, 0, 1, err
	}
	evals := 1
	gtdNew := float64(dot(gNew, d))
	// armijo reports f_new > f + c1·t·gtd, in float32 as PyTorch's tensors.
	armijo := func(fNew, t float64) bool {
		return float32(fNew) > float32(f)+float32(c1*t)*gtd32
	}
	curv := func(gtdNew float64) bool { return math.Abs(gtdNew) <= float64(float32(-c2)*gtd32) }
	tPrev, fPrev, gPrev, gtdPrev := 0.0, f, g, gtd
	done := false
	ls := 0
	var bracket, bracketF, bracketGtd []float64
	var bracketG [][]float32
	for ls < maxLS {
		if armijo(fNew, t) || (ls > 1 && fNew >= fPrev) {
			bracket, bracketF, bracketG, bracketGtd = []float64{tPrev, t}, []float64{fPrev, fNew}, [][]float32{gPrev, gNew}, []float64{gtdPrev, gtdNew}
			break
		}
		if curv(gtdNew) {
			bracket, bracketF, bracketG, bracketGtd = []float64{t}, []float64{fNew}, [][]float32{gNew}, []float64{gtdNew}
			done = true
			break
		}
		if gtdNew >= 0 {
			bracket, bracketF, bracketG, bracketGtd = []float64{tPrev, t}, []float64{fPrev, fNew}, [][]float32{gPrev, gNew}, []float64{gtdPrev, gtdNew}
			break
		}
		minStep := t + 0.01*(t-tPrev)
		maxStep := t * 10
		tmp := t
		t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, &[2]float64{minStep, maxStep})
		tPrev, fPrev, gPrev, gtdPrev = tmp, fNew, gNew, gtdNew
		fNew, gNew, err = o.directional(closure, x, t, d)
		evals++
		if err != nil {
			return 0, nil, 0, evals, err
		}
		gtdNew = float64(dot(gNew, d))
		ls++
	}
	if ls == maxLS {
		bracket, bracketF, bracketG, bracketGtd = []float64{0, t}, []float64{f, fNew}, [][]float32{g, gNew}, []float64{gtd, gtdNew}
	}
	insufProgress := false
	low, high := 0, 1
	if bracketF[0] > bracketF[len(bracketF)-1] {
		low, high = 1, 0
	}
	for !done && ls < maxLS {
		if math.Abs(bracket[1]-bracket[0])*dNorm < tolChange {
			break
		}
		t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1], nil)
		bmax, bmin := max(bracket[0], bracket[1]), min(bracket[0], bracket[1])
		eps := 0.1 * (bmax - bmin)
		if min(bmax-t, t-bmin) < eps {
			if insufProgress || t >= bmax || t <= bmin {
				if math.Abs(t-bmax) < math.Abs(t-bmin) {
					t = bmax - eps
				} else {
					t = bmin + eps
				}
				insufProgress = false
			} else {
				insufProgress = true
			}
		} else {
			insufProgress = false
		}
		fNew, gNew, err = o.directional(closure, x, t, d)
		evals++
		if err != nil {
			return 0, nil, 0, evals, err
		}
		gtdNew = float64(dot(gNew, d))
		ls++
		if armijo(fNew, t) || fNew >= bracketF[low] {
			bracket[high], bracketF[high], bracketG[high], bracketGtd[high] = t, fNew, gNew, gtdNew
			low, high = 0, 1
			if bracketF[0] > bracketF[1] {
				low, high = 1, 0
			}
		} else {
			if curv(gtdNew) {
				done = true
			} else if gtdNew*(bracket[high]-bracket[low]) >= 0 {
				bracket[high], bracketF[high], bracketG[high], bracketGtd[high] = bracket[low], bracketF[low], bracketG[low], bracketGtd[low]
			}
			bracket[low], bracketF[low], bracketG[low], bracketGtd[low] = t, fNew, gNew, gtdNew
		}
	}
	return bracketF[low], bracketG[low], bracket[low], evals, nil
}

// State returns the direction, step, history and counters.
func (o *LBFGS) State() *State {
	s := newState()
	s.Scalars["kind.LBFGS"] = 1
	s.Scalars["lr"] = o.lr
	s.Scalars["n_iter"] = float64(o.nIter)
	s.Scalars["func_evals"] = float64(o.funcEvals)
	// A diverged run's non-finite numbers are left out (a checkpoint keeps
	// scalars as JSON): they restore as 0.
	finite := func(name string, v float64) {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			s.Scalars[name] = v
		}
	}
	finite("t", o.t)
	finite("H_diag", float64(o.hDiag))
	if o.hasPrevLoss && !math.IsNaN(o.prevLoss) && !math.IsInf(o.prevLoss, 0) {
		s.Scalars["prev_loss"] = o.prevLoss
	}
	s.Scalars["history"] = float64(len(o.oldDirs))
	vec := func(v []float32) *tensor.Tensor {
		return &tensor.Tensor{Shape: []int{len(v)}, Data: append([]float32(nil), v...)}
	}
	if o.d != nil {
		s.Tensors["flat.d"] = vec(o.d)
	}
	if o.prevFlatGrad != nil {
		s.Tensors["flat.prev_flat_grad"] = vec(o.prevFlatGrad)
	}
	for i := range o.oldDirs {
		s.Tensors[fmt.Sprintf("flat.old_dirs.%d", i)] = vec(o.oldDirs[i])
		s.Tensors[fmt.Sprintf("flat.old_stps.%d", i)] = vec(o.oldStps[i])
		finite(fmt.Sprintf("ro.%d", i), float64(o.ro[i]))
	}
	return s
}

// LoadState restores a State from State, over parameters of as many
// values in all.
func (o *LBFGS) LoadState(s *State) error {
	if err := checkKind(s, "LBFGS"); err != nil {
		return err
	}
	n := o.numel()
	vec := func(name string) ([]float32, error) {
		t, ok := s.Tensors[name]
		if !ok {
			return nil, nil
		}
		if len(t.Data) != n {
			return nil, fmt.Errorf("optim: LBFGS state %s has %d values, expected %d (the parameters' total)", name, len(t.Data), n)
		}
		return append([]float32(nil), t.Data...), nil
	}
	h := int(s.Scalars["history"])
	if h < 0 || h > o.cfg.HistorySize {
		return fmt.Errorf("optim: LBFGS state holds %d update pairs, expected at most history_size %d", h, o.cfg.HistorySize)
	}
	d, err := vec("flat.d")
	if err != nil {
		return err
	}
	pg, err := vec("flat.prev_flat_grad")
	if err != nil {
		return err
	}
	var dirs, stps [][]float32
	var ro []float32
	for i := range h {
		y, err := vec(fmt.Sprintf("flat.old_dirs.%d", i))
		if err != nil {
			return err
		}
		st, err := vec(fmt.Sprintf("flat.old_stps.%d", i))
		if err != nil {
			return err
		}
		if y == nil || st == nil {
			return fmt.Errorf("optim: LBFGS state lacks update pair %d of %d", i, h)
		}
		dirs, stps, ro = append(dirs, y), append(stps, st), append(ro, float32(s.Scalars[fmt.Sprintf("ro.%d", i)]))
	}
	o.d, o.prevFlatGrad, o.oldDirs, o.oldStps, o.ro = d, pg, dirs, stps, ro
	o.lr = s.Scalars["lr"]
	o.nIter, o.funcEvals = int(s.Scalars["n_iter"]), int(s.Scalars["func_evals"])
	o.t, o.hDiag = s.Scalars["t"], float32(s.Scalars["H_diag"])
	o.prevLoss, o.hasPrevLoss = s.Scalars["prev_loss"], false
	if _, ok := s.Scalars["prev_loss"]; ok {
		o.hasPrevLoss = true
	}
	if o.nIter > 0 && (o.d == nil || o.prevFlatGrad == nil) {
		o.nIter = 0 // nothing to continue from
	}
	return nil
}
