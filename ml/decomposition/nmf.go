package decomposition

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/nprand"
	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "NMF",
		Task:   ml.Transform,
		Family: "decomposition",
		Doc:    "non-negative matrix factorisation: X ≈ W·H with W, H ≥ 0 (coordinate descent or multiplicative updates)",
		New:    func() ml.Estimator { return NewNMF() },
	})
}

// AlphaH is NMF's alpha_H: a number ≥ 0, or "same" (alpha_W's value).
type AlphaH struct {
	Same  bool
	Value float64
}

// UnmarshalJSON reads "same" or a number ≥ 0.
func (a *AlphaH) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case string:
		if x == "same" {
			*a = AlphaH{Same: true}
			return nil
		}
	case float64:
		if x >= 0 && !math.IsInf(x, 0) {
			*a = AlphaH{Value: x}
			return nil
		}
	}
	return fmt.Errorf(`expected "same" or a number ≥ 0, got %s`, b)
}

// MarshalJSON writes "same" or the number.
func (a AlphaH) MarshalJSON() ([]byte, error) {
	if a.Same {
		return []byte(`"same"`), nil
	}
	return json.Marshal(a.Value)
}

// ParamType names the type in the catalogue.
func (AlphaH) ParamType() (string, string) {
	return "alpha_h", `"same" (alpha_W's value) or a number ≥ 0`
}

// nmfEps is scikit-learn's EPSILON in _nmf.py: np.finfo(np.float32).eps.
const nmfEps = 1.1920928955078125e-07

// NMF is scikit-learn 1.2's NMF on dense data: X ≈ W·H with both factors
// non-negative, H (components_) learnt by Fit and W solved for by
// Transform with H fixed, as scikit-learn does. Solver "cd" is
// scikit-learn's coordinate descent (_update_cdnmf_fast, Frobenius loss
// only), "mu" its multiplicative updates (Frobenius, Kullback-Leibler or
// Itakura-Saito, with Févotte's exponent gamma). Init "random",
// "nndsvdar" and shuffle draw from numpy's RandomState(random_state)
// (internal/nprand), so they draw what scikit-learn draws; "nndsvd" and
// "nndsvda" start from randomized_svd, which here uses its own Gaussian
// sketch: it gives scikit-learn's singular vectors exactly when
// n_components + 10 ≥ min(n_samples, n_features) (the sketch spans the
// whole range) and to the accuracy of the method otherwise. Signs follow
// svd_flip as in scikit-learn.
type NMF struct {
	NComponents int     `json:"n_components" nullable:"true" min:"1" help:"the number of components; null means n_features"`
	Init        string  `json:"init" nullable:"true" enum:"random,nndsvd,nndsvda,nndsvdar" help:"initialisation: null (nndsvda when n_components ≤ min(n_samples, n_features), else random), random, nndsvd, nndsvda (zeros set to the mean of X) or nndsvdar (zeros set to small random values)"`
	Solver      string  `json:"solver" enum:"cd,mu" help:"cd (coordinate descent) or mu (multiplicative updates)"`
	BetaLoss    string  `json:"beta_loss" enum:"frobenius,kullback-leibler,itakura-saito" help:"the divergence minimised: frobenius, or kullback-leibler / itakura-saito with solver mu"`
	Tol         float64 `json:"tol" min:"0" help:"tolerance of the stopping condition"`
	MaxIter     int     `json:"max_iter" min:"1" help:"the most iterations"`
	RandomState int64   `json:"random_state" nullable:"true" min:"0" max:"4294967295" help:"seed of numpy's RandomState for init random / nndsvdar and shuffle; null means 0 (mlforge is always seeded)"`
	AlphaW      float64 `json:"alpha_W" min:"0" help:"regularisation of W (multiplied by n_features)"`
	AlphaH      AlphaH  `json:"alpha_H" help:"regularisation of H (multiplied by n_samples): a number, or \"same\" as alpha_W"`
	L1Ratio     float64 `json:"l1_ratio" min:"0" max:"1" help:"the L1 share of the regularisation (0: L2 only, 1: L1 only)"`
	Verbose     int     `json:"verbose" min:"0" help:"accepted for compatibility: progress goes to the run's events"`
	Shuffle     bool    `json:"shuffle" help:"visit the coordinates in a random order (solver cd)"`

	nIn, k  int
	h       []float64 // k×p
	errRec  float64
	nIter   int
	solverI string
}

