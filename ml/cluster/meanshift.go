package cluster

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/f64"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/neighbors"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "MeanShift",
		Task:   ml.Clustering,
		Family: "cluster",
		Doc:    "mean-shift clustering: seeds climb to the modes of a flat-kernel density of the given bandwidth; near-duplicate modes are merged",
		New:    func() ml.Estimator { return NewMeanShift() },
	})
}

// MeanShift is scikit-learn 1.2's MeanShift with a flat kernel: every
// seed (the rows of X, the centres of the occupied bins of side
// bandwidth with bin_seeding, or the given seeds) moves to the mean of
// the training rows within bandwidth of it until it moves by less than
// 1e-3·bandwidth or max_iter; the modes, strongest (most rows within
// bandwidth) first, drop the weaker ones within bandwidth of them, and
// every row is labelled by its nearest mode (-1 beyond bandwidth without
// cluster_all). A null bandwidth is estimate_bandwidth(X) with quantile
// 0.3 over all the rows: the mean distance of each row to its ⌊0.3·n⌋-th
// nearest row (itself counted).
type MeanShift struct {
	Bandwidth  float64     `json:"bandwidth" nullable:"true" gt:"0" help:"the radius of the flat kernel; null estimates it (estimate_bandwidth with quantile 0.3)"`
	Seeds      [][]float64 `json:"seeds" nullable:"true" help:"the starting points, one list of n_features numbers each; null starts from the rows (or their bins with bin_seeding)"`
	BinSeeding bool        `json:"bin_seeding" help:"start from the centres of the grid cells of side bandwidth that hold at least min_bin_freq rows"`
	MinBinFreq int         `json:"min_bin_freq" min:"1" help:"rows a bin needs to seed, with bin_seeding"`
	ClusterAll bool        `json:"cluster_all" help:"label every row by its nearest mode; false labels the rows beyond bandwidth of every mode -1"`
	MaxIter    int         `json:"max_iter" min:"1" help:"iterations of one seed at most"`

	centers   []float64 // k×d
	k, d      int
	labels    []int
	nIter     int
	bandwidth float64
}

// NewMeanShift returns a MeanShift with scikit-learn's defaults:
// estimated bandwidth, seeds from the rows, min_bin_freq 1, cluster_all,
// max_iter 300.
func NewMeanShift() *MeanShift {
	return &MeanShift{MinBinFreq: 1, ClusterAll: true, MaxIter: 300}
}

// Validate checks that the seeds are rows of one width and the bandwidth
// is finite.
func (ms *MeanShift) Validate() error {
	if math.IsInf(ms.Bandwidth, 0) || math.IsNaN(ms.Bandwidth) {
		return &ml.ParamError{Param: "bandwidth", Expected: "a finite number > 0 or null", Got: fmt.Sprint(ms.Bandwidth)}
	}
	if ms.Seeds != nil && len(ms.Seeds) == 0 {
		return &ml.ParamError{Param: "seeds", Msg: "seeds is an empty list: give at least one seed, or null"}
	}
	for i, s := range ms.Seeds {
		if len(s) == 0 || len(s) != len(ms.Seeds[0]) {
			return &ml.ParamError{Param: "seeds", Msg: fmt.Sprintf("seeds[%d] has %d numbers, expected %d as seeds[0] has", i, len(s), len(ms.Seeds[0]))}
		}
		for _, v := range s {
			if math.IsInf(v, 0) || math.IsNaN(v) {
				return &ml.ParamError{Param: "seeds", Msg: fmt.Sprintf("seeds[%d] holds %v: seeds must be finite", i, v)}
			}
		}
	}
	return nil
}

// CheckShape refuses seeds of another width than the features.
func (ms *MeanShift) CheckShape(_, p int) error {
	if ms.Seeds != nil && len(ms.Seeds[0]) != p {
		return &ml.ParamError{Param: "seeds", Msg: fmt.Sprintf("the seeds have %d features but the data has %d", len(ms.Seeds[0]), p)}
	}
	return nil
}

