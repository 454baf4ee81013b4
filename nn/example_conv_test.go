package nn_test

import (
	"encoding/json"
	"fmt"

	"github.com/mlforge/mlforge/nn"
)

// Plan a 1-d convolutional autoencoder over (N, 4, 32) sequences: shapes
// and parameter counts come from the specs alone, before any weight is
// allocated. MaxUnpool1d takes the positions of the maxima from the
// MaxPool1d with return_indices before it.
func ExamplePlan_conv1d() {
	var specs []nn.LayerSpec
	_ = json.Unmarshal([]byte(`[
		{"type": "Conv1d", "in_channels": "auto", "out_channels": 8, "kernel_size": 5, "padding": "same", "padding_mode": "reflect"},
		{"type": "ReLU"},
		{"type": "MaxPool1d", "kernel_size": 2, "return_indices": true},
		{"type": "MaxUnpool1d", "kernel_size": 2},
		{"type": "ConvTranspose1d", "in_channels": "auto", "out_channels": 4, "kernel_size": 3, "padding": 1},
		{"type": "Upsample", "scale_factor": 0.5, "mode": "linear"}]`), &specs)
	pl, err := nn.Plan(specs, []int{1, 4, 32})
	if err != nil {
		panic(err)
	}
	for _, l := range pl.Layers {
		fmt.Println(l.Type, l.OutShape, l.Params)
	}
	// Output:
	// Conv1d [1 8 32] 168
	// ReLU [1 8 32] 0
	// MaxPool1d [1 8 16] 0
	// MaxUnpool1d [1 8 32] 0
	// ConvTranspose1d [1 4 32] 100
	// Upsample [1 4 16] 0
}
