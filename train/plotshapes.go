package train

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/cluster"
)

// More of what a run records for its plots (package plots draws them):
// the 2-D embedding of an unsupervised run's training rows, the merge tree
// of an agglomerative clustering, and the decision boundary of a
// classifier on two features. Each is bounded: maxEmbeddingPoints points,
// a dendrogram of at most maxDendrogramLeaves leaves (truncated to the
// last dendrogramLastP clusters beyond), a boundaryGrid × boundaryGrid
// grid and maxBoundaryPoints training points.
const (
	maxEmbeddingPoints  = 5000
	maxDendrogramLeaves = 2000
	dendrogramLastP     = 30
	boundaryGrid        = 200
	maxBoundaryPoints   = 2000
	// maxPCAFeatures bounds the features a clusterer's input is projected
	// from with PCA; wider input draws its first two features.
	maxPCAFeatures = 1000
	// boundaryChunk is the number of grid rows predicted at once.
	boundaryChunk = 2000
)

// Embedding is a scatter of two coordinates of the training rows: the
// first two output components of a transformer (PCA, TruncatedSVD), the
// first two dimensions of a TSNE's embedding, or
// the first two features or principal components of a clusterer's input,
// with the cluster centres of a k-means projected the same way.
type Embedding struct {
	// Kind says what the coordinates are: "components", "embedding"
	// (TSNE's), "features" or "pca".
	Kind   string `json:"kind"`
	XLabel string `json:"x_label"`
	YLabel string `json:"y_label"`
	// ColourBy is "label" (the data's target), "cluster" or "" (none).
	ColourBy string `json:"colour_by,omitempty"`
	// NRows is the number of training rows; every Stride-th is recorded
	// when there are more than maxEmbeddingPoints (Stride 0: all).
	NRows  int       `json:"n_rows"`
	Stride int       `json:"stride,omitempty"`
	X      []float64 `json:"x"`
	Y      []float64 `json:"y"`
	// Group is each point's index into Groups (the names of the labels or
	// clusters; "noise" for DBSCAN's -1); nil when not coloured.
	Group   []int        `json:"group,omitempty"`
	Groups  []string     `json:"groups,omitempty"`
	Centers [][2]float64 `json:"centers,omitempty"`
}

// Dendrogram is an agglomerative clustering's merge tree in scipy's
// linkage form: the leaves are 0..len(LeafCounts)-1, merge i makes node
// len(LeafCounts)+i of Children[i] at Distances[i]. A tree of more than
// maxDendrogramLeaves samples keeps only its last dendrogramLastP
// clusters as leaves (scipy's truncate_mode="lastp"), each counting the
// samples below it.
type Dendrogram struct {
	Linkage    string    `json:"linkage"`
	NSamples   int       `json:"n_samples"`
	Truncated  bool      `json:"truncated,omitempty"`
	LeafCounts []int     `json:"leaf_counts"`
	LeafIDs    []int     `json:"leaf_ids"` // the sample (or the cluster node, truncated) of each leaf
	Children   [][2]int  `json:"children"`
	Distances  []float64 `json:"distances"`
}

// Boundary is a classifier's predicted class on a grid over two of its
// input features, the others held at their training means, with some
// training points over it.
type Boundary struct {
	Features [2]string `json:"features"`
	Chosen   string    `json:"chosen"` // "importances" or "first"
	// Held are the training means of every input feature, at which the
	// others are held.
	Held   []float64  `json:"held"`
	Labels []string   `json:"labels"`
	XRange [2]float64 `json:"x_range"`
	YRange [2]float64 `json:"y_range"`
	NX     int        `json:"nx"`
	NY     int        `json:"ny"`
	// Cells are the grid's class indexes (into Labels), row by row from
	// the bottom, run-length encoded as (class, count) pairs.
	Cells  []int     `json:"cells"`
	NRows  int       `json:"n_rows"`
	Stride int       `json:"stride,omitempty"`
	X      []float64 `json:"x"`
	Y      []float64 `json:"y"`
	Class  []int     `json:"class"`
}

// strideRows returns the indexes of at most m of n rows, every stride-th
// (stride 0 when all are kept).
func strideRows(n, m int) ([]int, int) {
	stride := 0
	step := 1
	if n > m {
		stride = (n + m - 1) / m
		step = stride
	}
	var out []int
	for i := 0; i < n; i += step {
		out = append(out, i)
	}
	return out, stride
}

