// Command epoch times full training epochs of small networks the way a
// user's training loop runs them: a data/loader DataLoader shuffles a
// TensorDataset into batches of 64, and each batch goes through forward,
// CrossEntropyLoss, backward and SGD (lr 0.01, momentum 0.9).
//
//   - mlp: Linear 784-256, ReLU, Linear 256-128, ReLU, Linear 128-10 on
//     60,000 samples of 784 values in [0, 1];
//   - cnn: Conv2d 1->32 3x3, ReLU, MaxPool2d 2, Flatten, Linear 5408->10 on
//     the first 10,000 of those samples seen as 1x28x28 images;
//   - cnn2: the two-convolution network of the mnist spec below (Conv2d
//     1->16 and 16->32, 3x3, padding 1, each with ReLU and MaxPool2d 2,
//     Linear 1568->64, ReLU, Linear 64->10) on the same 10,000 images,
//     with Adam (lr 0.001) as in the spec;
//   - resnet18: torchvision's resnet18 (num_classes 10, BatchNorm in
//     training mode) on 5,000 samples of 3x32x32 values;
//   - cnn1d: Conv1d 4->32 k5 padding 2, ReLU, MaxPool1d 2, Conv1d 32->64 k5
//     padding 2, ReLU, MaxPool1d 2, Flatten, Linear 3136->10 on the first
//     10,000 samples of 784 values seen as 4 channels of 196 steps;
//   - transformer: Linear 16->64 per position, a TransformerEncoder of 2
//     layers (d_model 64, 4 heads, dim_feedforward 128, dropout 0.1,
//     batch_first), Flatten, Linear 3136->10 on the first 10,000 samples
//     seen as 49 positions of 16 features.
//
// The networks are built from layer specs (nn.Build), as a training spec
// builds them. The data are the same as bench/nn/epoch_torch.py's, value
// for value: both programs derive them from a counter hash (splitmix64),
// and the labels are the argmax of a fixed random linear teacher, so the
// loss falls and the two implementations can be compared on it. After
// -warmup untimed epochs it runs -epochs timed ones, writing each epoch's
// time, loss and heap allocations per step to stderr, and prints, per
// model,
//
//	go MODEL BEST_SECONDS MEAN_LOSS_OF_LAST_EPOCH ALL_SECONDS...
//
// The model "mnist" is different: it is a whole training run from a spec
// (train.Run, as `mlforge train` does it) of the two-convolution network on
// 8,000 MNIST images (the t10k file of -mnist, split 8,000/2,000 stratified
// with seed 1, ToTensor and Normalize), Adam lr 0.001, batch 64, 5 epochs,
// each followed by the run's evaluation on the 2,000 held-out images and
// its checkpoint. Its line reports the fit time (all 5 epochs) as
// BEST_SECONDS and each epoch's time after it.
//
// -limit N trains on the first N samples only, for short profiles
// (-cpuprofile) of a few steps.
//
// bench/nn/run.sh interleaves it with the PyTorch script and prints the
// ratios.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"syscall"
	"time"

	"github.com/mlforge/mlforge/data/loader"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/tensor"
	"github.com/mlforge/mlforge/train"
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

