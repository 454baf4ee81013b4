package nn

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// TestCTCLossMatchesPyTorch compares CTCLoss with PyTorch 1.13's on the
// cases of testdata/ctc.json (gen_ctc.py: blank first, last and in the
// middle, repeated labels, an empty target, 30 time steps, zero_infinity
// with impossible targets; each reduction): the loss to 1e-5 relative,
// the gradients of sum(loss·w) with respect to log_probs (PyTorch's
// formula) and to the logits under LogSoftmax to 1e-4 absolute.
func TestCTCLossMatchesPyTorch(t *testing.T) {
	b, err := os.ReadFile("testdata/ctc.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []struct {
			Name         string    `json:"name"`
			Blank        int       `json:"blank"`
			Reduction    string    `json:"reduction"`
			ZeroInfinity bool      `json:"zero_infinity"`
			T, N, C      int       `json:"-"`
			Targets      [][]int   `json:"targets"`
			InputLengths []int     `json:"input_lengths"`
			Weights      []float32 `json:"weights"`
			LogProbs     []float32 `json:"log_probs"`
			Loss         []float64 `json:"loss"`
			GradLogProbs []float32 `json:"grad_log_probs"`
			GradLogits   []float32 `json:"grad_logits"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	var dims struct {
		Cases []struct{ T, N, C int } `json:"cases"`
	}
	json.Unmarshal(b, &dims)
	if len(f.Cases) < 21 {
		t.Fatalf("%d cases", len(f.Cases))
	}
	for k, c := range f.Cases {
		T, N, C := dims.Cases[k].T, dims.Cases[k].N, dims.Cases[k].C
		t.Run(c.Name, func(t *testing.T) {
			l := &CTCLoss{Blank: c.Blank, Reduction: c.Reduction, ZeroInfinity: c.ZeroInfinity}
			run := func(logits bool) (*Var, []float32) {
				x := NewParam(&tensor.Tensor{Shape: []int{T, N, C}, Data: append([]float32(nil), c.LogProbs...)})
				g := NewGraph()
				in := x
				if logits { // log_softmax of log-probabilities is themselves
					in = g.LogSoftmax(x, 2)
				}
				loss := l.CTC(g, in, c.Targets, c.InputLengths)
				out := loss
				if c.Weights != nil {
					out = g.Sum(g.Mul(loss, g.Const(tensor.FromSlice(c.Weights, N))))
				}
				if err := g.Backward(out); err != nil {
					t.Fatal(err)
				}
				return x, append([]float32(nil), loss.Data.Data...)
			}
			x, got := run(false)
			if len(got) != len(c.Loss) {
				t.Fatalf("%d loss values, want %d", len(got), len(c.Loss))
			}
			for i, want := range c.Loss {
				if d := math.Abs(float64(got[i]) - want); !(d <= 1e-5*math.Max(1, math.Abs(want))) {
					t.Errorf("loss[%d] %v, want %v", i, got[i], want)
				}
			}
			for i, want := range c.GradLogProbs {
				if d := math.Abs(float64(x.Grad.Data[i] - want)); !(d <= 1e-4) {
					t.Fatalf("gradient wrt log_probs [%d] %v, want %v", i, x.Grad.Data[i], want)
				}
			}
			x, _ = run(true)
			for i, want := range c.GradLogits {
				if d := math.Abs(float64(x.Grad.Data[i] - want)); !(d <= 1e-4) {
					t.Fatalf("gradient wrt logits [%d] %v, want %v", i, x.Grad.Data[i], want)
				}
			}
		})
	}
}

// TestCTCLossGradcheck checks the gradient through LogSoftmax (where
// PyTorch's formula is the exact gradient) against finite differences,
// for each reduction, and the packed Forward against CTC.
func TestCTCLossGradcheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const T, N, C = 7, 3, 5
	targets := [][]int{{1, 2, 2}, {4}, {3, 1, 3, 1}}
	lens := []int{7, 5, 7}
	for _, red := range []string{"none", "mean", "sum"} {
		x := randParam(rng, 1, T, N, C)
		l := &CTCLoss{Reduction: red}
		fdCheck(t, "CTCLoss "+red, []*Var{x}, func(g *Graph) *Var {
			return l.CTC(g, g.LogSoftmax(x, 2), targets, lens)
		})
	}
	// Forward takes the lengths and labels packed, (N, 2+S).
	x := randParam(rng, 1, T, N, C)
	l, err := NewLoss("CTCLoss", []byte(`{"blank": 0, "reduction": "sum", "zero_infinity": false}`))
	if err != nil {
		t.Fatal(err)
	}
	g := NewGraph()
	lp := g.LogSoftmax(x, 2)
	a := l.(*CTCLoss).CTC(g, lp, targets, lens).Data.Data[0]
	packed := tensor.FromSlice([]float32{7, 3, 1, 2, 2, 0, 5, 1, 4, 9, 9, 9, 7, 4, 3, 1, 3, 1}, 3, 6)
	if b := l.Forward(g, lp, g.Const(packed)).Data.Data[0]; a != b {
		t.Errorf("Forward of the packed target %v, CTC %v", b, a)
	}
	if PackedInputs(l) == "" {
		t.Error("CTCLoss does not say what it takes (PackedInputs)")
	}
}

// TestCTCLossErrors: bad shapes, lengths and labels are errors that say
// what was expected.
func TestCTCLossErrors(t *testing.T) {
	lp := NewParam(tensor.New(4, 2, 3))
	for _, c := range []struct {
		blank   int
		targets [][]int
		lens    []int
		want    string
	}{
		{0, [][]int{{1}, {2}}, []int{5, 4}, "input length 5 of sample 0, expected an integer in [1, 4]"},
		{0, [][]int{{1}, {2}}, []int{0, 4}, "input length 0"},
		{0, [][]int{{1}, {0}}, []int{4, 4}, "other than the blank (0)"},
		{2, [][]int{{1}, {3}}, []int{4, 4}, "target label 3"},
		{3, [][]int{{1}, {1}}, []int{4, 4}, "blank is 3, expected a class index in [0, 3)"},
		{0, [][]int{{1}}, []int{4, 4}, "1 target sequences and 2 input lengths"},
	} {
		g := NewGraph()
		(&CTCLoss{Blank: c.blank, Reduction: "mean"}).CTC(g, lp, c.targets, c.lens)
		if err := g.Err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: %v, want %q", c.targets, c.lens, err, c.want)
		}
	}
	g := NewGraph()
	(&CTCLoss{Reduction: "mean"}).Forward(g, lp, g.Const(tensor.New(2, 1)))
	if err := g.Err(); err == nil || !strings.Contains(err.Error(), "expected (2, 2+S)") {
		t.Errorf("a target without lengths: %v", err)
	}
}
