// Package decomposition holds the matrix-decomposition transformers of
// mlforge, as scikit-learn 1.2 computes them: PCA (full SVD through gonum,
// or randomized), with scikit-learn's choice of solver, its ways of
// choosing the number of components and its sign convention (svd_flip).
package decomposition

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/f64"
	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "PCA",
		Task:   ml.Transform,
		Family: "decomposition",
		Doc:    "principal component analysis: project onto the directions of largest variance",
		New:    func() ml.Estimator { return NewPCA() },
	})
}

// NComponents is PCA's n_components: a count, a fraction of the variance
// to explain (0 < f < 1), "mle" (Minka's estimate) or null (all).
type NComponents struct {
	Count    int
	Fraction float64
	MLE      bool
}

// UnmarshalJSON reads an integer, a fraction, "mle" or null.
func (c *NComponents) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	bad := fmt.Errorf(`expected an integer ≥ 0, a fraction in (0, 1), "mle" or null, got %s`, b)
	switch x := v.(type) {
	case nil:
		*c = NComponents{}
	case string:
		if x != "mle" {
			return bad
		}
		*c = NComponents{MLE: true}
	case float64:
		switch {
		case x > 0 && x < 1:
			*c = NComponents{Fraction: x}
		case x >= 1 && x == math.Trunc(x) && x < 1<<31:
			*c = NComponents{Count: int(x)}
		default:
			return bad
		}
	default:
		return bad
	}
	return nil
}

// MarshalJSON writes the value as it was given.
func (c NComponents) MarshalJSON() ([]byte, error) {
	switch {
	case c.MLE:
		return []byte(`"mle"`), nil
	case c.Fraction > 0:
		return json.Marshal(c.Fraction)
	case c.Count > 0:
		return json.Marshal(c.Count)
	}
	return []byte("null"), nil
}

// ParamType names the type in the catalogue.
func (NComponents) ParamType() (string, string) {
	return "n_components", `an integer ≥ 1, a fraction of the variance in (0, 1), "mle" or null (all)`
}

// PCA is scikit-learn 1.2's PCA on dense data. X is centred on its means;
// the full solver is the thin SVD of gonum (LAPACK's gesvd, where SciPy
// calls gesdd: the same factorisation to rounding), the randomized one
// Halko et al.'s range finder with n_oversamples extra vectors and
// iterated_power power iterations (QR-normalised), drawn from Go's PCG
// generator seeded by random_state. Signs follow svd_flip: the largest
// entry of each column of U is positive. svd_solver "auto" picks full for
// data of at most 500 rows and columns or n_components "mle", randomized
// when 1 ≤ n_components < 0.8·min(n_samples, n_features), full otherwise,
// as scikit-learn 1.2 does; where auto picks randomized on data at least
// as tall as wide (p ≤ 1,024), mlforge computes the leading components
// exactly, from the eigendecomposition of the p×p scatter matrix, which
// costs less than the power iterations and gives what the randomized
// solver converges to (see useCovariance). "arpack" is the exact thin SVD
// truncated to n_components (scikit-learn's ARPACK runs to machine
// precision; its random start only decides signs, which svd_flip resets),
// with arpack's rules: an integer n_components strictly below
// min(n_samples, n_features), null meaning one less than that.
type PCA struct {
	NComponents   NComponents `json:"n_components" nullable:"true" help:"components to keep: an integer, a fraction of the variance to explain, \"mle\" or null (all)"`
	Whiten        bool        `json:"whiten" help:"scale the components to unit variance"`
	SvdSolver     string      `json:"svd_solver" enum:"auto,full,arpack,randomized" help:"auto (as scikit-learn 1.2 decides), full SVD, arpack (the exact leading components, fewer than min(n_samples, n_features)) or randomized"`
	IteratedPower int         `json:"iterated_power" auto:"true" min:"0" help:"power iterations of the randomized solver; auto: 7 when n_components < 0.1·min(shape), else 4"`
	NOversamples  int         `json:"n_oversamples" min:"1" help:"extra random vectors of the randomized solver"`
	RandomState   int64       `json:"random_state" nullable:"true" help:"seed of the randomized solver; null means 0 (mlforge is always seeded)"`
	Copy          bool        `json:"copy" help:"accepted for compatibility: X is never modified"`

	nIn, k     int
	mean       []float64
	components []float64 // k×p
	ev, evr    []float64
	sv         []float64
	noise      float64
	nSamples   int
}

