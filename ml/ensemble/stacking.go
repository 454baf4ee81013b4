package ensemble

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name: "StackingClassifier", Task: ml.Classification, Family: "ensemble",
		Doc: "Stacked generalisation: a final classifier fitted on the members' cross-validated probabilities or decisions.",
		New: func() ml.Estimator { return NewStackingClassifier() },
	})
	ml.Register(ml.ClassInfo{
		Name: "StackingRegressor", Task: ml.Regression, Family: "ensemble",
		Doc: "Stacked generalisation: a final regressor fitted on the members' cross-validated predictions.",
		New: func() ml.Estimator { return NewStackingRegressor() },
	})
}

// StackingParams are the hyperparameters both stacking ensembles share.
type StackingParams struct {
	Estimators     []NamedEstimator `json:"estimators" type:"[]named_estimator" help:"the members, each {\"name\": ..., \"class\": ..., \"params\": {...}}; at least one is needed to fit"`
	FinalEstimator EstimatorSpec    `json:"final_estimator" nullable:"true" help:"the estimator fitted on the members' outputs, {\"class\": ..., \"params\": {...}}; null is LogisticRegression for a classifier, Ridge for a regressor"`
	CV             int              `json:"cv" min:"2" help:"folds of the cross-validation that gives the final estimator its training data (stratified for a classifier, in order, without shuffling)"`
	Passthrough    bool             `json:"passthrough" help:"give the final estimator the original features as well"`
	NJobs          int              `json:"n_jobs" nullable:"true" help:"members fitted at once: null or -1 for all processors; the result does not depend on it"`
}

// StackingClassifier is scikit-learn 1.2's StackingClassifier with an
// integer cv: each member is fitted on the class indices of y, its
// cross-validated outputs over StratifiedKFold(cv) (scikit-learn's folds,
// unshuffled) train the final estimator, and the members refitted on all
// rows give the final estimator its inputs at prediction time. stack_method
// "auto" takes a member's PredictProba (the second column only for two
// classes), else its DecisionFunction, else its Predict.
type StackingClassifier struct {
	StackingParams
	StackMethod string `json:"stack_method" enum:"auto,predict_proba,decision_function,predict" help:"the members' output stacked: auto tries predict_proba, decision_function, predict in turn"`

	members []ml.Estimator
	methods []string
	final   ml.Estimator
	classes []float64
	nFeat   int
}

// StackingRegressor is scikit-learn 1.2's StackingRegressor with an
// integer cv (KFold, unshuffled): the final estimator is fitted on the
// members' cross-validated predictions. Its default final estimator is
// Ridge, where scikit-learn's is RidgeCV, which mlforge does not have yet.
type StackingRegressor struct {
	StackingParams

	members []ml.Estimator
	final   ml.Estimator
	nFeat   int
}

// NewStackingClassifier returns scikit-learn's defaults: 5 folds,
// stack_method auto, LogisticRegression as the final estimator, no
// members yet.
func NewStackingClassifier() *StackingClassifier {
	return &StackingClassifier{StackingParams: StackingParams{CV: 5}, StackMethod: "auto"}
}

// NewStackingRegressor returns 5 folds and Ridge as the final estimator,
// with no members yet.
func NewStackingRegressor() *StackingRegressor {
	return &StackingRegressor{StackingParams: StackingParams{CV: 5}}
}

var (
	defaultFinalClassifier = EstimatorSpec{Class: "LogisticRegression"}
	defaultFinalRegressor  = EstimatorSpec{Class: "Ridge"}
)

