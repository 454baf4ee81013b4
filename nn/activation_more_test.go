package nn

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// TestMoreActivationsMatchPyTorch compares ELU, CELU, SELU, PReLU, RReLU
// (evaluation), GLU, Softmin and Softmax2d with PyTorch 1.13 on the cases
// of testdata/activations_more.json (gen_activations_more.py): forward to
// 1e-5, the input's and PReLU's weight gradients to 1e-4.
func TestMoreActivationsMatchPyTorch(t *testing.T) {
	var fx struct {
		Layers []layerFixture `json:"layers"`
	}
	loadJSON(t, "activations_more.json", &fx)
	if len(fx.Layers) < 23 {
		t.Fatalf("only %d cases", len(fx.Layers))
	}
	for _, c := range fx.Layers {
		t.Run(c.Name, func(t *testing.T) { checkLayerCase(t, c) })
	}
}

// TestRReLUTraining checks RReLU's random slopes in training against the
// uniform distribution on [lower, upper] and PyTorch's sample moments (5
// standard errors), and that the gradient uses the same slopes.
func TestRReLUTraining(t *testing.T) {
	var fx struct {
		Moments []struct {
			Lower, Upper, Mean, Var, Min, Max float64
			N                                 int
		} `json:"rrelu_moments"`
	}
	loadJSON(t, "activations_more.json", &fx)
	if len(fx.Moments) < 2 {
		t.Fatal("no RReLU moments")
	}
	for _, m := range fx.Moments {
		l, _, err := NewLayer(specFromArgs("RReLU", map[string]any{"lower": m.Lower, "upper": m.Upper}), []int{m.N}, rand.New(rand.NewPCG(4, 4)))
		if err != nil {
			t.Fatal(err)
		}
		x := tensor.New(m.N)
		for i := range x.Data {
			x.Data[i] = -0.5 - float32(i%1000)/1000
		}
		g := NewGraph()
		in := g.Input(x)
		out := l.Forward(g, in)
		if err := g.Backward(g.Sum(out)); err != nil {
			t.Fatal(err)
		}
		var s, ss float64
		for i, v := range out.Data.Data {
			slope := float64(v / x.Data[i])
			if slope < m.Lower-1e-6 || slope > m.Upper+1e-6 {
				t.Fatalf("slope %v outside [%v, %v]", slope, m.Lower, m.Upper)
			}
			if math.Abs(float64(in.Grad.Data[i])-slope) > 1e-6 {
				t.Fatalf("gradient %v, expected the slope %v", in.Grad.Data[i], slope)
			}
			s += slope
			ss += slope * slope
		}
		n := float64(m.N)
		mean := s / n
		variance := ss/n - mean*mean
		wantVar := (m.Upper - m.Lower) * (m.Upper - m.Lower) / 12
		se := math.Sqrt(wantVar / n)
		if math.Abs(mean-(m.Lower+m.Upper)/2) > 5*se || math.Abs(mean-m.Mean) > 5*math.Sqrt2*se {
			t.Errorf("[%v, %v]: mean slope %v, uniform %v, PyTorch's %v (se %.2g)", m.Lower, m.Upper, mean, (m.Lower+m.Upper)/2, m.Mean, se)
		}
		if math.Abs(variance-wantVar) > 0.02*wantVar || math.Abs(variance-m.Var) > 0.03*wantVar {
			t.Errorf("[%v, %v]: slope variance %v, uniform %v, PyTorch's %v", m.Lower, m.Upper, variance, wantVar, m.Var)
		}
		// Positive inputs pass unchanged.
		pos := &tensor.Tensor{Shape: []int{3}, Data: []float32{0.5, 2, 1e-3}}
		g2 := NewGraph()
		if o := l.Forward(g2, g2.Const(pos)); o.Data.Data[1] != 2 || o.Data.Data[2] != 1e-3 {
			t.Errorf("positive inputs changed: %v", o.Data.Data)
		}
	}
}

