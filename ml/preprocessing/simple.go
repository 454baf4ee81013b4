package preprocessing

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "MaxAbsScaler",
		Task:   ml.Transform,
		Family: "preprocessing",
		Doc:    "scale each feature by its maximum absolute value, into [-1, 1]",
		New:    func() ml.Estimator { return &MaxAbsScaler{} },
	})
	ml.Register(ml.ClassInfo{
		Name:   "Normalizer",
		Task:   ml.Transform,
		Family: "preprocessing",
		Doc:    "scale each sample (row) to unit l1, l2 or max norm",
		New:    func() ml.Estimator { return &Normalizer{Norm: "l2"} },
	})
	ml.Register(ml.ClassInfo{
		Name:   "PolynomialFeatures",
		Task:   ml.Transform,
		Family: "preprocessing",
		Doc:    "polynomial and interaction features up to a degree",
		New:    func() ml.Estimator { return &PolynomialFeatures{Degree: 2, IncludeBias: true} },
	})
	ml.Register(ml.ClassInfo{
		Name:   "FunctionTransformer",
		Task:   ml.Transform,
		Family: "preprocessing",
		Doc:    "apply a named element-wise function (log1p, expm1, sqrt, log, exp, abs, square, reciprocal)",
		New:    func() ml.Estimator { return &FunctionTransformer{} },
	})
}

// MaxAbsScaler divides each feature by its maximum absolute value (NaN
// ignored at Fit and kept by Transform), as scikit-learn's MaxAbsScaler
// does; a feature whose maximum is 0 gets scale 1.
type MaxAbsScaler struct {
	nIn    int
	maxAbs []float64
	scale  []float64
}

// Fit computes max_abs_ and scale_. y is ignored.
func (s *MaxAbsScaler) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := checkX("MaxAbsScaler", X, 0, true); err != nil {
		return err
	}
	data, r, c := rows(X)
	m := make([]float64, c)
	seen := make([]bool, c)
	for i := 0; i < r; i++ {
		for j, v := range data[i*c : (i+1)*c] {
			if v == v {
				m[j] = math.Max(m[j], math.Abs(v))
				seen[j] = true
			}
		}
	}
	sc := make([]float64, c)
	for j := range m {
		if !seen[j] {
			m[j] = math.NaN()
		}
		sc[j] = m[j]
		if sc[j] < 10*eps { // _handle_zeros_in_scale
			sc[j] = 1
		}
	}
	s.nIn, s.maxAbs, s.scale = c, m, sc
	return nil
}

// Transform returns X / scale_.
func (s *MaxAbsScaler) Transform(X *mat.Dense) (*mat.Dense, error) {
	return s.apply(X, false)
}

// InverseTransform returns X · scale_.
func (s *MaxAbsScaler) InverseTransform(X *mat.Dense) (*mat.Dense, error) {
	return s.apply(X, true)
}

func (s *MaxAbsScaler) apply(X *mat.Dense, inv bool) (*mat.Dense, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("MaxAbsScaler")
	}
	if _, err := checkX("MaxAbsScaler", X, s.nIn, true); err != nil {
		return nil, err
	}
	data, r, c := rows(X)
	out := make([]float64, r*c)
	for i := 0; i < r; i++ {
		for j, v := range data[i*c : (i+1)*c] {
			if inv {
				out[i*c+j] = v * s.scale[j]
			} else {
				out[i*c+j] = v / s.scale[j]
			}
		}
	}
	return mat.NewDense(r, c, out), nil
}

// MaxAbs returns max_abs_, or nil before Fit.
func (s *MaxAbsScaler) MaxAbs() []float64 { return clone(s.maxAbs) }

// Scale returns scale_, or nil before Fit.
func (s *MaxAbsScaler) Scale() []float64 { return clone(s.scale) }

// MarshalState returns max_abs_ and n_features_in_.
func (s *MaxAbsScaler) MarshalState() (*ml.State, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("MaxAbsScaler")
	}
	st := ml.NewState()
	st.SetAttr("n_features_in_", s.nIn)
	st.SetFloats("max_abs_", s.maxAbs)
	return st, nil
}

