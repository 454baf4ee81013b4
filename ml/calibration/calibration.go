// Package calibration holds scikit-learn 1.2's CalibratedClassifierCV:
// probabilities of a registered classifier calibrated by Platt's sigmoid
// or by isotonic regression on cross-validated outputs.
package calibration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/ensemble"
	"github.com/mlforge/mlforge/ml/modelselection"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name: "CalibratedClassifierCV", Task: ml.Classification, Family: "calibration",
		Doc: "Probabilities of a classifier calibrated by Platt's sigmoid or isotonic regression on cross-validated outputs.",
		New: func() ml.Estimator { return NewCalibratedClassifierCV() },
	})
}

// defaultEstimator is scikit-learn's estimator=None: LinearSVC(random_state=0).
var defaultEstimator = ensemble.EstimatorSpec{Class: "LinearSVC", Params: json.RawMessage(`{"random_state":0}`)}

// CalibratedClassifierCV is scikit-learn 1.2.1's CalibratedClassifierCV
// with an integer cv: StratifiedKFold(cv) unshuffled splits the rows; with
// ensemble, a clone of the estimator is fitted on each fold's training
// part and calibrators on its outputs for the fold's test part, and the
// probabilities are the mean of the folds' calibrated ones; without, the
// calibrators are fitted on cross_val_predict's outputs and one estimator
// on every row. The outputs are decision_function's when the estimator
// has one, else predict_proba's (the positive class's of two); one
// calibrator per class, one-vs-rest (one for two classes), and the
// calibrated probabilities are normalized to sum to 1.
type CalibratedClassifierCV struct {
	Estimator ensemble.EstimatorSpec `json:"estimator" nullable:"true" help:"the classifier to calibrate, {\"class\": ..., \"params\": {...}}; null is LinearSVC(random_state=0)"`
	Method    string                 `json:"method" enum:"sigmoid,isotonic" help:"sigmoid: Platt's logistic fit of each output; isotonic: a non-decreasing step fit (needs more data)"`
	CV        int                    `json:"cv" min:"2" help:"folds of StratifiedKFold (unshuffled) that give the calibrators held-out outputs"`
	Ensemble  bool                   `json:"ensemble" help:"true: one calibrated estimator per fold, probabilities averaged; false: calibrators on cross_val_predict's outputs and one estimator fitted on every row"`
	NJobs     int                    `json:"n_jobs" nullable:"true" help:"folds fitted at once: null or -1 for all processors, -2 for all but one; the result does not depend on it"`

	classes []float64
	nFeat   int
	pairs   []*calibrated
}

// calibrated is scikit-learn's _CalibratedClassifier: a fitted estimator
// (on class indices), the class indices it knows and one calibrator per
// output column.
type calibrated struct {
	est    ml.Estimator
	known  []int // the estimator's classes, as indices into the classes
	method string
	sig    [][2]float64 // sigmoid: a, b per output column
	iso    []*isotonic  // isotonic: one per output column
}

// NewCalibratedClassifierCV returns scikit-learn's defaults: sigmoid,
// cv 5, ensemble, the default LinearSVC.
func NewCalibratedClassifierCV() *CalibratedClassifierCV {
	return &CalibratedClassifierCV{Method: "sigmoid", CV: 5, Ensemble: true}
}

func (m *CalibratedClassifierCV) spec() ensemble.EstimatorSpec {
	if m.Estimator.Class == "" {
		return defaultEstimator
	}
	return m.Estimator
}

func (m *CalibratedClassifierCV) build() (ml.Estimator, error) {
	s := m.spec()
	return ml.New(s.Class, s.Params)
}

// outputMethod is scikit-learn's _get_prediction_method: decision_function
// when the estimator has one, else predict_proba.
func outputMethod(e ml.Estimator) string {
	if _, ok := e.(ml.DecisionFunctioner); ok {
		return "decision_function"
	}
	_, proba := e.(ml.ProbaPredictor)
	if a, ok := e.(interface{ HasPredictProba() bool }); ok {
		proba = proba && a.HasPredictProba()
	}
	if proba {
		return "predict_proba"
	}
	return ""
}

