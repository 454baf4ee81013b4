// Command epoch times full training epochs of two small networks the way a
// user's training loop runs them: a data/loader DataLoader shuffles a
// TensorDataset into batches of 64, and each batch goes through forward,
// CrossEntropyLoss, backward and SGD (lr 0.01, momentum 0.9).
//
//   - mlp: Linear 784-256, ReLU, Linear 256-128, ReLU, Linear 128-10 on
//     60,000 samples of 784 values in [0, 1];
//   - cnn: Conv2d 1->32 3x3, ReLU, MaxPool2d 2, Flatten, Linear 5408->10 on
//     the first 10,000 of those samples seen as 1x28x28 images.
//
// The data are the same as bench/nn/epoch_torch.py's, value for value: both
// programs derive them from a counter hash (splitmix64), and the labels are
// the argmax of a fixed random linear teacher, so the loss falls and the two
// implementations can be compared on it. After -warmup untimed epochs it runs
// -epochs timed ones, writing each epoch's time, loss and heap allocations
// per step to stderr, and prints, per model,
//
//	go MODEL BEST_SECONDS MEAN_LOSS_OF_LAST_EPOCH ALL_SECONDS...
//
// bench/nn/run.sh interleaves it with the PyTorch script and prints the
// ratios.
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/mlforge/mlforge/data/loader"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
	"github.com/mlforge/mlforge/tensor"
)

const (
	features = 784
	classes  = 10
	batch    = 64
)

// splitmix64 is the hash both programs use to make the data.
func splitmix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// unit maps the hash of counter i to [0, 1) with 24 bits, exactly
// representable in float32.
func unit(i uint64) float64 { return float64(splitmix64(i)>>40) / (1 << 24) }

// makeData returns n samples of 784 values, about half of them zero and the
// rest uniform in (0, 1] like MNIST's ink, and their labels: the argmax of
// x·T for a teacher T (784 x 10) with entries in [-1, 1), computed in
// float64.
func makeData(n int) (x, y *tensor.Tensor) {
	x = tensor.New(n, features)
	for i := range x.Data {
		x.Data[i] = float32(max(0, 2*unit(uint64(i))-1))
	}
	teacher := make([]float64, features*classes)
	for i := range teacher {
		teacher[i] = 2*unit(uint64(1<<40+i)) - 1
	}
	y = tensor.New(n)
	var s [classes]float64
	for r := range n {
		clear(s[:])
		row := x.Data[r*features : (r+1)*features]
		for j, v := range row {
			if v == 0 {
				continue
			}
			t := teacher[j*classes : (j+1)*classes]
			for c := range s {
				s[c] += float64(v) * t[c]
			}
		}
		best := 0
		for c := range s {
			if s[c] > s[best] {
				best = c
			}
		}
		y.Data[r] = float32(best)
	}
	return x, y
}

func mlp(rng *rand.Rand) nn.Module {
	return nn.NewSequential(nn.NewLinear(784, 256, true, rng), &nn.ReLU{}, nn.NewLinear(256, 128, true, rng), &nn.ReLU{}, nn.NewLinear(128, 10, true, rng))
}

func cnn(rng *rand.Rand) nn.Module {
	conv, err := nn.NewConv2d(1, 32, [2]int{3, 3}, nn.ConvOptions{}, true, rng)
	if err != nil {
		panic(err)
	}
	pool, err := nn.NewMaxPool2d(nn.PoolOptions{KernelSize: [2]int{2, 2}})
	if err != nil {
		panic(err)
	}
	return nn.NewSequential(conv, &nn.ReLU{}, pool, nn.NewFlatten(), nn.NewLinear(5408, 10, true, rng))
}

// trainer holds one model's training state.
type trainer struct {
	model nn.Module
	opt   optim.Optimizer
	loss  nn.Loss
	g     *nn.Graph
	dl    *loader.DataLoader
}

