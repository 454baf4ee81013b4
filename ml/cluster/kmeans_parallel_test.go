package cluster

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// TestKMeansRunsSideBySide: with the runs on several goroutines, every
// attribute is exactly what one goroutine computes (the runs draw their
// numbers and are compared in their order).
func TestKMeansRunsSideBySide(t *testing.T) {
	X := blobs(3000, 5, 4)
	cases := []func(*KMeans){
		func(k *KMeans) { k.NClusters = 4 },
		func(k *KMeans) { k.NClusters = 9; k.NInit = 7; k.RandomState = 3 },
		func(k *KMeans) { k.NClusters = 5; k.Init = Init{Method: "random"}; k.NInit = 5; k.RandomState = 1 },
		func(k *KMeans) { k.NClusters = 6; k.Algorithm = "elkan"; k.NInit = 4; k.MaxIter = 3 },
	}
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	for ci, set := range cases {
		var got [2]*KMeans
		for p, procs := range []int{1, 3} {
			runtime.GOMAXPROCS(procs)
			km := NewKMeans()
			set(km)
			if err := km.Fit(context.Background(), X, nil); err != nil {
				t.Fatal(err)
			}
			got[p] = km
		}
		a, b := got[0], got[1]
		if !slices.Equal(a.labels, b.labels) || !slices.Equal(a.centers, b.centers) || a.inertia != b.inertia || a.nIter != b.nIter {
			t.Errorf("case %d: the runs side by side give inertia %v, n_iter %d; one at a time %v, %d (or other labels or centres)", ci, b.inertia, b.nIter, a.inertia, a.nIter)
		}
	}
}

// TestKMeansCancelSideBySide: a context cancelled during the runs (at the
// first progress event) stops the parallel runs with its error.
func TestKMeansCancelSideBySide(t *testing.T) {
	prev := runtime.GOMAXPROCS(2)
	defer runtime.GOMAXPROCS(prev)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctx = ml.WithProgress(ctx, ml.ReporterFunc(func(ml.Event) { cancel() }))
	km := NewKMeans()
	km.NClusters = 4
	if err := km.FitWeighted(ctx, blobs(3000, 5, 4), nil, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Fit cancelled during the runs returned %v, want context.Canceled", err)
	}
}

// naivePlusPlus is the k-means++ seeding measured one candidate at a time.
func naivePlusPlus(x []float64, n, d, k int, rng *rand.Rand, centers []float64) {
	trials := 2 + int(math.Log(float64(k)))
	first := rng.IntN(n)
	copy(centers[:d], x[first*d:(first+1)*d])
	closest, cum := make([]float64, n), make([]float64, n)
	var pot float64
	for i := 0; i < n; i++ {
		closest[i] = sqdist(x[i*d:(i+1)*d], centers[:d])
		pot += closest[i]
	}
	for c := 1; c < k; c++ {
		var s float64
		for i, v := range closest {
			s += v
			cum[i] = s
		}
		cand := make([]int, trials)
		for t := range cand {
			cand[t] = min(sort.SearchFloat64s(cum, rng.Float64()*pot), n-1)
		}
		var bestD []float64
		bestT, bestPot := -1, math.Inf(1)
		for t, ci := range cand {
			dd := make([]float64, n)
			var p float64
			for i := 0; i < n; i++ {
				dd[i] = min(closest[i], sqdist(x[i*d:(i+1)*d], x[ci*d:(ci+1)*d]))
				p += dd[i]
			}
			if p < bestPot {
				bestT, bestPot, bestD = t, p, dd
			}
		}
		pot, closest = bestPot, bestD
		copy(centers[c*d:(c+1)*d], x[cand[bestT]*d:(cand[bestT]+1)*d])
	}
}

