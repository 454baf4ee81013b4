package linear

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "LassoCV",
		Task:   ml.Regression,
		Family: "linear",
		Doc:    "Lasso that picks alpha along a regularisation path by k-fold cross-validation, then refits on all the data.",
		New:    func() ml.Estimator { return NewLassoCV() },
	})
	ml.Register(ml.ClassInfo{
		Name:   "ElasticNetCV",
		Task:   ml.Regression,
		Family: "linear",
		Doc:    "ElasticNet that picks alpha along a regularisation path by k-fold cross-validation, then refits on all the data.",
		New:    func() ml.Estimator { return NewElasticNetCV() },
	})
}

// ElasticNetCV is sklearn.linear_model.ElasticNetCV with one l1_ratio and
// cv an integer (KFold without shuffling): for each fold it fits the path
// of alphas (from the largest, warm-starting each fit at the previous
// coefficients) on the other folds, as scikit-learn's enet_path does
// (coordinate descent on the Gram matrix when there are more samples than
// features, precompute "auto"), scores each alpha by its mean squared error
// on the fold, keeps the alpha of the lowest mean over the folds, and
// refits ElasticNet with it on all the data. Without alphas the path is
// n_alphas values spaced evenly in log from alpha_max·eps to alpha_max,
// the smallest alpha that makes every coefficient zero.
type ElasticNetCV struct {
	L1Ratio      float64   `json:"l1_ratio" min:"0" max:"1" help:"the share of L1 in the penalty (scikit-learn also takes a list; one value here)"`
	Eps          float64   `json:"eps" gt:"0" help:"the path's smallest alpha divided by its largest"`
	NAlphas      int       `json:"n_alphas" min:"1" help:"the number of alphas on the path when alphas is null"`
	Alphas       []float64 `json:"alphas" nullable:"true" help:"the alphas to try, each ≥ 0 (null: n_alphas along the path)"`
	FitIntercept bool      `json:"fit_intercept" help:"whether to fit an intercept (X and y are centred first)"`
	MaxIter      int       `json:"max_iter" min:"1" help:"maximum number of sweeps over the features of each fit"`
	Tol          float64   `json:"tol" min:"0" help:"stopping tolerance on the coefficient updates and the duality gap"`
	CV           int       `json:"cv" min:"2" nullable:"true" help:"the number of folds (KFold without shuffling); null means 5"`
	Positive     bool      `json:"positive" help:"constrain the coefficients to be non-negative"`
	Selection    string    `json:"selection" enum:"cyclic,random" help:"cyclic: update the features in order; random: a random feature at each step"`
	RandomState  int       `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the feature order with selection random; null means 0"`

	enetCVFit `json:"-"`
}

// LassoCV is sklearn.linear_model.LassoCV: ElasticNetCV with l1_ratio 1.
type LassoCV struct {
	Eps          float64   `json:"eps" gt:"0" help:"the path's smallest alpha divided by its largest"`
	NAlphas      int       `json:"n_alphas" min:"1" help:"the number of alphas on the path when alphas is null"`
	Alphas       []float64 `json:"alphas" nullable:"true" help:"the alphas to try, each ≥ 0 (null: n_alphas along the path)"`
	FitIntercept bool      `json:"fit_intercept" help:"whether to fit an intercept (X and y are centred first)"`
	MaxIter      int       `json:"max_iter" min:"1" help:"maximum number of sweeps over the features of each fit"`
	Tol          float64   `json:"tol" min:"0" help:"stopping tolerance on the coefficient updates and the duality gap"`
	CV           int       `json:"cv" min:"2" nullable:"true" help:"the number of folds (KFold without shuffling); null means 5"`
	Positive     bool      `json:"positive" help:"constrain the coefficients to be non-negative"`
	Selection    string    `json:"selection" enum:"cyclic,random" help:"cyclic: update the features in order; random: a random feature at each step"`
	RandomState  int       `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the feature order with selection random; null means 0"`

	enetCVFit `json:"-"`
}

// NewElasticNetCV returns an ElasticNetCV with scikit-learn's defaults:
// l1_ratio 0.5, eps 1e-3, n_alphas 100, fit_intercept true, max_iter 1000,
// tol 1e-4, cv 5, selection "cyclic".
func NewElasticNetCV() *ElasticNetCV {
	return &ElasticNetCV{L1Ratio: 0.5, Eps: 1e-3, NAlphas: 100, FitIntercept: true, MaxIter: 1000, Tol: 1e-4, CV: 5, Selection: "cyclic"}
}

