package mltest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/metrics"
	"github.com/mlforge/mlforge/param"
)

// SkipError is what a check returns when it does not apply to the class:
// Reason says why. CheckWith reports it through t.Skip, Run in
// Result.Skipped, and RunCheck returns it (test with errors.As).
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return "check does not apply: " + e.Reason }

func skipf(format string, args ...any) error {
	return &SkipError{Reason: fmt.Sprintf(format, args...)}
}

// Exemption says that one check does not apply to one registered class,
// and why.
type Exemption struct {
	Class, Check, Reason string
}

// exemptions is the one table of the checks that do not apply to a class,
// each with its reason. A check consults it only where the class cannot
// show that the check applies (no progress event to cancel at, a score it
// is not meant to reach); an exemption that turns out not to be needed (the
// class reports progress after all) fails the check, so the table stays
// true.
var exemptions = []Exemption{
	// learns (scikit-learn's poor_score tag).
	{"BernoulliNB", "learns", "with its default binarize 0 the suite's features (all positive) all become 1, leaving nothing to learn; scikit-learn 1.2.1's BernoulliNB predicts one class on them too"},
	{"MLPRegressor", "learns", "with its defaults it does not fit the suite's unscaled data: scikit-learn 1.2.1's own MLPRegressor scores R² between -2.3 and -0.5 on it; scikit-learn's check passes only because it standardises X and y first"},

	// outputs, its comparison of the outputs on a subset of rows with the
	// batch's only: Transform solves for all the rows at once, so a row's
	// output depends on the rows beside it.
	{"NMF", "outputs", "rows alone and in a batch: Transform solves for W of all the rows together, as scikit-learn's does: one stopping test on the whole batch, regularisation scaled by the number of rows (and the mu solver's start by the mean of X)"},

	// cancel_during_fit: Fit is one pass with no iterations to report, so
	// there is no step at which to cancel (cancelled_context still checks
	// that a cancelled context stops Fit before it starts).
	{"LinearRegression", "cancel_during_fit", "closed form: one least-squares solve, no iterations"},
	{"Ridge", "cancel_during_fit", "closed form: one regularised least-squares solve, no iterations"},
	{"RidgeClassifier", "cancel_during_fit", "closed form: one regularised least-squares solve for all classes, no iterations"},
	{"GaussianNB", "cancel_during_fit", "one pass for the class means and variances, no iterations"},
	{"KNeighborsClassifier", "cancel_during_fit", "Fit stores the training set (and builds a k-d tree): no iterations"},
	{"KNeighborsRegressor", "cancel_during_fit", "Fit stores the training set (and builds a k-d tree): no iterations"},
	{"RadiusNeighborsClassifier", "cancel_during_fit", "Fit stores the training set (and builds a k-d tree): no iterations"},
	{"RadiusNeighborsRegressor", "cancel_during_fit", "Fit stores the training set (and builds a k-d tree): no iterations"},
	{"NearestCentroid", "cancel_during_fit", "Fit is one pass computing the class means (or medians): no iterations"},
	{"StandardScaler", "cancel_during_fit", "one pass for the means and variances, no iterations"},
	{"MinMaxScaler", "cancel_during_fit", "one pass for the minima and maxima, no iterations"},
	{"SimpleImputer", "cancel_during_fit", "one pass for the fill values, no iterations"},
	{"MaxAbsScaler", "cancel_during_fit", "one pass for the maxima, no iterations"},
	{"Normalizer", "cancel_during_fit", "stateless: Fit records the number of features"},
	{"PolynomialFeatures", "cancel_during_fit", "Fit lists the output terms, no iterations"},
	{"FunctionTransformer", "cancel_during_fit", "stateless: Fit records the number of features"},
	{"PCA", "cancel_during_fit", "one SVD (gonum's, which takes no context), no iteration events; cancelled_context still checks the start"},
	{"TruncatedSVD", "cancel_during_fit", "one SVD (gonum's, which takes no context), no iteration events; cancelled_context still checks the start"},
	{"DecisionTreeClassifier", "cancel_during_fit", "the tree grows node by node with no progress event to cancel at (it checks the context every few nodes and reports one stage event at the end)"},
	{"DecisionTreeRegressor", "cancel_during_fit", "the tree grows node by node with no progress event to cancel at (it checks the context every few nodes and reports one stage event at the end)"},
}

// Exemptions returns a copy of the table of exemptions.
func Exemptions() []Exemption { return slices.Clone(exemptions) }

// exemption returns the reason class is exempt from check, if it is.
func exemption(class, check string) (string, bool) {
	for _, e := range exemptions {
		if e.Class == class && e.Check == check {
			return e.Reason, true
		}
	}
	return "", false
}