// TestMoreActivationGradients checks the gradients against finite
// differences.
func TestMoreActivationGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 3))
	for _, c := range []struct {
		typ  string
		args map[string]any
		in   []int
	}{
		{"ELU", map[string]any{"alpha": 0.7}, []int{2, 3, 4}}, {"CELU", map[string]any{"alpha": 1.7}, []int{2, 3, 4}},
		{"SELU", nil, []int{2, 3, 4}}, {"PReLU", map[string]any{"num_parameters": 3, "init": 0.3}, []int{2, 3, 4}},
		{"GLU", map[string]any{"dim": 1}, []int{2, 4, 3}}, {"Softmin", map[string]any{"dim": 1}, []int{2, 3, 4}},
		{"Softmax2d", nil, []int{2, 3, 2, 2}},
	} {
		m, _, err := NewLayer(specFromArgs(c.typ, c.args), c.in, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		x := randParam(rng, 1.5, c.in...)
		leaves := []*Var{x}
		if c.typ == "PReLU" {
			leaves = append(leaves, m.Parameters()[0].Var)
		}
		fdCheck(t, c.typ, leaves, func(g *Graph) *Var { return m.Forward(g, x) })
	}
}

// TestMoreActivationSpecs checks inplace, PReLU's state_dict name and the
// refusals.
func TestMoreActivationSpecs(t *testing.T) {
	for _, typ := range []string{"ELU", "CELU", "SELU", "RReLU"} {
		if _, _, err := NewLayer(specFromArgs(typ, map[string]any{"inplace": true}), []int{2, 3}, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Errorf("%s inplace: %v", typ, err)
		}
	}
	for _, typ := range []string{"PReLU", "GLU", "Softmin", "Softmax2d"} {
		_, _, err := NewLayer(specFromArgs(typ, map[string]any{"inplace": true}), []int{2, 4, 2}, rand.New(rand.NewPCG(1, 1)))
		if err == nil || !strings.Contains(err.Error(), `unknown parameter "inplace"`) {
			t.Errorf("%s inplace (PyTorch has none): %v", typ, err)
		}
	}
	m, _, err := NewLayer(specFromArgs("PReLU", map[string]any{"num_parameters": 3}), []int{2, 3, 5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sd := StateDict(m)
	if w, ok := sd["weight"]; !ok || len(sd) != 1 || len(w.Data) != 3 || w.Data[2] != 0.25 {
		t.Errorf("PReLU state_dict %v", sd)
	}
	for _, c := range []struct {
		typ  string
		args map[string]any
		in   []int
		want string
	}{
		{"PReLU", map[string]any{"num_parameters": 3}, []int{2, 4}, "num_parameters 3"},
		{"PReLU", map[string]any{"num_parameters": 0}, []int{2, 4}, "num_parameters"},
		{"GLU", nil, []int{2, 5}, "odd size 5"},
		{"GLU", map[string]any{"dim": 3}, []int{2, 4}, "dim 3 out of range"},
		{"CELU", map[string]any{"alpha": 0}, []int{2, 4}, "alpha is 0"},
		{"RReLU", map[string]any{"lower": 0.5, "upper": 0.1}, []int{2, 4}, "upper 0.1 must be at least lower 0.5"},
		{"Softmax2d", nil, []int{2, 4}, "Softmax2d"},
		{"Softmin", map[string]any{"dim": 2}, []int{2, 4}, "dim 2 out of range"},
	} {
		_, _, err := NewLayer(specFromArgs(c.typ, c.args), c.in, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v on %v: %v, expected an error containing %q", c.typ, c.args, c.in, err, c.want)
		}
	}
	raw, _ := json.Marshal(map[string]any{"type": "Softmin", "dim": nil})
	var spec LayerSpec
	json.Unmarshal(raw, &spec)
	if _, out, err := NewLayer(spec, []int{2, 3}, nil); err != nil || len(out) != 2 {
		t.Errorf("Softmin dim null: %v", err)
	}
}