// NewNMF returns an NMF with scikit-learn 1.2's defaults: n_components
// null, init null, solver cd, Frobenius loss, tol 1e-4, max_iter 200,
// alpha_W 0, alpha_H "same", l1_ratio 0, no shuffle.
func NewNMF() *NMF {
	return &NMF{Solver: "cd", BetaLoss: "frobenius", Tol: 1e-4, MaxIter: 200, AlphaH: AlphaH{Same: true}}
}

// Validate refuses a beta_loss other than frobenius with solver cd, as
// scikit-learn does.
func (m *NMF) Validate() error {
	if m.Solver == "cd" && m.BetaLoss != "frobenius" {
		return &ml.ParamError{Param: "beta_loss", Msg: fmt.Sprintf("solver \"cd\" handles only beta_loss \"frobenius\", got %q: use solver \"mu\"", m.BetaLoss)}
	}
	return nil
}

func (m *NMF) beta() float64 {
	switch m.BetaLoss {
	case "kullback-leibler":
		return 1
	case "itakura-saito":
		return 0
	}
	return 2
}

func (m *NMF) components(p int) int {
	if m.NComponents == 0 {
		return p
	}
	return m.NComponents
}

func (m *NMF) init(n, p int) string {
	if m.Init != "" {
		return m.Init
	}
	if m.components(p) <= min(n, p) {
		return "nndsvda"
	}
	return "random"
}

// CheckShape refuses an nndsvd initialisation with more components than
// min(n_samples, n_features), as scikit-learn does.
func (m *NMF) CheckShape(n, p int) error {
	if k := m.components(p); m.init(n, p) != "random" && k > min(n, p) {
		return &ml.ParamError{Param: "init", Msg: fmt.Sprintf("init %q needs n_components ≤ min(n_samples, n_features), but n_components is %d for %d samples of %d features: use init \"random\" or fewer components", m.init(n, p), k, n, p)}
	}
	return nil
}

// checkNonNegative refuses negative entries of X, naming the first.
func checkNonNegative(X *mat.Dense, what string) error {
	r, c := X.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if v := X.At(i, j); v < 0 {
				return ml.DataErrorf("%s: X[%d, %d] is %v: NMF needs non-negative data (every entry ≥ 0)", what, i, j, v)
			}
		}
	}
	return nil
}

// Fit learns components_ from X, which must be non-negative; y is
// ignored.
func (m *NMF) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ml.CheckX(X, 0); err != nil {
		return err
	}
	if err := checkNonNegative(X, "NMF (input X)"); err != nil {
		return err
	}
	n, p := X.Dims()
	if err := m.CheckShape(n, p); err != nil {
		return err
	}
	x := mat.DenseCopyOf(X).RawMatrix().Data
	beta := m.beta()
	if beta <= 0 && minOf(x) == 0 {
		return ml.DataErrorf("NMF: X contains zeros and beta_loss %q (≤ 0) may diverge on them: add small values to X, or use beta_loss \"kullback-leibler\" or \"frobenius\"", m.BetaLoss)
	}
	k := m.components(p)
	rs := nprand.New(uint32(m.RandomState))
	W, H, err := m.initialize(ctx, x, n, p, k, rs)
	if err != nil {
		return err
	}
	nIter, err := m.solve(ctx, x, W, H, n, p, k, true)
	if err != nil {
		return err
	}
	m.nIn, m.k, m.h, m.nIter, m.solverI = p, k, H, nIter, m.Solver
	m.errRec = betaDivergence(x, W, H, n, p, k, beta, nil)
	return nil
}

func minOf(x []float64) float64 {
	lo := math.Inf(1)
	for _, v := range x {
		lo = min(lo, v)
	}
	return lo
}

