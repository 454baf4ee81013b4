package main

import (
	"testing"
	"time"
)

func TestHistPercentile(t *testing.T) {
	var h hist
	if got := h.percentile(50); got != 0 {
		t.Fatalf("empty: p50 = %v, want 0", got)
	}
	// 1 ms, 2 ms, ..., 1000 ms: the exact p50 is 500 ms, p99 990 ms.
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 500 * time.Millisecond}, {90, 900 * time.Millisecond}, {99, 990 * time.Millisecond}, {100, time.Second}} {
		got := h.percentile(c.p)
		// The bucket's upper edge: at least the true value, within the
		// buckets' ratio above it.
		if got < c.want || float64(got) > float64(c.want)*histRatio {
			t.Errorf("p%v = %v, want in [%v, %v]", c.p, got, c.want, time.Duration(float64(c.want)*histRatio))
		}
	}
	if h.n != 1000 || h.max != time.Second {
		t.Errorf("n = %d, max = %v", h.n, h.max)
	}
}

func TestHistMergeAndClamp(t *testing.T) {
	var a, b hist
	a.add(0)                // below 1 µs: first bucket
	b.add(10 * time.Minute) // beyond the last bucket: the last, max kept
	a.merge(&b)
	if a.n != 2 {
		t.Fatalf("n = %d, want 2", a.n)
	}
	if got := a.percentile(100); got != 10*time.Minute {
		t.Errorf("p100 = %v, want 10m0s (the largest seen)", got)
	}
	if got := a.percentile(50); got > 2*time.Microsecond {
		t.Errorf("p50 = %v, want about 1µs", got)
	}
}
