package mltest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime/debug"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// panicError is a panic turned into an error by safe.
type panicError struct {
	what  string
	value any
	stack []byte
}

func (p *panicError) Error() string {
	return fmt.Sprintf("%s panicked: %v\n%s", p.what, p.value, p.stack)
}

// panicked reports whether err comes from a panic.
func panicked(err error) bool {
	var p *panicError
	return errors.As(err, &p)
}

// panicStack returns the stack of a recovered panic from the frame that
// panicked on, at most 24 lines: enough to find the bug, short enough to read
// among many failures.
func panicStack() []byte {
	st := debug.Stack()
	// Skip this function, debug.Stack, the deferred function and the
	// runtime's panic frames.
	if i := bytes.Index(st, []byte("panic(")); i >= 0 {
		if j := bytes.IndexByte(st[i:], '\n'); j >= 0 {
			if k := bytes.IndexByte(st[i+j+1:], '\n'); k >= 0 {
				st = st[i+j+1+k+1:]
			}
		}
	}
	lines := bytes.SplitAfterN(st, []byte("\n"), 25)
	if len(lines) == 25 {
		lines = lines[:24]
	}
	return bytes.Join(lines, nil)
}

// safe calls f and turns a panic into an error naming what was called.
func safe(what string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{what, r, panicStack()}
		}
	}()
	return f()
}

// method is one of the prediction methods an estimator may have.
type method struct {
	name string
	// inverse marks InverseTransform, whose input is Transform's output.
	inverse bool
	call    func(X *mat.Dense) (vec []float64, m *mat.Dense, err error)
}

// methods lists the prediction methods e implements.
func methods(e ml.Estimator) []method {
	var ms []method
	if p, ok := e.(ml.Predictor); ok {
		ms = append(ms, method{name: "Predict", call: func(X *mat.Dense) ([]float64, *mat.Dense, error) {
			v, err := p.Predict(X)
			return v, nil, err
		}})
	}
	// A class whose PredictProba depends on its parameters (a hard
	// VotingClassifier has none, as in scikit-learn) says so.
	hasProba := true
	if a, ok := e.(interface{ HasPredictProba() bool }); ok {
		hasProba = a.HasPredictProba()
	}
	if p, ok := e.(ml.ProbaPredictor); ok && hasProba {
		ms = append(ms, method{name: "PredictProba", call: func(X *mat.Dense) ([]float64, *mat.Dense, error) {
			m, err := p.PredictProba(X)
			return nil, m, err
		}})
	}
	if p, ok := e.(ml.DecisionFunctioner); ok {
		ms = append(ms, method{name: "DecisionFunction", call: func(X *mat.Dense) ([]float64, *mat.Dense, error) {
			m, err := p.DecisionFunction(X)
			return nil, m, err
		}})
	}
	if p, ok := e.(ml.Transformer); ok {
		ms = append(ms, method{name: "Transform", call: func(X *mat.Dense) ([]float64, *mat.Dense, error) {
			m, err := p.Transform(X)
			return nil, m, err
		}})
	}
	if p, ok := e.(ml.InverseTransformer); ok {
		ms = append(ms, method{name: "InverseTransform", inverse: true, call: func(X *mat.Dense) ([]float64, *mat.Dense, error) {
			m, err := p.InverseTransform(X)
			return nil, m, err
		}})
	}
	return ms
}

// outputs holds everything a fitted estimator says about one X.
type outputs struct {
	pred    []float64
	classes []float64
	mats    map[string]*mat.Dense // by method name
	order   []string
}