// UnmarshalState restores state written by MarshalState.
func (s *MaxAbsScaler) UnmarshalState(st *ml.State) error {
	n, err := nFeatures(st)
	if err != nil {
		return err
	}
	m, err := vector(st, "max_abs_", n)
	if err != nil {
		return err
	}
	sc := make([]float64, n)
	for j, v := range m {
		if v < 0 || math.IsInf(v, 0) {
			return fmt.Errorf("state: max_abs_[%d] is %v, expected a non-negative number", j, v)
		}
		sc[j] = v
		if !(v >= 10*eps) {
			sc[j] = 1
		}
		if v != v {
			sc[j] = math.NaN()
		}
	}
	s.nIn, s.maxAbs, s.scale = n, m, sc
	return nil
}

// EstimateMemory bounds Fit's memory plus the copy Transform makes.
func (s *MaxAbsScaler) EstimateMemory(n, p, k int) int64 {
	return budget.Add(estimateColumns(n, p, 4), budget.Mul(8, int64(max(n, 1)), int64(max(p, 1))))
}

// Normalizer scales each row to unit norm as scikit-learn's Normalizer
// does: norm "l1" (sum of absolute values), "l2" (Euclidean, the
// default) or "max" (largest absolute value). A row of norm 0 is kept
// as it is. Fit only checks X; NaN is refused, as in scikit-learn.
type Normalizer struct {
	Norm string `json:"norm" enum:"l1,l2,max" help:"the norm each row is scaled to 1 in"`

	nIn int
}

// Fit records the number of features. y is ignored.
func (s *Normalizer) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(s); err != nil {
		return err
	}
	if _, err := checkX("Normalizer", X, 0, false); err != nil {
		return err
	}
	_, s.nIn = X.Dims()
	return nil
}

// Transform divides every row by its norm.
func (s *Normalizer) Transform(X *mat.Dense) (*mat.Dense, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("Normalizer")
	}
	if _, err := checkX("Normalizer", X, s.nIn, false); err != nil {
		return nil, err
	}
	data, r, c := rows(X)
	out := make([]float64, r*c)
	for i := 0; i < r; i++ {
		row := data[i*c : (i+1)*c]
		var norm float64
		switch s.Norm {
		case "l1":
			for _, v := range row {
				norm += math.Abs(v)
			}
		case "max":
			for _, v := range row {
				norm = math.Max(norm, math.Abs(v))
			}
		default:
			for _, v := range row {
				norm += v * v
			}
			norm = math.Sqrt(norm)
		}
		if norm < 10*eps {
			norm = 1
		}
		for j, v := range row {
			out[i*c+j] = v / norm
		}
	}
	return mat.NewDense(r, c, out), nil
}

// MarshalState returns n_features_in_.
func (s *Normalizer) MarshalState() (*ml.State, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("Normalizer")
	}
	st := ml.NewState()
	st.SetAttr("n_features_in_", s.nIn)
	return st, nil
}

// UnmarshalState restores state written by MarshalState.
func (s *Normalizer) UnmarshalState(st *ml.State) error {
	n, err := nFeatures(st)
	if err != nil {
		return err
	}
	s.nIn = n
	return nil
}

// EstimateMemory counts the copy Transform makes.
func (s *Normalizer) EstimateMemory(n, p, k int) int64 {
	return budget.Add(budget.Mul(8, int64(max(n, 1)), int64(max(p, 1))), 64<<10)
}

// maxPolyOutputs bounds the number of columns PolynomialFeatures may make.
const maxPolyOutputs = 1 << 20

// PolynomialFeatures makes every product of features up to degree
// (only products of distinct features with interaction_only), with a
// leading column of ones when include_bias, in scikit-learn's order
// (combinations_with_replacement by degree).
type PolynomialFeatures struct {
	Degree          int  `json:"degree" min:"0" max:"64" help:"the maximal degree of the products"`
	InteractionOnly bool `json:"interaction_only" help:"only products of distinct features"`
	IncludeBias     bool `json:"include_bias" help:"add a column of ones (the degree-0 term)"`

	nIn    int
	combos [][]int
}

