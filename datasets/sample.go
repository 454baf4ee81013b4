package datasets

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"github.com/mlforge/mlforge/data/source"
	"github.com/mlforge/mlforge/store"
)

// Bounds of a sample (Sample): images drawn per label, and in all.
const (
	DefaultSampleLimit = 20
	MaxSampleLimit     = 1000
	MaxSampleItems     = 10_000
)

// sampleCap is MaxSampleItems, lowered by tests.
var sampleCap = MaxSampleItems

// Sample is a random draw of at most Limit items of each label of a
// dataset.
type Sample struct {
	Dataset  string
	Limit    int
	Seed     uint64
	Manifest string // the hash of the item manifest over the labels drawn
	Labels   []SampleLabel
}

// SampleLabel is the draw of one label: Stored items held, Items drawn
// (in the order they were added).
type SampleLabel struct {
	Label  string
	Stored int
	Items  []*store.Item
}

// Len returns the number of items drawn.
func (s *Sample) Len() int {
	n := 0
	for _, l := range s.Labels {
		n += len(l.Items)
	}
	return n
}

// ParseSource splits a "dataset:NAME[:LABEL,LABEL...]" source into the
// dataset's name and labels; ok is false when p is not such a source.
func ParseSource(p string) (name string, labels []string, ok bool) {
	return source.ParseDataset(p)
}

// Sample draws limit items (DefaultSampleLimit when 0, at most
// MaxSampleLimit) at random from each label of the dataset called name
// (only the given labels, when any; each must have items), all of a label's
// items when it has fewer. The draw of a label depends on seed, the label
// and the label's items in the order they were added: the same seed on the
// same dataset draws the same items, and adding a label leaves the draw of
// the others as it was. The rows are read a page at a time, so that memory
// grows with the sample, not the dataset; a sample above MaxSampleItems in
// all is refused before any row is read.
func (s *Service) Sample(ctx context.Context, name string, labels []string, limit int, seed uint64) (*Sample, error) {
	if limit == 0 {
		limit = DefaultSampleLimit
	}
	if limit < 1 || limit > MaxSampleLimit {
		return nil, errorf("limit %d: expected 1 to %d images per label", limit, MaxSampleLimit)
	}
	d, err := s.Dataset(ctx, name)
	if err != nil {
		return nil, err
	}
	for _, l := range labels {
		if err := CheckLabel(l); err != nil {
			return nil, err
		}
	}
	counts, err := s.Store.LabelCounts(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	if len(labels) > 0 {
		var keep []store.LabelCount
		for _, l := range labels {
			k := slices.IndexFunc(counts, func(c store.LabelCount) bool { return c.Label == l })
			if k < 0 {
				return nil, errorf("dataset %q has no items labelled %q", name, l)
			}
			if !slices.ContainsFunc(keep, func(c store.LabelCount) bool { return c.Label == l }) {
				keep = append(keep, counts[k])
			}
		}
		counts = keep
	}
	if len(counts) == 0 {
		return nil, errorf("dataset %q has no items", name)
	}
	total := 0
	for _, c := range counts {
		total += min(c.Items, limit)
	}
	if total > sampleCap {
		return nil, errorf("a sample of %d images per label from %d labels is %d images, above the limit of %d: lower the limit or choose labels", limit, len(counts), total, sampleCap)
	}
	out := &Sample{Dataset: name, Limit: limit, Seed: seed}
	for _, c := range counts {
		pick := choose(c.Items, limit, seed, c.Label)
		sl := SampleLabel{Label: c.Label, Stored: c.Items, Items: make([]*store.Item, 0, len(pick))}
		pos, after := 0, ""
		for len(sl.Items) < len(pick) {
			page, err := s.Store.ListItems(ctx, d.ID, store.ItemOptions{Labels: []string{c.Label}, After: after, Limit: 1000})
			if err != nil {
				return nil, err
			}
			if len(page) == 0 {
				break // items removed meanwhile: the draw is smaller
			}
			for _, it := range page {
				if len(sl.Items) < len(pick) && pick[len(sl.Items)] == pos {
					sl.Items = append(sl.Items, it)
				}
				pos++
			}
			after = page[len(page)-1].ID
		}
		out.Labels = append(out.Labels, sl)
	}
	sampled := make([]string, len(out.Labels))
	for i, l := range out.Labels {
		sampled[i] = l.Label
	}
	if out.Manifest, err = s.Manifest(ctx, name, sampled); err != nil {
		return nil, err
	}
	return out, nil
}

// choose returns k = min(limit, n) distinct positions of 0..n-1 in
// increasing order, drawn (Floyd's algorithm, in O(k) memory) by a
// generator seeded with seed and label.
func choose(n, limit int, seed uint64, label string) []int {
	k := min(limit, n)
	if k == n {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	h := fnv.New64a()
	h.Write([]byte(label))
	rng := rand.New(rand.NewPCG(seed, h.Sum64()))
	sel := make(map[int]bool, k)
	for j := n - k; j < n; j++ {
		t := rng.IntN(j + 1)
		if sel[t] {
			sel[j] = true
		} else {
			sel[t] = true
		}
	}
	out := make([]int, 0, k)
	for p := range sel {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
