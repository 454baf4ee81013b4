package metrics

import (
	"math"
	"math/big"
	"runtime"
	"slices"
	"sort"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// Clustering metrics, as scikit-learn 1.2's sklearn.metrics.cluster. The
// external ones compare two labelings (labels_true, labels_pred, any
// float64 values naming the groups); the internal ones score a labeling
// of X alone.

// contingency is the contingency matrix of two labelings: counts[i][j] is
// the number of samples in class i of the truth and cluster j of the
// prediction, classes and clusters in sorted order.
type contingency struct {
	n      int
	r, c   int
	counts []int64 // r×c
	a, b   []int64 // row and column sums
}

func encode(v []float64) ([]int, int) {
	u := slices.Clone(v)
	sort.Float64s(u)
	u = slices.Compact(u)
	idx := make([]int, len(v))
	for i, x := range v {
		idx[i], _ = slices.BinarySearch(u, x)
	}
	return idx, len(u)
}

func checkLabelings(yTrue, yPred []float64) error {
	if len(yTrue) != len(yPred) {
		return ml.DataErrorf("labels_true has %d values but labels_pred has %d", len(yTrue), len(yPred))
	}
	for i := range yTrue {
		if math.IsNaN(yTrue[i]) || math.IsInf(yTrue[i], 0) || math.IsNaN(yPred[i]) || math.IsInf(yPred[i], 0) {
			return ml.DataErrorf("labels[%d] is not finite (%v, %v): labels must be finite numbers", i, yTrue[i], yPred[i])
		}
	}
	return nil
}

func newContingency(yTrue, yPred []float64) (*contingency, error) {
	if err := checkLabelings(yTrue, yPred); err != nil {
		return nil, err
	}
	ti, r := encode(yTrue)
	pi, c := encode(yPred)
	if int64(r)*int64(c) > 1<<26 {
		return nil, ml.DataErrorf("%d classes × %d clusters is too large a contingency table (at most 2^26 cells)", r, c)
	}
	ct := &contingency{n: len(yTrue), r: r, c: c, counts: make([]int64, r*c), a: make([]int64, r), b: make([]int64, c)}
	for i := range ti {
		ct.counts[ti[i]*c+pi[i]]++
		ct.a[ti[i]]++
		ct.b[pi[i]]++
	}
	return ct, nil
}

// PairConfusionMatrix returns scikit-learn's pair_confusion_matrix as
// [[C00, C01], [C10, C11]]: pairs of samples counted (twice, ordered) by
// whether the truth and the prediction put them together.
func PairConfusionMatrix(labelsTrue, labelsPred []float64) ([2][2]*big.Int, error) {
	ct, err := newContingency(labelsTrue, labelsPred)
	if err != nil {
		return [2][2]*big.Int{}, err
	}
	return ct.pairs(), nil
}

func (ct *contingency) pairs() [2][2]*big.Int {
	n := big.NewInt(int64(ct.n))
	sq, rowDot, colDot := new(big.Int), new(big.Int), new(big.Int)
	t := new(big.Int)
	for i := 0; i < ct.r; i++ {
		for j := 0; j < ct.c; j++ {
			v := ct.counts[i*ct.c+j]
			if v == 0 {
				continue
			}
			sq.Add(sq, t.SetInt64(v*v))
			rowDot.Add(rowDot, t.Mul(big.NewInt(v), big.NewInt(ct.b[j])))
			colDot.Add(colDot, t.Mul(big.NewInt(v), big.NewInt(ct.a[i])))
		}
	}
	c11 := new(big.Int).Sub(sq, n)
	c01 := new(big.Int).Sub(rowDot, sq)
	c10 := new(big.Int).Sub(colDot, sq)
	c00 := new(big.Int).Mul(n, n)
	c00.Sub(c00, c01).Sub(c00, c10).Sub(c00, sq)
	return [2][2]*big.Int{{c00, c01}, {c10, c11}}
}

func bigFloat(x *big.Int) float64 {
	f, _ := new(big.Float).SetInt(x).Float64()
	return f
}

// RandScore is rand_score: the fraction of pairs on which the labelings
// agree (together in both or apart in both).
func RandScore(labelsTrue, labelsPred []float64) (float64, error) {
	ct, err := newContingency(labelsTrue, labelsPred)
	if err != nil {
		return 0, err
	}
	C := ct.pairs()
	num := new(big.Int).Add(C[0][0], C[1][1])
	den := new(big.Int).Add(num, C[0][1])
	den.Add(den, C[1][0])
	if num.Cmp(den) == 0 || den.Sign() == 0 {
		return 1, nil
	}
	return bigFloat(num) / bigFloat(den), nil
}

// AdjustedRandScore is adjusted_rand_score: the Rand index corrected for
// chance, 1 for identical labelings (up to renaming), about 0 for random
// ones.
func AdjustedRandScore(labelsTrue, labelsPred []float64) (float64, error) {
	ct, err := newContingency(labelsTrue, labelsPred)
	if err != nil {
		return 0, err
	}
	C := ct.pairs()
	tn, fp, fn, tp := C[0][0], C[0][1], C[1][0], C[1][1]
	if fn.Sign() == 0 && fp.Sign() == 0 {
		return 1, nil
	}
	num := new(big.Int).Mul(tp, tn)
	num.Sub(num, new(big.Int).Mul(fn, fp))
	d1 := new(big.Int).Mul(new(big.Int).Add(tp, fn), new(big.Int).Add(fn, tn))
	d2 := new(big.Int).Mul(new(big.Int).Add(tp, fp), new(big.Int).Add(fp, tn))
	return 2.0 * bigFloat(num) / bigFloat(d1.Add(d1, d2)), nil
}

// entropy is sklearn.metrics.cluster.entropy of a labeling's counts.
func entropy(counts []int64, n int) float64 {
	if n == 0 {
		return 1
	}
	var pi []float64
	for _, c := range counts {
		if c > 0 {
			pi = append(pi, float64(c))
		}
	}
	if len(pi) == 1 {
		return 0
	}
	var sum float64
	for _, v := range pi {
		sum += v
	}
	ls := math.Log(sum)
	var h float64
	for _, v := range pi {
		h += (v / sum) * (math.Log(v) - ls)
	}
	return -h
}

// mi is mutual_info_score from the contingency matrix.
func (ct *contingency) mi() float64 {
	if ct.r == 1 || ct.c == 1 {
		return 0
	}
	total := float64(ct.n)
	lt := math.Log(total)
	var s float64
	for i := 0; i < ct.r; i++ {
		for j := 0; j < ct.c; j++ {
			v := ct.counts[i*ct.c+j]
			if v == 0 {
				continue
			}
			nm := float64(v) / total
			outer := float64(ct.a[i] * ct.b[j])
			logOuter := -math.Log(outer) + lt + lt
			m := nm*(math.Log(float64(v))-lt) + nm*logOuter
			if math.Abs(m) < 0x1p-52 {
				m = 0
			}
			s += m
		}
	}
	return max(s, 0)
}

// MutualInfoScore is mutual_info_score, in nats.
func MutualInfoScore(labelsTrue, labelsPred []float64) (float64, error) {
	ct, err := newContingency(labelsTrue, labelsPred)
	if err != nil {
		return 0, err
	}
	return ct.mi(), nil
}

// HomogeneityCompletenessVMeasure is homogeneity_completeness_v_measure
// with beta: each cluster holds one class (homogeneity), each class lies
// in one cluster (completeness), and their weighted harmonic mean.
func HomogeneityCompletenessVMeasure(labelsTrue, labelsPred []float64, beta float64) (h, c, v float64, err error) {
	ct, err := newContingency(labelsTrue, labelsPred)
	if err != nil {
		return 0, 0, 0, err
	}
	if ct.n == 0 {
		return 1, 1, 1, nil
	}
	hC, hK := entropy(ct.a, ct.n), entropy(ct.b, ct.n)
	mi := ct.mi()
	h, c = 1, 1
	if hC != 0 {
		h = mi / hC
	}
	if hK != 0 {
		c = mi / hK
	}
	if h+c == 0 {
		return h, c, 0, nil
	}
	return h, c, (1 + beta) * h * c / (beta*h + c), nil
}

func generalizedAverage(u, v float64, method string) float64 {
	switch method {
	case "min":
		return min(u, v)
	case "geometric":
		return math.Sqrt(u * v)
	case "max":
		return max(u, v)
	}
	return (u + v) / 2
}

// NormalizedMutualInfoScore is normalized_mutual_info_score: the mutual
// information divided by the average of the entropies (method
// "arithmetic", "geometric", "min" or "max").
func NormalizedMutualInfoScore(labelsTrue, labelsPred []float64, method string) (float64, error) {
	ct, err := newContingency(labelsTrue, labelsPred)
	if err != nil {
		return 0, err
	}
	if ct.r == ct.c && ct.r <= 1 {
		return 1, nil
	}
	mi := ct.mi()
	if mi == 0 {
		return 0, nil
	}
	return mi / generalizedAverage(entropy(ct.a, ct.n), entropy(ct.b, ct.n), method), nil
}

// AdjustedMutualInfoScore is adjusted_mutual_info_score: the mutual
// information corrected for chance with the expected mutual information
// of the hypergeometric model.
func AdjustedMutualInfoScore(labelsTrue, labelsPred []float64, method string) (float64, error) {
	ct, err := newContingency(labelsTrue, labelsPred)
	if err != nil {
		return 0, err
	}
	if ct.r == ct.c && ct.r <= 1 {
		return 1, nil
	}
	mi := ct.mi()
	emi := ct.emi()
	den := generalizedAverage(entropy(ct.a, ct.n), entropy(ct.b, ct.n), method) - emi
	if den < 0 {
		den = min(den, -0x1p-52)
	} else {
		den = max(den, 0x1p-52)
	}
	return (mi - emi) / den, nil
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// emi is _expected_mutual_info_fast.expected_mutual_information.
func (ct *contingency) emi() float64 {
	if ct.r == 1 || ct.c == 1 {
		return 0
	}
	N := float64(ct.n)
	var maxab int64
	for _, v := range ct.a {
		maxab = max(maxab, v)
	}
	for _, v := range ct.b {
		maxab = max(maxab, v)
	}
	logNnij := make([]float64, maxab+1)
	glnNij := make([]float64, maxab+1)
	for k := range logNnij {
		nij := float64(max(k, 1))
		logNnij[k] = math.Log(N) + math.Log(nij)
		glnNij[k] = lgamma(nij + 1)
	}
	glnN := lgamma(N + 1)
	var emi float64
	for i, ai := range ct.a {
		a := float64(ai)
		la, ga, gNa := math.Log(a), lgamma(a+1), lgamma(N-a+1)
		for j, bj := range ct.b {
			b := float64(bj)
			lb, gb, gNb := math.Log(b), lgamma(b+1), lgamma(N-b+1)
			start := max(ai-int64(N)+bj, 1)
			end := min(ai, bj) + 1
			_ = i
			_ = j
			for nij := start; nij < end; nij++ {
				term2 := logNnij[nij] - la - lb
				gln := ga + gb + gNa + gNb - glnN - glnNij[nij] - lgamma(a-float64(nij)+1) - lgamma(b-float64(nij)+1) - lgamma(N-a-b+float64(nij)+1)
				emi += float64(nij) / N * term2 * math.Exp(gln)
			}
		}
	}
	return emi
}

// FowlkesMallowsScore is fowlkes_mallows_score: the geometric mean of the
// pairwise precision and recall.
func FowlkesMallowsScore(labelsTrue, labelsPred []float64) (float64, error) {
	ct, err := newContingency(labelsTrue, labelsPred)
	if err != nil {
		return 0, err
	}
	n := int64(ct.n)
	var tk, pk, qk int64
	for _, v := range ct.counts {
		tk += v * v
	}
	for _, v := range ct.b {
		pk += v * v
	}
	for _, v := range ct.a {
		qk += v * v
	}
	tk, pk, qk = tk-n, pk-n, qk-n
	if tk == 0 {
		return 0, nil
	}
	return math.Sqrt(float64(tk)/float64(pk)) * math.Sqrt(float64(tk)/float64(qk)), nil
}

// checkInternal checks X and labels for the internal metrics: as many
// labels as rows, 2 ≤ labels ≤ n-1 (check_number_of_labels).
func checkInternal(X *mat.Dense, labels []float64) ([]int, int, error) {
	if err := ml.CheckX(X, 0); err != nil {
		return nil, 0, err
	}
	n, _ := X.Dims()
	if len(labels) != n {
		return nil, 0, ml.DataErrorf("X has %d rows but there are %d labels", n, len(labels))
	}
	for i, v := range labels {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, ml.DataErrorf("labels[%d] is %v: labels must be finite", i, v)
		}
	}
	idx, k := encode(labels)
	if k < 2 || k > n-1 {
		return nil, 0, ml.DataErrorf("number of labels is %d: valid values are 2 to n_samples - 1 (%d) inclusive", k, n-1)
	}
	return idx, k, nil
}

func rowsOf(X *mat.Dense) ([]float64, int, int) {
	raw := X.RawMatrix()
	r, c := raw.Rows, raw.Cols
	if raw.Stride == c {
		return raw.Data[:r*c], r, c
	}
	out := make([]float64, r*c)
	for i := 0; i < r; i++ {
		copy(out[i*c:(i+1)*c], raw.Data[i*raw.Stride:i*raw.Stride+c])
	}
	return out, r, c
}

// SilhouetteSamples is silhouette_samples with metric "euclidean" or
// "manhattan": for each sample (b - a) / max(a, b), a its mean distance to
// its own cluster, b the smallest mean distance to another; 0 for a
// sample alone in its cluster. Euclidean distances are computed as
// scikit-learn's euclidean_distances does (from the squared norms and the
// dot products), so they agree with it to rounding. It uses O(n·k) memory
// and O(n²·d) time.
func SilhouetteSamples(X *mat.Dense, labels []float64, metric string) ([]float64, error) {
	idx, k, err := checkInternal(X, labels)
	if err != nil {
		return nil, err
	}
	if metric != "euclidean" && metric != "manhattan" {
		return nil, ml.DataErrorf("silhouette metric %q: expected euclidean or manhattan", metric)
	}
	x, n, d := rowsOf(X)
	freq := make([]float64, k)
	for _, l := range idx {
		freq[l]++
	}
	xx := make([]float64, n)
	for i := range xx {
		var s float64
		for _, v := range x[i*d : (i+1)*d] {
			s += v * v
		}
		xx[i] = s
	}
	out := make([]float64, n)
	workers := min(runtime.GOMAXPROCS(0), max(1, n/64))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			sums := make([]float64, k)
			for i := lo; i < hi; i++ {
				clear(sums)
				xi := x[i*d : (i+1)*d]
				for j := 0; j < n; j++ {
					if j == i {
						continue
					}
					xj := x[j*d : (j+1)*d]
					var dist float64
					if metric == "manhattan" {
						for t, v := range xi {
							dist += math.Abs(v - xj[t])
						}
					} else {
						var dp float64
						for t, v := range xi {
							dp += v * xj[t]
						}
						dist = math.Sqrt(max(-2*dp+xx[i]+xx[j], 0))
					}
					sums[idx[j]] += dist
				}
				own := idx[i]
				if freq[own] <= 1 {
					out[i] = 0
					continue
				}
				a := sums[own] / (freq[own] - 1)
				b := math.Inf(1)
				for c := 0; c < k; c++ {
					if c != own {
						b = min(b, sums[c]/freq[c])
					}
				}
				s := (b - a) / max(a, b)
				if math.IsNaN(s) {
					s = 0
				}
				out[i] = s
			}
		}()
	}
	wg.Wait()
	return out, nil
}