// Validate refuses degree 0 without a bias (no output).
func (s *PolynomialFeatures) Validate() error {
	if s.Degree == 0 && !s.IncludeBias {
		return &ml.ParamError{Param: "degree", Expected: "≥ 1 when include_bias is false (degree 0 without the bias has no output)", Got: "0"}
	}
	return nil
}

// combinations returns scikit-learn's _combinations for n features, or an
// error when there would be more than maxPolyOutputs.
func (s *PolynomialFeatures) combinations(n int) ([][]int, error) {
	var out [][]int
	if s.IncludeBias {
		out = append(out, nil)
	}
	var rec func(cur []int, start, left int) error
	rec = func(cur []int, start, left int) error {
		if left == 0 {
			if len(out) >= maxPolyOutputs {
				return &ml.ParamError{Param: "degree", Expected: fmt.Sprintf("a degree giving at most %d output features for %d input features", maxPolyOutputs, n), Got: fmt.Sprint(s.Degree)}
			}
			out = append(out, append([]int(nil), cur...))
			return nil
		}
		for j := start; j < n; j++ {
			next := j
			if s.InteractionOnly {
				next = j + 1
			}
			if err := rec(append(cur, j), next, left-1); err != nil {
				return err
			}
		}
		return nil
	}
	for d := 1; d <= s.Degree; d++ {
		if s.InteractionOnly && d > n {
			break
		}
		if err := rec(nil, 0, d); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Fit computes the output combinations. y is ignored.
func (s *PolynomialFeatures) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(s); err != nil {
		return err
	}
	if _, err := checkX("PolynomialFeatures", X, 0, false); err != nil {
		return err
	}
	_, c := X.Dims()
	combos, err := s.combinations(c)
	if err != nil {
		return err
	}
	s.nIn, s.combos = c, combos
	return nil
}

// NOutputFeatures returns n_output_features_, or 0 before Fit.
func (s *PolynomialFeatures) NOutputFeatures() int { return len(s.combos) }

// Transform returns the products, one column per combination.
func (s *PolynomialFeatures) Transform(X *mat.Dense) (*mat.Dense, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("PolynomialFeatures")
	}
	if _, err := checkX("PolynomialFeatures", X, s.nIn, false); err != nil {
		return nil, err
	}
	data, r, c := rows(X)
	k := len(s.combos)
	if int64(r)*int64(k) > 1<<31 {
		return nil, ml.DataErrorf("PolynomialFeatures would output %d×%d values, more than 2^31", r, k)
	}
	out := make([]float64, r*k)
	// scikit-learn computes each degree's columns by multiplying a column
	// of the previous degree by one feature: the product accumulates left
	// to right, as here.
	for i := 0; i < r; i++ {
		row := data[i*c : (i+1)*c]
		for q, comb := range s.combos {
			v := 1.0
			for t, j := range comb {
				if t == 0 {
					v = row[j]
				} else {
					v *= row[j]
				}
			}
			out[i*k+q] = v
		}
	}
	return mat.NewDense(r, k, out), nil
}

// FeatureNames returns get_feature_names_out for the input names in.
func (s *PolynomialFeatures) FeatureNames(in []string) []string {
	out := make([]string, len(s.combos))
	for q, comb := range s.combos {
		if len(comb) == 0 {
			out[q] = "1"
			continue
		}
		name := ""
		for t := 0; t < len(comb); {
			u := t
			for u < len(comb) && comb[u] == comb[t] {
				u++
			}
			if name != "" {
				name += " "
			}
			name += in[comb[t]]
			if u-t > 1 {
				name += fmt.Sprintf("^%d", u-t)
			}
			t = u
		}
		out[q] = name
	}
	return out
}

// MarshalState returns n_features_in_ (the combinations follow from the
// parameters).
func (s *PolynomialFeatures) MarshalState() (*ml.State, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("PolynomialFeatures")
	}
	st := ml.NewState()
	st.SetAttr("n_features_in_", s.nIn)
	return st, nil
}

