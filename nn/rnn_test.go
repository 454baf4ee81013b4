package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// rnnTensor is a tensor as gen_rnn.py writes it.
type rnnTensor struct {
	Shape []int     `json:"shape"`
	Data  []float32 `json:"data"`
}

func (f *rnnTensor) tensor() *tensor.Tensor {
	return &tensor.Tensor{Shape: append([]int{}, f.Shape...), Data: append([]float32(nil), f.Data...)}
}

type rnnCase struct {
	Name          string               `json:"name"`
	Kind          string               `json:"kind"`
	Nonlinearity  string               `json:"nonlinearity"`
	InputSize     int                  `json:"input_size"`
	HiddenSize    int                  `json:"hidden_size"`
	NumLayers     int                  `json:"num_layers"`
	Bias          bool                 `json:"bias"`
	BatchFirst    bool                 `json:"batch_first"`
	Bidirectional bool                 `json:"bidirectional"`
	X             rnnTensor            `json:"x"`
	H0            *rnnTensor           `json:"h0"`
	C0            *rnnTensor           `json:"c0"`
	Output        rnnTensor            `json:"output"`
	HN            rnnTensor            `json:"h_n"`
	CN            *rnnTensor           `json:"c_n"`
	ROut          rnnTensor            `json:"r_out"`
	RH            rnnTensor            `json:"r_h"`
	RC            *rnnTensor           `json:"r_c"`
	GradX         rnnTensor            `json:"grad_x"`
	GradH0        *rnnTensor           `json:"grad_h0"`
	GradC0        *rnnTensor           `json:"grad_c0"`
	Params        map[string]rnnTensor `json:"params"`
	Grads         map[string]rnnTensor `json:"grads"`
}

func loadRNNCases(t testing.TB) []rnnCase {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "rnn.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []rnnCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) == 0 {
		t.Fatal("rnn.json has no cases")
	}
	return f.Cases
}

// newRNNFor builds the module a fixture case describes, with its weights.
func newRNNFor(t testing.TB, c *rnnCase) *Recurrent {
	t.Helper()
	opt := RNNOptions{NumLayers: c.NumLayers, Nonlinearity: c.Nonlinearity, NoBias: !c.Bias,
		BatchFirst: c.BatchFirst, Bidirectional: c.Bidirectional}
	rng := rand.New(rand.NewPCG(1, 1))
	var m *Recurrent
	var err error
	switch c.Kind {
	case "RNN":
		m, err = NewRNN(c.InputSize, c.HiddenSize, opt, rng)
	case "GRU":
		opt.Nonlinearity = ""
		m, err = NewGRU(c.InputSize, c.HiddenSize, opt, rng)
	case "LSTM":
		opt.Nonlinearity = ""
		m, err = NewLSTM(c.InputSize, c.HiddenSize, opt, rng)
	}
	if err != nil {
		t.Fatal(err)
	}
	sd := map[string]*tensor.Tensor{}
	for k, v := range c.Params {
		sd[k] = v.tensor()
	}
	if err := LoadStateDict(m, sd); err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	return m
}

// rnnErr returns the largest |got-want| / (atol + rtol*|want|): at most 1
// means within tolerance.
func rnnErr(got, want []float32, rtol, atol float64) float64 {
	worst := 0.0
	for i := range want {
		e := math.Abs(float64(got[i])-float64(want[i])) / (atol + rtol*math.Abs(float64(want[i])))
		if !(e <= worst) {
			worst = e
		}
	}
	return worst
}