// NewPCA returns a PCA with scikit-learn's defaults: all components, no
// whitening, svd_solver auto, iterated_power auto, n_oversamples 10.
func NewPCA() *PCA {
	return &PCA{SvdSolver: "auto", NOversamples: 10, Copy: true}
}

// CheckShape checks n_components against data of n rows and p features
// before any work: an integer must be at most min(n, p), "mle" needs
// n ≥ p, and the randomized solver needs an integer count.
func (pc *PCA) CheckShape(n, p int) error {
	m := min(n, p)
	c := pc.NComponents
	switch {
	case c.Count > m:
		return &ml.ParamError{Param: "n_components", Msg: fmt.Sprintf("n_components is %d but the data has %d samples of %d features: it must be at most min(n_samples, n_features) = %d", c.Count, n, p, m)}
	case pc.SvdSolver == "arpack" && c.Count >= m:
		return &ml.ParamError{Param: "n_components", Msg: fmt.Sprintf(`n_components is %d but svd_solver "arpack" needs it strictly below min(n_samples, n_features) = %d (the data has %d samples of %d features)`, c.Count, m, n, p)}
	case pc.SvdSolver == "arpack" && m < 2:
		return &ml.ParamError{Param: "n_components", Msg: fmt.Sprintf(`svd_solver "arpack" needs min(n_samples, n_features) ≥ 2; the data has %d samples of %d features`, n, p)}
	case c.MLE && n < p:
		return &ml.ParamError{Param: "n_components", Msg: fmt.Sprintf(`n_components "mle" needs at least as many samples as features; the data has %d samples of %d features`, n, p)}
	}
	return nil
}

// Validate checks that the randomized solver gets a count (or null).
func (pc *PCA) Validate() error {
	if c := pc.NComponents; (pc.SvdSolver == "randomized" || pc.SvdSolver == "arpack") && (c.MLE || c.Fraction > 0) {
		return &ml.ParamError{Param: "n_components", Msg: fmt.Sprintf(`svd_solver %q needs n_components as an integer or null`, pc.SvdSolver)}
	}
	return nil
}

// solver resolves svd_solver for n×p data.
func (pc *PCA) solver(n, p int) string {
	if pc.SvdSolver != "auto" {
		return pc.SvdSolver
	}
	c := pc.NComponents
	if max(n, p) <= 500 || c.MLE {
		return "full"
	}
	if c.Count >= 1 && float64(c.Count) < 0.8*float64(min(n, p)) {
		return "randomized"
	}
	return "full"
}

