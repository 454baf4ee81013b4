package svm

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "SVC",
		Task:   ml.Classification,
		Family: "svm",
		Doc:    "C-support vector classifier (libsvm's SMO), one-vs-one over pairs of classes, with linear, poly, rbf and sigmoid kernels.",
		New:    func() ml.Estimator { return NewSVC() },
	})
}

// SVC is sklearn.svm.SVC: a C-support vector classifier. Each pair of
// classes (i < j, in sorted order) gets a binary machine with the samples
// of class i labelled +1 and those of class j -1, each sample's bound C
// scaled by its class's weight, solved by SMO (see the package doc).
// Predict takes the class with the most pairwise votes (the first such
// class on a tie), or with break_ties the largest ovr decision value.
type SVC struct {
	C                     float64        `json:"C" gt:"0" help:"regularisation: the bound on each dual coefficient (smaller is stronger)"`
	Kernel                string         `json:"kernel" enum:"linear,poly,rbf,sigmoid" help:"kernel: linear, poly, rbf or sigmoid"`
	Degree                int            `json:"degree" min:"0" help:"degree of the poly kernel"`
	Gamma                 Gamma          `json:"gamma" help:"coefficient of the rbf, poly and sigmoid kernels: scale (1/(n_features·X.var())), auto (1/n_features) or a number ≥ 0"`
	Coef0                 float64        `json:"coef0" help:"independent term of the poly and sigmoid kernels"`
	Shrinking             bool           `json:"shrinking" help:"set aside variables at their bounds during SMO"`
	Probability           bool           `json:"probability" help:"fit Platt scaling for predict_proba (not available yet: true is refused)"`
	Tol                   float64        `json:"tol" gt:"0" help:"stopping tolerance on the maximal violating pair"`
	CacheSize             float64        `json:"cache_size" gt:"0" help:"kernel cache size in MB"`
	ClassWeight           ml.ClassWeight `json:"class_weight" nullable:"true" help:"weights of the classes, multiplying C: null, balanced or an object from class values to weights"`
	MaxIter               int            `json:"max_iter" min:"-1" help:"SMO iteration limit per pair of classes; -1 means none"`
	DecisionFunctionShape string         `json:"decision_function_shape" enum:"ovo,ovr" help:"decision_function columns: ovr (one per class) or ovo (one per pair of classes)"`
	BreakTies             bool           `json:"break_ties" help:"with ovr and more than two classes, predict the largest decision value instead of the most votes"`
	RandomState           int            `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the probability estimates' cross-validation (unused while probability is false)"`

	classes []float64
	m       model
}

// NewSVC returns an SVC with scikit-learn's defaults: C 1, kernel rbf,
// degree 3, gamma scale, coef0 0, shrinking, tol 1e-3, cache_size 200,
// max_iter -1, decision_function_shape ovr.
func NewSVC() *SVC {
	return &SVC{C: 1, Kernel: "rbf", Degree: 3, Gamma: Gamma{Name: "scale"}, Shrinking: true, Tol: 1e-3, CacheSize: 200, MaxIter: -1, DecisionFunctionShape: "ovr"}
}

// Validate checks gamma, class_weight, break_ties and probability.
func (m *SVC) Validate() error {
	if err := m.Gamma.validate(); err != nil {
		return err
	}
	if err := m.ClassWeight.Validate("balanced"); err != nil {
		return err
	}
	if m.BreakTies && m.DecisionFunctionShape == "ovo" {
		return &ml.ParamError{Param: "break_ties", Msg: `break_ties must be false when decision_function_shape is "ovo"`}
	}
	if m.Probability {
		return &ml.ParamError{Param: "probability", Msg: "probability=true (Platt scaling) is not implemented yet; use decision_function, or CalibratedClassifierCV when it is available"}
	}
	return nil
}

// rowsOf copies X into a contiguous row-major slice and returns it.
func rowsOf(X *mat.Dense) ([]float64, int, int) {
	n, p := X.Dims()
	raw := X.RawMatrix()
	x := make([]float64, n*p)
	for i := range n {
		copy(x[i*p:(i+1)*p], raw.Data[i*raw.Stride:i*raw.Stride+p])
	}
	return x, n, p
}

