package optim_test

import (
	"encoding/json"
	"fmt"

	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
	"github.com/mlforge/mlforge/tensor"
)

// Minimise (p-3)² with Adam and a step schedule.
func ExampleNew() {
	p := nn.NewParam(tensor.FromSlice([]float32{0}, 1))
	opt, err := optim.New("Adam", []*nn.Var{p}, json.RawMessage(`{"lr": 0.5}`))
	if err != nil {
		panic(err)
	}
	sched, _ := optim.NewScheduler("StepLR", opt, json.RawMessage(`{"step_size": 80, "gamma": 0.1}`))
	for range 200 {
		g := nn.NewGraph()
		d := g.Add(p, g.Const(tensor.FromSlice([]float32{-3}, 1)))
		loss := g.Sum(g.Mul(d, d))
		opt.ZeroGrad()
		if err := g.Backward(loss); err != nil {
			panic(err)
		}
		opt.Step()
		sched.Step(float64(loss.Item())) // the loss is read by ReduceLROnPlateau only
	}
	fmt.Printf("p = %.3f, lr = %.4g\n", p.Data.Data[0], opt.LR())
	// Output: p = 3.000, lr = 0.005
}

// A linear warm-up over 3 epochs followed by cosine annealing, as
// PyTorch's SequentialLR builds it.
func ExampleNewScheduler_warmUp() {
	opt, _ := optim.New("SGD", nil, json.RawMessage(`{"lr": 0.1, "momentum": 0.9}`))
	sched, err := optim.NewScheduler("SequentialLR", opt, json.RawMessage(`{
		"schedulers": [
			{"type": "LinearLR", "start_factor": 0.25, "total_iters": 3},
			{"type": "CosineAnnealingLR", "T_max": 4}
		],
		"milestones": [3]}`))
	if err != nil {
		panic(err)
	}
	for epoch := range 8 {
		fmt.Printf("epoch %d: lr %.4f\n", epoch, opt.LR())
		sched.Step(0)
	}
	// Output:
	// epoch 0: lr 0.0250
	// epoch 1: lr 0.0500
	// epoch 2: lr 0.0750
	// epoch 3: lr 0.1000
	// epoch 4: lr 0.0854
	// epoch 5: lr 0.0500
	// epoch 6: lr 0.0146
	// epoch 7: lr 0.0000
}

// Minimise Rosenbrock's function (1-x)² + 100(y-x²)² with LBFGS and its
// strong Wolfe line search: each step calls the closure, which clears the
// gradients, evaluates the loss and backpropagates, as often as it needs.
func ExampleLBFGS_StepClosure() {
	p := nn.NewParam(tensor.FromSlice([]float32{-1.5, 2}, 2))
	opt, err := optim.New("LBFGS", []*nn.Var{p}, json.RawMessage(`{"line_search_fn": "strong_wolfe"}`))
	if err != nil {
		panic(err)
	}
	closure := func() (float32, error) {
		opt.ZeroGrad()
		x, y := p.Data.Data[0], p.Data.Data[1]
		loss := (1-x)*(1-x) + 100*(y-x*x)*(y-x*x)
		// the gradient by hand; a network's closure runs its graph's Backward
		p.Grad = tensor.FromSlice([]float32{-2*(1-x) - 400*x*(y-x*x), 200 * (y - x*x)}, 2)
		return loss, nil
	}
	for range 5 {
		if _, err := opt.(optim.ClosureStepper).StepClosure(closure); err != nil {
			panic(err)
		}
	}
	fmt.Printf("x = %.3f, y = %.3f\n", p.Data.Data[0], p.Data.Data[1])
	// Output: x = 1.000, y = 1.000
}