// collect calls every prediction method of e on a copy of X (InverseTransform
// on the output of Transform) and records the results.
func collect(e ml.Estimator, X *mat.Dense) (*outputs, error) {
	o := &outputs{mats: map[string]*mat.Dense{}}
	X = mat.DenseCopyOf(X)
	var transformed *mat.Dense
	for _, m := range methods(e) {
		in := X
		if m.inverse {
			if transformed == nil {
				continue
			}
			in = transformed
		}
		var vec []float64
		var res *mat.Dense
		err := safe(m.name, func() error {
			var err error
			vec, res, err = m.call(in)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.name, err)
		}
		if m.name == "Predict" {
			if vec == nil {
				return nil, fmt.Errorf("Predict returned nil and no error")
			}
			o.pred = vec
		} else {
			if res == nil {
				return nil, fmt.Errorf("%s returned nil and no error", m.name)
			}
			o.mats[m.name] = res
			o.order = append(o.order, m.name)
		}
		if m.name == "Transform" {
			transformed = res
		}
	}
	if c, ok := e.(ml.Classifier); ok {
		if err := safe("Classes", func() error { o.classes = c.Classes(); return nil }); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// clone deep-copies o.
func (o *outputs) clone() *outputs {
	c := &outputs{pred: cloneFloats(o.pred), classes: cloneFloats(o.classes), mats: map[string]*mat.Dense{}, order: append([]string(nil), o.order...)}
	for k, m := range o.mats {
		c.mats[k] = mat.DenseCopyOf(m)
	}
	return c
}

// scribble overwrites every value in o, to see whether the estimator kept a
// reference to them.
func (o *outputs) scribble() {
	for i := range o.pred {
		o.pred[i] = -12345.5
	}
	for i := range o.classes {
		o.classes[i] = -12345.5
	}
	for _, m := range o.mats {
		r, c := m.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				m.Set(i, j, -12345.5)
			}
		}
	}
}

// diff describes how got differs from want, bit for bit, or returns nil.
func diff(got, want *outputs) error {
	var errs []error
	if err := diffFloats("Predict", got.pred, want.pred); err != nil {
		errs = append(errs, err)
	}
	if err := diffFloats("Classes", got.classes, want.classes); err != nil {
		errs = append(errs, err)
	}
	for _, k := range want.order {
		g, ok := got.mats[k]
		if !ok {
			errs = append(errs, fmt.Errorf("%s is missing", k))
			continue
		}
		if err := diffDense(k, g, want.mats[k]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func diffFloats(what string, got, want []float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%s has %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			return fmt.Errorf("%s[%d] = %v, want %v (bit for bit)", what, i, got[i], want[i])
		}
	}
	return nil
}

func diffDense(what string, got, want *mat.Dense) error {
	gr, gc := got.Dims()
	wr, wc := want.Dims()
	if gr != wr || gc != wc {
		return fmt.Errorf("%s is %dx%d, want %dx%d", what, gr, gc, wr, wc)
	}
	for i := 0; i < gr; i++ {
		for j := 0; j < gc; j++ {
			if math.Float64bits(got.At(i, j)) != math.Float64bits(want.At(i, j)) {
				return fmt.Errorf("%s[%d, %d] = %v, want %v (bit for bit)", what, i, j, got.At(i, j), want.At(i, j))
			}
		}
	}
	return nil
}

func cloneFloats(x []float64) []float64 {
	if x == nil {
		return nil
	}
	return append([]float64(nil), x...)
}

// fit builds a fresh estimator and fits it on d.
func (s *suite) fit(ctx context.Context, d dataset) (ml.Estimator, error) {
	e, err := s.new()
	if err != nil {
		return nil, err
	}
	if err := s.fitOn(ctx, e, d.X, d.y); err != nil {
		return nil, err
	}
	return e, nil
}

// fitOn calls e.Fit on copies of X and y (so that an estimator that
// mutates its input does not spoil the data of later checks), turning a
// panic into an error. Nil and empty X stay as they are.
func (s *suite) fitOn(ctx context.Context, e ml.Estimator, X *mat.Dense, y []float64) error {
	if X != nil && !X.IsEmpty() {
		X = mat.DenseCopyOf(X)
	}
	return fitRaw(ctx, e, X, cloneFloats(y))
}

// fitRaw calls e.Fit on X and y themselves, turning a panic into an error.
func fitRaw(ctx context.Context, e ml.Estimator, X *mat.Dense, y []float64) error {
	return safe("Fit", func() error { return e.Fit(ctx, X, y) })
}

// fitCollect fits a fresh estimator on d and collects its outputs on d.XTest.
func (s *suite) fitCollect(d dataset) (ml.Estimator, *outputs, error) {
	e, err := s.fit(context.Background(), d)
	if err != nil {
		return nil, nil, fmt.Errorf("Fit on %s: %w", d.name, err)
	}
	o, err := collect(e, d.XTest)
	if err != nil {
		return nil, nil, fmt.Errorf("after Fit on %s: %w", d.name, err)
	}
	return e, o, nil
}