// epoch runs one epoch and returns the mean batch loss.
func (t *trainer) epoch(ctx context.Context, e int) (float64, error) {
	it, err := t.dl.Iter(ctx, e)
	if err != nil {
		return 0, err
	}
	defer it.Close()
	var sum float64
	steps := 0
	for it.Next() {
		b := it.Batch()
		g := t.g
		g.Reset()
		t.opt.ZeroGrad()
		l := t.loss.Forward(g, t.model.Forward(g, g.Const(b.X)), g.Const(b.Y))
		if err := g.Backward(l); err != nil {
			return 0, err
		}
		t.opt.Step()
		sum += float64(l.Item())
		steps++
	}
	if err := it.Err(); err != nil {
		return 0, err
	}
	return sum / float64(steps), nil
}

func main() {
	models := flag.String("models", "mlp,cnn", "comma-separated models to time: mlp, cnn")
	warmup := flag.Int("warmup", 1, "untimed epochs before the timed ones")
	epochs := flag.Int("epochs", 3, "timed epochs (the best is reported)")
	workers := flag.Int("workers", 1, "DataLoader goroutines building batches")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the epochs to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "epoch:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "epoch:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Fprintf(os.Stderr, "# go epochs: GOMAXPROCS=%d gemm kernel=%s loader workers=%d\n", runtime.GOMAXPROCS(0), tensor.KernelName(), *workers)

	x, y := makeData(60000)
	for _, name := range strings.Split(*models, ",") {
		var model nn.Module
		var ds *loader.TensorDataset
		var err error
		rng := rand.New(rand.NewPCG(1, 2))
		switch strings.TrimSpace(name) {
		case "mlp":
			model = mlp(rng)
			ds, err = loader.NewTensorDataset(x, y)
		case "cnn":
			model = cnn(rng)
			n := 10000
			ds, err = loader.NewTensorDataset(&tensor.Tensor{Shape: []int{n, 1, 28, 28}, Data: x.Data[:n*features]},
				&tensor.Tensor{Shape: []int{n}, Data: y.Data[:n]})
		default:
			fmt.Fprintf(os.Stderr, "epoch: unknown model %q (want mlp or cnn)\n", name)
			os.Exit(2)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "epoch:", err)
			os.Exit(1)
		}
		opt, err := optim.NewSGD(nn.TrainableVars(model), optim.SGDConfig{LR: 0.01, Momentum: 0.9})
		if err != nil {
			fmt.Fprintln(os.Stderr, "epoch:", err)
			os.Exit(1)
		}
		t := &trainer{model: model, opt: opt, loss: nn.NewCrossEntropyLoss(), g: nn.NewGraph(),
			dl: &loader.DataLoader{Dataset: ds, BatchSize: batch, Shuffle: true, Seed: 1, Workers: *workers}}
		ctx := context.Background()
		var times []string
		bestT := math.Inf(1)
		var loss float64
		var ms0, ms1 runtime.MemStats
		for e := range *warmup + *epochs {
			runtime.ReadMemStats(&ms0)
			start := time.Now()
			loss, err = t.epoch(ctx, e)
			sec := time.Since(start).Seconds()
			runtime.ReadMemStats(&ms1)
			if err != nil {
				fmt.Fprintln(os.Stderr, "epoch:", err)
				os.Exit(1)
			}
			steps := float64(t.dl.Len())
			fmt.Fprintf(os.Stderr, "# go %s epoch %d: %.3f s, loss %.4f, %.2f allocations and %.0f bytes per step (the loader's per-epoch set-up included)\n",
				name, e, sec, loss, float64(ms1.Mallocs-ms0.Mallocs)/steps, float64(ms1.TotalAlloc-ms0.TotalAlloc)/steps)
			if e >= *warmup {
				bestT = min(bestT, sec)
				times = append(times, fmt.Sprintf("%.3f", sec))
			}
		}
		fmt.Printf("go %s %.3f %.4f %s\n", name, bestT, loss, strings.Join(times, " "))
	}
}
