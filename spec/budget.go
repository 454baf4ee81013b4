package spec

import (
	"errors"

	"github.com/mlforge/mlforge/data/datasets"
	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/nn"
)

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

// planErrorField returns the field path ("model.layers[3].out_features")
// and message of a size beyond any machine, if err is one.
func planErrorField(err error) (path, msg string, ok bool) {
	var pe *nn.PlanError
	if !errors.As(err, &pe) {
		return "", "", false
	}
	return "model." + pe.Path, pe.Msg, true
}

// addBudgetError reports err, a *budget.Error whose Field is relative to
// base, under that field; any other error goes to base.
func addBudgetError(c *errs, base string, err error) {
	var be *budget.Error
	if !errors.As(err, &be) {
		c.add(base, err.Error())
		return
	}
	path := be.Field
	if base != "" {
		path = base + "." + be.Field
	}
	c.add(path, be.Message())
}

// checkNetworkBudget checks a planned network against env.Limits for the
// spec's batch size and optimizer (nn.NetPlan.CheckBudget) and reports
// whether it fits.
func (s *Spec) checkNetworkBudget(c *errs, env Env, pl *nn.NetPlan) bool {
	opt := "SGD"
	if s.Optimizer != nil {
		opt = s.Optimizer.Type
	}
	if err := pl.CheckBudget(env.Limits, s.BatchSize, opt); err != nil {
		addBudgetError(c, "model", err)
		return false
	}
	return true
}

// checkModelBudget checks the memory estimates of the preprocessing steps
// and the model (ml.CheckMemory) for the training data's shape as far as
// validation knows it: all of a built-in dataset; the columns of a CSV
// file, with one row and two classes, since its rows are counted only when
// it is read (train checks again with the real shape before fitting).
func (s *Spec) checkModelBudget(c *errs, env Env, est ml.Estimator, dataOK bool) {
	if est == nil || !dataOK {
		return
	}
	n, p, k := 1, 1, 2
	switch src := s.Data.Train; {
	case src.Builtin != "":
		f, err := datasets.Load(src.Builtin)
		if err != nil {
			return
		}
		n, p = f.X.Dims()
		k = distinctCount(f.Y)
	case !src.IsIDX():
		names, _ := columns(env, src)
		if len(names) < 2 {
			return
		}
		p = len(names) - 1
	}
	if info := ml.ClassOf(est); info != nil && info.Task == ml.Regression {
		k = 1
	}
	for i, st := range s.Preprocess {
		e, err := ml.New(st.Type, s.EffectiveParams(st.Type, st.Params))
		if err != nil {
			continue // reported already
		}
		if err := ml.CheckMemory(env.Limits, joinIndex("preprocess", i), e, n, p, p); err != nil {
			addBudgetError(c, "", err)
		}
	}
	if err := ml.CheckMemory(env.Limits, "model.params", est, n, p, k); err != nil {
		addBudgetError(c, "", err)
	}
}

// distinctCount returns the number of distinct values of y.
func distinctCount(y []float64) int {
	seen := map[float64]bool{}
	for _, v := range y {
		seen[v] = true
	}
	return len(seen)
}
