package train

import (
	"strconv"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
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

func distinct(y []float64) int {
	seen := map[float64]bool{}
	for _, v := range y {
		seen[v] = true
	}
	return len(seen)
}