func checkStateful(s *suite) error {
	e, err := s.new()
	if err != nil {
		return err
	}
	if _, ok := e.(ml.Stateful); !ok {
		return fmt.Errorf("%T does not implement ml.Stateful (MarshalState, UnmarshalState)", e)
	}
	var problems []error
	switch s.kind {
	case kindClassifier:
		if _, ok := e.(ml.Classifier); !ok {
			problems = append(problems, fmt.Errorf("%T is registered for classification but does not implement ml.Classifier", e))
		}
	case kindRegressor:
		if _, ok := e.(ml.Predictor); !ok {
			problems = append(problems, fmt.Errorf("%T is registered for regression but does not implement ml.Predictor", e))
		}
	case kindTransformer:
		_, tr := e.(ml.Transformer)
		_, fitOnly := e.(ml.FitTransformer)
		if !tr && !fitOnly {
			problems = append(problems, fmt.Errorf("%T is registered as a transformer but implements neither ml.Transformer nor ml.FitTransformer", e))
		}
	}
	return errors.Join(problems...)
}

func checkNotFitted(s *suite) error {
	e, err := s.new()
	if err != nil {
		return err
	}
	var problems []error
	want := func(what string, err error) {
		switch {
		case err == nil:
			problems = append(problems, fmt.Errorf("%s before Fit returned no error, want one wrapping ml.ErrNotFitted", what))
		case !errors.Is(err, ml.ErrNotFitted):
			problems = append(problems, fmt.Errorf("%s before Fit: error %q does not wrap ml.ErrNotFitted", what, err))
		}
	}
	for _, m := range methods(e) {
		want(m.name, safe(m.name, func() error { _, _, err := m.call(s.data.XTest); return err }))
	}
	if st, ok := e.(ml.Stateful); ok {
		var got *ml.State
		err := safe("MarshalState", func() error { var err error; got, err = st.MarshalState(); return err })
		want("MarshalState", err)
		if err == nil && got != nil {
			problems = append(problems, fmt.Errorf("MarshalState before Fit returned a state with %d arrays", len(got.Arrays)))
		}
	}
	return errors.Join(problems...)
}

func checkDeterministic(s *suite) error {
	e1, o1, err := s.fitCollect(s.data)
	if err != nil {
		return err
	}
	_, o2, err := s.fitCollect(s.data)
	if err != nil {
		return err
	}
	if err := diff(o2, o1); err != nil {
		return fmt.Errorf("two fits with the same parameters (%s) differ: %w", paramsText(s.params), err)
	}
	if s.opts.Params == nil && s.params != nil {
		// Also with every default, random_state included: mlforge has no
		// global generator, so the defaults are seeded too.
		d := *s
		d.params = nil
		_, a, err := d.fitCollect(s.data)
		if err != nil {
			return fmt.Errorf("with default parameters: %w", err)
		}
		_, b, err := d.fitCollect(s.data)
		if err != nil {
			return fmt.Errorf("with default parameters: %w", err)
		}
		if err := diff(b, a); err != nil {
			return fmt.Errorf("two fits with the default parameters differ (the default random_state must be a fixed seed): %w", err)
		}
	}
	c, err := ml.Clone(e1)
	if err != nil {
		return fmt.Errorf("ml.Clone: %w", err)
	}
	p1, err1 := ml.Params(e1)
	pc, err2 := ml.Params(c)
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("ml.Params: %w", err)
	}
	if !bytes.Equal(p1, pc) {
		return fmt.Errorf("ml.Clone changed the parameters: %s, want %s", pc, p1)
	}
	for _, m := range methods(c) {
		if err := safe(m.name, func() error { _, _, err := m.call(s.data.XTest); return err }); !errors.Is(err, ml.ErrNotFitted) {
			return fmt.Errorf("%s on a clone of a fitted estimator: got error %v, want one wrapping ml.ErrNotFitted (a clone is unfitted)", m.name, err)
		}
	}
	if err := s.fitOn(context.Background(), c, s.data.X, s.data.y); err != nil {
		return fmt.Errorf("Fit of a clone: %w", err)
	}
	oc, err := collect(c, s.data.XTest)
	if err != nil {
		return fmt.Errorf("clone: %w", err)
	}
	if err := diff(oc, o1); err != nil {
		return fmt.Errorf("a fitted clone differs from the original: %w", err)
	}
	return nil
}

func checkParamsUnchanged(s *suite) error {
	e, err := s.new()
	if err != nil {
		return err
	}
	before, err := ml.Params(e)
	if err != nil {
		return err
	}
	if err := s.fitOn(context.Background(), e, s.data.X, s.data.y); err != nil {
		return fmt.Errorf("Fit: %w", err)
	}
	after, err := ml.Params(e)
	if err != nil {
		return err
	}
	if !bytes.Equal(before, after) {
		return fmt.Errorf("Fit changed the hyperparameters from %s to %s: keep resolved values (\"auto\", defaults) in unexported fields", before, after)
	}
	return nil
}

func paramsText(p []byte) string {
	if p == nil {
		return "defaults"
	}
	return string(p)
}

