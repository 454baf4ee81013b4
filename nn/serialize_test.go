package nn

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

func seqFromFixture(t *testing.T) (*Sequential, layerFixture) {
	var fx struct {
		Layers []layerFixture `json:"layers"`
	}
	loadJSON(t, "layers.json", &fx)
	for _, c := range fx.Layers {
		if c.Name == "sequential" {
			m, _, err := NewLayer(specFromArgs(c.Type, c.Args), c.Input.Shape, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				t.Fatal(err)
			}
			return m.(*Sequential), c
		}
	}
	t.Fatal("no sequential case")
	return nil, layerFixture{}
}

// TestLoadPyTorchSafetensors loads a file written from a PyTorch
// state_dict (including BatchNorm's int64 num_batches_tracked).
func TestLoadPyTorchSafetensors(t *testing.T) {
	m, c := seqFromFixture(t)
	f, err := os.Open("testdata/sequential.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	meta, err := LoadSafetensors(f, 1<<20, m)
	if err != nil {
		t.Fatal(err)
	}
	if meta["format"] != "pt" {
		t.Errorf("metadata %v", meta)
	}
	for _, p := range m.Parameters() {
		want, ok := c.StateAfter[p.Name]
		if !ok {
			t.Fatalf("PyTorch has no %q", p.Name)
		}
		closeTo(t, p.Name, p.Var.Data.Data, p.Var.Data.Shape, want, 0, 0)
	}
}

func TestSafetensorsRoundTripAndErrors(t *testing.T) {
	m, _ := seqFromFixture(t)
	m.Layers[2].(*BatchNorm).NumBatchesTracked.Data.Data[0] = 7
	var buf bytes.Buffer
	if err := SaveSafetensors(&buf, m, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	m2, _ := seqFromFixture(t)
	meta, err := LoadSafetensors(bytes.NewReader(buf.Bytes()), 1<<20, m2)
	if err != nil {
		t.Fatal(err)
	}
	if meta["k"] != "v" {
		t.Errorf("metadata %v", meta)
	}
	sd1, sd2 := StateDict(m), StateDict(m2)
	for k, v := range sd1 {
		for i := range v.Data {
			if sd2[k].Data[i] != v.Data[i] {
				t.Fatalf("%s[%d] = %v after round trip, want %v", k, i, sd2[k].Data[i], v.Data[i])
			}
		}
	}
	// Truncations and a tampered header are errors, never panics.
	b := buf.Bytes()
	for _, n := range []int{0, 4, 8, 20, len(b) / 2, len(b) - 1} {
		if _, err := LoadSafetensors(bytes.NewReader(b[:n]), 1<<20, m2); err == nil {
			t.Errorf("truncated to %d bytes: no error", n)
		}
	}
	bad := bytes.Replace(b, []byte(`"shape":[3,8]`), []byte(`"shape":[8,3]`), 1)
	if _, err := LoadSafetensors(bytes.NewReader(bad), 1<<20, m2); err == nil || !strings.Contains(err.Error(), "4.weight") {
		t.Errorf("wrong shape: error %v, want one naming 4.weight", err)
	}
	// A model of another architecture is rejected with the key at fault.
	other := NewSequential(NewLinear(3, 2, true, rand.New(rand.NewPCG(1, 1))))
	if _, err := LoadSafetensors(bytes.NewReader(b), 1<<20, other); err == nil || !strings.Contains(err.Error(), "0.weight") {
		t.Errorf("other model: error %v", err)
	}
}

func TestRegistryErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	cases := []struct {
		spec string
		in   []int
		want string
	}{
		{`{"type":"Conv2D","in_channels":1}`, []int{1, 1, 8, 8}, `unknown layer type "Conv2D" (did you mean "Conv2d"?)`},
		{`{"type":"Conv2d","out_channels":4,"kernal_size":3}`, []int{1, 1, 8, 8}, `unknown parameter "kernal_size" (did you mean "kernel_size"?)`},
		{`{"type":"Conv2d","out_channels":4}`, []int{1, 1, 8, 8}, `kernel_size is required`},
		{`{"type":"Conv2d","out_channels":4,"kernel_size":3,"kernal_size":3}`, []int{1, 1, 8, 8}, `unknown parameter "kernal_size" (did you mean "kernel_size"?)`},
		{`{"type":"Linear","in_features":10,"out_features":3}`, []int{2, 12}, `Linear expects input of shape (*, 10), got [2 12]`},
		{`{"type":"Conv2d","in_channels":3,"out_channels":4,"kernel_size":3}`, []int{2, 1, 8, 8}, `Conv2d expects input of shape (N, 3, H, W), got [2 1 8 8]`},
		{`{"type":"Conv2d","in_channels":4,"out_channels":6,"kernel_size":3,"groups":4}`, []int{2, 4, 8, 8}, `divisible by groups 4`},
		{`{"type":"Linear","out_features":"x"}`, []int{2, 5}, `out_features: expected an integer, got "x"`},
		{`{"type":"GELU","approximate":"tan"}`, []int{2, 5}, `approximate is "tan", expected one of ["none" "tanh"] (did you mean "tanh"?)`},
		{`{"type":"Dropout","p":1.5}`, []int{2, 5}, `p is 1.5, expected a probability in [0, 1]`},
		{`{"type":"MaxPool2d","kernel_size":2}`, []int{2, 5}, `MaxPool2d expects input of shape (N, C, H, W), got [2 5]`},
	}
	for _, c := range cases {
		var spec LayerSpec
		if err := json.Unmarshal([]byte(c.spec), &spec); err != nil {
			t.Fatal(err)
		}
		_, _, err := NewLayer(spec, c.in, rng)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.spec, err, c.want)
		}
	}
	// Build names the layer index and fills "auto" sizes.
	var specs []LayerSpec
	_ = json.Unmarshal([]byte(`[{"type":"Conv2d","out_channels":8,"kernel_size":3,"padding":"same"},{"type":"BatchNorm2d"},{"type":"Flatten"},{"type":"Linear","in_features":"auto","out_features":10}]`), &specs)
	s, out, err := Build(specs, []int{1, 3, 6, 6}, rng)
	if err != nil {
		t.Fatal(err)
	}
	if !sameShape(out, []int{1, 10}) || s.Layers[3].(*Linear).InFeatures != 288 {
		t.Errorf("out shape %v, in_features %d", out, s.Layers[3].(*Linear).InFeatures)
	}
	specs[3]["in_features"] = json.RawMessage("100")
	if _, _, err := Build(specs, []int{1, 3, 6, 6}, rng); err == nil || !strings.Contains(err.Error(), "layers[3]: Linear expects input of shape (*, 100), got [1 288]") {
		t.Errorf("error %v", err)
	}
	if _, err := NewLoss("CrossEntropy", nil); err == nil || !strings.Contains(err.Error(), `did you mean "CrossEntropyLoss"`) {
		t.Errorf("loss error %v", err)
	}
	if _, err := NewLoss("CrossEntropyLoss", []byte(`{"label_smothing":0.1}`)); err == nil || !strings.Contains(err.Error(), `did you mean "label_smoothing"`) {
		t.Errorf("loss error %v", err)
	}
}