// NewLassoCV returns a LassoCV with scikit-learn's defaults: eps 1e-3,
// n_alphas 100, fit_intercept true, max_iter 1000, tol 1e-4, cv 5,
// selection "cyclic".
func NewLassoCV() *LassoCV {
	return &LassoCV{Eps: 1e-3, NAlphas: 100, FitIntercept: true, MaxIter: 1000, Tol: 1e-4, CV: 5, Selection: "cyclic"}
}

func validateAlphas(alphas []float64) error {
	if alphas != nil && len(alphas) == 0 {
		return &ml.ParamError{Param: "alphas", Msg: "is empty, expected null or at least one alpha ≥ 0"}
	}
	for i, a := range alphas {
		if !(a >= 0) || math.IsInf(a, 0) {
			return &ml.ParamError{Param: fmt.Sprintf("alphas[%d]", i), Expected: "a finite number ≥ 0", Got: fmt.Sprint(a)}
		}
	}
	return nil
}

// Validate checks alphas.
func (m *ElasticNetCV) Validate() error { return validateAlphas(m.Alphas) }

// Validate checks alphas.
func (m *LassoCV) Validate() error { return validateAlphas(m.Alphas) }

// Fit cross-validates the path and refits at the best alpha.
func (m *ElasticNetCV) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn 1.2's fit(X, y, sample_weight): the alpha grid stays
// unweighted, each fold's path is fitted with its training rows' weights
// (scaled to sum to their count) and scored by the weighted mean squared
// error of its test rows, and the refit is weighted.
func (m *ElasticNetCV) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	return m.fitCV(ctx, "ElasticNetCV", X, y, w, m.Eps, m.NAlphas, m.Alphas, m.CV, enetParams{0, m.L1Ratio, m.FitIntercept, m.MaxIter, m.Tol, m.Positive, m.Selection, m.RandomState})
}

// Fit cross-validates the path and refits at the best alpha.
func (m *LassoCV) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn 1.2's fit(X, y, sample_weight): the alpha grid stays
// unweighted, each fold's path is fitted with its training rows' weights
// (scaled to sum to their count) and scored by the weighted mean squared
// error of its test rows, and the refit is weighted.
func (m *LassoCV) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	return m.fitCV(ctx, "LassoCV", X, y, w, m.Eps, m.NAlphas, m.Alphas, m.CV, enetParams{0, 1, m.FitIntercept, m.MaxIter, m.Tol, m.Positive, m.Selection, m.RandomState})
}

// Predict returns X·coef + intercept.
func (m *ElasticNetCV) Predict(X *mat.Dense) ([]float64, error) { return m.predict("ElasticNetCV", X) }

// Predict returns X·coef + intercept.
func (m *LassoCV) Predict(X *mat.Dense) ([]float64, error) { return m.predict("LassoCV", X) }

// MarshalState returns the refitted model and the chosen alpha.
func (m *ElasticNetCV) MarshalState() (*ml.State, error) { return m.marshalCV("ElasticNetCV") }

// MarshalState returns the refitted model and the chosen alpha.
func (m *LassoCV) MarshalState() (*ml.State, error) { return m.marshalCV("LassoCV") }

// UnmarshalState restores state written by MarshalState.
func (m *ElasticNetCV) UnmarshalState(s *ml.State) error { return m.unmarshalCV("ElasticNetCV", s) }

// UnmarshalState restores state written by MarshalState.
func (m *LassoCV) UnmarshalState(s *ml.State) error { return m.unmarshalCV("LassoCV", s) }

// EstimateMemory bounds Fit's memory (see estimateEnetCV).
func (m *ElasticNetCV) EstimateMemory(n, p, k int) int64 {
	return estimateEnetCV(n, p, m.NAlphas, len(m.Alphas), m.CV)
}

// EstimateMemory bounds Fit's memory (see estimateEnetCV).
func (m *LassoCV) EstimateMemory(n, p, k int) int64 {
	return estimateEnetCV(n, p, m.NAlphas, len(m.Alphas), m.CV)
}