// EstimateBandwidth is scikit-learn's estimate_bandwidth(X, quantile)
// over all the rows: the mean over the rows of the Euclidean distance to
// their ⌊quantile·n⌋-th nearest row (at least the first), the row itself
// counted as its nearest.
func EstimateBandwidth(ctx context.Context, X *mat.Dense, quantile float64) (float64, error) {
	if !(quantile >= 0 && quantile <= 1) {
		return 0, &ml.ParamError{Param: "quantile", Expected: "a number in [0, 1]", Got: fmt.Sprint(quantile)}
	}
	if err := ml.CheckX(X, 0); err != nil {
		return 0, err
	}
	n, _ := X.Dims()
	k := max(int(float64(n)*quantile), 1)
	knn := neighbors.NewKNeighborsRegressor()
	knn.NNeighbors = k
	if err := knn.Fit(ctx, X, make([]float64, n)); err != nil {
		return 0, fmt.Errorf("estimate_bandwidth: %w", err)
	}
	var sum float64
	for lo := 0; lo < n; lo += 500 { // gen_batches(n, 500)
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		hi := min(lo+500, n)
		dist, _, err := knn.KNeighbors(X.Slice(lo, hi, 0, X.RawMatrix().Cols).(*mat.Dense), k)
		if err != nil {
			return 0, fmt.Errorf("estimate_bandwidth: %w", err)
		}
		// np.max(d, axis=1).sum(): the farthest of each row's k, summed
		// in pairs as numpy's sum does.
		far := make([]float64, hi-lo)
		for i := range far {
			far[i] = slices.Max(dist.RawRowView(i))
		}
		sum += f64.PairwiseSum(far)
	}
	return sum / float64(n), nil
}

// binSeeds is scikit-learn's get_bin_seeds: the rows rounded (half to
// even) to the grid of side bin, the cells with at least minFreq rows in
// the order they are first met, as float32 as scikit-learn makes them
// (float32(cell)·float32(bin)); the rows themselves when every row has a
// cell of its own.
func binSeeds(x []float64, n, d int, bin float64, minFreq int) ([]float64, int) {
	type cell struct {
		key  string
		vals []float64
	}
	count := map[string]int{}
	var order []cell
	key := make([]byte, 0, 8*d)
	for i := 0; i < n; i++ {
		vals := make([]float64, d)
		key = key[:0]
		for j := 0; j < d; j++ {
			v := math.RoundToEven(x[i*d+j] / bin)
			if v == 0 {
				v = 0 // -0 and 0 are one cell, as in a Python tuple's hash
			}
			vals[j] = v
			b := math.Float64bits(v)
			for s := 0; s < 64; s += 8 {
				key = append(key, byte(b>>s))
			}
		}
		k := string(key)
		if _, ok := count[k]; !ok {
			order = append(order, cell{k, vals})
		}
		count[k]++
	}
	var seeds []float64
	m := 0
	for _, c := range order {
		if count[c.key] < minFreq {
			continue
		}
		for _, v := range c.vals {
			seeds = append(seeds, float64(float32(v)*float32(bin)))
		}
		m++
	}
	if m == n {
		return clone(x), n
	}
	return seeds, m
}

