package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// TestMoreNormalizationMatchesPyTorch compares BatchNorm3d,
// InstanceNorm1d/2d/3d, GroupNorm, LocalResponseNorm and the evaluation
// mode of Dropout1d/2d/3d and AlphaDropout with PyTorch 1.13 on the cases
// of testdata/norm_more.json (gen_norm_more.py): outputs and running
// statistics to 1e-5, gradients to 1e-4.
func TestMoreNormalizationMatchesPyTorch(t *testing.T) {
	var fx struct {
		Layers []layerFixture `json:"layers"`
	}
	loadJSON(t, "norm_more.json", &fx)
	if len(fx.Layers) < 29 {
		t.Fatalf("only %d cases", len(fx.Layers))
	}
	for _, c := range fx.Layers {
		t.Run(c.Name, func(t *testing.T) { checkLayerCase(t, c) })
	}
}

// TestChannelDropoutTraining checks Dropout1d/2d/3d in training: whole
// channels are zeroed, in a fraction within 5 standard errors of p and of
// PyTorch's, and the others scaled by 1/(1-p) exactly; the gradient uses
// the same mask.
func TestChannelDropoutTraining(t *testing.T) {
	var fx struct {
		Stats map[string]struct {
			P         float64 `json:"p"`
			Dropped   float64 `json:"dropped"`
			KeptValue float64 `json:"kept_value"`
			Channels  int     `json:"channels"`
		} `json:"dropout_stats"`
	}
	loadJSON(t, "norm_more.json", &fx)
	for typ, shape := range map[string][]int{"Dropout1d": {400, 50, 3}, "Dropout2d": {400, 50, 2, 2}, "Dropout3d": {400, 50, 1, 2, 2}} {
		st, ok := fx.Stats[typ]
		if !ok {
			t.Fatalf("no statistics for %s", typ)
		}
		m, _, err := NewLayer(specFromArgs(typ, map[string]any{"p": st.P}), shape, rand.New(rand.NewPCG(8, 1)))
		if err != nil {
			t.Fatal(err)
		}
		x := tensor.New(shape...)
		for i := range x.Data {
			x.Data[i] = 1
		}
		g := NewGraph()
		in := g.Input(x)
		out := m.Forward(g, in)
		if err := g.Backward(g.Sum(out)); err != nil {
			t.Fatal(err)
		}
		C := shape[0] * shape[1]
		L := len(x.Data) / C
		scale := float32(1 / (1 - st.P))
		if float64(scale) != float64(float32(st.KeptValue)) {
			t.Errorf("%s: kept value %v, PyTorch's %v", typ, scale, st.KeptValue)
		}
		dropped := 0
		for c := 0; c < C; c++ {
			v := out.Data.Data[c*L]
			if v != 0 && v != scale {
				t.Fatalf("%s: value %v, expected 0 or %v", typ, v, scale)
			}
			for i := c * L; i < (c+1)*L; i++ {
				if out.Data.Data[i] != v || in.Grad.Data[i] != v {
					t.Fatalf("%s: channel %d is not dropped whole (value %v, gradient %v)", typ, c, out.Data.Data[i], in.Grad.Data[i])
				}
			}
			if v == 0 {
				dropped++
			}
		}
		frac := float64(dropped) / float64(C)
		se := math.Sqrt(st.P * (1 - st.P) / float64(C))
		if math.Abs(frac-st.P) > 5*se || math.Abs(frac-st.Dropped) > 5*math.Sqrt2*se {
			t.Errorf("%s: dropped %v of the channels, p %v, PyTorch %v (se %.2g)", typ, frac, st.P, st.Dropped, se)
		}
	}
}

// TestAlphaDropoutTraining checks AlphaDropout in training on a unit-normal
// input: the output keeps mean 0 and variance 1 (within 5 standard errors,
// and near PyTorch's sample moments), dropped elements take PyTorch's
// value, and kept ones a·x + α'·a·p with the gradient a.
func TestAlphaDropoutTraining(t *testing.T) {
	var raw struct {
		Stats map[string]map[string]float64 `json:"dropout_stats"`
	}
	loadJSON(t, "norm_more.json", &raw)
	for _, key := range []string{"AlphaDropout_0.2", "AlphaDropout_0.5"} {
		st, ok := raw.Stats[key]
		if !ok {
			t.Fatalf("no statistics %s", key)
		}
		p, n := st["p"], int(st["n"])
		m, _, err := NewLayer(specFromArgs("AlphaDropout", map[string]any{"p": p}), []int{n}, rand.New(rand.NewPCG(2, 9)))
		if err != nil {
			t.Fatal(err)
		}
		x := tensor.New(n)
		Normal(x, 0, 1, rand.New(rand.NewPCG(3, 3)))
		g := NewGraph()
		in := g.Input(x)
		out := m.Forward(g, in)
		if err := g.Backward(g.Sum(out)); err != nil {
			t.Fatal(err)
		}
		a := 1 / math.Sqrt((alphaDropoutAlpha*alphaDropoutAlpha*p+1)*(1-p))
		var s, ss float64
		dropped := 0
		for i, v := range out.Data.Data {
			if in.Grad.Data[i] == 0 {
				dropped++
				if math.Abs(float64(v)-st["dropped_value"]) > 1e-6 {
					t.Fatalf("%s: dropped value %v, PyTorch's %v", key, v, st["dropped_value"])
				}
			} else if math.Abs(float64(v)-(a*float64(x.Data[i])+alphaDropoutAlpha*a*p)) > 1e-5 || math.Abs(float64(in.Grad.Data[i])-a) > 1e-6 {
				t.Fatalf("%s: kept value %v for %v (gradient %v)", key, v, x.Data[i], in.Grad.Data[i])
			}
			s += float64(v)
			ss += float64(v) * float64(v)
		}
		mean := s / float64(n)
		variance := ss/float64(n) - mean*mean
		se := 1 / math.Sqrt(float64(n))
		if math.Abs(mean) > 5*se || math.Abs(mean-st["mean"]) > 5*math.Sqrt2*se {
			t.Errorf("%s: mean %v, expected 0 (PyTorch %v)", key, mean, st["mean"])
		}
		if math.Abs(variance-1) > 0.02 || math.Abs(variance-st["var"]) > 0.02 {
			t.Errorf("%s: variance %v, expected 1 (PyTorch %v)", key, variance, st["var"])
		}
		if f := float64(dropped) / float64(n); math.Abs(f-p) > 5*math.Sqrt(p*(1-p)/float64(n)) {
			t.Errorf("%s: dropped %v, expected %v", key, f, p)
		}
	}
}