func checkInputsNotMutated(s *suite) error {
	X := mat.DenseCopyOf(s.data.X)
	y := cloneFloats(s.data.y)
	e, err := s.new()
	if err != nil {
		return err
	}
	if err := fitRaw(context.Background(), e, X, y); err != nil {
		return fmt.Errorf("Fit: %w", err)
	}
	var problems []error
	if err := diffDense("X", X, s.data.X); err != nil {
		problems = append(problems, fmt.Errorf("Fit changed its input: %w", err))
	}
	if err := diffFloats("y", y, s.data.y); err != nil {
		problems = append(problems, fmt.Errorf("Fit changed its input: %w", err))
	}
	var transformed *mat.Dense
	for _, m := range methods(e) {
		base := s.data.XTest
		if m.inverse {
			if transformed == nil {
				continue
			}
			base = transformed
		}
		in := mat.DenseCopyOf(base)
		var res *mat.Dense
		if err := safe(m.name, func() error { var err error; _, res, err = m.call(in); return err }); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", m.name, err))
			continue
		}
		if m.name == "Transform" {
			transformed = mat.DenseCopyOf(res)
		}
		if err := diffDense("X", in, base); err != nil {
			problems = append(problems, fmt.Errorf("%s changed its input: %w", m.name, err))
		}
	}
	return errors.Join(problems...)
}

func checkNoAliasing(s *suite) error {
	X := mat.DenseCopyOf(s.data.X)
	y := cloneFloats(s.data.y)
	e, err := s.new()
	if err != nil {
		return err
	}
	if err := fitRaw(context.Background(), e, X, y); err != nil {
		return fmt.Errorf("Fit: %w", err)
	}
	before, err := collect(e, s.data.XTest)
	if err != nil {
		return err
	}
	want := before.clone()
	r, c := X.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			X.Set(i, j, 1e6+float64(i*c+j))
		}
	}
	for i := range y {
		y[i] = 12345
	}
	after, err := collect(e, s.data.XTest)
	if err != nil {
		return fmt.Errorf("after overwriting the training X and y: %w", err)
	}
	if err := diff(after, want); err != nil {
		return fmt.Errorf("overwriting the X and y passed to Fit changed the model, which must copy what it keeps: %w", err)
	}
	after.scribble()
	again, err := collect(e, s.data.XTest)
	if err != nil {
		return err
	}
	if err := diff(again, want); err != nil {
		return fmt.Errorf("overwriting a returned slice or matrix (Predict, Classes, PredictProba, ...) changed the model, which must return copies: %w", err)
	}
	return nil
}

// wantBadInput describes what is wrong unless err is marked as bad input.
func wantBadInput(what string, err error) error {
	switch {
	case err == nil:
		return fmt.Errorf("%s: no error", what)
	case panicked(err):
		return fmt.Errorf("%s: %w", what, err)
	case !ml.IsBadInput(err):
		return fmt.Errorf("%s: error %q is not marked as bad input (ml.IsBadInput is false): return an *ml.DataError, as ml.CheckX and ml.CheckXy do", what, err)
	}
	return nil
}

// withValue returns a copy of X with X[i, j] = v.
func withValue(X *mat.Dense, i, j int, v float64) *mat.Dense {
	c := mat.DenseCopyOf(X)
	c.Set(i, j, v)
	return c
}

// withCols returns a copy of X with n columns: X's first columns, then
// columns of ones.
func withCols(X *mat.Dense, n int) *mat.Dense {
	r, c := X.Dims()
	out := mat.NewDense(r, n, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < n; j++ {
			if j < c {
				out.Set(i, j, X.At(i, j))
			} else {
				out.Set(i, j, 1)
			}
		}
	}
	return out
}

func withY(y []float64, i int, v float64) []float64 {
	c := cloneFloats(y)
	c[i] = v
	return c
}