// Validate checks the members' names and kinds, the final estimator and
// that every member has the stack method asked for.
func (m *StackingClassifier) Validate() error {
	vp := VotingParams{Estimators: m.Estimators}
	if err := vp.validate(); err != nil {
		return err
	}
	for _, e := range m.Estimators {
		est, err := e.build(-1)
		if err != nil {
			return &ml.ParamError{Param: "estimators", Msg: err.Error()}
		}
		if _, ok := est.(ml.Classifier); !ok {
			return &ml.ParamError{Param: "estimators", Msg: fmt.Sprintf("%q (%s) is not a classifier", e.Name, e.Class)}
		}
		if stackMethod(est, m.StackMethod) == "" {
			return &ml.ParamError{Param: "stack_method", Msg: fmt.Sprintf("%q (%s) has no %s", e.Name, e.Class, m.StackMethod)}
		}
	}
	f, err := m.FinalEstimator.orDefault(defaultFinalClassifier).build(-1)
	if err != nil {
		return &ml.ParamError{Param: "final_estimator", Msg: err.Error()}
	}
	if _, ok := f.(ml.Classifier); !ok {
		return &ml.ParamError{Param: "final_estimator", Msg: fmt.Sprintf("%s is not a classifier", ml.ClassName(f))}
	}
	return nil
}

// Validate checks the members' names and kinds and the final estimator.
func (m *StackingRegressor) Validate() error {
	vr := VotingRegressor{VotingParams: VotingParams{Estimators: m.Estimators}}
	if err := vr.Validate(); err != nil {
		return err
	}
	f, err := m.FinalEstimator.orDefault(defaultFinalRegressor).build(-1)
	if err != nil {
		return &ml.ParamError{Param: "final_estimator", Msg: err.Error()}
	}
	if _, cls := f.(ml.Classifier); cls {
		return &ml.ParamError{Param: "final_estimator", Msg: fmt.Sprintf("%s is a classifier, not a regressor", ml.ClassName(f))}
	}
	return nil
}

// stackMethod resolves stack_method for e: the method's name, or "" when e
// does not have it. A hard VotingClassifier has no probabilities.
func stackMethod(e ml.Estimator, want string) string {
	_, proba := e.(ml.ProbaPredictor)
	if a, ok := e.(interface{ HasPredictProba() bool }); ok {
		proba = proba && a.HasPredictProba()
	}
	_, dec := e.(ml.DecisionFunctioner)
	switch {
	case (want == "auto" || want == "predict_proba") && proba:
		return "predict_proba"
	case (want == "auto" || want == "decision_function") && dec:
		return "decision_function"
	case want == "auto" || want == "predict":
		return "predict"
	}
	return ""
}

// outputs returns e's stack method on X as columns: for two classes only
// the second probability, as scikit-learn stacks them.
func outputs(e ml.Estimator, method string, X *mat.Dense, nClasses int) (*mat.Dense, error) {
	switch method {
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
	case "decision_function":
		return e.(ml.DecisionFunctioner).DecisionFunction(X)
	}
	v, err := e.(ml.Predictor).Predict(X)
	if err != nil {
		return nil, err
	}
	return mat.NewDense(len(v), 1, v), nil
}

// stratifiedFolds is StratifiedKFold(k).split's test folds, unshuffled: the
// classes in order of first appearance, each class's rows given to the
// folds in blocks as np.bincount(y_order[i::k]) allots them.
func stratifiedFolds(y []int, k int) ([][]int, error) {
	// Classes in order of first appearance.
	order := map[int]int{}
	for _, c := range y {
		if _, ok := order[c]; !ok {
			order[c] = len(order)
		}
	}
	enc := make([]int, len(y))
	counts := make([]int, len(order))
	for i, c := range y {
		enc[i] = order[c]
		counts[enc[i]]++
	}
	if slices.Max(counts) < k {
		return nil, ml.DataErrorf("cv %d is more folds than the %d rows of the largest class", k, slices.Max(counts))
	}
	sorted := slices.Clone(enc)
	slices.Sort(sorted)
	alloc := make([][]int, k)
	for f := range alloc {
		alloc[f] = make([]int, len(counts))
		for i := f; i < len(sorted); i += k {
			alloc[f][sorted[i]]++
		}
	}
	testFold := make([]int, len(y))
	for c := range counts {
		var folds []int
		for f := range k {
			for range alloc[f][c] {
				folds = append(folds, f)
			}
		}
		j := 0
		for i, e := range enc {
			if e == c {
				testFold[i] = folds[j]
				j++
			}
		}
	}
	out := make([][]int, k)
	for i, f := range testFold {
		out[f] = append(out[f], i)
	}
	return out, nil
}

