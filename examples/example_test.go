package examples_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"

	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/tensor"
	"github.com/mlforge/mlforge/train"
)

// A CNN trained from a spec, as `mlforge train examples/mnist-cnn.json`
// does, here on a committed subset of MNIST (800 training and 200 test
// images, 5 epochs) so that it runs in a few seconds. The full example
// reaches 0.975 on 2,000 held-out images after 5 epochs.
func Example_cnn() {
	s, err := spec.Parse([]byte(`{
	  "name": "mnist-cnn-small", "seed": 1,
	  "data": {"train": {"images": "../train/testdata/mnist1k-images-idx3-ubyte.gz",
	                     "labels": "../train/testdata/mnist1k-labels-idx1-ubyte.gz"},
	           "split": {"test_size": 0.2}},
	  "transforms": [{"type": "ToTensor"}, {"type": "Normalize", "mean": [0.1307], "std": [0.3081]}],
	  "model": {"layers": [
	    {"type": "Conv2d", "in_channels": "auto", "out_channels": 16, "kernel_size": 3}, {"type": "ReLU"},
	    {"type": "MaxPool2d", "kernel_size": 2}, {"type": "Flatten"},
	    {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
	  "optimizer": {"type": "Adam", "lr": 0.002}, "batch_size": 32, "epochs": 5}`))
	if err != nil {
		panic(err)
	}
	plan, err := train.Check(s, train.Options{})
	if err != nil {
		panic(err)
	}
	for _, l := range plan.Net.Layers {
		fmt.Println(l.Index, l.Type, l.OutShape)
	}
	s.Output = tempDir()
	defer os.RemoveAll(s.Output)
	res, err := train.Run(context.Background(), s, train.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println("test accuracy > 0.8:", res.Metrics["test"]["accuracy"] > 0.8)
	// Output:
	// 0 Conv2d [1 16 26 26]
	// 1 ReLU [1 16 26 26]
	// 2 MaxPool2d [1 16 13 13]
	// 3 Flatten [1 2704]
	// 4 Linear [1 10]
	// test accuracy > 0.8: true
}

// An autoencoder squeezes 8-D points that lie near a 2-D plane through a
// 2-unit bottleneck and learns to reconstruct them (MSELoss against the
// input itself).
func Example_autoencoder() {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, d = 256, 8
	A := make([]float64, d*2)
	for i := range A {
		A[i] = rng.NormFloat64()
	}
	x := tensor.New(n, d)
	for i := range n {
		z0, z1 := rng.NormFloat64(), rng.NormFloat64()
		for j := range d {
			x.Data[i*d+j] = float32(A[2*j]*z0 + A[2*j+1]*z1 + 0.01*rng.NormFloat64())
		}
	}
	encoder := nn.NewSequential(nn.NewLinear(d, 16, true, rng), &nn.Tanh{}, nn.NewLinear(16, 2, true, rng))
	decoder := nn.NewSequential(nn.NewLinear(2, 16, true, rng), &nn.Tanh{}, nn.NewLinear(16, d, true, rng))
	model := nn.NewSequential(encoder, decoder)
	opt, err := optim.New("Adam", nn.TrainableVars(model), json.RawMessage(`{"lr": 0.01}`))
	if err != nil {
		panic(err)
	}
	mse := &nn.MSELoss{Reduction: "mean"}
	g := nn.NewGraph()
	var first, last float32
	for step := range 500 {
		g.Reset()
		in := g.Const(x)
		loss := mse.Forward(g, model.Forward(g, in), in)
		if err := g.Backward(loss); err != nil {
			panic(err)
		}
		opt.Step()
		opt.ZeroGrad()
		if step == 0 {
			first = loss.Item()
		}
		last = loss.Item()
	}
	fmt.Println("state_dict keys:", len(nn.StateDict(model)), "e.g. 0.0.weight and 1.2.bias")
	fmt.Println("reconstruction error below 5% of the first:", last < 0.05*first)
	// Output:
	// state_dict keys: 8 e.g. 0.0.weight and 1.2.bias
	// reconstruction error below 5% of the first: true
}

// A GAN learns to turn N(0, 1) noise into samples of N(4, 1.25²): a
// generator and a discriminator, each with its own Adam optimizer, trained
// in turns with BCEWithLogitsLoss.
func Example_gan() {
	rng := rand.New(rand.NewPCG(7, 8))
	const batch = 64
	gen := nn.NewSequential(nn.NewLinear(1, 16, true, rng), &nn.ReLU{}, nn.NewLinear(16, 1, true, rng))
	disc := nn.NewSequential(nn.NewLinear(1, 16, true, rng), &nn.LeakyReLU{NegativeSlope: 0.2}, nn.NewLinear(16, 1, true, rng))
	optG, _ := optim.New("Adam", nn.TrainableVars(gen), json.RawMessage(`{"lr": 0.002, "betas": [0.5, 0.999]}`))
	optD, _ := optim.New("Adam", nn.TrainableVars(disc), json.RawMessage(`{"lr": 0.002, "betas": [0.5, 0.999]}`))
	bce := &nn.BCEWithLogitsLoss{Reduction: "mean"}
	ones, zeros := tensor.New(batch, 1), tensor.New(batch, 1)
	for i := range ones.Data {
		ones.Data[i] = 1
	}
	noise, real, fake := tensor.New(batch, 1), tensor.New(batch, 1), tensor.New(batch, 1)
	sample := func() {
		for i := range batch {
			noise.Data[i] = float32(rng.NormFloat64())
			real.Data[i] = float32(4 + 1.25*rng.NormFloat64())
		}
	}
	g := nn.NewGraph()
	for range 3000 {
		sample()
		// Discriminator: real → 1, generated (detached) → 0.
		g.Reset()
		copy(fake.Data, gen.Forward(g, g.Const(noise)).Data.Data)
		g.Reset()
		optD.ZeroGrad()
		lossD := g.Add(bce.Forward(g, disc.Forward(g, g.Const(real)), g.Const(ones)),
			bce.Forward(g, disc.Forward(g, g.Const(fake)), g.Const(zeros)))
		if err := g.Backward(lossD); err != nil {
			panic(err)
		}
		optD.Step()
		// Generator: make the discriminator say 1.
		g.Reset()
		optG.ZeroGrad()
		lossG := bce.Forward(g, disc.Forward(g, gen.Forward(g, g.Const(noise))), g.Const(ones))
		if err := g.Backward(lossG); err != nil {
			panic(err)
		}
		optG.Step()
	}
	ig := nn.NewInferenceGraph()
	z := tensor.New(4096, 1)
	for i := range z.Data {
		z.Data[i] = float32(rng.NormFloat64())
	}
	var mean float64
	for _, v := range gen.Forward(ig, ig.Const(z)).Data.Data {
		mean += float64(v)
	}
	mean /= 4096
	fmt.Println("generated mean within 0.5 of 4:", math.Abs(mean-4) < 0.5)
	// Output:
	// generated mean within 0.5 of 4: true
}

// A GRU sequence classifier: is the sum of a sequence of ±1 positive? The
// GRU reads (batch, 9, 1) sequences and, with "return_sequences": false,
// hands its final hidden state to a Linear head.
func Example_gru() {
	const seq, batch = 9, 32
	var layers []nn.LayerSpec
	_ = json.Unmarshal([]byte(`[
		{"type": "GRU", "input_size": "auto", "hidden_size": 16, "batch_first": true, "return_sequences": false},
		{"type": "Linear", "in_features": "auto", "out_features": 2}]`), &layers)
	model, _, err := nn.Build(layers, []int{batch, seq, 1}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		panic(err)
	}
	data := rand.New(rand.NewPCG(3, 4))
	x, y := tensor.New(batch, seq, 1), tensor.New(batch)
	sample := func() {
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
	opt, _ := optim.New("Adam", nn.TrainableVars(model), json.RawMessage(`{"lr": 0.01}`))
	ce := nn.NewCrossEntropyLoss()
	g := nn.NewGraph()
	for range 300 {
		sample()
		g.Reset()
		loss := ce.Forward(g, model.Forward(g, g.Const(x)), g.Const(y))
		if err := g.Backward(loss); err != nil {
			panic(err)
		}
		opt.Step()
		opt.ZeroGrad()
	}
	model.Train(false)
	ig := nn.NewInferenceGraph()
	correct := 0
	for range 10 {
		sample()
		ig.Reset()
		logits := model.Forward(ig, ig.Const(x)).Data.Data
		for b := range batch {
			if (logits[2*b+1] > logits[2*b]) == (y.Data[b] == 1) {
				correct++
			}
		}
	}
	fmt.Println("accuracy ≥ 0.9:", float64(correct)/(10*batch) >= 0.9)
	// Output:
	// accuracy ≥ 0.9: true
}
