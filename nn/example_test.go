package nn_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
	"github.com/mlforge/mlforge/tensor"
)

// A define-by-run gradient: y = sum(x*x), dy/dx = 2x.
func ExampleGraph_Backward() {
	g := nn.NewGraph()
	x := g.Input(tensor.FromSlice([]float32{1, 2, 3}, 3))
	y := g.Sum(g.Mul(x, x))
	if err := g.Backward(y); err != nil {
		panic(err)
	}
	fmt.Println(y.Item(), x.Grad.Data)
	// Output: 14 [2 4 6]
}

// Build a model from JSON layer specs with PyTorch names, train it a few
// steps and save it with PyTorch state_dict keys.
func ExampleBuild() {
	var specs []nn.LayerSpec
	_ = json.Unmarshal([]byte(`[
		{"type": "Linear", "in_features": "auto", "out_features": 8},
		{"type": "ReLU"},
		{"type": "Linear", "in_features": "auto", "out_features": 2}]`), &specs)
	model, out, err := nn.Build(specs, []int{4, 3}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		panic(err)
	}
	fmt.Println("output shape", out)
	for _, p := range model.Parameters() {
		fmt.Println(p.Name, p.Var.Shape())
	}

	x := tensor.FromSlice([]float32{0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1}, 4, 3)
	y := tensor.FromSlice([]float32{0, 1, 1, 0}, 4)
	opt, _ := optim.New("SGD", nn.TrainableVars(model), json.RawMessage(`{"lr": 0.5, "momentum": 0.9}`))
	lossFn := nn.NewCrossEntropyLoss()
	g := nn.NewGraph()
	var first, last float32
	for step := range 30 {
		g.Reset()
		opt.ZeroGrad()
		loss := lossFn.Forward(g, model.Forward(g, g.Const(x)), g.Const(y))
		if err := g.Backward(loss); err != nil {
			panic(err)
		}
		opt.Step()
		if step == 0 {
			first = loss.Item()
		}
		last = loss.Item()
	}
	fmt.Println("loss decreased:", last < first/2)

	var buf bytes.Buffer
	if err := nn.SaveSafetensors(&buf, model, nil); err != nil {
		panic(err)
	}
	fmt.Println("saved", buf.Len() > 0)
	// Output:
	// output shape [4 2]
	// 0.weight [8 3]
	// 0.bias [8]
	// 2.weight [2 8]
	// 2.bias [2]
	// loss decreased: true
	// saved true
}

// Shape errors are found before any data flows, naming the layer.
func ExampleSequential_OutShape() {
	rng := rand.New(rand.NewPCG(1, 2))
	conv, _ := nn.NewConv2d(1, 4, [2]int{3, 3}, nn.ConvOptions{}, true, rng)
	m := nn.NewSequential(conv, &nn.ReLU{}, nn.NewFlatten(), nn.NewLinear(100, 10, true, rng))
	_, err := m.OutShape([]int{8, 1, 28, 28})
	fmt.Println(err)
	// Output: layer 3 (Linear): Linear expects input of shape (*, 100), got [8 2704]
}
