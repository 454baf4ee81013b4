package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/mlforge/mlforge/ml"
)

// EffectiveParams returns the hyperparameters that class gets in this spec:
// params, plus "random_state" set to the spec's Seed when the class has that
// parameter, params leaves it out and Seed is not 0 (0 is already every
// estimator's default seed). Validate and Pipeline build estimators with it.
func (s *Spec) EffectiveParams(class string, params json.RawMessage) json.RawMessage {
	if s.Seed == 0 {
		return params
	}
	info, err := ml.Lookup(class)
	if err != nil {
		return params
	}
	has := false
	for _, p := range info.Params {
		has = has || p.Name == "random_state"
	}
	if !has {
		return params
	}
	seed := `{"random_state":` + strconv.FormatInt(s.Seed, 10)
	p := bytes.TrimSpace(params)
	if len(p) == 0 || bytes.Equal(p, []byte("null")) {
		return json.RawMessage(seed + "}")
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(p, &obj) != nil {
		return params // not an object: ml.New reports it
	}
	if _, ok := obj["random_state"]; ok {
		return params
	}
	if inner := bytes.TrimSpace(p[1 : len(p)-1]); len(inner) > 0 {
		return json.RawMessage(seed + "," + string(inner) + "}")
	}
	return json.RawMessage(seed + "}")
}

// build makes the estimator class with params (the object at path base),
// reporting problems to c. It returns nil after a problem.
func (s *Spec) build(c *errs, base, class string, params json.RawMessage) ml.Estimator {
	eff := s.EffectiveParams(class, params)
	e, err := ml.New(class, eff)
	if err == nil {
		return e
	}
	var pe *ml.ParamError
	if !bytes.Equal(eff, params) && errors.As(err, &pe) && pe.Param == "random_state" {
		c.add("seed", fmt.Sprintf("%d cannot be the random_state of %s, which expects %s; set model.params.random_state or a seed it accepts",
			s.Seed, class, pe.Expected))
		return nil
	}
	addParamError(c, base, err)
	return nil
}

// Pipeline builds the unfitted estimator that the spec describes: the
// preprocessing steps followed by the model, with the hyperparameters of
// EffectiveParams. Call it after Validate: on a spec that Validate accepts
// it does not fail; on another it returns an Errors naming the fields.
func (s *Spec) Pipeline() (*ml.Pipeline, error) {
	var c errs
	p := &ml.Pipeline{}
	for i, st := range s.Preprocess {
		path := joinIndex("preprocess", i)
		if info := lookupStep(&c, path, st); info != nil {
			if e := s.build(&c, path, info.Name, st.Params); e != nil {
				p.Steps = append(p.Steps, e.(ml.Transformer))
			}
		}
	}
	if info := lookupModel(&c, s.Model); info != nil {
		p.Final = s.build(&c, "model.params", info.Name, s.Model.Params)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return p, nil
}