// Fit computes the principal components of X; y is ignored.
func (pc *PCA) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(pc); err != nil {
		return err
	}
	if err := ml.CheckX(X, 0); err != nil {
		return err
	}
	n, p := X.Dims()
	if err := pc.CheckShape(n, p); err != nil {
		return err
	}
	if n < 2 {
		return ml.DataErrorf("X has 1 sample: PCA needs at least 2 to estimate variances")
	}
	Xc := mat.DenseCopyOf(X)
	xc := Xc.RawMatrix().Data
	mean := make([]float64, p)
	for i := 0; i < n; i++ {
		for j, v := range xc[i*p : (i+1)*p] {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for i := 0; i < n; i++ {
		row := xc[i*p : (i+1)*p]
		for j := range row {
			row[j] -= mean[j]
		}
	}
	progress := ml.ProgressFrom(ctx)
	progress.Report(ml.Event{Kind: "stage", Message: "SVD"})
	var U, V *mat.Dense
	var S []float64
	var ev, evr []float64
	var k int
	var noise float64
	if solver := pc.solver(n, p); solver != "full" {
		k = pc.NComponents.Count
		if k == 0 {
			k = min(n, p) // null: all, as scikit-learn 1.2 (arpack: all but one)
			if solver == "arpack" {
				k--
			}
		}
		var err error
		if pc.useCovariance(n, p) {
			U, S, V, err = covarianceSVD(ctx, Xc, k)
		} else if solver == "arpack" {
			U, S, V, err = thinSVD(ctx, Xc, k)
		} else {
			U, S, V, err = pc.randomized(ctx, Xc, k)
		}
		if err != nil {
			return err
		}
		sq := make([]float64, p)
		for i := 0; i < n; i++ {
			for j, v := range xc[i*p : (i+1)*p] {
				sq[j] += v * v
			}
		}
		var total float64
		for _, v := range sq {
			total += v / float64(n-1)
		}
		ev = make([]float64, k)
		evr = make([]float64, k)
		var sum float64
		for i, s := range S {
			ev[i] = s * s / float64(n-1)
			evr[i] = ev[i] / total
			sum += ev[i]
		}
		if k < min(n, p) {
			// noise_variance_ = (total_var.sum() - explained_variance_.sum()) / (min(n, p) - k)
			noise = (total - sum) / float64(min(n, p)-k)
		}
	} else {
		var err error
		U, S, V, err = thinSVD(ctx, Xc, 0)
		if err != nil {
			return err
		}
		m := len(S)
		ev = make([]float64, m)
		var total float64
		for i, s := range S {
			ev[i] = s * s / float64(n-1)
			total += ev[i]
		}
		evr = make([]float64, m)
		for i := range ev {
			evr[i] = ev[i] / total
		}
		c := pc.NComponents
		switch {
		case c.MLE:
			k = inferDimension(ev, n)
		case c.Fraction > 0:
			// searchsorted(stable_cumsum(ratio), f, side="right") + 1
			var cum float64
			k = 1
			for i, r := range evr {
				cum += r
				if cum <= c.Fraction {
					k = i + 2
				}
			}
			k = min(k, m)
		case c.Count > 0:
			k = c.Count
		default:
			k = m
		}
		if k < min(n, p) {
			var s float64
			for _, v := range ev[k:] {
				s += v
			}
			noise = s / float64(len(ev)-k)
		}
		ev, evr, S = ev[:k], evr[:k], S[:k]
	}
	comp := svdFlip(U, V, k)
	pc.nIn, pc.k, pc.mean, pc.components = p, k, mean, comp
	pc.ev, pc.evr, pc.sv, pc.noise, pc.nSamples = append([]float64(nil), ev...), append([]float64(nil), evr...), append([]float64(nil), S...), noise, n
	return nil
}

// randomized is scikit-learn's randomized_svd of the centred data with
// k components: U (n×k), S and V (p×k), largest first.
func (pc *PCA) randomized(ctx context.Context, M *mat.Dense, k int) (*mat.Dense, []float64, *mat.Dense, error) {
	n, p := M.Dims()
	iters := pc.IteratedPower
	if iters == 0 {
		iters = 4
		if float64(k) < 0.1*float64(min(n, p)) {
			iters = 7
		}
	}
	return randomizedSVD(ctx, M, k, pc.NOversamples, iters, pc.RandomState)
}

// randomizedSVD is scikit-learn's randomized_svd (Halko et al.): a
// Gaussian sketch of k+oversamples columns, iters power iterations kept
// apart by Gram-Schmidt, and the SVD of the small projected matrix. It
// returns U (n×k), the k largest singular values and V (p×k).
func randomizedSVD(ctx context.Context, M *mat.Dense, k, oversamples, iters int, seed int64) (*mat.Dense, []float64, *mat.Dense, error) {
	n, p := M.Dims()
	r := min(k+oversamples, min(n, p))
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5851f42d4c957f2d))
	Q := mat.NewDense(p, r, nil)
	Q.Apply(func(_, _ int, _ float64) float64 { return rng.NormFloat64() }, Q)
	Y := mat.NewDense(n, r, nil)
	for i := 0; i < iters; i++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, nil, err
		}
		Y.Mul(M, Q)
		Yq := orthonormalize(Y, 1)
		Q.Mul(M.T(), Yq)
		Q = orthonormalize(Q, 1)
	}
	Y.Mul(M, Q)
	Qn := orthonormalize(Y, 2) // n×r
	var B mat.Dense
	B.Mul(Qn.T(), M) // r×p
	var svd mat.SVD
	if !svd.Factorize(&B, mat.SVDThin) {
		return nil, nil, nil, fmt.Errorf("PCA: the SVD did not converge")
	}
	var Uh, V mat.Dense
	svd.UTo(&Uh)
	svd.VTo(&V)
	var U mat.Dense
	U.Mul(Qn, &Uh)
	S := svd.Values(nil)[:k]
	return mat.DenseCopyOf(U.Slice(0, n, 0, k)), S, mat.DenseCopyOf(V.Slice(0, p, 0, k)), nil
}

