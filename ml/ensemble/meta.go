package ensemble

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/param"
	"gonum.org/v1/gonum/mat"
)

// EstimatorSpec names a registered estimator and its hyperparameters, as a
// meta-estimator's parameter: {"class": "DecisionTreeClassifier",
// "params": {"max_depth": 2}}. Decoding checks both, as ml.New does.
type EstimatorSpec struct {
	Class  string          `json:"class"`
	Params json.RawMessage `json:"params,omitempty"`
}

// ParamType names the type in the catalogue.
func (e EstimatorSpec) ParamType() (string, string) {
	return "estimator", `an object {"class": a registered estimator class, "params": its parameters}`
}

// UnmarshalJSON reads {"class": ..., "params": {...}} strictly and checks
// that the class exists and takes the parameters.
func (e *EstimatorSpec) UnmarshalJSON(b []byte) error {
	var v struct {
		Class  string          `json:"class"`
		Params json.RawMessage `json:"params"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*e = EstimatorSpec{}
		return nil
	}
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf(`expected {"class": ..., "params": {...}}: %v`, err)
	}
	if _, err := ml.New(v.Class, v.Params); err != nil {
		return err
	}
	if bytes.Equal(bytes.TrimSpace(v.Params), []byte("null")) {
		v.Params = nil
	}
	*e = EstimatorSpec{Class: v.Class, Params: v.Params}
	return nil
}

// MarshalJSON writes the object with its parameters compacted.
func (e EstimatorSpec) MarshalJSON() ([]byte, error) {
	if e.Class == "" {
		return []byte("null"), nil
	}
	var buf bytes.Buffer
	cls, _ := json.Marshal(e.Class)
	buf.WriteString(`{"class":`)
	buf.Write(cls)
	if len(e.Params) > 0 {
		buf.WriteString(`,"params":`)
		if err := json.Compact(&buf, e.Params); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// orDefault returns e, or def when e is null.
func (e EstimatorSpec) orDefault(def EstimatorSpec) EstimatorSpec {
	if e.Class == "" {
		return def
	}
	return e
}

// build returns a new estimator of the spec, with random_state set to
// seed when the class has that parameter and seed ≥ 0 (as scikit-learn's
// _set_random_states does for an ensemble's members).
func (e EstimatorSpec) build(seed int) (ml.Estimator, error) {
	est, err := ml.New(e.Class, e.Params)
	if err != nil {
		return nil, err
	}
	if seed >= 0 && hasParam(e.Class, "random_state") {
		if err := ml.SetParams(est, json.RawMessage(fmt.Sprintf(`{"random_state": %d}`, seed))); err != nil {
			return nil, err
		}
	}
	return est, nil
}

func hasParam(class, name string) bool {
	c, err := ml.Lookup(class)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(c.Params, func(p param.Info) bool { return p.Name == name })
}

// weightedFitter is an estimator whose Fit takes sample weights.
type weightedFitter interface {
	FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error
}

// fitWith fits e on X and y with the sample weights w (nil: Fit), as
// scikit-learn's _fit_single_estimator; an estimator without a weighted
// fit refuses weights, naming its class.
func fitWith(ctx context.Context, e ml.Estimator, X *mat.Dense, y, w []float64) error {
	if w == nil {
		return e.Fit(ctx, X, y)
	}
	wf, ok := e.(weightedFitter)
	if !ok {
		return &ml.ParamError{Param: "sample_weight", Msg: fmt.Sprintf("underlying estimator %s does not take sample weights", ml.ClassName(e))}
	}
	return wf.FitWeighted(ctx, X, y, w)
}

// mergeState stores sub's arrays and attributes in s under prefix.
func mergeState(s, sub *ml.State, prefix string) {
	for k, a := range sub.Arrays {
		s.Arrays[prefix+k] = a
	}
	for k, v := range sub.Attrs {
		s.Attrs[prefix+k] = v
	}
}

// subState returns the arrays and attributes of s under prefix, without it.
func subState(s *ml.State, prefix string) *ml.State {
	sub := ml.NewState()
	for k, a := range s.Arrays {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			sub.Arrays[rest] = a
		}
	}
	for k, v := range s.Attrs {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			sub.Attrs[rest] = v
		}
	}
	return sub
}
