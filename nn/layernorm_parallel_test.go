package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// TestLayerNormPartsMatchSerial checks the parallel LayerNorm (rows split
// over the cores forward and for the input's gradient, columns for the
// parameters') against the one-row-at-a-time loops it replaced, exactly,
// on a transformer-sized input.
func TestLayerNormPartsMatchSerial(t *testing.T) {
	const R, D = 3136, 64
	rng := rand.New(rand.NewPCG(31, 32))
	x, gy, w, b := tensor.New(R, D), tensor.New(R, D), tensor.New(D), tensor.New(D)
	for _, tt := range []*tensor.Tensor{x, gy, w, b} {
		Uniform(tt, -2, 2, rng)
	}
	eps := 1e-5
	// The reference: the serial loops.
	wantY := make([]float32, R*D)
	stats := make([]float32, 2*R)
	for r := range R {
		row := x.Data[r*D : (r+1)*D]
		m := sum64(row) / float64(D)
		var ss float64
		for _, e := range row {
			d := float64(e) - m
			ss += d * d
		}
		is := float32(1 / math.Sqrt(ss/float64(D)+eps))
		mf := float32(m)
		stats[r], stats[R+r] = mf, is
		for i, e := range row {
			wantY[r*D+i] = (e-mf)*is*w.Data[i] + b.Data[i]
		}
	}
	wantGx, wantGw, wantGb := make([]float32, R*D), make([]float32, D), make([]float32, D)
	for r := range R {
		m, is := stats[r], stats[R+r]
		row, d := x.Data[r*D:(r+1)*D], gy.Data[r*D:(r+1)*D]
		var sdx, sdxx float64
		for i, e := range row {
			xh := (e - m) * is
			dxh := d[i] * w.Data[i]
			sdx += float64(dxh)
			sdxx += float64(dxh * xh)
			wantGw[i] += d[i] * xh
			wantGb[i] += d[i]
		}
		mdx, mdxx := float32(sdx/float64(D)), float32(sdxx/float64(D))
		for i, e := range row {
			xh := (e - m) * is
			wantGx[r*D+i] += is * (d[i]*w.Data[i] - mdx - xh*mdxx)
		}
	}

	ln := &LayerNorm{NormalizedShape: []int{D}, Eps: eps, ElementwiseAffine: true, Weight: NewParam(w), Bias: NewParam(b)}
	g := NewGraph()
	xv := NewParam(x.Clone())
	y := ln.Forward(g, xv)
	if err := g.Backward(g.Sum(g.Mul(y, g.Const(gy)))); err != nil {
		t.Fatal(err)
	}
	same := func(what string, got, want []float32) {
		t.Helper()
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
			}
		}
	}
	same("y", y.Data.Data, wantY)
	same("grad x", xv.Grad.Data, wantGx)
	same("grad weight", ln.Weight.Grad.Data, wantGw)
	same("grad bias", ln.Bias.Grad.Data, wantGb)
}
