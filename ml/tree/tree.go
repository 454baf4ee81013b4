package tree

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

// Markers used in Tree's arrays, as in sklearn.tree._tree.
const (
	// Leaf is the child index of a leaf (TREE_LEAF).
	Leaf = -1
	// Undefined is the feature and threshold of a leaf (TREE_UNDEFINED).
	Undefined = -2
)

// Tree is a fitted binary decision tree as flat arrays, in the layout of
// scikit-learn's sklearn.tree._tree.Tree. Node 0 is the root. A sample x
// reaching an internal node i goes to ChildrenLeft[i] when
// float32(x[Feature[i]]) <= Threshold[i] and to ChildrenRight[i] otherwise;
// features are compared as float32, as scikit-learn does. A leaf has both
// children equal to Leaf and Feature equal to Undefined. Children always
// have larger indices than their parent.
//
// A Tree returned by an estimator is shared with it and must not be
// modified.
type Tree struct {
	// NFeatures is the number of features the tree was grown on.
	NFeatures int
	// NValues is the width of a node's value: the number of classes for a
	// classifier, 1 for a regressor.
	NValues int
	// MaxDepth is the depth of the deepest leaf (the root has depth 0).
	MaxDepth int

	ChildrenLeft  []int
	ChildrenRight []int
	Feature       []int
	Threshold     []float64
	// Value holds NodeCount() rows of NValues, row-major: for a classifier
	// the weighted fraction of each class among the node's training samples
	// (scikit-learn 1.2 stores the weighted counts; the fractions are those
	// counts divided by WeightedNNodeSamples), for a regressor the weighted
	// mean target.
	Value []float64
	// Impurity is the node's impurity under the training criterion.
	Impurity []float64
	// NNodeSamples is the number of training samples reaching the node.
	NNodeSamples []int
	// WeightedNNodeSamples is their total sample weight.
	WeightedNNodeSamples []float64

	nodes []node // packed copy for prediction, built by pack
}

// node is the packed form of an internal or leaf node used by prediction.
type node struct {
	threshold   float64
	feature     int32
	left, right int32
}

// NodeCount returns the number of nodes.
func (t *Tree) NodeCount() int { return len(t.Feature) }

// NLeaves returns the number of leaves.
func (t *Tree) NLeaves() int {
	n := 0
	for _, l := range t.ChildrenLeft {
		if l == Leaf {
			n++
		}
	}
	return n
}

// NodeValue returns the value row of node i (a view into Value).
func (t *Tree) NodeValue(i int) []float64 { return t.Value[i*t.NValues : (i+1)*t.NValues] }

func (t *Tree) addNode(parent int, isLeft, isLeaf bool, feature int, threshold, impurity float64, n int, w float64) int {
	id := len(t.Feature)
	if parent >= 0 {
		if isLeft {
			t.ChildrenLeft[parent] = id
		} else {
			t.ChildrenRight[parent] = id
		}
	}
	if isLeaf {
		feature, threshold = Undefined, Undefined
	}
	// Children are set when they are added.
	t.ChildrenLeft = append(t.ChildrenLeft, Leaf)
	t.ChildrenRight = append(t.ChildrenRight, Leaf)
	t.Feature = append(t.Feature, feature)
	t.Threshold = append(t.Threshold, threshold)
	t.Impurity = append(t.Impurity, impurity)
	t.NNodeSamples = append(t.NNodeSamples, n)
	t.WeightedNNodeSamples = append(t.WeightedNNodeSamples, w)
	for range t.NValues {
		t.Value = append(t.Value, 0)
	}
	return id
}

// pack builds the compact node array used for prediction.
func (t *Tree) pack() {
	t.nodes = make([]node, len(t.Feature))
	for i := range t.nodes {
		t.nodes[i] = node{threshold: t.Threshold[i], feature: int32(t.Feature[i]), left: int32(t.ChildrenLeft[i]), right: int32(t.ChildrenRight[i])}
	}
}

// Leaf returns the index of the leaf that x (of length NFeatures) reaches.
// t must be valid (see Validate): trees from Fit and UnmarshalTree are.
func (t *Tree) Leaf(x []float64) int {
	nodes := t.nodes
	if nodes == nil {
		i := 0
		for t.ChildrenLeft[i] != Leaf {
			if float64(float32(x[t.Feature[i]])) <= t.Threshold[i] {
				i = t.ChildrenLeft[i]
			} else {
				i = t.ChildrenRight[i]
			}
		}
		return i
	}
	i := int32(0)
	for {
		nd := &nodes[i]
		if nd.left < 0 {
			return int(i)
		}
		if float64(float32(x[nd.feature])) <= nd.threshold {
			i = nd.left
		} else {
			i = nd.right
		}
	}
}

