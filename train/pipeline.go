package train

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/spec"
)

// EffectiveParams returns the hyperparameters that class gets in the spec
// s: params, plus "random_state" set to the spec's Seed when the class has
// that parameter, params leaves it out and Seed is not 0 (0 is already
// every estimator's default seed). Pipeline builds estimators with it.
func EffectiveParams(s *spec.Spec, class string, params json.RawMessage) json.RawMessage {
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

// Pipeline builds the unfitted estimator that a validated classic spec
// describes: the preprocessing steps followed by the model, with the
// hyperparameters of EffectiveParams. The error is a spec.Errors naming
// the fields; the one problem Validate cannot see is a seed that the
// class cannot take as its random_state, reported at "seed".
func Pipeline(s *spec.Spec) (*ml.Pipeline, error) {
	var c problems
	p := &ml.Pipeline{}
	build := func(base, class string, params json.RawMessage) ml.Estimator {
		eff := EffectiveParams(s, class, params)
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
		c.add(base, err.Error())
		return nil
	}
	for i, st := range s.Preprocess {
		if e := build(fmt.Sprintf("preprocess[%d]", i), st.Type, st.Params); e != nil {
			t, ok := e.(ml.Transformer)
			if !ok {
				c.add(fmt.Sprintf("preprocess[%d].type", i), st.Type+" is not a transformer")
				continue
			}
			if st.Columns != nil {
				t = ml.NewColumnStep(t, st.Columns)
			}
			p.Steps = append(p.Steps, t)
		}
	}
	p.Final = build("model.params", s.Model.Class, s.Model.Params)
	if len(c) > 0 {
		return nil, spec.Errors(c)
	}
	return p, nil
}

// bindColumns binds the column selections of pipe's steps to X's columns,
// named features (ml.Pipeline.Bind), before a fit.
func bindColumns(pipe *ml.Pipeline, features []string) error {
	if err := pipe.Bind(features); err != nil {
		var be *ml.BindError
		if errors.As(err, &be) {
			return spec.Errors{{Path: fmt.Sprintf("preprocess[%d].columns", be.Step), Msg: be.Msg}}
		}
		return err
	}
	return nil
}

// ResolveLayers returns a copy of layers with every parameter written as
// "n_labels" (spec.NLabels) replaced by nLabels, which must be positive
// for it to be used.
func ResolveLayers(layers []nn.LayerSpec, nLabels int) ([]nn.LayerSpec, error) {
	out := make([]nn.LayerSpec, len(layers))
	for i, l := range layers {
		c := make(nn.LayerSpec, len(l))
		for k, v := range l {
			if k != "type" && bytes.Equal(bytes.TrimSpace(v), []byte(`"`+spec.NLabels+`"`)) {
				if nLabels <= 0 {
					return nil, fmt.Errorf("layers[%d]: %s: %q is the number of classes, which only a classification network has (a class loss such as CrossEntropyLoss, or a loss of values on class labels)", i, k, spec.NLabels)
				}
				v = json.RawMessage(strconv.Itoa(nLabels))
			} else if k != "type" {
				var err error
				if v, err = resolveNested(v, k, nLabels); err != nil { // nested layer lists (pretrained.go)
					return nil, fmt.Errorf("layers[%d]: %w", i, err)
				}
			}
			c[k] = v
		}
		out[i] = c
	}
	return out, nil
}

// PlanNetwork plans the layers of a network for samples of shape in (a
// batch of one), replacing "n_labels" by nLabels, and returns the plan with
// each layer's output shape; it allocates no weight (nn.Plan). Errors start
// with the layer as "layers[i]: ", or are an *nn.PlanError naming the
// parameter.
func PlanNetwork(layers []nn.LayerSpec, in []int, nLabels int) (*nn.NetPlan, []LayerInfo, error) {
	res, err := ResolveLayers(layers, nLabels)
	if err != nil {
		return nil, nil, err
	}
	pl, err := nn.Plan(res, append([]int{1}, in...))
	if err != nil {
		return nil, nil, err
	}
	infos := make([]LayerInfo, len(pl.Layers))
	for i, l := range pl.Layers {
		infos[i] = LayerInfo{Index: i, Type: l.Type, OutShape: l.OutShape}
	}
	return pl, infos, nil
}