// TestPlusPlusAndAssignExact: the fused k-means++ passes choose the
// centres of the one-candidate-at-a-time seeding, and the assignment (two
// centres side by side) gives sqdist's labels and distances, bit for bit,
// as does the seeding's own assignment.
func TestPlusPlusAndAssignExact(t *testing.T) {
	for _, sh := range [][3]int{{500, 3, 7}, {2000, 10, 6}, {300, 1, 1}, {400, 13, 20}} {
		n, d, k := sh[0], sh[1], sh[2]
		x := mat.DenseCopyOf(blobs(n, d, 3)).RawMatrix().Data
		want, got := make([]float64, k*d), make([]float64, k*d)
		naivePlusPlus(x, n, d, k, rand.New(rand.NewPCG(5, 6)), want)
		ws := &kmWork{}
		kmeansPlusPlus(x, nil, n, d, k, rand.New(rand.NewPCG(5, 6)), got, ws)
		if !slices.Equal(got, want) {
			t.Errorf("%dx%d k %d: k-means++ centres differ from the candidate-at-a-time seeding", n, d, k)
		}
		labels, dist := make([]int, n), make([]float64, n)
		assignPar(x, n, d, got, k, labels, dist, true)
		rng := rand.New(rand.NewPCG(5, 6))
		first, u := drawPlusPlus(rng, n, k, nil)
		seeded := make([]int, n)
		plusPlus(x, n, d, k, first, u, got, seeded, &kmWork{})
		if !slices.Equal(got, want) || !slices.Equal(seeded, labels) {
			t.Errorf("%dx%d k %d: the seeding's labels differ from assign's", n, d, k)
		}
		for i := 0; i < n; i++ {
			best, bd := 0, math.Inf(1)
			for c := 0; c < k; c++ {
				if v := sqdist(x[i*d:(i+1)*d], got[c*d:(c+1)*d]); v < bd {
					best, bd = c, v
				}
			}
			if labels[i] != best || dist[i] != bd {
				t.Fatalf("%dx%d k %d: row %d assigned to %d at %v, sqdist says %d at %v", n, d, k, i, labels[i], dist[i], best, bd)
			}
		}
	}
}

// TestLloydBoundsExact: with the bounds that skip rows, Lloyd's runs give
// bit for bit what assigning every row to every centre gives, on data
// whose clusters overlap (many iterations, rows near the boundaries).
func TestLloydBoundsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	n, d, k := 2000, 4, 9
	X := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			X.Set(i, j, rng.NormFloat64()+float64(i%3))
		}
	}
	init := make([][]float64, k)
	for c := range init {
		init[c] = append([]float64(nil), X.RawRowView(c*7)...)
	}
	km := NewKMeans()
	km.NClusters, km.Init, km.Tol = k, Init{Centers: init}, 0
	if err := km.Fit(context.Background(), X, nil); err != nil {
		t.Fatal(err)
	}
	// The plain loop on the centred data, as Fit runs it.
	data := X.RawMatrix().Data
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			mean[j] += data[i*d+j]
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	x := make([]float64, n*d)
	for i := range x {
		x[i] = data[i] - mean[i%d]
	}
	cur, next := make([]float64, k*d), make([]float64, k*d)
	for c := range init {
		for j := range init[c] {
			cur[c*d+j] = init[c][j] - mean[j]
		}
	}
	labels, old := make([]int, n), make([]int, n)
	for i := range old {
		old[i] = -1
	}
	ws := &kmWork{w: make([]float64, k)}
	plain := func() {
		for i := 0; i < n; i++ {
			best, bd := 0, math.Inf(1)
			for c := 0; c < k; c++ {
				if v := sqdist(x[i*d:(i+1)*d], cur[c*d:(c+1)*d]); v < bd {
					best, bd = c, v
				}
			}
			labels[i] = best
		}
	}
	it, strict := 0, false
	for it = 0; it < km.MaxIter; it++ {
		plain()
		update(x, n, d, cur, k, labels, next, ws)
		cur, next = next, cur
		if slices.Equal(labels, old) {
			strict = true
			break
		}
		copy(old, labels)
	}
	if !strict {
		plain()
	}
	if it < 5 {
		t.Fatalf("only %d iterations: the data should take more", it+1)
	}
	var in float64
	for i := 0; i < n; i++ {
		in += sqdist(x[i*d:(i+1)*d], cur[labels[i]*d:(labels[i]+1)*d])
	}
	for c := 0; c < k; c++ {
		for j := 0; j < d; j++ {
			cur[c*d+j] += mean[j]
		}
	}
	if !slices.Equal(km.labels, labels) || !slices.Equal(km.centers, cur) || km.nIter != min(it+1, km.MaxIter) {
		t.Errorf("labels, centres or n_iter (%d, plain %d) differ from the plain loop's", km.nIter, min(it+1, km.MaxIter))
	}
	if km.inertia != in {
		t.Errorf("inertia %v, plain loop %v", km.inertia, in)
	}
	t.Logf("%d iterations", km.nIter)
}