// Fit clusters X; y is ignored.
func (ms *MeanShift) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(ms); err != nil {
		return err
	}
	if err := ml.CheckX(X, 0); err != nil {
		return err
	}
	data, n, d := rows(X)
	if err := ms.CheckShape(n, d); err != nil {
		return err
	}
	bw := ms.Bandwidth
	if bw == 0 {
		var err error
		if bw, err = EstimateBandwidth(ctx, X, 0.3); err != nil {
			return err
		}
		if bw == 0 {
			return &ml.ParamError{Param: "bandwidth", Msg: "the estimated bandwidth is 0 (at least 30% of the rows repeat one another): give a bandwidth > 0"}
		}
	}
	x := clone(data)
	var seeds []float64
	var m int
	switch {
	case ms.Seeds != nil:
		m = len(ms.Seeds)
		for _, s := range ms.Seeds {
			seeds = append(seeds, s...)
		}
	case ms.BinSeeding:
		seeds, m = binSeeds(x, n, d, bw, ms.MinBinFreq)
	default:
		seeds, m = x, n
	}
	ix := neighbors.NewRadiusIndex(x, n, d, 2, "auto", 30)
	progress := ml.ProgressFrom(ctx)
	stop := 1e-3 * bw
	type mode struct {
		mean  []float64
		count int
	}
	modes := map[string]int{} // the key of a mean → its index in found
	var found []mode
	nb := make([]int, 0, 64)
	mean := make([]float64, d)
	old := make([]float64, d)
	key := make([]byte, 8*d)
	nIter := 0
	for s := 0; s < m; s++ {
		if s%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			progress.Report(ml.Event{Kind: "step", Step: s/64 + 1, Total: (m + 63) / 64, Message: "shifting seeds"})
		}
		copy(mean, seeds[s*d:(s+1)*d])
		// _mean_shift_single_seed
		it, within := 0, 0
		for {
			nb = ix.Within(nb[:0], mean, bw)
			within = len(nb)
			if within == 0 {
				break
			}
			slices.Sort(nb)
			copy(old, mean)
			clear(mean)
			for _, i := range nb {
				for j, v := range x[i*d : (i+1)*d] {
					mean[j] += v
				}
			}
			for j := range mean {
				mean[j] /= float64(within)
			}
			var shift float64
			for j := range mean {
				shift += (mean[j] - old[j]) * (mean[j] - old[j])
			}
			if math.Sqrt(shift) < stop || it == ms.MaxIter {
				break
			}
			it++
		}
		nIter = max(nIter, it)
		if within == 0 {
			continue
		}
		for j, v := range mean {
			b := math.Float64bits(v)
			for t := 0; t < 8; t++ {
				key[8*j+t] = byte(b >> (8 * t))
			}
		}
		if i, ok := modes[string(key)]; ok {
			found[i].count = within // a later seed's count replaces it, as in the dict
			continue
		}
		modes[string(key)] = len(found)
		found = append(found, mode{clone(mean), within})
	}
	if len(found) == 0 {
		return &ml.ParamError{Param: "bandwidth", Msg: fmt.Sprintf("no row is within bandwidth=%g of any seed: try another seeding or a larger bandwidth", bw)}
	}
	// The modes by (count, mean) descending; a mode drops the weaker ones
	// within bandwidth of it.
	slices.SortFunc(found, func(a, b mode) int {
		if a.count != b.count {
			return b.count - a.count
		}
		for j := range a.mean {
			if a.mean[j] != b.mean[j] {
				if a.mean[j] > b.mean[j] {
					return -1
				}
				return 1
			}
		}
		return 0
	})
	sorted := make([]float64, 0, len(found)*d)
	for _, f := range found {
		sorted = append(sorted, f.mean...)
	}
	unique := make([]bool, len(found))
	for i := range unique {
		unique[i] = true
	}
	cix := neighbors.NewRadiusIndex(sorted, len(found), d, 2, "auto", 30)
	for i := range found {
		if !unique[i] {
			continue
		}
		nb = cix.Within(nb[:0], sorted[i*d:(i+1)*d], bw)
		for _, j := range nb {
			unique[j] = false
		}
		unique[i] = true
	}
	var centers []float64
	k := 0
	for i, u := range unique {
		if u {
			centers = append(centers, sorted[i*d:(i+1)*d]...)
			k++
		}
	}
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		c, dist := nearest(x[i*d:(i+1)*d], centers, k, d)
		if !ms.ClusterAll && dist > bw {
			c = -1
		}
		labels[i] = c
	}
	ms.centers, ms.k, ms.d, ms.labels, ms.nIter, ms.bandwidth = centers, k, d, labels, nIter, bw
	return nil
}

// nearest returns the first nearest of the k centres to q and its
// Euclidean distance.
func nearest(q, centers []float64, k, d int) (int, float64) {
	best, bd := 0, math.Inf(1)
	for c := 0; c < k; c++ {
		if s := sqdist(q, centers[c*d:(c+1)*d]); s < bd {
			best, bd = c, s
		}
	}
	return best, math.Sqrt(bd)
}