// parallelRows is the number of rows from which prediction is spread over
// goroutines.
const parallelRows = 4096

// Apply returns the leaf reached by each row of X, which must have
// NFeatures columns. Large inputs are split over GOMAXPROCS goroutines.
func (t *Tree) Apply(X *mat.Dense) []int {
	r, c := X.Dims()
	if c != t.NFeatures {
		panic(fmt.Sprintf("tree: Apply: X has %d columns, the tree %d features", c, t.NFeatures))
	}
	out := make([]int, r)
	raw := X.RawMatrix()
	forRows(r, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i] = t.Leaf(raw.Data[i*raw.Stride : i*raw.Stride+c])
		}
	})
	return out
}

// forRows calls f on consecutive row ranges covering [0, n), concurrently
// when n is large.
func forRows(n int, f func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n/parallelRows)
	if workers <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}

// FeatureImportances returns the normalised total impurity decrease brought
// by each feature (the Gini importance), as scikit-learn's
// feature_importances_: for each internal node, its weighted impurity minus
// its children's, summed per feature, divided by the root's weight and
// normalised to sum to 1 (all zeros when the root is a leaf).
func (t *Tree) FeatureImportances() []float64 {
	imp := t.ImpurityDecreases()
	total := 0.0
	for j := range imp {
		total += imp[j]
	}
	if total > 0 {
		for j := range imp {
			imp[j] /= total
		}
	}
	return imp
}

// ImpurityDecreases returns the total impurity decrease brought by each
// feature divided by the root's weight, not normalised: scikit-learn's
// tree_.compute_feature_importances(normalize=False), which gradient
// boosting averages.
func (t *Tree) ImpurityDecreases() []float64 {
	imp := make([]float64, t.NFeatures)
	for i, l := range t.ChildrenLeft {
		if l == Leaf {
			continue
		}
		r := t.ChildrenRight[i]
		imp[t.Feature[i]] += float64(t.WeightedNNodeSamples[i]*t.Impurity[i]) -
			float64(t.WeightedNNodeSamples[l]*t.Impurity[l]) -
			float64(t.WeightedNNodeSamples[r]*t.Impurity[r])
	}
	for j := range imp {
		imp[j] /= t.WeightedNNodeSamples[0]
	}
	return imp
}

// Validate checks that t is a well-formed tree: consistent array lengths,
// children in range with larger indices than their parent and exactly one
// parent each, features in range, finite thresholds and values. A tree that
// passes cannot make prediction panic or loop.
func (t *Tree) Validate() error {
	n := len(t.Feature)
	if n == 0 {
		return fmt.Errorf("tree: no nodes")
	}
	if t.NFeatures < 1 || t.NValues < 1 {
		return fmt.Errorf("tree: n_features %d and n_values %d must be ≥ 1", t.NFeatures, t.NValues)
	}
	if n > math.MaxInt32 {
		return fmt.Errorf("tree: %d nodes is too many", n)
	}
	for name, l := range map[string]int{"children_left": len(t.ChildrenLeft), "children_right": len(t.ChildrenRight),
		"threshold": len(t.Threshold), "impurity": len(t.Impurity), "n_node_samples": len(t.NNodeSamples),
		"weighted_n_node_samples": len(t.WeightedNNodeSamples)} {
		if l != n {
			return fmt.Errorf("tree: %s has %d entries, feature has %d", name, l, n)
		}
	}
	if len(t.Value) != n*t.NValues {
		return fmt.Errorf("tree: value has %d entries, expected %d nodes x %d", len(t.Value), n, t.NValues)
	}
	parents := make([]int, n)
	depth := make([]int, n)
	maxDepth := 0
	for i := 0; i < n; i++ {
		l, r, f := t.ChildrenLeft[i], t.ChildrenRight[i], t.Feature[i]
		if i > 0 && parents[i] != 1 {
			return fmt.Errorf("tree: node %d has %d parents, expected 1", i, parents[i])
		}
		maxDepth = max(maxDepth, depth[i])
		if l == Leaf || r == Leaf {
			if l != Leaf || r != Leaf || f != Undefined {
				return fmt.Errorf("tree: leaf %d has children %d, %d and feature %d, expected %d, %d, %d", i, l, r, f, Leaf, Leaf, Undefined)
			}
		} else {
			if l <= i || r <= i || l >= n || r >= n || l == r {
				return fmt.Errorf("tree: node %d has children %d and %d, expected two distinct indices in (%d, %d)", i, l, r, i, n)
			}
			if f < 0 || f >= t.NFeatures {
				return fmt.Errorf("tree: node %d splits on feature %d, expected one in [0, %d)", i, f, t.NFeatures)
			}
			if math.IsNaN(t.Threshold[i]) {
				return fmt.Errorf("tree: node %d has threshold NaN", i)
			}
			parents[l]++
			parents[r]++
			depth[l], depth[r] = depth[i]+1, depth[i]+1
		}
		if t.NNodeSamples[i] < 0 || math.IsNaN(t.WeightedNNodeSamples[i]) || math.IsNaN(t.Impurity[i]) {
			return fmt.Errorf("tree: node %d has bad sample counts or impurity", i)
		}
	}
	for i, v := range t.Value {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("tree: value[%d] is %v, expected a finite number", i, v)
		}
	}
	if t.MaxDepth != maxDepth {
		return fmt.Errorf("tree: max_depth is %d, the nodes give %d", t.MaxDepth, maxDepth)
	}
	return nil
}

