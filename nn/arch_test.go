package nn

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// archFixture is testdata/arch.json (gen_arch.py, PyTorch 1.13 and
// torchvision 0.14).
type archFixture struct {
	Blocks []layerFixture `json:"blocks"`
	Archs  []struct {
		Name       string            `json:"name"`
		NumClasses int               `json:"num_classes"`
		Keys       [][2]any          `json:"keys"`
		Params     int64             `json:"params"`
		Buffers    int64             `json:"buffers"`
		Outputs    map[string][]int  `json:"outputs"`
		Errors     map[string]string `json:"errors"`
	} `json:"archs"`
	Roundtrip []struct {
		Name   string    `json:"name"`
		Input  fixTensor `json:"input"`
		Logits fixTensor `json:"logits"`
	} `json:"roundtrip"`
}

func loadArch(t *testing.T) archFixture {
	var fx archFixture
	loadJSON(t, "arch.json", &fx)
	if len(fx.Blocks) < 7 || len(fx.Archs) < 12 || len(fx.Roundtrip) < 5 {
		t.Fatalf("arch.json has %d blocks, %d architectures, %d round trips; want 7, 12, 5", len(fx.Blocks), len(fx.Archs), len(fx.Roundtrip))
	}
	return fx
}

func TestArchBlocksMatchPyTorch(t *testing.T) {
	for _, c := range loadArch(t).Blocks {
		t.Run(c.Name, func(t *testing.T) { checkLayerCase(t, c) })
	}
}

func TestArchBlockStateDictNames(t *testing.T) {
	specs := []LayerSpec{
		spec("Conv2d", "out_channels", 4, "kernel_size", 1),
		{"type": mustJSON("Residual"), "body": mustJSON([]LayerSpec{spec("Conv2d", "out_channels", 4, "kernel_size", 1), spec("BatchNorm2d")}),
			"shortcut": mustJSON([]LayerSpec{spec("Identity"), spec("Conv2d", "out_channels", 4, "kernel_size", 1)})},
		{"type": mustJSON("Concat"), "branches": mustJSON([][]LayerSpec{{}, {spec("ReLU"), spec("Conv2d", "out_channels", 2, "kernel_size", 1)}})},
	}
	m, out, err := Build(specs, []int{1, 2, 3, 3}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range m.Parameters() {
		names = append(names, p.Name)
	}
	want := []string{"0.weight", "0.bias", "1.body.0.weight", "1.body.0.bias", "1.body.1.weight", "1.body.1.bias",
		"1.body.1.running_mean", "1.body.1.running_var", "1.body.1.num_batches_tracked", "1.shortcut.1.weight", "1.shortcut.1.bias",
		"2.branches.1.1.weight", "2.branches.1.1.bias"}
	if !slices.Equal(names, want) {
		t.Errorf("names %q\nwant %q", names, want)
	}
	if !slices.Equal(out, []int{1, 6, 3, 3}) {
		t.Errorf("out shape %v, want [1 6 3 3]", out)
	}
}

func TestArchBlockErrors(t *testing.T) {
	for _, c := range []struct {
		spec LayerSpec
		want string
	}{
		{LayerSpec{"type": mustJSON("Residual"), "body": mustJSON([]LayerSpec{spec("Conv2d", "out_channels", 5, "kernel_size", 1)})}, "the body's output has shape [1 5 3 3] but the input has shape [1 2 3 3]"},
		{LayerSpec{"type": mustJSON("Residual")}, "body is required"},
		{LayerSpec{"type": mustJSON("Residual"), "body": mustJSON([]LayerSpec{spec("Nope")})}, "body.layers[0]: unknown layer type \"Nope\""},
		{LayerSpec{"type": mustJSON("Add"), "branches": mustJSON([][]LayerSpec{{}, {spec("Conv2d", "out_channels", 4, "kernel_size", 1)}})}, "branches[1] outputs shape [1 4 3 3] but branches[0] outputs [1 2 3 3]"},
		{LayerSpec{"type": mustJSON("Add"), "branches": mustJSON([][]LayerSpec{{}})}, "branches has 1 list(s), expected at least 2"},
		{LayerSpec{"type": mustJSON("Concat"), "dim": mustJSON(0), "branches": mustJSON([][]LayerSpec{{}, {}})}, "dim is 0, expected a dimension in [1, 4)"},
		{LayerSpec{"type": mustJSON("Concat"), "branches": mustJSON([][]LayerSpec{{}, {spec("MaxPool2d", "kernel_size", 3)}})}, "all dimensions but dim 1 must be equal"},
		{LayerSpec{"type": mustJSON("Concat"), "branches": mustJSON([][]LayerSpec{{}, {spec("ReLU")}}), "dims": mustJSON(1)}, "unknown parameter \"dims\" (did you mean \"dim\"?)"},
	} {
		_, err := Plan([]LayerSpec{c.spec}, []int{1, 2, 3, 3})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.spec["type"], err, c.want)
		}
	}
}