// Fit trains one machine per pair of classes.
func (m *SVC) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	classes, idx, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	K := len(classes)
	counts := make([]float64, K)
	for _, c := range idx {
		counts[c]++
	}
	cw, err := m.ClassWeight.PerClass(classes, counts)
	if err != nil {
		return err
	}
	x, n, p := rowsOf(X)
	kern := kernelOf(m.Kernel, m.Degree, m.Gamma, m.Coef0, x, p)
	// Group the samples by class, keeping their order within a class.
	start := make([]int, K+1)
	for c := range K {
		start[c+1] = start[c] + int(counts[c])
	}
	perm := make([]int, 0, n)
	for c := range K {
		for i, ci := range idx {
			if ci == c {
				perm = append(perm, i)
			}
		}
	}
	rep := ml.ProgressFrom(ctx)
	prog := &progress{ctx: ctx, rep: rep, msg: "SVC: SMO"}
	nPairs := K * (K - 1) / 2
	alphas := make([][]float64, nPairs) // per pair: class i's samples, then class j's
	rho := make([]float64, nPairs)
	nIter := make([]int, nPairs)
	converged := true
	cacheBytes := int64(m.CacheSize * (1 << 20))
	nonzero := make([]bool, n) // by position in perm
	pair := 0
	for i := 0; i < K; i++ {
		for j := i + 1; j < K; j++ {
			si, sj := start[i], start[j]
			ci, cj := start[i+1]-si, start[j+1]-sj
			l := ci + cj
			rows := make([][]float64, l)
			yy := make([]int8, l)
			cc := make([]float64, l)
			pp := make([]float64, l)
			for t := range l {
				var r int
				if t < ci {
					r, yy[t], cc[t] = perm[si+t], 1, m.C*cw[i]
				} else {
					r, yy[t], cc[t] = perm[sj+t-ci], -1, m.C*cw[j]
				}
				rows[t] = x[r*p : (r+1)*p]
				pp[t] = -1
			}
			q := newSVCQ(kern, rows, slices.Clone(yy), cacheBytes)
			var s solver
			sol, err := s.solve(prog, l, q, pp, slices.Clone(yy), make([]float64, l), cc, m.Tol, m.Shrinking, m.MaxIter)
			if err != nil {
				return err
			}
			for t := range l {
				sol.alpha[t] *= float64(yy[t])
				if math.Abs(sol.alpha[t]) > 0 {
					if t < ci {
						nonzero[si+t] = true
					} else {
						nonzero[sj+t-ci] = true
					}
				}
			}
			if !sol.converged {
				converged = false
				rep.Report(ml.Event{Kind: "log", Message: convergenceMessage(fmt.Sprintf("SVC (classes %v and %v)", classes[i], classes[j]), m.MaxIter)})
			}
			alphas[pair], rho[pair], nIter[pair] = sol.alpha, sol.rho, sol.iters
			pair++
		}
	}
	// Support vectors: the samples with a non-zero coefficient in any
	// pair, grouped by class.
	nSupport := make([]int, K)
	var svRows []int
	nzStart := make([]int, K)
	for c := range K {
		nzStart[c] = len(svRows)
		for t := start[c]; t < start[c+1]; t++ {
			if nonzero[t] {
				nSupport[c]++
				svRows = append(svRows, perm[t])
			}
		}
	}
	nsv := len(svRows)
	coef := make([]float64, (K-1)*nsv)
	pair = 0
	for i := 0; i < K; i++ {
		for j := i + 1; j < K; j++ {
			si, sj := start[i], start[j]
			ci := start[i+1] - si
			a := alphas[pair]
			q := nzStart[i]
			for t := si; t < start[i+1]; t++ {
				if nonzero[t] {
					coef[(j-1)*nsv+q] = a[t-si]
					q++
				}
			}
			q = nzStart[j]
			for t := sj; t < start[j+1]; t++ {
				if nonzero[t] {
					coef[i*nsv+q] = a[ci+t-sj]
					q++
				}
			}
			pair++
		}
	}
	var fit model
	fit.kernel = kern
	fit.support, fit.nSupport, fit.coef, fit.rho, fit.nIter, fit.converged = svRows, nSupport, coef, rho, nIter, converged
	fit.setSV(x, p, svRows)
	m.classes, m.m = classes, fit
	return nil
}

func (m *SVC) check(X *mat.Dense) error {
	if !m.m.fitted() {
		return ml.NotFittedError("SVC")
	}
	return ml.CheckX(X, m.m.nFeatures)
}

// ovo returns libsvm's pairwise decision values, n × k(k-1)/2.
func (m *SVC) ovo(X *mat.Dense) *mat.Dense {
	n, _ := X.Dims()
	np := len(m.m.rho)
	out := mat.NewDense(n, np, nil)
	m.m.kernelValues(X, func(i int, kv []float64) { m.m.pairValues(kv, out.RawRowView(i)) })
	return out
}

// ovrOf turns pairwise decision values into one column per class, as
// scikit-learn's _ovr_decision_function(dec < 0, -dec, k): the votes of
// each class plus its summed confidences squashed into (-1/3, 1/3).
func ovrOf(dec []float64, k int, out []float64) {
	conf := make([]float64, k)
	for c := range out {
		out[c] = 0
	}
	p := 0
	for i := 0; i < k; i++ {
		for j := i + 1; j < k; j++ {
			d := -dec[p]
			conf[i] -= d
			conf[j] += d
			if dec[p] < 0 {
				out[j]++
			} else {
				out[i]++
			}
			p++
		}
	}
	for c := range out {
		out[c] += conf[c] / (3 * (math.Abs(conf[c]) + 1))
	}
}