// estimateEnetCV counts, in float64, what Fit allocates in all: per fold a
// training copy of X and its centred column-major copy (2·n·p; a weighted
// fit adds the √w-scaled copy, n·p), the
// centred targets (3·n), the Gram matrix (p²) and per alpha the
// coefficient work vectors (3·p; without the Gram matrix, when n ≤ p, also
// the residual, 2·n); the alpha grid's centred copy (n·p + n), the mse path
// (alphas·cv) and the refit (see estimateEnet).
func estimateEnetCV(n, p, nAlphas, given, cv int) int64 {
	N, P := int64(max(n, 1)), int64(max(p, 1))
	A, F := int64(max(nAlphas, given, 1)), int64(max(cv, 5))
	perAlpha := budget.Mul(3, P)
	if n <= p {
		perAlpha = budget.Add(perAlpha, budget.Mul(2, N))
	}
	v := budget.Add(
		budget.Mul(3*F+1, N, P),
		budget.Mul(3*F+1, N),
		budget.Mul(F, P, P),
		budget.Mul(F, A, perAlpha),
		budget.Mul(A, F),
		budget.Mul(16, P),
	)
	return budget.Add(budget.Mul(8, v), estimateEnet(n, p), 64<<10)
}

// enetCVFit is the fitted state of LassoCV and ElasticNetCV.
type enetCVFit struct {
	enetFit
	alpha   float64
	alphas  []float64
	msePath *mat.Dense // alphas × folds
}

// Alpha returns the chosen alpha (sklearn's alpha_).
func (f *enetCVFit) Alpha() float64 { return f.alpha }

// AlphaGrid returns the alphas tried, largest first (sklearn's alphas_;
// the name Alphas is the parameter's).
func (f *enetCVFit) AlphaGrid() []float64 { return slices.Clone(f.alphas) }

// MSEPath returns the test mean squared error of each alpha (rows) on
// each fold (columns) (sklearn's mse_path_).
func (f *enetCVFit) MSEPath() *mat.Dense {
	if f.msePath == nil {
		return nil
	}
	return mat.DenseCopyOf(f.msePath)
}

// alphaGrid is scikit-learn's _alpha_grid for dense X: n alphas spaced
// evenly in log10 from alpha_max·eps to alpha_max, largest first.
func alphaGrid(X *mat.Dense, y []float64, l1Ratio float64, fitIntercept bool, eps float64, n int) []float64 {
	if l1Ratio == 0 {
		return nil // scikit-learn refuses it too
	}
	cols, _, yc, _ := colMajorCentred(X, y, fitIntercept)
	rows, p := X.Dims()
	amax := 0.0
	for j := 0; j < p; j++ {
		amax = math.Max(amax, math.Abs(floats.Dot(cols[j*rows:(j+1)*rows], yc)))
	}
	amax /= float64(rows) * l1Ratio
	out := make([]float64, n)
	if amax <= 1e-15 { // np.finfo(float).resolution
		for i := range out {
			out[i] = 1e-15
		}
		return out
	}
	lo, hi := math.Log10(amax*eps), math.Log10(amax)
	for i := 0; i < n; i++ {
		// np.logspace: 10 ** linspace(lo, hi, n), reversed.
		t := hi
		if n > 1 {
			step := (hi - lo) / float64(n-1)
			k := n - 1 - i
			t = lo + float64(k)*step
			if k == n-1 {
				t = hi
			}
		}
		out[i] = math.Pow(10, t)
	}
	return out
}

// colMajorCentred returns X centred (when fitIntercept) in column-major
// order, the column means, y centred and its mean.
func colMajorCentred(X *mat.Dense, y []float64, fitIntercept bool) ([]float64, []float64, []float64, float64) {
	n, p := X.Dims()
	raw := X.RawMatrix()
	xMean := make([]float64, p)
	var yMean float64
	if fitIntercept {
		for i := 0; i < n; i++ {
			floats.Add(xMean, raw.Data[i*raw.Stride:i*raw.Stride+p])
			yMean += y[i]
		}
		floats.Scale(1/float64(n), xMean)
		yMean /= float64(n)
	}
	cols := make([]float64, n*p)
	for i := 0; i < n; i++ {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+p] {
			cols[j*n+i] = v - xMean[j]
		}
	}
	yc := make([]float64, n)
	for i, v := range y {
		yc[i] = v - yMean
	}
	return cols, xMean, yc, yMean
}

