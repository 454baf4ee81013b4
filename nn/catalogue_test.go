package nn

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// catalogueInputs is an input shape each layer type accepts.
var catalogueInputs = map[string][]int{
	"Conv2d": {2, 3, 8, 8}, "ConvTranspose2d": {2, 3, 8, 8}, "MaxPool2d": {2, 3, 8, 8}, "AvgPool2d": {2, 3, 8, 8},
	"AdaptiveAvgPool2d": {2, 3, 8, 8}, "BatchNorm2d": {2, 3, 8, 8}, "BatchNorm1d": {2, 3},
	"RNN": {2, 4, 5}, "GRU": {2, 4, 5}, "LSTM": {2, 4, 5}, "Embedding": {2, 4}, "Unflatten": {2, 6},
	"ConstantPad2d": {2, 3, 4, 4}, "ConstantPad3d": {2, 3, 4, 4, 4}, "ZeroPad2d": {2, 3, 4, 4}, "ReflectionPad1d": {2, 3, 4},
	"ReflectionPad2d": {2, 3, 4, 4}, "ReplicationPad2d": {2, 3, 4, 4}, "ReflectionPad3d": {2, 3, 4, 4, 4}, "ReplicationPad3d": {2, 3, 4, 4, 4}, "PixelShuffle": {2, 4, 3, 3}, "ChannelShuffle": {2, 4, 3},
	"Softmax2d": {2, 3, 4, 4}, "BatchNorm3d": {2, 3, 2, 2, 2}, "InstanceNorm1d": {2, 3, 4}, "InstanceNorm2d": {2, 3, 4, 4}, "InstanceNorm3d": {2, 3, 2, 2, 2},
	"GroupNorm": {2, 4, 3}, "LocalResponseNorm": {2, 4, 3}, "Dropout1d": {2, 3, 4},
	"LeNet5": {1, 3, 32, 32}, "ResNet18": {1, 3, 32, 32}, "ResNet34": {1, 3, 32, 32}, "ResNet50": {1, 3, 32, 32}, "MobileNetV2": {1, 3, 32, 32},
	"SqueezeNet1_1": {1, 3, 32, 32}, "AlexNet": {1, 3, 64, 64}, "VGG11": {1, 3, 32, 32}, "VGG11_BN": {1, 3, 32, 32}, "VGG16": {1, 3, 32, 32}, "VGG16_BN": {1, 3, 32, 32}, "DenseNet121": {1, 3, 32, 32},
	"MultiheadAttention": {2, 5, 8}, "TransformerEncoderLayer": {2, 5, 8}, "TransformerEncoder": {2, 5, 8},
}

// catalogueHeavy are the layer types the catalogue test plans without
// allocating (tens of millions of weights).
var catalogueHeavy = map[string]bool{"ResNet34": true, "ResNet50": true, "AlexNet": true, "VGG11": true, "VGG11_BN": true, "VGG16": true, "VGG16_BN": true}

// catalogueRequired holds a value for each required parameter, to build
// every layer from its catalogue entry.
var catalogueRequired = map[string]string{
	"out_features": "4", "out_channels": "4", "kernel_size": "3", "output_size": "2", "hidden_size": "4",
	"num_embeddings": "10", "embedding_dim": "3", "dim": "1", "unflattened_size": "[2, 3]",
	"padding": "1", "value": "0.5", "upscale_factor": "2", "groups": "2", "threshold": "0.1",
	"num_groups": "2", "size": "3", "body": `[{"type": "ReLU"}]`, "branches": "[[], []]",
	"num_heads": "2", "nhead": "2", "num_layers": "2", "encoder_layer": `{"nhead": 2}`,
}

