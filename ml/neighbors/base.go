package neighbors

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// fitIndex builds the search index over X. The caller has validated the
// hyperparameters and the data (ml.CheckXy).
func fitIndex(ctx context.Context, c *Params, X *mat.Dense) (*index, error) {
	n, d := X.Dims()
	if c.NNeighbors > n {
		return nil, tooManyNeighbors(c.NNeighbors, n)
	}
	if c.Metric == "precomputed" {
		x, err := precomputedTraining(X)
		if err != nil {
			return nil, err
		}
		ml.ProgressFrom(ctx).Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("keep the %d × %d precomputed distances", n, n)})
		return newPrecomputedIndex(x, n), nil
	}
	p := c.effectiveP()
	method := chooseMethod(c.Algorithm, n, d, c.NNeighbors, p)
	ml.ProgressFrom(ctx).Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("build %s index over %d samples", method, n)})
	return newIndex(rowMajorCopy(X), n, d, p, method, c.LeafSize), nil
}

func tooManyNeighbors(k, n int) error {
	return ml.DataErrorf("Expected n_neighbors <= n_samples_fit, but n_neighbors = %d, n_samples_fit = %d", k, n)
}

// precomputedTraining checks that X is a square matrix of distances (≥ 0)
// between the training points, as metric="precomputed" fits on, and
// returns a row-major copy (the memory EstimateMemory counts, 8·n·p).
func precomputedTraining(X *mat.Dense) ([]float64, error) {
	n, d := X.Dims()
	if n != d {
		return nil, ml.DataErrorf("metric=\"precomputed\": X must be the square matrix of distances between the training points (n_samples × n_samples), got %d × %d", n, d)
	}
	if err := checkDistances(X); err != nil {
		return nil, err
	}
	return rowMajorCopy(X), nil
}

// checkDistances refuses a negative distance, as scikit-learn's
// check_non_negative does for a precomputed distance matrix.
func checkDistances(X *mat.Dense) error {
	r, c := X.Dims()
	for i := range r {
		for j, v := range X.RawRowView(i)[:c] {
			if v < 0 {
				return ml.DataErrorf("metric=\"precomputed\": X[%d, %d] is %v; distances must be ≥ 0", i, j, v)
			}
		}
	}
	return nil
}

// checkQuery checks a query matrix against the index: with precomputed
// distances one column per training point, each ≥ 0.
func (ix *index) checkQuery(X *mat.Dense) error {
	if ix.precomputed {
		if r, c := X.Dims(); c != ix.n {
			return ml.DataErrorf("metric=\"precomputed\": X must be the distances from the query points to the %d training points (n_queries × %d), got %d × %d", ix.n, ix.n, r, c)
		}
		if err := ml.CheckX(X, ix.d); err != nil {
			return err
		}
		return checkDistances(X)
	}
	return ml.CheckX(X, ix.d)
}

// rowMajorCopy returns X's elements as a new row-major slice.
func rowMajorCopy(X *mat.Dense) []float64 {
	r, c := X.Dims()
	raw := X.RawMatrix()
	out := make([]float64, r*c)
	for i := 0; i < r; i++ {
		copy(out[i*c:(i+1)*c], raw.Data[i*raw.Stride:i*raw.Stride+c])
	}
	return out
}

// rowMajor returns X's elements row-major, without copying when X is
// contiguous. The result is only read.
func rowMajor(X *mat.Dense) []float64 {
	r, c := X.Dims()
	raw := X.RawMatrix()
	if raw.Stride == c {
		return raw.Data[:r*c]
	}
	return rowMajorCopy(X)
}

// query checks X against the fitted index and returns the k nearest
// neighbours of each row (m×k, row-major, nearest first).
func (ix *index) query(X *mat.Dense, k, nJobs int) ([]float64, []int, error) {
	if err := ix.checkQuery(X); err != nil {
		return nil, nil, err
	}
	if err := ix.checkK(k); err != nil {
		return nil, nil, err
	}
	m, _ := X.Dims()
	dist, ind := ix.kneighbors(rowMajor(X), m, k, effectiveWorkers(nJobs))
	return dist, ind, nil
}

func (ix *index) checkK(k int) error {
	if k < 1 {
		return &ml.ParamError{Param: "n_neighbors", Expected: "an integer ≥ 1", Got: fmt.Sprint(k)}
	}
	if k > ix.n {
		return tooManyNeighbors(k, ix.n)
	}
	return nil
}