// kFolds is KFold(k).split's test folds, unshuffled: consecutive blocks,
// the first n % k one row longer.
func kFolds(n, k int) ([][]int, error) {
	if k > n {
		return nil, ml.DataErrorf("cv %d is more folds than the %d rows", k, n)
	}
	out := make([][]int, k)
	start := 0
	for f := range k {
		size := n / k
		if f < n%k {
			size++
		}
		for i := start; i < start+size; i++ {
			out[f] = append(out[f], i)
		}
		start += size
	}
	return out, nil
}

// crossValPredict is cross_val_predict: for each fold a new member fitted
// on the other rows gives its outputs on the fold's rows, in row order.
// Probabilities of classes a fold's training rows lack are 0, as
// scikit-learn's _enforce_prediction_order sets them.
func crossValPredict(ctx context.Context, spec EstimatorSpec, method string, X *mat.Dense, y, w []float64, folds [][]int, nClasses int) (*mat.Dense, error) {
	n, _ := X.Dims()
	var out *mat.Dense
	inFold := make([]bool, n)
	for _, test := range folds {
		clear(inFold)
		for _, i := range test {
			inFold[i] = true
		}
		var train []int
		for i := range n {
			if !inFold[i] {
				train = append(train, i)
			}
		}
		e, err := spec.build(-1)
		if err != nil {
			return nil, err
		}
		var wt []float64
		if w != nil {
			wt = take(w, train)
		}
		if err := fitWith(ml.WithProgress(ctx, ml.ReporterFunc(func(ml.Event) {})), e, takeRows(X, train), take(y, train), wt); err != nil {
			return nil, err
		}
		o, err := outputs(e, method, takeRows(X, test), 0)
		if err != nil {
			return nil, err
		}
		if method == "predict_proba" || method == "decision_function" && nClasses > 2 {
			if o, err = alignClasses(e, o, nClasses, method); err != nil {
				return nil, err
			}
		}
		if method == "predict_proba" && nClasses == 2 {
			r, _ := o.Dims()
			o = mat.DenseCopyOf(o.Slice(0, r, 1, 2))
		}
		_, c := o.Dims()
		if out == nil {
			out = mat.NewDense(n, c, nil)
		} else if _, oc := out.Dims(); oc != c {
			return nil, ml.DataErrorf("%s gives %d outputs on one fold and %d on another: a fold's training rows lack a class (use fewer folds)", spec.Class, oc, c)
		}
		for j, i := range test {
			out.SetRow(i, o.RawRowView(j))
		}
	}
	return out, nil
}

// alignClasses puts the columns of a member fitted on a fold into the
// columns of all nClasses class indices (0 for probabilities of missing
// classes; a decision function must have them all).
func alignClasses(e ml.Estimator, o *mat.Dense, nClasses int, method string) (*mat.Dense, error) {
	cls := e.(ml.Classifier).Classes()
	if len(cls) == nClasses {
		return o, nil
	}
	if method != "predict_proba" {
		return nil, ml.DataErrorf("a fold's training rows have %d of the %d classes: its decision function cannot be stacked (use fewer folds)", len(cls), nClasses)
	}
	r, _ := o.Dims()
	out := mat.NewDense(r, nClasses, nil)
	for j, c := range cls {
		for i := range r {
			out.Set(i, int(c), o.At(i, j))
		}
	}
	return out, nil
}

// fitStack fits the members on all rows and cross-validated, and the final
// estimator on the stacked outputs, each with the sample weights w (nil
// for none) as scikit-learn 1.2's fit(X, y, sample_weight) does.
func (p *StackingParams) fitStack(ctx context.Context, X *mat.Dense, y, w []float64, folds [][]int, methods []string, nClasses int, final EstimatorSpec) ([]ml.Estimator, ml.Estimator, error) {
	vp := VotingParams{Estimators: p.Estimators, NJobs: p.NJobs}
	members, err := vp.fitMembers(ctx, X, y, w)
	if err != nil {
		return nil, nil, err
	}
	meta, err := p.stackCV(ctx, X, y, w, folds, methods, nClasses)
	if err != nil {
		return nil, nil, err
	}
	f, err := final.build(-1)
	if err != nil {
		return nil, nil, err
	}
	if err := fitWith(ml.WithProgress(ctx, ml.ReporterFunc(func(ml.Event) {})), f, meta, y, w); err != nil {
		return nil, nil, fmt.Errorf("final_estimator: %w", err)
	}
	return members, f, nil
}