func meanOf(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// initialize is scikit-learn's _initialize_nmf (eps 1e-6).
func (m *NMF) initialize(ctx context.Context, x []float64, n, p, k int, rs *nprand.RandomState) (W, H []float64, err error) {
	init := m.init(n, p)
	W, H = make([]float64, n*k), make([]float64, k*p)
	if init == "random" {
		avg := math.Sqrt(meanOf(x) / float64(k))
		g := &nprand.Gauss{R: rs}
		for i := range H {
			H[i] = math.Abs(avg * g.Next())
		}
		for i := range W {
			W[i] = math.Abs(avg * g.Next())
		}
		return W, H, nil
	}
	iters := 4
	if float64(k) < 0.1*float64(min(n, p)) {
		iters = 7
	}
	U, S, V, err := randomizedSVD(ctx, mat.NewDense(n, p, x), k, 10, iters, m.RandomState)
	if err != nil {
		return nil, nil, err
	}
	Vt := svdFlip(U, V, k)
	col := func(j int) ([]float64, []float64) {
		u := make([]float64, n)
		for i := range u {
			u[i] = U.At(i, j)
		}
		return u, Vt[j*p : (j+1)*p]
	}
	nrm := func(v []float64) float64 { return blas64.Implementation().Dnrm2(len(v), v, 1) }
	u0, v0 := col(0)
	s0 := math.Sqrt(S[0])
	for i := 0; i < n; i++ {
		W[i*k] = s0 * math.Abs(u0[i])
	}
	for j := 0; j < p; j++ {
		H[j] = s0 * math.Abs(v0[j])
	}
	for c := 1; c < k; c++ {
		xc, yc := col(c)
		xp, xn := make([]float64, n), make([]float64, n)
		yp, yn := make([]float64, p), make([]float64, p)
		for i, v := range xc {
			xp[i], xn[i] = max(v, 0), math.Abs(min(v, 0))
		}
		for j, v := range yc {
			yp[j], yn[j] = max(v, 0), math.Abs(min(v, 0))
		}
		xpn, ypn, xnn, ynn := nrm(xp), nrm(yp), nrm(xn), nrm(yn)
		mp, mn := xpn*ypn, xnn*ynn
		u, v, xs, ys, sigma := xp, yp, xpn, ypn, mp
		if !(mp > mn) {
			u, v, xs, ys, sigma = xn, yn, xnn, ynn, mn
		}
		if xs == 0 || ys == 0 {
			continue // both parts empty: scikit-learn's 0/0 (NaN) is left at 0 here
		}
		lbd := math.Sqrt(S[c] * sigma)
		for i := 0; i < n; i++ {
			W[i*k+c] = lbd * u[i] / xs
		}
		for j := 0; j < p; j++ {
			H[c*p+j] = lbd * v[j] / ys
		}
	}
	const eps = 1e-6
	for _, a := range [][]float64{W, H} {
		for i, v := range a {
			if v < eps {
				a[i] = 0
			}
		}
	}
	switch init {
	case "nndsvda":
		avg := meanOf(x)
		for _, a := range [][]float64{W, H} {
			for i, v := range a {
				if v == 0 {
					a[i] = avg
				}
			}
		}
	case "nndsvdar":
		avg := meanOf(x)
		g := &nprand.Gauss{R: rs}
		for _, a := range [][]float64{W, H} {
			for i, v := range a {
				if v == 0 {
					a[i] = math.Abs(avg * g.Next() / 100)
				}
			}
		}
	}
	return W, H, nil
}

// regularization is _compute_regularization: l1 and l2 of W, then of H.
func (m *NMF) regularization(n, p int) (l1W, l1H, l2W, l2H float64) {
	aH := m.AlphaH.Value
	if m.AlphaH.Same {
		aH = m.AlphaW
	}
	return float64(p) * m.AlphaW * m.L1Ratio, float64(n) * aH * m.L1Ratio,
		float64(p) * m.AlphaW * (1 - m.L1Ratio), float64(n) * aH * (1 - m.L1Ratio)
}

// solve runs the solver from W (n×k) and H (k×p), updating both in place
// (only W when !updateH), and returns the iterations run.
//
// The cd solver's shuffle draws from a RandomState(random_state) of its
// own, as _fit_coordinate_descent's check_random_state makes one.
func (m *NMF) solve(ctx context.Context, x, W, H []float64, n, p, k int, updateH bool) (int, error) {
	l1W, l1H, l2W, l2H := m.regularization(n, p)
	progress := ml.ProgressFrom(ctx)
	if m.Solver == "cd" {
		Ht := transpose(H, k, p) // p×k
		xt := transpose(x, n, p)
		HHt, XHt := make([]float64, k*k), make([]float64, n*k)
		WtW, XtW := make([]float64, k*k), make([]float64, p*k)
		var perm []int
		var violInit float64
		rs := nprand.New(uint32(m.RandomState))
		for it := 1; it <= m.MaxIter; it++ {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			viol := m.cdUpdate(x, W, Ht, n, p, k, l1W, l2W, HHt, XHt, rs, &perm)
			if updateH {
				viol += m.cdUpdate(xt, Ht, W, p, n, k, l1H, l2H, WtW, XtW, rs, &perm)
			}
			if it == 1 {
				violInit = viol
			}
			if updateH {
				progress.Report(ml.Event{Kind: "iter", Step: it, Total: m.MaxIter, Message: "coordinate descent"})
			}
			if violInit == 0 || viol/violInit <= m.Tol {
				copyT(H, Ht, p, k)
				return it, nil
			}
		}
		copyT(H, Ht, p, k)
		return m.MaxIter, nil
	}
	beta := m.beta()
	gamma := 1.0
	switch {
	case beta < 1:
		gamma = 1 / (2 - beta)
	case beta > 2:
		gamma = 1 / (beta - 1)
	}
	mu := newMUWork(n, p, k, beta)
	mu.fixedH = !updateH
	errInit := betaDivergence(x, W, H, n, p, k, beta, mu.wh)
	prev := errInit
	for it := 1; it <= m.MaxIter; it++ {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		mu.updateW(x, W, H, n, p, k, beta, l1W, l2W, gamma)
		if beta < 1 {
			for i, v := range W {
				if v < 0x1p-52 {
					W[i] = 0
				}
			}
		}
		if updateH {
			mu.updateH(x, W, H, n, p, k, beta, l1H, l2H, gamma)
			if beta <= 1 {
				for i, v := range H {
					if v < 0x1p-52 {
						H[i] = 0
					}
				}
			}
			progress.Report(ml.Event{Kind: "iter", Step: it, Total: m.MaxIter, Message: "multiplicative update"})
		}
		if m.Tol > 0 && it%10 == 0 {
			e := betaDivergence(x, W, H, n, p, k, beta, mu.wh)
			if (prev-e)/errInit < m.Tol {
				return it, nil
			}
			prev = e
		}
	}
	return m.MaxIter, nil
}

// cdUpdate is _update_coordinate_descent and _update_cdnmf_fast: one
// sweep over the columns of W (n×k) with Ht (p×k) fixed, for X (n×p).
// It returns the violation (the sum of |projected gradient|).
func (m *NMF) cdUpdate(x, W, Ht []float64, n, p, k int, l1, l2 float64, HHt, XHt []float64, rs *nprand.RandomState, perm *[]int) float64 {
	impl := blas64.Implementation()
	impl.Dgemm(blas.Trans, blas.NoTrans, k, k, p, 1, Ht, k, Ht, k, 0, HHt, k)
	impl.Dgemm(blas.NoTrans, blas.NoTrans, n, k, p, 1, x, p, Ht, k, 0, XHt, k)
	if l2 != 0 {
		for t := 0; t < k; t++ {
			HHt[t*k+t] += l2
		}
	}
	if l1 != 0 {
		for i := range XHt {
			XHt[i] -= l1
		}
	}
	if m.Shuffle {
		*perm = rs.Permutation(k)
	} else if len(*perm) != k {
		*perm = make([]int, k)
		for i := range *perm {
			(*perm)[i] = i
		}
	}
	var viol float64
	for _, t := range *perm {
		hess := HHt[t*k+t]
		ht := HHt[t*k : (t+1)*k]
		for i := 0; i < n; i++ {
			w := W[i*k : (i+1)*k]
			grad := -XHt[i*k+t]
			for r, h := range ht {
				grad += h * w[r]
			}
			pg := grad
			if w[t] == 0 {
				pg = min(0, grad)
			}
			viol += math.Abs(pg)
			if hess != 0 {
				w[t] = max(w[t]-grad/hess, 0)
			}
		}
	}
	return viol
}

func transpose(a []float64, r, c int) []float64 {
	out := make([]float64, r*c)
	copyT(out, a, r, c)
	return out
}

// copyT sets dst (c×r) to the transpose of src (r×c).
func copyT(dst, src []float64, r, c int) {
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			dst[j*r+i] = src[i*c+j]
		}
	}
}

