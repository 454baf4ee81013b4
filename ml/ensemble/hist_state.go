package ensemble

import (
	"fmt"
	"math"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
)

// marshal stores the trees (node arrays concatenated, with each tree's
// node count), the baseline and the scores in s.
func (b *histBoosted) marshal(s *ml.State) {
	var counts, feature, missing, left, right []int
	var threshold, value []float64
	var catNodes, catBits []int
	node := 0
	for _, it := range b.trees {
		for _, t := range it {
			counts = append(counts, len(t.value))
			for i := range t.value {
				if t.cats != nil && t.cats[i] != nil {
					catNodes = append(catNodes, node)
					for _, w := range t.cats[i] {
						catBits = append(catBits, int(uint32(w)), int(w>>32))
					}
					for _, w := range t.known[i] {
						catBits = append(catBits, int(uint32(w)), int(w>>32))
					}
				}
				node++
				feature = append(feature, int(t.feature[i]))
				m := 0
				if t.missingLeft[i] {
					m = 1
				}
				missing = append(missing, m)
				left = append(left, int(t.left[i]))
				right = append(right, int(t.right[i]))
			}
			threshold = append(threshold, t.threshold...)
			value = append(value, t.value...)
		}
	}
	s.SetInts("node_counts", counts)
	s.SetInts("feature", feature)
	s.SetInts("missing_go_to_left", missing)
	s.SetInts("left", left)
	s.SetInts("right", right)
	s.SetFloats("threshold", threshold)
	s.SetInts("categorical_nodes", catNodes)
	s.SetInts("categorical_bitsets", catBits, len(catNodes), 16)
	s.SetFloats("value", value)
	s.SetAttr("k", b.k)
	s.SetAttr("n_features_in", b.nFeatures)
	s.SetAttr("loss", b.loss)
	s.SetFloats("baseline", b.baseline)
	s.SetFloats("train_score", b.trainScore)
	s.SetFloats("validation_score", b.validationScore)
}