// UnmarshalState restores state written by MarshalState; set the
// parameters first.
func (s *PolynomialFeatures) UnmarshalState(st *ml.State) error {
	n, err := nFeatures(st)
	if err != nil {
		return err
	}
	combos, err := s.combinations(n)
	if err != nil {
		return err
	}
	s.nIn, s.combos = n, combos
	return nil
}

// EstimateMemory bounds Transform's output for degree 2 or less; the
// exact count is checked at Fit.
func (s *PolynomialFeatures) EstimateMemory(n, p, k int) int64 {
	P := int64(max(p, 1))
	outs := int64(1)
	for d := 0; d < s.Degree && outs < maxPolyOutputs; d++ {
		outs = budget.Mul(outs, P+1)
	}
	outs = min(outs, maxPolyOutputs)
	return budget.Add(budget.Mul(8, int64(max(n, 1)), outs), 64<<10)
}

// functions are FunctionTransformer's named functions (NumPy's ufuncs).
var functions = map[string]func(float64) float64{
	"log1p":      math.Log1p,
	"expm1":      math.Expm1,
	"sqrt":       math.Sqrt,
	"log":        math.Log,
	"exp":        math.Exp,
	"abs":        math.Abs,
	"square":     func(v float64) float64 { return v * v },
	"reciprocal": func(v float64) float64 { return 1 / v },
}

// FunctionTransformer applies one of a fixed set of NumPy functions
// element by element, scikit-learn's FunctionTransformer(func=np.NAME,
// inverse_func=...). func null (the default) is the identity. Arbitrary
// Python callables are not supported: only these names. Results outside
// the function's domain are NaN (or ±Inf), as NumPy gives them. NaN in the
// input is refused (scikit-learn's validate=False would pass it through):
// mlforge's pipelines impute before a transform, never after.
type FunctionTransformer struct {
	Func        string `json:"func" enum:",log1p,expm1,sqrt,log,exp,abs,square,reciprocal" help:"the NumPy function to apply; \"\" is the identity"`
	InverseFunc string `json:"inverse_func" enum:",log1p,expm1,sqrt,log,exp,abs,square,reciprocal" help:"the function InverseTransform applies; \"\" is the identity, as scikit-learn's None"`

	nIn int
}

// Fit records the number of features. y is ignored.
func (s *FunctionTransformer) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(s); err != nil {
		return err
	}
	if _, err := checkX("FunctionTransformer", X, 0, false); err != nil {
		return err
	}
	_, s.nIn = X.Dims()
	return nil
}

func (s *FunctionTransformer) apply(name string, X *mat.Dense) (*mat.Dense, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("FunctionTransformer")
	}
	if _, err := checkX("FunctionTransformer", X, s.nIn, false); err != nil {
		return nil, err
	}
	data, r, c := rows(X)
	out := make([]float64, r*c)
	f := functions[name]
	for i, v := range data {
		if f == nil {
			out[i] = v
		} else {
			out[i] = f(v)
		}
	}
	return mat.NewDense(r, c, out), nil
}

// Transform applies func.
func (s *FunctionTransformer) Transform(X *mat.Dense) (*mat.Dense, error) {
	return s.apply(s.Func, X)
}

// InverseTransform applies inverse_func; "" (scikit-learn's None) is the
// identity, as in scikit-learn, whatever func is.
func (s *FunctionTransformer) InverseTransform(X *mat.Dense) (*mat.Dense, error) {
	return s.apply(s.InverseFunc, X)
}

// MarshalState returns n_features_in_.
func (s *FunctionTransformer) MarshalState() (*ml.State, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("FunctionTransformer")
	}
	st := ml.NewState()
	st.SetAttr("n_features_in_", s.nIn)
	return st, nil
}

// UnmarshalState restores state written by MarshalState.
func (s *FunctionTransformer) UnmarshalState(st *ml.State) error {
	n, err := nFeatures(st)
	if err != nil {
		return err
	}
	s.nIn = n
	return nil
}

// EstimateMemory counts the copy Transform makes.
func (s *FunctionTransformer) EstimateMemory(n, p, k int) int64 {
	return budget.Add(budget.Mul(8, int64(max(n, 1)), int64(max(p, 1))), 64<<10)
}