// muWork holds the multiplicative updates' work arrays.
type muWork struct {
	wh, whb, num, den, kk []float64
	// fixedH: H does not change (Transform). scikit-learn then keeps
	// H_sum between iterations, and with the Kullback-Leibler loss its
	// denominator is a view of H_sum, so the l1 term (and the zeros
	// replaced by EPSILON) accumulate in it from one iteration to the
	// next; hSum reproduces that.
	fixedH bool
	hSum   []float64
}

func newMUWork(n, p, k int, beta float64) *muWork {
	mu := &muWork{wh: make([]float64, n*p), num: make([]float64, max(n, p)*k), den: make([]float64, max(n, p)*k), kk: make([]float64, k*k)}
	if beta != 1 && beta != 2 {
		mu.whb = make([]float64, n*p)
	}
	return mu
}

// powers sets wh to X·(WH)^(β-2) where X > 0 is kept (the numerator's
// factor) and returns WH^(β-1) in num's place (the denominator's), as
// _multiplicative_update_w/h compute them on dense data.
func (mu *muWork) powers(x, W, H []float64, n, p, k int, beta float64) []float64 {
	impl := blas64.Implementation()
	impl.Dgemm(blas.NoTrans, blas.NoTrans, n, p, k, 1, W, k, H, p, 0, mu.wh, p)
	den := mu.whb
	for i, v := range mu.wh {
		d := v
		if beta-1 < 0 && d == 0 {
			d = nmfEps
		}
		if den != nil {
			den[i] = math.Pow(d, beta-1)
		}
		if beta-2 < 0 && v == 0 {
			v = nmfEps
		}
		switch beta {
		case 1:
			mu.wh[i] = x[i] / v
		case 0:
			mu.wh[i] = x[i] * (1 / v) * (1 / v)
		default:
			mu.wh[i] = x[i] * math.Pow(v, beta-2)
		}
	}
	return den
}

