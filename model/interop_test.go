package model

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
	"github.com/mlforge/mlforge/tensor"
)

var updateInterop = flag.Bool("update-interop", false, "rewrite testdata/go_net (then run testdata/torch_interop.py)")

// interopIO is the inputs and outputs a network is checked on.
type interopIO struct {
	Layers     []nn.LayerSpec `json:"layers,omitempty"`
	InputShape []int          `json:"input_shape"`
	Inputs     []float32      `json:"inputs"`
	Outputs    []float32      `json:"outputs"`
}

// goNetLayers is the network saved for testdata/torch_interop.py: every
// layer family whose weights PyTorch names (convolution, batch norm with its
// running statistics and counter, layer norm, linear).
const goNetLayers = `[
  {"type": "Conv2d", "in_channels": "auto", "out_channels": 4, "kernel_size": 3, "padding": 1},
  {"type": "BatchNorm2d", "num_features": "auto"},
  {"type": "ReLU"},
  {"type": "MaxPool2d", "kernel_size": 2},
  {"type": "Flatten"},
  {"type": "Linear", "in_features": "auto", "out_features": 16},
  {"type": "GELU"},
  {"type": "LayerNorm", "normalized_shape": "auto"},
  {"type": "Dropout", "p": 0.2},
  {"type": "Linear", "in_features": "auto", "out_features": 3}
]`

func maxAbsDiff(a, b []float32) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

// TestGoNetForTorch checks the network model in testdata/go_net, which
// testdata/torch_interop.py loads into torch.nn.Sequential: the committed
// file must still load here and give the committed outputs. With
// -update-interop it trains the network for a few steps (so that the batch
// norm statistics move) and rewrites the file and its inputs and outputs.
func TestGoNetForTorch(t *testing.T) {
	dir := filepath.Join("testdata", "go_net")
	in := []int{2, 8, 8}
	if *updateInterop {
		var layers []nn.LayerSpec
		if err := json.Unmarshal([]byte(goNetLayers), &layers); err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(5, 6))
		seq, _, err := nn.Build(layers, append([]int{1}, in...), rng)
		if err != nil {
			t.Fatal(err)
		}
		opt, _ := optim.New("SGD", nn.TrainableVars(seq), json.RawMessage(`{"lr": 0.05, "momentum": 0.9}`))
		x, y := tensor.New(16, 2, 8, 8), tensor.New(16)
		g := nn.NewGraph()
		for step := range 20 {
			for i := range x.Data {
				x.Data[i] = float32(rng.NormFloat64())
			}
			for i := range y.Data {
				y.Data[i] = float32((i + step) % 3)
			}
			g.Reset()
			loss := nn.NewCrossEntropyLoss().Forward(g, seq.Forward(g, g.Const(x)), g.Const(y))
			if err := g.Backward(loss); err != nil {
				t.Fatal(err)
			}
			opt.Step()
			opt.ZeroGrad()
		}
		seq.Train(false)
		m := &Model{Net: &Network{Module: seq, Manifest: NetworkManifest{Layers: layers, InputShape: in, Data: "idx", ImageMode: "L"}},
			Manifest: Manifest{Name: "go-net", Task: ml.Classification, Classes: []float64{0, 1, 2}, Features: []Column{}}}
		if _, err := Save(dir, m); err != nil {
			t.Fatal(err)
		}
		xs := tensor.New(5, 2, 8, 8)
		for i := range xs.Data {
			xs.Data[i] = float32(rng.NormFloat64())
		}
		out, err := m.Net.Forward(xs)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(interopIO{InputShape: xs.Shape, Inputs: xs.Data, Outputs: out.Data})
		if err := os.WriteFile(filepath.Join(dir, "io.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var io interopIO
	b, err := os.ReadFile(filepath.Join(dir, "io.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &io); err != nil {
		t.Fatal(err)
	}
	out, err := m.Net.Forward(&tensor.Tensor{Shape: io.InputShape, Data: io.Inputs})
	if err != nil {
		t.Fatal(err)
	}
	// The same code on the same weights: only a change of kernels (summation
	// order) could move the outputs, by float32 rounding.
	if d := maxAbsDiff(out.Data, io.Outputs); d > 1e-5 {
		t.Errorf("outputs differ from the committed ones by %g", d)
	}
	names := map[string]bool{}
	for _, p := range m.Net.Module.Parameters() {
		names[p.Name] = true
	}
	for _, want := range []string{"0.weight", "0.bias", "1.running_mean", "1.num_batches_tracked", "5.weight", "7.weight", "9.bias"} {
		if !names[want] {
			t.Errorf("no parameter %q in %v", want, names)
		}
	}
}

// TestTorchNetInGo loads weights that testdata/torch_interop.py trained in
// PyTorch 1.13 and saved as safetensors (testdata/torch_net.safetensors)
// into the same network built here, and compares the outputs with
// PyTorch's on the same inputs (testdata/torch_net.json). The tolerance,
// 1e-4, allows for float32 summation order in the convolution and matrix
// products; the observed difference is logged.
func TestTorchNetInGo(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "torch_net.json"))
	if err != nil {
		t.Fatal(err)
	}
	var io interopIO
	if err := json.Unmarshal(b, &io); err != nil {
		t.Fatal(err)
	}
	seq, _, err := nn.Build(io.Layers, io.InputShape, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join("testdata", "torch_net.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := nn.LoadSafetensors(f, 1<<20, seq); err != nil {
		t.Fatal(err)
	}
	seq.Train(false)
	net := &Network{Module: seq, Manifest: NetworkManifest{Layers: io.Layers, InputShape: io.InputShape[1:]}}
	out, err := net.Forward(&tensor.Tensor{Shape: io.InputShape, Data: io.Inputs})
	if err != nil {
		t.Fatal(err)
	}
	d := maxAbsDiff(out.Data, io.Outputs)
	t.Logf("max |mlforge - torch| = %.3g over %d outputs", d, len(io.Outputs))
	if d > 1e-4 {
		t.Errorf("outputs differ from PyTorch's by %g", d)
	}
}

// TestNetworkFileChecks checks that a network model file obeys the rules of
// every model file: a changed weight or manifest fails the checksum, and
// the format version is checked.
func TestNetworkFileChecks(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "go_net", FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(b); err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), b...)
	bad[len(bad)-3] ^= 0x40 // a weight of the last layer
	if _, err := Decode(bad); err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Errorf("changed weight: %v, want a checksum mismatch", err)
	}
	v := bytes.Replace(b, []byte(`"format_version":"1"`), []byte(`"format_version":"9"`), 1)
	if bytes.Equal(v, b) {
		t.Fatal("no format_version in the header")
	}
	if _, err := Decode(v); err == nil || !strings.Contains(err.Error(), "format version") {
		t.Errorf("format version 9: %v", err)
	}
}