// TestRecurrentMatchesPyTorch compares outputs, final states and the
// gradients of sum(output*r_out) + sum(h_n*r_h) [+ sum(c_n*r_c)] with
// PyTorch 1.13 (computed in float64, gen_rnn.py) for RNN tanh/relu, GRU and
// LSTM over batch_first, num_layers 1/2, bidirectional, no bias, initial
// states and unbatched input. Tolerances: forward 1e-5 relative plus 1e-6
// absolute (float32 rounding over a few dozen operations per value, with
// Tanh/Sigmoid accurate to a few ulp); gradients 1e-4 relative plus 1e-5
// absolute (backpropagation through 5 steps and 2 layers sums many more
// rounded terms).
func TestRecurrentMatchesPyTorch(t *testing.T) {
	const fwdR, fwdA, gradR, gradA = 1e-5, 1e-6, 1e-4, 1e-5
	worstF, worstG := 0.0, 0.0
	for _, c := range loadRNNCases(t) {
		c := c
		m := newRNNFor(t, &c)
		g := NewGraph()
		x := g.Input(c.X.tensor())
		var h0, c0 *Var
		if c.H0 != nil {
			h0 = g.Input(c.H0.tensor())
		}
		if c.C0 != nil {
			c0 = g.Input(c.C0.tensor())
		}
		out, hn, cn := m.ForwardState(g, x, h0, c0)
		if err := g.Err(); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		loss := g.Add(g.Sum(g.Mul(out, g.Const(c.ROut.tensor()))), g.Sum(g.Mul(hn, g.Const(c.RH.tensor()))))
		if c.CN != nil {
			if cn == nil {
				t.Fatalf("%s: no c_n", c.Name)
			}
			loss = g.Add(loss, g.Sum(g.Mul(cn, g.Const(c.RC.tensor()))))
		} else if cn != nil {
			t.Fatalf("%s: unexpected c_n", c.Name)
		}
		if err := g.Backward(loss); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		check := func(what string, v *tensor.Tensor, want *rnnTensor, rtol, atol float64, worst *float64) {
			t.Helper()
			if v == nil {
				t.Errorf("%s: %s is missing", c.Name, what)
				return
			}
			if !sameShape(v.Shape, want.Shape) {
				t.Errorf("%s: %s has shape %v, PyTorch %v", c.Name, what, v.Shape, want.Shape)
				return
			}
			e := rnnErr(v.Data, want.Data, rtol, atol)
			if e > 1 {
				t.Errorf("%s: %s differs from PyTorch by %.3g tolerances (rtol %g, atol %g)", c.Name, what, e, rtol, atol)
			}
			*worst = max(*worst, e)
		}
		check("output", out.Data, &c.Output, fwdR, fwdA, &worstF)
		check("h_n", hn.Data, &c.HN, fwdR, fwdA, &worstF)
		if c.CN != nil {
			check("c_n", cn.Data, c.CN, fwdR, fwdA, &worstF)
		}
		check("grad x", x.Grad, &c.GradX, gradR, gradA, &worstG)
		if c.GradH0 != nil {
			check("grad h0", h0.Grad, c.GradH0, gradR, gradA, &worstG)
		}
		if c.GradC0 != nil {
			check("grad c0", c0.Grad, c.GradC0, gradR, gradA, &worstG)
		}
		for _, p := range m.Parameters() {
			want, ok := c.Grads[p.Name]
			if !ok {
				t.Errorf("%s: PyTorch has no parameter %s", c.Name, p.Name)
				continue
			}
			check("grad "+p.Name, p.Var.Grad, &want, gradR, gradA, &worstG)
		}
		if len(m.Parameters()) != len(c.Grads) {
			t.Errorf("%s: %d parameters, PyTorch %d", c.Name, len(m.Parameters()), len(c.Grads))
		}
	}
	t.Logf("worst error in tolerances: forward %.3g, gradients %.3g", worstF, worstG)
}

