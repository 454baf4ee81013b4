package nn_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/mlforge/mlforge/nn"
)

// A residual block written by hand in a layer list, with a downsampling
// shortcut, and its PyTorch state_dict names.
func ExamplePlan_residual() {
	var layers []nn.LayerSpec
	_ = json.Unmarshal([]byte(`[
		{"type": "Residual",
		 "body": [{"type": "Conv2d", "out_channels": 8, "kernel_size": 3, "stride": 2, "padding": 1, "bias": false},
		          {"type": "BatchNorm2d"}],
		 "shortcut": [{"type": "Conv2d", "out_channels": 8, "kernel_size": 1, "stride": 2, "bias": false}]},
		{"type": "ReLU"}]`), &layers)
	pl, err := nn.Plan(layers, []int{1, 3, 16, 16})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pl.OutShape, pl.Params)
	for _, p := range pl.Build(rand.New(rand.NewPCG(1, 2))).Parameters() {
		if p.Trainable {
			fmt.Println(p.Name)
		}
	}
	// Output:
	// [1 8 8 8] 256
	// 0.body.0.weight
	// 0.body.1.weight
	// 0.body.1.bias
	// 0.shortcut.0.weight
}

// A named architecture is a whole layer list; its keys are torchvision's.
func ExamplePlan_resnet18() {
	layers := []nn.LayerSpec{{"type": json.RawMessage(`"ResNet18"`), "in_channels": json.RawMessage(`"auto"`), "num_classes": json.RawMessage(`10`)}}
	pl, err := nn.Plan(layers, []int{64, 3, 32, 32})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pl.OutShape, pl.Params)
	// Output:
	// [64 10] 11181642
}
