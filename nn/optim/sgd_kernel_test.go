package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/tensor"
)

// TestSGDMomentumKernel checks the vector SGD kernel against its portable
// loop at lengths around the vector widths. Tolerance: 1e-6 relative, for
// the fused multiply-adds of the vector path.
func TestSGDMomentumKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 33, 100, 1001} {
		w, g, b := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range w {
			w[i], g[i], b[i] = rng.Float32()-0.5, rng.Float32()-0.5, rng.Float32()-0.5
		}
		w2, b2 := append([]float32(nil), w...), append([]float32(nil), b...)
		sgdMomentum(w, g, b, 0.01, 0.9, 0.75)
		sgdMomentumGeneric(w2, g, b2, 0.01, 0.9, 0.75)
		for i := range w {
			if math.Abs(float64(w[i]-w2[i])) > 1e-6*(1+math.Abs(float64(w2[i]))) || math.Abs(float64(b[i]-b2[i])) > 1e-6*(1+math.Abs(float64(b2[i]))) {
				t.Fatalf("n=%d i=%d: w %v buf %v, want %v %v", n, i, w[i], b[i], w2[i], b2[i])
			}
		}
	}
}

// TestSGDStepParallel checks that Step's parallel momentum update (the
// parameters' elements in stretches on the cores) gives the serial loop's
// values bit for bit, on parameters shorter and longer than a stretch and
// of odd lengths, over a few steps with dampening.
func TestSGDStepParallel(t *testing.T) {
	defer func() { sgdSerialOnly = false }()
	sizes := []int{70001, sgdChunkLen, 3, 2*sgdChunkLen + 7, 12}
	var runs [2][][]float32
	for serial := 0; serial < 2; serial++ {
		sgdSerialOnly = serial == 1
		rng := rand.New(rand.NewPCG(3, 4))
		var params []*nn.Var
		for _, n := range sizes {
			w := tensor.New(n)
			for i := range w.Data {
				w.Data[i] = rng.Float32() - 0.5
			}
			params = append(params, nn.NewParam(w))
		}
		opt, err := NewSGD(params, SGDConfig{LR: 0.01, Momentum: 0.9, Dampening: 0.25})
		if err != nil {
			t.Fatal(err)
		}
		for step := 0; step < 3; step++ {
			for _, p := range params {
				if p.Grad == nil {
					p.Grad = tensor.New(p.Data.Shape...)
				}
				for i := range p.Grad.Data {
					p.Grad.Data[i] = rng.Float32() - 0.5
				}
			}
			opt.Step()
		}
		for i, p := range params {
			runs[serial] = append(runs[serial], p.Data.Data, opt.b.t[0][i].Data)
		}
	}
	for i := range runs[0] {
		for j, v := range runs[0][i] {
			if u := runs[1][i][j]; math.Float32bits(u) != math.Float32bits(v) {
				t.Fatalf("slice %d element %d: %v in parallel, %v serially", i, j, v, u)
			}
		}
	}
}

// TestZeroGradParallel checks that ZeroGrad clears every gradient when
// it clears them in stretches on the cores, and leaves missing ones nil.
func TestZeroGradParallel(t *testing.T) {
	var params []*nn.Var
	for i, n := range []int{1 << 17, 5, 3<<16 + 1, 77} {
		p := nn.NewParam(tensor.New(n))
		if i != 1 {
			p.Grad = tensor.New(n)
			for j := range p.Grad.Data {
				p.Grad.Data[j] = float32(j%7) + 1
			}
		}
		params = append(params, p)
	}
	opt, err := NewSGD(params, SGDConfig{LR: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	opt.ZeroGrad()
	for i, p := range params {
		if i == 1 {
			if p.Grad != nil {
				t.Fatalf("param %d got a gradient", i)
			}
			continue
		}
		for j, v := range p.Grad.Data {
			if v != 0 {
				t.Fatalf("param %d gradient %d is %v after ZeroGrad", i, j, v)
			}
		}
	}
}