// svdFlip is scikit-learn's svd_flip with u_based_decision: the sign of
// each of the first k columns is chosen so that its largest |U| entry is
// positive (U is changed in place). It returns Vᵀ's first k rows, k×p,
// with those signs.
func svdFlip(U, V *mat.Dense, k int) []float64 {
	n, _ := U.Dims()
	p, _ := V.Dims()
	comp := make([]float64, k*p)
	for c := 0; c < k; c++ {
		best, sign := -1.0, 1.0
		for i := 0; i < n; i++ {
			if a := math.Abs(U.At(i, c)); a > best {
				best = a
				sign = math.Copysign(1, U.At(i, c))
			}
		}
		for i := 0; i < n; i++ {
			U.Set(i, c, sign*U.At(i, c))
		}
		for j := 0; j < p; j++ {
			comp[c*p+j] = sign * V.At(j, c)
		}
	}
	return comp
}

// orthonormalize returns an orthonormal basis of A's columns (A is tall,
// rows ≥ columns) by modified Gram-Schmidt, passes times (2 makes it as
// accurate as Householder QR; the power iterations, which only need the
// columns kept apart, take 1), without a rows×rows matrix.
func orthonormalize(A *mat.Dense, passes int) *mat.Dense {
	r, c := A.Dims()
	Q := mat.NewDense(c, r, nil)
	Q.CloneFrom(A.T()) // rows of Q are A's columns
	data := Q.RawMatrix().Data
	impl := blas64.Implementation()
	for pass := 0; pass < passes; pass++ {
		for j := 0; j < c; j++ {
			qj := data[j*r : (j+1)*r]
			for i := 0; i < j; i++ {
				qi := data[i*r : (i+1)*r]
				impl.Daxpy(r, -impl.Ddot(r, qi, 1, qj, 1), qi, 1, qj, 1)
			}
			if nrm := impl.Dnrm2(r, qj, 1); nrm > 0 {
				impl.Dscal(r, 1/nrm, qj, 1)
			}
		}
	}
	out := mat.NewDense(r, c, nil)
	out.CloneFrom(Q.T())
	return out
}

// inferDimension is scikit-learn's _infer_dimension: the rank that
// maximises Minka's log-likelihood (_assess_dimension) of the spectrum.
func inferDimension(spectrum []float64, n int) int {
	best, bestLL := 0, math.Inf(-1)
	for rank := 1; rank < len(spectrum); rank++ {
		if ll := assessDimension(spectrum, rank, n); ll > bestLL {
			best, bestLL = rank, ll
		}
	}
	return max(best, 1)
}