func finishUpdate(A, num, den []float64, l1, l2, gamma float64) {
	for i := range A {
		d := den[i]
		if l1 > 0 {
			d += l1
		}
		if l2 > 0 {
			d += l2 * A[i]
		}
		if d == 0 {
			d = nmfEps
		}
		delta := num[i] / d
		if gamma != 1 {
			delta = math.Pow(delta, gamma)
		}
		A[i] *= delta
	}
}

// updateW is _multiplicative_update_w on dense X (H changes every
// iteration of Fit; Transform recomputes what scikit-learn caches, with
// the same values).
func (mu *muWork) updateW(x, W, H []float64, n, p, k int, beta, l1, l2, gamma float64) {
	impl := blas64.Implementation()
	num, den := mu.num[:n*k], mu.den[:n*k]
	if beta == 2 {
		impl.Dgemm(blas.NoTrans, blas.Trans, n, k, p, 1, x, p, H, p, 0, num, k)
		impl.Dgemm(blas.NoTrans, blas.Trans, k, k, p, 1, H, p, H, p, 0, mu.kk, k)
		impl.Dgemm(blas.NoTrans, blas.NoTrans, n, k, k, 1, W, k, mu.kk, k, 0, den, k)
	} else {
		whb := mu.powers(x, W, H, n, p, k, beta)
		impl.Dgemm(blas.NoTrans, blas.Trans, n, k, p, 1, mu.wh, p, H, p, 0, num, k)
		if beta == 1 {
			if mu.hSum == nil || !mu.fixedH {
				mu.hSum = make([]float64, k)
				for c := 0; c < k; c++ {
					for _, v := range H[c*p : (c+1)*p] {
						mu.hSum[c] += v
					}
				}
			}
			if mu.fixedH && l2 <= 0 { // the in-place edits of the view
				for c := range mu.hSum {
					if l1 > 0 {
						mu.hSum[c] += l1
					}
					if mu.hSum[c] == 0 {
						mu.hSum[c] = nmfEps
					}
				}
				for i := 0; i < n; i++ {
					copy(den[i*k:(i+1)*k], mu.hSum)
				}
				finishUpdate(W, num, den, 0, 0, gamma)
				return
			}
			if mu.fixedH && l1 > 0 {
				for c := range mu.hSum {
					mu.hSum[c] += l1
				}
				l1 = 0
			}
			for i := 0; i < n; i++ {
				copy(den[i*k:(i+1)*k], mu.hSum)
			}
		} else {
			impl.Dgemm(blas.NoTrans, blas.Trans, n, k, p, 1, whb, p, H, p, 0, den, k)
		}
	}
	finishUpdate(W, num, den, l1, l2, gamma)
}

