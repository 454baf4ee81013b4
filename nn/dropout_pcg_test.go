package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// TestPCGStream checks that pcgStream draws what math/rand/v2's PCG draws,
// that jump(n) lands where n draws do, and that store hands the state back.
func TestPCGStream(t *testing.T) {
	ref := rand.NewPCG(3, 7)
	p := rand.NewPCG(3, 7)
	s := loadPCG(p)
	for i := range 1000 {
		if got, want := s.uint64(), ref.Uint64(); got != want {
			t.Fatalf("draw %d: %#x, want %#x", i, got, want)
		}
	}
	for _, n := range []uint64{0, 1, 2, 3, 17, 1 << 20, 123457} {
		a, b := s, s
		for range n {
			a.uint64()
		}
		b.jump(n)
		if a != b {
			t.Fatalf("jump(%d) = %v, want %v", n, b, a)
		}
	}
	s.store(p)
	for i := range 10 {
		if got, want := p.Uint64(), ref.Uint64(); got != want {
			t.Fatalf("after store, draw %d: %#x, want %#x", i, got, want)
		}
	}
}

// TestDropMaskMatchesDropout checks that the parallel mask (Dropout's and
// attention's fast path) equals Graph.Dropout's on the same generator, over
// sizes below and above the parallel split and several p, and that both
// leave the generator in the same state.
func TestDropMaskMatchesDropout(t *testing.T) {
	for _, n := range []int{1, 7, 1000, 1<<16 + 3, 200000} {
		for _, p := range []float64{0, 0.1, 0.5, 0.999, 1} {
			x := tensor.New(n)
			Uniform(x, -1, 1, rand.New(rand.NewPCG(1, uint64(n))))
			p1, p2 := rand.NewPCG(5, uint64(n)), rand.NewPCG(5, uint64(n))
			g1, g2 := NewGraph(), NewGraph()
			want := g1.Dropout(g1.Const(x), p, rand.New(p1))
			got := g2.dropoutPCG(g2.Const(x), p, p2)
			for i := range n {
				if got.Data.Data[i] != want.Data.Data[i] || got.s1.Data[i] != want.s1.Data[i] {
					t.Fatalf("n=%d p=%v: element %d: %v (mask %v), want %v (mask %v)", n, p, i, got.Data.Data[i], got.s1.Data[i], want.Data.Data[i], want.s1.Data[i])
				}
			}
			if a, b := p1.Uint64(), p2.Uint64(); a != b {
				t.Fatalf("n=%d p=%v: generators differ afterwards", n, p)
			}
		}
	}
}
