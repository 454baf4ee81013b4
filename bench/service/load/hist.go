package main

import (
	"math"
	"time"
)

// hist is a fixed-size latency histogram: geometric buckets of ratio
// histRatio from 1 µs to about 2 minutes, so a percentile it reports is
// within histRatio of the true one, whatever the number of requests.
// Each worker fills its own; merge adds them up at the end.
type hist struct {
	counts [histBuckets]uint64
	n      uint64
	max    time.Duration
}

const (
	histRatio   = 1.02
	histBuckets = 940 // 1.02^940 µs ≈ 120 s
)

var logRatio = math.Log(histRatio)

// bucket returns the index of d's bucket: bucket i holds
// [histRatio^i, histRatio^(i+1)) µs; below 1 µs goes to 0, above the
// last bucket to the last.
func bucket(d time.Duration) int {
	us := float64(d) / float64(time.Microsecond)
	if us < 1 {
		return 0
	}
	i := int(math.Log(us) / logRatio)
	return min(max(i, 0), histBuckets-1)
}

func (h *hist) add(d time.Duration) {
	h.counts[bucket(d)]++
	h.n++
	h.max = max(h.max, d)
}

func (h *hist) merge(o *hist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// percentile returns the latency below which p percent (0 < p ≤ 100) of
// the recorded ones lie: the upper edge of the bucket holding the
// ceil(p/100·n)-th smallest, never above the largest seen (the last
// bucket, open-ended, reports the largest); 0 when empty.
func (h *hist) percentile(p float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(p / 100 * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			if i == histBuckets-1 { // open-ended: the largest seen
				return h.max
			}
			upper := time.Duration(math.Pow(histRatio, float64(i+1)) * float64(time.Microsecond))
			return min(upper, h.max)
		}
	}
	return h.max
}
