package nprand

import "testing"

// TestRandIntSeeds checks the seeds ml/linear draws for SGD and SAG
// against numpy 1.24's legacy RandomState: RandomState(0).randint(1,
// 2**31-1), then .randint(2**31-1); RandomState(42).randint(2**31-1,
// size=3); and the last three of 2000 draws of
// RandomState(4294967295).randint(5).
func TestRandIntSeeds(t *testing.T) {
	r := New(0)
	if a, b := r.RandInt(1, 1<<31-1), r.RandInt(0, 1<<31-1); a != 209652397 || b != 398764591 {
		t.Errorf("seed 0: %d %d, numpy 209652397 398764591", a, b)
	}
	r = New(42)
	for i, want := range []int64{1608637542, 1273642419, 1935803228} {
		if got := r.RandInt(0, 1<<31-1); got != want {
			t.Errorf("seed 42 draw %d: %d, numpy %d", i, got, want)
		}
	}
	r = New(4294967295)
	var got []int64
	for range 2000 {
		got = append(got, r.RandInt(0, 5))
	}
	if g := got[1997:]; g[0] != 4 || g[1] != 3 || g[2] != 1 {
		t.Errorf("seed 2^32-1: last draws %v, numpy [4 3 1]", g)
	}
}