// Validate checks that the estimator is a classifier with
// decision_function or predict_proba.
func (m *CalibratedClassifierCV) Validate() error {
	est, err := m.build()
	if err != nil {
		return &ml.ParamError{Param: "estimator", Msg: err.Error()}
	}
	if _, ok := est.(ml.Classifier); !ok {
		return &ml.ParamError{Param: "estimator", Msg: fmt.Sprintf("%s is not a classifier", m.spec().Class)}
	}
	if outputMethod(est) == "" {
		return &ml.ParamError{Param: "estimator", Msg: fmt.Sprintf("%s has neither decision_function nor predict_proba to calibrate", m.spec().Class)}
	}
	return nil
}

// outputs returns e's calibration inputs on X as scikit-learn's
// _compute_predictions makes them: decision_function as columns (one for
// two classes), or predict_proba's (only the second column for two
// classes).
func outputs(e ml.Estimator, X *mat.Dense, nClasses int) (*mat.Dense, error) {
	switch outputMethod(e) {
	case "decision_function":
		return e.(ml.DecisionFunctioner).DecisionFunction(X)
	case "predict_proba":
		p, err := e.(ml.ProbaPredictor).PredictProba(X)
		if err != nil {
			return nil, err
		}
		if nClasses == 2 {
			r, _ := p.Dims()
			return mat.DenseCopyOf(p.Slice(0, r, 1, 2)), nil
		}
		return p, nil
	}
	return nil, fmt.Errorf("CalibratedClassifierCV: %s has neither decision_function nor predict_proba", ml.ClassName(e))
}

// knownClasses returns a fitted estimator's classes (class indices).
func knownClasses(e ml.Estimator, nClasses int) ([]int, error) {
	c, ok := e.(ml.Classifier)
	if !ok {
		return nil, fmt.Errorf("CalibratedClassifierCV: %s is not a classifier", ml.ClassName(e))
	}
	cs := c.Classes()
	out := make([]int, len(cs))
	for i, v := range cs {
		k := int(v)
		if float64(k) != v || k < 0 || k >= nClasses {
			return nil, fmt.Errorf("CalibratedClassifierCV: the estimator's class %v is not a class index", v)
		}
		out[i] = k
	}
	return out, nil
}

// fitCalibrators is scikit-learn's _fit_calibrator: one calibrator per
// output column, fitted against the one-vs-rest targets of the class it
// stands for (for two classes, the one column against the second class).
// With sample weights w (nil for none) each calibrator's fit is weighted.
func fitCalibrators(est ml.Estimator, known []int, out *mat.Dense, y []int, w []float64, nClasses int, method string) (*calibrated, error) {
	r, c := out.Dims()
	if nClasses == 2 && c != 1 || nClasses > 2 && c != len(known) {
		return nil, fmt.Errorf("CalibratedClassifierCV: %s gave %d output columns for %d classes", ml.ClassName(est), c, nClasses)
	}
	if w != nil {
		tot := 0.0
		for _, v := range w {
			tot += v
		}
		if !(tot > 0) {
			return nil, ml.DataErrorf("CalibratedClassifierCV: the sample weights of the %d rows a calibrator is fitted on sum to 0 (give more rows a positive weight, or use fewer folds)", r)
		}
	}
	cal := &calibrated{est: est, known: known, method: method}
	col := make([]float64, r)
	t := make([]float64, r)
	for j := range c {
		cls := known[j]
		if nClasses == 2 {
			cls = 1
		}
		for i := range r {
			col[i] = out.At(i, j)
			t[i] = 0
			if y[i] == cls {
				t[i] = 1
			}
		}
		if method == "isotonic" {
			cal.iso = append(cal.iso, fitIsotonic(col, t, w))
		} else {
			a, b := sigmoidCalibration(col, t, w)
			cal.sig = append(cal.sig, [2]float64{a, b})
		}
	}
	return cal, nil
}