func (f *enetCVFit) fitCV(ctx context.Context, name string, X *mat.Dense, y, sw []float64, eps float64, nAlphas int, given []float64, cv int, prm enetParams) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	if err := ml.CheckSampleWeight(sw, len(y)); err != nil {
		return err
	}
	if cv == 0 {
		cv = 5
	}
	n, p := X.Dims()
	if cv > n {
		return &ml.ParamError{Param: "cv", Msg: fmt.Sprintf("is %d, more folds than the %d samples", cv, n)}
	}
	var alphas []float64
	if given != nil {
		alphas = slices.Clone(given)
		slices.Sort(alphas)
		slices.Reverse(alphas)
	} else {
		if prm.l1Ratio == 0 {
			return &ml.ParamError{Param: "l1_ratio", Msg: "is 0: the automatic alpha grid needs l1_ratio > 0; give alphas"}
		}
		alphas = alphaGrid(X, y, prm.l1Ratio, prm.fitIntercept, eps, nAlphas)
	}
	A := len(alphas)
	mse := mat.NewDense(A, cv, nil)
	rep := ml.ProgressFrom(ctx)
	raw := X.RawMatrix()
	start := 0
	for fold := 0; fold < cv; fold++ {
		size := n / cv
		if fold < n%cv {
			size++
		}
		lo, hi := start, start+size
		start = hi
		ntr := n - size
		Xtr := mat.NewDense(ntr, p, nil)
		ytr := make([]float64, 0, ntr)
		var wtr []float64
		r := 0
		for i := 0; i < n; i++ {
			if i >= lo && i < hi {
				continue
			}
			copy(Xtr.RawRowView(r), raw.Data[i*raw.Stride:i*raw.Stride+p])
			ytr = append(ytr, y[i])
			if sw != nil {
				wtr = append(wtr, sw[i])
			}
			r++
		}
		var cols, xMean, yc []float64
		var yMean float64
		if sw == nil {
			cols, xMean, yc, yMean = colMajorCentred(Xtr, ytr, prm.fitIntercept)
		} else {
			if err := ml.CheckSampleWeight(wtr, ntr); err != nil {
				return fmt.Errorf("%s: fold %d: %w", name, fold+1, err)
			}
			var Xs *mat.Dense
			Xs, yc, xMean, yMean = rescaleWeighted(Xtr, ytr, normalizedWeights(wtr), prm.fitIntercept)
			cols = make([]float64, ntr*p)
			for i := 0; i < ntr; i++ {
				for j, v := range Xs.RawRowView(i) {
					cols[j*ntr+i] = v
				}
			}
		}
		gram := ntr > p
		var Q, q []float64
		if gram {
			Q = make([]float64, p*p)
			q = make([]float64, p)
			for a := 0; a < p; a++ {
				ca := cols[a*ntr : (a+1)*ntr]
				q[a] = floats.Dot(ca, yc)
				for b := a; b < p; b++ {
					v := floats.Dot(ca, cols[b*ntr:(b+1)*ntr])
					Q[a*p+b], Q[b*p+a] = v, v
				}
			}
		}
		w := make([]float64, p)
		for ai, alpha := range alphas {
			if err := ctx.Err(); err != nil {
				return err
			}
			l1 := alpha * prm.l1Ratio * float64(ntr)
			l2 := alpha * (1 - prm.l1Ratio) * float64(ntr)
			var err error
			if gram {
				w, err = enetCDGram(ctx, w, Q, q, yc, l1, l2, prm)
			} else {
				w, _, _, _, err = enetCDFrom(ctx, name, w, cols, ntr, p, yc, l1, l2, prm, false)
			}
			if err != nil {
				return err
			}
			b := interceptOf(xMean, yMean, w)
			s, tot := 0.0, 0.0
			for i := lo; i < hi; i++ {
				e := floats.Dot(raw.Data[i*raw.Stride:i*raw.Stride+p], w) + b - y[i]
				if sw != nil { // np.average(residues², weights=sw_test)
					s += sw[i] * e * e
					tot += sw[i]
				} else {
					s += e * e
				}
			}
			if sw == nil {
				tot = float64(size)
			} else if !(tot > 0) {
				return ml.DataErrorf("%s: the sample weights of fold %d's test rows sum to 0: its weighted error is undefined", name, fold+1)
			}
			mse.Set(ai, fold, s/tot)
			rep.Report(ml.Event{Kind: "step", Step: fold*A + ai + 1, Total: cv*A + 1, Message: fmt.Sprintf("fold %d of %d", fold+1, cv)})
		}
	}
	best, bestMSE := 0, math.Inf(1)
	for ai := 0; ai < A; ai++ {
		s := 0.0
		for fold := 0; fold < cv; fold++ {
			s += mse.At(ai, fold)
		}
		if s /= float64(cv); s < bestMSE {
			best, bestMSE = ai, s
		}
	}
	prm.alpha = alphas[best]
	if sw != nil {
		if err := f.enetFit.fitWeighted(ctx, name, X, y, sw, prm); err != nil {
			return err
		}
	} else if err := f.enetFit.fit(ctx, name, X, y, prm); err != nil {
		return err
	}
	f.alpha, f.alphas, f.msePath = alphas[best], alphas, mse
	return nil
}

