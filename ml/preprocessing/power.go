package preprocessing

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/f64"
	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "PowerTransformer",
		Task:   ml.Transform,
		Family: "preprocessing",
		Doc:    "make features more Gaussian with a Yeo-Johnson or Box-Cox power transform fitted by maximum likelihood, then standardise",
		New:    func() ml.Estimator { return NewPowerTransformer() },
	})
}

// PowerTransformer applies a power transform to each feature, as
// scikit-learn 1.2's PowerTransformer does: Yeo-Johnson (any values, the
// default) or Box-Cox (strictly positive values), with each feature's
// lambda (lambdas_) the maximum-likelihood estimate found by scipy 1.10's
// Brent minimiser from the bracket (-2, 2), reproduced step by step. With
// standardize (the default) the transformed features are then scaled to
// zero mean and unit variance by a StandardScaler fitted on them.
//
// NaN is ignored by Fit and kept by Transform; infinity is an error.
type PowerTransformer struct {
	Method      string `json:"method" enum:"yeo-johnson,box-cox" help:"yeo-johnson works with any values, box-cox only with strictly positive ones"`
	Standardize bool   `json:"standardize" help:"scale the transformed features to zero mean and unit variance"`

	nIn     int
	lambdas []float64
	scaler  *StandardScaler // nil without standardize
}

// NewPowerTransformer returns a PowerTransformer with scikit-learn's
// defaults: method yeo-johnson, standardize true.
func NewPowerTransformer() *PowerTransformer {
	return &PowerTransformer{Method: "yeo-johnson", Standardize: true}
}

// xTiny is np.finfo(np.float64).tiny, the smallest normal float64.
const xTiny = 2.2250738585072014e-308

// yeoJohnson is PowerTransformer._yeo_johnson_transform of one value.
func yeoJohnson(x, l float64) float64 {
	if x >= 0 {
		if math.Abs(l) < eps {
			return math.Log1p(x)
		}
		return (math.Pow(x+1, l) - 1) / l
	}
	if math.Abs(l-2) > eps {
		return -(math.Pow(-x+1, 2-l) - 1) / (2 - l)
	}
	return -math.Log1p(-x)
}

// yeoJohnsonInverse is PowerTransformer._yeo_johnson_inverse_transform.
func yeoJohnsonInverse(x, l float64) float64 {
	if x >= 0 {
		if math.Abs(l) < eps {
			return math.Exp(x) - 1
		}
		return math.Pow(float64(x*l)+1, 1/l) - 1
	}
	if math.Abs(l-2) > eps {
		return 1 - math.Pow(float64(-(2-l)*x)+1, 1/(2-l))
	}
	return 1 - math.Exp(-x)
}

// boxCox is scipy.special.boxcox (scipy 1.10): log(x) for |λ| < 1e-19,
// expm1(λ·log x)/λ otherwise.
func boxCox(x, l float64) float64 {
	if math.Abs(l) < 1e-19 {
		return math.Log(x)
	}
	return math.Expm1(float64(l*math.Log(x))) / l
}

// boxCoxInverse is PowerTransformer._box_cox_inverse_tranform.
func boxCoxInverse(x, l float64) float64 {
	if l == 0 {
		return math.Exp(x)
	}
	return math.Pow(float64(x*l)+1, 1/l)
}

func (s *PowerTransformer) forward(x, l float64) float64 {
	if s.Method == "box-cox" {
		return boxCox(x, l)
	}
	return yeoJohnson(x, l)
}

// yeoJohnsonLambda is _yeo_johnson_optimize on the values of one feature
// without NaN: Brent's minimum of the negative log-likelihood
// -(-n/2·log var(T(x, λ)) + (λ-1)·Σ sign(x)·log1p|x|), +inf where the
// variance is below tiny. tmp holds len(x) values.
func yeoJohnsonLambda(x, tmp []float64) float64 {
	n := len(x)
	tmp = tmp[:n]
	for i, v := range x {
		sign := 0.0
		switch {
		case v > 0:
			sign = 1
		case v < 0:
			sign = -1
		}
		tmp[i] = float64(sign * math.Log1p(math.Abs(v)))
	}
	logSum := f64.PairwiseSum(tmp)
	trans := make([]float64, n)
	return brent(func(l float64) float64 {
		for i, v := range x {
			trans[i] = yeoJohnson(v, l)
		}
		vr := npVar(trans, tmp)
		if vr < xTiny {
			return math.Inf(1)
		}
		loglike := float64(-float64(n)/2) * math.Log(vr)
		loglike += float64((l - 1) * logSum)
		return -loglike
	}, -2, 2)
}