// TestLayerCatalogue checks that every registered layer has a catalogue
// entry with documented parameters, and that giving every default
// explicitly builds the same layer as leaving the parameters out.
func TestLayerCatalogue(t *testing.T) {
	cat := LayerCatalogue()
	var names []string
	for _, info := range cat {
		names = append(names, info.Name)
	}
	if !slices.Equal(names, LayerTypes()) {
		t.Fatalf("catalogue lists %v, registry %v", names, LayerTypes())
	}
	for _, info := range cat {
		if info.Doc == "" {
			t.Errorf("%s: no doc", info.Name)
		}
		if info.Params == nil {
			t.Errorf("%s: nil parameter list (a layer without parameters has an empty one)", info.Name)
		}
		in := catalogueInputs[info.Name]
		if in == nil {
			in = []int{2, 6}
		}
		minimal := LayerSpec{"type": json.RawMessage(`"` + info.Name + `"`)}
		full := LayerSpec{"type": json.RawMessage(`"` + info.Name + `"`)}
		seen := map[string]bool{}
		for _, p := range info.Params {
			if seen[p.Name] {
				t.Errorf("%s: parameter %s listed twice", info.Name, p.Name)
			}
			seen[p.Name] = true
			if p.Help == "" {
				t.Errorf("%s.%s: no help", info.Name, p.Name)
			}
			if p.Type == "" {
				t.Errorf("%s.%s: no type", info.Name, p.Name)
			}
			if p.Required {
				v, ok := catalogueRequired[p.Name]
				if !ok {
					t.Errorf("%s.%s is required: add a value to catalogueRequired", info.Name, p.Name)
					continue
				}
				if p.Default != nil {
					t.Errorf("%s.%s is required but has default %v", info.Name, p.Name, p.Default)
				}
				minimal[p.Name] = json.RawMessage(v)
				full[p.Name] = json.RawMessage(v)
				continue
			}
			raw, err := json.Marshal(p.Default)
			if err != nil {
				t.Fatalf("%s.%s: %v", info.Name, p.Name, err)
			}
			full[p.Name] = raw
		}
		for k, v := range catalogueExtra[info.Name] { // what a layer needs besides its required parameters
			minimal[k], full[k] = json.RawMessage(v), json.RawMessage(v)
		}
		if catalogueHeavy[info.Name] {
			a, errA := Plan([]LayerSpec{minimal}, in)
			b, errB := Plan([]LayerSpec{full}, in)
			if errA != nil || errB != nil || !reflect.DeepEqual(a.seq, b.seq) || a.Params != b.Params || a.Activations != b.Activations {
				t.Errorf("%s: explicit defaults plan differently (%v, %v)", info.Name, errA, errB)
			}
			continue
		}
		a, outA, err := NewLayer(minimal, in, rand.New(rand.NewPCG(3, 4)))
		if err != nil {
			t.Errorf("%s: without parameters: %v", info.Name, err)
			continue
		}
		b, outB, err := NewLayer(full, in, rand.New(rand.NewPCG(3, 4)))
		if err != nil {
			t.Errorf("%s: with the catalogue's defaults %v: %v", info.Name, full, err)
			continue
		}
		if !slices.Equal(outA, outB) || !reflect.DeepEqual(a, b) {
			t.Errorf("%s: explicit defaults build a different layer (%v, %v)", info.Name, outA, outB)
		}
	}
}