func checkBadInput(s *suite) error {
	d := s.data
	r, _ := d.X.Dims()
	type fitCase struct {
		what string
		X    *mat.Dense
		y    []float64
		nan  bool
	}
	cases := []fitCase{
		{"Fit with X nil", nil, d.y, false},
		{"Fit with X empty", &mat.Dense{}, d.y, false},
		{"Fit with NaN in X", withValue(d.X, 3, 1, math.NaN()), d.y, true},
		{"Fit with +Inf in X", withValue(d.X, 5, 2, math.Inf(1)), d.y, false},
		{"Fit with -Inf in X", withValue(d.X, 7, 0, math.Inf(-1)), d.y, false},
	}
	if s.supervised() {
		cases = append(cases,
			fitCase{"Fit with y nil", d.X, nil, false},
			fitCase{fmt.Sprintf("Fit with %d rows in X and %d values in y", r, r-1), d.X, d.y[:r-1], false},
			fitCase{fmt.Sprintf("Fit with %d rows in X and %d values in y", r, r+1), d.X, append(cloneFloats(d.y), d.y[0]), false},
			fitCase{"Fit with NaN in y", d.X, withY(d.y, 7, math.NaN()), false},
			fitCase{"Fit with +Inf in y", d.X, withY(d.y, 4, math.Inf(1)), false},
		)
	}
	if s.kind == kindClassifier {
		one := make([]float64, r)
		for i := range one {
			one[i] = d.y[0]
		}
		cases = append(cases, fitCase{"Fit with a single class in y", d.X, one, false})
	}
	var problems []error
	// Tiny but valid inputs: Fit may accept them or refuse them with a
	// bad-input error, and must not panic.
	tiny := []fitCase{
		{"Fit with 1 sample", mat.DenseCopyOf(d.X.Slice(0, 1, 0, d.X.RawMatrix().Cols)), nil, false},
		{"Fit with 1 feature", mat.DenseCopyOf(d.X.Slice(0, r, 0, 1)), d.y, false},
	}
	if s.supervised() {
		tiny[0].y = d.y[:1]
	}
	for _, c := range tiny {
		e, err := s.new()
		if err != nil {
			return err
		}
		err = s.fitOn(context.Background(), e, c.X, c.y)
		if err == nil {
			// Whatever it fitted must then predict without panicking.
			_, err = collect(e, c.X)
			if err != nil && !panicked(err) {
				err = nil
			}
		}
		if err != nil {
			if p := wantBadInput(c.what, err); p != nil {
				problems = append(problems, p)
			}
		}
	}
	for _, c := range cases {
		e, err := s.new()
		if err != nil {
			return err
		}
		err = s.fitOn(context.Background(), e, c.X, c.y)
		if c.nan && s.opts.AllowNaN {
			if err != nil && panicked(err) {
				problems = append(problems, fmt.Errorf("%s: %w", c.what, err))
			}
			continue
		}
		if p := wantBadInput(c.what, err); p != nil {
			problems = append(problems, p)
		}
	}

	e, err := s.fit(context.Background(), d)
	if err != nil {
		return fmt.Errorf("Fit on %s: %w", d.name, err)
	}
	var transformed *mat.Dense
	for _, m := range methods(e) {
		base := d.XTest
		if m.inverse {
			if transformed == nil {
				continue
			}
			base = transformed
		}
		if m.name == "Transform" {
			if err := safe(m.name, func() error { var err error; _, transformed, err = m.call(base); return err }); err != nil {
				problems = append(problems, fmt.Errorf("Transform on good input: %w", err))
			}
		}
		_, w := base.Dims()
		type predCase struct {
			what string
			X    *mat.Dense
			nan  bool
		}
		pcs := []predCase{
			{"X nil", nil, false},
			{"X empty", &mat.Dense{}, false},
			{fmt.Sprintf("X with %d features instead of %d", w+1, w), withCols(base, w+1), false},
			{"NaN in X", withValue(base, 2, w-1, math.NaN()), true},
			{"+Inf in X", withValue(base, 1, 0, math.Inf(1)), false},
		}
		if w > 1 {
			pcs = append(pcs, predCase{fmt.Sprintf("X with %d features instead of %d", w-1, w), withCols(base, w-1), false})
		}
		for _, pc := range pcs {
			what := m.name + " with " + pc.what
			err := safe(m.name, func() error { _, _, err := m.call(pc.X); return err })
			if pc.nan && s.opts.AllowNaN {
				if err != nil && panicked(err) {
					problems = append(problems, fmt.Errorf("%s: %w", what, err))
				}
				continue
			}
			if p := wantBadInput(what, err); p != nil {
				problems = append(problems, p)
			}
		}
	}
	return errors.Join(problems...)
}

func checkOutputs(s *suite) error {
	sets := []dataset{s.data}
	if s.kind == kindClassifier {
		sets = append(sets, binaryData())
	}
	var problems []error
	for _, d := range sets {
		e, o, err := s.fitCollect(d)
		if err != nil {
			return err
		}
		if err := s.checkShapes(d, o); err != nil {
			problems = append(problems, fmt.Errorf("on %s: %w", d.name, err))
		}
		// Outputs on a subset of rows must equal the same rows of the
		// outputs on the whole batch (to 1e-12 relative: batched kernels
		// may block sums differently).
		// A class whose outputs depend on the batch is listed in the
		// exemptions table for outputs (with some parameters, the
		// outputs may still happen to agree, so agreement is no error).
		_, batchExempt := exemption(s.info.Name, "outputs")
		for _, rows := range [][2]int{{3, 8}, {0, 1}} {
			sub := mat.DenseCopyOf(d.XTest.Slice(rows[0], rows[1], 0, d.XTest.RawMatrix().Cols))
			os, err := collect(e, sub)
			if err != nil {
				problems = append(problems, fmt.Errorf("on rows %d:%d of the test set: %w", rows[0], rows[1], err))
				continue
			}
			if err := subsetDiff(os, o, rows[0]); err != nil && !batchExempt {
				problems = append(problems, fmt.Errorf("on %s, rows %d:%d predicted alone differ from the same rows predicted in a batch: %w", d.name, rows[0], rows[1], err))
			}
		}
	}
	return errors.Join(problems...)
}

