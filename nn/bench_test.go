package nn_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
	"github.com/mlforge/mlforge/tensor"
)

// stepper is one training step of a model on a fixed batch, as a training
// loop runs it: reset the graph, forward, loss, backward, update.
type stepper struct {
	model nn.Module
	opt   optim.Optimizer
	loss  nn.Loss
	g     *nn.Graph
	x, y  *tensor.Tensor
}

func (s *stepper) step() float32 {
	g := s.g
	g.Reset()
	s.opt.ZeroGrad()
	l := s.loss.Forward(g, s.model.Forward(g, g.Const(s.x)), g.Const(s.y))
	if err := g.Backward(l); err != nil {
		panic(err)
	}
	s.opt.Step()
	return l.Item()
}

func newStepper(model nn.Module, inShape []int, classes int) *stepper {
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.New(inShape...)
	nn.Uniform(x, 0, 1, rng)
	y := tensor.New(inShape[0])
	for i := range y.Data {
		y.Data[i] = float32(rng.IntN(classes))
	}
	opt, err := optim.NewSGD(nn.TrainableVars(model), optim.SGDConfig{LR: 0.01, Momentum: 0.9})
	if err != nil {
		panic(err)
	}
	return &stepper{model: model, opt: opt, loss: nn.NewCrossEntropyLoss(), g: nn.NewGraph(), x: x, y: y}
}

// mlpStepper is the MLP 784-256-128-10 on a batch of 64 with SGD momentum.
func mlpStepper() *stepper {
	rng := rand.New(rand.NewPCG(3, 4))
	m := nn.NewSequential(nn.NewLinear(784, 256, true, rng), &nn.ReLU{}, nn.NewLinear(256, 128, true, rng), &nn.ReLU{}, nn.NewLinear(128, 10, true, rng))
	return newStepper(m, []int{64, 784}, 10)
}

// cnnStepper is Conv2d 1->32 3x3, ReLU, MaxPool 2, Flatten, Linear
// 5408->10 on a batch of 64 28x28 images with SGD momentum.
func cnnStepper() *stepper {
	rng := rand.New(rand.NewPCG(3, 4))
	conv, err := nn.NewConv2d(1, 32, [2]int{3, 3}, nn.ConvOptions{}, true, rng)
	if err != nil {
		panic(err)
	}
	pool, _ := nn.NewMaxPool2d(nn.PoolOptions{KernelSize: [2]int{2, 2}})
	m := nn.NewSequential(conv, &nn.ReLU{}, pool, nn.NewFlatten(), nn.NewLinear(5408, 10, true, rng))
	return newStepper(m, []int{64, 1, 28, 28}, 10)
}

// BenchmarkMLPStep times one training step of the MLP; an epoch of 60,000
// samples is 938 steps.
func BenchmarkMLPStep(b *testing.B) {
	s := mlpStepper()
	s.step()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.step()
	}
}

// BenchmarkCNNStep times one training step of the CNN; an epoch of 10,000
// samples is 157 steps.
func BenchmarkCNNStep(b *testing.B) {
	s := cnnStepper()
	s.step()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.step()
	}
}

// TestTrainingStepAllocations checks that a warmed-up training step reuses
// every buffer: the graph's arena, the parameters' gradients and the
// optimizer state. A handful of allocations per step are tolerated for the
// GEMM's worker hand-off; the buffers themselves are megabytes, so any
// regression shows up as far more.
func TestTrainingStepAllocations(t *testing.T) {
	for name, s := range map[string]*stepper{"mlp": mlpStepper(), "cnn": cnnStepper()} {
		s.step()
		s.step()
		allocs := testing.AllocsPerRun(5, func() { s.step() })
		if allocs > 4 {
			t.Errorf("%s: %v allocations per step, want at most 4", name, allocs)
		}
		t.Logf("%s: %v allocations per step", name, allocs)
	}
}

// TestConcurrentTraining trains two models in parallel goroutines (each
// with its own Graph and modules) and checks each gets the same losses as
// when trained alone: there is no shared mutable state between them.
func TestConcurrentTraining(t *testing.T) {
	run := func() []float32 {
		s := cnnStepper()
		s.x = s.x.Reshape(64, 1, 28, 28)
		var out []float32
		for range 3 {
			out = append(out, s.step())
		}
		return out
	}
	want := run()
	res := make(chan []float32, 2)
	for range 2 {
		go func() { res <- run() }()
	}
	for range 2 {
		got := <-res
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("concurrent run step %d: loss %v, alone %v", i, got[i], want[i])
			}
		}
	}
}

// specStepper builds a model from layer specs (as bench/nn/epoch does) for
// a batch of the given input shape.
func specStepper(layers string, inShape []int) *stepper {
	var specs []nn.LayerSpec
	if err := json.Unmarshal([]byte(layers), &specs); err != nil {
		panic(err)
	}
	m, _, err := nn.Build(specs, inShape, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		panic(err)
	}
	m.Train(true)
	return newStepper(m, inShape, 10)
}

// cnn1dLayers and transformerLayers are bench/nn/epoch's cnn1d and
// transformer models.
const (
	cnn1dLayers = `[{"type": "Conv1d", "in_channels": 4, "out_channels": 32, "kernel_size": 5, "padding": 2}, {"type": "ReLU"},
		{"type": "MaxPool1d", "kernel_size": 2},
		{"type": "Conv1d", "in_channels": 32, "out_channels": 64, "kernel_size": 5, "padding": 2}, {"type": "ReLU"},
		{"type": "MaxPool1d", "kernel_size": 2}, {"type": "Flatten"}, {"type": "Linear", "in_features": 3136, "out_features": 10}]`
	transformerLayers = `[{"type": "Linear", "in_features": 16, "out_features": 64},
		{"type": "TransformerEncoder", "num_layers": 2,
		 "encoder_layer": {"d_model": 64, "nhead": 4, "dim_feedforward": 128, "dropout": 0.1, "batch_first": true}},
		{"type": "Flatten"}, {"type": "Linear", "in_features": 3136, "out_features": 10}]`
)

// BenchmarkCNN1dStep times one training step of bench/nn/epoch's cnn1d
// (batch 64 of 4 x 196); an epoch of 10,000 samples is 157 steps.
func BenchmarkCNN1dStep(b *testing.B) {
	s := specStepper(cnn1dLayers, []int{64, 4, 196})
	s.step()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.step()
	}
}

// BenchmarkTransformerStep times one training step of bench/nn/epoch's
// transformer (batch 64 of 49 x 16); an epoch is 157 steps.
func BenchmarkTransformerStep(b *testing.B) {
	s := specStepper(transformerLayers, []int{64, 49, 16})
	s.step()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.step()
	}
}