// stackCV returns the members' cross-validated outputs side by side, with
// X after them under passthrough.
func (p *StackingParams) stackCV(ctx context.Context, X *mat.Dense, y, w []float64, folds [][]int, methods []string, nClasses int) (*mat.Dense, error) {
	var blocks []*mat.Dense
	for i, e := range p.Estimators {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		o, err := crossValPredict(ctx, e.EstimatorSpec, methods[i], X, y, w, folds, nClasses)
		if err != nil {
			return nil, fmt.Errorf("estimator %q: %w", e.Name, err)
		}
		blocks = append(blocks, o)
	}
	if p.Passthrough {
		blocks = append(blocks, X)
	}
	return hstack(blocks), nil
}

func hstack(blocks []*mat.Dense) *mat.Dense {
	n, _ := blocks[0].Dims()
	c := 0
	for _, b := range blocks {
		_, bc := b.Dims()
		c += bc
	}
	out := mat.NewDense(n, c, nil)
	off := 0
	for _, b := range blocks {
		_, bc := b.Dims()
		out.Slice(0, n, off, off+bc).(*mat.Dense).Copy(b)
		off += bc
	}
	return out
}

// Fit fits the members and the final estimator on X and the class indices
// of y.
func (m *StackingClassifier) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): the members (on all rows and
// on each fold's training rows) and the final estimator are fitted with
// the weights; one that does not take them is refused.
func (m *StackingClassifier) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	if len(m.Estimators) == 0 {
		return &ml.ParamError{Param: "estimators", Msg: "no estimators: give at least one {\"name\", \"class\", \"params\"}"}
	}
	if err := ml.CheckSampleWeight(w, len(y)); err != nil {
		return err
	}
	classes, idx, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	yi := make([]float64, len(idx))
	for i, c := range idx {
		yi[i] = float64(c)
	}
	folds, err := stratifiedFolds(idx, m.CV)
	if err != nil {
		return err
	}
	methods := make([]string, len(m.Estimators))
	for i, e := range m.Estimators {
		est, err := e.build(-1)
		if err != nil {
			return err
		}
		methods[i] = stackMethod(est, m.StackMethod)
	}
	members, final, err := m.fitStack(ctx, X, yi, w, folds, methods, len(classes), m.FinalEstimator.orDefault(defaultFinalClassifier))
	if err != nil {
		return err
	}
	_, p := X.Dims()
	m.members, m.methods, m.final, m.classes, m.nFeat = members, methods, final, classes, p
	return nil
}

// Transform returns the members' outputs side by side (and X after them
// under passthrough): the final estimator's input.
func (m *StackingClassifier) Transform(X *mat.Dense) (*mat.Dense, error) {
	if m.members == nil {
		return nil, ml.NotFittedError("StackingClassifier")
	}
	if err := ml.CheckX(X, m.nFeat); err != nil {
		return nil, err
	}
	var blocks []*mat.Dense
	for i, e := range m.members {
		o, err := outputs(e, m.methods[i], X, len(m.classes))
		if err != nil {
			return nil, err
		}
		blocks = append(blocks, o)
	}
	if m.Passthrough {
		blocks = append(blocks, X)
	}
	return hstack(blocks), nil
}

// Predict returns the final estimator's classes for the stacked outputs.
func (m *StackingClassifier) Predict(X *mat.Dense) ([]float64, error) {
	Z, err := m.Transform(X)
	if err != nil {
		return nil, err
	}
	v, err := m.final.(ml.Predictor).Predict(Z)
	if err != nil {
		return nil, err
	}
	for i, c := range v {
		k := int(c)
		if c != float64(k) || k < 0 || k >= len(m.classes) {
			return nil, fmt.Errorf("StackingClassifier: the final estimator predicted %v, not a class index", c)
		}
		v[i] = m.classes[k]
	}
	return v, nil
}

