package nprand

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"
)

// testdata/nprand.json is written by numpy 1.24.2
// (ml/modelselection/testdata/gen_cv.py).
type fixture struct {
	Draws []struct {
		Seed    uint32    `json:"seed"`
		U32     []uint64  `json:"u32"`
		Perm    []int     `json:"perm"`
		PermBig []int     `json:"perm_big"`
		Random  []float64 `json:"random"`
		RandInt []int64   `json:"randint"`
	} `json:"draws"`
	Argsort []struct {
		V       []int64 `json:"v"`
		Argsort []int   `json:"argsort"`
	} `json:"argsort"`
	ArgsortFloat []struct {
		V       []*float64 `json:"v"` // null is NaN
		Argsort []int      `json:"argsort"`
	} `json:"argsort_float"`
}

func load(t *testing.T) fixture {
	b, err := os.ReadFile("testdata/nprand.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDrawsMatchNumpy(t *testing.T) {
	for _, d := range load(t).Draws {
		r := New(d.Seed)
		for i, want := range d.U32 {
			// randint(0, 2**32, dtype=uint64) is one 32-bit draw.
			if got := uint64(r.RandInt(0, 1<<32)); got != want {
				t.Errorf("seed %d: draw %d = %d, numpy %d", d.Seed, i, got, want)
			}
		}
		r = New(d.Seed)
		if got := r.Permutation(20); !slices.Equal(got, d.Perm) {
			t.Errorf("seed %d: permutation(20) = %v, numpy %v", d.Seed, got, d.Perm)
		}
		if got := r.Permutation(1000)[:10]; !slices.Equal(got, d.PermBig) {
			t.Errorf("seed %d: permutation(1000)[:10] = %v, numpy %v", d.Seed, got, d.PermBig)
		}
		for i, want := range d.Random {
			if got := r.Float64(); got != want {
				t.Errorf("seed %d: random_sample %d = %v, numpy %v", d.Seed, i, got, want)
			}
		}
		for i, want := range d.RandInt {
			if got := r.RandInt(0, 7); got != want {
				t.Errorf("seed %d: randint(0, 7) %d = %d, numpy %d", d.Seed, i, got, want)
			}
		}
	}
}

func TestArgsortMatchesNumpy(t *testing.T) {
	for _, c := range load(t).Argsort {
		if got := Argsort(c.V); !slices.Equal(got, c.Argsort) {
			t.Errorf("argsort of %d values differs from numpy's:\n got %v\nwant %v", len(c.V), got, c.Argsort)
		}
	}
}

func TestArgsortFloat64MatchesNumpy(t *testing.T) {
	for _, c := range load(t).ArgsortFloat {
		v := make([]float64, len(c.V))
		for i, x := range c.V {
			v[i] = math.NaN()
			if x != nil {
				v[i] = *x
			}
		}
		if got := ArgsortFloat64(v); !slices.Equal(got, c.Argsort) {
			t.Errorf("argsort of %d floats differs from numpy's:\n got %v\nwant %v", len(v), got, c.Argsort)
		}
	}
}

func TestArgsortHeapsortFallback(t *testing.T) {
	// A long run of values sorted by any path must come out sorted; the
	// heapsort path is taken when the depth runs out.
	v := make([]int64, 5000)
	for i := range v {
		v[i] = int64((i * 7919) % 97)
	}
	idx := Argsort(v)
	for i := 1; i < len(idx); i++ {
		if v[idx[i-1]] > v[idx[i]] {
			t.Fatalf("not sorted at %d", i)
		}
	}
	h := []int{0, 1, 2, 3, 4, 5, 6, 7}
	w := []int64{5, 3, 8, 1, 9, 2, 7, 3}
	aheapsort(w, h, func(a, b int64) bool { return a < b })
	for i := 1; i < len(h); i++ {
		if w[h[i-1]] > w[h[i]] {
			t.Fatalf("heapsort: not sorted: %v", h)
		}
	}
}
