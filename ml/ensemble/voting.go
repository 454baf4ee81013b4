package ensemble

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/f64"
	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name: "VotingClassifier", Task: ml.Classification, Family: "ensemble",
		Doc: "Majority (hard) or probability-averaging (soft) vote of several registered classifiers.",
		New: func() ml.Estimator { return NewVotingClassifier() },
	})
	ml.Register(ml.ClassInfo{
		Name: "VotingRegressor", Task: ml.Regression, Family: "ensemble",
		Doc: "The (weighted) mean of the predictions of several registered regressors.",
		New: func() ml.Estimator { return NewVotingRegressor() },
	})
}

// NamedEstimator is one member of a voting ensemble: {"name": "lr",
// "class": "LogisticRegression", "params": {...}}, scikit-learn's (name,
// estimator) pair.
type NamedEstimator struct {
	Name string
	EstimatorSpec
}

// UnmarshalJSON reads {"name", "class", "params"} and checks the class and
// its parameters.
func (n *NamedEstimator) UnmarshalJSON(b []byte) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil || obj == nil {
		return fmt.Errorf(`expected {"name": ..., "class": ..., "params": {...}}`)
	}
	var name string
	if err := json.Unmarshal(obj["name"], &name); err != nil || name == "" {
		return fmt.Errorf(`expected a "name" (a non-empty string) beside "class"`)
	}
	delete(obj, "name")
	rest, _ := json.Marshal(obj)
	var spec EstimatorSpec
	if err := spec.UnmarshalJSON(rest); err != nil {
		return fmt.Errorf("estimator %q: %w", name, err)
	}
	if spec.Class == "" {
		return fmt.Errorf("estimator %q: expected a class", name)
	}
	*n = NamedEstimator{Name: name, EstimatorSpec: spec}
	return nil
}

// MarshalJSON writes {"name", "class", "params"}.
func (n NamedEstimator) MarshalJSON() ([]byte, error) {
	spec, err := n.EstimatorSpec.MarshalJSON()
	if err != nil {
		return nil, err
	}
	name, _ := json.Marshal(n.Name)
	return append(append([]byte(`{"name":`), name...), append([]byte(","), spec[1:]...)...), nil
}

// ParamType names the type in the catalogue.
func (n NamedEstimator) ParamType() (string, string) {
	return "named_estimator", `an object {"name": ..., "class": a registered estimator class, "params": its parameters}`
}

// VotingParams are the hyperparameters both voting ensembles share.
type VotingParams struct {
	Estimators []NamedEstimator `json:"estimators" type:"[]named_estimator" help:"the members, each {\"name\": ..., \"class\": ..., \"params\": {...}}; at least one is needed to fit"`
	Weights    []float64        `json:"weights" nullable:"true" min:"0" help:"weight of each member's vote or prediction, in order; null weighs them equally"`
	NJobs      int              `json:"n_jobs" nullable:"true" help:"members fitted at once: null or -1 for all processors; the result does not depend on it"`
}

// VotingClassifier is scikit-learn 1.2's VotingClassifier: each member is
// fitted on the class indices of y, and the ensemble predicts the class
// with the most (weighted) votes (voting "hard", the smallest on ties) or
// the largest (weighted) mean probability (voting "soft").
type VotingClassifier struct {
	VotingParams
	Voting string `json:"voting" enum:"hard,soft" help:"hard: majority of the predicted classes; soft: argmax of the mean probabilities (every member needs PredictProba)"`

	members []ml.Estimator
	classes []float64
}

// VotingRegressor is scikit-learn 1.2's VotingRegressor: the (weighted)
// mean of the members' predictions.
type VotingRegressor struct {
	VotingParams

	members []ml.Estimator
}

// NewVotingClassifier returns scikit-learn's defaults (hard voting, equal
// weights) with no members yet: estimators must be set before Fit.
func NewVotingClassifier() *VotingClassifier { return &VotingClassifier{Voting: "hard"} }

// NewVotingRegressor returns scikit-learn's defaults with no members yet.
func NewVotingRegressor() *VotingRegressor { return &VotingRegressor{} }