// enetCDGram is scikit-learn's enet_coordinate_descent_gram: coordinate
// descent on Q = XᵀX and q = Xᵀy from the coefficients w (warm start),
// which it updates in place and returns.
func enetCDGram(ctx context.Context, w, Q, q, y []float64, alpha, beta float64, prm enetParams) ([]float64, error) {
	p := len(w)
	H := make([]float64, p)
	for a := 0; a < p; a++ {
		H[a] = floats.Dot(Q[a*p:(a+1)*p], w)
	}
	yNorm2 := floats.Dot(y, y)
	tol := prm.tol * yNorm2
	dwTol := prm.tol
	rng := newSelectionRNG(prm)
	XtA := make([]float64, p)
	for it := 0; it < prm.maxIter; it++ {
		if it%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		wMax, dwMax := 0.0, 0.0
		for f := 0; f < p; f++ {
			ii := f
			if rng != nil {
				ii = rng.IntN(p)
			}
			qii := Q[ii*p+ii]
			if qii == 0 {
				continue
			}
			row := Q[ii*p : (ii+1)*p]
			wii := w[ii]
			if wii != 0 {
				floats.AddScaled(H, -wii, row)
			}
			tmp := q[ii] - H[ii]
			if prm.positive && tmp < 0 {
				w[ii] = 0
			} else {
				w[ii] = softThreshold(tmp, alpha) / (qii + beta)
			}
			if w[ii] != 0 {
				floats.AddScaled(H, w[ii], row)
			}
			dwMax = math.Max(dwMax, math.Abs(w[ii]-wii))
			wMax = math.Max(wMax, math.Abs(w[ii]))
		}
		if wMax == 0 || dwMax/wMax < dwTol || it == prm.maxIter-1 {
			qw := floats.Dot(w, q)
			for a := 0; a < p; a++ {
				XtA[a] = q[a] - H[a] - beta*w[a]
			}
			dual := dualNorm(XtA, prm.positive)
			rNorm2 := yNorm2 + floats.Dot(w, H) - 2*qw
			wNorm2 := floats.Dot(w, w)
			var gap, cst float64
			if dual > alpha {
				cst = alpha / dual
				gap = 0.5 * (rNorm2 + rNorm2*cst*cst)
			} else {
				cst = 1
				gap = rNorm2
			}
			gap += alpha*l1Norm(w) - cst*yNorm2 + cst*qw + 0.5*beta*(1+cst*cst)*wNorm2
			if gap < tol {
				break
			}
		}
	}
	return w, nil
}

func (f *enetCVFit) marshalCV(name string) (*ml.State, error) {
	s, err := f.enetFit.marshal(name)
	if err != nil {
		return nil, err
	}
	s.SetFloats("alpha", []float64{f.alpha})
	s.SetFloats("alphas", f.alphas)
	a, c := f.msePath.Dims()
	s.SetFloats("mse_path", f.msePath.RawMatrix().Data, a, c)
	return s, nil
}

func (f *enetCVFit) unmarshalCV(name string, s *ml.State) error {
	if err := f.enetFit.unmarshal(name, s); err != nil {
		return err
	}
	a, _, err := s.Floats("alpha", 1)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	alphas, _, err := s.Floats("alphas", -1)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	mse, shape, err := s.Floats("mse_path", len(alphas), -1)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if len(alphas) == 0 || shape[1] < 2 {
		return fmt.Errorf("%s: state: mse_path has shape %v, expected (alphas, folds ≥ 2)", name, shape)
	}
	f.alpha, f.alphas, f.msePath = a[0], slices.Clone(alphas), mat.NewDense(shape[0], shape[1], slices.Clone(mse))
	return nil
}