// TestRecurrentFiniteDifferences checks the gradients of a tiny case of
// every cell (2 layers, bidirectional, batch_first, initial states) against
// central differences (rnnFD).
func TestRecurrentFiniteDifferences(t *testing.T) {
	for _, kind := range []string{"RNN_TANH", "RNN_RELU", "GRU", "LSTM"} {
		rng := rand.New(rand.NewPCG(3, 4))
		opt := RNNOptions{NumLayers: 2, BatchFirst: true, Bidirectional: true}
		var m *Recurrent
		var err error
		switch kind {
		case "RNN_TANH":
			m, err = NewRNN(2, 3, opt, rng)
		case "RNN_RELU":
			opt.Nonlinearity = "relu"
			m, err = NewRNN(2, 3, opt, rng)
		case "GRU":
			m, err = NewGRU(2, 3, opt, rng)
		case "LSTM":
			m, err = NewLSTM(2, 3, opt, rng)
		}
		if err != nil {
			t.Fatal(err)
		}
		leafOf := func(shape ...int) *Var {
			v := NewParam(tensor.New(shape...))
			Normal(v.Data, 0, 0.7, rng)
			return v
		}
		x, h0 := leafOf(2, 3, 2), leafOf(4, 2, 3)
		var c0 *Var
		if kind == "LSTM" {
			c0 = leafOf(4, 2, 3)
		}
		r := tensor.New(2, 3, 6)
		Normal(r, 0, 1, rng)
		rh := tensor.New(4, 2, 3)
		Normal(rh, 0, 1, rng)
		build := func(g *Graph) *Var {
			out, hn, cn := m.ForwardState(g, x, h0, c0)
			l := g.Add(g.Sum(g.Mul(out, g.Const(r))), g.Sum(g.Mul(hn, g.Const(rh))))
			if cn != nil {
				l = g.Add(l, g.Sum(g.Mul(cn, g.Const(rh))))
			}
			return l
		}
		leaves := []*Var{x, h0}
		if c0 != nil {
			leaves = append(leaves, c0)
		}
		for _, p := range m.Parameters() {
			leaves = append(leaves, p.Var)
		}
		rnnFD(t, kind, leaves, build)
	}
}

// rnnFD compares the gradients Backward gives for the scalar build(g) with
// central differences over every element of leaves, computed in float64
// from float32 forward passes: h = 1e-2 gives truncation errors ~h² and
// rounding ~1e-7*|L|/h, hence 2e-3 absolute plus 2e-2 relative.
func rnnFD(t *testing.T, name string, leaves []*Var, build func(g *Graph) *Var) {
	t.Helper()
	for _, l := range leaves {
		l.ZeroGrad()
	}
	g := NewGraph()
	if err := g.Backward(build(g)); err != nil {
		t.Fatal(err)
	}
	eval := func() float64 { return float64(build(NewInferenceGraph()).Item()) }
	const h = 1e-2
	for li, l := range leaves {
		for i := range l.Data.Data {
			old := l.Data.Data[i]
			l.Data.Data[i] = old + h
			fp := eval()
			l.Data.Data[i] = old - h
			fm := eval()
			l.Data.Data[i] = old
			num, ana := (fp-fm)/(2*h), float64(l.Grad.Data[i])
			if d := math.Abs(num - ana); d > 2e-3+2e-2*math.Abs(num) {
				t.Errorf("%s: leaf %d element %d: backward %v, finite difference %v", name, li, i, ana, num)
			}
		}
	}
}