func assessDimension(spectrum []float64, rank, nSamples int) float64 {
	p := len(spectrum)
	const eps = 1e-15
	if spectrum[rank-1] < eps {
		return math.Inf(-1)
	}
	ns := float64(nSamples)
	pu := -float64(rank) * math.Log(2)
	for i := 1; i <= rank; i++ {
		g, _ := math.Lgamma(float64(p-i+1) / 2)
		pu += g - math.Log(math.Pi)*float64(p-i+1)/2
	}
	var pl float64
	for _, s := range spectrum[:rank] {
		pl += math.Log(s)
	}
	pl = -pl * ns / 2
	var rest float64
	for _, s := range spectrum[rank:] {
		rest += s
	}
	v := max(eps, rest/float64(p-rank))
	pv := -math.Log(v) * ns * float64(p-rank) / 2
	m := float64(p*rank) - float64(rank)*(float64(rank)+1)/2
	pp := math.Log(2*math.Pi) * (m + float64(rank)) / 2
	var pa float64
	sp := func(j int) float64 {
		if j >= rank {
			return v
		}
		return spectrum[j]
	}
	for i := 0; i < rank; i++ {
		for j := i + 1; j < p; j++ {
			pa += math.Log((spectrum[i]-spectrum[j])*(1/sp(j)-1/sp(i))) + math.Log(ns)
		}
	}
	return pu + pl + pv + pp - pa/2 - float64(rank)*math.Log(ns)/2
}

func (pc *PCA) ready(X *mat.Dense, cols int) error {
	if pc.components == nil {
		return ml.NotFittedError("PCA")
	}
	return ml.CheckX(X, cols)
}

// Transform projects X on the components: (X - mean_)·components_ᵀ,
// divided by sqrt(explained_variance_) when whiten.
func (pc *PCA) Transform(X *mat.Dense) (*mat.Dense, error) {
	if err := pc.ready(X, pc.nIn); err != nil {
		return nil, err
	}
	n, p := X.Dims()
	Xc := mat.NewDense(n, p, nil)
	Xc.Apply(func(_, j int, v float64) float64 { return v - pc.mean[j] }, X)
	out := mat.NewDense(n, pc.k, nil)
	out.Mul(Xc, mat.NewDense(pc.k, p, pc.components).T())
	if pc.Whiten {
		out.Apply(func(_, j int, v float64) float64 { return v / math.Sqrt(pc.ev[j]) }, out)
	}
	return out, nil
}

// InverseTransform maps projected rows back: X·components_ + mean_ (with
// the whitening undone first).
func (pc *PCA) InverseTransform(X *mat.Dense) (*mat.Dense, error) {
	if err := pc.ready(X, pc.k); err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	Z := mat.DenseCopyOf(X)
	if pc.Whiten {
		Z.Apply(func(_, j int, v float64) float64 { return v * math.Sqrt(pc.ev[j]) }, Z)
	}
	out := mat.NewDense(n, pc.nIn, nil)
	out.Mul(Z, mat.NewDense(pc.k, pc.nIn, pc.components))
	out.Apply(func(_, j int, v float64) float64 { return v + pc.mean[j] }, out)
	return out, nil
}

// Components returns components_ (n_components × n_features), or nil
// before Fit.
func (pc *PCA) Components() *mat.Dense {
	if pc.components == nil {
		return nil
	}
	return mat.NewDense(pc.k, pc.nIn, append([]float64(nil), pc.components...))
}

// ExplainedVariance returns explained_variance_.
func (pc *PCA) ExplainedVariance() []float64 { return append([]float64(nil), pc.ev...) }

// ExplainedVarianceRatio returns explained_variance_ratio_.
func (pc *PCA) ExplainedVarianceRatio() []float64 { return append([]float64(nil), pc.evr...) }

// SingularValues returns singular_values_.
func (pc *PCA) SingularValues() []float64 { return append([]float64(nil), pc.sv...) }

// Mean returns mean_.
func (pc *PCA) Mean() []float64 { return append([]float64(nil), pc.mean...) }

// NoiseVariance returns noise_variance_.
func (pc *PCA) NoiseVariance() float64 { return pc.noise }

// NComponentsFitted returns n_components_.
func (pc *PCA) NComponentsFitted() int { return pc.k }

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (pc *PCA) NFeaturesIn() int { return pc.nIn }