func unmarshalHist(s *ml.State, name string, k int, losses ...string) (histBoosted, error) {
	var b histBoosted
	bad := func(err error) (histBoosted, error) { return histBoosted{}, fmt.Errorf("%s: %w", name, err) }
	if err := s.Attr("k", &b.k); err != nil {
		return bad(err)
	}
	if b.k != k {
		return bad(fmt.Errorf("state: %d outputs, expected %d", b.k, k))
	}
	if err := s.Attr("n_features_in", &b.nFeatures); err != nil {
		return bad(err)
	}
	if b.nFeatures < 1 {
		return bad(fmt.Errorf("state: %d features", b.nFeatures))
	}
	if err := s.Attr("loss", &b.loss); err != nil {
		return bad(err)
	}
	known := false
	for _, l := range losses {
		known = known || l == b.loss
	}
	if !known {
		return bad(fmt.Errorf("state: loss %q is not valid", b.loss))
	}
	base, _, err := s.Floats("baseline", k)
	if err != nil {
		return bad(err)
	}
	b.baseline = append([]float64(nil), base...)
	counts, _, err := s.Ints("node_counts", 1, math.MaxInt32, -1)
	if err != nil {
		return bad(err)
	}
	if len(counts) == 0 || len(counts)%k != 0 || len(counts)/k > maxStateTrees {
		return bad(fmt.Errorf("state: %d trees is not a whole number of iterations of %d", len(counts), k))
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	feature, _, err := s.Ints("feature", 0, b.nFeatures-1, total)
	if err != nil {
		return bad(err)
	}
	missing, _, err := s.Ints("missing_go_to_left", 0, 1, total)
	if err != nil {
		return bad(err)
	}
	left, _, err := s.Ints("left", -1, math.MaxInt32, total)
	if err != nil {
		return bad(err)
	}
	right, _, err := s.Ints("right", -1, math.MaxInt32, total)
	if err != nil {
		return bad(err)
	}
	threshold, _, err := s.Floats("threshold", total)
	if err != nil {
		return bad(err)
	}
	value, _, err := s.Floats("value", total)
	if err != nil {
		return bad(err)
	}
	catNodes, _, err := s.Ints("categorical_nodes", 0, max(total-1, 0), -1)
	if err != nil {
		return bad(err)
	}
	catBits, _, err := s.Ints("categorical_bitsets", 0, math.MaxUint32, len(catNodes), 16)
	if err != nil {
		return bad(err)
	}
	// Each categorical node's bitsets: the categories that go left, then
	// the known ones, as 32-bit halves.
	cats := map[int][2]*[4]uint64{}
	for c, node := range catNodes {
		var bits, known [4]uint64
		for w := range bits {
			bits[w] = uint64(catBits[c*16+2*w]) | uint64(catBits[c*16+2*w+1])<<32
			known[w] = uint64(catBits[c*16+8+2*w]) | uint64(catBits[c*16+8+2*w+1])<<32
		}
		cats[node] = [2]*[4]uint64{&bits, &known}
	}
	off := 0
	var trees []*hgbTree
	for ti, c := range counts {
		t := &hgbTree{feature: make([]int32, c), threshold: append([]float64(nil), threshold[off:off+c]...),
			binT: make([]uint8, c), missingLeft: make([]bool, c), left: make([]int32, c), right: make([]int32, c),
			value: append([]float64(nil), value[off:off+c]...)}
		for i := range c {
			l, r := left[off+i], right[off+i]
			// Children come after their parent (preorder), so every walk ends.
			if (l < 0) != (r < 0) || l >= 0 && (l <= i || l >= c || r <= i || r >= c) {
				return bad(fmt.Errorf("state: tree %d node %d has children %d and %d", ti, i, l, r))
			}
			if math.IsNaN(t.threshold[i]) || math.IsNaN(t.value[i]) || math.IsInf(t.value[i], 0) {
				return bad(fmt.Errorf("state: tree %d node %d has threshold %v and value %v", ti, i, t.threshold[i], t.value[i]))
			}
			t.feature[i], t.missingLeft[i], t.left[i], t.right[i] = int32(feature[off+i]), missing[off+i] == 1, int32(l), int32(r)
			if bits, ok := cats[off+i]; ok {
				if l < 0 {
					return bad(fmt.Errorf("state: categorical node %d is a leaf", off+i))
				}
				if t.cats == nil {
					t.cats, t.known = make([]*[4]uint64, c), make([]*[4]uint64, c)
				}
				t.cats[i], t.known[i] = bits[0], bits[1]
			}
		}
		off += c
		trees = append(trees, t)
	}
	for i := 0; i < len(trees); i += k {
		b.trees = append(b.trees, trees[i:i+k:i+k])
	}
	ts, _, err := s.Floats("train_score", -1)
	if err != nil {
		return bad(err)
	}
	vs, _, err := s.Floats("validation_score", -1)
	if err != nil {
		return bad(err)
	}
	if len(ts) > len(b.trees)+1 || len(vs) != 0 && len(vs) != len(ts) {
		return bad(fmt.Errorf("state: %d train and %d validation scores for %d iterations", len(ts), len(vs), len(b.trees)))
	}
	b.trainScore, b.validationScore = append([]float64(nil), ts...), append([]float64(nil), vs...)
	return b, nil
}

// MarshalState returns the baseline and the trees.
func (m *HistGradientBoostingRegressor) MarshalState() (*ml.State, error) {
	if m.trees == nil {
		return nil, ml.NotFittedError("HistGradientBoostingRegressor")
	}
	s := ml.NewState()
	m.marshal(s)
	return s, nil
}

// UnmarshalState restores a state written by MarshalState.
func (m *HistGradientBoostingRegressor) UnmarshalState(s *ml.State) error {
	b, err := unmarshalHist(s, "HistGradientBoostingRegressor", 1, "squared_error", "absolute_error", "poisson")
	if err != nil {
		return err
	}
	m.histBoosted = b
	return nil
}

// MarshalState returns the classes, the baseline and the trees.
func (m *HistGradientBoostingClassifier) MarshalState() (*ml.State, error) {
	if m.trees == nil {
		return nil, ml.NotFittedError("HistGradientBoostingClassifier")
	}
	s := ml.NewState()
	s.SetFloats("classes", m.classes)
	m.marshal(s)
	return s, nil
}

// UnmarshalState restores a state written by MarshalState.
func (m *HistGradientBoostingClassifier) UnmarshalState(s *ml.State) error {
	classes, _, err := s.Floats("classes", -1)
	if err != nil {
		return fmt.Errorf("HistGradientBoostingClassifier: %w", err)
	}
	for i, c := range classes {
		if math.IsNaN(c) || math.IsInf(c, 0) || i > 0 && c <= classes[i-1] {
			return fmt.Errorf("HistGradientBoostingClassifier: state: classes must be finite and strictly increasing")
		}
	}
	if len(classes) < 2 {
		return fmt.Errorf("HistGradientBoostingClassifier: state: %d classes, expected at least 2", len(classes))
	}
	k, loss := len(classes), "multinomial"
	if k == 2 {
		k, loss = 1, "binomial"
	}
	b, err := unmarshalHist(s, "HistGradientBoostingClassifier", k, loss)
	if err != nil {
		return err
	}
	m.histBoosted, m.classes = b, append([]float64(nil), classes...)
	return nil
}

// EstimateMemory bounds Fit's memory (see estimateHist).
func (m *HistGradientBoostingRegressor) EstimateMemory(n, p, k int) int64 {
	return estimateHist(&m.HistParams, n, p, 1)
}

// EstimateMemory bounds Fit's memory (see estimateHist).
func (m *HistGradientBoostingClassifier) EstimateMemory(n, p, k int) int64 {
	if k == 2 {
		k = 1
	}
	return estimateHist(&m.HistParams, n, p, max(k, 1))
}

// histNodeBytes is what one node costs during and after growth: the
// grower's node (kept until the tree is flattened) and the tree's arrays
// (30 bytes, twice for the growth of the slices).
const histNodeBytes = 256

// estimateHist counts the binned matrix (n·p bytes), the binning's column
// copies (8·n per worker) and thresholds, a copy of X split for early
// stopping, the raw predictions, gradients and hessians (24·n·K), each
// concurrent grower's sample partition and its buffer (8·n) and the
// residuals and their weights (16·n), the live histograms of each grower (at most one per
// leaf plus two, (max_bins+1)·p·24 bytes each) and the max_iter·K trees
// of at most 2·max_leaf_nodes nodes.
func estimateHist(p *HistParams, n, nf, K int) int64 {
	N, F, KK := int64(max(n, 0)), int64(max(nf, 0)), int64(K)
	// G growers work at once, each with its buffers and histograms.
	G := int64(min(runtimeProcs(), K))
	leaves := int64(max(n/max(p.MinSamplesLeaf, 1), 1))
	if p.MaxLeafNodes > 0 {
		leaves = min(leaves, int64(p.MaxLeafNodes))
	}
	if p.MaxDepth > 0 && p.MaxDepth < 62 {
		leaves = min(leaves, int64(1)<<p.MaxDepth)
	}
	hist := budget.Mul(F, int64(p.MaxBins+1), 24)
	b := budget.Add(
		budget.Mul(N, F),
		budget.Mul(8, N, int64(min(runtimeProcs(), max(nf, 1)))),
		budget.Mul(8*256, F),
		budget.Mul(24, N, KK),
		budget.Mul(8, N, G),
		budget.Mul(16, N),
		budget.Mul(leaves+2, G, hist),
		budget.Mul(int64(max(p.MaxIter, 1)), KK, budget.Add(budget.Mul(2*leaves, histNodeBytes), 256)),
		1<<20,
	)
	if p.EarlyStopping == "true" || p.EarlyStopping == "auto" && n > 10000 {
		b = budget.Add(b, ml.DataBytes(n, nf), budget.Mul(int64(max(p.MaxIter, 1)+1), 16, N))
	}
	return b
}