// proba is _CalibratedClassifier.predict_proba.
func (cal *calibrated) proba(X *mat.Dense, nClasses int) (*mat.Dense, error) {
	out, err := outputs(cal.est, X, nClasses)
	if err != nil {
		return nil, err
	}
	r, c := out.Dims()
	if c != max(len(cal.sig), len(cal.iso)) {
		return nil, fmt.Errorf("CalibratedClassifierCV: %d output columns for %d calibrators", c, max(len(cal.sig), len(cal.iso)))
	}
	p := mat.NewDense(r, nClasses, nil)
	for j := range c {
		cls := cal.known[j]
		if nClasses == 2 {
			cls = 1
		}
		for i := range r {
			v := out.At(i, j)
			if cal.method == "isotonic" {
				v = cal.iso[j].predict(v)
			} else {
				v = expit(-(cal.sig[j][0]*v + cal.sig[j][1]))
			}
			p.Set(i, cls, v)
		}
	}
	for i := range r {
		row := p.RawRowView(i)
		if nClasses == 2 {
			row[0] = 1 - row[1]
		} else {
			s := 0.0
			for _, v := range row {
				s += v
			}
			for k := range row {
				if s != 0 {
					row[k] /= s
				} else {
					row[k] = 1 / float64(nClasses)
				}
			}
		}
		for k, v := range row {
			if v > 1 && v <= 1+1e-5 {
				row[k] = 1
			}
		}
	}
	return p, nil
}