// embedding records the scatter of an unsupervised run: Xt is the final
// estimator's input (the preprocessed training rows), names its columns'
// names (nil where the steps lose them), y the labelled column (nil
// without), classes its names, labels a clusterer's labels_.
func embedding(final ml.Estimator, Xt *mat.Dense, names []string, y []float64, classes []string, labels []float64) *Embedding {
	n, d := Xt.Dims()
	if n == 0 {
		return nil
	}
	rows, stride := strideRows(n, maxEmbeddingPoints)
	sub := mat.NewDense(len(rows), d, nil)
	for i, r := range rows {
		sub.SetRow(i, Xt.RawRowView(r))
	}
	e := &Embedding{NRows: n, Stride: stride}
	var coords *mat.Dense
	var project func(*mat.Dense) *mat.Dense
	tr, isTransformer := final.(ml.Transformer)
	switch {
	case labels == nil && isTransformer:
		out, err := tr.Transform(sub)
		if err != nil {
			return nil
		}
		if _, c := out.Dims(); c < 2 {
			return nil
		}
		coords, e.Kind = out, "components"
		name := ml.ClassName(final)
		e.XLabel, e.YLabel = name+" component 1", name+" component 2"
	case labels != nil && d >= 2:
		if d == 2 || d > maxPCAFeatures {
			coords, e.Kind = sub, "features"
			e.XLabel, e.YLabel = "feature 1", "feature 2"
			if len(names) == d {
				e.XLabel, e.YLabel = names[0], names[1]
			}
			project = func(m *mat.Dense) *mat.Dense { return m }
		} else {
			project = pca2(sub)
			if project == nil {
				return nil
			}
			coords, e.Kind = project(sub), "pca"
			e.XLabel, e.YLabel = "principal component 1", "principal component 2"
		}
	case labels == nil:
		// A fit-only manifold learner (TSNE): the embedding of the training
		// rows it keeps.
		fe, ok := final.(interface{ Embedding() *mat.Dense })
		if !ok {
			return nil
		}
		E := fe.Embedding()
		if E == nil {
			return nil
		}
		if r, c := E.Dims(); r != n || c < 2 {
			return nil
		}
		coords = mat.NewDense(len(rows), 2, nil)
		for i, r := range rows {
			coords.Set(i, 0, E.At(r, 0))
			coords.Set(i, 1, E.At(r, 1))
		}
		e.Kind = "embedding"
		name := ml.ClassName(final)
		e.XLabel, e.YLabel = name+" dimension 1", name+" dimension 2"
	default:
		return nil
	}
	for i := range rows {
		x, yy := coords.At(i, 0), coords.At(i, 1)
		if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(yy) || math.IsInf(yy, 0) {
			return nil
		}
		e.X, e.Y = append(e.X, round6(x)), append(e.Y, round6(yy))
	}
	switch {
	case labels != nil:
		e.ColourBy = "cluster"
		ids := map[float64]int{}
		var vals []float64
		for _, v := range labels {
			if _, ok := ids[v]; !ok {
				ids[v] = 0
				vals = append(vals, v)
			}
		}
		slices.Sort(vals)
		for i, v := range vals {
			ids[v] = i
			if v < 0 {
				e.Groups = append(e.Groups, "noise")
			} else {
				e.Groups = append(e.Groups, "cluster "+strconv.FormatFloat(v, 'g', -1, 64))
			}
		}
		for _, r := range rows {
			e.Group = append(e.Group, ids[labels[r]])
		}
		if c, ok := final.(interface{ ClusterCenters() *mat.Dense }); ok && project != nil {
			if C := c.ClusterCenters(); C != nil {
				if _, cd := C.Dims(); cd == d {
					P := project(C)
					k, _ := P.Dims()
					for i := range k {
						e.Centers = append(e.Centers, [2]float64{round6(P.At(i, 0)), round6(P.At(i, 1))})
					}
				}
			}
		}
	case len(y) == n:
		e.ColourBy = "label"
		ids := map[float64]int{}
		var vals []float64
		for _, v := range y {
			if _, ok := ids[v]; !ok {
				ids[v] = 0
				vals = append(vals, v)
			}
		}
		if len(vals) > 50 { // a continuous column: no colours
			e.ColourBy = ""
			break
		}
		slices.Sort(vals)
		for i, v := range vals {
			ids[v] = i
			name := strconv.FormatFloat(v, 'g', -1, 64)
			if j := int(v); float64(j) == v && j >= 0 && j < len(classes) {
				name = classes[j]
			}
			e.Groups = append(e.Groups, name)
		}
		for _, r := range rows {
			e.Group = append(e.Group, ids[y[r]])
		}
	}
	return e
}

