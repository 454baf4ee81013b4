package svm

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/f64"
	"github.com/mlforge/mlforge/ml"
)

var kernelNames = []string{"linear", "poly", "rbf", "sigmoid", "precomputed"}

// kernelOf builds the kernel from the hyperparameters, gamma resolved on
// the training data x (n × p, row-major).
func kernelOf(kernel string, degree int, gamma Gamma, coef0 float64, x []float64, p int) kernelSpec {
	if kernelKind(kernel) == kPrecomputed { // scikit-learn's _gamma is 0 then
		return kernelSpec{kind: kPrecomputed, degree: degree, coef0: coef0}
	}
	return kernelSpec{kind: kernelKind(kernel), degree: degree, gamma: gamma.resolve(x, p), coef0: coef0}
}

// model is the fitted state every class shares: libsvm's svm_model. The
// support vectors are grouped by class (one group for regression and
// one-class), coef holds libsvm's sv_coef ((k-1) × nSV), rho one offset
// per pair of classes, and the decision value of pair p is
// Σ coef·K(sv, x) - rho[p].
type model struct {
	kernel    kernelSpec
	nFeatures int
	sv        []float64 // nSV × nFeatures, row-major
	svSq      []float64 // ‖sv‖², for the rbf kernel
	support   []int     // training row of each support vector
	nSupport  []int     // per class (one entry without classes)
	coef      []float64 // (k-1) × nSV, row-major
	rho       []float64
	nIter     []int
	converged bool
	// probA, probB are the Platt sigmoids of the pairs (libsvm's probA,
	// probB), empty without probability estimates.
	probA, probB []float64
}

func (m *model) fitted() bool { return m.sv != nil }

func (m *model) nSV() int { return len(m.support) }

// setSV copies the support vectors' rows from x (n × p, row-major).
func (m *model) setSV(x []float64, p int, rows []int) {
	if m.kernel.kind == kPrecomputed {
		// x holds the index column and the Gram matrix: predictions take
		// the kernel values from X's columns support_, and
		// support_vectors_ is empty, as scikit-learn's.
		m.nFeatures, m.sv, m.svSq = p-1, []float64{}, nil
		return
	}
	m.nFeatures = p
	m.sv = make([]float64, len(rows)*p)
	for k, r := range rows {
		copy(m.sv[k*p:(k+1)*p], x[r*p:(r+1)*p])
	}
	if len(rows) == 0 {
		m.sv = []float64{}
	}
	m.finish()
}

func (m *model) finish() {
	if m.kernel.kind == kPrecomputed {
		return
	}
	p := m.nFeatures
	m.svSq = make([]float64, m.nSV())
	for k := range m.svSq {
		v := m.sv[k*p : (k+1)*p]
		m.svSq[k] = dot(v, v)
	}
}

// predictBlock is the number of rows whose kernel values with the support
// vectors are computed at once.
const predictBlock = 256

// kernelValues calls f(i, kv) for each row i of X with kv[k] = K(sv_k, x_i),
// computing blocks of rows on several goroutines (f must be safe for
// that, writing only to row i's outputs).
func (m *model) kernelValues(X *mat.Dense, f func(i int, kv []float64)) {
	n, p := X.Dims()
	if m.kernel.kind == kPrecomputed {
		kv := make([]float64, m.nSV())
		for i := range n {
			row := X.RawRowView(i)
			for k, r := range m.support {
				kv[k] = row[r]
			}
			f(i, kv)
		}
		return
	}
	raw := X.RawMatrix()
	nsv := m.nSV()
	nBlocks := (n + predictBlock - 1) / predictBlock
	workers := min(runtime.GOMAXPROCS(0), nBlocks)
	if nsv*p*n < 1<<16 {
		workers = 1
	}
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]float64, predictBlock*max(nsv, 1))
			for {
				mu.Lock()
				b := next
				next++
				mu.Unlock()
				if b >= nBlocks {
					return
				}
				lo, hi := b*predictBlock, min((b+1)*predictBlock, n)
				rows := hi - lo
				K := blas64.General{Rows: rows, Cols: nsv, Stride: max(nsv, 1), Data: buf[:rows*max(nsv, 1)]}
				if nsv > 0 {
					xb := blas64.General{Rows: rows, Cols: p, Stride: raw.Stride, Data: raw.Data[lo*raw.Stride:]}
					svm := blas64.General{Rows: nsv, Cols: p, Stride: p, Data: m.sv}
					blas64.Gemm(blas.NoTrans, blas.Trans, 1, xb, svm, 0, K)
				}
				for r := range rows {
					kv := K.Data[r*K.Stride : r*K.Stride+nsv]
					x := raw.Data[(lo+r)*raw.Stride : (lo+r)*raw.Stride+p]
					m.transform(kv, x)
					f(lo+r, kv)
				}
			}
		}()
	}
	wg.Wait()
}