// validate checks the members' names and the weights' count.
func (p *VotingParams) validate() error {
	seen := map[string]bool{}
	for _, e := range p.Estimators {
		if e.Name == "" || strings.Contains(e.Name, "__") {
			return &ml.ParamError{Param: "estimators", Msg: fmt.Sprintf("name %q: names must be non-empty and without \"__\"", e.Name)}
		}
		if seen[e.Name] {
			return &ml.ParamError{Param: "estimators", Msg: fmt.Sprintf("name %q is used twice: names must be unique", e.Name)}
		}
		seen[e.Name] = true
	}
	if p.Weights != nil && len(p.Weights) != len(p.Estimators) {
		return &ml.ParamError{Param: "weights", Msg: fmt.Sprintf("%d weights for %d estimators: give one per estimator", len(p.Weights), len(p.Estimators))}
	}
	return nil
}

// Validate checks the names, the weights and that every member is a
// classifier (with PredictProba for soft voting).
func (m *VotingClassifier) Validate() error {
	if err := m.validate(); err != nil {
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
		if _, ok := est.(ml.ProbaPredictor); !ok && m.Voting == "soft" {
			return &ml.ParamError{Param: "voting", Msg: fmt.Sprintf("soft voting needs probabilities, which %q (%s) does not give", e.Name, e.Class)}
		}
	}
	return nil
}

// Validate checks the names, the weights and that every member is a
// regressor.
func (m *VotingRegressor) Validate() error {
	if err := m.validate(); err != nil {
		return err
	}
	for _, e := range m.Estimators {
		est, err := e.build(-1)
		if err != nil {
			return &ml.ParamError{Param: "estimators", Msg: err.Error()}
		}
		_, pred := est.(ml.Predictor)
		if _, cls := est.(ml.Classifier); cls || !pred {
			return &ml.ParamError{Param: "estimators", Msg: fmt.Sprintf("%q (%s) is not a regressor", e.Name, e.Class)}
		}
	}
	return nil
}

// fitMembers fits one new estimator per spec on X and y (with the sample
// weights w, nil for none), n_jobs at a time, reporting one event per
// member.
func (p *VotingParams) fitMembers(ctx context.Context, X *mat.Dense, y, w []float64) ([]ml.Estimator, error) {
	if len(p.Estimators) == 0 {
		return nil, &ml.ParamError{Param: "estimators", Msg: "no estimators: give at least one {\"name\", \"class\", \"params\"}"}
	}
	members := make([]ml.Estimator, len(p.Estimators))
	for i, e := range p.Estimators {
		est, err := e.build(-1)
		if err != nil {
			return nil, err
		}
		if _, ok := est.(weightedFitter); w != nil && !ok {
			return nil, &ml.ParamError{Param: "sample_weight", Msg: fmt.Sprintf("estimator %q: underlying estimator %s does not take sample weights", e.Name, e.Class)}
		}
		members[i] = est
	}
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	prog := &progress{ctx: ctx, r: ml.ProgressFrom(ctx), total: len(members), what: "estimators"}
	errs := make([]error, len(members))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers(p.NJobs, len(members)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				// A member's own progress is not the ensemble's.
				if err := fitWith(ml.WithProgress(gctx, ml.ReporterFunc(func(ml.Event) {})), members[i], X, y, w); err != nil {
					errs[i] = fmt.Errorf("estimator %q: %w", p.Estimators[i].Name, err)
					cancel()
					continue
				}
				prog.step()
			}
		}()
	}
	for i := range members {
		if gctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return members, nil
}

// weightsOrOnes returns the weights, or nil for equal ones.
func (p *VotingParams) weightsOrNil() []float64 { return p.Weights }

// Fit fits every member on X and the class indices of y.
func (m *VotingClassifier) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): every member is fitted with
// the weights, and one that does not take them is refused.
func (m *VotingClassifier) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
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
	if err := ml.CheckSampleWeight(w, len(y)); err != nil {
		return err
	}
	members, err := m.fitMembers(ctx, X, yi, w)
	if err != nil {
		return err
	}
	m.members, m.classes = members, classes
	return nil
}

func (m *VotingClassifier) check(X *mat.Dense) error {
	if m.members == nil {
		return ml.NotFittedError("VotingClassifier")
	}
	return nil
}

// HasPredictProba reports whether PredictProba is available: with soft
// voting only, as in scikit-learn.
func (m *VotingClassifier) HasPredictProba() bool { return m.Voting == "soft" }

// PredictProba returns the (weighted) mean of the members' probabilities;
// soft voting only, as in scikit-learn.
func (m *VotingClassifier) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	if err := m.check(X); err != nil {
		return nil, err
	}
	if m.Voting != "soft" {
		return nil, &ml.ParamError{Param: "voting", Msg: `predict_proba is not available when voting="hard"`}
	}
	return m.softProba(X)
}

