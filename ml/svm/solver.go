package svm

import (
	"context"
	"fmt"
	"math"

	"github.com/mlforge/mlforge/ml"
)

// Bound status of a variable.
const (
	atLower int8 = iota
	atUpper
	free
)

// tau stands in for a non-positive curvature (libsvm's TAU).
const tau = 1e-12

// chunkIters is how many SMO iterations run between progress reports and
// checks of the context.
const chunkIters = 1000

// progress reports SMO chunks as "iter" events and checks the context
// after each.
type progress struct {
	ctx  context.Context
	rep  ml.Reporter
	msg  string
	step int
}

func (p *progress) tick() error {
	p.step++
	p.rep.Report(ml.Event{Kind: "iter", Step: p.step, Message: p.msg})
	return p.ctx.Err()
}

// solution is what the solver returns.
type solution struct {
	alpha     []float64 // in the caller's order
	rho       float64
	obj       float64
	iters     int
	converged bool
	// r is ν-SVM's r (the scale of the solution); 0 for the others.
	r float64
}

// solver is libsvm's SMO solver for
//
//	min ½αᵀQα + pᵀα  s.t.  yᵀα = Δ, 0 ≤ αᵢ ≤ Cᵢ,
//
// with y ∈ {+1, -1}. nu switches on the ν variant (Solver_NU: working
// pairs and shrinking within one sign of y, rho and r from both).
type solver struct {
	l, active int
	y         []int8
	g, gBar   []float64
	status    []int8
	alpha     []float64
	q         qMatrix
	qd        []float64
	eps       float64
	c         []float64
	p         []float64
	activeSet []int
	unshrink  bool
	nu        bool
}

func (s *solver) upper(i int) bool  { return s.status[i] == atUpper }
func (s *solver) lower(i int) bool  { return s.status[i] == atLower }
func (s *solver) isFree(i int) bool { return s.status[i] == free }

func (s *solver) updateStatus(i int) {
	switch {
	case s.alpha[i] >= s.c[i]:
		s.status[i] = atUpper
	case s.alpha[i] <= 0:
		s.status[i] = atLower
	default:
		s.status[i] = free
	}
}

func (s *solver) swapIndex(i, j int) {
	s.q.swap(i, j)
	s.y[i], s.y[j] = s.y[j], s.y[i]
	s.g[i], s.g[j] = s.g[j], s.g[i]
	s.status[i], s.status[j] = s.status[j], s.status[i]
	s.alpha[i], s.alpha[j] = s.alpha[j], s.alpha[i]
	s.p[i], s.p[j] = s.p[j], s.p[i]
	s.activeSet[i], s.activeSet[j] = s.activeSet[j], s.activeSet[i]
	s.gBar[i], s.gBar[j] = s.gBar[j], s.gBar[i]
	s.c[i], s.c[j] = s.c[j], s.c[i]
}

// reconstructGradient rebuilds G over the inactive variables from G_bar
// and the free variables.
func (s *solver) reconstructGradient() {
	if s.active == s.l {
		return
	}
	l, a := s.l, s.active
	for j := a; j < l; j++ {
		s.g[j] = s.gBar[j] + s.p[j]
	}
	nFree := 0
	for j := 0; j < a; j++ {
		if s.isFree(j) {
			nFree++
		}
	}
	if nFree*l > 2*a*(l-a) {
		for i := a; i < l; i++ {
			qi := s.q.getQ(i, a)
			gi := 0.0
			for j := 0; j < a; j++ {
				if s.isFree(j) {
					gi += s.alpha[j] * float64(qi[j])
				}
			}
			s.g[i] += gi
		}
		return
	}
	for i := 0; i < a; i++ {
		if !s.isFree(i) {
			continue
		}
		qi := s.q.getQ(i, l)
		ai := s.alpha[i]
		for j := a; j < l; j++ {
			s.g[j] += ai * float64(qi[j])
		}
	}
}