func subsetDiff(sub, full *outputs, off int) error {
	near := func(a, b float64) bool {
		return a == b || math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b))
	}
	for i, v := range sub.pred {
		if !near(v, full.pred[off+i]) {
			return fmt.Errorf("Predict[%d] = %v alone, %v in the batch", off+i, v, full.pred[off+i])
		}
	}
	for _, k := range full.order {
		if k == "InverseTransform" {
			continue // its input is Transform's output, compared already
		}
		m, ok := sub.mats[k]
		if !ok {
			return fmt.Errorf("%s is missing", k)
		}
		r, c := m.Dims()
		_, fc := full.mats[k].Dims()
		if c != fc {
			return fmt.Errorf("%s has %d columns alone, %d in the batch", k, c, fc)
		}
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				if a, b := m.At(i, j), full.mats[k].At(off+i, j); !near(a, b) {
					return fmt.Errorf("%s[%d, %d] = %v alone, %v in the batch", k, off+i, j, a, b)
				}
			}
		}
	}
	return nil
}

// checkShapes checks the outputs o of an estimator fitted on d.
func (s *suite) checkShapes(d dataset, o *outputs) error {
	n, nf := d.XTest.Dims()
	var problems []error
	bad := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }
	finite := func(what string, m *mat.Dense) {
		_, nanOK := inverseNaN[s.info.Name]
		nanOK = nanOK && what == "InverseTransform"
		r, c := m.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				if v := m.At(i, j); (math.IsNaN(v) && !nanOK) || math.IsInf(v, 0) {
					bad("%s[%d, %d] is %v on finite input", what, i, j, v)
					return
				}
			}
		}
	}
	if o.pred != nil && len(o.pred) != n {
		bad("Predict returned %d values for %d rows", len(o.pred), n)
	}
	for i, v := range o.pred {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			bad("Predict[%d] is %v on finite input", i, v)
			break
		}
	}
	if s.kind == kindClassifier {
		want := slices.Clone(d.y)
		slices.Sort(want)
		want = slices.Compact(want)
		if !slices.Equal(o.classes, want) {
			bad("Classes() = %v, want the sorted distinct training labels %v", o.classes, want)
		}
		for i, v := range o.pred {
			if !slices.Contains(want, v) {
				bad("Predict[%d] = %v is not one of the classes %v", i, v, want)
				break
			}
		}
		k := len(want)
		if p, ok := o.mats["PredictProba"]; ok {
			r, c := p.Dims()
			if r != n || c != k {
				bad("PredictProba is %dx%d, want %dx%d (a column per class)", r, c, n, k)
			} else {
				finite("PredictProba", p)
				for i := 0; i < r; i++ {
					sum := 0.0
					for j := 0; j < c; j++ {
						v := p.At(i, j)
						if v < -1e-12 || v > 1+1e-12 {
							bad("PredictProba[%d, %d] = %v is not in [0, 1]", i, j, v)
						}
						sum += v
					}
					// k values each rounded once: 1e-9 is far above
					// rounding and far below any real error.
					if math.Abs(sum-1) > 1e-9 {
						bad("row %d of PredictProba sums to %v, want 1", i, sum)
						break
					}
				}
			}
		}
		if df, ok := o.mats["DecisionFunction"]; ok {
			wantC := k
			if k == 2 {
				wantC = 1
			}
			if r, c := df.Dims(); r != n || c != wantC {
				bad("DecisionFunction is %dx%d, want %dx%d (one column for a binary problem, one per class otherwise)", r, c, n, wantC)
			} else {
				finite("DecisionFunction", df)
			}
		}
	}
	if t, ok := o.mats["Transform"]; ok {
		if r, c := t.Dims(); r != n || c < 1 {
			bad("Transform is %dx%d for %d rows", r, c, n)
		} else {
			finite("Transform", t)
		}
	}
	if t, ok := o.mats["InverseTransform"]; ok {
		if r, c := t.Dims(); r != n || c != nf {
			bad("InverseTransform is %dx%d, want %dx%d (the input's shape)", r, c, n, nf)
		} else {
			finite("InverseTransform", t)
		}
	}
	return errors.Join(problems...)
}

// checkLearns is scikit-learn's check_classifiers_train and
// check_regressors_train: on the suite's easy training sets a classifier
// reaches an accuracy of at least 0.83 and a regressor an R² of at least 0.5,
// both scikit-learn's thresholds, unless Options.PoorScore says the class is
// not meant to fit them (then it skips, with the exemption's reason).
func checkLearns(s *suite) error {
	if s.kind != kindClassifier && s.kind != kindRegressor {
		return skipf("%s is a transformer or clusterer: learns scores classifiers and regressors", s.info.Name)
	}
	if s.opts.PoorScore {
		reason, ok := exemption(s.info.Name, "learns")
		if !ok {
			reason = "the caller set Options.PoorScore"
		}
		return skipf("%s is exempt from learns (poor_score): %s", s.info.Name, reason)
	}
	sets := []dataset{s.data}
	if s.kind == kindClassifier {
		sets = append(sets, binaryData())
	}
	var problems []error
	for _, d := range sets {
		e, err := s.fit(context.Background(), d)
		if err != nil {
			return fmt.Errorf("Fit on %s: %w", d.name, err)
		}
		var pred []float64
		if err := safe("Predict", func() error { var err error; pred, err = e.(ml.Predictor).Predict(d.X); return err }); err != nil {
			return fmt.Errorf("Predict on the training set: %w", err)
		}
		if s.kind == kindClassifier {
			acc, err := metrics.AccuracyScore(d.y, pred)
			if err != nil {
				return err
			}
			if acc < 0.83 {
				problems = append(problems, fmt.Errorf("training accuracy on %s is %.3f, want ≥ 0.83", d.name, acc))
			}
			continue
		}
		r2, err := metrics.R2Score(d.y, pred)
		if err != nil {
			return err
		}
		if r2 < 0.5 {
			problems = append(problems, fmt.Errorf("training R² on %s is %.3f, want ≥ 0.5", d.name, r2))
		}
	}
	return errors.Join(problems...)
}