func (m *VotingClassifier) softProba(X *mat.Dense) (*mat.Dense, error) {
	K := len(m.classes)
	var acc []float64
	w := m.weightsOrNil()
	for j, e := range m.members {
		p, err := e.(ml.ProbaPredictor).PredictProba(X)
		if err != nil {
			return nil, err
		}
		raw := p.RawMatrix()
		n := raw.Rows
		if raw.Cols != K {
			return nil, fmt.Errorf("VotingClassifier: estimator %q gives %d probabilities per row, expected %d", m.Estimators[j].Name, raw.Cols, K)
		}
		if acc == nil {
			acc = make([]float64, n*K)
		}
		for i := range n {
			for c := range K {
				v := raw.Data[i*raw.Stride+c]
				if w != nil {
					v *= w[j]
				}
				acc[i*K+c] += v
			}
		}
	}
	norm := float64(len(m.members))
	if w != nil {
		norm = f64.PairwiseSum(w)
	}
	for i := range acc {
		acc[i] /= norm
	}
	return mat.NewDense(len(acc)/K, K, acc), nil
}

// Predict returns the class with the most (weighted) votes, or of the
// largest mean probability with soft voting.
func (m *VotingClassifier) Predict(X *mat.Dense) ([]float64, error) {
	if err := m.check(X); err != nil {
		return nil, err
	}
	K := len(m.classes)
	if m.Voting == "soft" {
		p, err := m.softProba(X)
		if err != nil {
			return nil, err
		}
		raw := p.RawMatrix()
		out := make([]float64, raw.Rows)
		for i := range out {
			out[i] = m.classes[argmax(raw.Data[i*K:(i+1)*K])]
		}
		return out, nil
	}
	var votes []float64
	for j, e := range m.members {
		pred, err := e.(ml.Predictor).Predict(X)
		if err != nil {
			return nil, err
		}
		if votes == nil {
			votes = make([]float64, len(pred)*K)
		}
		wj := 1.0
		if m.Weights != nil {
			wj = m.Weights[j]
		}
		for i, v := range pred {
			c := int(v)
			if v != float64(c) || c < 0 || c >= K {
				return nil, fmt.Errorf("VotingClassifier: estimator %q predicted %v, not a class index", m.Estimators[j].Name, v)
			}
			votes[i*K+c] += wj
		}
	}
	out := make([]float64, len(votes)/K)
	for i := range out {
		out[i] = m.classes[argmax(votes[i*K:(i+1)*K])]
	}
	return out, nil
}

// Classes returns the sorted class values seen by Fit.
func (m *VotingClassifier) Classes() []float64 { return slices.Clone(m.classes) }

// FittedEstimators returns the fitted members (estimators_), in order
// (shared, not to be modified).
func (m *VotingClassifier) FittedEstimators() []ml.Estimator { return m.members }

// Fit fits every member on X and y.
func (m *VotingRegressor) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): every member is fitted with
// the weights, and one that does not take them is refused.
func (m *VotingRegressor) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
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
	members, err := m.fitMembers(ctx, X, y, w)
	if err != nil {
		return err
	}
	m.members = members
	return nil
}

// Predict returns the (weighted) mean of the members' predictions.
func (m *VotingRegressor) Predict(X *mat.Dense) ([]float64, error) {
	if m.members == nil {
		return nil, ml.NotFittedError("VotingRegressor")
	}
	preds := make([][]float64, len(m.members))
	for j, e := range m.members {
		p, err := e.(ml.Predictor).Predict(X)
		if err != nil {
			return nil, err
		}
		preds[j] = p
	}
	n := len(preds[0])
	out := make([]float64, n)
	row := make([]float64, len(preds))
	norm := float64(len(preds))
	if m.Weights != nil {
		norm = f64.PairwiseSum(m.Weights)
	}
	for i := range out {
		for j := range preds {
			row[j] = preds[j][i]
			if m.Weights != nil {
				row[j] *= m.Weights[j]
			}
		}
		out[i] = f64.PairwiseSum(row) / norm
	}
	return out, nil
}

// FittedEstimators returns the fitted members (estimators_), in order
// (shared, not to be modified).
func (m *VotingRegressor) FittedEstimators() []ml.Estimator { return m.members }