// Fit fits the estimator and its calibrators on X and the class indices
// of y.
func (m *CalibratedClassifierCV) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn 1.2's fit(X, y, sample_weight): the estimator is fitted
// with its training rows' weights when it takes them (otherwise
// unweighted, with a log event, as scikit-learn warns), and the
// calibrators with their rows' weights.
func (m *CalibratedClassifierCV) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	if err := ml.CheckSampleWeight(w, len(y)); err != nil {
		return err
	}
	classes, idx, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	K := len(classes)
	if K < 2 {
		return ml.DataErrorf("CalibratedClassifierCV needs at least 2 classes, y has %d", K)
	}
	counts := make([]int, K)
	for _, c := range idx {
		counts[c]++
	}
	if mn := slices.Min(counts); mn < m.CV {
		return ml.DataErrorf("requesting %d-fold cross-validation but provided less than %d examples for at least one class (the smallest has %d)", m.CV, m.CV, mn)
	}
	yi := make([]float64, len(idx))
	for i, c := range idx {
		yi[i] = float64(c)
	}
	n, d := X.Dims()
	folds, err := (&modelselection.StratifiedKFold{Splits: m.CV}).Split(n, yi, nil)
	if err != nil {
		return err
	}
	rep := ml.ProgressFrom(ctx)
	quiet := ml.WithProgress(ctx, ml.ReporterFunc(func(ml.Event) {}))
	total := len(folds)
	if !m.Ensemble {
		total++
	}
	step := 0
	report := func() {
		step++
		rep.Report(ml.Event{Kind: "iter", Step: step, Total: total, Message: "folds"})
	}
	if w != nil {
		if est, err := m.build(); err == nil {
			if _, ok := est.(ml.WeightedFitter); !ok {
				rep.Report(ml.Event{Kind: "log", Message: fmt.Sprintf("CalibratedClassifierCV: since %s does not take sample weights, they are used only to fit the calibrators", m.spec().Class)})
			}
		}
	}
	rowWeights := func(rows []int) []float64 {
		if w == nil {
			return nil
		}
		return take(w, rows)
	}
	fitOn := func(fctx context.Context, rows []int) (ml.Estimator, []int, error) {
		est, err := m.build()
		if err != nil {
			return nil, nil, err
		}
		fit := est.Fit
		if wf, ok := est.(ml.WeightedFitter); ok && w != nil {
			fit = func(ctx context.Context, X *mat.Dense, y []float64) error {
				return wf.FitWeighted(ctx, X, y, rowWeights(rows))
			}
		}
		if err := fit(fctx, rowsOf(X, rows), take(yi, rows)); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", m.spec().Class, err)
		}
		known, err := knownClasses(est, K)
		if err != nil {
			return nil, nil, err
		}
		return est, known, fctx.Err()
	}
	// Each fold (and, without ensemble, the fit on every row) is an
	// independent task: fitted n_jobs at a time, each from its own clone
	// of the spec, and collected in fold order, so the result is the
	// sequential one whatever the number of workers.
	nTasks := len(folds)
	if !m.Ensemble {
		nTasks++
	}
	type result struct {
		cal   *calibrated  // ensemble: the fold's calibrated estimator
		est   ml.Estimator // without ensemble: the fit on every row
		known []int
		out   *mat.Dense // without ensemble: the fold's test outputs
	}
	results := make([]result, nTasks)
	errs := make([]error, nTasks)
	task := func(fctx context.Context, i int) error {
		if i == len(folds) {
			all := make([]int, n)
			for r := range all {
				all[r] = r
			}
			est, known, err := fitOn(fctx, all)
			results[i] = result{est: est, known: known}
			return err
		}
		f := folds[i]
		est, known, err := fitOn(fctx, f.Train)
		if err != nil {
			return err
		}
		out, err := outputs(est, rowsOf(X, f.Test), K)
		if err != nil {
			return err
		}
		if !m.Ensemble {
			if _, c := out.Dims(); K > 2 && len(known) != K {
				return ml.DataErrorf("a fold's training part has %d of the %d classes: cross_val_predict cannot align %d output columns", len(known), K, c)
			}
			results[i] = result{out: out}
			return nil
		}
		yt := make([]int, len(f.Test))
		for j, r := range f.Test {
			yt[j] = idx[r]
		}
		cal, err := fitCalibrators(est, known, out, yt, rowWeights(f.Test), K, m.Method)
		results[i] = result{cal: cal}
		return err
	}
	gctx, cancel := context.WithCancel(quiet)
	defer cancel()
	var mu sync.Mutex
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers(m.NJobs, nTasks) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := task(gctx, i); err != nil {
					errs[i] = err
					cancel()
					continue
				}
				mu.Lock()
				if ctx.Err() == nil {
					report()
				}
				mu.Unlock()
			}
		}()
	}
	for i := range nTasks {
		if gctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	// The first failing fold's error, as the sequential order gives it
	// (a fold cancelled by another's failure is not the cause).
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	var pairs []*calibrated
	if m.Ensemble {
		for _, r := range results {
			pairs = append(pairs, r.cal)
		}
	} else {
		// cross_val_predict: each row's output from the fold that tests it.
		var out *mat.Dense
		for i, f := range folds {
			o := results[i].out
			if out == nil {
				_, c := o.Dims()
				out = mat.NewDense(n, c, nil)
			}
			for j, r := range f.Test {
				copy(out.RawRowView(r), o.RawRowView(j))
			}
		}
		last := results[len(folds)]
		cal, err := fitCalibrators(last.est, last.known, out, idx, w, K, m.Method)
		if err != nil {
			return err
		}
		pairs = []*calibrated{cal}
	}
	m.classes, m.nFeat, m.pairs = classes, d, pairs
	return nil
}

func rowsOf(X *mat.Dense, rows []int) *mat.Dense {
	_, d := X.Dims()
	out := mat.NewDense(len(rows), d, nil)
	for i, r := range rows {
		copy(out.RawRowView(i), X.RawRowView(r))
	}
	return out
}

func take(y []float64, rows []int) []float64 {
	out := make([]float64, len(rows))
	for i, r := range rows {
		out[i] = y[r]
	}
	return out
}

// PredictProba returns the mean of the calibrated classifiers'
// probabilities.
func (m *CalibratedClassifierCV) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	if m.pairs == nil {
		return nil, ml.NotFittedError("CalibratedClassifierCV")
	}
	if err := ml.CheckX(X, m.nFeat); err != nil {
		return nil, err
	}
	K := len(m.classes)
	var mean *mat.Dense
	for _, cal := range m.pairs {
		p, err := cal.proba(X, K)
		if err != nil {
			return nil, err
		}
		if mean == nil {
			mean = p
		} else {
			mean.Add(mean, p)
		}
	}
	mean.Scale(1/float64(len(m.pairs)), mean)
	return mean, nil
}