// TestRecurrentLastStepAndSpec builds a GRU classifier from the brief's
// spec and checks that return_sequences=false gives the final states of
// both directions, with gradients equal to those through h_n.
func TestRecurrentLastStepAndSpec(t *testing.T) {
	var specs []LayerSpec
	err := json.Unmarshal([]byte(`[
		{"type": "GRU", "input_size": "auto", "hidden_size": 4, "batch_first": true, "return_sequences": false, "bidirectional": true, "num_layers": 2},
		{"type": "Linear", "in_features": "auto", "out_features": 3}]`), &specs)
	if err != nil {
		t.Fatal(err)
	}
	model, out, err := Build(specs, []int{5, 7, 2}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if !sameShape(out, []int{5, 3}) {
		t.Fatalf("output shape %v, want [5 3]", out)
	}
	var names []string
	for _, p := range model.Parameters() {
		names = append(names, p.Name)
	}
	want := "0.weight_ih_l0 0.weight_hh_l0 0.bias_ih_l0 0.bias_hh_l0 0.weight_ih_l0_reverse 0.weight_hh_l0_reverse 0.bias_ih_l0_reverse 0.bias_hh_l0_reverse " +
		"0.weight_ih_l1 0.weight_hh_l1 0.bias_ih_l1 0.bias_hh_l1 0.weight_ih_l1_reverse 0.weight_hh_l1_reverse 0.bias_ih_l1_reverse 0.bias_hh_l1_reverse 1.weight 1.bias"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("parameter names\n%s\nwant\n%s", got, want)
	}
	gru := model.Layers[0].(*Recurrent)
	if gru.Name() != "GRU" || !gru.LastStep || !gru.BatchFirst || gru.InputSize != 2 {
		t.Fatalf("spec built %+v", gru)
	}
	// Default init: every value within 1/sqrt(hidden_size) = 0.5.
	for _, p := range gru.Parameters() {
		for _, v := range p.Var.Data.Data {
			if math.Abs(float64(v)) > 0.5 {
				t.Fatalf("%s has %v outside U(-0.5, 0.5)", p.Name, v)
			}
		}
	}
	xt := tensor.New(5, 7, 2)
	Normal(xt, 0, 1, rand.New(rand.NewPCG(5, 5)))
	r := tensor.New(5, 8)
	Normal(r, 0, 1, rand.New(rand.NewPCG(6, 6)))

	g := NewGraph()
	x1 := g.Input(xt)
	last := gru.Forward(g, x1)
	if !sameShape(last.Data.Shape, []int{5, 8}) {
		t.Fatalf("last step shape %v", last.Data.Shape)
	}
	if err := g.Backward(g.Sum(g.Mul(last, g.Const(r)))); err != nil {
		t.Fatal(err)
	}
	gx1 := append([]float32(nil), x1.Grad.Data...)
	ZeroGrad(gru)

	// The same through h_n[-2:]: (2, 5, 4) → (5, 8) by hand.
	g2 := NewGraph()
	x2 := g2.Input(xt)
	_, hn, _ := gru.ForwardState(g2, x2, nil, nil)
	rh := tensor.New(4, 5, 4)
	for dir := 0; dir < 2; dir++ {
		for b := 0; b < 5; b++ {
			for j := 0; j < 4; j++ {
				want := hn.Data.Data[((2+dir)*5+b)*4+j]
				if got := last.Data.Data[b*8+dir*4+j]; got != want {
					t.Fatalf("last[%d, %d] = %v, h_n = %v", b, dir*4+j, got, want)
				}
				rh.Data[((2+dir)*5+b)*4+j] = r.Data[b*8+dir*4+j]
			}
		}
	}
	if err := g2.Backward(g2.Sum(g2.Mul(hn, g2.Const(rh)))); err != nil {
		t.Fatal(err)
	}
	if e := rnnErr(x2.Grad.Data, gx1, 1e-5, 1e-6); e > 1 {
		t.Errorf("gradient through the last step differs from the one through h_n (%.3g tolerances)", e)
	}
}