// TestLossCatalogue checks the losses' entries the same way.
func TestLossCatalogue(t *testing.T) {
	cat := LossCatalogue()
	var names []string
	for _, info := range cat {
		names = append(names, info.Name)
		if info.Doc == "" {
			t.Errorf("%s: no doc", info.Name)
		}
		full := map[string]any{}
		for _, p := range info.Params {
			if p.Help == "" || p.Type == "" || p.Required {
				t.Errorf("%s.%s: incomplete or required: %+v", info.Name, p.Name, p)
			}
			full[p.Name] = p.Default
		}
		raw, _ := json.Marshal(full)
		a, err := NewLoss(info.Name, nil)
		if err != nil {
			t.Fatalf("%s: %v", info.Name, err)
		}
		b, err := NewLoss(info.Name, raw)
		if err != nil {
			t.Fatalf("%s %s: %v", info.Name, raw, err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: explicit defaults %s build %+v, expected %+v", info.Name, raw, b, a)
		}
	}
	if !slices.Equal(names, LossTypes()) {
		t.Fatalf("catalogue lists %v, registry %v", names, LossTypes())
	}
}

// TestCatalogueShape spot-checks entries against PyTorch's signatures.
func TestCatalogueShape(t *testing.T) {
	find := func(cat []Info, name, param string) ParamInfo {
		t.Helper()
		for _, info := range cat {
			if info.Name != name {
				continue
			}
			for _, p := range info.Params {
				if p.Name == param {
					return p
				}
			}
		}
		t.Fatalf("%s.%s not in the catalogue", name, param)
		return ParamInfo{}
	}
	layers := LayerCatalogue()
	got, _ := json.Marshal(find(layers, "Conv2d", "in_channels"))
	if want := `{"name":"in_channels","type":"int","default":"auto","min":1,"help":"channels of the input","auto":true,"n_labels":false}`; string(got) != want {
		t.Errorf("Conv2d.in_channels is %s, expected %s", got, want)
	}
	if p := find(layers, "Linear", "out_features"); !p.Required || !p.NLabels || p.Default != nil {
		t.Errorf("Linear.out_features: %+v", p)
	}
	if p := find(layers, "GELU", "approximate"); !slices.Equal(p.Enum, []string{"none", "tanh"}) || p.Default != "none" {
		t.Errorf("GELU.approximate: %+v", p)
	}
	asJSON := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	if p := find(layers, "MaxPool2d", "stride"); asJSON(p.Default) != "null" || !p.Nullable || p.Required {
		t.Errorf("MaxPool2d.stride: %+v", p)
	}
	if p := find(layers, "Conv2d", "padding"); p.Type != "padding" || asJSON(p.Default) != "0" {
		t.Errorf("Conv2d.padding: %+v", p)
	}
	if p := find(layers, "GRU", "batch_first"); p.Default != false {
		t.Errorf("GRU.batch_first: %+v", p)
	}
	if p := find(LossCatalogue(), "CrossEntropyLoss", "ignore_index"); p.Default != -100 {
		t.Errorf("CrossEntropyLoss.ignore_index: %+v", p)
	}
}

// TestParamBounds checks that the documented bounds are enforced.
func TestParamBounds(t *testing.T) {
	for spec, want := range map[string]string{
		`{"type": "Dropout", "p": 1.5}`:                                                           `p is 1.5, expected a probability in [0, 1]`,
		`{"type": "Conv2d", "out_channels": 2, "kernel_size": [3, 0]}`:                            `kernel_size is 0, expected a value of at least 1`,
		`{"type": "LSTM", "hidden_size": 2, "proj_size": 1}`:                                      `proj_size is 1, expected a value in [0, 0]`,
		`{"type": "Linear", "out_features": 0}`:                                                   `out_features is 0, expected a value of at least 1`,
		`{"type": "Conv2d", "out_channels": 2, "kernel_size": 3, "padding": "full"}`:              `expected an integer, a pair, "valid" or "same"`,
		`{"type": "Conv2d", "out_channels": 2, "kernel_size": 3, "stride": 2, "padding": "same"}`: `padding "same" needs stride 1`,
		`{"type": "ConvTranspose2d", "out_channels": 2, "kernel_size": 3, "padding": "same"}`:     `expected an integer, a pair or "valid"`,
	} {
		var ls LayerSpec
		if err := json.Unmarshal([]byte(spec), &ls); err != nil {
			t.Fatal(err)
		}
		_, _, err := NewLayer(ls, []int{1, 3, 8, 8}, rand.New(rand.NewPCG(1, 2)))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, expected an error containing %q", spec, err, want)
		}
	}
	var same LayerSpec
	_ = json.Unmarshal([]byte(`{"type": "Conv2d", "out_channels": 2, "kernel_size": 5, "dilation": 2, "padding": "same"}`), &same)
	if _, out, err := NewLayer(same, []int{1, 3, 9, 9}, rand.New(rand.NewPCG(1, 2))); err != nil || !slices.Equal(out, []int{1, 2, 9, 9}) {
		t.Errorf("padding \"same\": %v %v", out, err)
	}
	if _, err := NewLoss("CrossEntropyLoss", []byte(`{"label_smoothing": 2}`)); err == nil || !strings.Contains(err.Error(), "label_smoothing is 2, expected a value in [0, 1]") {
		t.Errorf("label_smoothing 2: %v", err)
	}
}

