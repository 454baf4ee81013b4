package cluster

import (
	"context"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "AgglomerativeClustering",
		Task:   ml.Clustering,
		Family: "cluster",
		Doc:    "hierarchical clustering: merge the closest clusters (ward, complete, average or single linkage) until n_clusters remain",
		New:    func() ml.Estimator { return NewAgglomerativeClustering() },
	})
}

// AgglomerativeClustering is scikit-learn 1.2's AgglomerativeClustering
// without a connectivity matrix: the full merge tree as scipy's linkage
// builds it (the nearest-neighbour chain for ward, complete and average
// linkage; sklearn's minimum spanning tree for single linkage), then cut
// into n_clusters clusters, or into as many as merges at distance_threshold
// or above leave. It keeps the condensed distance matrix, n(n-1)/2 values.
type AgglomerativeClustering struct {
	NClusters         int     `json:"n_clusters" nullable:"true" min:"1" help:"the number of clusters; null with distance_threshold"`
	Metric            string  `json:"metric" enum:"euclidean,l2,manhattan,l1,cityblock,cosine,precomputed" help:"the distance between samples (ward needs euclidean), or precomputed (X is the n_samples × n_samples distance matrix; its upper triangle is read)"`
	Linkage           string  `json:"linkage" enum:"ward,complete,average,single" help:"the distance between clusters"`
	DistanceThreshold float64 `json:"distance_threshold" nullable:"true" min:"0" help:"merges at this distance or above are not made; null means n_clusters decides"`
	ComputeFullTree   string  `json:"compute_full_tree" enum:"auto,true,false" help:"accepted for compatibility: without connectivity the full tree is always built, as in scikit-learn"`
	ComputeDistances  bool    `json:"compute_distances" help:"accepted for compatibility: distances_ is always kept"`

	nIn       int
	labels    []int
	children  []int // (n-1)×2
	distances []float64
	nClusters int
}

// NewAgglomerativeClustering returns the estimator with scikit-learn's
// defaults: 2 clusters, euclidean, ward.
func NewAgglomerativeClustering() *AgglomerativeClustering {
	return &AgglomerativeClustering{NClusters: 2, Metric: "euclidean", Linkage: "ward", ComputeFullTree: "auto"}
}

// Validate checks that exactly one of n_clusters and distance_threshold is
// set and that ward has the euclidean metric.
func (a *AgglomerativeClustering) Validate() error {
	if (a.NClusters == 0) == (a.DistanceThreshold == 0) {
		return &ml.ParamError{Param: "n_clusters", Msg: "exactly one of n_clusters and distance_threshold must be set (the other null)"}
	}
	if a.Linkage == "ward" && a.Metric != "euclidean" && a.Metric != "l2" {
		return &ml.ParamError{Param: "metric", Msg: fmt.Sprintf("metric %q with linkage ward: ward needs euclidean", a.Metric)}
	}
	return nil
}

// CheckShape refuses n_clusters larger than the rows, before any work.
func (a *AgglomerativeClustering) CheckShape(n, _ int) error {
	if a.NClusters > n {
		return &ml.ParamError{Param: "n_clusters", Msg: fmt.Sprintf("n_clusters is %d but the data has only %d rows: it must be at most the number of samples", a.NClusters, n)}
	}
	return nil
}

// Fit builds the merge tree of X and cuts it; y is ignored.
func (a *AgglomerativeClustering) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(a); err != nil {
		return err
	}
	if err := ml.CheckX(X, 0); err != nil {
		return err
	}
	if r, _ := X.Dims(); r < 2 {
		return ml.DataErrorf("X has %d row: agglomerative clustering needs at least 2", r)
	}
	if err := checkFit(X, a.NClusters, "n_clusters"); err != nil {
		return err
	}
	data, n, d := rows(X)
	progress := ml.ProgressFrom(ctx)
	var D []float64
	if a.Metric == "precomputed" {
		var err error
		if D, err = condensedOf(data, n, d); err != nil {
			return err
		}
	} else {
		D = condensed(data, n, d, a.Metric)
	}
	var z []merge
	var err error
	// scikit-learn's minimum spanning tree for single linkage, except for
	// the cosine and precomputed metrics, which go to scipy's linkage.
	if a.Linkage == "single" && a.Metric != "cosine" && a.Metric != "precomputed" {
		z, err = sklearnSingle(ctx, progress, D, n)
	} else {
		z, err = nnChain(ctx, progress, D, n, a.Linkage)
	}
	if err != nil {
		return err
	}
	children := make([]int, 2*(n-1))
	dist := make([]float64, n-1)
	for i, m := range z {
		children[2*i], children[2*i+1], dist[i] = m.a, m.b, m.d
	}
	k := a.NClusters
	if a.DistanceThreshold != 0 {
		k = 1
		for _, v := range dist {
			if v >= a.DistanceThreshold {
				k++
			}
		}
	}
	a.nIn, a.children, a.distances, a.nClusters = d, children, dist, k
	a.labels = hcCut(k, children, n)
	return nil
}

