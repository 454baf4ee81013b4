package mltest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// The fakes below are small estimators written for the suite's own tests: a
// correct one of each task, and classifiers with one deliberate bug each,
// chosen by a type parameter so that every variant is its own Go type (the
// registry maps types to classes).

type bug interface{ name() string }

type (
	noBug         struct{}
	mutatesX      struct{}
	ignoresNaN    struct{}
	randomFit     struct{}
	noNotFitted   struct{}
	panicsOnShape struct{}
	keepsX        struct{}
	noCancel      struct{}
	laxState      struct{}
	noValidate    struct{}
	badProba      struct{}
	staleRefit    struct{}
	aliasClasses  struct{}
	badEvents     struct{}
	plainErrors   struct{}
	lossyState    struct{}
	changesParams struct{}
	panicsOnTiny  struct{}
	sharedBuffer  struct{}
	poorFit       struct{}
)

func (noBug) name() string         { return "" }
func (mutatesX) name() string      { return "mutatesX" }
func (ignoresNaN) name() string    { return "ignoresNaN" }
func (randomFit) name() string     { return "randomFit" }
func (noNotFitted) name() string   { return "noNotFitted" }
func (panicsOnShape) name() string { return "panicsOnShape" }
func (keepsX) name() string        { return "keepsX" }
func (noCancel) name() string      { return "noCancel" }
func (laxState) name() string      { return "laxState" }
func (noValidate) name() string    { return "noValidate" }
func (badProba) name() string      { return "badProba" }
func (staleRefit) name() string    { return "staleRefit" }
func (aliasClasses) name() string  { return "aliasClasses" }
func (badEvents) name() string     { return "badEvents" }
func (plainErrors) name() string   { return "plainErrors" }
func (lossyState) name() string    { return "lossyState" }
func (changesParams) name() string { return "changesParams" }
func (panicsOnTiny) name() string  { return "panicsOnTiny" }
func (sharedBuffer) name() string  { return "sharedBuffer" }
func (poorFit) name() string       { return "poorFit" }

// fakeCentroid is a nearest-centroid classifier whose centroids are shrunk
// towards the overall mean for max_iter iterations (to have iterations to
// report and cancel), with probabilities softmax(-squared distance).
type fakeCentroid[B bug] struct {
	MaxIter int     `json:"max_iter" min:"1" help:"shrinkage iterations"`
	Shrink  float64 `json:"shrink" min:"0" max:"1" help:"shrinkage per iteration"`
	Metric  string  `json:"metric" enum:"euclidean,manhattan" help:"distance"`
	// RandomState is unused; it is here so that the suite takes the path
	// for seeded classes.
	RandomState int `json:"random_state" min:"0" help:"seed"`

	classes   []float64
	centroids *mat.Dense
	trainX    *mat.Dense
	scratch   []float64 // the sharedBuffer bug: per-call scratch kept in the estimator
}

func newFakeCentroid[B bug]() ml.Estimator {
	return &fakeCentroid[B]{MaxIter: 5, Shrink: 0.1, Metric: "euclidean"}
}

func (e *fakeCentroid[B]) has(b string) bool { var x B; return x.name() == b }

func (e *fakeCentroid[B]) badData(format string, args ...any) error {
	if e.has("plainErrors") {
		return fmt.Errorf(format, args...)
	}
	return ml.DataErrorf(format, args...)
}

