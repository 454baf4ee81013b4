package neighbors

import "math"

// RadiusIndex answers radius queries (every training point within a
// distance, as scikit-learn's radius_neighbors) over the same k-d tree or
// brute-force index as the k-nearest-neighbour estimators. ml/cluster's
// DBSCAN queries through it.
type RadiusIndex struct {
	ix *index
}

// NewRadiusIndex builds an index over x (n×d, row-major, kept not copied)
// for the Minkowski metric with exponent p (2: Euclidean, 1: Manhattan).
// algorithm is "auto", "kd_tree", "ball_tree" or "brute", resolved as
// NearestNeighbors with its default 5 neighbours resolves it.
func NewRadiusIndex(x []float64, n, d int, p float64, algorithm string, leafSize int) *RadiusIndex {
	method := chooseMethod(algorithm, n, d, min(5, n), p)
	ix := &index{n: n, d: d, x: x, metric: newMetric(p), method: method}
	if method == methodKDTree {
		ix.tree = buildKDTree(x, n, d, max(leafSize, 1))
	}
	return &RadiusIndex{ix: ix}
}

// NewPrecomputedRadiusIndex is the radius index of precomputed distances
// (metric="precomputed"): x is the n×n matrix of the distances between the
// training points (kept, not copied), and a query is a row of distances to
// them.
func NewPrecomputedRadiusIndex(x []float64, n int) *RadiusIndex {
	return &RadiusIndex{ix: newPrecomputedIndex(x, n)}
}

// Method returns the search method: "kd_tree" or "brute".
func (r *RadiusIndex) Method() string { return r.ix.method }

// Within appends to dst the indices of the training points at distance at
// most radius from q (d values) and returns it: in increasing index order
// with the brute-force method, in the tree's order with the k-d tree
// (sort them if the order matters). A point counts when its reduced
// distance is at most the reduced radius (radius², for Euclidean), as
// scikit-learn's k-d tree decides.
func (r *RadiusIndex) Within(dst []int, q []float64, radius float64) []int {
	ix := r.ix
	if ix.precomputed {
		for j, v := range q[:ix.n] {
			if v <= radius {
				dst = append(dst, j)
			}
		}
		return dst
	}
	m := ix.metric
	// The reduced radius: the bound on the sum of terms.
	var rr float64
	switch m.kind {
	case kindL1:
		rr = radius
	case kindL2:
		rr = radius * radius
	default:
		rr = math.Pow(radius, m.p)
	}
	if ix.tree == nil {
		d := ix.d
		for i := 0; i < ix.n; i++ {
			if m.rdist(q, ix.x[i*d:(i+1)*d], rr) <= rr {
				dst = append(dst, i)
			}
		}
		return dst
	}
	slack := 16 * float64(ix.d+16) * 0x1p-53
	tq := treeQuery{t: ix.tree, m: m, x: q}
	return ix.radiusVisit(&tq, 0, rr*(1+slack), rr, dst)
}

// radiusVisit collects the points of node i within the reduced radius rr;
// bound is rr with the pruning slack.
func (ix *index) radiusVisit(q *treeQuery, i int, bound, rr float64, dst []int) []int {
	if q.minRdist(i) > bound {
		return dst
	}
	t := ix.tree
	if i >= t.firstLeaf {
		d := ix.d
		for _, k := range t.idx[t.start[i]:t.end[i]] {
			if ix.metric.rdist(q.x, ix.x[k*d:(k+1)*d], rr) <= rr {
				dst = append(dst, k)
			}
		}
		return dst
	}
	dst = ix.radiusVisit(q, 2*i+1, bound, rr, dst)
	return ix.radiusVisit(q, 2*i+2, bound, rr, dst)
}