// TestUnflatten checks shapes, errors, the view's gradient and a digits-like
// network of Unflatten, GRU and Linear.
func TestUnflatten(t *testing.T) {
	for _, c := range []struct {
		dim   int
		sizes []int
		in    []int
		out   []int
		err   string
	}{
		{1, []int{8, 8}, []int{5, 64}, []int{5, 8, 8}, ""},
		{-1, []int{2, -1}, []int{5, 3, 6}, []int{5, 3, 2, 3}, ""},
		{1, []int{-1}, []int{5, 6, 2}, []int{5, 6, 2}, ""},
		{2, []int{4, 4}, []int{5, 3, 6}, nil, "has 16 elements"},
		{1, []int{4, -1}, []int{5, 6}, nil, "does not divide"},
		{0, []int{1, 5}, []int{5, 6}, nil, "batch dimension"},
		{3, []int{2, 3}, []int{5, 6}, nil, "does not fit"},
		{1, []int{-1, -1}, []int{5, 6}, nil, "at most one -1"},
		{1, []int{0, 6}, []int{5, 6}, nil, "positive sizes"},
	} {
		u := &Unflatten{Dim: c.dim, UnflattenedSize: c.sizes}
		out, err := u.OutShape(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%+v: got %v, expected an error containing %q", c, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(out, c.out) {
			t.Errorf("%+v: got %v, %v, expected %v", c, out, err, c.out)
		}
	}

	x := tensor.New(2, 6)
	for i := range x.Data {
		x.Data[i] = float32(i)
	}
	g := NewGraph()
	xv := g.Input(x)
	y := (&Unflatten{Dim: 1, UnflattenedSize: []int{2, 3}}).Forward(g, xv)
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(y.Data.Shape, []int{2, 2, 3}) || !slices.Equal(y.Data.Data, x.Data) {
		t.Fatalf("forward: shape %v data %v", y.Data.Shape, y.Data.Data)
	}
	w := tensor.New(2, 2, 3)
	for i := range w.Data {
		w.Data[i] = float32(i + 1)
	}
	if err := g.Backward(g.Sum(g.Mul(y, g.Const(w)))); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(xv.Grad.Data, w.Data) {
		t.Errorf("gradient %v, expected %v", xv.Grad.Data, w.Data)
	}
	g2 := NewGraph()
	(&Unflatten{Dim: 1, UnflattenedSize: []int{4, 4}}).Forward(g2, g2.Input(x))
	if err := g2.Err(); err == nil || !strings.Contains(err.Error(), "Unflatten") {
		t.Errorf("forward on a bad shape: %v", err)
	}

	var specs []LayerSpec
	if err := json.Unmarshal([]byte(`[{"type": "Unflatten", "dim": 1, "unflattened_size": [8, 8]},
		{"type": "GRU", "input_size": "auto", "hidden_size": 32, "batch_first": true, "return_sequences": false},
		{"type": "Linear", "in_features": "auto", "out_features": 10}]`), &specs); err != nil {
		t.Fatal(err)
	}
	net, out, err := Build(specs, []int{1, 64}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out, []int{1, 10}) {
		t.Fatalf("output shape %v, expected [1 10]", out)
	}
	g3 := NewGraph()
	z := net.Forward(g3, g3.Const(tensor.New(3, 64)))
	if err := g3.Err(); err != nil || !slices.Equal(z.Data.Shape, []int{3, 10}) {
		t.Fatalf("forward: %v, shape %v", err, z.Data.Shape)
	}
	for _, bad := range []string{`{"type": "Unflatten", "dim": 1}`, `{"type": "Unflatten", "unflattened_size": [2, 3]}`, `{"type": "Unflatten", "dim": 1, "unflattened_size": 6}`} {
		var ls LayerSpec
		_ = json.Unmarshal([]byte(bad), &ls)
		if _, _, err := NewLayer(ls, []int{1, 6}, rand.New(rand.NewPCG(1, 2))); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