// Predict returns the index of the nearest mode of each row of X.
func (ms *MeanShift) Predict(X *mat.Dense) ([]float64, error) {
	if ms.centers == nil {
		return nil, ml.NotFittedError("MeanShift")
	}
	if err := ml.CheckX(X, ms.d); err != nil {
		return nil, err
	}
	data, n, d := rows(X)
	out := make([]float64, n)
	for i := range out {
		c, _ := nearest(data[i*d:(i+1)*d], ms.centers, ms.k, d)
		out[i] = float64(c)
	}
	return out, nil
}

// FitPredict fits on X and returns labels_.
func (ms *MeanShift) FitPredict(ctx context.Context, X *mat.Dense) ([]float64, error) {
	if err := ms.Fit(ctx, X, nil); err != nil {
		return nil, err
	}
	return fitLabels(ms), nil
}

// ClusterCenters returns cluster_centers_ (the modes, strongest first) as
// a k × n_features matrix, or nil before Fit.
func (ms *MeanShift) ClusterCenters() *mat.Dense {
	if ms.centers == nil {
		return nil
	}
	return mat.NewDense(ms.k, ms.d, clone(ms.centers))
}

// Labels returns labels_, or nil before Fit.
func (ms *MeanShift) Labels() []int { return clone(ms.labels) }

// NIter returns n_iter_, the most iterations any seed took.
func (ms *MeanShift) NIter() int { return ms.nIter }

// BandwidthUsed returns the bandwidth of the fit: the given one or the
// estimate.
func (ms *MeanShift) BandwidthUsed() float64 { return ms.bandwidth }

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (ms *MeanShift) NFeaturesIn() int { return ms.d }

// MarshalState returns cluster_centers_, labels_, n_iter_ and the
// bandwidth used.
func (ms *MeanShift) MarshalState() (*ml.State, error) {
	if ms.centers == nil {
		return nil, ml.NotFittedError("MeanShift")
	}
	st := ml.NewState()
	st.SetAttr("n_features_in_", ms.d)
	st.SetAttr("n_iter_", ms.nIter)
	st.SetAttr("bandwidth_", ms.bandwidth)
	st.SetFloats("cluster_centers_", ms.centers, ms.k, ms.d)
	st.SetInts("labels_", ms.labels)
	return st, nil
}

// UnmarshalState restores state written by MarshalState.
func (ms *MeanShift) UnmarshalState(st *ml.State) error {
	var d, nIter int
	var bw float64
	if err := st.Attr("n_features_in_", &d); err != nil {
		return err
	}
	if err := st.Attr("n_iter_", &nIter); err != nil {
		return err
	}
	if err := st.Attr("bandwidth_", &bw); err != nil {
		return err
	}
	if d < 1 || !(bw > 0) || math.IsInf(bw, 0) {
		return fmt.Errorf("state: n_features_in_ %d or bandwidth_ %v out of range", d, bw)
	}
	centers, shape, err := st.Floats("cluster_centers_", -1, d)
	if err != nil {
		return err
	}
	k := shape[0]
	if k < 1 {
		return fmt.Errorf("state: cluster_centers_ has shape %v, expected at least 1×%d", shape, d)
	}
	for i, v := range centers {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("state: cluster_centers_[%d] is %v, expected a finite number", i, v)
		}
	}
	labels, _, err := st.Ints("labels_", -1, k-1, -1)
	if err != nil {
		return err
	}
	ms.centers, ms.k, ms.d, ms.labels, ms.nIter, ms.bandwidth = centers, k, d, labels, nIter, bw
	return nil
}

// EstimateMemory bounds Fit's memory: the copy of X and its k-d tree, the
// bandwidth estimate's neighbours (500 rows of ⌊0.3·n⌋ distances and
// indices a batch), the seeds (n rows at most), the modes (n at most) and
// their index, the labels.
func (ms *MeanShift) EstimateMemory(n, p, _ int) int64 {
	N := int64(max(n, 1))
	k := int64(max(n*3/10, 1))
	return budget.Add(budget.Mul(6, ml.DataBytes(n, p)), budget.Mul(3*8, min(N, 500), k), budget.Mul(8*8, N), 1<<16)
}