// TestRecurrentShapeErrors checks that shape errors name the expected and
// the actual shapes, from OutShape, Forward and the spec.
func TestRecurrentShapeErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	m, err := NewLSTM(3, 4, RNNOptions{BatchFirst: true}, rng)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range [][]int{{2, 5, 4}, {2, 5, 3, 1}, {3}, {2, 0, 3}} {
		_, err := m.OutShape(in)
		if err == nil {
			t.Errorf("OutShape(%v): no error", in)
			continue
		}
		for _, s := range []string{"LSTM", "(batch, seq, 3)", fmt.Sprint(in)} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("OutShape(%v) error %q does not name %q", in, err, s)
			}
		}
	}
	for _, tc := range []struct {
		in  []int
		out []int
	}{{[]int{2, 5, 3}, []int{2, 5, 4}}, {[]int{5, 3}, []int{5, 4}}} {
		got, err := m.OutShape(tc.in)
		if err != nil || !sameShape(got, tc.out) {
			t.Errorf("OutShape(%v) = %v, %v; want %v", tc.in, got, err, tc.out)
		}
	}

	g := NewGraph()
	m.Forward(g, g.Const(tensor.New(2, 5, 4)))
	if err := g.Err(); err == nil || !strings.Contains(err.Error(), "[2 5 4]") || !strings.Contains(err.Error(), "(batch, seq, 3)") {
		t.Errorf("Forward on a wrong input: %v", err)
	}
	g = NewGraph()
	m.ForwardState(g, g.Const(tensor.New(2, 5, 3)), g.Const(tensor.New(1, 3, 4)), nil)
	if err := g.Err(); err == nil || !strings.Contains(err.Error(), "h0 of shape [1 3 4], expected (1, 2, 4)") {
		t.Errorf("ForwardState with a wrong h0: %v", err)
	}
	gru, _ := NewGRU(3, 4, RNNOptions{}, rng)
	g = NewGraph()
	gru.ForwardState(g, g.Const(tensor.New(5, 2, 3)), nil, g.Const(tensor.New(1, 2, 4)))
	if err := g.Err(); err == nil || !strings.Contains(err.Error(), "only LSTM") {
		t.Errorf("GRU with c0: %v", err)
	}

	for _, tc := range []struct{ spec, want string }{
		{`{"type": "GRU", "hidden_size": 4, "input_size": 5}`, "expects input of shape (seq, batch, 5) or unbatched (seq, 5), got [2 5 3]"},
		{`{"type": "GRU", "input_size": "auto"}`, "hidden_size is required"},
		{`{"type": "RNN", "hidden_size": 4, "nonlinearity": "sigmoid"}`, `nonlinearity is "sigmoid"`},
		{`{"type": "GRU", "hidden_size": 4, "nonlinearity": "relu"}`, `unknown parameter "nonlinearity"`},
		{`{"type": "LSTM", "hidden_size": 4, "proj_size": 2}`, "proj_size is 2"},
		{`{"type": "LSTM", "hidden_size": 4, "dropout": 1.5}`, "dropout is 1.5"},
		{`{"type": "LSTM", "hidden_size": 4, "num_layers": 0}`, "num_layers is 0"},
		{`{"type": "LSTM", "hidden_size": 4, "return_sequence": false}`, `unknown parameter "return_sequence"`},
	} {
		var spec LayerSpec
		if err := json.Unmarshal([]byte(tc.spec), &spec); err != nil {
			t.Fatal(err)
		}
		_, _, err := NewLayer(spec, []int{2, 5, 3}, rng)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.spec, err, tc.want)
		} else if strings.Count(err.Error(), "LSTM") > 1 || strings.Count(err.Error(), "GRU:") > 1 {
			t.Errorf("%s: error %q repeats the layer type", tc.spec, err)
		}
	}
}