func checkConcurrentPredict(s *suite) error {
	e, err := s.fit(context.Background(), s.data)
	if err != nil {
		return fmt.Errorf("Fit: %w", err)
	}
	// Each worker predicts the test rows rotated by its own offset, so that
	// state shared between calls holds different rows at the same time.
	const workers = 4
	n, _ := s.data.XTest.Dims()
	inputs := make([]*mat.Dense, workers)
	wants := make([]*outputs, workers)
	for w := range workers {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = (i + 5*w) % n
		}
		inputs[w] = takeRows(s.data.XTest, idx)
		if wants[w], err = collect(e, inputs[w]); err != nil {
			return err
		}
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				got, err := collect(e, inputs[w])
				if err == nil {
					err = diff(got, wants[w])
				}
				if err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("prediction methods called from %d goroutines at once disagree with serial calls (a fitted model is served concurrently: keep scratch space out of the estimator): %w", workers, err)
	}
	return nil
}

// takeRows returns a new matrix of the rows idx of X.
func takeRows(X *mat.Dense, idx []int) *mat.Dense {
	_, c := X.Dims()
	out := mat.NewDense(len(idx), c, nil)
	for i, k := range idx {
		out.SetRow(i, X.RawRowView(k))
	}
	return out
}

func checkStateRoundTrip(s *suite) error {
	e, o, err := s.fitCollect(s.data)
	if err != nil {
		return err
	}
	sf, ok := e.(ml.Stateful)
	if !ok {
		return skipf("%T does not implement ml.Stateful, so there is no state to check (the stateful check fails)", e)
	}
	var st *ml.State
	if err := safe("MarshalState", func() error { var err error; st, err = sf.MarshalState(); return err }); err != nil {
		return fmt.Errorf("MarshalState after Fit: %w", err)
	}
	if err := CheckState(st); err != nil {
		return fmt.Errorf("MarshalState: %w", err)
	}
	if len(st.Arrays)+len(st.Attrs) == 0 {
		return fmt.Errorf("MarshalState after Fit returned an empty state")
	}
	b, err := EncodeState(st)
	if err != nil {
		return err
	}
	st2, err := DecodeState(b)
	if err != nil {
		return err
	}
	if err := diffState(st2, st); err != nil {
		return fmt.Errorf("mltest's own encoding lost data: %w", err)
	}
	fresh, err := s.new()
	if err != nil {
		return err
	}
	if err := safe("UnmarshalState", func() error { return fresh.(ml.Stateful).UnmarshalState(st2) }); err != nil {
		return fmt.Errorf("UnmarshalState of the state MarshalState wrote: %w", err)
	}
	got, err := collect(fresh, s.data.XTest)
	if err != nil {
		return fmt.Errorf("after UnmarshalState: %w", err)
	}
	if err := diff(got, o); err != nil {
		return fmt.Errorf("after a save and load the outputs differ: %w", err)
	}
	var st3 *ml.State
	if err := safe("MarshalState", func() error { var err error; st3, err = fresh.(ml.Stateful).MarshalState(); return err }); err != nil {
		return fmt.Errorf("MarshalState after UnmarshalState: %w", err)
	}
	if err := diffState(st3, st); err != nil {
		return fmt.Errorf("MarshalState after UnmarshalState differs from the state loaded: %w", err)
	}
	return nil
}