// solve runs SMO from the feasible alpha (in place, in the caller's order)
// and returns the solution. maxIter -1 means no limit.
func (s *solver) solve(prog *progress, l int, q qMatrix, p []float64, y []int8, alpha, c []float64, eps float64, shrinking bool, maxIter int) (solution, error) {
	s.l, s.q, s.qd = l, q, q.qd()
	s.p, s.y, s.alpha, s.c, s.eps = p, y, alpha, c, eps
	s.status = make([]int8, l)
	for i := range l {
		s.updateStatus(i)
	}
	s.activeSet = make([]int, l)
	for i := range s.activeSet {
		s.activeSet[i] = i
	}
	s.active = l
	s.unshrink = false
	s.g, s.gBar = make([]float64, l), make([]float64, l)
	copy(s.g, p)
	for i := range l {
		if s.lower(i) {
			continue
		}
		qi := q.getQ(i, l)
		ai := alpha[i]
		for j := range l {
			s.g[j] += ai * float64(qi[j])
		}
		if s.upper(i) {
			ci := c[i]
			for j := range l {
				s.gBar[j] += ci * float64(qi[j])
			}
		}
	}

	iter := 0
	counter := min(l, 1000) + 1
	converged := true
	since := 0
	for {
		if maxIter != -1 && iter >= maxIter {
			converged = false
			break
		}
		counter--
		if counter == 0 {
			counter = min(l, 1000)
			if shrinking {
				s.doShrinking()
			}
		}
		i, j, done := s.selectWorkingSet()
		if done {
			s.reconstructGradient()
			s.active = l
			i, j, done = s.selectWorkingSet()
			if done {
				break
			}
			counter = 1 // shrink at the next iteration
		}
		iter++
		s.update(i, j)
		since++
		if since == chunkIters {
			since = 0
			if err := prog.tick(); err != nil {
				return solution{}, err
			}
		}
	}
	if !converged && s.active < l {
		s.reconstructGradient()
		s.active = l
	}
	var sol solution
	if s.nu {
		sol.rho, sol.r = s.rhoNu()
	} else {
		sol.rho = s.rho()
	}
	obj := 0.0
	for i := range l {
		obj += s.alpha[i] * (s.g[i] + s.p[i])
	}
	sol.obj = obj / 2
	out := make([]float64, l)
	for i := range l {
		out[s.activeSet[i]] = s.alpha[i]
	}
	sol.alpha, sol.iters, sol.converged = out, iter, converged
	if err := prog.tick(); err != nil {
		return solution{}, err
	}
	return sol, nil
}

// update solves the two-variable subproblem on (i, j) and updates G,
// the bound status and G_bar.
func (s *solver) update(i, j int) {
	a := s.active
	qi := s.q.getQ(i, a)
	qj := s.q.getQ(j, a)
	ci, cj := s.c[i], s.c[j]
	oldI, oldJ := s.alpha[i], s.alpha[j]
	al := s.alpha
	if s.y[i] != s.y[j] {
		quad := s.qd[i] + s.qd[j] + 2*float64(qi[j])
		if quad <= 0 {
			quad = tau
		}
		delta := (-s.g[i] - s.g[j]) / quad
		diff := al[i] - al[j]
		al[i] += delta
		al[j] += delta
		if diff > 0 {
			if al[j] < 0 {
				al[j], al[i] = 0, diff
			}
		} else if al[i] < 0 {
			al[i], al[j] = 0, -diff
		}
		if diff > ci-cj {
			if al[i] > ci {
				al[i], al[j] = ci, ci-diff
			}
		} else if al[j] > cj {
			al[j], al[i] = cj, cj+diff
		}
	} else {
		quad := s.qd[i] + s.qd[j] - 2*float64(qi[j])
		if quad <= 0 {
			quad = tau
		}
		delta := (s.g[i] - s.g[j]) / quad
		sum := al[i] + al[j]
		al[i] -= delta
		al[j] += delta
		if sum > ci {
			if al[i] > ci {
				al[i], al[j] = ci, sum-ci
			}
		} else if al[j] < 0 {
			al[j], al[i] = 0, sum
		}
		if sum > cj {
			if al[j] > cj {
				al[j], al[i] = cj, sum-cj
			}
		} else if al[i] < 0 {
			al[i], al[j] = 0, sum
		}
	}
	dI, dJ := al[i]-oldI, al[j]-oldJ
	g := s.g[:a]
	qi, qj = qi[:a], qj[:a]
	for k := range g {
		g[k] += float64(qi[k])*dI + float64(qj[k])*dJ
	}
	ui, uj := s.upper(i), s.upper(j)
	s.updateStatus(i)
	s.updateStatus(j)
	l := s.l
	if ui != s.upper(i) {
		qi := s.q.getQ(i, l)
		if ui {
			for k := range l {
				s.gBar[k] -= ci * float64(qi[k])
			}
		} else {
			for k := range l {
				s.gBar[k] += ci * float64(qi[k])
			}
		}
	}
	if uj != s.upper(j) {
		qj := s.q.getQ(j, l)
		if uj {
			for k := range l {
				s.gBar[k] -= cj * float64(qj[k])
			}
		} else {
			for k := range l {
				s.gBar[k] += cj * float64(qj[k])
			}
		}
	}
}