// boxCoxLambda is scipy.stats.boxcox_normmax(x, method="mle") on strictly
// positive values without NaN: Brent's minimum of -boxcox_llf.
func boxCoxLambda(x, tmp []float64) float64 {
	n := len(x)
	logx := make([]float64, n)
	for i, v := range x {
		logx[i] = math.Log(v)
	}
	logSum := f64.PairwiseSum(logx)
	pw := make([]float64, n)
	return brent(func(l float64) float64 {
		var vr float64
		if l == 0 {
			vr = npVar(logx, tmp)
		} else {
			for i, v := range x {
				pw[i] = math.Pow(v, l) / l
			}
			vr = npVar(pw, tmp)
		}
		return -(float64((l-1)*logSum) - float64(float64(n)/2*math.Log(vr)))
	}, -2, 2)
}

// Fit finds the lambda of every feature and, with standardize, the mean
// and scale of the transformed features, ignoring NaN. y is ignored.
func (s *PowerTransformer) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(s); err != nil {
		return err
	}
	if err := s.check(X, 0, true); err != nil {
		return err
	}
	data, r, c := rows(X)
	lambdas := make([]float64, c)
	col := make([]float64, 0, r)
	tmp := make([]float64, r)
	progress, every := ml.ProgressFrom(ctx), max(1, c/100)
	for j := 0; j < c; j++ {
		if j%every == 0 {
			progress.Report(ml.Event{Kind: "step", Step: j + 1, Total: c, Message: "fitting the lambdas"})
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		col = col[:0]
		for i := 0; i < r; i++ {
			if v := data[i*c+j]; v == v {
				col = append(col, v)
			}
		}
		if s.Method == "box-cox" {
			// scipy.stats.boxcox refuses these.
			if len(col) == 0 {
				return ml.DataErrorf("feature %d has only missing values: the Box-Cox lambda cannot be fitted", j)
			}
			constant := true
			for _, v := range col {
				constant = constant && v == col[0]
			}
			if constant {
				return ml.DataErrorf("feature %d is constant (%v): the Box-Cox lambda cannot be fitted on constant data; use method yeo-johnson or drop the feature", j, col[0])
			}
			lambdas[j] = boxCoxLambda(col, tmp)
		} else {
			lambdas[j] = yeoJohnsonLambda(col, tmp)
		}
	}
	var scaler *StandardScaler
	if s.Standardize {
		T := make([]float64, r*c)
		for i := 0; i < r; i++ {
			for j, v := range data[i*c : (i+1)*c] {
				T[i*c+j] = s.forward(v, lambdas[j])
			}
		}
		scaler = &StandardScaler{WithMean: true, WithStd: true}
		if err := scaler.Fit(context.Background(), mat.NewDense(r, c, T), nil); err != nil {
			// The transform of finite values can overflow to infinity.
			return fmt.Errorf("PowerTransformer: standardising the transformed features: %w", err)
		}
	}
	s.nIn, s.lambdas, s.scaler = c, lambdas, scaler
	return nil
}

// check validates X and, for Box-Cox when positive, that every value is
// strictly positive (scikit-learn: np.nanmin(X) <= 0 is an error).
func (s *PowerTransformer) check(X *mat.Dense, n int, positive bool) error {
	if _, err := checkX("PowerTransformer", X, n, true); err != nil {
		return err
	}
	if !positive || s.Method != "box-cox" {
		return nil
	}
	r, c := X.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if v := X.At(i, j); v <= 0 {
				return ml.DataErrorf("X[%d, %d] is %v: the Box-Cox transformation can only be applied to strictly positive data (use method yeo-johnson)", i, j, v)
			}
		}
	}
	return nil
}