// rnnEqual reports whether a and b hold the same values.
func rnnEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRecurrentDropout checks dropout between layers: active only in
// training mode, reproducible from the seed, different from pass to pass,
// and backpropagated through the mask it drew (finite differences in
// training mode, the generator reseeded before every pass so that every
// pass draws the same mask).
func TestRecurrentDropout(t *testing.T) {
	mk := func(p float64) *Recurrent {
		m, err := NewGRU(3, 5, RNNOptions{NumLayers: 3, Dropout: p}, rand.New(rand.NewPCG(9, 9)))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	xt := tensor.New(6, 4, 3)
	Normal(xt, 0, 1, rand.New(rand.NewPCG(2, 2)))
	run := func(m *Recurrent) []float32 {
		g := NewGraph()
		return append([]float32(nil), m.Forward(g, g.Const(xt)).Data.Data...)
	}
	a, b := mk(0.5), mk(0.5)
	ya, yb := run(a), run(b)
	if !rnnEqual(ya, yb) {
		t.Error("the same seed gave different dropout masks")
	}
	if rnnEqual(ya, run(a)) {
		t.Error("two training passes drew the same mask")
	}
	ref := mk(0)
	if rnnEqual(ya, run(ref)) {
		t.Error("dropout 0.5 in training mode changed nothing")
	}
	a.Train(false)
	ref.Train(false)
	if !rnnEqual(run(a), run(ref)) {
		t.Error("dropout is active in eval mode")
	}

	m, err := NewLSTM(2, 3, RNNOptions{NumLayers: 2, Dropout: 0.4, Bidirectional: true}, rand.New(rand.NewPCG(4, 4)))
	if err != nil {
		t.Fatal(err)
	}
	x := NewParam(tensor.New(4, 2, 2))
	Normal(x.Data, 0, 1, rand.New(rand.NewPCG(5, 5)))
	r := tensor.New(4, 2, 6)
	Normal(r, 0, 1, rand.New(rand.NewPCG(6, 6)))
	build := func(g *Graph) *Var {
		m.rng = rand.New(rand.NewPCG(7, 7))
		return g.Sum(g.Mul(m.Forward(g, x), g.Const(r)))
	}
	rnnFD(t, "LSTM dropout", append([]*Var{x}, TrainableVars(m)...), build)
}

// TestRecurrentAllocations checks that a training step reuses the graph's
// buffers: after warm-up a GRU forward and backward allocates (almost)
// nothing; a few allocations are tolerated for GEMM's worker hand-off.
func TestRecurrentAllocations(t *testing.T) {
	s := newRNNBench(t, 8, 16, 6, 4)
	s.step()
	s.step()
	if allocs := testing.AllocsPerRun(5, s.step); allocs > 4 {
		t.Errorf("%v allocations per step, want at most 4", allocs)
	}
}

type rnnBench struct {
	m    *Recurrent
	g    *Graph
	x, r *tensor.Tensor
	tb   testing.TB
}

func newRNNBench(tb testing.TB, in, hidden, seq, batch int) *rnnBench {
	rng := rand.New(rand.NewPCG(1, 2))
	m, err := NewGRU(in, hidden, RNNOptions{BatchFirst: true}, rng)
	if err != nil {
		tb.Fatal(err)
	}
	x := tensor.New(batch, seq, in)
	Normal(x, 0, 1, rng)
	r := tensor.New(batch, seq, hidden)
	Normal(r, 0, 1, rng)
	return &rnnBench{m: m, g: NewGraph(), x: x, r: r, tb: tb}
}

func (s *rnnBench) step() {
	g := s.g
	g.Reset()
	ZeroGrad(s.m)
	loss := g.Sum(g.Mul(s.m.Forward(g, g.Const(s.x)), g.Const(s.r)))
	if err := g.Backward(loss); err != nil {
		s.tb.Fatal(err)
	}
}

// BenchmarkGRUStep times a GRU (input 32, hidden 64, seq 20, batch 64,
// batch_first) forward and backward; nn/testdata/bench_rnn.py times the
// same in PyTorch.
func BenchmarkGRUStep(b *testing.B) {
	s := newRNNBench(b, 32, 64, 20, 64)
	s.step()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.step()
	}
}

// TestRecurrentSharedCalls runs one LSTM twice on the same graph (weight
// sharing, e.g. a siamese encoder) and checks the weight gradients are the
// sums of those of separate runs, and that an inference graph gives the
// same outputs.
func TestRecurrentSharedCalls(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	m, err := NewLSTM(3, 4, RNNOptions{NumLayers: 2, BatchFirst: true, Bidirectional: true}, rng)
	if err != nil {
		t.Fatal(err)
	}
	xa, xb := tensor.New(2, 5, 3), tensor.New(3, 4, 3)
	Normal(xa, 0, 1, rng)
	Normal(xb, 0, 1, rng)
	lossOf := func(g *Graph, x *tensor.Tensor) *Var {
		out, hn, cn := m.ForwardState(g, g.Const(x), nil, nil)
		return g.Add(g.Sum(g.Mul(out, out)), g.Add(g.Sum(hn), g.Sum(cn)))
	}
	grads := func() []float32 {
		var all []float32
		for _, p := range m.Parameters() {
			all = append(all, p.Var.Grad.Data...)
		}
		return all
	}
	ZeroGrad(m)
	g := NewGraph()
	if err := g.Backward(g.Add(lossOf(g, xa), lossOf(g, xb))); err != nil {
		t.Fatal(err)
	}
	shared := grads()
	ZeroGrad(m)
	for _, x := range []*tensor.Tensor{xa, xb} {
		g := NewGraph()
		if err := g.Backward(lossOf(g, x)); err != nil {
			t.Fatal(err)
		}
	}
	if e := rnnErr(shared, grads(), 1e-5, 1e-6); e > 1 {
		t.Errorf("gradients of two calls on one graph differ from separate runs (%.3g tolerances)", e)
	}

	g = NewGraph()
	want := m.Forward(g, g.Const(xa)).Data.Data
	ig := NewInferenceGraph()
	if got := m.Forward(ig, ig.Const(xa)).Data.Data; !rnnEqual(got, want) {
		t.Error("an inference graph gives different outputs")
	}
}
