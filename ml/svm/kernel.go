package svm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/f64"
	"github.com/mlforge/mlforge/ml"
)

// Gamma is the gamma hyperparameter of the rbf, poly and sigmoid kernels:
// "scale" (1 / (n_features · X.var()), the variance over every value of X,
// or 1 when it is 0), "auto" (1 / n_features) or a number ≥ 0.
type Gamma struct {
	// Name is "scale" or "auto"; empty means Value.
	Name string
	// Value is the gamma to use when Name is empty.
	Value float64
}

// ParamType names the type in the catalogue.
func (Gamma) ParamType() (string, string) {
	return "gamma", `"scale", "auto" or a number ≥ 0`
}

// MarshalJSON writes the name or the number.
func (g Gamma) MarshalJSON() ([]byte, error) {
	if g.Name != "" {
		return json.Marshal(g.Name)
	}
	if math.IsNaN(g.Value) || math.IsInf(g.Value, 0) {
		return nil, fmt.Errorf("gamma %v is not a finite number", g.Value)
	}
	s := strconv.FormatFloat(g.Value, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return []byte(s), nil
}

// UnmarshalJSON reads a string or a number.
func (g *Gamma) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*g = Gamma{Name: s}
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf(`gamma %s is not "scale", "auto" or a number`, string(b))
	}
	*g = Gamma{Value: f}
	return nil
}

func (g Gamma) validate() error {
	if g.Name != "" && g.Name != "scale" && g.Name != "auto" {
		return &ml.ParamError{Param: "gamma", Expected: `"scale", "auto" or a number ≥ 0`, Got: strconv.Quote(g.Name)}
	}
	if g.Name == "" && !(g.Value >= 0) || math.IsInf(g.Value, 0) {
		return &ml.ParamError{Param: "gamma", Expected: `"scale", "auto" or a number ≥ 0`, Got: strconv.FormatFloat(g.Value, 'g', -1, 64)}
	}
	return nil
}

// resolve returns the gamma to train with on X (n × p, row-major raw).
func (g Gamma) resolve(x []float64, p int) float64 {
	switch g.Name {
	case "auto":
		return 1 / float64(p)
	case "scale":
		// numpy's X.var(): the mean, then the mean squared deviation,
		// both summed pairwise as numpy does.
		mean := f64.PairwiseSum(x) / float64(len(x))
		dev := make([]float64, len(x))
		for i, v := range x {
			d := v - mean
			dev[i] = d * d
		}
		v := f64.PairwiseSum(dev) / float64(len(x))
		if v == 0 {
			return 1
		}
		return 1 / (float64(p) * v)
	}
	return g.Value
}

// Kernel types.
const (
	kLinear = iota
	kPoly
	kRBF
	kSigmoid
	// kPrecomputed: the data are the kernel matrix. The solver's rows are
	// the Gram matrix's with the row's training index put in front
	// (libsvm's PRECOMPUTED: x[i][0] is the sample's serial number), so
	// K(a, b) = a[1 + b[0]] stays right whatever order the solver keeps
	// the rows in, and in any subset of them.
	kPrecomputed
)

// kernelSpec is a kernel function with its resolved parameters.
type kernelSpec struct {
	kind   int
	degree int
	gamma  float64
	coef0  float64
}

func kernelKind(name string) int {
	switch name {
	case "linear":
		return kLinear
	case "poly":
		return kPoly
	case "sigmoid":
		return kSigmoid
	case "precomputed":
		return kPrecomputed
	}
	return kRBF
}

func dot(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// powi is x to the integer power n ≥ 0 by repeated squaring, as libsvm's.
func powi(x float64, n int) float64 {
	r := 1.0
	for t := x; n > 0; n >>= 1 {
		if n&1 == 1 {
			r *= t
		}
		t *= t
	}
	return r
}

// eval returns K(a, b) where sa, sb are ‖a‖², ‖b‖² (used by rbf only), as
// libsvm's training kernels compute it.
func (k *kernelSpec) eval(a, b []float64, sa, sb float64) float64 {
	switch k.kind {
	case kLinear:
		return dot(a, b)
	case kPoly:
		return powi(k.gamma*dot(a, b)+k.coef0, k.degree)
	case kSigmoid:
		return math.Tanh(k.gamma*dot(a, b) + k.coef0)
	case kPrecomputed:
		return a[1+int(b[0])]
	}
	return f64.Exp(-k.gamma * (sa + sb - 2*dot(a, b)))
}

// predictEval returns K(sv, x) as libsvm's k_function does at prediction:
// the rbf kernel from the squared differences.
func (k *kernelSpec) predictEval(a, b []float64) float64 {
	if k.kind != kRBF {
		return k.eval(a, b, 0, 0)
	}
	b = b[:len(a)]
	s := 0.0
	for i, v := range a {
		d := v - b[i]
		s += d * d
	}
	return f64.Exp(-k.gamma * s)
}

func (k *kernelSpec) validate(name string) error {
	if k.kind == kPoly && k.degree < 0 {
		return &ml.ParamError{Param: "degree", Expected: "an integer ≥ 0", Got: strconv.Itoa(k.degree)}
	}
	_ = name
	return nil
}

// precomputedRows checks that x (n × p, row-major) is a square Gram
// matrix, as kernel="precomputed" fits on, and returns the solver's rows:
// each with its training index in front (n × (n+1)). The memory is the
// EstimateMemory's copy of X, counted before the fit.
func precomputedRows(class string, x []float64, n, p int) ([]float64, int, error) {
	if n != p {
		return nil, 0, ml.DataErrorf("%s with kernel=\"precomputed\": X must be the square kernel matrix of the training rows (n_samples × n_samples), got %d × %d", class, n, p)
	}
	out := make([]float64, n*(p+1))
	for i := range n {
		out[i*(p+1)] = float64(i)
		copy(out[i*(p+1)+1:(i+1)*(p+1)], x[i*p:(i+1)*p])
	}
	return out, p + 1, nil
}

// checkPredictX checks X at prediction: with a precomputed kernel one
// column per training row, the kernel between each row and them.
func (m *model) checkPredictX(class string, X *mat.Dense) error {
	if m.kernel.kind == kPrecomputed {
		if r, c := X.Dims(); c != m.nFeatures {
			return ml.DataErrorf("%s with kernel=\"precomputed\": X must be the kernel between the rows to predict and the %d training rows (n_samples × %d), got %d × %d", class, m.nFeatures, m.nFeatures, r, c)
		}
	}
	return ml.CheckX(X, m.nFeatures)
}