// TestArchMatchesTorchvision plans every named architecture for 3x224x224
// and 3x32x32 inputs and compares the parameter and buffer counts, the
// output shapes (or the refusal), and the state_dict keys in order with
// torchvision's; networks under 30M parameters are also built, to compare
// every key's shape.
func TestArchMatchesTorchvision(t *testing.T) {
	for _, a := range loadArch(t).Archs {
		t.Run(a.Name, func(t *testing.T) {
			specs := []LayerSpec{spec(a.Name, "in_channels", "auto", "num_classes", a.NumClasses)}
			for _, size := range []string{"224", "32"} {
				n := 224
				if size == "32" {
					n = 32
				}
				pl, err := Plan(specs, []int{1, 3, n, n})
				if a.Outputs[size] == nil {
					if err == nil {
						t.Errorf("%s: planned %v, torchvision refuses: %s", size, pl.OutShape, a.Errors[size])
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", size, err)
				}
				if !slices.Equal(pl.OutShape, a.Outputs[size]) {
					t.Errorf("%s: output %v, torchvision %v", size, pl.OutShape, a.Outputs[size])
				}
				if a.Name == "LeNet5" && size == "224" {
					continue // its first Linear follows the input size
				}
				if pl.Params != a.Params || pl.Buffers != a.Buffers {
					t.Errorf("%s: %d parameters and %d buffer elements, torchvision %d and %d", size, pl.Params, pl.Buffers, a.Params, a.Buffers)
				}
			}
			pl, err := Plan(specs, []int{1, 3, 32, 32})
			if a.Name == "AlexNet" {
				pl, err = Plan(specs, []int{1, 3, 224, 224})
			}
			if err != nil {
				t.Fatal(err)
			}
			// Under -short (the race step) only the small networks are
			// built: the plain run builds every one under 30M parameters.
			build := a.Params < 30_000_000 && (!testing.Short() || a.Params < 2_000_000)
			var m Module = pl.seq
			if build {
				m = pl.Build(rand.New(rand.NewPCG(1, 2)))
			}
			ps := m.Parameters()
			keys := a.Keys
			if !build { // a convolution's or Linear's bias is listed once allocated: skip the missing biases
				var kept [][2]any
				j := 0
				for _, k := range keys {
					if j < len(ps) && ps[j].Name == k[0].(string) {
						kept = append(kept, k)
						j++
					} else if !strings.HasSuffix(k[0].(string), ".bias") {
						t.Fatalf("torchvision key %q missing (next planned key %d)", k[0], j)
					}
				}
				keys = kept
			}
			if len(ps) != len(keys) {
				t.Fatalf("%d state_dict keys, torchvision %d", len(ps), len(a.Keys))
			}
			for i, p := range ps {
				if p.Name != keys[i][0].(string) {
					t.Fatalf("key %d is %q, torchvision %q", i, p.Name, keys[i][0])
				}
				if !build {
					continue
				}
				var want []int
				for _, v := range keys[i][1].([]any) {
					want = append(want, int(v.(float64)))
				}
				if got := p.Var.Data.Shape; !slices.Equal(got, want) && !(len(want) == 0 && len(got) <= 1 && len(p.Var.Data.Data) == 1) {
					t.Errorf("%s has shape %v, torchvision %v", p.Name, got, want)
				}
			}
		})
	}
}

// fillArch computes gen_arch.py's fill(): the value of every element of
// state_dict tensor key, the index-th entry of the state_dict.
func fillArch(key string, shape []int, index int) []float32 {
	n := 1
	for _, s := range shape {
		n *= s
	}
	out := make([]float32, n)
	if strings.HasSuffix(key, "num_batches_tracked") {
		for i := range out {
			out[i] = 3
		}
		return out
	}
	for i := range out {
		w := math.Sin(float64(i)*0.7 + float64(index)*1.3)
		var v float64
		switch {
		case strings.HasSuffix(key, "running_var"):
			v = 1 + 0.5*math.Abs(w)
		case strings.HasSuffix(key, "running_mean"), strings.HasSuffix(key, "bias"):
			v = 0.1 * w
		case len(shape) == 1:
			v = 1 + 0.2*w
		default:
			v = w * math.Sqrt(3/float64(n/shape[0]))
		}
		out[i] = float32(v)
	}
	return out
}

// TestArchWeightsRoundTrip fills torchvision's state_dict values (see
// gen_arch.py) by key, writes them as a safetensors file, loads that file
// by name into a freshly built network and compares eval-mode logits with
// torchvision's to 1e-4; then saves the network again and checks the file
// holds the same keys, shapes and values.
func TestArchWeightsRoundTrip(t *testing.T) {
	for _, c := range loadArch(t).Roundtrip {
		t.Run(c.Name, func(t *testing.T) {
			if testing.Short() && c.Name != "LeNet5" && c.Name != "SqueezeNet1_1" {
				t.Skip("-short: the small networks only (the plain run takes every one)")
			}
			specs := []LayerSpec{spec(c.Name, "num_classes", "n_labels")}
			specs[0]["num_classes"] = mustJSON(10)
			src, _, err := Build(specs, c.Input.Shape, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range src.Parameters() {
				copy(p.Var.Data.Data, fillArch(p.Name, p.Var.Data.Shape, i))
			}
			var file bytes.Buffer
			if err := SaveSafetensors(&file, src, nil); err != nil {
				t.Fatal(err)
			}
			saved := file.Bytes()
			dst, _, err := Build(specs, c.Input.Shape, rand.New(rand.NewPCG(3, 4)))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := LoadSafetensors(bytes.NewReader(saved), int64(len(saved)), dst); err != nil {
				t.Fatal(err)
			}
			dst.Train(false)
			g := NewInferenceGraph()
			out := dst.Forward(g, g.Const(c.Input.tensor()))
			if err := g.Err(); err != nil {
				t.Fatal(err)
			}
			closeTo(t, "logits", out.Data.Data, out.Data.Shape, c.Logits, 1e-4, 1e-4)
			var again bytes.Buffer
			if err := SaveSafetensors(&again, dst, nil); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Bytes(), saved) {
				t.Error("saving the loaded network gives a different file")
			}
		})
	}
}

// TestArchPlanResNet50Budget: a budget sees ResNet50's training memory at
// 224x224 with batch 64 from the plan alone.
func TestArchPlanResNet50Budget(t *testing.T) {
	pl, err := Plan([]LayerSpec{spec("ResNet50", "num_classes", 1000)}, []int{64, 3, 224, 224})
	if err != nil {
		t.Fatal(err)
	}
	// PyTorch keeps about 100M float32 activations per 224x224 ResNet50
	// sample for the backward pass (~25 GB at batch 64, measured by
	// torch.cuda.max_memory_allocated in common reports); the plan counts
	// every layer's output and convolution workspace, so it must be at
	// least the outputs' 5.5 GB.
	if got := pl.Activations * 4; got < 5<<30 {
		t.Errorf("ResNet50 at batch 64 planned %d bytes of activations, want at least 5 GiB", got)
	}
	if pl.Params != 25557032 {
		t.Errorf("params %d", pl.Params)
	}
	t.Logf("ResNet50 batch 64 at 224x224: %.1f GiB of activations planned", float64(pl.Activations*4)/(1<<30))
}

func TestArchPretrainedAndFreeze(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds ResNet18 twice and ResNet34 (33M weights drawn), 4 minutes under the race detector; the plain run covers it")
	}
	build := func(classes int, seed uint64) *Sequential {
		m, _, err := Build([]LayerSpec{spec("ResNet18", "num_classes", classes)}, []int{2, 3, 32, 32}, rand.New(rand.NewPCG(seed, 1)))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	src, dst := build(1000, 1), build(10, 2)
	var file bytes.Buffer
	if err := SaveSafetensors(&file, src, nil); err != nil {
		t.Fatal(err)
	}
	fcBefore := slices.Clone(dst.Parameters()[len(dst.Parameters())-1].Var.Data.Data)
	skipped, err := LoadPretrainedSafetensors(bytes.NewReader(file.Bytes()), int64(file.Len()), dst)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(skipped, []string{"fc.weight", "fc.bias"}) || Head(dst) != "fc." {
		t.Errorf("skipped %q, head %q; want fc.weight, fc.bias and fc.", skipped, Head(dst))
	}
	sp, dp := src.Parameters(), dst.Parameters()
	if !slices.Equal(sp[0].Var.Data.Data, dp[0].Var.Data.Data) || !slices.Equal(fcBefore, dp[len(dp)-1].Var.Data.Data) {
		t.Error("conv1 not loaded or fc overwritten")
	}
	other, _, err := Build([]LayerSpec{spec("ResNet34", "num_classes", 10)}, []int{2, 3, 32, 32}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPretrainedSafetensors(bytes.NewReader(file.Bytes()), int64(file.Len()), other); err == nil || !strings.Contains(err.Error(), "lack \"layer1.2.conv1.weight\"") {
		t.Errorf("ResNet18 weights into ResNet34: %v", err)
	}
	head := Freeze(dst)
	if len(head) != 2 {
		t.Fatalf("Freeze returned %d head vars, want 2", len(head))
	}
	g := NewGraph()
	x := tensor.New(2, 3, 32, 32)
	for i := range x.Data {
		x.Data[i] = float32(i%7) - 3
	}
	out := dst.Forward(g, g.Const(x))
	if err := g.Backward(g.Sum(out)); err != nil {
		t.Fatal(err)
	}
	if dp[0].Var.Grad != nil {
		t.Error("a frozen convolution got a gradient")
	}
	if head[0].Grad == nil {
		t.Error("the head has no gradient")
	}
}

// BenchmarkResNet18Step is one training step (forward and backward) of
// ResNet18 on a batch of 16 3x32x32 images.
func BenchmarkResNet18Step(b *testing.B) {
	m, _, err := Build([]LayerSpec{spec("ResNet18", "num_classes", 10)}, []int{16, 3, 32, 32}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		b.Fatal(err)
	}
	x := tensor.New(16, 3, 32, 32)
	for i := range x.Data {
		x.Data[i] = float32(math.Sin(float64(i)))
	}
	g := NewGraph()
	for b.Loop() {
		g.Reset()
		out := m.Forward(g, g.Const(x))
		if err := g.Backward(g.Sum(out)); err != nil {
			b.Fatal(err)
		}
		ZeroGrad(m)
	}
}

// TestArchInit: the weights follow torchvision's initialisation (standard
// deviations of kaiming_normal_ with fan_out, N(0, 0.01), zero biases).
func TestArchInit(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: draws the weights of four architectures; the plain run covers it")
	}
	std := func(x []float32) float64 {
		var s, s2 float64
		for _, v := range x {
			s += float64(v)
			s2 += float64(v) * float64(v)
		}
		m := s / float64(len(x))
		return math.Sqrt(s2/float64(len(x)) - m*m)
	}
	for _, c := range []struct {
		arch, key string
		want      float64
	}{
		{"ResNet18", "layer1.0.conv1.weight", math.Sqrt(2.0 / (64 * 9))},
		{"MobileNetV2", "features.2.conv.0.0.weight", math.Sqrt(2.0 / 96)}, // 1x1 expansion 16 → 96
		{"MobileNetV2", "classifier.1.weight", 0.01},
		{"DenseNet121", "features.conv0.weight", math.Sqrt(2.0 / (3 * 49))},
		{"SqueezeNet1_1", "classifier.1.weight", 0.01},
	} {
		m, _, err := Build([]LayerSpec{spec(c.arch, "num_classes", 1000)}, []int{1, 3, 32, 32}, rand.New(rand.NewPCG(5, 6)))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m.Parameters() {
			if p.Name == c.key {
				if got := std(p.Var.Data.Data); math.Abs(got-c.want) > 0.05*c.want {
					t.Errorf("%s %s: std %.4g, want %.4g", c.arch, c.key, got, c.want)
				}
			}
			if c.arch != "ResNet18" && strings.HasSuffix(p.Name, ".bias") && !strings.Contains(p.Name, "norm") && std(p.Var.Data.Data) != 0 {
				t.Errorf("%s %s: bias not zero", c.arch, p.Name)
			}
		}
	}
}