// DecisionFunction returns, for two classes, one column (positive for the
// second class); otherwise one column per class (ovr) or one per pair of
// classes (ovo, in the order (0,1), (0,2), ..., (1,2), ..., positive for
// the first class of the pair), as scikit-learn.
func (m *SVC) DecisionFunction(X *mat.Dense) (*mat.Dense, error) {
	if err := m.check(X); err != nil {
		return nil, err
	}
	dec := m.ovo(X)
	n, np := dec.Dims()
	k := len(m.classes)
	if k == 2 {
		d := mat.NewDense(n, 1, nil)
		for i := range n {
			d.Set(i, 0, -dec.At(i, 0))
		}
		return d, nil
	}
	if m.DecisionFunctionShape == "ovo" {
		return dec, nil
	}
	out := mat.NewDense(n, k, nil)
	for i := range n {
		ovrOf(dec.RawRowView(i)[:np], k, out.RawRowView(i))
	}
	return out, nil
}

// Predict returns the class with the most pairwise votes.
func (m *SVC) Predict(X *mat.Dense) ([]float64, error) {
	if err := m.check(X); err != nil {
		return nil, err
	}
	dec := m.ovo(X)
	n, _ := dec.Dims()
	k := len(m.classes)
	out := make([]float64, n)
	votes := make([]float64, k)
	for r := range n {
		row := dec.RawRowView(r)
		if m.BreakTies && k > 2 && m.DecisionFunctionShape == "ovr" {
			ovrOf(row, k, votes)
			out[r] = m.classes[argmax(votes)]
			continue
		}
		for c := range votes {
			votes[c] = 0
		}
		p := 0
		for i := 0; i < k; i++ {
			for j := i + 1; j < k; j++ {
				if row[p] > 0 {
					votes[i]++
				} else {
					votes[j]++
				}
				p++
			}
		}
		out[r] = m.classes[argmax(votes)]
	}
	return out, nil
}

func argmax(v []float64) int {
	b := 0
	for i, x := range v {
		if x > v[b] {
			b = i
		}
	}
	return b
}

// Classes returns the sorted class values (sklearn's classes_).
func (m *SVC) Classes() []float64 { return slices.Clone(m.classes) }

// Support returns the training rows of the support vectors, grouped by
// class (sklearn's support_).
func (m *SVC) Support() []int { return slices.Clone(m.m.support) }

// SupportVectors returns the support vectors (sklearn's
// support_vectors_), nil before Fit.
func (m *SVC) SupportVectors() *mat.Dense { return m.m.supportVectors() }

// NSupport returns the number of support vectors of each class
// (sklearn's n_support_).
func (m *SVC) NSupport() []int { return slices.Clone(m.m.nSupport) }

// DualCoef returns sklearn's dual_coef_: (k-1) × n_SV, libsvm's sv_coef
// with the sign flipped for two classes, as scikit-learn does.
func (m *SVC) DualCoef() *mat.Dense {
	if !m.m.fitted() || m.m.nSV() == 0 {
		return nil
	}
	d := mat.NewDense(len(m.classes)-1, m.m.nSV(), slices.Clone(m.m.coef))
	if len(m.classes) == 2 {
		d.Scale(-1, d)
	}
	return d
}

// Intercept returns sklearn's intercept_: -rho per pair of classes, +rho
// for two classes.
func (m *SVC) Intercept() []float64 {
	out := make([]float64, len(m.m.rho))
	for i, r := range m.m.rho {
		out[i] = -r
		if len(m.classes) == 2 {
			out[i] = r
		}
	}
	return out
}

// Gamma returns the kernel coefficient used (sklearn's _gamma).
func (m *SVC) GammaValue() float64 { return m.m.kernel.gamma }

// NIter returns the SMO iterations of each pair of classes (sklearn's
// n_iter_).
func (m *SVC) NIter() []int { return slices.Clone(m.m.nIter) }

// Converged reports whether every SMO run met tol before max_iter (false
// is scikit-learn's fit_status_ 1, with a ConvergenceWarning).
func (m *SVC) Converged() bool { return m.m.converged }

// MarshalState returns the classes and the libsvm model.
func (m *SVC) MarshalState() (*ml.State, error) {
	if !m.m.fitted() {
		return nil, ml.NotFittedError("SVC")
	}
	s := ml.NewState()
	s.SetFloats("classes", m.classes)
	m.m.putState(s)
	return s, nil
}

// UnmarshalState restores state written by MarshalState.
func (m *SVC) UnmarshalState(s *ml.State) error {
	if s == nil {
		return fmt.Errorf("SVC: state: nil")
	}
	classes, _, err := s.Floats("classes", -1)
	if err != nil {
		return fmt.Errorf("SVC: %w", err)
	}
	if len(classes) < 2 || !slices.IsSorted(classes) {
		return fmt.Errorf("SVC: state: classes %v, expected at least 2 sorted values", classes)
	}
	var fit model
	if err := fit.getState(s, len(classes)); err != nil {
		return fmt.Errorf("SVC: %w", err)
	}
	m.classes, m.m = slices.Clone(classes), fit
	return nil
}

// EstimateMemory bounds Fit's memory (see estimateSMO): the largest pair
// of classes has at most n samples.
func (m *SVC) EstimateMemory(n, p, k int) int64 {
	k = max(k, 2)
	return estimateSMO(n, p, k, n, k-1, m.CacheSize, n)
}