func (e *fakeCentroid[B]) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if !e.has("noValidate") {
		if err := ml.ValidateParams(e); err != nil {
			return err
		}
	}
	if !e.has("noCancel") {
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	switch {
	case e.has("ignoresNaN"):
		if X == nil || X.IsEmpty() {
			return ml.DataErrorf("X is empty")
		}
		if r, _ := X.Dims(); len(y) != r {
			return ml.DataErrorf("bad y")
		}
	case e.has("plainErrors"):
		if err := ml.CheckXy(X, y); err != nil {
			return errors.New(err.Error())
		}
	default:
		if err := ml.CheckXy(X, y); err != nil {
			return err
		}
	}
	if e.has("mutatesX") {
		X.Set(0, 0, X.At(0, 0)+1)
	}
	r, c := X.Dims()
	if e.has("panicsOnTiny") && c == 1 {
		_ = X.At(0, 1)
	}
	if e.has("changesParams") {
		e.RandomState = 42
	}
	classes, idx, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	k := len(classes)
	cent := mat.NewDense(k, c, nil)
	counts := make([]float64, k)
	mean := make([]float64, c)
	for i := 0; i < r; i++ {
		counts[idx[i]]++
		for j := 0; j < c; j++ {
			cent.Set(idx[i], j, cent.At(idx[i], j)+X.At(i, j))
			mean[j] += X.At(i, j) / float64(r)
		}
	}
	for a := 0; a < k; a++ {
		for j := 0; j < c; j++ {
			cent.Set(a, j, cent.At(a, j)/counts[a])
		}
	}
	rep := ml.ProgressFrom(ctx)
	for it := 1; it <= e.MaxIter; it++ {
		if !e.has("noCancel") {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		loss := 0.0
		for a := 0; a < k; a++ {
			for j := 0; j < c; j++ {
				v := cent.At(a, j)*(1-e.Shrink) + mean[j]*e.Shrink
				loss += (v - cent.At(a, j)) * (v - cent.At(a, j))
				cent.Set(a, j, v)
			}
		}
		step := it
		if e.has("badEvents") {
			step = it - 1
		}
		rep.Report(ml.Event{Kind: "iter", Step: step, Total: e.MaxIter, Loss: &loss})
	}
	if e.has("randomFit") {
		cent.Set(0, 0, cent.At(0, 0)+rand.Float64()*1e-9)
	}
	if e.has("keepsX") {
		e.trainX = X
	}
	if e.has("staleRefit") && e.classes != nil {
		classes = e.classes
	}
	e.classes, e.centroids = classes, cent
	return nil
}

func (e *fakeCentroid[B]) Classes() []float64 {
	if e.has("aliasClasses") {
		return e.classes
	}
	return slices.Clone(e.classes)
}

func (e *fakeCentroid[B]) check(X *mat.Dense) error {
	if e.centroids == nil {
		if e.has("noNotFitted") {
			return errors.New("not ready")
		}
		return ml.NotFittedError("fakeCentroid")
	}
	if e.has("panicsOnShape") {
		return nil
	}
	_, c := e.centroids.Dims()
	err := ml.CheckX(X, c)
	if err != nil && e.has("plainErrors") {
		return errors.New(err.Error())
	}
	if err != nil && e.has("ignoresNaN") {
		if X == nil || X.IsEmpty() {
			return err
		}
		if _, xc := X.Dims(); xc != c {
			return err
		}
		return nil
	}
	return err
}

// scores returns -distance² to each centroid.
func (e *fakeCentroid[B]) scores(X *mat.Dense) (*mat.Dense, error) {
	if err := e.check(X); err != nil {
		return nil, err
	}
	r, _ := X.Dims()
	k, c := e.centroids.Dims()
	out := mat.NewDense(r, k, nil)
	for i := 0; i < r; i++ {
		row := X.RawRowView(i)
		if e.has("sharedBuffer") {
			e.scratch = append(e.scratch[:0], row...)
			runtime.Gosched()
			row = e.scratch
		}
		for a := 0; a < k; a++ {
			d := 0.0
			for j := 0; j < c; j++ {
				v := row[j] - e.centroids.At(a, j)
				if e.Metric == "manhattan" {
					d += math.Abs(v)
				} else {
					d += v * v
				}
			}
			if e.trainX != nil && a == 0 {
				d += 1e-3 * e.trainX.At(0, 0)
			}
			out.Set(i, a, -d)
		}
	}
	return out, nil
}

func (e *fakeCentroid[B]) Predict(X *mat.Dense) ([]float64, error) {
	s, err := e.scores(X)
	if err != nil {
		return nil, err
	}
	r, k := s.Dims()
	out := make([]float64, r)
	for i := 0; i < r; i++ {
		best := 0
		for a := 1; a < k; a++ {
			if s.At(i, a) > s.At(i, best) {
				best = a
			}
		}
		out[i] = e.classes[best]
		if e.has("poorFit") {
			out[i] = e.classes[(best+1)%k]
		}
	}
	return out, nil
}

func (e *fakeCentroid[B]) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	s, err := e.scores(X)
	if err != nil {
		return nil, err
	}
	r, k := s.Dims()
	for i := 0; i < r; i++ {
		row := s.RawRowView(i)
		m := slices.Max(row)
		sum := 0.0
		for a := range row {
			row[a] = math.Exp(row[a] - m)
			sum += row[a]
		}
		if !e.has("badProba") {
			for a := 0; a < k; a++ {
				row[a] /= sum
			}
		}
	}
	return s, nil
}

