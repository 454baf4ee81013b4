package train

import (
	"fmt"

	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
	"github.com/mlforge/mlforge/spec"
)

// checkGrads refuses, before the network is built, an optimizer that does
// not take the planned network's gradients as PyTorch's does: SparseAdam
// with layers of dense gradients, or an optimizer without sparse support
// with an Embedding of "sparse": true (optim.CheckGrads).
func checkGrads(c *problems, s *spec.Spec, pl *nn.NetPlan) {
	sparse, dense := pl.GradLayers()
	name, raw := "SGD", []byte(nil)
	if s.Optimizer != nil {
		name, raw = s.Optimizer.Type, s.Optimizer.Params
	}
	if err := optim.CheckGrads(name, raw, len(sparse) > 0, len(dense) > 0); err != nil {
		at := sparse
		if name == "SparseAdam" {
			at = dense
		}
		c.add("optimizer", fmt.Sprintf("%v; see model.layers[%d], a %s", err, at[0], pl.Layers[at[0]].Type))
	}
}
