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
