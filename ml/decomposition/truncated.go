package decomposition

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "TruncatedSVD",
		Task:   ml.Transform,
		Family: "decomposition",
		Doc:    "truncated SVD (latent semantic analysis): project onto the top singular vectors, without centring",
		New:    func() ml.Estimator { return NewTruncatedSVD() },
	})
}

// TruncatedSVD is scikit-learn 1.2's TruncatedSVD on dense data: the top
// n_components singular vectors of X, not centred. Algorithm "randomized"
// is randomized_svd with n_iter power iterations (drawn from Go's PCG
// generator seeded by random_state, so it agrees with scikit-learn's to
// the accuracy of the method, not bit for bit); "arpack" is computed as the
// exact thin SVD of gonum, which is what ARPACK converges to with tol 0.
// Signs follow svd_flip.
type TruncatedSVD struct {
	NComponents      int     `json:"n_components" min:"1" help:"the number of components"`
	Algorithm        string  `json:"algorithm" enum:"randomized,arpack" help:"randomized, or arpack (computed as an exact SVD)"`
	NIter            int     `json:"n_iter" min:"0" help:"power iterations of the randomized solver"`
	NOversamples     int     `json:"n_oversamples" min:"1" help:"extra random vectors of the randomized solver"`
	PowerIterationNz string  `json:"power_iteration_normalizer" enum:"auto,QR,LU,none" help:"accepted for compatibility: the power iterations are always kept apart by Gram-Schmidt"`
	RandomState      int64   `json:"random_state" nullable:"true" help:"seed of the randomized solver; null means 0 (mlforge is always seeded)"`
	Tol              float64 `json:"tol" min:"0" help:"accepted for compatibility: arpack's tolerance (the SVD here is exact)"`

	nIn, k     int
	components []float64
	ev, evr    []float64
	sv         []float64
}

// NewTruncatedSVD returns a TruncatedSVD with scikit-learn's defaults: 2
// components, randomized, n_iter 5, n_oversamples 10.
func NewTruncatedSVD() *TruncatedSVD {
	return &TruncatedSVD{NComponents: 2, Algorithm: "randomized", NIter: 5, NOversamples: 10, PowerIterationNz: "auto"}
}

// CheckShape refuses more components than features or samples (arpack:
// as many).
func (t *TruncatedSVD) CheckShape(n, p int) error {
	if t.NComponents > min(n, p) || (t.Algorithm == "arpack" && t.NComponents >= min(n, p)) {
		return &ml.ParamError{Param: "n_components", Msg: fmt.Sprintf("n_components is %d but the data has %d samples of %d features: it must be at most min(n_samples, n_features) (below it with arpack)", t.NComponents, n, p)}
	}
	return nil
}

// Fit computes the components of X; y is ignored.
func (t *TruncatedSVD) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(t); err != nil {
		return err
	}
	if err := ml.CheckX(X, 0); err != nil {
		return err
	}
	n, p := X.Dims()
	if err := t.CheckShape(n, p); err != nil {
		return err
	}
	k := t.NComponents
	ml.ProgressFrom(ctx).Report(ml.Event{Kind: "stage", Message: "SVD"})
	var U, V *mat.Dense
	var S []float64
	if t.Algorithm == "arpack" {
		var svd mat.SVD
		if !svd.Factorize(X, mat.SVDThin) {
			return fmt.Errorf("TruncatedSVD: the SVD did not converge")
		}
		S = svd.Values(nil)[:k]
		U, V = &mat.Dense{}, &mat.Dense{}
		svd.UTo(U)
		svd.VTo(V)
	} else {
		var err error
		if U, S, V, err = randomizedSVD(ctx, mat.DenseCopyOf(X), k, t.NOversamples, t.NIter, t.RandomState); err != nil {
			return err
		}
	}
	comp := svdFlip(U, V, k)
	// explained_variance_ = var(U·Σ, axis=0); the ratio to the total
	// variance of X.
	ev := make([]float64, k)
	for c := 0; c < k; c++ {
		var m, sq float64
		for i := 0; i < n; i++ {
			m += U.At(i, c) * S[c]
		}
		m /= float64(n)
		for i := 0; i < n; i++ {
			d := U.At(i, c)*S[c] - m
			sq += d * d
		}
		ev[c] = sq / float64(n)
	}
	raw := mat.DenseCopyOf(X).RawMatrix().Data
	var full float64
	for j := 0; j < p; j++ {
		var m, sq float64
		for i := 0; i < n; i++ {
			m += raw[i*p+j]
		}
		m /= float64(n)
		for i := 0; i < n; i++ {
			d := raw[i*p+j] - m
			sq += d * d
		}
		full += sq / float64(n)
	}
	evr := make([]float64, k)
	for c := range ev {
		evr[c] = ev[c] / full
	}
	t.nIn, t.k, t.components, t.ev, t.evr, t.sv = p, k, comp, ev, evr, append([]float64(nil), S...)
	return nil
}

