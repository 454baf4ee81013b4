package nn

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// TestMoreLayersAndLossesRobust builds the layers and losses added for
// issue 11 with assorted parameters over assorted shapes (empty, 0-d, too
// few or too many dimensions) and runs them forward and backward: bad
// shapes are errors, never panics.
func TestMoreLayersAndLossesRobust(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	layers := []string{"ELU", "CELU", "SELU", "PReLU", "RReLU", "GLU", "Softmin", "Softmax2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "GroupNorm", "LocalResponseNorm", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"}
	argsets := []map[string]any{nil, {"num_parameters": 3}, {"dim": 0}, {"dim": -2}, {"num_groups": 2}, {"size": 4}, {"p": 1}, {"p": 0}, {"affine": true, "track_running_stats": true}, {"num_features": 2}, {"num_channels": 3, "num_groups": 3}}
	shapes := [][]int{{}, {0}, {3}, {2, 0}, {2, 3}, {1, 3, 1}, {2, 3, 4}, {2, 4, 1, 1}, {0, 3, 2, 2}, {2, 3, 2, 2, 2}, {1, 2, 3, 4, 5, 6}}
	n := 0
	for _, typ := range layers {
		for _, a := range argsets {
			for _, in := range shapes {
				for _, train := range []bool{true, false} {
					func() {
						defer func() {
							if r := recover(); r != nil {
								t.Errorf("%s %v %v train=%v: panic %v", typ, a, in, train, r)
							}
						}()
						m, _, err := NewLayer(specFromArgs(typ, a), in, rng)
						if err != nil {
							return
						}
						m.Train(train)
						for _, in2 := range shapes {
							x := tensor.New(in2...)
							Normal(x, 0, 1, rng)
							g := NewGraph()
							xv := g.Input(x)
							out := m.Forward(g, xv)
							if g.Err() != nil {
								continue
							}
							n++
							g.Backward(g.Sum(out))
						}
					}()
				}
			}
		}
	}
	losses := []string{"HuberLoss", "PoissonNLLLoss", "KLDivLoss", "HingeEmbeddingLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss", "MultiLabelMarginLoss", "BCELoss", "BCEWithLogitsLoss"}
	largs := []string{`{}`, `{"reduction": "none"}`, `{"weight": [1, 2, 3]}`, `{"reduction": "batchmean"}`, `{"p": 2}`}
	for _, typ := range losses {
		for _, a := range largs {
			l, err := NewLoss(typ, json.RawMessage(a))
			if err != nil {
				continue
			}
			for _, in := range shapes {
				for _, tin := range shapes {
					func() {
						defer func() {
							if r := recover(); r != nil {
								t.Errorf("%s %s %v %v: panic %v", typ, a, in, tin, r)
							}
						}()
						x := tensor.New(in...)
						Normal(x, 0, 1, rng)
						y := tensor.New(tin...)
						for i := range y.Data {
							y.Data[i] = float32(rng.IntN(5) - 1)
						}
						g := NewGraph()
						xv := g.Input(x)
						out := l.Forward(g, xv, g.Const(y))
						if g.Err() == nil {
							n++
							g.Backward(g.Sum(out))
						}
					}()
				}
			}
		}
	}
	if n < 1000 {
		t.Errorf("only %d forward passes ran", n)
	}
}