// MarshalState returns components_, mean_, explained_variance_(ratio_),
// singular_values_, noise_variance_ and n_samples_.
func (pc *PCA) MarshalState() (*ml.State, error) {
	if pc.components == nil {
		return nil, ml.NotFittedError("PCA")
	}
	st := ml.NewState()
	setSpectrum(st, pc.components, pc.k, pc.nIn, pc.ev, pc.evr, pc.sv)
	st.SetFloats("mean_", pc.mean)
	st.SetAttr("noise_variance_", pc.noise)
	st.SetAttr("n_samples_", pc.nSamples)
	return st, nil
}

// UnmarshalState restores state written by MarshalState.
func (pc *PCA) UnmarshalState(st *ml.State) error {
	comp, k, p, ev, evr, sv, err := spectrumOf(st)
	if err != nil {
		return err
	}
	mean, _, err := st.Floats("mean_", p)
	if err != nil {
		return err
	}
	var noise float64
	var ns int
	if err := st.Attr("noise_variance_", &noise); err != nil {
		return err
	}
	if err := st.Attr("n_samples_", &ns); err != nil {
		return err
	}
	pc.nIn, pc.k, pc.components, pc.mean, pc.ev, pc.evr, pc.sv, pc.noise, pc.nSamples = p, k, comp, mean, ev, evr, sv, noise, ns
	return nil
}

// EstimateMemory bounds Fit's memory: the centred copy of X, the SVD's
// U (n×min(n,p)), V and work space (p×p a few times), and Transform's
// output.
// The randomized solver allocates (and drops) a few n×r and p×r blocks
// per power iteration, r = n_components + n_oversamples.
func (pc *PCA) EstimateMemory(n, p, _ int) int64 {
	m := min(n, p)
	est := budget.Add(budget.Mul(3, ml.DataBytes(n, p)), budget.Mul(2, ml.DataBytes(n, m)), budget.Mul(4, ml.DataBytes(p, p)), 1<<16)
	if pc.solver(n, p) == "randomized" {
		k := pc.NComponents.Count
		if k == 0 {
			k = m
		}
		r := min(k+pc.NOversamples, m)
		iters := pc.IteratedPower
		if iters == 0 {
			iters = 7
		}
		est = budget.Add(est, budget.Mul(8, int64(n+p), int64(r), int64(6*(iters+1))))
	}
	return est
}

// useCovariance reports whether Fit takes the leading components from the
// eigendecomposition of the p×p scatter matrix XcᵀXc instead of the
// randomized SVD: only where svd_solver "auto" chose randomized, the data
// is at least as tall as wide, p ≤ maxCovarianceFeatures and the scatter
// matrix costs fewer flops than the power iterations would. It gives the
// exact leading components that the randomized solver approximates (and
// reaches to rounding on data with a spectral gap, where both agree with
// scikit-learn's), without the random sketch.
func (pc *PCA) useCovariance(n, p int) bool {
	if pc.SvdSolver != "auto" || pc.solver(n, p) != "randomized" || n < p || p > maxCovarianceFeatures {
		return false
	}
	k := pc.NComponents.Count
	if k == 0 {
		k = min(n, p)
	}
	r := min(k+pc.NOversamples, min(n, p))
	iters := pc.IteratedPower
	if iters == 0 {
		iters = 4
		if float64(k) < 0.1*float64(min(n, p)) {
			iters = 7
		}
	}
	cov := float64(n)*float64(p)*float64(p)/2 + 10*float64(p)*float64(p)*float64(p)
	rnd := 2 * float64(iters+1) * float64(n) * float64(p) * float64(r)
	return cov <= rnd
}

// maxCovarianceFeatures bounds the scatter matrix of the covariance path
// (1024² float64s: 8 MiB).
const maxCovarianceFeatures = 1024