func (s *PowerTransformer) ready(X *mat.Dense, positive bool) error {
	if s.nIn == 0 {
		return ml.NotFittedError("PowerTransformer")
	}
	if s.Standardize != (s.scaler != nil) {
		return fmt.Errorf("PowerTransformer: standardize was changed after Fit; fit again")
	}
	return s.check(X, s.nIn, positive)
}

// Transform applies each feature's power transform, then the
// standardisation. NaN stays NaN.
func (s *PowerTransformer) Transform(X *mat.Dense) (*mat.Dense, error) {
	if err := s.ready(X, true); err != nil {
		return nil, err
	}
	data, r, c := rows(X)
	out := make([]float64, r*c)
	forRows(r, c, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			for j, v := range data[i*c : (i+1)*c] {
				out[i*c+j] = s.forward(v, s.lambdas[j])
			}
		}
	})
	T := mat.NewDense(r, c, out)
	if s.scaler != nil {
		return s.scaler.Transform(T)
	}
	return T, nil
}

// InverseTransform undoes the standardisation, then each feature's power
// transform.
func (s *PowerTransformer) InverseTransform(X *mat.Dense) (*mat.Dense, error) {
	if err := s.ready(X, false); err != nil {
		return nil, err
	}
	if s.scaler != nil {
		var err error
		if X, err = s.scaler.InverseTransform(X); err != nil {
			return nil, err
		}
	}
	data, r, c := rows(X)
	out := make([]float64, r*c)
	forRows(r, c, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			for j, v := range data[i*c : (i+1)*c] {
				if s.Method == "box-cox" {
					out[i*c+j] = boxCoxInverse(v, s.lambdas[j])
				} else {
					out[i*c+j] = yeoJohnsonInverse(v, s.lambdas[j])
				}
			}
		}
	})
	return mat.NewDense(r, c, out), nil
}

// Lambdas returns lambdas_, or nil before Fit.
func (s *PowerTransformer) Lambdas() []float64 { return clone(s.lambdas) }

// Scaler returns the fitted StandardScaler of the transformed features
// (nil without standardize or before Fit).
func (s *PowerTransformer) Scaler() *StandardScaler { return s.scaler }

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (s *PowerTransformer) NFeaturesIn() int { return s.nIn }

// MarshalState returns n_features_in_, lambdas_ and, with standardize, the
// scaler's mean_, var_, scale_ and n_samples_seen_.
func (s *PowerTransformer) MarshalState() (*ml.State, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("PowerTransformer")
	}
	st := ml.NewState()
	if s.scaler != nil {
		var err error
		if st, err = s.scaler.MarshalState(); err != nil {
			return nil, err
		}
	}
	st.SetAttr("n_features_in_", s.nIn)
	st.SetFloats("lambdas_", s.lambdas)
	return st, nil
}

// UnmarshalState restores state written by MarshalState; set standardize
// as it was at Fit first.
func (s *PowerTransformer) UnmarshalState(st *ml.State) error {
	n, err := nFeatures(st)
	if err != nil {
		return err
	}
	lambdas, err := vector(st, "lambdas_", n)
	if err != nil {
		return err
	}
	for j, v := range lambdas {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("state: lambdas_[%d] is %v, expected a finite number", j, v)
		}
	}
	var scaler *StandardScaler
	if s.Standardize {
		scaler = &StandardScaler{WithMean: true, WithStd: true}
		if err := scaler.UnmarshalState(st); err != nil {
			return err
		}
	}
	s.nIn, s.lambdas, s.scaler = n, lambdas, scaler
	return nil
}

// EstimateMemory bounds Fit's memory: a column and its transform and
// scratch copies (4 columns of n values), the transformed X that the
// scaler is fitted on and its statistics, plus the copy Transform makes.
func (s *PowerTransformer) EstimateMemory(n, p, k int) int64 {
	N, P := int64(max(n, 1)), int64(max(p, 1))
	return budget.Add(estimateColumns(n, p, 8), budget.Mul(32, N), budget.Mul(16, N, P))
}