// selectWorkingSet picks the pair by second-order information (WSS2); done
// is true when the maximal violation is below eps.
func (s *solver) selectWorkingSet() (int, int, bool) {
	if s.nu {
		return s.selectWorkingSetNu()
	}
	gmax, gmax2 := math.Inf(-1), math.Inf(-1)
	gmaxIdx, gminIdx := -1, -1
	objMin := math.Inf(1)
	a := s.active
	for t := 0; t < a; t++ {
		if s.y[t] == 1 {
			if !s.upper(t) && -s.g[t] >= gmax {
				gmax, gmaxIdx = -s.g[t], t
			}
		} else if !s.lower(t) && s.g[t] >= gmax {
			gmax, gmaxIdx = s.g[t], t
		}
	}
	i := gmaxIdx
	var qi []float32
	if i != -1 {
		qi = s.q.getQ(i, a)
	}
	for j := 0; j < a; j++ {
		if s.y[j] == 1 {
			if s.lower(j) {
				continue
			}
			gd := gmax + s.g[j]
			if s.g[j] >= gmax2 {
				gmax2 = s.g[j]
			}
			if gd > 0 {
				quad := s.qd[i] + s.qd[j] - 2*float64(s.y[i])*float64(qi[j])
				var od float64
				if quad > 0 {
					od = -(gd * gd) / quad
				} else {
					od = -(gd * gd) / tau
				}
				if od <= objMin {
					gminIdx, objMin = j, od
				}
			}
		} else {
			if s.upper(j) {
				continue
			}
			gd := gmax - s.g[j]
			if -s.g[j] >= gmax2 {
				gmax2 = -s.g[j]
			}
			if gd > 0 {
				quad := s.qd[i] + s.qd[j] + 2*float64(s.y[i])*float64(qi[j])
				var od float64
				if quad > 0 {
					od = -(gd * gd) / quad
				} else {
					od = -(gd * gd) / tau
				}
				if od <= objMin {
					gminIdx, objMin = j, od
				}
			}
		}
	}
	if gmax+gmax2 < s.eps || gminIdx == -1 {
		return 0, 0, true
	}
	return gmaxIdx, gminIdx, false
}

func (s *solver) beShrunk(i int, gmax1, gmax2 float64) bool {
	switch {
	case s.upper(i):
		if s.y[i] == 1 {
			return -s.g[i] > gmax1
		}
		return -s.g[i] > gmax2
	case s.lower(i):
		if s.y[i] == 1 {
			return s.g[i] > gmax2
		}
		return s.g[i] > gmax1
	}
	return false
}

func (s *solver) doShrinking() {
	if s.nu {
		s.doShrinkingNu()
		return
	}
	gmax1, gmax2 := math.Inf(-1), math.Inf(-1)
	for i := 0; i < s.active; i++ {
		if s.y[i] == 1 {
			if !s.upper(i) && -s.g[i] >= gmax1 {
				gmax1 = -s.g[i]
			}
			if !s.lower(i) && s.g[i] >= gmax2 {
				gmax2 = s.g[i]
			}
		} else {
			if !s.upper(i) && -s.g[i] >= gmax2 {
				gmax2 = -s.g[i]
			}
			if !s.lower(i) && s.g[i] >= gmax1 {
				gmax1 = s.g[i]
			}
		}
	}
	if !s.unshrink && gmax1+gmax2 <= s.eps*10 {
		s.unshrink = true
		s.reconstructGradient()
		s.active = s.l
	}
	for i := 0; i < s.active; i++ {
		if !s.beShrunk(i, gmax1, gmax2) {
			continue
		}
		s.active--
		for s.active > i {
			if !s.beShrunk(s.active, gmax1, gmax2) {
				s.swapIndex(i, s.active)
				break
			}
			s.active--
		}
	}
}

// rho is the offset: the mean of yG over the free variables, or the
// middle of the feasible interval when none is free.
func (s *solver) rho() float64 {
	nFree := 0
	ub, lb, sumFree := math.Inf(1), math.Inf(-1), 0.0
	for i := 0; i < s.active; i++ {
		yg := float64(s.y[i]) * s.g[i]
		switch {
		case s.upper(i):
			if s.y[i] == -1 {
				ub = math.Min(ub, yg)
			} else {
				lb = math.Max(lb, yg)
			}
		case s.lower(i):
			if s.y[i] == 1 {
				ub = math.Min(ub, yg)
			} else {
				lb = math.Max(lb, yg)
			}
		default:
			nFree++
			sumFree += yg
		}
	}
	if nFree > 0 {
		return sumFree / float64(nFree)
	}
	return (ub + lb) / 2
}

// convergenceMessage is the log event of a solve stopped by max_iter, with
// scikit-learn's advice.
func convergenceMessage(class string, maxIter int) string {
	return fmt.Sprintf("%s: the solver terminated early (max_iter=%d) before reaching tol; consider pre-processing the data with StandardScaler or MinMaxScaler", class, maxIter)
}
