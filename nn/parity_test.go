package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// fixTensor is a tensor as gen_torch.py writes it.
type fixTensor struct {
	Shape []int     `json:"shape"`
	Data  []float32 `json:"data"`
}

func (f *fixTensor) tensor() *tensor.Tensor {
	return &tensor.Tensor{Shape: append([]int{}, f.Shape...), Data: append([]float32(nil), f.Data...)}
}

type layerFixture struct {
	Name       string               `json:"name"`
	Type       string               `json:"type"`
	Args       map[string]any       `json:"args"`
	Train      bool                 `json:"train"`
	Input      fixTensor            `json:"input"`
	State      map[string]fixTensor `json:"state"`
	Output     fixTensor            `json:"output"`
	Upstream   fixTensor            `json:"upstream"`
	InputGrad  *fixTensor           `json:"input_grad"`
	ParamGrads map[string]fixTensor `json:"param_grads"`
	StateAfter map[string]fixTensor `json:"state_after"`
	Target     *fixTensor           `json:"target"`
}

func loadJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// closeTo checks |got-want| <= atol + rtol*|want| elementwise.
func closeTo(t testing.TB, what string, got []float32, gotShape []int, want fixTensor, rtol, atol float64) {
	t.Helper()
	if !sameShape(gotShape, want.Shape) && !(len(gotShape) == 0 && len(want.Shape) == 0) {
		t.Errorf("%s: shape %v, want %v", what, gotShape, want.Shape)
		return
	}
	if len(got) != len(want.Data) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want.Data))
		return
	}
	for i, w := range want.Data {
		d := math.Abs(float64(got[i]) - float64(w))
		if !(d <= atol+rtol*math.Abs(float64(w))) {
			t.Errorf("%s[%d] = %v, want %v (|diff| %.3g)", what, i, got[i], w, d)
			return
		}
	}
}

func specFromArgs(typ string, args map[string]any) LayerSpec {
	spec := LayerSpec{"type": json.RawMessage(fmt.Sprintf("%q", typ))}
	for k, v := range args {
		b, _ := json.Marshal(v)
		spec[k] = b
	}
	return spec
}

// Tolerances: forward values agree to 1e-5 relative (float32 rounding in a
// different summation order); gradients, which sum more terms, to 1e-4.
const (
	fwdRtol, fwdAtol   = 1e-5, 1e-6
	gradRtol, gradAtol = 1e-4, 1e-5
)

func TestLayersMatchPyTorch(t *testing.T) {
	var fx struct {
		Layers []layerFixture `json:"layers"`
	}
	loadJSON(t, "layers.json", &fx)
	if len(fx.Layers) < 30 {
		t.Fatalf("only %d layer cases", len(fx.Layers))
	}
	for _, c := range fx.Layers {
		t.Run(c.Name, func(t *testing.T) { checkLayerCase(t, c) })
	}
}

// checkLayerCase builds the layer a fixture case describes, loads its state,
// runs it forward and backward on the case's input and upstream gradient,
// and compares the output, the input's and parameters' gradients and the
// state after the step with PyTorch's (tolerances fwd*/grad* above).
func checkLayerCase(t *testing.T, c layerFixture) {
	t.Helper()
	m, _, err := NewLayer(specFromArgs(c.Type, c.Args), c.Input.Shape, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	sd := map[string]*tensor.Tensor{}
	for k, v := range c.State {
		sd[k] = v.tensor()
	}
	if err := LoadStateDict(m, sd); err != nil {
		t.Fatal(err)
	}
	m.Train(c.Train)
	g := NewGraph()
	var x *Var
	if c.InputGrad != nil {
		x = g.Input(c.Input.tensor())
	} else {
		x = g.Const(c.Input.tensor())
	}
	out := m.Forward(g, x)
	loss := g.Sum(g.Mul(out, g.Const(c.Upstream.tensor())))
	if err := g.Backward(loss); err != nil {
		t.Fatal(err)
	}
	closeTo(t, "output", out.Data.Data, out.Data.Shape, c.Output, fwdRtol, fwdAtol)
	if c.InputGrad != nil {
		closeTo(t, "input grad", x.Grad.Data, x.Grad.Shape, *c.InputGrad, gradRtol, gradAtol)
	}
	params := map[string]Param{}
	for _, p := range m.Parameters() {
		params[p.Name] = p
	}
	for k, want := range c.ParamGrads {
		p, ok := params[k]
		if !ok || p.Var.Grad == nil {
			t.Errorf("parameter %s has no gradient", k)
			continue
		}
		closeTo(t, k+" grad", p.Var.Grad.Data, p.Var.Grad.Shape, want, gradRtol, gradAtol)
	}
	for k, want := range c.StateAfter {
		p := params[k]
		closeTo(t, k+" after", p.Var.Data.Data, p.Var.Data.Shape, want, fwdRtol, fwdAtol)
	}
}

func TestLossesMatchPyTorch(t *testing.T) {
	var fx struct {
		Losses []layerFixture `json:"losses"`
	}
	loadJSON(t, "layers.json", &fx)
	// As for the layers: an empty or truncated fixture must not pass. The
	// fixture (gen_torch.py) has 26 cases over 7 losses, and every
	// registered loss has at least one.
	if len(fx.Losses) < 20 {
		t.Fatalf("only %d loss cases in testdata/layers.json, want at least 20", len(fx.Losses))
	}
	// losses_more.json (gen_losses_more.py) holds the losses added since.
	var more struct {
		Losses []layerFixture `json:"losses"`
	}
	loadJSON(t, "losses_more.json", &more)
	if len(more.Losses) < 30 {
		t.Fatalf("only %d loss cases in testdata/losses_more.json, want at least 30", len(more.Losses))
	}
	fx.Losses = append(fx.Losses, more.Losses...)
	// losses_pair.json (gen_losses_pair.py): the losses of two or three
	// inputs, packed along the last dimension.
	var pair struct {
		Losses []layerFixture `json:"losses"`
	}
	loadJSON(t, "losses_pair.json", &pair)
	if len(pair.Losses) < 20 {
		t.Fatalf("only %d loss cases in testdata/losses_pair.json, want at least 20", len(pair.Losses))
	}
	fx.Losses = append(fx.Losses, pair.Losses...)
	covered := map[string]bool{}
	for _, c := range fx.Losses {
		covered[c.Type] = true
	}
	covered["CTCLoss"] = true // its own fixture: ctc.json (loss_ctc_test.go)
	for _, typ := range LossTypes() {
		if !covered[typ] {
			t.Errorf("loss %s has no case in testdata/layers.json, losses_more.json or losses_pair.json", typ)
		}
	}
	for _, c := range fx.Losses {
		t.Run(c.Name, func(t *testing.T) {
			raw, _ := json.Marshal(c.Args)
			l, err := NewLoss(c.Type, raw)
			if err != nil {
				t.Fatal(err)
			}
			g := NewGraph()
			x := g.Input(c.Input.tensor())
			out := l.Forward(g, x, g.Const(c.Target.tensor()))
			loss := g.Sum(g.Mul(out, g.Const(c.Upstream.tensor())))
			if err := g.Backward(loss); err != nil {
				t.Fatal(err)
			}
			closeTo(t, "loss", out.Data.Data, out.Data.Shape, c.Output, fwdRtol, fwdAtol)
			closeTo(t, "input grad", x.Grad.Data, x.Grad.Shape, *c.InputGrad, gradRtol, gradAtol)
		})
	}
}
