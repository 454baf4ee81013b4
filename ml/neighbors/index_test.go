package neighbors

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// naiveKNN ranks every training point by (reduced distance, index) with a
// full sort: the definition both searches must reproduce exactly.
func naiveKNN(x []float64, n, d int, q []float64, m, k int, p float64) ([]float64, []int) {
	mt := newMetric(p)
	dist := make([]float64, m*k)
	ind := make([]int, m*k)
	type cand struct {
		r float64
		i int
	}
	cs := make([]cand, n)
	for i := 0; i < m; i++ {
		for t := 0; t < n; t++ {
			cs[t] = cand{mt.rdist(q[i*d:(i+1)*d], x[t*d:(t+1)*d], math.Inf(1)), t}
		}
		sort.Slice(cs, func(a, b int) bool { return before(cs[a].r, cs[a].i, cs[b].r, cs[b].i) })
		for j := 0; j < k; j++ {
			dist[i*k+j] = mt.dist(cs[j].r)
			ind[i*k+j] = cs[j].i
		}
	}
	return dist, ind
}

// randData returns n×d values of one of three kinds: gaussian, small
// integers (many exact ties and duplicate rows) and gaussian far from the
// origin (where ‖x‖² + ‖y‖² − 2x·y cancels badly).
func randData(rng *rand.Rand, kind string, n, d int) []float64 {
	x := make([]float64, n*d)
	for i := range x {
		switch kind {
		case "int":
			x[i] = float64(rng.IntN(4))
		case "offset":
			x[i] = 1e4 + rng.NormFloat64()*1e-2
		default:
			x[i] = rng.NormFloat64()
		}
	}
	return x
}

func TestSearchesMatchNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, kind := range []string{"gauss", "int", "offset"} {
		for _, sh := range []struct{ n, d, m, k int }{{1, 3, 4, 1}, {7, 2, 5, 7}, {150, 4, 37, 5}, {600, 20, 53, 10}, {333, 9, 13, 1}, {90, 64, 20, 33}} {
			x := randData(rng, kind, sh.n, sh.d)
			q := randData(rng, kind, sh.m, sh.d)
			copy(q[:sh.d], x[:sh.d]) // a query equal to a training row
			for _, p := range []float64{1, 2, 3, 1.5, 0.5} {
				if p != math.Trunc(p) && sh.n*sh.d > 2000 {
					continue // math.Pow is slow; the small shapes cover it
				}
				wantD, wantI := naiveKNN(x, sh.n, sh.d, q, sh.m, sh.k, p)
				methods := []string{methodBrute, methodKDTree}
				if p < 1 {
					methods = methods[:1]
				}
				for _, method := range methods {
					for _, leaf := range []int{1, 3, 30} {
						for _, workers := range []int{1, 3} {
							name := fmt.Sprintf("%s/n%d_d%d_k%d/p%g/%s/leaf%d/w%d", kind, sh.n, sh.d, sh.k, p, method, leaf, workers)
							ix := newIndex(x, sh.n, sh.d, p, method, leaf)
							gotD, gotI := ix.kneighbors(q, sh.m, sh.k, workers)
							for i := range wantI {
								// Bitwise equality: the same reduced distances,
								// the same tie order.
								if gotI[i] != wantI[i] || gotD[i] != wantD[i] {
									t.Fatalf("%s: entry %d (query %d): got (%v, %d), want (%v, %d)", name, i, i/sh.k, gotD[i], gotI[i], wantD[i], wantI[i])
								}
							}
						}
					}
				}
			}
		}
	}
}

func TestKernelMatchesPortable(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{1, 3, 20, 64} {
		np := 37
		a := make([]float64, k*mr)
		b := make([]float64, np*k*nr)
		yy := make([]float64, np*nr)
		thr := make([]float64, mr)
		for i := range a {
			a[i] = float64(rng.IntN(7) - 3)
		}
		for i := range b {
			b[i] = float64(rng.IntN(7) - 3)
		}
		for i := range yy {
			yy[i] = float64(rng.IntN(50))
		}
		for i := range thr {
			// Half-integers: small integer data gives exact sums, so no value
			// sits on a threshold and both kernels must agree bit for bit.
			thr[i] = float64(rng.IntN(60)-30) + 0.5
		}
		want := make([]byte, np*mr)
		got := make([]byte, np*mr)
		distMaskGo(k, a, b, yy, thr, np, want)
		distMask(k, a, b, yy, thr, np, got)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("k=%d: mask[%d] = %08b, want %08b", k, i, got[i], want[i])
			}
		}
	}
}

func TestLanesMatchPortable(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, p := range []float64{1, 2, 3, 4, 1.5} {
		m := newMetric(p)
		for _, k := range []int{1, 2, 5, 20, 64} {
			for _, n := range []int{1, 7, 8, 9, 16, 17, 40} {
				x := randData(rng, "gauss", n, k)
				np := (n + nr - 1) / nr
				b := make([]float64, np*k*nr)
				packPanels(b, x, n, k)
				q := randData(rng, "gauss", 1, k)
				want := make([]float64, np*nr)
				got := make([]float64, np*nr)
				wm, gm := make([]byte, np), make([]byte, np)
				thr := m.rdist(q, x[:k], math.Inf(1)) // row 0 passes, some others too
				lanesGo(m, q, b, np, thr, want, wm)
				lanes(m, q, b, np, thr, got, gm)
				for i := range wm {
					if gm[i] != wm[i] {
						t.Fatalf("p=%g k=%d n=%d: mask[%d] = %08b, want %08b", p, k, n, i, gm[i], wm[i])
					}
				}
				// Flagged rows carry their exact reduced distance.
				for i := 0; i < n; i++ {
					if wm[i/nr]&(1<<(i%nr)) == 0 {
						continue
					}
					if r := m.rdist(q, x[i*k:(i+1)*k], math.Inf(1)); got[i] != r || want[i] != r {
						t.Fatalf("p=%g k=%d n=%d: row %d: lanes %v, portable %v, rdist %v", p, k, n, i, got[i], want[i], r)
					}
				}
				if wm[0]&1 == 0 {
					t.Fatalf("p=%g k=%d n=%d: row 0 not flagged at its own distance", p, k, n)
				}
			}
		}
	}
}
