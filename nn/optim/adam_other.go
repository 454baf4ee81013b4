//go:build !amd64 || purego

package optim

// adamUpdate is Adam's update without weight decay or AMSGrad over the
// slices w, g, m, v (the same length); see adamUpdateGo.
func adamUpdate(w, g, m, v []float32, b1, ob1, b2, ob2, bc2s, eps, step float32) {
	adamUpdateGo(w, g, m, v, b1, ob1, b2, ob2, bc2s, eps, step)
}