// transform turns the dot products kv[k] = sv_k·x into kernel values.
func (m *model) transform(kv, x []float64) {
	k := &m.kernel
	switch k.kind {
	case kLinear:
	case kPoly:
		for i, d := range kv {
			kv[i] = powi(k.gamma*d+k.coef0, k.degree)
		}
	case kSigmoid:
		for i, d := range kv {
			kv[i] = math.Tanh(k.gamma*d + k.coef0)
		}
	default:
		xs := dot(x, x)
		for i, d := range kv {
			kv[i] = f64.Exp(-k.gamma * math.Max(m.svSq[i]+xs-2*d, 0))
		}
	}
}

// pairValues returns the k(k-1)/2 decision values of libsvm's
// svm_predict_values from the kernel values kv, into dec.
func (m *model) pairValues(kv, dec []float64) {
	k := len(m.nSupport)
	nsv := m.nSV()
	start := 0
	starts := make([]int, k)
	for c, n := range m.nSupport {
		starts[c] = start
		start += n
	}
	p := 0
	for i := 0; i < k; i++ {
		for j := i + 1; j < k; j++ {
			c1 := m.coef[(j-1)*nsv : j*nsv]
			c2 := m.coef[i*nsv : (i+1)*nsv]
			s := 0.0
			si, sj := starts[i], starts[j]
			for t := range m.nSupport[i] {
				s += c1[si+t] * kv[si+t]
			}
			for t := range m.nSupport[j] {
				s += c2[sj+t] * kv[sj+t]
			}
			dec[p] = s - m.rho[p]
			p++
		}
	}
}

// value is the decision value of a model with one group of support
// vectors (regression, one-class).
func (m *model) value(kv []float64) float64 {
	s := 0.0
	for t, c := range m.coef {
		s += c * kv[t]
	}
	return s - m.rho[0]
}

// putState writes the model into s.
func (m *model) putState(s *ml.State) {
	nsv := m.nSV()
	if m.kernel.kind == kPrecomputed {
		s.SetFloats("support_vectors", m.sv, 0, m.nFeatures)
	} else {
		s.SetFloats("support_vectors", m.sv, nsv, m.nFeatures)
	}
	s.SetInts("support", m.support)
	s.SetInts("n_support", m.nSupport)
	s.SetFloats("sv_coef", m.coef, max(len(m.nSupport)-1, 1), nsv)
	s.SetFloats("rho", m.rho)
	s.SetInts("n_iter", m.nIter)
	s.SetFloats("prob_a", m.probA)
	s.SetFloats("prob_b", m.probB)
	s.SetAttr("kernel", kernelNames[m.kernel.kind])
	s.SetAttr("degree", m.kernel.degree)
	s.SetAttr("gamma", m.kernel.gamma)
	s.SetAttr("coef0", m.kernel.coef0)
	s.SetAttr("n_features", m.nFeatures)
	s.SetAttr("converged", m.converged)
}

