package calibration

import (
	"math"
)

func expit(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// softplus is log(1 + exp(z)), without overflow.
func softplus(z float64) float64 { return math.Max(z, 0) + math.Log1p(math.Exp(-math.Abs(z))) }

// sigmoidCalibration is scikit-learn's _sigmoid_calibration (Platt 2000):
// a and b minimising the log loss of P = expit(-(a·f + b)) against Platt's
// smoothed targets (prior1+1)/(prior1+2) for positives and 1/(prior0+2)
// for negatives, from a = 0, b = log((prior0+1)/(prior1+1)). scikit-learn
// minimises with scipy's fmin_bfgs (gtol 1e-5); the problem is convex and
// smooth, so Newton's method with a backtracking line search reaches the
// same minimum, to a gradient far below fmin_bfgs's tolerance. With
// sample weights sw (nil for none) each sample's loss is scaled by its
// weight and the priors are the classes' weight sums, as in scikit-learn
// 1.2.
func sigmoidCalibration(f, y, sw []float64) (a, b float64) {
	wt := func(i int) float64 {
		if sw == nil {
			return 1
		}
		return sw[i]
	}
	prior0 := 0.0
	for _, v := range y {
		if v <= 0 {
			prior0++
		}
	}
	prior1 := float64(len(y)) - prior0
	if sw != nil {
		prior0, prior1 = 0, 0
		for i, v := range y {
			if v <= 0 {
				prior0 += sw[i]
			} else {
				prior1 += sw[i]
			}
		}
	}
	t := make([]float64, len(y))
	for i, v := range y {
		if v > 0 {
			t[i] = (prior1 + 1) / (prior1 + 2)
		} else {
			t[i] = 1 / (prior0 + 2)
		}
	}
	loss := func(a, b float64) float64 {
		s := 0.0
		for i, fi := range f {
			z := a*fi + b
			// t·softplus(z) + (1-t)·softplus(-z), as softplus(-z) is
			// softplus(z) - z: one logarithm per sample.
			s += wt(i) * (softplus(z) - (1-t[i])*z)
		}
		return s
	}
	a, b = 0, math.Log((prior0+1)/(prior1+1))
	cur := loss(a, b)
	scale := 0.0
	for i := range f {
		scale += wt(i)
	}
	for i, fi := range f {
		scale += wt(i) * math.Abs(fi)
	}
	// Newton's method converges quadratically from any start on this
	// problem; it stops once the gradient is at rounding level, the step
	// no longer moves a or b, or no step lowers the loss.
	for range 100 {
		var ga, gb, haa, hab, hbb float64
		for i, fi := range f {
			p := expit(-(a*fi + b))
			r := wt(i) * (t[i] - p)
			ga += r * fi
			gb += r
			w := wt(i) * p * (1 - p)
			haa += w * fi * fi
			hab += w * fi
			hbb += w
		}
		if math.Max(math.Abs(ga), math.Abs(gb)) <= 1e-14*scale {
			break
		}
		// Newton's step, damped when the Hessian is (nearly) singular.
		lam := 1e-12 * (haa + hbb)
		det := (haa+lam)*(hbb+lam) - hab*hab
		var da, db float64
		if det > 0 && !math.IsInf(det, 0) {
			da = -((hbb+lam)*ga - hab*gb) / det
			db = -((haa+lam)*gb - hab*ga) / det
		} else {
			da, db = -ga, -gb
		}
		if math.Abs(da) <= 1e-15*(1+math.Abs(a)) && math.Abs(db) <= 1e-15*(1+math.Abs(b)) {
			break
		}
		// Where Newton's model predicts a decrease at the loss's rounding
		// level, the full step is the minimum: the line search could
		// only tell rounding noise apart, halving the step many times.
		if dec := -(ga*da + gb*db); dec <= 1e-15*math.Abs(cur) {
			a, b = a+da, b+db
			break
		}
		step, moved, flat := 1.0, false, false
		for range 60 {
			na, nb := a+step*da, b+step*db
			l := loss(na, nb)
			if l < cur || l == cur && step == 1 {
				a, b, moved, flat = na, nb, true, l == cur
				cur = l
				break
			}
			step /= 2
		}
		if !moved || flat {
			break
		}
	}
	return a, b
}
