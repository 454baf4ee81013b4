package svm

import "math"

// The ν variant of the solver (libsvm's Solver_NU): the equality
// constraints hold within each sign of y, so the working pair is chosen
// within one sign, and rho and r come from the free variables of each.

func (s *solver) selectWorkingSetNu() (int, int, bool) {
	gmaxp, gmaxp2 := math.Inf(-1), math.Inf(-1)
	gmaxn, gmaxn2 := math.Inf(-1), math.Inf(-1)
	ip, in := -1, -1
	gminIdx := -1
	objMin := math.Inf(1)
	a := s.active
	for t := 0; t < a; t++ {
		if s.y[t] == 1 {
			if !s.upper(t) && -s.g[t] >= gmaxp {
				gmaxp, ip = -s.g[t], t
			}
		} else if !s.lower(t) && s.g[t] >= gmaxn {
			gmaxn, in = s.g[t], t
		}
	}
	var qip, qin []float32
	if ip != -1 {
		qip = s.q.getQ(ip, a)
	}
	if in != -1 {
		qin = s.q.getQ(in, a)
	}
	consider := func(j int, gd, quad float64) {
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
	for j := 0; j < a; j++ {
		if s.y[j] == 1 {
			if s.lower(j) {
				continue
			}
			gd := gmaxp + s.g[j]
			if s.g[j] >= gmaxp2 {
				gmaxp2 = s.g[j]
			}
			if gd > 0 {
				consider(j, gd, s.qd[ip]+s.qd[j]-2*float64(qip[j]))
			}
		} else {
			if s.upper(j) {
				continue
			}
			gd := gmaxn - s.g[j]
			if -s.g[j] >= gmaxn2 {
				gmaxn2 = -s.g[j]
			}
			if gd > 0 {
				consider(j, gd, s.qd[in]+s.qd[j]-2*float64(qin[j]))
			}
		}
	}
	if math.Max(gmaxp+gmaxp2, gmaxn+gmaxn2) < s.eps || gminIdx == -1 {
		return 0, 0, true
	}
	if s.y[gminIdx] == 1 {
		return ip, gminIdx, false
	}
	return in, gminIdx, false
}

func (s *solver) beShrunkNu(i int, g1, g2, g3, g4 float64) bool {
	switch {
	case s.upper(i):
		if s.y[i] == 1 {
			return -s.g[i] > g1
		}
		return -s.g[i] > g4
	case s.lower(i):
		if s.y[i] == 1 {
			return s.g[i] > g2
		}
		return s.g[i] > g3
	}
	return false
}

func (s *solver) doShrinkingNu() {
	g1, g2, g3, g4 := math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1)
	for i := 0; i < s.active; i++ {
		if !s.upper(i) {
			if s.y[i] == 1 {
				g1 = math.Max(g1, -s.g[i])
			} else {
				g4 = math.Max(g4, -s.g[i])
			}
		}
		if !s.lower(i) {
			if s.y[i] == 1 {
				g2 = math.Max(g2, s.g[i])
			} else {
				g3 = math.Max(g3, s.g[i])
			}
		}
	}
	if !s.unshrink && math.Max(g1+g2, g3+g4) <= s.eps*10 {
		s.unshrink = true
		s.reconstructGradient()
		s.active = s.l
	}
	for i := 0; i < s.active; i++ {
		if !s.beShrunkNu(i, g1, g2, g3, g4) {
			continue
		}
		s.active--
		for s.active > i {
			if !s.beShrunkNu(s.active, g1, g2, g3, g4) {
				s.swapIndex(i, s.active)
				break
			}
			s.active--
		}
	}
}

// rhoNu returns rho and r: the offsets of the positive and negative
// variables (r1, r2) give rho = (r1 - r2)/2 and r = (r1 + r2)/2.
func (s *solver) rhoNu() (rho, r float64) {
	var nFree [2]int
	ub := [2]float64{math.Inf(1), math.Inf(1)}
	lb := [2]float64{math.Inf(-1), math.Inf(-1)}
	var sum [2]float64
	for i := 0; i < s.active; i++ {
		k := 0
		if s.y[i] != 1 {
			k = 1
		}
		switch {
		case s.upper(i):
			lb[k] = math.Max(lb[k], s.g[i])
		case s.lower(i):
			ub[k] = math.Min(ub[k], s.g[i])
		default:
			nFree[k]++
			sum[k] += s.g[i]
		}
	}
	var rr [2]float64
	for k := range rr {
		if nFree[k] > 0 {
			rr[k] = sum[k] / float64(nFree[k])
		} else {
			rr[k] = (ub[k] + lb[k]) / 2
		}
	}
	return (rr[0] - rr[1]) / 2, (rr[0] + rr[1]) / 2
}