func checkStateTampered(s *suite) error {
	e, err := s.fit(context.Background(), s.data)
	if err != nil {
		return fmt.Errorf("Fit: %w", err)
	}
	sf, ok := e.(ml.Stateful)
	if !ok {
		return skipf("%T does not implement ml.Stateful, so there is no state to check (the stateful check fails)", e)
	}
	var st *ml.State
	if err := safe("MarshalState", func() error { var err error; st, err = sf.MarshalState(); return err }); err != nil {
		return fmt.Errorf("MarshalState after Fit: %w", err)
	}
	// A nil *ml.State is a programmer's mistake, not bad input: it is not
	// among the cases.
	cases := []tampered{{"nothing in it (an empty state)", true, ml.NewState()}}
	cases = append(cases, tamperings(st)...)
	var problems []error
	for _, c := range cases {
		fresh, err := s.new()
		if err != nil {
			return err
		}
		err = safe("UnmarshalState", func() error { return fresh.(ml.Stateful).UnmarshalState(c.st) })
		if err != nil {
			if panicked(err) {
				problems = append(problems, fmt.Errorf("UnmarshalState of a state with %s: %w", c.what, err))
			}
			continue
		}
		if c.strict {
			problems = append(problems, fmt.Errorf("UnmarshalState accepted a state with %s, want an error", c.what))
		}
		if _, err := collect(fresh, s.data.XTest); err != nil && panicked(err) {
			problems = append(problems, fmt.Errorf("after UnmarshalState of a state with %s: %w", c.what, err))
		}
	}
	return errors.Join(problems...)
}

func checkCancelledContext(s *suite) error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e, err := s.new()
	if err != nil {
		return err
	}
	err = s.fitOn(ctx, e, s.data.X, s.data.y)
	if !errors.Is(err, context.Canceled) {
		return fmt.Errorf("Fit with a cancelled context returned %v, want an error wrapping context.Canceled", err)
	}
	return nil
}

// eventText formats ev for a message, with the loss's value.
func eventText(ev ml.Event) string {
	b, err := json.Marshal(ev)
	if err != nil {
		return fmt.Sprintf("%+v", ev)
	}
	return string(b)
}

// isProgressStep reports whether ev marks a unit of iterative work.
func isProgressStep(ev ml.Event) bool {
	return ev.Kind == "iter" || ev.Kind == "step" || ev.Kind == "epoch"
}

func checkCancelDuringFit(s *suite) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var at *ml.Event
	after := 0
	rep := ml.ReporterFunc(func(ev ml.Event) {
		if !isProgressStep(ev) {
			return
		}
		if at != nil {
			after++
			return
		}
		at = &ev
		cancel()
	})
	e, err := s.new()
	if err != nil {
		return err
	}
	err = s.fitOn(ml.WithProgress(ctx, rep), e, s.data.X, s.data.y)
	reason, exempt := exemption(s.info.Name, "cancel_during_fit")
	if at == nil {
		if exempt {
			return skipf("Fit reports no iterations, so there is nothing to interrupt: %s", reason)
		}
		return fmt.Errorf("Fit reported no iter, step or epoch event, so cancelling during Fit was not tested: report progress (ml.ProgressFrom), or list %s in mltest's exemptions table with the reason it has no iterations", s.info.Name)
	}
	if exempt {
		return fmt.Errorf("%s is listed in mltest's exemptions table for cancel_during_fit (%s) but Fit reported %s: remove the exemption", s.info.Name, reason, eventText(*at))
	}
	if after > 1 {
		return fmt.Errorf("cancelled at event %s, Fit went on for %d more iterations, want at most 1", eventText(*at), after)
	}
	if err == nil {
		last := at.Total > 0 && at.Step >= at.Total || at.Epochs > 0 && at.Epoch >= at.Epochs
		if !last && after > 0 {
			return fmt.Errorf("cancelled at event %s, Fit ran on and returned no error, want one wrapping context.Canceled", eventText(*at))
		}
		return nil // cancelled at the last iteration, or converged there
	}
	if !errors.Is(err, context.Canceled) {
		return fmt.Errorf("cancelled during Fit, Fit returned %v, want an error wrapping context.Canceled", err)
	}
	return nil
}

func checkProgress(s *suite) error {
	var events []ml.Event
	rep := ml.ReporterFunc(func(ev ml.Event) { events = append(events, ev) })
	e, err := s.new()
	if err != nil {
		return err
	}
	if err := s.fitOn(ml.WithProgress(context.Background(), rep), e, s.data.X, s.data.y); err != nil {
		return fmt.Errorf("Fit with a progress reporter: %w", err)
	}
	var problems []error
	bad := func(i int, ev ml.Event, format string, args ...any) {
		problems = append(problems, fmt.Errorf("event %d %s: %s", i, eventText(ev), fmt.Sprintf(format, args...)))
	}
	// Steps count up within a kind and message: one-vs-rest fits, for
	// example, count each class's iterations from 1 under its own message.
	lastStep := map[string]int{}
	for i, ev := range events {
		seq := ev.Kind + "\x00" + ev.Message
		switch ev.Kind {
		case "iter", "step":
			if ev.Step < 1 {
				bad(i, ev, "Step is %d, want ≥ 1", ev.Step)
			}
			if ev.Step <= lastStep[seq] {
				bad(i, ev, "Step %d does not count up from the previous %d", ev.Step, lastStep[seq])
			}
			if ev.Total < 0 || ev.Total > 0 && ev.Step > ev.Total {
				bad(i, ev, "Step %d is beyond Total %d", ev.Step, ev.Total)
			}
			lastStep[seq] = ev.Step
		case "epoch":
			if ev.Epoch < 1 || ev.Epoch <= lastStep[seq] {
				bad(i, ev, "Epoch %d does not count up from %d", ev.Epoch, lastStep[seq]+1)
			}
			if ev.Epochs < 0 || ev.Epochs > 0 && ev.Epoch > ev.Epochs {
				bad(i, ev, "Epoch %d is beyond Epochs %d", ev.Epoch, ev.Epochs)
			}
			lastStep[seq] = ev.Epoch
		case "stage", "log":
			if ev.Message == "" {
				bad(i, ev, "a %s event without a Message", ev.Kind)
			}
		default:
			bad(i, ev, "unknown Kind %q, want iter, step, epoch, stage or log", ev.Kind)
		}
		if ev.Loss != nil && math.IsNaN(*ev.Loss) {
			bad(i, ev, "Loss is NaN")
		}
		for k, v := range ev.Metrics {
			if math.IsNaN(v) {
				bad(i, ev, "metric %q is NaN", k)
			}
		}
	}
	if len(problems) > 0 {
		return errors.Join(problems...)
	}
	withRep, err := collect(e, s.data.XTest)
	if err != nil {
		return err
	}
	_, without, err := s.fitCollect(s.data)
	if err != nil {
		return err
	}
	if err := diff(withRep, without); err != nil {
		return fmt.Errorf("fitting with a progress reporter gave another model than without: %w", err)
	}
	return nil
}