// marshalVoting stores the members' states in s.
func marshalVoting(s *ml.State, members []ml.Estimator) error {
	s.SetAttr("n_members", len(members))
	for i, e := range members {
		st, ok := e.(ml.Stateful)
		if !ok {
			return fmt.Errorf("ensemble: %s cannot be saved", ml.ClassName(e))
		}
		sub, err := st.MarshalState()
		if err != nil {
			return err
		}
		mergeState(s, sub, fmt.Sprintf("estimators.%d.", i))
	}
	return nil
}

func unmarshalVoting(s *ml.State, name string, specs []NamedEstimator) ([]ml.Estimator, error) {
	var nm int
	if err := s.Attr("n_members", &nm); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if nm != len(specs) || nm == 0 {
		return nil, fmt.Errorf("%s: state: %d members, the parameters name %d", name, nm, len(specs))
	}
	members := make([]ml.Estimator, nm)
	for i, sp := range specs {
		est, err := sp.build(-1)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		st, ok := est.(ml.Stateful)
		if !ok {
			return nil, fmt.Errorf("%s: %s cannot be loaded", name, sp.Class)
		}
		if err := st.UnmarshalState(subState(s, fmt.Sprintf("estimators.%d.", i))); err != nil {
			return nil, fmt.Errorf("%s: estimator %q: %w", name, sp.Name, err)
		}
		members[i] = est
	}
	return members, nil
}

// MarshalState returns the classes and the members' states.
func (m *VotingClassifier) MarshalState() (*ml.State, error) {
	if m.members == nil {
		return nil, ml.NotFittedError("VotingClassifier")
	}
	s := ml.NewState()
	s.SetFloats("classes", m.classes)
	return s, marshalVoting(s, m.members)
}

// UnmarshalState restores a state written by MarshalState; the members are
// built from the estimators parameter.
func (m *VotingClassifier) UnmarshalState(s *ml.State) error {
	classes, _, err := s.Floats("classes", -1)
	if err != nil {
		return fmt.Errorf("VotingClassifier: %w", err)
	}
	for i, c := range classes {
		if math.IsNaN(c) || math.IsInf(c, 0) || i > 0 && c <= classes[i-1] {
			return fmt.Errorf("VotingClassifier: state: classes must be finite and strictly increasing")
		}
	}
	if len(classes) < 2 {
		return fmt.Errorf("VotingClassifier: state: %d classes, expected at least 2", len(classes))
	}
	members, err := unmarshalVoting(s, "VotingClassifier", m.Estimators)
	if err != nil {
		return err
	}
	for i, e := range members {
		c, ok := e.(ml.Classifier)
		if !ok || len(c.Classes()) != len(classes) {
			return fmt.Errorf("VotingClassifier: state: estimator %d does not have %d classes", i, len(classes))
		}
	}
	m.members, m.classes = members, slices.Clone(classes)
	return nil
}

// MarshalState returns the members' states.
func (m *VotingRegressor) MarshalState() (*ml.State, error) {
	if m.members == nil {
		return nil, ml.NotFittedError("VotingRegressor")
	}
	s := ml.NewState()
	return s, marshalVoting(s, m.members)
}

// UnmarshalState restores a state written by MarshalState.
func (m *VotingRegressor) UnmarshalState(s *ml.State) error {
	members, err := unmarshalVoting(s, "VotingRegressor", m.Estimators)
	if err != nil {
		return err
	}
	m.members = members
	return nil
}

// estimateVoting sums the members' estimates: with n_jobs at once, as
// many fit at the same time, and all keep their fitted state.
func (p *VotingParams) estimate(n, f, k int) int64 {
	total := int64(1 << 20)
	for _, e := range p.Estimators {
		est, err := e.build(-1)
		if err != nil {
			return ml.DefaultMemoryEstimate(n, f, k)
		}
		total = budget.Add(total, ml.EstimateMemory(est, n, f, k))
	}
	return budget.Add(total, budget.Mul(8, int64(max(n, 0)), int64(max(k, 1)+1)))
}

// EstimateMemory is the sum of the members' estimates.
func (m *VotingClassifier) EstimateMemory(n, p, k int) int64 { return m.estimate(n, p, k) }

// EstimateMemory is the sum of the members' estimates.
func (m *VotingRegressor) EstimateMemory(n, p, k int) int64 { return m.estimate(n, p, 1) }