// kneighborsResult implements KNeighbors for both estimators. X == nil asks
// for the neighbours of every training point, each point left out of its own
// list, as scikit-learn's kneighbors(X=None): the search asks for k+1 and
// drops the point itself, or the first entry when more than k exact
// duplicates rank before it.
func (ix *index) kneighborsResult(X *mat.Dense, k, nJobs int) (*mat.Dense, [][]int, error) {
	var (
		dist []float64
		ind  []int
		m    int
	)
	if X == nil {
		if k < 1 {
			return nil, nil, &ml.ParamError{Param: "n_neighbors", Expected: "an integer ≥ 1", Got: fmt.Sprint(k)}
		}
		if k+1 > ix.n {
			return nil, nil, ml.DataErrorf("Expected n_neighbors <= n_samples_fit, but n_neighbors = %d, n_samples_fit = %d (kneighbors without X also returns no point as its own neighbour, so it needs n_neighbors + 1 <= n_samples_fit)", k, ix.n)
		}
		m = ix.n
		d, in := ix.kneighbors(ix.x, m, k+1, effectiveWorkers(nJobs))
		dist, ind = make([]float64, m*k), make([]int, m*k)
		for i := 0; i < m; i++ {
			drop := 0
			for j := 0; j <= k; j++ {
				if in[i*(k+1)+j] == i {
					drop = j
					break
				}
			}
			o := i * k
			for j := 0; j <= k; j++ {
				if j != drop {
					dist[o], ind[o] = d[i*(k+1)+j], in[i*(k+1)+j]
					o++
				}
			}
		}
	} else {
		var err error
		if dist, ind, err = ix.query(X, k, nJobs); err != nil {
			return nil, nil, err
		}
		m, _ = X.Dims()
	}
	rows := make([][]int, m)
	for i := range rows {
		rows[i] = ind[i*k : (i+1)*k : (i+1)*k]
	}
	return mat.NewDense(m, k, dist), rows, nil
}

// neighborWeights returns the weights of one query's neighbours for
// weights="distance", as scikit-learn's _get_weights: 1/distance, except that
// when some distance is zero (1/d infinite) those neighbours get weight 1 and
// all others 0. For "uniform" it returns nil.
func neighborWeights(weights string, dist, w []float64) []float64 {
	if weights != "distance" {
		return nil
	}
	anyInf := false
	for i, d := range dist {
		w[i] = 1 / d
		anyInf = anyInf || math.IsInf(w[i], 1)
	}
	if anyInf {
		for i, v := range w {
			if math.IsInf(v, 1) {
				w[i] = 1
			} else {
				w[i] = 0
			}
		}
	}
	return w
}

// pairwiseSum adds a as numpy's pairwise summation does (np.sum over a
// contiguous axis), so sums of neighbour weights and targets round exactly
// as scikit-learn's do.
func pairwiseSum(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		var s float64
		for _, v := range a {
			s += v
		}
		return s
	case n <= 128:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range r {
				r[j] += a[i+j]
			}
		}
		s := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			s += a[i]
		}
		return s
	}
	n2 := n / 2
	n2 -= n2 % 8
	return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
}

// marshalIndex stores the training data and the index's settings.
func marshalIndex(st *ml.State, ix *index, leafSize int) {
	st.SetFloats("X", ix.x, ix.n, ix.d)
	st.SetAttr("fit_method", ix.method)
	st.SetAttr("p", ix.metric.p)
	st.SetAttr("leaf_size", leafSize)
	if ix.precomputed {
		st.SetAttr("metric", "precomputed")
	}
}

// unmarshalIndex validates what marshalIndex wrote and rebuilds the index
// (the k-d tree is rebuilt, not stored).
func unmarshalIndex(st *ml.State) (*index, int, error) {
	if st == nil {
		return nil, 0, fmt.Errorf("state: nil")
	}
	x, shape, err := st.Floats("X", -1, -1)
	if err != nil {
		return nil, 0, err
	}
	n, d := shape[0], shape[1]
	if n < 1 || d < 1 {
		return nil, 0, fmt.Errorf("state: array \"X\" has shape %v, expected at least one row and one column", shape)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, fmt.Errorf("state: X[%d, %d] is %v, expected a finite value", i/d, i%d, v)
		}
	}
	var method string
	var p float64
	var leafSize int
	if err := st.Attr("fit_method", &method); err != nil {
		return nil, 0, err
	}
	if err := st.Attr("p", &p); err != nil {
		return nil, 0, err
	}
	if err := st.Attr("leaf_size", &leafSize); err != nil {
		return nil, 0, err
	}
	if method != methodBrute && method != methodKDTree {
		return nil, 0, fmt.Errorf("state: fit_method is %q, expected %q or %q", method, methodBrute, methodKDTree)
	}
	if !(p > 0) || math.IsInf(p, 0) || method == methodKDTree && p < 1 {
		return nil, 0, fmt.Errorf("state: p is %v, expected a finite number > 0 (≥ 1 for kd_tree)", p)
	}
	if leafSize < 1 {
		return nil, 0, fmt.Errorf("state: leaf_size is %d, expected an integer ≥ 1", leafSize)
	}
	if _, ok := st.Attrs["metric"]; ok {
		var metric string
		if err := st.Attr("metric", &metric); err != nil {
			return nil, 0, err
		}
		if metric != "precomputed" || n != d || method != methodBrute {
			return nil, 0, fmt.Errorf("state: metric %q with fit_method %q over %d × %d, expected \"precomputed\", \"brute\" and a square matrix", metric, method, n, d)
		}
		return newPrecomputedIndex(append([]float64(nil), x...), n), leafSize, nil
	}
	return newIndex(append([]float64(nil), x...), n, d, p, method, leafSize), leafSize, nil
}