func (t *TruncatedSVD) ready(X *mat.Dense, cols int) error {
	if t.components == nil {
		return ml.NotFittedError("TruncatedSVD")
	}
	return ml.CheckX(X, cols)
}

// Transform returns X·components_ᵀ.
func (t *TruncatedSVD) Transform(X *mat.Dense) (*mat.Dense, error) {
	if err := t.ready(X, t.nIn); err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	out := mat.NewDense(n, t.k, nil)
	out.Mul(X, mat.NewDense(t.k, t.nIn, t.components).T())
	return out, nil
}

// InverseTransform returns X·components_.
func (t *TruncatedSVD) InverseTransform(X *mat.Dense) (*mat.Dense, error) {
	if err := t.ready(X, t.k); err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	out := mat.NewDense(n, t.nIn, nil)
	out.Mul(X, mat.NewDense(t.k, t.nIn, t.components))
	return out, nil
}

// Components returns components_, or nil before Fit.
func (t *TruncatedSVD) Components() *mat.Dense {
	if t.components == nil {
		return nil
	}
	return mat.NewDense(t.k, t.nIn, append([]float64(nil), t.components...))
}

// ExplainedVariance returns explained_variance_.
func (t *TruncatedSVD) ExplainedVariance() []float64 { return append([]float64(nil), t.ev...) }

// ExplainedVarianceRatio returns explained_variance_ratio_.
func (t *TruncatedSVD) ExplainedVarianceRatio() []float64 { return append([]float64(nil), t.evr...) }

// SingularValues returns singular_values_.
func (t *TruncatedSVD) SingularValues() []float64 { return append([]float64(nil), t.sv...) }

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (t *TruncatedSVD) NFeaturesIn() int { return t.nIn }

// MarshalState returns components_, explained_variance_(ratio_) and
// singular_values_.
func (t *TruncatedSVD) MarshalState() (*ml.State, error) {
	if t.components == nil {
		return nil, ml.NotFittedError("TruncatedSVD")
	}
	st := ml.NewState()
	setSpectrum(st, t.components, t.k, t.nIn, t.ev, t.evr, t.sv)
	return st, nil
}

// UnmarshalState restores state written by MarshalState.
func (t *TruncatedSVD) UnmarshalState(st *ml.State) error {
	comp, k, p, ev, evr, sv, err := spectrumOf(st)
	if err != nil {
		return err
	}
	t.nIn, t.k, t.components, t.ev, t.evr, t.sv = p, k, comp, ev, evr, sv
	return nil
}

// EstimateMemory bounds Fit's memory: copies of X, the SVD (U n×min(n,p),
// p×p work) or the randomized sketches, and Transform's output.
func (t *TruncatedSVD) EstimateMemory(n, p, _ int) int64 {
	m := min(n, p)
	r := min(t.NComponents+t.NOversamples, m)
	return budget.Add(budget.Mul(3, ml.DataBytes(n, p)), budget.Mul(2, ml.DataBytes(n, m)), budget.Mul(4, ml.DataBytes(p, p)),
		budget.Mul(8, int64(n+p), int64(r), int64(6*(t.NIter+1))), 1<<16)
}