// The linkages of nnChain's update.
const (
	linkWard = iota
	linkComplete
	linkAverage
	linkSingle
)

type merge struct {
	a, b int
	d    float64
}

// condensed returns scipy's pdist of the n rows: the distance of i < j at
// n*i - i*(i+1)/2 + j - i - 1.
func condensed(x []float64, n, d int, metric string) []float64 {
	D := make([]float64, n*(n-1)/2)
	var norms []float64
	if metric == "cosine" {
		norms = make([]float64, n)
		for i := range norms {
			norms[i] = math.Sqrt(dot(x[i*d:(i+1)*d], x[i*d:(i+1)*d]))
		}
	}
	forRows(n, n*n*d/2, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xi := x[i*d : (i+1)*d]
			off := n*i - i*(i+1)/2 - i - 1
			for j := i + 1; j < n; j++ {
				xj := x[j*d : (j+1)*d]
				var v float64
				switch metric {
				case "manhattan", "l1", "cityblock":
					for t, a := range xi {
						v += math.Abs(a - xj[t])
					}
				case "cosine":
					// scipy's pdist: the cosine clamped to [-1, 1].
					c := dot(xi, xj) / (norms[i] * norms[j])
					if math.Abs(c) > 1 {
						c = math.Copysign(1, c)
					}
					v = 1 - c
				default:
					v = math.Sqrt(sqdist(xi, xj))
				}
				D[off+j] = v
			}
		}
	})
	return D
}

// condensedOf returns the upper triangle of a precomputed n × n distance
// matrix x (row-major) in condensed order, as scikit-learn's
// X[np.triu_indices(n, k=1)]; it must be square, its distances ≥ 0.
func condensedOf(x []float64, n, d int) ([]float64, error) {
	if n != d {
		return nil, ml.DataErrorf("metric=\"precomputed\": X must be the square matrix of distances between the samples (n_samples × n_samples), got %d × %d", n, d)
	}
	D := make([]float64, 0, n*(n-1)/2)
	for i := range n {
		for j := i + 1; j < n; j++ {
			v := x[i*n+j]
			if v < 0 {
				return nil, ml.DataErrorf("metric=\"precomputed\": X[%d, %d] is %v; distances must be ≥ 0", i, j, v)
			}
			D = append(D, v)
		}
	}
	return D, nil
}

func cidx(n, i, j int) int {
	if i > j {
		i, j = j, i
	}
	return n*i - i*(i+1)/2 + j - i - 1
}

// nnChain is scipy's nn_chain linkage: follow nearest neighbours until two
// clusters are each other's nearest, merge them (Lance-Williams update),
// then sort the merges by distance (stably) and relabel them as scipy's
// label does.
func nnChain(ctx context.Context, progress ml.Reporter, D []float64, n int, linkage string) ([]merge, error) {
	size := make([]int, n)
	for i := range size {
		size[i] = 1
	}
	chain := make([]int, 0, n)
	z := make([]merge, n-1)
	lk := map[string]int{"complete": linkComplete, "average": linkAverage, "single": linkSingle}[linkage] // 0: ward
	every := max(1, (n-1)/100)
	for k := 0; k < n-1; k++ {
		if k%every == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			progress.Report(ml.Event{Kind: "step", Step: k/every + 1, Total: (n - 2 + every) / every, Message: "merging clusters"})
		}
		if len(chain) == 0 {
			for i := 0; i < n; i++ {
				if size[i] > 0 {
					chain = append(chain, i)
					break
				}
			}
		}
		var x, y int
		var cur float64
		for {
			x = chain[len(chain)-1]
			if len(chain) > 1 {
				y = chain[len(chain)-2]
				cur = D[cidx(n, x, y)]
			} else {
				cur = math.Inf(1)
			}
			// Row x of the condensed matrix: entries (i, x) for i < x
			// step by n-i-2, entries (x, i) for i > x are contiguous.
			idx := x - 1
			for i := 0; i < x; i++ {
				if size[i] != 0 {
					if v := D[idx]; v < cur {
						cur, y = v, i
					}
				}
				idx += n - i - 2
			}
			base := cidx(n, x, x+1) - (x + 1)
			for i := x + 1; i < n; i++ {
				if size[i] != 0 {
					if v := D[base+i]; v < cur {
						cur, y = v, i
					}
				}
			}
			if len(chain) > 1 && y == chain[len(chain)-2] {
				break
			}
			chain = append(chain, y)
		}
		chain = chain[:len(chain)-2]
		if x > y {
			x, y = y, x
		}
		nx, ny := size[x], size[y]
		z[k] = merge{x, y, cur}
		size[x], size[y] = 0, nx+ny
		for i := 0; i < n; i++ {
			ni := size[i]
			if ni == 0 || i == y {
				continue
			}
			ix, iy := cidx(n, i, x), cidx(n, i, y)
			dxi, dyi := D[ix], D[iy]
			var v float64
			switch lk {
			case linkComplete:
				v = max(dxi, dyi)
			case linkAverage:
				v = (float64(nx)*dxi + float64(ny)*dyi) / float64(nx+ny)
			case linkSingle:
				v = min(dxi, dyi)
			default: // ward
				t := 1.0 / float64(nx+ny+ni)
				v = math.Sqrt(float64(ni+nx)*t*dxi*dxi + float64(ni+ny)*t*dyi*dyi - float64(ni)*t*cur*cur)
			}
			D[iy] = v
		}
	}
	sort.SliceStable(z, func(i, j int) bool { return z[i].d < z[j].d })
	labelScipy(z, n)
	return z, nil
}