// MarshalState stores t in s under names that start with prefix (such as
// "" for one tree, or "estimators.3." for a forest's fourth tree).
func (t *Tree) MarshalState(s *ml.State, prefix string) {
	n := t.NodeCount()
	s.SetInts(prefix+"children_left", t.ChildrenLeft)
	s.SetInts(prefix+"children_right", t.ChildrenRight)
	s.SetInts(prefix+"feature", t.Feature)
	s.SetFloats(prefix+"threshold", t.Threshold)
	s.SetFloats(prefix+"value", t.Value, n, t.NValues)
	s.SetFloats(prefix+"impurity", t.Impurity)
	s.SetInts(prefix+"n_node_samples", t.NNodeSamples)
	s.SetFloats(prefix+"weighted_n_node_samples", t.WeightedNNodeSamples)
	s.SetAttr(prefix+"n_features", t.NFeatures)
	s.SetAttr(prefix+"max_depth", t.MaxDepth)
}

// UnmarshalTree reads a tree written by MarshalState with the same prefix
// and validates it.
func UnmarshalTree(s *ml.State, prefix string) (*Tree, error) {
	t := &Tree{}
	if err := s.Attr(prefix+"n_features", &t.NFeatures); err != nil {
		return nil, err
	}
	if err := s.Attr(prefix+"max_depth", &t.MaxDepth); err != nil {
		return nil, err
	}
	var err error
	if t.Feature, _, err = s.Ints(prefix+"feature", Undefined, math.MaxInt32, -1); err != nil {
		return nil, err
	}
	n := len(t.Feature)
	for _, a := range []struct {
		name string
		dst  *[]int
	}{{"children_left", &t.ChildrenLeft}, {"children_right", &t.ChildrenRight}, {"n_node_samples", &t.NNodeSamples}} {
		if *a.dst, _, err = s.Ints(prefix+a.name, Leaf, math.MaxInt32, n); err != nil {
			return nil, err
		}
	}
	for _, a := range []struct {
		name string
		dst  *[]float64
	}{{"threshold", &t.Threshold}, {"impurity", &t.Impurity}, {"weighted_n_node_samples", &t.WeightedNNodeSamples}} {
		var f []float64
		if f, _, err = s.Floats(prefix+a.name, n); err != nil {
			return nil, err
		}
		*a.dst = append([]float64(nil), f...)
	}
	value, shape, err := s.Floats(prefix+"value", n, -1)
	if err != nil {
		return nil, err
	}
	t.Value = append([]float64(nil), value...)
	t.NValues = shape[1]
	if err := t.Validate(); err != nil {
		return nil, err
	}
	t.pack()
	return t, nil
}