// getState reads what putState wrote for a model with groups groups of
// support vectors (the number of classes, or 1).
func (m *model) getState(s *ml.State, groups int) error {
	if s == nil {
		return fmt.Errorf("state: nil")
	}
	var kernel string
	var out model
	if err := s.Attr("kernel", &kernel); err != nil {
		return err
	}
	if !slices.Contains(kernelNames, kernel) {
		return fmt.Errorf("state: kernel %q, expected one of %v", kernel, kernelNames)
	}
	out.kernel.kind = kernelKind(kernel)
	if err := s.Attr("degree", &out.kernel.degree); err != nil {
		return err
	}
	if err := s.Attr("gamma", &out.kernel.gamma); err != nil {
		return err
	}
	if err := s.Attr("coef0", &out.kernel.coef0); err != nil {
		return err
	}
	if err := s.Attr("n_features", &out.nFeatures); err != nil {
		return err
	}
	if err := s.Attr("converged", &out.converged); err != nil {
		return err
	}
	if out.kernel.degree < 0 || out.kernel.degree > 1<<20 || out.nFeatures < 1 || out.nFeatures > 1<<30 {
		return fmt.Errorf("state: degree %d or n_features %d out of range", out.kernel.degree, out.nFeatures)
	}
	if !isFinite(out.kernel.gamma) || !isFinite(out.kernel.coef0) {
		return fmt.Errorf("state: gamma %v or coef0 %v is not finite", out.kernel.gamma, out.kernel.coef0)
	}
	nSupport, _, err := s.Ints("n_support", 0, math.MaxInt32, groups)
	if err != nil {
		return err
	}
	nsv := 0
	for _, v := range nSupport {
		nsv += v
	}
	svRows := nsv
	if out.kernel.kind == kPrecomputed {
		svRows = 0
	}
	sv, _, err := s.Floats("support_vectors", svRows, out.nFeatures)
	if err != nil {
		return err
	}
	support, _, err := s.Ints("support", 0, math.MaxInt32, nsv)
	if err != nil {
		return err
	}
	if out.kernel.kind == kPrecomputed {
		for _, r := range support {
			if r >= out.nFeatures {
				return fmt.Errorf("state: support index %d is not one of the %d training rows of the precomputed kernel", r, out.nFeatures)
			}
		}
	}
	coef, _, err := s.Floats("sv_coef", max(groups-1, 1), nsv)
	if err != nil {
		return err
	}
	rho, _, err := s.Floats("rho", max(groups*(groups-1)/2, 1))
	if err != nil {
		return err
	}
	nIter, _, err := s.Ints("n_iter", 0, math.MaxInt, -1)
	if err != nil {
		return err
	}
	probA, _, err := s.Floats("prob_a", -1)
	if err != nil {
		return err
	}
	probB, _, err := s.Floats("prob_b", len(probA))
	if err != nil {
		return err
	}
	if len(probA) != 0 && len(probA) != len(rho) {
		return fmt.Errorf("state: %d Platt sigmoids for %d pairs of classes", len(probA), len(rho))
	}
	for _, a := range [][]float64{sv, coef, rho, probA, probB} {
		for _, v := range a {
			if !isFinite(v) {
				return fmt.Errorf("state: a support vector, coefficient or rho is %v", v)
			}
		}
	}
	out.sv, out.support, out.nSupport, out.coef, out.rho, out.nIter = slices.Clone(sv), support, nSupport, slices.Clone(coef), slices.Clone(rho), nIter
	if len(probA) > 0 {
		out.probA, out.probB = slices.Clone(probA), slices.Clone(probB)
	}
	if out.sv == nil {
		out.sv = []float64{}
	}
	out.finish()
	*m = out
	return nil
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// checkFitted returns scikit-learn's error for a fit whose coefficients or
// intercepts are not finite (a class weight of 0 leaves a pair with no
// free bound to set rho from, for instance). The error does not name the
// class: the pipeline's error does.
func (m *model) checkFitted() error {
	for _, a := range [][]float64{m.coef, m.rho} {
		for _, v := range a {
			if !isFinite(v) {
				return ml.DataErrorf("the dual coefficients or intercepts are not finite (%v): the data may hold values too large for the kernel (scale it), or a class_weight of 0 leaves a class with nothing to fit", v)
			}
		}
	}
	return nil
}

// supportVectors returns the support vectors as a matrix.
func (m *model) supportVectors() *mat.Dense {
	if m.nSV() == 0 || m.kernel.kind == kPrecomputed {
		return nil
	}
	return mat.NewDense(m.nSV(), m.nFeatures, slices.Clone(m.sv))
}

// estimateSMO bounds the memory of fitting: the copy of X (n·p float64),
// per training variable (vars of them, for each of subproblems solves) a
// dozen float64 and int arrays, the kernel cache (its MB or the whole
// l × l matrix in float32, whichever is smaller, plus two columns), the
// support vectors and their coefficients (n·(p + k)).
func estimateSMO(n, p, k, vars, solves int, cacheMB float64, cacheCols int) int64 {
	N, P, K := int64(max(n, 1)), int64(max(p, 1)), int64(max(k, 1))
	L := int64(max(cacheCols, 1))
	cacheBytes := int64(math.Min(cacheMB*(1<<20), float64(math.MaxInt64/4)))
	cache := min(cacheBytes, budget.Mul(4, L, L))
	cache = budget.Add(cache, budget.Mul(8, L))
	return budget.Add(
		budget.Mul(16, N, P),
		budget.Mul(8, N, K),
		budget.Mul(128, int64(max(vars, 1)), int64(max(solves, 1))),
		cache,
		1<<20,
	)
}
