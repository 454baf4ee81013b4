//go:build amd64 && !purego

package optim

//go:generate go run adam_asmgen.go

// adamAVX2 runs adamUpdate over n elements, n a multiple of 8.
//
//go:noescape
func adamAVX2(w, grad, m, v *float32, n int, b1, ob1, b2, ob2, bc2s, eps, step float32)

// adamUpdate is Adam's update without weight decay or AMSGrad over the
// slices w, g, m, v (the same length); see adamUpdateGo.
func adamUpdate(w, g, m, v []float32, b1, ob1, b2, ob2, bc2s, eps, step float32) {
	n := len(w)
	g, m, v = g[:n], m[:n], v[:n]
	k := 0
	if useAVX2 && n >= 8 {
		k = n &^ 7
		adamAVX2(&w[0], &g[0], &m[0], &v[0], k, b1, ob1, b2, ob2, bc2s, eps, step)
	}
	adamUpdateGo(w[k:], g[k:], m[k:], v[k:], b1, ob1, b2, ob2, bc2s, eps, step)
}