// labelScipy renames the merges' clusters as scipy's label does: a merge
// creates cluster n+i, and each row lists the smaller id first.
func labelScipy(z []merge, n int) {
	parent := make([]int, 2*n-1)
	for i := range parent {
		parent[i] = i
	}
	find := func(x int) int {
		r := x
		for parent[r] != r {
			r = parent[r]
		}
		for parent[x] != r {
			parent[x], x = r, parent[x]
		}
		return r
	}
	for i := range z {
		xr, yr := find(z[i].a), find(z[i].b)
		if xr > yr {
			xr, yr = yr, xr
		}
		z[i].a, z[i].b = xr, yr
		parent[xr], parent[yr] = n+i, n+i
	}
}

// sklearnSingle is scikit-learn's single linkage: Prim's minimum spanning
// tree (mst_linkage_core), its edges sorted stably by weight, then
// labelled by _single_linkage_label, which keeps each edge's orientation.
func sklearnSingle(ctx context.Context, progress ml.Reporter, D []float64, n int) ([]merge, error) {
	inTree := make([]bool, n)
	cur := make([]float64, n)
	for i := range cur {
		cur[i] = math.Inf(1)
	}
	z := make([]merge, n-1)
	node := 0
	every := max(1, (n-1)/100)
	for i := 1; i < n; i++ {
		if (i-1)%every == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			progress.Report(ml.Event{Kind: "step", Step: (i-1)/every + 1, Total: (n - 2 + every) / every, Message: "building the spanning tree"})
		}
		inTree[node] = true
		best, next := math.MaxFloat64, 0
		for j := 0; j < n; j++ {
			if inTree[j] {
				continue
			}
			if v := D[cidx(n, node, j)]; v < cur[j] {
				cur[j] = v
			}
			if cur[j] < best {
				best, next = cur[j], j
			}
		}
		z[i-1] = merge{node, next, best}
		node = next
	}
	sort.SliceStable(z, func(i, j int) bool { return z[i].d < z[j].d })
	parent := make([]int, 2*n-1)
	for i := range parent {
		parent[i] = -1
	}
	find := func(x int) int {
		p := x
		for parent[x] != -1 {
			x = parent[x]
		}
		for p != x && parent[p] != x {
			parent[p], p = x, parent[p]
		}
		return x
	}
	for i := range z {
		l, r := find(z[i].a), find(z[i].b)
		z[i].a, z[i].b = l, r
		parent[l], parent[r] = n+i, n+i
	}
	return z, nil
}

// hcCut is scikit-learn's _hc_cut: open the tree from the root, always
// splitting the most recent merge (a heap of negated ids, in heapq's
// order), and label the leaves under the i-th heap entry with i.
func hcCut(k int, children []int, n int) []int {
	nodes := []int{-(max(children[len(children)-2], children[len(children)-1]) + 1)}
	for c := 0; c < k-1; c++ {
		top := -nodes[0] - n
		nodes = heapPush(nodes, -children[2*top])
		nodes = heapPushPop(nodes, -children[2*top+1])
	}
	labels := make([]int, n)
	var stack []int
	for i, node := range nodes {
		stack = append(stack[:0], -node)
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if v < n {
				labels[v] = i
				continue
			}
			stack = append(stack, children[2*(v-n)], children[2*(v-n)+1])
		}
	}
	return labels
}

