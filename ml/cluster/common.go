package cluster

import (
	"fmt"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// Labeler is a fitted clusterer: Labels returns labels_, the cluster of
// every training row (-1 for noise, as DBSCAN says).
type Labeler interface {
	Labels() []int
}

// FitPredict fits e on X and returns labels_, as scikit-learn's
// fit_predict does.
func fitLabels(l Labeler) []float64 {
	lab := l.Labels()
	out := make([]float64, len(lab))
	for i, v := range lab {
		out[i] = float64(v)
	}
	return out
}

// rows returns the rows of X as one contiguous row-major slice, copying only
// when X is a view with a stride wider than its columns.
func rows(X *mat.Dense) (data []float64, r, c int) {
	raw := X.RawMatrix()
	r, c = raw.Rows, raw.Cols
	if raw.Stride == c {
		return raw.Data[:r*c], r, c
	}
	data = make([]float64, r*c)
	for i := 0; i < r; i++ {
		copy(data[i*c:(i+1)*c], raw.Data[i*raw.Stride:i*raw.Stride+c])
	}
	return data, r, c
}

// checkFit checks X for Fit: finite, non-empty, at least minRows rows
// (named by the parameter that needs them).
func checkFit(X *mat.Dense, minRows int, field string) error {
	if err := ml.CheckX(X, 0); err != nil {
		return err
	}
	if r, _ := X.Dims(); r < minRows {
		return &ml.ParamError{Param: field, Msg: fmt.Sprintf("%s is %d but X has only %d rows: %s must be at most the number of samples", field, minRows, r, field)}
	}
	return nil
}

// forRows runs f over [0, n) split across the CPUs, in contiguous
// ranges; small inputs run on the calling goroutine.
func forRows(n, work int, f func(lo, hi int)) {
	w := runtime.GOMAXPROCS(0)
	if w <= 1 || n < 256 || work < 1<<15 {
		f(0, n)
		return
	}
	w = min(w, n/128)
	var wg sync.WaitGroup
	for t := 0; t < w; t++ {
		lo, hi := n*t/w, n*(t+1)/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}

func clone[T any](v []T) []T {
	if v == nil {
		return nil
	}
	return append([]T(nil), v...)
}