// makeData returns n samples of p values, about half of them zero and the
// rest uniform in (0, 1] like MNIST's ink, and their labels: the argmax of
// x·T for a teacher T (p x 10) with entries in [-1, 1), computed in
// float64.
func makeData(n, p int) (x, y *tensor.Tensor) {
	x = tensor.New(n, p)
	for i := range x.Data {
		x.Data[i] = float32(max(0, 2*unit(uint64(i))-1))
	}
	teacher := make([]float64, p*classes)
	for i := range teacher {
		teacher[i] = 2*unit(uint64(1<<40+i)) - 1
	}
	y = tensor.New(n)
	var s [classes]float64
	for r := range n {
		clear(s[:])
		row := x.Data[r*p : (r+1)*p]
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

// cnn2Layers is the two-convolution network of the mnist spec.
const cnn2Layers = `[
  {"type": "Conv2d", "in_channels": "auto", "out_channels": 16, "kernel_size": 3, "padding": 1},
  {"type": "ReLU"},
  {"type": "MaxPool2d", "kernel_size": 2},
  {"type": "Conv2d", "in_channels": "auto", "out_channels": 32, "kernel_size": 3, "padding": 1},
  {"type": "ReLU"},
  {"type": "MaxPool2d", "kernel_size": 2},
  {"type": "Flatten"},
  {"type": "Linear", "in_features": "auto", "out_features": 64},
  {"type": "ReLU"},
  {"type": "Linear", "in_features": "auto", "out_features": 10}]`

// workload is one model of the epoch benchmark: its layers as a spec, the
// shape of one sample, the number of samples and of features per sample of
// the generated data, and whether it trains with Adam instead of SGD.
type workload struct {
	layers   string
	shape    []int
	n, feats int
	adam     bool
}

var workloads = map[string]workload{
	"mlp": {layers: `[{"type": "Linear", "in_features": 784, "out_features": 256}, {"type": "ReLU"},
		{"type": "Linear", "in_features": 256, "out_features": 128}, {"type": "ReLU"},
		{"type": "Linear", "in_features": 128, "out_features": 10}]`, shape: []int{784}, n: 60000, feats: features},
	"cnn": {layers: `[{"type": "Conv2d", "in_channels": 1, "out_channels": 32, "kernel_size": 3}, {"type": "ReLU"},
		{"type": "MaxPool2d", "kernel_size": 2}, {"type": "Flatten"}, {"type": "Linear", "in_features": 5408, "out_features": 10}]`,
		shape: []int{1, 28, 28}, n: 10000, feats: features},
	"cnn2":     {layers: cnn2Layers, shape: []int{1, 28, 28}, n: 10000, feats: features, adam: true},
	"resnet18": {layers: `[{"type": "ResNet18", "num_classes": 10}]`, shape: []int{3, 32, 32}, n: 5000, feats: 3 * 32 * 32},
	"cnn1d": {layers: `[{"type": "Conv1d", "in_channels": 4, "out_channels": 32, "kernel_size": 5, "padding": 2}, {"type": "ReLU"},
		{"type": "MaxPool1d", "kernel_size": 2},
		{"type": "Conv1d", "in_channels": 32, "out_channels": 64, "kernel_size": 5, "padding": 2}, {"type": "ReLU"},
		{"type": "MaxPool1d", "kernel_size": 2}, {"type": "Flatten"}, {"type": "Linear", "in_features": 3136, "out_features": 10}]`,
		shape: []int{4, 196}, n: 10000, feats: features},
	"transformer": {layers: `[{"type": "Linear", "in_features": 16, "out_features": 64},
		{"type": "TransformerEncoder", "num_layers": 2,
		 "encoder_layer": {"d_model": 64, "nhead": 4, "dim_feedforward": 128, "dropout": 0.1, "batch_first": true}},
		{"type": "Flatten"}, {"type": "Linear", "in_features": 3136, "out_features": 10}]`,
		shape: []int{49, 16}, n: 10000, feats: features},
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

// cpuSeconds returns the user and system CPU time of the process so far,
// which a loaded machine inflates less than the wall-clock time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "epoch:", err)
	os.Exit(1)
}

// data caches the generated data by feature count.
var data = map[int][2]*tensor.Tensor{}

func dataset(w workload) (*loader.TensorDataset, error) {
	d, ok := data[w.feats]
	if !ok {
		// The 784-feature data are made for 60,000 samples so that the
		// models taking fewer see the first rows of the same data.
		n := w.n
		if w.feats == features {
			n = 60000
		}
		x, y := makeData(n, w.feats)
		d = [2]*tensor.Tensor{x, y}
		data[w.feats] = d
	}
	x, y := d[0], d[1]
	return loader.NewTensorDataset(&tensor.Tensor{Shape: append([]int{w.n}, w.shape...), Data: x.Data[:w.n*w.feats]},
		&tensor.Tensor{Shape: []int{w.n}, Data: y.Data[:w.n]})
}

func runEpochs(name string, w workload, warmup, epochs, workers int) {
	var specs []nn.LayerSpec
	if err := json.Unmarshal([]byte(w.layers), &specs); err != nil {
		fail(fmt.Errorf("%s: %w", name, err))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	model, _, err := nn.Build(specs, append([]int{batch}, w.shape...), rng)
	if err != nil {
		fail(fmt.Errorf("%s: %w", name, err))
	}
	model.Train(true)
	ds, err := dataset(w)
	if err != nil {
		fail(err)
	}
	var opt optim.Optimizer
	if w.adam {
		opt, err = optim.New("Adam", nn.TrainableVars(model), json.RawMessage(`{"lr": 0.001}`))
	} else {
		opt, err = optim.NewSGD(nn.TrainableVars(model), optim.SGDConfig{LR: 0.01, Momentum: 0.9})
	}
	if err != nil {
		fail(err)
	}
	t := &trainer{model: model, opt: opt, loss: nn.NewCrossEntropyLoss(), g: nn.NewGraph(),
		dl: &loader.DataLoader{Dataset: ds, BatchSize: batch, Shuffle: true, Seed: 1, Workers: workers}}
	ctx := context.Background()
	var times []string
	bestT := math.Inf(1)
	var loss float64
	var ms0, ms1 runtime.MemStats
	for e := range warmup + epochs {
		runtime.ReadMemStats(&ms0)
		start, cpu0 := time.Now(), cpuSeconds()
		loss, err = t.epoch(ctx, e)
		sec, cpu := time.Since(start).Seconds(), cpuSeconds()-cpu0
		runtime.ReadMemStats(&ms1)
		if err != nil {
			fail(err)
		}
		steps := float64(t.dl.Len())
		fmt.Fprintf(os.Stderr, "# go %s epoch %d: %.3f s (%.3f s CPU), loss %.4f, %.2f allocations and %.0f bytes per step (the loader's per-epoch set-up included)\n",
			name, e, sec, cpu, loss, float64(ms1.Mallocs-ms0.Mallocs)/steps, float64(ms1.TotalAlloc-ms0.TotalAlloc)/steps)
		if e >= warmup {
			bestT = min(bestT, sec)
			times = append(times, fmt.Sprintf("%.3f", sec))
		}
	}
	fmt.Printf("go %s %.3f %.4f %s\n", name, bestT, loss, strings.Join(times, " "))
}

// mnistSpec is the spec of the "mnist" model; %q is the MNIST folder.
const mnistSpec = `{
  "name": "bench-mnist-cnn2",
  "seed": 1,
  "data": {
    "train": {"images": %q, "labels": %q},
    "split": {"test_size": 0.2, "stratify": true}
  },
  "transforms": [{"type": "ToTensor"}, {"type": "Normalize", "mean": [0.1307], "std": [0.3081]}],
  "model": {"layers": ` + cnn2Layers + `},
  "criterion": "CrossEntropyLoss",
  "optimizer": {"type": "Adam", "lr": 0.001},
  "batch_size": 64,
  "epochs": 5,
  "metrics": ["accuracy"]
}`

// runSpec trains the mnist spec once and reports its fit time.
func runSpec(dir string) {
	s, err := spec.Parse([]byte(fmt.Sprintf(mnistSpec, dir+"/t10k-images-idx3-ubyte.gz", dir+"/t10k-labels-idx1-ubyte.gz")))
	if err != nil {
		fail(err)
	}
	out, err := os.MkdirTemp("", "bench-mnist-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(out)
	var epochs []string
	var loss float64
	last, lastCPU := time.Now(), cpuSeconds()
	rep := ml.ReporterFunc(func(e ml.Event) {
		switch e.Kind {
		case "stage":
			if strings.HasPrefix(e.Message, "load") {
				last, lastCPU = time.Now(), cpuSeconds()
			}
		case "epoch":
			now, nowCPU := time.Now(), cpuSeconds()
			sec, cpu := now.Sub(last).Seconds(), nowCPU-lastCPU
			last, lastCPU = now, nowCPU
			loss = *e.Loss
			epochs = append(epochs, fmt.Sprintf("%.3f", sec))
			fmt.Fprintf(os.Stderr, "# go mnist epoch %d: %.3f s (%.3f s CPU) with the evaluation and checkpoint, loss %.4f, val_accuracy %.4f\n", e.Epoch, sec, cpu, loss, e.Metrics["val_accuracy"])
		}
	})
	res, err := train.Run(context.Background(), s, train.Options{Output: out, Reporter: rep})
	if err != nil {
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "# go mnist: load %.3f s, fit %.3f s, final scoring %.3f s, test accuracy %.4f\n",
		res.Timings.LoadS, res.Timings.FitS, res.Timings.PredictS, res.Metrics["test"]["accuracy"])
	fmt.Printf("go mnist %.3f %.4f %s\n", res.Timings.FitS, loss, strings.Join(epochs, " "))
}

func main() {
	models := flag.String("models", "mlp,cnn,cnn2,resnet18,cnn1d,transformer,mnist", "comma-separated models to time: mlp, cnn, cnn2, resnet18, cnn1d, transformer, mnist")
	warmup := flag.Int("warmup", 1, "untimed epochs before the timed ones")
	epochs := flag.Int("epochs", 3, "timed epochs (the best is reported)")
	workers := flag.Int("workers", 1, "DataLoader goroutines building batches")
	mnist := flag.String("mnist", "../shared/data/mnist", "folder of t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz for the mnist model")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the epochs to this file")
	limit := flag.Int("limit", 0, "train on only the first N samples of each model's data (0: all), for short profiles")
	traceOut := flag.String("trace", "", "write a runtime execution trace of the run to this file (go tool trace)")
	flag.Parse()
	if *traceOut != "" {
		f, err := os.Create(*traceOut)
		if err != nil {
			fail(err)
		}
		if err := trace.Start(f); err != nil {
			fail(err)
		}
		defer trace.Stop()
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Fprintf(os.Stderr, "# go epochs: GOMAXPROCS=%d gemm kernel=%s loader workers=%d\n", runtime.GOMAXPROCS(0), tensor.KernelName(), *workers)
	for _, name := range strings.Split(*models, ",") {
		name = strings.TrimSpace(name)
		if name == "mnist" {
			runSpec(*mnist)
			continue
		}
		w, ok := workloads[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "epoch: unknown model %q (want mlp, cnn, cnn2, resnet18, cnn1d, transformer or mnist)\n", name)
			os.Exit(2)
		}
		if *limit > 0 {
			w.n = min(w.n, *limit)
		}
		runEpochs(name, w, *warmup, *epochs, *workers)
	}
}