// MarshalTrees stores the trees of an ensemble in s under names that start
// with prefix, as one set of arrays: each of Tree's arrays concatenated
// over the trees (children indices stay local to their tree), with the
// node count and depth of each tree. Every tree must have the same
// NFeatures and NValues.
func MarshalTrees(s *ml.State, prefix string, trees []*Tree) {
	total := 0
	counts := make([]int, len(trees))
	depths := make([]int, len(trees))
	for i, t := range trees {
		counts[i], depths[i] = t.NodeCount(), t.MaxDepth
		total += t.NodeCount()
	}
	cat := func(get func(*Tree) []int) []int {
		out := make([]int, 0, total)
		for _, t := range trees {
			out = append(out, get(t)...)
		}
		return out
	}
	catF := func(get func(*Tree) []float64) []float64 {
		out := make([]float64, 0, total)
		for _, t := range trees {
			out = append(out, get(t)...)
		}
		return out
	}
	nValues := 1
	if len(trees) > 0 {
		nValues = trees[0].NValues
		s.SetAttr(prefix+"n_features", trees[0].NFeatures)
	}
	s.SetInts(prefix+"node_count", counts)
	s.SetInts(prefix+"max_depth", depths)
	s.SetInts(prefix+"children_left", cat(func(t *Tree) []int { return t.ChildrenLeft }))
	s.SetInts(prefix+"children_right", cat(func(t *Tree) []int { return t.ChildrenRight }))
	s.SetInts(prefix+"feature", cat(func(t *Tree) []int { return t.Feature }))
	s.SetFloats(prefix+"threshold", catF(func(t *Tree) []float64 { return t.Threshold }))
	s.SetFloats(prefix+"value", catF(func(t *Tree) []float64 { return t.Value }), total, nValues)
	s.SetFloats(prefix+"impurity", catF(func(t *Tree) []float64 { return t.Impurity }))
	s.SetInts(prefix+"n_node_samples", cat(func(t *Tree) []int { return t.NNodeSamples }))
	s.SetFloats(prefix+"weighted_n_node_samples", catF(func(t *Tree) []float64 { return t.WeightedNNodeSamples }))
}

// UnmarshalTrees reads trees written by MarshalTrees with the same prefix
// and validates each of them.
func UnmarshalTrees(s *ml.State, prefix string) ([]*Tree, error) {
	counts, _, err := s.Ints(prefix+"node_count", 1, math.MaxInt32, -1)
	if err != nil {
		return nil, err
	}
	if len(counts) == 0 {
		return nil, fmt.Errorf("state: %snode_count is empty: no trees", prefix)
	}
	depths, _, err := s.Ints(prefix+"max_depth", 0, math.MaxInt32, len(counts))
	if err != nil {
		return nil, err
	}
	var nFeatures int
	if err := s.Attr(prefix+"n_features", &nFeatures); err != nil {
		return nil, err
	}
	total := 0
	for _, c := range counts {
		total += c
		if total > math.MaxInt32 {
			return nil, fmt.Errorf("state: %snode_count sums to more than %d nodes", prefix, math.MaxInt32)
		}
	}
	ints := map[string][]int{}
	for _, name := range []string{"children_left", "children_right", "feature", "n_node_samples"} {
		if ints[name], _, err = s.Ints(prefix+name, Undefined, math.MaxInt32, total); err != nil {
			return nil, err
		}
	}
	floats := map[string][]float64{}
	for _, name := range []string{"threshold", "impurity", "weighted_n_node_samples"} {
		if floats[name], _, err = s.Floats(prefix+name, total); err != nil {
			return nil, err
		}
	}
	value, shape, err := s.Floats(prefix+"value", total, -1)
	if err != nil {
		return nil, err
	}
	nValues := shape[1]
	trees := make([]*Tree, len(counts))
	lo := 0
	for i, c := range counts {
		hi := lo + c
		t := &Tree{
			NFeatures: nFeatures, NValues: nValues, MaxDepth: depths[i],
			ChildrenLeft:         slices.Clone(ints["children_left"][lo:hi]),
			ChildrenRight:        slices.Clone(ints["children_right"][lo:hi]),
			Feature:              slices.Clone(ints["feature"][lo:hi]),
			NNodeSamples:         slices.Clone(ints["n_node_samples"][lo:hi]),
			Threshold:            slices.Clone(floats["threshold"][lo:hi]),
			Impurity:             slices.Clone(floats["impurity"][lo:hi]),
			WeightedNNodeSamples: slices.Clone(floats["weighted_n_node_samples"][lo:hi]),
			Value:                slices.Clone(value[lo*nValues : hi*nValues]),
		}
		if err := t.Validate(); err != nil {
			return nil, fmt.Errorf("tree %d: %w", i, err)
		}
		t.pack()
		trees[i] = t
		lo = hi
	}
	return trees, nil
}