// Predict returns the class of the largest mean probability (the first
// on ties).
func (m *CalibratedClassifierCV) Predict(X *mat.Dense) ([]float64, error) {
	p, err := m.PredictProba(X)
	if err != nil {
		return nil, err
	}
	r, _ := p.Dims()
	out := make([]float64, r)
	for i := range out {
		row := p.RawRowView(i)
		best := 0
		for k, v := range row {
			if v > row[best] {
				best = k
			}
		}
		out[i] = m.classes[best]
	}
	return out, nil
}

// Classes returns the sorted class values seen by Fit.
func (m *CalibratedClassifierCV) Classes() []float64 { return slices.Clone(m.classes) }

// MarshalState returns the classes and, per calibrated classifier, the
// estimator's state, its class indices and its calibrators.
func (m *CalibratedClassifierCV) MarshalState() (*ml.State, error) {
	if m.pairs == nil {
		return nil, ml.NotFittedError("CalibratedClassifierCV")
	}
	s := ml.NewState()
	s.SetFloats("classes", m.classes)
	s.Attrs["n_features"] = json.RawMessage(fmt.Sprint(m.nFeat))
	s.Attrs["n_calibrated"] = json.RawMessage(fmt.Sprint(len(m.pairs)))
	for i, cal := range m.pairs {
		st, ok := cal.est.(ml.Stateful)
		if !ok {
			return nil, fmt.Errorf("CalibratedClassifierCV: %s cannot save its state", ml.ClassName(cal.est))
		}
		sub, err := st.MarshalState()
		if err != nil {
			return nil, err
		}
		p := fmt.Sprintf("calibrated%d.", i)
		for k, a := range sub.Arrays {
			s.Arrays[p+"estimator."+k] = a
		}
		for k, v := range sub.Attrs {
			s.Attrs[p+"estimator."+k] = v
		}
		s.SetInts(p+"classes", cal.known)
		if m.Method == "isotonic" {
			for j, iso := range cal.iso {
				s.SetFloats(fmt.Sprintf("%sisotonic%d.x", p, j), iso.x)
				s.SetFloats(fmt.Sprintf("%sisotonic%d.y", p, j), iso.y)
			}
		} else {
			ab := make([]float64, 0, 2*len(cal.sig))
			for _, v := range cal.sig {
				ab = append(ab, v[0], v[1])
			}
			s.SetFloats(p+"sigmoid", ab, len(cal.sig), 2)
		}
	}
	return s, nil
}