// TestGraphErrors checks that invalid values are reported through the
// graph instead of panicking.
func TestGraphErrors(t *testing.T) {
	g := NewGraph()
	logits := g.Input(randParam(rand.New(rand.NewPCG(1, 1)), 1, 3, 4).Data)
	loss := NewCrossEntropyLoss().Forward(g, logits, g.Const(tensorOf(0, 4, 1)))
	if err := g.Backward(loss); err == nil || !strings.Contains(err.Error(), "target 4 at position 1 is out of range, expected a class index in [0, 4)") {
		t.Errorf("error %v", err)
	}
	g.Reset()
	e, _ := NewEmbedding(5, 2, nil, rand.New(rand.NewPCG(1, 1)))
	e.Forward(g, g.Const(tensorOf(1, 2.5)))
	if err := g.Err(); err == nil || !strings.Contains(err.Error(), "index 2.5 at position 1") {
		t.Errorf("error %v", err)
	}
	ig := NewInferenceGraph()
	l := NewLinear(2, 1, true, rand.New(rand.NewPCG(1, 1)))
	out := l.Forward(ig, ig.Const(tensorOf(1, 2)))
	if err := ig.Backward(ig.Sum(out)); err != ErrNoGraph {
		t.Errorf("inference graph Backward: %v", err)
	}
}
