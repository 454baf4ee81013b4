package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// conv2dWideColumns materializes the columns of a padded image.
func conv2dWideColumns(cc Conv2dWideCols) []float32 {
	k, n := cc.Rows(), cc.Cols()
	cols := make([]float32, k*n)
	for r := range k {
		off := cc.rowOff(r)
		copy(cols[r*n:(r+1)*n], cc.P[off:off+n])
	}
	return cols
}

// TestConv2dWideProducts checks Conv2dWideForward against Gemm on the
// materialized columns, bit for bit, for every available micro-kernel.
func TestConv2dWideProducts(t *testing.T) {
	saved := active
	defer func() { active = saved }()
	for _, cfg := range availableConfigs() {
		active = cfg
		t.Run(cfg.name, testConv2dWideProducts)
	}
}

func testConv2dWideProducts(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 3))
	ran, wran := 0, 0
	for ci, g := range []struct{ c, h, w, kh, kw, ph, pw, dh, dw, o int }{
		{16, 14, 14, 3, 3, 1, 1, 1, 1, 32}, {8, 28, 28, 3, 3, 1, 1, 1, 1, 16}, {32, 7, 7, 3, 3, 1, 1, 1, 1, 64},
		{9, 10, 12, 3, 3, 0, 0, 1, 1, 5}, {3, 20, 20, 5, 5, 2, 2, 1, 1, 7}, {8, 12, 12, 3, 3, 2, 2, 2, 2, 9},
		{40, 6, 9, 2, 3, 1, 0, 1, 1, 3}, {12, 8, 8, 3, 3, 1, 1, 1, 1, 13}, {6, 9, 9, 3, 3, 1, 1, 1, 1, 33}, {300, 4, 4, 1, 1, 0, 0, 1, 1, 2},
	} {
		Hp, Wp := g.h+2*g.ph, g.w+2*g.pw
		cc := Conv2dWideCols{C: g.c, Hp: Hp, Wp: Wp, KH: g.kh, KW: g.kw, DH: g.dh, DW: g.dw}
		if !Conv2dWideDirect(g.o, cc) {
			continue
		}
		cc.P = make([]float32, g.c*Hp*Wp+(g.kw-1)*g.dw)
		for c := range g.c {
			for y := range g.h {
				for x := range g.w {
					cc.P[c*Hp*Wp+(y+g.ph)*Wp+x+g.pw] = float32(rng.NormFloat64())
				}
			}
		}
		ran++
		k, n := cc.Rows(), cc.Cols()
		cols := conv2dWideColumns(cc)
		w := make([]float32, g.o*k)
		for i := range w {
			w[i] = float32(rng.NormFloat64())
		}
		for _, beta := range []float32{0, 1} {
			init := make([]float32, g.o*n)
			for i := range init {
				init[i] = float32(rng.NormFloat64())
			}
			for _, gemm := range []func(bool, bool, int, int, int, float32, []float32, int, []float32, int, float32, []float32, int){Gemm, GemmSerial} {
				want := append([]float32(nil), init...)
				gemm(false, false, g.o, n, k, 1, w, k, cols, n, beta, want, n)
				got := append([]float32(nil), init...)
				Conv2dWideForward(w, k, g.o, cc, beta, got, n)
				if i := sameFloats(got, want); i >= 0 {
					t.Fatalf("case %d beta %v: forward %d: %v, want %v", ci, beta, i, got[i], want[i])
				}
				if !Conv2dWideWeightDirect(g.o, cc) {
					continue
				}
				gi := make([]float32, g.o*k)
				for i := range gi {
					gi[i] = float32(rng.NormFloat64())
				}
				gwant := append([]float32(nil), gi...)
				gemm(false, true, g.o, k, n, 1, init, n, cols, n, beta, gwant, k)
				gT := make([]float32, k*g.o)
				for v := range k {
					for o := range g.o {
						gT[v*g.o+o] = gi[o*k+cc.Conv2dWideVRow(v)]
					}
				}
				Conv2dWideWeightGradT(init, n, g.o, cc, beta, gT, g.o)
				for v := range k {
					for o := range g.o {
						a, b := gT[v*g.o+o], gwant[o*k+cc.Conv2dWideVRow(v)]
						if math.Float32bits(a) != math.Float32bits(b) {
							t.Fatalf("case %d beta %v: weight gradient (%d, %d): %v, want %v", ci, beta, o, v, a, b)
						}
					}
				}
				wran++
			}
		}
	}
	if wran < 6 {
		t.Fatalf("only %d weight gradients take the direct path", wran)
	}
	if ran < 6 {
		t.Fatalf("only %d of the cases take the direct path", ran)
	}
}

// benchConv2dWide is cnn2's second convolution (16 -> 32 channels, 3x3,
// padding 1, 14 x 14): the columns copied then GemmSerial, or packed from
// the padded image.
func benchConv2dWide(b *testing.B, direct bool) {
	cc := Conv2dWideCols{C: 16, Hp: 16, Wp: 16, KH: 3, KW: 3, DH: 1, DW: 1}
	cc.P = make([]float32, 16*16*16+2)
	for i := range cc.P {
		cc.P[i] = float32(i%7) - 3
	}
	k, n, o := cc.Rows(), cc.Cols(), 32
	w := make([]float32, o*k)
	out := make([]float32, o*n)
	cols := make([]float32, k*n)
	for b.Loop() {
		if direct {
			Conv2dWideForward(w, k, o, cc, 1, out, n)
			continue
		}
		for r := range k {
			off := cc.rowOff(r)
			copy(cols[r*n:(r+1)*n], cc.P[off:off+n])
		}
		GemmSerial(false, false, o, n, k, 1, w, k, cols, n, 1, out, n)
	}
}

func benchConv2dWideGrad(b *testing.B, direct bool) {
	cc := Conv2dWideCols{C: 16, Hp: 16, Wp: 16, KH: 3, KW: 3, DH: 1, DW: 1}
	cc.P = make([]float32, 16*16*16+2)
	for i := range cc.P {
		cc.P[i] = float32(i%7) - 3
	}
	k, n, o := cc.Rows(), cc.Cols(), 32
	gw := make([]float32, o*k)
	dy := make([]float32, o*n)
	cols := make([]float32, k*n)
	for b.Loop() {
		if direct {
			Conv2dWideWeightGradT(dy, n, o, cc, 1, gw, o)
			continue
		}
		for r := range k {
			off := cc.rowOff(r)
			copy(cols[r*n:(r+1)*n], cc.P[off:off+n])
		}
		GemmSerial(false, true, o, k, n, 1, dy, n, cols, n, 1, gw, k)
	}
}

func BenchmarkConv2dWideGradCols(b *testing.B)   { benchConv2dWideGrad(b, false) }
func BenchmarkConv2dWideGradDirect(b *testing.B) { benchConv2dWideGrad(b, true) }

func BenchmarkConv2dWideCols(b *testing.B)   { benchConv2dWide(b, false) }
func BenchmarkConv2dWideDirect(b *testing.B) { benchConv2dWide(b, true) }
