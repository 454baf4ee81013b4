package svm

// positiveRows returns the rows of the row-major n × p x (and their y and
// sample weights sw) whose weight is positive, with their indices: the
// problem scikit-learn's libsvm solves (remove_zero_weight). With sw nil
// it returns its arguments and keep nil.
func positiveRows(x []float64, n, p int, y, sw []float64) (xk, yk, wk []float64, keep []int) {
	if sw == nil {
		return x, y, nil, nil
	}
	for i := 0; i < n; i++ {
		if sw[i] > 0 {
			keep = append(keep, i)
		}
	}
	xk = make([]float64, 0, len(keep)*p)
	wk = make([]float64, len(keep))
	if y != nil {
		yk = make([]float64, len(keep))
	}
	for k, i := range keep {
		xk = append(xk, x[i*p:(i+1)*p]...)
		wk[k] = sw[i]
		if y != nil {
			yk[k] = y[i]
		}
	}
	return xk, yk, wk, keep
}

// mapSupport turns the support indices of the rows kept by positiveRows
// into rows of X (keep nil: unchanged).
func (m *model) mapSupport(keep []int) {
	if keep == nil {
		return
	}
	for i, s := range m.support {
		m.support[i] = keep[s]
	}
}