// SilhouetteScore is silhouette_score: the mean of SilhouetteSamples.
func SilhouetteScore(X *mat.Dense, labels []float64, metric string) (float64, error) {
	s, err := SilhouetteSamples(X, labels, metric)
	if err != nil {
		return 0, err
	}
	var m float64
	for _, v := range s {
		m += v
	}
	return m / float64(len(s)), nil
}

// centroids returns the mean of each cluster (k×d) and the counts.
func centroids(x []float64, n, d int, idx []int, k int) ([]float64, []float64) {
	c := make([]float64, k*d)
	cnt := make([]float64, k)
	for i := 0; i < n; i++ {
		l := idx[i]
		cnt[l]++
		for j, v := range x[i*d : (i+1)*d] {
			c[l*d+j] += v
		}
	}
	for l := 0; l < k; l++ {
		for j := 0; j < d; j++ {
			c[l*d+j] /= cnt[l]
		}
	}
	return c, cnt
}

// CalinskiHarabaszScore is calinski_harabasz_score: the ratio of the
// between-cluster to the within-cluster dispersion, scaled by the degrees
// of freedom.
func CalinskiHarabaszScore(X *mat.Dense, labels []float64) (float64, error) {
	idx, k, err := checkInternal(X, labels)
	if err != nil {
		return 0, err
	}
	x, n, d := rowsOf(X)
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range x[i*d : (i+1)*d] {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	c, cnt := centroids(x, n, d, idx, k)
	var extra, intra float64
	for l := 0; l < k; l++ {
		var s float64
		for j := 0; j < d; j++ {
			t := c[l*d+j] - mean[j]
			s += t * t
		}
		extra += cnt[l] * s
	}
	for i := 0; i < n; i++ {
		l := idx[i]
		for j, v := range x[i*d : (i+1)*d] {
			t := v - c[l*d+j]
			intra += t * t
		}
	}
	if intra == 0 {
		return 1, nil
	}
	return extra * float64(n-k) / (intra * float64(k-1)), nil
}

// DaviesBouldinScore is davies_bouldin_score: the mean over clusters of
// the largest ratio of within-cluster spreads to centroid distance; lower
// is better.
func DaviesBouldinScore(X *mat.Dense, labels []float64) (float64, error) {
	idx, k, err := checkInternal(X, labels)
	if err != nil {
		return 0, err
	}
	x, n, d := rowsOf(X)
	c, cnt := centroids(x, n, d, idx, k)
	cc := make([]float64, k)
	for l := 0; l < k; l++ {
		for _, v := range c[l*d : (l+1)*d] {
			cc[l] += v * v
		}
	}
	intra := make([]float64, k)
	for i := 0; i < n; i++ {
		l := idx[i]
		var xx, dp float64
		for j, v := range x[i*d : (i+1)*d] {
			xx += v * v
			dp += v * c[l*d+j]
		}
		intra[l] += math.Sqrt(max(-2*dp+xx+cc[l], 0))
	}
	for l := range intra {
		intra[l] /= cnt[l]
	}
	cd := make([]float64, k*k)
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			if a == b {
				continue
			}
			var dp float64
			for j := 0; j < d; j++ {
				dp += c[a*d+j] * c[b*d+j]
			}
			cd[a*k+b] = math.Sqrt(max(-2*dp+cc[a]+cc[b], 0))
		}
	}
	if allClose0(intra) || allClose0(cd) {
		return 0, nil
	}
	var score float64
	for a := 0; a < k; a++ {
		m := math.Inf(-1)
		for b := 0; b < k; b++ {
			dist := cd[a*k+b]
			if dist == 0 {
				dist = math.Inf(1)
			}
			m = max(m, (intra[a]+intra[b])/dist)
		}
		score += m
	}
	return score / float64(k), nil
}

// allClose0 is numpy.allclose(v, 0): every |v| ≤ 1e-8.
func allClose0(v []float64) bool {
	for _, x := range v {
		if math.Abs(x) > 1e-8 {
			return false
		}
	}
	return true
}
