package linear

import (
	"context"
	"fmt"
	"math"

	"github.com/mlforge/mlforge/internal/nprand"
	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

// The liblinear solvers of LogisticRegression, as scikit-learn 1.2 runs its
// copy of liblinear (sklearn/svm/src/liblinear), written from the papers
// and checked against it iterate for iterate:
//
//   - penalty l2, dual false: liblinear's solver 0 (L2R_LR), a trust-region
//     Newton method with conjugate-gradient steps (Lin, Weng and Keerthi,
//     "Trust region Newton method for large-scale logistic regression",
//     JMLR 2008), stopping when ‖∇f‖ ≤ ε·‖∇f(0)‖ with ε = tol·max(min(#pos,
//     #neg), 1)/n;
//   - penalty l2, dual true: solver 7 (L2R_LR_DUAL), coordinate descent on
//     the dual with a Newton inner solve per coordinate (Yu, Huang and Lin,
//     "Dual coordinate descent methods for logistic regression and maximum
//     entropy models", MLJ 2011, Algorithm 5), stopping when the largest
//     gradient magnitude of an epoch is below tol;
//   - penalty l1: solver 6 (L1R_LR), newGLMNET (Yuan, Ho and Lin, "An
//     improved GLMNET for L1-regularized logistic regression", JMLR 2012):
//     a quadratic model solved by coordinate descent with shrinking, then a
//     line search, with the same ε as solver 0.
//
// All three minimise ½‖w‖² + Σ Cᵢ·log(1 + exp(-yᵢ wᵀxᵢ)) (‖w‖₁ for l1) over
// X with a last column of intercept_scaling when fit_intercept, so the
// intercept is a penalised weight, as liblinear does; Cᵢ is C times the
// class weight of the positive class for yᵢ = +1 and C (times the second
// class's weight with two classes) for the others, times the sample weight.
// Samples are grouped by class in sorted order (group_classes), one binary
// problem per class against the rest (one, for the second class, with two
// classes), and one generator, seeded as _fit_liblinear seeds liblinear's
// (RandomState(random_state).randint(2³¹-1) into an MT19937, Lemire's
// bounded integers), shuffles the coordinates of every problem in turn.

// llProblem is one binary problem: rows in group_classes order, with the
// bias column.
type llProblem struct {
	x    []float64 // row-major l × w
	l, w int
	y    []float64 // ±1
	C    []float64 // per-sample bound
}

func (p *llProblem) row(i int) []float64 { return p.x[i*p.w : (i+1)*p.w] }

// llTick is called once per outer iteration (iter ≥ 1), where it reports
// progress, and inside long inner loops (iter 0, a check only); it returns
// the context's error to stop the solver.
type llTick func(iter int) error

// lrFun is liblinear's l2r_lr_fun: the primal objective, its gradient and
// Hessian-vector products.
type lrFun struct {
	p       *llProblem
	z, D, a []float64
}

func (f *lrFun) xv(v, out []float64) {
	p := f.p
	for i := 0; i < p.l; i++ {
		out[i] = dotSeqL(p.row(i), v)
	}
}

func (f *lrFun) xtv(v, out []float64) {
	p := f.p
	clear(out)
	for i := 0; i < p.l; i++ {
		vi := v[i]
		if vi == 0 {
			continue
		}
		r := p.row(i)
		out = out[:len(r)]
		for j, x := range r {
			out[j] += vi * x
		}
	}
}

func (f *lrFun) fun(w []float64) float64 {
	f.xv(w, f.z)
	v := 0.0
	for _, x := range w {
		v += x * x
	}
	v /= 2
	for i, z := range f.z {
		yz := f.p.y[i] * z
		if yz >= 0 {
			v += f.p.C[i] * math.Log(1+math.Exp(-yz))
		} else {
			v += f.p.C[i] * (-yz + math.Log(1+math.Exp(yz)))
		}
	}
	return v
}

// grad must follow fun at the same w (it uses fun's X·w).
func (f *lrFun) grad(w, g []float64) {
	for i := range f.z {
		y := f.p.y[i]
		s := 1 / (1 + math.Exp(-y*f.z[i]))
		f.D[i] = s * (1 - s)
		f.z[i] = f.p.C[i] * (s - 1) * y
	}
	f.xtv(f.z, g)
	for j := range g {
		g[j] += w[j]
	}
}

func (f *lrFun) hv(s, hs []float64) {
	f.xv(s, f.a)
	for i := range f.a {
		f.a[i] *= f.p.C[i] * f.D[i]
	}
	f.xtv(f.a, hs)
	for j := range hs {
		hs[j] += s[j]
	}
}

func dotSeqL(a, b []float64) float64 {
	b = b[:len(a)]
	s := 0.0
	for j, v := range a {
		s += v * b[j]
	}
	return s
}

func nrm2(v []float64) float64 { return math.Sqrt(dotSeqL(v, v)) }

func axpyL(a float64, x, y []float64) {
	y = y[:len(x)]
	for j, v := range x {
		y[j] += a * v
	}
}

// solveTRON is liblinear's TRON::tron on l2r_lr_fun: w starts at 0; it
// returns the number of accepted steps, as liblinear counts them.
func solveTRON(p *llProblem, eps float64, maxIter int, tick llTick) ([]float64, int, error) {
	const (
		eta0, eta1, eta2       = 1e-4, 0.25, 0.75
		sigma1, sigma2, sigma3 = 0.25, 0.5, 4
	)
	n := p.w
	f := &lrFun{p: p, z: make([]float64, p.l), D: make([]float64, p.l), a: make([]float64, p.l)}
	w := make([]float64, n)
	s := make([]float64, n)
	r := make([]float64, n)
	wNew := make([]float64, n)
	g := make([]float64, n)
	d := make([]float64, n)
	hd := make([]float64, n)

	// trcg is TRON::trcg: conjugate gradients on H s = -g within ‖s‖ ≤ delta.
	trcg := func(delta float64) {
		for i := range s {
			s[i] = 0
			r[i] = -g[i]
			d[i] = r[i]
		}
		cgtol := 0.1 * nrm2(g)
		rTr := dotSeqL(r, r)
		for nrm2(r) > cgtol {
			f.hv(d, hd)
			alpha := rTr / dotSeqL(d, hd)
			axpyL(alpha, d, s)
			if nrm2(s) > delta {
				axpyL(-alpha, d, s)
				std, sts, dtd := dotSeqL(s, d), dotSeqL(s, s), dotSeqL(d, d)
				dsq := delta * delta
				rad := math.Sqrt(std*std + dtd*(dsq-sts))
				if std >= 0 {
					alpha = (dsq - sts) / (std + rad)
				} else {
					alpha = (rad - std) / dtd
				}
				axpyL(alpha, d, s)
				axpyL(-alpha, hd, r)
				return
			}
			axpyL(-alpha, hd, r)
			rnew := dotSeqL(r, r)
			beta := rnew / rTr
			for i := range d {
				d[i] = beta*d[i] + r[i]
			}
			rTr = rnew
		}
	}

	fv := f.fun(w)
	f.grad(w, g)
	delta := nrm2(g)
	gnorm1 := delta
	search := !(delta <= eps*gnorm1)
	iter := 1
	for iter <= maxIter && search {
		if err := tick(0); err != nil {
			return nil, 0, err
		}
		trcg(delta)
		copy(wNew, w)
		axpyL(1, s, wNew)
		gs := dotSeqL(g, s)
		prered := -0.5 * (gs - dotSeqL(s, r))
		fnew := f.fun(wNew)
		actred := fv - fnew
		snorm := nrm2(s)
		if iter == 1 {
			delta = math.Min(delta, snorm)
		}
		var alpha float64
		if fnew-fv-gs <= 0 {
			alpha = sigma3
		} else {
			alpha = math.Max(sigma1, -0.5*(gs/(fnew-fv-gs)))
		}
		switch {
		case actred < eta0*prered:
			delta = math.Min(math.Max(alpha, sigma1)*snorm, sigma2*delta)
		case actred < eta1*prered:
			delta = math.Max(sigma1*delta, math.Min(alpha*snorm, sigma2*delta))
		case actred < eta2*prered:
			delta = math.Max(sigma1*delta, math.Min(alpha*snorm, sigma3*delta))
		default:
			delta = math.Max(delta, math.Min(alpha*snorm, sigma3*delta))
		}
		if actred > eta0*prered {
			iter++
			copy(w, wNew)
			fv = fnew
			f.grad(w, g)
			if err := tick(iter - 1); err != nil {
				return nil, 0, err
			}
			if nrm2(g) <= eps*gnorm1 {
				break
			}
		}
		if fv < -1e32 {
			break
		}
		if math.Abs(actred) <= 0 && prered <= 0 {
			break
		}
		if math.Abs(actred) <= 1e-12*math.Abs(fv) && math.Abs(prered) <= 1e-12*math.Abs(fv) {
			break
		}
	}
	return w, iter - 1, nil
}

// solveLRDual is liblinear's solve_l2r_lr_dual.
func solveLRDual(p *llProblem, eps float64, maxIter int, rng *nprand.RandomState, tick llTick) ([]float64, int, error) {
	l := p.l
	w := make([]float64, p.w)
	xTx := make([]float64, l)
	index := make([]int, l)
	alpha := make([]float64, 2*l)
	const maxInner = 100
	innereps := 1e-2
	innerepsMin := math.Min(1e-8, eps)
	for i := range l {
		C := p.C[i]
		alpha[2*i] = math.Min(0.001*C, 1e-8)
		alpha[2*i+1] = C - alpha[2*i]
		xi := p.row(i)
		for _, v := range xi {
			xTx[i] += v * v
		}
		axpyL(p.y[i]*alpha[2*i], xi, w)
		index[i] = i
	}
	iter := 0
	for iter < maxIter {
		for i := range l {
			j := i + int(rng.Bounded(uint32(l-i)))
			index[i], index[j] = index[j], index[i]
		}
		newtonIter := 0
		gmax := 0.0
		for s := 0; s < l; s++ {
			i := index[s]
			yi := p.y[i]
			C := p.C[i]
			xi := p.row(i)
			a, b := xTx[i], dotSeqL(xi, w)*yi
			ind1, ind2, sign := 2*i, 2*i+1, 1.0
			if 0.5*a*(alpha[ind2]-alpha[ind1])+b < 0 {
				ind1, ind2, sign = 2*i+1, 2*i, -1
			}
			old := alpha[ind1]
			z := old
			if C-z < 0.5*C {
				z *= 0.1
			}
			gp := a*(z-old) + sign*b + math.Log(z/(C-z))
			gmax = math.Max(gmax, math.Abs(gp))
			const eta = 0.1
			inner := 0
			for inner <= maxInner {
				if math.Abs(gp) < innereps {
					break
				}
				gpp := a + C/(C-z)/z
				tmpz := z - gp/gpp
				if tmpz <= 0 {
					z *= eta
				} else {
					z = tmpz
				}
				gp = a*(z-old) + sign*b + math.Log(z/(C-z))
				newtonIter++
				inner++
			}
			if inner > 0 {
				alpha[ind1] = z
				alpha[ind2] = C - z
				axpyL(sign*(z-old)*yi, xi, w)
			}
		}
		iter++
		if err := tick(iter); err != nil {
			return nil, 0, err
		}
		if gmax < eps {
			break
		}
		if newtonIter <= l/10 {
			innereps = math.Max(innerepsMin, 0.1*innereps)
		}
	}
	return w, iter, nil
}

// solveL1LR is liblinear's solve_l1r_lr (newGLMNET) on the column-major
// copy xc (w × l) of the problem's rows.
func solveL1LR(p *llProblem, xc []float64, eps float64, maxNewton int, rng *nprand.RandomState, tick llTick) ([]float64, int, error) {
	l, wSize := p.l, p.w
	col := func(j int) []float64 { return xc[j*l : (j+1)*l] }
	const (
		maxIter          = 1000
		maxNumLinesearch = 20
		nu               = 1e-12
		sigma            = 0.01
	)
	innerEps := 1.0
	gnorm1Init := -1.0
	gmaxOld := math.Inf(1)
	qpNoChange := 0
	index := make([]int, wSize)
	hdiag := make([]float64, wSize)
	grad := make([]float64, wSize)
	w := make([]float64, wSize)
	wpd := make([]float64, wSize)
	xjnegSum := make([]float64, wSize)
	xTd := make([]float64, l)
	expWTx := make([]float64, l)
	expWTxNew := make([]float64, l)
	tau := make([]float64, l)
	D := make([]float64, l)
	C, y := p.C, p.y
	for j := range wSize {
		index[j] = j
		for i, v := range col(j) {
			if y[i] == -1 {
				xjnegSum[j] += C[i] * v
			}
		}
	}
	for i := range l {
		expWTx[i] = 1 // exp(0): w starts at 0
		t := 1 / (1 + expWTx[i])
		tau[i] = C[i] * t
		D[i] = C[i] * expWTx[i] * t * t
	}
	wNorm := 0.0
	newtonIter := 0
	for newtonIter < maxNewton {
		gmaxNew, gnorm1New := 0.0, 0.0
		active := wSize
		for s := 0; s < active; s++ {
			j := index[s]
			h, tmp := nu, 0.0
			cj := col(j)
			Dj, tj := D[:len(cj)], tau[:len(cj)]
			for i, v := range cj {
				h += v * v * Dj[i]
				tmp += v * tj[i]
			}
			hdiag[j] = h
			grad[j] = -tmp + xjnegSum[j]
			Gp, Gn := grad[j]+1, grad[j]-1
			violation := 0.0
			switch {
			case w[j] == 0:
				if Gp < 0 {
					violation = -Gp
				} else if Gn > 0 {
					violation = Gn
				} else if Gp > gmaxOld/float64(l) && Gn < -gmaxOld/float64(l) {
					active--
					index[s], index[active] = index[active], index[s]
					s--
					continue
				}
			case w[j] > 0:
				violation = math.Abs(Gp)
			default:
				violation = math.Abs(Gn)
			}
			gmaxNew = math.Max(gmaxNew, violation)
			gnorm1New += violation
		}
		if newtonIter == 0 {
			gnorm1Init = gnorm1New
		}
		if gnorm1New <= eps*gnorm1Init || qpNoChange >= 10 {
			break
		}
		qpNoChange++
		iter := 0
		qpGmaxOld := math.Inf(1)
		qpActive := active
		clear(xTd)
		for iter < maxIter {
			qpGmaxNew, qpGnorm1New := 0.0, 0.0
			for j := range qpActive {
				i := j + int(rng.Bounded(uint32(qpActive-j)))
				index[i], index[j] = index[j], index[i]
			}
			for s := 0; s < qpActive; s++ {
				j := index[s]
				H := hdiag[j]
				cj := col(j)
				G := grad[j] + (wpd[j]-w[j])*nu
				Dj, xj := D[:len(cj)], xTd[:len(cj)]
				for i, v := range cj {
					G += v * Dj[i] * xj[i]
				}
				Gp, Gn := G+1, G-1
				violation := 0.0
				switch {
				case wpd[j] == 0:
					if Gp < 0 {
						violation = -Gp
					} else if Gn > 0 {
						violation = Gn
					} else if Gp > qpGmaxOld/float64(l) && Gn < -qpGmaxOld/float64(l) {
						qpActive--
						index[s], index[qpActive] = index[qpActive], index[s]
						s--
						continue
					}
				case wpd[j] > 0:
					violation = math.Abs(Gp)
				default:
					violation = math.Abs(Gn)
				}
				var z float64
				switch {
				case Gp < H*wpd[j]:
					z = -Gp / H
				case Gn > H*wpd[j]:
					z = -Gn / H
				default:
					z = -wpd[j]
				}
				if math.Abs(z) < 1e-12 {
					continue
				}
				z = math.Min(math.Max(z, -10), 10)
				qpNoChange = 0
				qpGmaxNew = math.Max(qpGmaxNew, violation)
				qpGnorm1New += violation
				wpd[j] += z
				axpyL(z, cj, xTd)
			}
			iter++
			if err := tick(0); err != nil {
				return nil, 0, err
			}
			if qpGnorm1New <= innerEps*gnorm1Init {
				if qpActive == active {
					break
				}
				qpActive = active
				qpGmaxOld = math.Inf(1)
				continue
			}
			qpGmaxOld = qpGmaxNew
		}
		delta, wNormNew := 0.0, 0.0
		for j := range wSize {
			delta += grad[j] * (wpd[j] - w[j])
			if wpd[j] != 0 {
				wNormNew += math.Abs(wpd[j])
			}
		}
		delta += wNormNew - wNorm
		negsum := 0.0
		for i := range l {
			if y[i] == -1 {
				negsum += C[i] * xTd[i]
			}
		}
		nls := 0
		for ; nls < maxNumLinesearch; nls++ {
			cond := wNormNew - wNorm + negsum - sigma*delta
			for i := range l {
				e := math.Exp(xTd[i])
				expWTxNew[i] = expWTx[i] * e
				cond += C[i] * math.Log((1+expWTxNew[i])/(e+expWTxNew[i]))
			}
			if cond <= 0 {
				wNorm = wNormNew
				copy(w, wpd)
				for i := range l {
					expWTx[i] = expWTxNew[i]
					t := 1 / (1 + expWTx[i])
					tau[i] = C[i] * t
					D[i] = C[i] * expWTx[i] * t * t
				}
				break
			}
			wNormNew = 0
			for j := range wSize {
				wpd[j] = (w[j] + wpd[j]) * 0.5
				if wpd[j] != 0 {
					wNormNew += math.Abs(wpd[j])
				}
			}
			delta *= 0.5
			negsum *= 0.5
			for i := range xTd {
				xTd[i] *= 0.5
			}
		}
		if nls >= maxNumLinesearch {
			// liblinear recomputes exp(wᵀx) from w (tau and D stay).
			clear(expWTx)
			for j := range wSize {
				if w[j] != 0 {
					axpyL(w[j], col(j), expWTx)
				}
			}
			for i := range expWTx {
				expWTx[i] = math.Exp(expWTx[i])
			}
		}
		if iter == 1 {
			innerEps *= 0.25
		}
		newtonIter++
		gmaxOld = gmaxNew
		if err := tick(newtonIter); err != nil {
			return nil, 0, err
		}
	}
	return w, newtonIter, nil
}

// validateLiblinear checks what _check_solver, _check_multi_class and
// _get_liblinear_solver_type refuse for solver liblinear, with their
// messages.
func (m *LogisticRegression) validateLiblinear() error {
	switch m.Penalty {
	case "", "none":
		return &ml.ParamError{Param: "penalty", Msg: "penalty='none' is not supported for the liblinear solver"}
	case "elasticnet":
		return &ml.ParamError{Param: "penalty", Msg: "Only 'saga' solver supports elasticnet penalty, got solver=liblinear."}
	case "l1":
		if m.Dual {
			return &ml.ParamError{Param: "dual", Msg: "Unsupported set of arguments: The combination of penalty='l1' and loss='logistic_regression' are not supported when dual=True, Parameters: penalty='l1', loss='logistic_regression', dual=True"}
		}
	}
	if m.MultiClass == "multinomial" {
		return &ml.ParamError{Param: "multi_class", Msg: "Solver liblinear does not support a multinomial backend."}
	}
	return nil
}

// liblinearSeed is the seed _fit_liblinear passes to liblinear:
// check_random_state(random_state).randint(np.iinfo("i").max).
func liblinearSeed(randomState int64) uint32 {
	return uint32(nprand.New(uint32(randomState)).RandInt(0, math.MaxInt32))
}

// fitLiblinear fits by liblinear's solver for the penalty and dual; sw
// are sample weights (nil: all 1; samples of weight ≤ 0 are left out, as
// liblinear's remove_zero_weight does).
func (m *LogisticRegression) fitLiblinear(ctx context.Context, X *mat.Dense, classes []float64, idx []int, sw []float64) error {
	_, p := X.Dims()
	K := len(classes)
	counts := make([]float64, K)
	for _, c := range idx {
		counts[c]++
	}
	cw := make([]float64, K)
	for k := range cw {
		cw[k] = 1
	}
	if !m.ClassWeight.IsZero() {
		var err error
		if cw, err = m.ClassWeight.PerClass(classes, counts); err != nil {
			return err
		}
	}
	// Rows grouped by class in sorted order, zero weights left out.
	var order []int
	for c := range K {
		for i, ci := range idx {
			if ci == c && (sw == nil || sw[i] > 0) {
				order = append(order, i)
			}
		}
	}
	l := len(order)
	if l == 0 {
		return &ml.ParamError{Param: "sample_weight", Msg: "every sample has weight 0"}
	}
	wd := p
	if m.FitIntercept {
		wd++
	}
	raw := X.RawMatrix()
	pr := &llProblem{l: l, w: wd, y: make([]float64, l), C: make([]float64, l)}
	var xc []float64 // newGLMNET works on columns (w × l), the others on rows
	if m.Penalty == "l1" {
		xc = make([]float64, l*wd)
		for t, i := range order {
			for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+p] {
				xc[j*l+t] = v
			}
			if m.FitIntercept {
				xc[p*l+t] = m.InterceptScaling
			}
		}
	} else {
		pr.x = make([]float64, l*wd)
		for t, i := range order {
			r := pr.row(t)
			copy(r, raw.Data[i*raw.Stride:i*raw.Stride+p])
			if m.FitIntercept {
				r[p] = m.InterceptScaling
			}
		}
	}
	rng := nprand.New(liblinearSeed(m.RandomState))
	rep := ml.ProgressFrom(ctx)
	nw := K
	if K == 2 {
		nw = 1
	}
	method := "tron"
	switch {
	case m.Penalty == "l1":
		method = "newglmnet"
	case m.Dual:
		method = "dual coordinate descent"
	}
	coef := mat.NewDense(nw, p, nil)
	intercept := make([]float64, nw)
	nIter := make([]int, nw)
	converged := true
	for k := range nw {
		pos := k
		cp, cn := m.C*cw[k], m.C
		if K == 2 {
			pos, cp, cn = 1, m.C*cw[1], m.C*cw[0]
		}
		npos := 0
		for t, i := range order {
			pr.y[t], pr.C[t] = -1, cn
			if idx[i] == pos {
				pr.y[t], pr.C[t] = 1, cp
				npos++
			}
			if sw != nil {
				pr.C[t] *= sw[i]
			}
		}
		label := ""
		if nw > 1 {
			label = fmt.Sprintf(" (class %v vs rest)", classes[k])
		}
		tick := func(it int) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if it == 0 {
				return nil
			}
			rep.Report(ml.Event{Kind: "iter", Step: k*m.MaxIter + it, Total: m.MaxIter * nw, Message: "LogisticRegression: liblinear " + method + label})
			return nil
		}
		primalTol := m.Tol * float64(max(min(npos, l-npos), 1)) / float64(l)
		var w []float64
		var it int
		var err error
		switch {
		case m.Penalty == "l1":
			w, it, err = solveL1LR(pr, xc, primalTol, m.MaxIter, rng, tick)
		case m.Dual:
			w, it, err = solveLRDual(pr, m.Tol, m.MaxIter, rng, tick)
		default:
			w, it, err = solveTRON(pr, primalTol, m.MaxIter, tick)
		}
		if err != nil {
			return err
		}
		nIter[k] = it
		coef.SetRow(k, w[:p])
		if m.FitIntercept {
			intercept[k] = m.InterceptScaling * w[p]
		}
	}
	if slicesMax(nIter) >= m.MaxIter {
		converged = false
		rep.Report(ml.Event{Kind: "log", Message: "LogisticRegression: Liblinear failed to converge, increase the number of iterations."})
	}
	if err := checkFinite("coef", coef.RawMatrix().Data); err != nil {
		return err
	}
	if err := checkFinite("intercept", intercept); err != nil {
		return err
	}
	m.classes, m.coef, m.intercept, m.nIter, m.converged, m.multinomial = classes, coef, intercept, nIter, converged, false
	return nil
}

func slicesMax(v []int) int {
	mx := math.MinInt
	for _, x := range v {
		mx = max(mx, x)
	}
	return mx
}