// HasPredictProba reports whether the final estimator gives
// probabilities.
func (m *StackingClassifier) HasPredictProba() bool {
	f, err := m.FinalEstimator.orDefault(defaultFinalClassifier).build(-1)
	return err == nil && stackMethod(f, "predict_proba") == "predict_proba"
}

// PredictProba returns the final estimator's probabilities.
func (m *StackingClassifier) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	Z, err := m.Transform(X)
	if err != nil {
		return nil, err
	}
	pp, ok := m.final.(ml.ProbaPredictor)
	if !ok {
		return nil, &ml.ParamError{Param: "final_estimator", Msg: fmt.Sprintf("%s has no predict_proba", ml.ClassName(m.final))}
	}
	return pp.PredictProba(Z)
}

// Classes returns the sorted class values seen by Fit.
func (m *StackingClassifier) Classes() []float64 { return slices.Clone(m.classes) }

// Fit fits the members and the final estimator on X and y.
func (m *StackingRegressor) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): the members (on all rows and
// on each fold's training rows) and the final estimator are fitted with
// the weights; one that does not take them is refused.
func (m *StackingRegressor) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	if len(m.Estimators) == 0 {
		return &ml.ParamError{Param: "estimators", Msg: "no estimators: give at least one {\"name\", \"class\", \"params\"}"}
	}
	if err := ml.CheckSampleWeight(w, len(y)); err != nil {
		return err
	}
	n, p := X.Dims()
	folds, err := kFolds(n, m.CV)
	if err != nil {
		return err
	}
	methods := make([]string, len(m.Estimators))
	for i := range methods {
		methods[i] = "predict"
	}
	members, final, err := m.fitStack(ctx, X, y, w, folds, methods, 0, m.FinalEstimator.orDefault(defaultFinalRegressor))
	if err != nil {
		return err
	}
	m.members, m.final, m.nFeat = members, final, p
	return nil
}

// Transform returns the members' predictions side by side (and X after
// them under passthrough).
func (m *StackingRegressor) Transform(X *mat.Dense) (*mat.Dense, error) {
	if m.members == nil {
		return nil, ml.NotFittedError("StackingRegressor")
	}
	if err := ml.CheckX(X, m.nFeat); err != nil {
		return nil, err
	}
	var blocks []*mat.Dense
	for _, e := range m.members {
		o, err := outputs(e, "predict", X, 0)
		if err != nil {
			return nil, err
		}
		blocks = append(blocks, o)
	}
	if m.Passthrough {
		blocks = append(blocks, X)
	}
	return hstack(blocks), nil
}

// Predict returns the final estimator's prediction for the stacked
// predictions.
func (m *StackingRegressor) Predict(X *mat.Dense) ([]float64, error) {
	Z, err := m.Transform(X)
	if err != nil {
		return nil, err
	}
	return m.final.(ml.Predictor).Predict(Z)
}

// marshalStack stores the members' and the final estimator's states.
func marshalStack(s *ml.State, members []ml.Estimator, final ml.Estimator, nFeat int) error {
	if err := marshalVoting(s, members); err != nil {
		return err
	}
	s.SetAttr("n_features_in", nFeat)
	st, ok := final.(ml.Stateful)
	if !ok {
		return fmt.Errorf("ensemble: %s cannot be saved", ml.ClassName(final))
	}
	sub, err := st.MarshalState()
	if err != nil {
		return err
	}
	mergeState(s, sub, "final_estimator.")
	return nil
}

func unmarshalStack(s *ml.State, name string, specs []NamedEstimator, final EstimatorSpec) ([]ml.Estimator, ml.Estimator, int, error) {
	members, err := unmarshalVoting(s, name, specs)
	if err != nil {
		return nil, nil, 0, err
	}
	var nFeat int
	if err := s.Attr("n_features_in", &nFeat); err != nil || nFeat < 1 {
		return nil, nil, 0, fmt.Errorf("%s: state: n_features_in missing or < 1", name)
	}
	f, err := final.build(-1)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%s: %w", name, err)
	}
	st, ok := f.(ml.Stateful)
	if !ok {
		return nil, nil, 0, fmt.Errorf("%s: %s cannot be loaded", name, final.Class)
	}
	if err := st.UnmarshalState(subState(s, "final_estimator.")); err != nil {
		return nil, nil, 0, fmt.Errorf("%s: final_estimator: %w", name, err)
	}
	return members, f, nFeat, nil
}