func checkRefit(s *suite) error {
	other := s.dataFor(otherData)
	e, err := s.fit(context.Background(), s.data)
	if err != nil {
		return fmt.Errorf("Fit on %s: %w", s.data.name, err)
	}
	if err := s.fitOn(context.Background(), e, other.X, other.y); err != nil {
		return fmt.Errorf("second Fit, on %s: %w", other.name, err)
	}
	got, err := collect(e, other.XTest)
	if err != nil {
		return fmt.Errorf("after a second Fit on %s: %w", other.name, err)
	}
	_, want, err := s.fitCollect(other)
	if err != nil {
		return err
	}
	if err := diff(got, want); err != nil {
		return fmt.Errorf("Fit on %s then on %s differs from a fresh Fit on the second (Fit must reset all fitted state): %w", s.data.name, other.name, err)
	}
	return nil
}

// badValues returns values out of p's tagged range, or nil when p has no
// range a plain field can break.
func badValues(p param.Info) []any {
	switch p.Type {
	case "string":
		if len(p.Enum) > 0 {
			return []any{"mltest-invalid-choice"}
		}
		return nil
	case "int", "float":
	default:
		return nil
	}
	step := 1.0
	if p.Type == "float" {
		step = 0.5
	}
	var out []any
	add := func(v float64) {
		if p.Nullable && v == 0 {
			return // zero means null, which is allowed
		}
		if p.Type == "int" {
			out = append(out, int64(math.Floor(v)))
		} else {
			out = append(out, v)
		}
	}
	if p.Min != nil {
		lo := *p.Min
		if p.Type == "int" {
			lo = math.Ceil(lo)
		}
		if p.MinExcl && lo == *p.Min {
			add(lo)
		} else {
			add(lo - step)
		}
	}
	if p.Max != nil {
		hi := *p.Max
		if p.Type == "int" {
			hi = math.Floor(hi)
		}
		if p.MaxExcl && hi == *p.Max {
			add(hi)
		} else {
			add(hi + step)
		}
	}
	return out
}

// setParam sets the exported field tagged json:name of e to v.
func setParam(e ml.Estimator, name string, v any) bool {
	rv := reflect.ValueOf(e).Elem()
	t := rv.Type()
	for i := 0; i < t.NumField(); i++ {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if tag != name || !t.Field(i).IsExported() {
			continue
		}
		f := rv.Field(i)
		switch x := v.(type) {
		case string:
			if f.Kind() == reflect.String {
				f.SetString(x)
				return true
			}
		case int64:
			if f.CanInt() {
				f.SetInt(x)
				return true
			}
		case float64:
			if f.CanFloat() {
				f.SetFloat(x)
				return true
			}
		}
		return false
	}
	return false
}

func checkFitValidatesParams(s *suite) error {
	var problems []error
	for _, p := range s.info.Params {
		for _, v := range badValues(p) {
			e, err := s.new()
			if err != nil {
				return err
			}
			if !setParam(e, p.Name, v) {
				continue
			}
			err = s.fitOn(context.Background(), e, s.data.X, s.data.y)
			var pe *ml.ParamError
			switch {
			case err == nil:
				problems = append(problems, fmt.Errorf("Fit with %s = %v (out of range) returned no error: call ml.ValidateParams(e) first", p.Name, v))
			case !errors.As(err, &pe):
				problems = append(problems, fmt.Errorf("Fit with %s = %v (out of range) returned %q, want an *ml.ParamError (from ml.ValidateParams)", p.Name, v, err))
			case pe.Param != p.Name:
				problems = append(problems, fmt.Errorf("Fit with %s = %v (out of range) blamed parameter %q", p.Name, v, pe.Param))
			}
		}
	}
	return errors.Join(problems...)
}