// covarianceSVD returns the k leading singular triplets of the centred,
// tall M (n×p, n ≥ p) from the symmetric eigendecomposition of MᵀM: V's
// columns are its leading eigenvectors, and each singular value is
// recomputed as ‖M·v‖ (accurate to rounding, where the square root of
// the eigenvalue would lose the small ones), U = M·V/S.
func covarianceSVD(ctx context.Context, M *mat.Dense, k int) (*mat.Dense, []float64, *mat.Dense, error) {
	_, p := M.Dims()
	C := scatter(M)
	if err := ctx.Err(); err != nil {
		return nil, nil, nil, err
	}
	var eig mat.EigenSym
	if !eig.Factorize(C, true) {
		return nil, nil, nil, fmt.Errorf("PCA: the eigendecomposition did not converge")
	}
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	// EigenSym orders the eigenvalues ascending: the leading ones are last.
	V := mat.NewDense(p, k, nil)
	for c := 0; c < k; c++ {
		for j := 0; j < p; j++ {
			V.Set(j, c, vecs.At(j, p-1-c))
		}
	}
	U := mulRows(M, V)
	S := make([]float64, k)
	for c := 0; c < k; c++ {
		col := mat.Col(nil, c, U)
		s := floats.Norm(col, 2)
		S[c] = s
		if s > 0 {
			for i := range col {
				U.Set(i, c, col[i]/s)
			}
		}
	}
	return U, S, V, nil
}

// scatter returns MᵀM (p×p) for tall M: the rows split in one block per
// core (at least 2,048 rows each), each block's Gram matrix by the FMA
// kernel of internal/f64, the blocks summed, the result symmetrised.
func scatter(M *mat.Dense) *mat.SymDense {
	n, p := M.Dims()
	raw := M.RawMatrix()
	parts := max(1, min(runtime.GOMAXPROCS(0), n/2048))
	grams := make([][]float64, parts)
	var wg sync.WaitGroup
	for w := range parts {
		lo, hi := w*n/parts, (w+1)*n/parts
		grams[w] = make([]float64, p*p)
		wg.Add(1)
		go func() {
			defer wg.Done()
			f64.Gemm(true, false, p, p, hi-lo, raw.Data[lo*raw.Stride:], raw.Stride, raw.Data[lo*raw.Stride:], raw.Stride, 0, grams[w], p)
		}()
	}
	wg.Wait()
	G := grams[0]
	for _, g := range grams[1:] {
		floats.Add(G, g)
	}
	C := mat.NewSymDense(p, nil)
	for i := 0; i < p; i++ {
		for j := i; j < p; j++ {
			C.SetSym(i, j, (G[i*p+j]+G[j*p+i])/2)
		}
	}
	return C
}

// mulRows returns M·V (n×k) for tall M, the rows split in one block per
// core as scatter does.
func mulRows(M, V *mat.Dense) *mat.Dense {
	n, p := M.Dims()
	_, k := V.Dims()
	raw, vr := M.RawMatrix(), V.RawMatrix()
	U := mat.NewDense(n, k, nil)
	ur := U.RawMatrix()
	parts := max(1, min(runtime.GOMAXPROCS(0), n/2048))
	var wg sync.WaitGroup
	for w := range parts {
		lo, hi := w*n/parts, (w+1)*n/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			f64.Gemm(false, false, hi-lo, k, p, raw.Data[lo*raw.Stride:], raw.Stride, vr.Data, vr.Stride, 0, ur.Data[lo*ur.Stride:], ur.Stride)
		}()
	}
	wg.Wait()
	return U
}

// thinSVD is the exact thin SVD of M (gonum's gesvd): U, the singular
// values and V, the first k of each when k > 0, all of them otherwise.
func thinSVD(ctx context.Context, M *mat.Dense, k int) (*mat.Dense, []float64, *mat.Dense, error) {
	var svd mat.SVD
	if !svd.Factorize(M, mat.SVDThin) {
		return nil, nil, nil, fmt.Errorf("PCA: the SVD did not converge")
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, nil, err
	}
	S := svd.Values(nil)
	U, V := &mat.Dense{}, &mat.Dense{}
	svd.UTo(U)
	svd.VTo(V)
	if k > 0 && k < len(S) {
		n, _ := U.Dims()
		p, _ := V.Dims()
		U = mat.DenseCopyOf(U.Slice(0, n, 0, k))
		V = mat.DenseCopyOf(V.Slice(0, p, 0, k))
		S = S[:k]
	}
	return U, S, V, nil
}
