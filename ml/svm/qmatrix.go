package svm

import (
	"runtime"
	"slices"
	"sync"
)

// qMatrix is the Q of the dual problem: getQ returns the first length
// values of column i (valid until the second next call), qd its diagonal,
// swap exchanges two variables.
type qMatrix interface {
	getQ(i, length int) []float32
	qd() []float64
	swap(i, j int)
}

// kernelRows holds the training rows for the kernel, with their squared
// norms, in the solver's current order.
type kernelRows struct {
	k   kernelSpec
	x   [][]float64
	xsq []float64
}

// newKernelRows keeps its own slice of the rows, which swap reorders.
func newKernelRows(k kernelSpec, x [][]float64) kernelRows {
	r := kernelRows{k: k, x: slices.Clone(x), xsq: make([]float64, len(x))}
	if k.kind == kRBF {
		for i, v := range x {
			r.xsq[i] = dot(v, v)
		}
	}
	return r
}

func (r *kernelRows) at(i, j int) float64 {
	return r.k.eval(r.x[i], r.x[j], r.xsq[i], r.xsq[j])
}

// parallelMin is the number of kernel values below which a column is
// filled on one goroutine.
const parallelMin = 1 << 14

// fill calls f(lo, hi) over [start, end), split across the cores when the
// range times the feature count is large.
func fill(start, end, p int, f func(lo, hi int)) {
	n := end - start
	w := runtime.GOMAXPROCS(0)
	if w < 2 || n*max(p, 1) < parallelMin || n < 256 {
		f(start, end)
		return
	}
	w = min(w, n/128)
	var wg sync.WaitGroup
	chunk := (n + w - 1) / w
	for lo := start; lo < end; lo += chunk {
		hi := min(lo+chunk, end)
		wg.Add(1)
		go func() { defer wg.Done(); f(lo, hi) }()
	}
	wg.Wait()
}

// svcQ is Q for C-SVC (Qij = yi yj K(xi, xj)) and, with every y = +1, for
// the one-class problem.
type svcQ struct {
	rows  kernelRows
	y     []int8
	cache *cache
	diag  []float64
}

func newSVCQ(k kernelSpec, x [][]float64, y []int8, cacheBytes int64, pool *colPool) *svcQ {
	q := &svcQ{rows: newKernelRows(k, x), y: y, cache: newCache(len(x), cacheBytes, pool), diag: make([]float64, len(x))}
	for i := range x {
		q.diag[i] = q.rows.at(i, i)
	}
	return q
}

func (q *svcQ) getQ(i, length int) []float32 {
	data, start := q.cache.getData(i, length)
	if start < length {
		yi := float64(q.y[i])
		fill(start, length, len(q.rows.x[i]), func(lo, hi int) {
			for j := lo; j < hi; j++ {
				data[j] = float32(yi * float64(q.y[j]) * q.rows.at(i, j))
			}
		})
	}
	return data[:length]
}

func (q *svcQ) qd() []float64 { return q.diag }

func (q *svcQ) swap(i, j int) {
	q.cache.swap(i, j)
	r := &q.rows
	r.x[i], r.x[j] = r.x[j], r.x[i]
	r.xsq[i], r.xsq[j] = r.xsq[j], r.xsq[i]
	q.y[i], q.y[j] = q.y[j], q.y[i]
	q.diag[i], q.diag[j] = q.diag[j], q.diag[i]
}

// svrQ is Q for ε-SVR and ν-SVR: 2l variables, the first l with sign +1
// and the last l with sign -1, over the kernel of the l samples (whose
// columns the cache keeps, whole).
type svrQ struct {
	rows  kernelRows
	l     int
	sign  []int8
	index []int
	cache *cache
	diag  []float64
	buf   [2][]float32
	next  int
}

func newSVRQ(k kernelSpec, x [][]float64, cacheBytes int64) *svrQ {
	l := len(x)
	q := &svrQ{rows: newKernelRows(k, x), l: l, sign: make([]int8, 2*l), index: make([]int, 2*l), cache: newCache(l, cacheBytes, nil), diag: make([]float64, 2*l)}
	for i := 0; i < l; i++ {
		q.sign[i], q.sign[i+l] = 1, -1
		q.index[i], q.index[i+l] = i, i
		d := q.rows.at(i, i)
		q.diag[i], q.diag[i+l] = d, d
	}
	q.buf[0], q.buf[1] = make([]float32, 2*l), make([]float32, 2*l)
	return q
}

func (q *svrQ) getQ(i, length int) []float32 {
	ri := q.index[i]
	data, start := q.cache.getData(ri, q.l)
	if start < q.l {
		fill(start, q.l, len(q.rows.x[ri]), func(lo, hi int) {
			for j := lo; j < hi; j++ {
				data[j] = float32(q.rows.at(ri, j))
			}
		})
	}
	buf := q.buf[q.next]
	q.next = 1 - q.next
	si := float32(q.sign[i])
	for j := 0; j < length; j++ {
		buf[j] = si * float32(q.sign[j]) * data[q.index[j]]
	}
	return buf[:length]
}

func (q *svrQ) qd() []float64 { return q.diag }

func (q *svrQ) swap(i, j int) {
	q.sign[i], q.sign[j] = q.sign[j], q.sign[i]
	q.index[i], q.index[j] = q.index[j], q.index[i]
	q.diag[i], q.diag[j] = q.diag[j], q.diag[i]
}