func (e *fakeCentroid[B]) DecisionFunction(X *mat.Dense) (*mat.Dense, error) {
	s, err := e.scores(X)
	if err != nil {
		return nil, err
	}
	r, k := s.Dims()
	if k != 2 {
		return s, nil
	}
	out := mat.NewDense(r, 1, nil)
	for i := 0; i < r; i++ {
		out.Set(i, 0, s.At(i, 1)-s.At(i, 0))
	}
	return out, nil
}

func (e *fakeCentroid[B]) MarshalState() (*ml.State, error) {
	if e.centroids == nil {
		return nil, ml.NotFittedError("fakeCentroid")
	}
	st := ml.NewState()
	k, c := e.centroids.Dims()
	st.SetFloats("classes", e.classes)
	if e.has("lossyState") {
		cent := mat.DenseCopyOf(e.centroids)
		for i := 0; i < k; i++ {
			for j := 0; j < c; j++ {
				cent.Set(i, j, float64(float32(cent.At(i, j))))
			}
		}
		st.SetFloats("centroids", cent.RawMatrix().Data, k, c)
	} else {
		st.SetFloats("centroids", mat.DenseCopyOf(e.centroids).RawMatrix().Data, k, c)
	}
	st.SetAttr("n_features_in_", c)
	return st, nil
}

func (e *fakeCentroid[B]) UnmarshalState(st *ml.State) error {
	if e.has("laxState") {
		cl := st.Arrays["classes"]
		ce := st.Arrays["centroids"]
		e.classes = cl.F64
		e.centroids = mat.NewDense(ce.Shape[0], ce.Shape[1], ce.F64)
		return nil
	}
	if st == nil {
		return errors.New("nil state")
	}
	var nf int
	if err := st.Attr("n_features_in_", &nf); err != nil {
		return err
	}
	classes, _, err := st.Floats("classes", -1)
	if err != nil {
		return err
	}
	if len(classes) < 2 {
		return fmt.Errorf("state: %d classes", len(classes))
	}
	cent, _, err := st.Floats("centroids", len(classes), nf)
	if err != nil {
		return err
	}
	e.classes = slices.Clone(classes)
	e.centroids = mat.NewDense(len(classes), nf, slices.Clone(cent))
	return nil
}

// fakeLinear is least squares with an intercept, solved by QR.
type fakeLinear struct {
	FitIntercept bool `json:"fit_intercept" help:"fit an intercept"`

	coef      []float64
	intercept float64
}

func (e *fakeLinear) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ml.ValidateParams(e); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	r, c := X.Dims()
	A := mat.NewDense(r, c+1, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			A.Set(i, j, X.At(i, j))
		}
		if e.FitIntercept {
			A.Set(i, c, 1)
		}
	}
	var w mat.VecDense
	if err := w.SolveVec(A, mat.NewVecDense(r, slices.Clone(y))); err != nil {
		return ml.DataErrorf("least squares: %v", err)
	}
	e.coef = make([]float64, c)
	for j := range e.coef {
		e.coef[j] = w.AtVec(j)
	}
	e.intercept = w.AtVec(c)
	return nil
}

func (e *fakeLinear) Predict(X *mat.Dense) ([]float64, error) {
	if e.coef == nil {
		return nil, ml.NotFittedError("fakeLinear")
	}
	if err := ml.CheckX(X, len(e.coef)); err != nil {
		return nil, err
	}
	r, _ := X.Dims()
	out := make([]float64, r)
	for i := range out {
		s := e.intercept
		for j, w := range e.coef {
			s += w * X.At(i, j)
		}
		out[i] = s
	}
	return out, nil
}

func (e *fakeLinear) MarshalState() (*ml.State, error) {
	if e.coef == nil {
		return nil, ml.NotFittedError("fakeLinear")
	}
	st := ml.NewState()
	st.SetFloats("coef_", e.coef)
	st.SetAttr("intercept_", e.intercept)
	return st, nil
}

