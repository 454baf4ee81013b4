package train

import (
	"math/rand/v2"
	"strconv"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/spec"
)

// checkFitBudget checks the memory estimate of every step of the pipeline
// for the loaded training data (ml.CheckMemory) before anything is
// fitted. The error is a *budget.Error naming the step's parameters
// ("preprocess[0]", "model.params.hidden_layer_sizes").
func checkFitBudget(l budget.Limits, pipe *ml.Pipeline, f *data.Frame) error {
	n, p := f.X.Dims()
	for i, st := range pipe.Steps {
		if err := ml.CheckMemory(l, "preprocess["+strconv.Itoa(i)+"]", st, n, p, p); err != nil {
			return err
		}
	}
	k := 1
	if _, ok := pipe.Final.(ml.Classifier); ok {
		k = distinct(f.Y)
	}
	return ml.CheckMemory(l, "model.params", pipe.Final, n, p, k)
}

// buildNetwork plans the spec's network, checks the plan against the
// budget for the spec's batch size and optimizer, and only then allocates
// its weights, drawing from rng. The error is a *budget.Error naming the
// layer ("model.layers[3].out_features").
func buildNetwork(s *spec.Spec, info *spec.NetInfo, l budget.Limits, rng *rand.Rand) (*nn.Sequential, error) {
	pl, _, err := spec.PlanNetwork(s.Model.Layers, info.InShape, info.NLabels)
	if err != nil {
		return nil, err
	}
	if err := pl.CheckBudget(l, s.BatchSize, s.Optimizer.Type); err != nil {
		if be, ok := err.(*budget.Error); ok {
			be.Field = "model." + be.Field
		}
		return nil, err
	}
	return pl.Build(rng), nil
}

func distinct(y []float64) int {
	seen := map[float64]bool{}
	for _, v := range y {
		seen[v] = true
	}
	return len(seen)
}