// MarshalState returns the classes and the members' and final estimator's
// states.
func (m *StackingClassifier) MarshalState() (*ml.State, error) {
	if m.members == nil {
		return nil, ml.NotFittedError("StackingClassifier")
	}
	s := ml.NewState()
	s.SetFloats("classes", m.classes)
	s.SetAttr("stack_methods", m.methods)
	return s, marshalStack(s, m.members, m.final, m.nFeat)
}

// UnmarshalState restores a state written by MarshalState.
func (m *StackingClassifier) UnmarshalState(s *ml.State) error {
	classes, _, err := s.Floats("classes", -1)
	if err != nil {
		return fmt.Errorf("StackingClassifier: %w", err)
	}
	for i, c := range classes {
		if math.IsNaN(c) || math.IsInf(c, 0) || i > 0 && c <= classes[i-1] {
			return fmt.Errorf("StackingClassifier: state: classes must be finite and strictly increasing")
		}
	}
	if len(classes) < 2 {
		return fmt.Errorf("StackingClassifier: state: %d classes, expected at least 2", len(classes))
	}
	var methods []string
	if err := s.Attr("stack_methods", &methods); err != nil {
		return fmt.Errorf("StackingClassifier: %w", err)
	}
	members, final, nFeat, err := unmarshalStack(s, "StackingClassifier", m.Estimators, m.FinalEstimator.orDefault(defaultFinalClassifier))
	if err != nil {
		return err
	}
	if len(methods) != len(members) {
		return fmt.Errorf("StackingClassifier: state: %d stack methods for %d estimators", len(methods), len(members))
	}
	for i, e := range members {
		if stackMethod(e, methods[i]) != methods[i] {
			return fmt.Errorf("StackingClassifier: state: estimator %d has no %q", i, methods[i])
		}
	}
	m.members, m.methods, m.final, m.nFeat, m.classes = members, methods, final, nFeat, slices.Clone(classes)
	return nil
}

// MarshalState returns the members' and final estimator's states.
func (m *StackingRegressor) MarshalState() (*ml.State, error) {
	if m.members == nil {
		return nil, ml.NotFittedError("StackingRegressor")
	}
	s := ml.NewState()
	return s, marshalStack(s, m.members, m.final, m.nFeat)
}

// UnmarshalState restores a state written by MarshalState.
func (m *StackingRegressor) UnmarshalState(s *ml.State) error {
	members, final, nFeat, err := unmarshalStack(s, "StackingRegressor", m.Estimators, m.FinalEstimator.orDefault(defaultFinalRegressor))
	if err != nil {
		return err
	}
	m.members, m.final, m.nFeat = members, final, nFeat
	return nil
}

// estimate counts the members fitted cv+1 times, the final estimator on
// their outputs and the fold copies of X.
func (p *StackingParams) estimate(n, f, k int, final EstimatorSpec) int64 {
	vp := VotingParams{Estimators: p.Estimators}
	total := budget.Mul(int64(p.CV+1), vp.estimate(n, f, k))
	cols := max(k, 1)*len(p.Estimators) + f
	if fe, err := final.build(-1); err == nil {
		total = budget.Add(total, ml.EstimateMemory(fe, n, cols, k))
	}
	return budget.Add(total, budget.Mul(3, ml.DataBytes(n, f)), ml.DataBytes(n, cols))
}

// EstimateMemory bounds Fit's memory (see StackingParams.estimate).
func (m *StackingClassifier) EstimateMemory(n, p, k int) int64 {
	return m.estimate(n, p, k, m.FinalEstimator.orDefault(defaultFinalClassifier))
}

// EstimateMemory bounds Fit's memory (see StackingParams.estimate).
func (m *StackingRegressor) EstimateMemory(n, p, k int) int64 {
	return m.estimate(n, p, 1, m.FinalEstimator.orDefault(defaultFinalRegressor))
}
