package nn_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
	"github.com/mlforge/mlforge/tensor"
)

// A GRU sequence classifier built from a JSON spec: does a sequence of ±1
// have a positive sum? "return_sequences": false makes the GRU hand its
// final hidden state, not the whole sequence, to the Linear head.
func ExampleNewGRU() {
	const seq, batch = 9, 32
	var specs []nn.LayerSpec
	_ = json.Unmarshal([]byte(`[
		{"type": "GRU", "input_size": "auto", "hidden_size": 16, "batch_first": true, "return_sequences": false},
		{"type": "Linear", "in_features": "auto", "out_features": 2}]`), &specs)
	model, out, err := nn.Build(specs, []int{batch, seq, 1}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		panic(err)
	}
	fmt.Println("output shape", out)

	data := rand.New(rand.NewPCG(3, 4))
	sample := func(x, y *tensor.Tensor) {
		for b := range batch {
			sum := 0
			for t := range seq {
				v := 2*data.IntN(2) - 1
				x.Data[b*seq+t] = float32(v)
				sum += v
			}
			y.Data[b] = 0
			if sum > 0 {
				y.Data[b] = 1
			}
		}
	}
	x, y := tensor.New(batch, seq, 1), tensor.New(batch)
	opt, _ := optim.New("Adam", nn.TrainableVars(model), json.RawMessage(`{"lr": 0.01}`))
	lossFn := nn.NewCrossEntropyLoss()
	g := nn.NewGraph()
	for range 300 {
		sample(x, y)
		g.Reset()
		opt.ZeroGrad()
		loss := lossFn.Forward(g, model.Forward(g, g.Const(x)), g.Const(y))
		if err := g.Backward(loss); err != nil {
			panic(err)
		}
		opt.Step()
	}

	model.Train(false)
	ig := nn.NewInferenceGraph()
	correct := 0
	for range 10 {
		sample(x, y)
		ig.Reset()
		logits := model.Forward(ig, ig.Const(x)).Data.Data
		for b := range batch {
			pred := float32(0)
			if logits[2*b+1] > logits[2*b] {
				pred = 1
			}
			if pred == y.Data[b] {
				correct++
			}
		}
	}
	fmt.Println("accuracy ≥ 0.9:", float64(correct)/(10*batch) >= 0.9)
	// Output:
	// output shape [32 2]
	// accuracy ≥ 0.9: true
}

// ForwardState is PyTorch's forward(input, (h0, c0)): it takes optional
// initial states and returns the output sequence and the final states.
func ExampleRecurrent_ForwardState() {
	rng := rand.New(rand.NewPCG(1, 2))
	lstm, _ := nn.NewLSTM(3, 5, nn.RNNOptions{NumLayers: 2, Bidirectional: true}, rng)
	g := nn.NewGraph()
	x := g.Const(tensor.New(7, 4, 3))    // (seq, batch, input_size)
	h0 := g.Const(tensor.New(2*2, 4, 5)) // (num_layers*2, batch, hidden_size)
	out, hn, cn := lstm.ForwardState(g, x, h0, nil)
	if g.Err() != nil {
		panic(g.Err())
	}
	fmt.Println(out.Shape(), hn.Shape(), cn.Shape())
	for _, p := range lstm.Parameters()[:4] {
		fmt.Println(p.Name, p.Var.Shape())
	}
	// Output:
	// [7 4 10] [4 4 5] [4 4 5]
	// weight_ih_l0 [20 3]
	// weight_hh_l0 [20 5]
	// bias_ih_l0 [20]
	// bias_hh_l0 [20]
}