// updateH is _multiplicative_update_h on dense X.
func (mu *muWork) updateH(x, W, H []float64, n, p, k int, beta, l1, l2, gamma float64) {
	impl := blas64.Implementation()
	num, den := mu.num[:k*p], mu.den[:k*p]
	if beta == 2 {
		impl.Dgemm(blas.Trans, blas.NoTrans, k, p, n, 1, W, k, x, p, 0, num, p)
		impl.Dgemm(blas.Trans, blas.NoTrans, k, k, n, 1, W, k, W, k, 0, mu.kk, k)
		impl.Dgemm(blas.NoTrans, blas.NoTrans, k, p, k, 1, mu.kk, k, H, p, 0, den, p)
	} else {
		whb := mu.powers(x, W, H, n, p, k, beta)
		impl.Dgemm(blas.Trans, blas.NoTrans, k, p, n, 1, W, k, mu.wh, p, 0, num, p)
		if beta == 1 {
			for c := 0; c < k; c++ {
				var s float64
				for i := 0; i < n; i++ {
					s += W[i*k+c]
				}
				if s == 0 {
					s = 1
				}
				for j := 0; j < p; j++ {
					den[c*p+j] = s
				}
			}
		} else {
			impl.Dgemm(blas.Trans, blas.NoTrans, k, p, n, 1, W, k, whb, p, 0, den, p)
		}
	}
	finishUpdate(H, num, den, l1, l2, gamma)
}

// betaDivergence is _beta_divergence(X, W, H, beta, square_root=True) on
// dense X; wh is n×p work space (nil: allocated).
func betaDivergence(x, W, H []float64, n, p, k int, beta float64, wh []float64) float64 {
	if wh == nil {
		wh = make([]float64, n*p)
	}
	blas64.Implementation().Dgemm(blas.NoTrans, blas.NoTrans, n, p, k, 1, W, k, H, p, 0, wh, p)
	var res float64
	switch beta {
	case 2:
		for i, v := range x {
			d := v - wh[i]
			res += d * d
		}
		return math.Sqrt(res)
	case 1:
		var sumWH, sumX float64
		for _, v := range wh {
			sumWH += v
		}
		for i, v := range x {
			if v > nmfEps {
				w := wh[i]
				if w == 0 {
					w = nmfEps
				}
				res += v * math.Log(v/w)
				sumX += v
			}
		}
		res += sumWH - sumX
	default: // 0, Itakura-Saito
		var sdiv, slog float64
		for i, v := range x {
			if v > nmfEps {
				w := wh[i]
				if w == 0 {
					w = nmfEps
				}
				d := v / w
				sdiv += d
				slog += math.Log(d)
			}
		}
		res = sdiv - float64(n*p) - slog
	}
	return math.Sqrt(2 * max(res, 0))
}

func (m *NMF) ready(X *mat.Dense, cols int) error {
	if m.h == nil {
		return ml.NotFittedError("NMF")
	}
	return ml.CheckX(X, cols)
}