// UnmarshalState restores a state written by MarshalState; the estimators
// are built from the estimator parameter.
func (m *CalibratedClassifierCV) UnmarshalState(s *ml.State) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("CalibratedClassifierCV: state: "+format, args...)
	}
	classes, _, err := s.Floats("classes", -1)
	if err != nil {
		return fmt.Errorf("CalibratedClassifierCV: %w", err)
	}
	K := len(classes)
	if K < 2 {
		return bad("%d classes, expected at least 2", K)
	}
	for i, c := range classes {
		if math.IsNaN(c) || math.IsInf(c, 0) || i > 0 && c <= classes[i-1] {
			return bad("classes must be finite and strictly increasing")
		}
	}
	var nFeat, nCal int
	if json.Unmarshal(s.Attrs["n_features"], &nFeat) != nil || nFeat < 1 {
		return bad("n_features missing or not positive")
	}
	if json.Unmarshal(s.Attrs["n_calibrated"], &nCal) != nil || nCal < 1 || nCal > 1<<16 {
		return bad("n_calibrated missing or out of range")
	}
	pairs := make([]*calibrated, nCal)
	for i := range pairs {
		p := fmt.Sprintf("calibrated%d.", i)
		sub := ml.NewState()
		for k, a := range s.Arrays {
			if rest, ok := strings.CutPrefix(k, p+"estimator."); ok {
				sub.Arrays[rest] = a
			}
		}
		for k, v := range s.Attrs {
			if rest, ok := strings.CutPrefix(k, p+"estimator."); ok {
				sub.Attrs[rest] = v
			}
		}
		est, err := m.build()
		if err != nil {
			return err
		}
		st, ok := est.(ml.Stateful)
		if !ok {
			return bad("%s cannot load a state", ml.ClassName(est))
		}
		if err := st.UnmarshalState(sub); err != nil {
			return fmt.Errorf("CalibratedClassifierCV: estimator %d: %w", i, err)
		}
		known, err := knownClasses(est, K)
		if err != nil {
			return bad("estimator %d: %v", i, err)
		}
		kf, _, err := s.Floats(p+"classes", len(known))
		if err != nil {
			return fmt.Errorf("CalibratedClassifierCV: %w", err)
		}
		for j, v := range kf {
			if v != float64(known[j]) {
				return bad("estimator %d's classes do not match", i)
			}
		}
		nOut := len(known)
		if K == 2 {
			nOut = 1
		}
		cal := &calibrated{est: est, known: known, method: m.Method}
		if m.Method == "isotonic" {
			for j := range nOut {
				x, _, err := s.Floats(fmt.Sprintf("%sisotonic%d.x", p, j), -1)
				if err != nil {
					return fmt.Errorf("CalibratedClassifierCV: %w", err)
				}
				y, _, err := s.Floats(fmt.Sprintf("%sisotonic%d.y", p, j), len(x))
				if err != nil {
					return fmt.Errorf("CalibratedClassifierCV: %w", err)
				}
				iso, err := newIsotonic(x, y)
				if err != nil {
					return bad("estimator %d, calibrator %d: %v", i, j, err)
				}
				cal.iso = append(cal.iso, iso)
			}
		} else {
			ab, _, err := s.Floats(p+"sigmoid", nOut, 2)
			if err != nil {
				return fmt.Errorf("CalibratedClassifierCV: %w", err)
			}
			for j := range nOut {
				a, b := ab[2*j], ab[2*j+1]
				if math.IsNaN(a) || math.IsInf(a, 0) || math.IsNaN(b) || math.IsInf(b, 0) {
					return bad("sigmoid parameters must be finite")
				}
				cal.sig = append(cal.sig, [2]float64{a, b})
			}
		}
		pairs[i] = cal
	}
	m.classes, m.nFeat, m.pairs = slices.Clone(classes), nFeat, pairs
	return nil
}

// EstimateMemory is the estimator's estimate for each fitted one kept
// (one per fold with ensemble, else one) and for each fit in flight (one
// per worker, n_jobs of the folds at once), a copy of the data per fit in
// flight, and the outputs.
func (m *CalibratedClassifierCV) EstimateMemory(n, p, k int) int64 {
	est, err := m.build()
	if err != nil {
		return ml.DefaultMemoryEstimate(n, p, k)
	}
	one := ml.EstimateMemory(est, n, p, k)
	kept, tasks := int64(1), max(m.CV, 1)+1
	if m.Ensemble {
		kept, tasks = int64(max(m.CV, 1)), max(m.CV, 1)
	}
	w := int64(workers(m.NJobs, tasks))
	total := budget.Add(budget.Mul(one, kept+w), budget.Mul(ml.DataBytes(n, p), w))
	return budget.Add(total, budget.Mul(16, int64(max(n, 0)), int64(max(k, 1)+1)))
}

// workers is the number of folds fitted at once for n_jobs and the number
// of tasks, as the ensembles count them: null (0) or -1 for every
// processor, -2 for all but one, and so on.
func workers(nJobs, tasks int) int {
	procs := runtime.GOMAXPROCS(0)
	w := nJobs
	switch {
	case nJobs == 0:
		w = procs
	case nJobs < 0:
		w = max(1, procs+1+nJobs)
	}
	return max(1, min(w, tasks))
}
