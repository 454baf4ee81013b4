//go:build amd64 && !purego

package linear

//go:generate go run saga_asmgen.go

import "golang.org/x/sys/cpu"

// useSagaAVX is true when sagaFused4AVX can run (AVX: 4-lane float64).
var useSagaAVX = cpu.X86.HasAVX

// sagaFused4AVX is sagaUpdate.fused3 for the p features of x and xn, the
// weights and sums of gradients at stride 4 (lane 3 has d[3] = 0), one
// feature per 4-lane vector with the same IEEE operations in the same
// order (no FMA), so the same bits: sc holds step, seenFrac, wscale, c, cp
// and -cp; sums gets the four dot products.
//
//go:noescape
func sagaFused4AVX(w, sg, x, xn *float64, p int, d, sc *float64, prox bool, sums *float64)

// fused4 runs the fused pass for 3 classes (weights at stride 4), in
// assembly where AVX is there.
func (u *sagaUpdate) fused4(w, sumGrad, x, xn, diff, sums []float64) {
	if !useSagaAVX || len(x) == 0 {
		sums[0], sums[1], sums[2] = u.fused3(w, sumGrad, x, xn, diff[0], diff[1], diff[2])
		return
	}
	p := len(x)
	_ = w[4*p-1]
	_ = sumGrad[4*p-1]
	_ = xn[p-1]
	d := [4]float64{diff[0], diff[1], diff[2], 0}
	sc := [6]float64{u.step, u.seenFrac, u.wscale, u.c, u.cp, -u.cp}
	var out [4]float64
	sagaFused4AVX(&w[0], &sumGrad[0], &x[0], &xn[0], p, &d[0], &sc[0], u.prox, &out[0])
	sums[0], sums[1], sums[2] = out[0], out[1], out[2]
}