// Transform returns W for X with components_ fixed: the solver run from
// W = 0 (cd) or sqrt(mean(X)/n_components) (mu), as scikit-learn's
// _fit_transform with update_H=False.
func (m *NMF) Transform(X *mat.Dense) (*mat.Dense, error) {
	if err := m.ready(X, m.nIn); err != nil {
		return nil, err
	}
	if err := checkNonNegative(X, "NMF.transform (input X)"); err != nil {
		return nil, err
	}
	n, p := X.Dims()
	x := mat.DenseCopyOf(X).RawMatrix().Data
	k := m.k
	W := make([]float64, n*k)
	if m.solverI == "mu" {
		avg := math.Sqrt(meanOf(x) / float64(k))
		for i := range W {
			W[i] = avg
		}
	}
	H := append([]float64(nil), m.h...)
	mm := *m
	mm.Solver = m.solverI
	if _, err := mm.solve(context.Background(), x, W, H, n, p, k, false); err != nil {
		return nil, err
	}
	return mat.NewDense(n, k, W), nil
}

// InverseTransform returns W·components_.
func (m *NMF) InverseTransform(W *mat.Dense) (*mat.Dense, error) {
	if err := m.ready(W, m.k); err != nil {
		return nil, err
	}
	n, _ := W.Dims()
	out := mat.NewDense(n, m.nIn, nil)
	out.Mul(W, mat.NewDense(m.k, m.nIn, m.h))
	return out, nil
}

// Components returns components_ (H, n_components × n_features), or nil
// before Fit.
func (m *NMF) Components() *mat.Dense {
	if m.h == nil {
		return nil
	}
	return mat.NewDense(m.k, m.nIn, append([]float64(nil), m.h...))
}

// ReconstructionErr returns reconstruction_err_: the beta divergence of X
// and W·H at the end of Fit (for frobenius, ‖X - WH‖_F).
func (m *NMF) ReconstructionErr() float64 { return m.errRec }

// NIter returns n_iter_.
func (m *NMF) NIter() int { return m.nIter }

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (m *NMF) NFeaturesIn() int { return m.nIn }

// MarshalState returns components_, reconstruction_err_, n_iter_ and the
// solver fitted with (Transform runs it).
func (m *NMF) MarshalState() (*ml.State, error) {
	if m.h == nil {
		return nil, ml.NotFittedError("NMF")
	}
	st := ml.NewState()
	st.SetFloats("components_", m.h, m.k, m.nIn)
	st.SetAttr("reconstruction_err_", m.errRec)
	st.SetAttr("n_iter_", m.nIter)
	st.SetAttr("solver", m.solverI)
	return st, nil
}

// UnmarshalState restores state written by MarshalState, checking that
// components_ is finite and non-negative.
func (m *NMF) UnmarshalState(st *ml.State) error {
	h, shape, err := st.Floats("components_", -1, -1)
	if err != nil {
		return err
	}
	for i, v := range h {
		if !(v >= 0) || math.IsInf(v, 0) {
			return fmt.Errorf("state: components_[%d] is %v, expected a finite number ≥ 0", i, v)
		}
	}
	var e float64
	var it int
	var solver string
	if err := st.Attr("reconstruction_err_", &e); err != nil {
		return err
	}
	if err := st.Attr("n_iter_", &it); err != nil {
		return err
	}
	if err := st.Attr("solver", &solver); err != nil {
		return err
	}
	if solver != "cd" && solver != "mu" {
		return fmt.Errorf("state: solver is %q, expected \"cd\" or \"mu\"", solver)
	}
	m.k, m.nIn, m.h, m.errRec, m.nIter, m.solverI = shape[0], shape[1], h, e, it, solver
	return nil
}

// EstimateMemory bounds Fit's memory: copies of X and Xᵀ, W·H for the
// divergence (and the mu solver's powers of it), the factors, the
// randomized SVD of the nndsvd initialisation, and Transform's output.
func (m *NMF) EstimateMemory(n, p, _ int) int64 {
	k := m.NComponents
	if k == 0 {
		k = p
	}
	r := min(k+10, min(n, p))
	return budget.Add(budget.Mul(8, ml.DataBytes(n, p)), budget.Mul(6, ml.DataBytes(n+p, k)), budget.Mul(3, ml.DataBytes(k, k)),
		budget.Mul(8, int64(n+p), int64(r), 6*8), budget.Mul(2, ml.DataBytes(n, min(n, p))), budget.Mul(4, ml.DataBytes(p, p)), 1<<16)
}
