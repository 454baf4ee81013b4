package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// conv1dColumns materializes the columns of Conv1dCols with Im2col, the
// samples side by side, and the row of ones last when bias is set.
func conv1dColumns(cc Conv1dCols) []float32 {
	k1, n := cc.Rows(), cc.Cols()
	lout := n / cc.NS
	cols := make([]float32, k1*n)
	one := make([]float32, cc.C*cc.K*lout)
	for s := range cc.NS {
		Im2col(cc.X[s*cc.C*cc.L:(s+1)*cc.C*cc.L], cc.C, 1, cc.L, 1, cc.K, 0, cc.Pad, 1, 1, 1, 1, one)
		for r := range cc.C * cc.K {
			copy(cols[r*n+s*lout:r*n+(s+1)*lout], one[r*lout:(r+1)*lout])
		}
	}
	if cc.Bias {
		Fill(cols[cc.C*cc.K*n:], 1)
	}
	return cols
}

func sameFloats(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// TestConv1dProducts checks Conv1dForward and Conv1dWeightGradT against
// Gemm on the materialized columns, bit for bit, with every kernel this CPU
// runs (the AVX2 one's Gemm reads short reductions in place), over
// geometries with one and several reduction and column blocks, odd
// lengths, panels across samples and padding wider than the kernel's
// reach.
func TestConv1dProducts(t *testing.T) {
	saved := active
	defer func() { active = saved }()
	for _, cfg := range availableConfigs() {
		active = cfg
		t.Run(cfg.name, testConv1dProducts)
	}
}

func testConv1dProducts(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	for ci, g := range []struct{ ns, c, l, k, pad, o int }{
		{3, 4, 196, 5, 2, 32}, {5, 32, 98, 5, 2, 64}, {2, 3, 17, 3, 1, 5}, {1, 60, 40, 5, 2, 9},
		{4, 2, 600, 7, 3, 3}, {3, 9, 5, 3, 4, 7}, {6, 5, 31, 2, 0, 17},
	} {
		for _, bias := range []bool{true, false} {
			x := make([]float32, g.ns*g.c*g.l)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			cc := Conv1dCols{X: x, NS: g.ns, C: g.c, L: g.l, K: g.k, Pad: g.pad, Bias: bias}
			k1, n := cc.Rows(), cc.Cols()
			cols := conv1dColumns(cc)
			w := make([]float32, g.o*k1)
			for i := range w {
				w[i] = float32(rng.NormFloat64())
			}
			want := make([]float32, g.o*n)
			Gemm(false, false, g.o, n, k1, 1, w, k1, cols, n, 0, want, n)
			ap := make([]float32, Conv1dPackedLen(g.o, k1))
			PackConv1dWeights(ap, w, k1, g.o, k1)
			got := make([]float32, g.o*n)
			Conv1dForward(ap, g.o, cc, got, n)
			if i := sameFloats(got, want); i >= 0 {
				t.Fatalf("case %d bias %v: forward %d: %v, want %v", ci, bias, i, got[i], want[i])
			}
			dy := make([]float32, g.o*n)
			for i := range dy {
				dy[i] = float32(rng.NormFloat64())
			}
			gw := make([]float32, g.o*k1)
			Gemm(false, true, g.o, k1, n, 1, dy, n, cols, n, 0, gw, k1)
			gT := make([]float32, k1*g.o)
			mid := min(k1, (k1/2+Conv1dPanelRows()-1)/Conv1dPanelRows()*Conv1dPanelRows())
			Conv1dWeightGradT(dy, n, g.o, cc, 0, mid, gT, g.o)
			Conv1dWeightGradT(dy, n, g.o, cc, mid, k1, gT[mid*g.o:], g.o)
			for o := range g.o {
				for r := range k1 {
					if a, b := gT[r*g.o+o], gw[o*k1+r]; math.Float32bits(a) != math.Float32bits(b) {
						t.Fatalf("case %d bias %v: weight gradient (%d, %d): %v, want %v", ci, bias, o, r, a, b)
					}
				}
			}
		}
	}
}