// pca2 fits a 2-component PCA to X and returns the projection (centred
// by X's means), nil when X has fewer than two rows or it fails.
func pca2(X *mat.Dense) func(*mat.Dense) *mat.Dense {
	n, d := X.Dims()
	if n < 2 {
		return nil
	}
	mean := make([]float64, d)
	for i := range n {
		for j, v := range X.RawRowView(i) {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	C := mat.NewDense(n, d, nil)
	for i := range n {
		r := C.RawRowView(i)
		for j, v := range X.RawRowView(i) {
			r[j] = v - mean[j]
		}
	}
	var svd mat.SVD
	if !svd.Factorize(C, mat.SVDThin) {
		return nil
	}
	var V mat.Dense
	svd.VTo(&V)
	W := mat.DenseCopyOf(V.Slice(0, d, 0, 2))
	// scikit-learn's svd_flip: the largest |loading| of each component positive.
	for c := range 2 {
		best := 0.0
		for j := range d {
			if math.Abs(W.At(j, c)) > math.Abs(best) {
				best = W.At(j, c)
			}
		}
		if best < 0 {
			for j := range d {
				W.Set(j, c, -W.At(j, c))
			}
		}
	}
	return func(M *mat.Dense) *mat.Dense {
		m, _ := M.Dims()
		Z := mat.NewDense(m, d, nil)
		for i := range m {
			r := Z.RawRowView(i)
			for j, v := range M.RawRowView(i) {
				r[j] = v - mean[j]
			}
		}
		var out mat.Dense
		out.Mul(Z, W)
		return &out
	}
}

// dendrogram records the merge tree of an agglomerative clustering, nil
// for other estimators or a tree without a full set of merges.
func dendrogram(final any, n int) *Dendrogram {
	a, ok := final.(interface {
		Children() [][2]int
		Distances() []float64
	})
	if !ok || n < 2 {
		return nil
	}
	ch, dist := a.Children(), a.Distances()
	if len(ch) != n-1 || len(dist) != n-1 {
		return nil
	}
	link := ""
	if ac, ok := final.(*cluster.AgglomerativeClustering); ok {
		link = ac.Linkage
	}
	if n <= maxDendrogramLeaves {
		dg := &Dendrogram{Linkage: link, NSamples: n, Children: ch, Distances: make([]float64, len(dist))}
		for i, v := range dist {
			dg.Distances[i] = round6(v)
		}
		for i := range n {
			dg.LeafCounts = append(dg.LeafCounts, 1)
			dg.LeafIDs = append(dg.LeafIDs, i)
		}
		return dg
	}
	// lastp: keep the last p-1 merges; their children made earlier are
	// the p leaves.
	counts := make([]int, 2*n-1)
	for i := range n {
		counts[i] = 1
	}
	for i, c := range ch {
		counts[n+i] = counts[c[0]] + counts[c[1]]
	}
	first := n - dendrogramLastP // index of the first kept merge
	leafOf := map[int]int{}
	dg := &Dendrogram{Linkage: link, NSamples: n, Truncated: true}
	for i := first; i < n-1; i++ {
		for _, c := range ch[i] {
			if c < n+first {
				leafOf[c] = 0
			}
		}
	}
	var leaves []int
	for c := range leafOf {
		leaves = append(leaves, c)
	}
	slices.Sort(leaves)
	for i, c := range leaves {
		leafOf[c] = i
		dg.LeafCounts = append(dg.LeafCounts, counts[c])
		dg.LeafIDs = append(dg.LeafIDs, c)
	}
	L := len(leaves)
	node := func(c int) int {
		if c < n+first {
			return leafOf[c]
		}
		return L + c - n - first
	}
	for i := first; i < n-1; i++ {
		dg.Children = append(dg.Children, [2]int{node(ch[i][0]), node(ch[i][1])})
		dg.Distances = append(dg.Distances, round6(dist[i]))
	}
	return dg
}

// boundary records a classifier's decision regions over two input
// features: the two with the largest importances when the final
// estimator's importances name input features, the first two otherwise.
// Its cost is predicting boundaryGrid² rows, in chunks of boundaryChunk:
// no more than scoring the training data when it has as many rows, and
// a model fitted on fewer rows is small (its prediction cheap) in
// proportion; it stops when ctx is cancelled.
func boundary(ctx context.Context, p *ml.Pipeline, features []string, X *mat.Dense, y []float64, classes []float64, labels []string, im *Importances) *Boundary {
	n, d := X.Dims()
	if n == 0 || d < 2 || len(classes) < 2 || len(features) != d {
		return nil
	}
	fi, fj, chosen := 0, 1, "first"
	if im != nil && len(im.Features) >= 2 {
		a, b := slices.Index(features, im.Features[0]), slices.Index(features, im.Features[1])
		if a >= 0 && b >= 0 {
			fi, fj, chosen = a, b, "importances"
		}
	}
	mean := make([]float64, d)
	lo := []float64{math.Inf(1), math.Inf(1)}
	hi := []float64{math.Inf(-1), math.Inf(-1)}
	for i := range n {
		r := X.RawRowView(i)
		for j, v := range r {
			mean[j] += v
		}
		for k, j := range []int{fi, fj} {
			lo[k], hi[k] = math.Min(lo[k], r[j]), math.Max(hi[k], r[j])
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for k := range 2 {
		if math.IsNaN(lo[k]) || math.IsInf(lo[k], 0) || math.IsInf(hi[k], 0) {
			return nil
		}
		pad := 0.05 * (hi[k] - lo[k])
		if pad == 0 {
			pad = 0.5
		}
		lo[k], hi[k] = lo[k]-pad, hi[k]+pad
	}
	idx := map[float64]int{}
	for i, c := range classes {
		idx[c] = i
	}
	name := func(i int) string {
		if i < len(labels) {
			return labels[i]
		}
		return fmt.Sprint(classes[i])
	}
	b := &Boundary{Features: [2]string{features[fi], features[fj]}, Chosen: chosen, NX: boundaryGrid, NY: boundaryGrid,
		XRange: [2]float64{round6(lo[0]), round6(hi[0])}, YRange: [2]float64{round6(lo[1]), round6(hi[1])}, NRows: n}
	for i := range classes {
		b.Labels = append(b.Labels, name(i))
	}
	for _, v := range mean {
		b.Held = append(b.Held, round6(v))
	}
	at := func(k, i, m int) float64 { return lo[k] + (hi[k]-lo[k])*(float64(i)+0.5)/float64(m) }
	total := b.NX * b.NY
	last, run := -1, 0
	for start := 0; start < total; start += boundaryChunk {
		if ctx.Err() != nil {
			return nil // cancelled: the run ends with the context's error
		}
		m := min(boundaryChunk, total-start)
		G := mat.NewDense(m, d, nil)
		for r := range m {
			row := G.RawRowView(r)
			copy(row, mean)
			c := start + r
			row[fi], row[fj] = at(0, c%b.NX, b.NX), at(1, c/b.NX, b.NY)
		}
		pred, err := p.Predict(G)
		if err != nil || len(pred) != m {
			return nil
		}
		for _, v := range pred {
			c, ok := idx[v]
			if !ok {
				return nil
			}
			if c == last {
				run++
				continue
			}
			if run > 0 {
				b.Cells = append(b.Cells, last, run)
			}
			last, run = c, 1
		}
	}
	b.Cells = append(b.Cells, last, run)
	rows, stride := strideRows(n, maxBoundaryPoints)
	b.Stride = stride
	for _, r := range rows {
		c, ok := idx[y[r]]
		if !ok {
			continue
		}
		b.X = append(b.X, round6(X.At(r, fi)))
		b.Y = append(b.Y, round6(X.At(r, fj)))
		b.Class = append(b.Class, c)
	}
	return b
}