// heapPush and heapPushPop are Python's heapq.heappush and heappushpop on
// a min-heap of ints.
func heapPush(h []int, v int) []int {
	h = append(h, v)
	siftDown(h, 0, len(h)-1)
	return h
}

func heapPushPop(h []int, v int) []int {
	if len(h) > 0 && h[0] < v {
		v, h[0] = h[0], v
		siftUp(h, 0)
	}
	_ = v
	return h
}

// siftDown is heapq._siftdown: move h[pos] up towards start.
func siftDown(h []int, start, pos int) {
	item := h[pos]
	for pos > start {
		p := (pos - 1) >> 1
		if item < h[p] {
			h[pos] = h[p]
			pos = p
			continue
		}
		break
	}
	h[pos] = item
}

// siftUp is heapq._siftup: move the smaller child up until a leaf, then
// sift the item down into place.
func siftUp(h []int, pos int) {
	end, start := len(h), pos
	item := h[pos]
	child := 2*pos + 1
	for child < end {
		if r := child + 1; r < end && !(h[child] < h[r]) {
			child = r
		}
		h[pos] = h[child]
		pos = child
		child = 2*pos + 1
	}
	h[pos] = item
	siftDown(h, start, pos)
}

// FitPredict fits on X and returns labels_.
func (a *AgglomerativeClustering) FitPredict(ctx context.Context, X *mat.Dense) ([]float64, error) {
	if err := a.Fit(ctx, X, nil); err != nil {
		return nil, err
	}
	return fitLabels(a), nil
}

// Labels returns labels_, or nil before Fit.
func (a *AgglomerativeClustering) Labels() []int { return clone(a.labels) }

// Children returns children_ as (n_samples-1) pairs: row i merged the two
// clusters into cluster n_samples+i (ids below n_samples are samples).
func (a *AgglomerativeClustering) Children() [][2]int {
	out := make([][2]int, len(a.children)/2)
	for i := range out {
		out[i] = [2]int{a.children[2*i], a.children[2*i+1]}
	}
	return out
}

// Distances returns distances_, the distance of each merge.
func (a *AgglomerativeClustering) Distances() []float64 { return clone(a.distances) }

// NClustersFitted returns n_clusters_.
func (a *AgglomerativeClustering) NClustersFitted() int { return a.nClusters }

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (a *AgglomerativeClustering) NFeaturesIn() int { return a.nIn }

// MarshalState returns labels_, children_, distances_ and n_clusters_.
func (a *AgglomerativeClustering) MarshalState() (*ml.State, error) {
	if a.labels == nil {
		return nil, ml.NotFittedError("AgglomerativeClustering")
	}
	st := ml.NewState()
	st.SetAttr("n_features_in_", a.nIn)
	st.SetAttr("n_clusters_", a.nClusters)
	st.SetInts("labels_", a.labels)
	st.SetInts("children_", a.children, len(a.children)/2, 2)
	st.SetFloats("distances_", a.distances)
	return st, nil
}

// UnmarshalState restores state written by MarshalState.
func (a *AgglomerativeClustering) UnmarshalState(st *ml.State) error {
	var nIn, k int
	if err := st.Attr("n_features_in_", &nIn); err != nil {
		return err
	}
	if err := st.Attr("n_clusters_", &k); err != nil {
		return err
	}
	labels, _, err := st.Ints("labels_", 0, max(k-1, 0), -1)
	if err != nil {
		return err
	}
	n := len(labels)
	if nIn < 1 || n < 2 || k < 1 || k > n {
		return fmt.Errorf("state: n_features_in_ %d, %d labels and n_clusters_ %d are inconsistent", nIn, n, k)
	}
	children, _, err := st.Ints("children_", 0, 2*n-3, n-1, 2)
	if err != nil {
		return err
	}
	dist, _, err := st.Floats("distances_", n-1)
	if err != nil {
		return err
	}
	a.nIn, a.nClusters, a.labels, a.children, a.distances = nIn, k, labels, children, dist
	return nil
}

// EstimateMemory bounds Fit's memory: the condensed distance matrix,
// n(n-1)/2 values, and a few arrays of n.
func (a *AgglomerativeClustering) EstimateMemory(n, p, _ int) int64 {
	N := int64(max(n, 1))
	return budget.Add(budget.Mul(4, N, N), budget.Mul(8, N, 12), ml.DataBytes(n, p), 1<<16)
}