func (e *fakeLinear) UnmarshalState(st *ml.State) error {
	if st == nil {
		return errors.New("nil state")
	}
	coef, _, err := st.Floats("coef_", -1)
	if err != nil {
		return err
	}
	if len(coef) == 0 {
		return errors.New("state: empty coef_")
	}
	var b float64
	if err := st.Attr("intercept_", &b); err != nil {
		return err
	}
	e.coef, e.intercept = slices.Clone(coef), b
	return nil
}

// fakeScaler standardises each feature; with allowNaN it ignores NaN in
// fitting and passes it through, as scikit-learn's StandardScaler does.
type fakeScaler[B bug] struct {
	WithMean bool `json:"with_mean" help:"centre"`

	mean, scale []float64
}

func (e *fakeScaler[B]) allowNaN() bool { var b B; return b.name() == "ignoresNaN" }

func (e *fakeScaler[B]) checkX(X *mat.Dense, nf int) error {
	if !e.allowNaN() {
		return ml.CheckX(X, nf)
	}
	if X == nil || X.IsEmpty() {
		return ml.DataErrorf("X is empty")
	}
	r, c := X.Dims()
	if nf > 0 && c != nf {
		return ml.DataErrorf("X has %d features, want %d", c, nf)
	}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if math.IsInf(X.At(i, j), 0) {
				return ml.DataErrorf("X[%d, %d] is infinite", i, j)
			}
		}
	}
	return nil
}

func (e *fakeScaler[B]) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := e.checkX(X, 0); err != nil {
		return err
	}
	r, c := X.Dims()
	e.mean, e.scale = make([]float64, c), make([]float64, c)
	for j := 0; j < c; j++ {
		var s, ss, n float64
		for i := 0; i < r; i++ {
			if v := X.At(i, j); !math.IsNaN(v) {
				s, ss, n = s+v, ss+v*v, n+1
			}
		}
		if e.WithMean && n > 0 {
			e.mean[j] = s / n
		}
		sd := math.Sqrt(max(ss/max(n, 1)-(s/max(n, 1))*(s/max(n, 1)), 0))
		if sd == 0 {
			sd = 1
		}
		e.scale[j] = sd
	}
	return nil
}

func (e *fakeScaler[B]) apply(X *mat.Dense, inverse bool) (*mat.Dense, error) {
	if e.mean == nil {
		return nil, ml.NotFittedError("fakeScaler")
	}
	if err := e.checkX(X, len(e.mean)); err != nil {
		return nil, err
	}
	r, c := X.Dims()
	out := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if inverse {
				out.Set(i, j, X.At(i, j)*e.scale[j]+e.mean[j])
			} else {
				out.Set(i, j, (X.At(i, j)-e.mean[j])/e.scale[j])
			}
		}
	}
	return out, nil
}

func (e *fakeScaler[B]) Transform(X *mat.Dense) (*mat.Dense, error) { return e.apply(X, false) }

func (e *fakeScaler[B]) InverseTransform(X *mat.Dense) (*mat.Dense, error) {
	return e.apply(X, true)
}

func (e *fakeScaler[B]) MarshalState() (*ml.State, error) {
	if e.mean == nil {
		return nil, ml.NotFittedError("fakeScaler")
	}
	st := ml.NewState()
	st.SetFloats("mean_", e.mean)
	st.SetFloats("scale_", e.scale)
	return st, nil
}

func (e *fakeScaler[B]) UnmarshalState(st *ml.State) error {
	if st == nil {
		return errors.New("nil state")
	}
	mean, _, err := st.Floats("mean_", -1)
	if err != nil {
		return err
	}
	scale, _, err := st.Floats("scale_", len(mean))
	if err != nil {
		return err
	}
	if len(mean) == 0 {
		return errors.New("state: no features")
	}
	e.mean, e.scale = slices.Clone(mean), slices.Clone(scale)
	return nil
}

// fakeNoState is a regressor that predicts the mean and cannot be saved.
type fakeNoState struct {
	mean *float64
	nf   int
}

func (e *fakeNoState) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	m := 0.0
	for _, v := range y {
		m += v / float64(len(y))
	}
	e.mean, e.nf = &m, X.RawMatrix().Cols
	return nil
}