// TestMoreNormalizationGradients checks the gradients against finite
// differences.
func TestMoreNormalizationGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct {
		typ  string
		args map[string]any
		in   []int
	}{
		{"InstanceNorm1d", map[string]any{"affine": true}, []int{2, 3, 5}},
		{"GroupNorm", map[string]any{"num_groups": 2}, []int{2, 4, 3}},
		{"LocalResponseNorm", map[string]any{"size": 3, "alpha": 0.5, "k": 1.5}, []int{2, 5, 2}},
		{"BatchNorm3d", nil, []int{2, 2, 2, 2, 2}},
	} {
		m, _, err := NewLayer(specFromArgs(c.typ, c.args), c.in, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		x := randParam(rng, 1.5, c.in...)
		leaves := []*Var{x}
		for _, p := range m.Parameters() {
			if p.Trainable {
				Normal(p.Var.Data, 1, 0.3, rng)
				leaves = append(leaves, p.Var)
			}
		}
		fdCheck(t, c.typ, leaves, func(g *Graph) *Var { return m.Forward(g, x) })
	}
}

// TestMoreNormalizationSpecs checks state_dict names, "auto" and refusals.
func TestMoreNormalizationSpecs(t *testing.T) {
	m, _, err := NewLayer(specFromArgs("InstanceNorm2d", map[string]any{"affine": true, "track_running_stats": true}), []int{2, 3, 4, 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sd := StateDict(m)
	for _, k := range []string{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"} {
		if _, ok := sd[k]; !ok || len(sd) != 5 {
			t.Errorf("InstanceNorm2d state_dict %v lacks %s", sd, k)
		}
	}
	if m, _, err := NewLayer(specFromArgs("GroupNorm", map[string]any{"num_groups": 3}), []int{2, 6, 4}, nil); err != nil || len(StateDict(m)["weight"].Data) != 6 {
		t.Errorf("GroupNorm auto num_channels: %v", err)
	}
	for _, c := range []struct {
		typ  string
		args map[string]any
		in   []int
		want string
	}{
		{"GroupNorm", map[string]any{"num_groups": 4}, []int{2, 6, 4}, "num_channels 6 is not divisible by num_groups 4"},
		{"GroupNorm", map[string]any{"num_groups": 2, "num_channels": 4}, []int{2, 6, 4}, "(N, 4, ...)"},
		{"InstanceNorm1d", map[string]any{"num_features": 3, "affine": true}, []int{2, 4, 5}, "4 channels, expected num_features 3"},
		{"InstanceNorm2d", nil, []int{2, 4}, "InstanceNorm2d"},
		{"BatchNorm3d", nil, []int{2, 3, 4, 4}, "(N, 3, D, H, W)"},
		{"LocalResponseNorm", map[string]any{"size": 2}, []int{2, 4}, "at least one spatial dimension"},
		{"LocalResponseNorm", map[string]any{"size": 0}, []int{2, 4, 3}, "size"},
		{"Dropout1d", nil, []int{2, 3, 4, 5}, "(N, C, L) or (C, L)"},
		{"Dropout2d", nil, []int{5}, "(N, C, ...)"},
		{"AlphaDropout", map[string]any{"p": 1.5}, []int{5}, "p"},
	} {
		_, _, err := NewLayer(specFromArgs(c.typ, c.args), c.in, rand.New(rand.NewPCG(1, 1)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v on %v: %v, expected an error containing %q", c.typ, c.args, c.in, err, c.want)
		}
	}
	// InstanceNorm in training refuses a single spatial element, as PyTorch.
	in, _, _ := NewLayer(specFromArgs("InstanceNorm1d", nil), []int{2, 3, 1}, nil)
	g := NewGraph()
	in.Forward(g, g.Const(tensor.New(2, 3, 1)))
	if g.Err() == nil || !strings.Contains(g.Err().Error(), "more than 1 spatial element") {
		t.Errorf("InstanceNorm1d on one element: %v", g.Err())
	}
	// p = 1 zeroes everything, for AlphaDropout and the channel dropouts.
	for _, typ := range []string{"AlphaDropout", "Dropout2d"} {
		d, _, _ := NewLayer(specFromArgs(typ, map[string]any{"p": 1}), []int{2, 3, 2}, rand.New(rand.NewPCG(1, 1)))
		x := tensor.New(2, 3, 2)
		for i := range x.Data {
			x.Data[i] = 3
		}
		g := NewGraph()
		out := d.Forward(g, g.Const(x))
		for _, v := range out.Data.Data {
			if v != 0 {
				t.Fatalf("%s p=1: %v", typ, out.Data.Data)
			}
		}
	}
}