func (e *fakeNoState) Predict(X *mat.Dense) ([]float64, error) {
	if e.mean == nil {
		return nil, ml.NotFittedError("fakeNoState")
	}
	if err := ml.CheckX(X, e.nf); err != nil {
		return nil, err
	}
	out := make([]float64, X.RawMatrix().Rows)
	for i := range out {
		out[i] = *e.mean
	}
	return out, nil
}

// classifierBugs maps each registered faulty classifier to the checks it
// must fail; every other check must pass.
var classifierBugs = map[string][]string{
	"FakeMutatesX":      {"inputs_not_mutated"},
	"FakeIgnoresNaN":    {"bad_input"},
	"FakeRandomFit":     {"deterministic", "refit", "progress"},
	"FakeNoNotFitted":   {"not_fitted", "deterministic"},
	"FakePanicsOnShape": {"bad_input"},
	"FakeKeepsX":        {"no_aliasing", "state_round_trip"},
	"FakeNoCancel":      {"cancelled_context", "cancel_during_fit"},
	"FakeLaxState":      {"state_tampered"},
	"FakeNoValidate":    {"fit_validates_params"},
	"FakeBadProba":      {"outputs"},
	"FakeStaleRefit":    {"refit"},
	"FakeAliasClasses":  {"no_aliasing"},
	"FakeBadEvents":     {"progress"},
	"FakePlainErrors":   {"bad_input"},
	"FakeLossyState":    {"state_round_trip"},
	"FakeChangesParams": {"params_unchanged"},
	"FakePanicsOnTiny":  {"bad_input"},
	"FakePoorFit":       {"learns"},
}

func init() {
	reg := func(name string, task ml.Task, newFn func() ml.Estimator) {
		ml.Register(ml.ClassInfo{Name: name, Task: task, Family: "mltest", Doc: "A fake " + string(task) + " estimator for mltest's own tests.", New: newFn})
	}
	reg("FakeCentroid", ml.Classification, newFakeCentroid[noBug])
	reg("FakeMutatesX", ml.Classification, newFakeCentroid[mutatesX])
	reg("FakeIgnoresNaN", ml.Classification, newFakeCentroid[ignoresNaN])
	reg("FakeRandomFit", ml.Classification, newFakeCentroid[randomFit])
	reg("FakeNoNotFitted", ml.Classification, newFakeCentroid[noNotFitted])
	reg("FakePanicsOnShape", ml.Classification, newFakeCentroid[panicsOnShape])
	reg("FakeKeepsX", ml.Classification, newFakeCentroid[keepsX])
	reg("FakeNoCancel", ml.Classification, newFakeCentroid[noCancel])
	reg("FakeLaxState", ml.Classification, newFakeCentroid[laxState])
	reg("FakeNoValidate", ml.Classification, newFakeCentroid[noValidate])
	reg("FakeBadProba", ml.Classification, newFakeCentroid[badProba])
	reg("FakeStaleRefit", ml.Classification, newFakeCentroid[staleRefit])
	reg("FakeAliasClasses", ml.Classification, newFakeCentroid[aliasClasses])
	reg("FakeBadEvents", ml.Classification, newFakeCentroid[badEvents])
	reg("FakePlainErrors", ml.Classification, newFakeCentroid[plainErrors])
	reg("FakeLossyState", ml.Classification, newFakeCentroid[lossyState])
	reg("FakeChangesParams", ml.Classification, newFakeCentroid[changesParams])
	reg("FakePanicsOnTiny", ml.Classification, newFakeCentroid[panicsOnTiny])
	reg("FakePoorFit", ml.Classification, newFakeCentroid[poorFit])
	reg("FakeLinear", ml.Regression, func() ml.Estimator { return &fakeLinear{FitIntercept: true} })
	reg("FakeScaler", ml.Transform, func() ml.Estimator { return &fakeScaler[noBug]{WithMean: true} })
	reg("FakeNaNScaler", ml.Transform, func() ml.Estimator { return &fakeScaler[ignoresNaN]{WithMean: true} })
	reg("FakeNoState", ml.Regression, func() ml.Estimator { return &fakeNoState{} })
	// The fakes without iterations, in the exemptions table like the real
	// classes.
	for _, c := range []string{"FakeLinear", "FakeScaler", "FakeNaNScaler", "FakeNoState"} {
		exemptions = append(exemptions, Exemption{c, "cancel_during_fit", "a fake that fits in one pass, no iterations"})
	}
}
