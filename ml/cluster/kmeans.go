package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "KMeans",
		Task:   ml.Clustering,
		Family: "cluster",
		Doc:    "k-means clustering: n_clusters centres that minimise the within-cluster sum of squares (Lloyd or Elkan)",
		New:    func() ml.Estimator { return NewKMeans() },
	})
}

// Init is KMeans' init: "k-means++", "random", or explicit initial centres
// (a list of n_clusters rows of n_features numbers).
type Init struct {
	Method  string      // "k-means++" or "random"; empty with Centers
	Centers [][]float64 // explicit centres
}

// UnmarshalJSON reads a method name or a list of centres.
func (in *Init) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if s != "k-means++" && s != "random" {
			return fmt.Errorf(`expected "k-means++", "random" or a list of centres, got %q`, s)
		}
		*in = Init{Method: s}
		return nil
	}
	var c [][]float64
	if err := json.Unmarshal(b, &c); err != nil || len(c) == 0 {
		return fmt.Errorf(`expected "k-means++", "random" or a non-empty list of centres (lists of numbers)`)
	}
	for i, row := range c {
		if len(row) != len(c[0]) || len(row) == 0 {
			return fmt.Errorf("init[%d] has %d numbers, expected %d as init[0] has", i, len(row), len(c[0]))
		}
	}
	*in = Init{Centers: c}
	return nil
}

// MarshalJSON writes the method or the centres.
func (in Init) MarshalJSON() ([]byte, error) {
	if in.Centers != nil {
		return json.Marshal(in.Centers)
	}
	return json.Marshal(in.Method)
}

// ParamType names the type in the catalogue.
func (Init) ParamType() (string, string) {
	return "init", `"k-means++", "random" or a list of initial centres`
}

// KMeans is scikit-learn 1.2's KMeans on dense data. X is centred on its
// column means before the runs (as scikit-learn does), tol is relative to
// the mean feature variance, and of n_init runs the one with the lowest
// inertia is kept. k-means++ seeding follows scikit-learn's greedy variant
// (2 + ⌊ln k⌋ candidates per centre) but draws from Go's PCG generator
// seeded by random_state, so the centres of a seed differ from
// scikit-learn's while the quality of the result does not; with explicit
// init centres the result is scikit-learn's. The n_init runs go side by
// side on the CPUs; they draw their numbers and are compared in their
// order, so the result is that of running them one after another.
type KMeans struct {
	NClusters   int     `json:"n_clusters" min:"1" help:"the number of clusters"`
	Init        Init    `json:"init" help:"initial centres: k-means++, random rows, or a list of centres"`
	NInit       int     `json:"n_init" auto:"true" min:"0" help:"runs with different seeds, the best kept (scikit-learn 1.2's default 10); auto (also 0): 1 for k-means++, 10 for random; 1 with explicit centres"`
	MaxIter     int     `json:"max_iter" min:"1" help:"iterations of one run at most"`
	Tol         float64 `json:"tol" min:"0" help:"convergence tolerance on the centres' movement, relative to the mean feature variance"`
	RandomState int64   `json:"random_state" nullable:"true" help:"seed of the initialisation; null means 0 (mlforge is always seeded)"`
	Algorithm   string  `json:"algorithm" enum:"lloyd,elkan,auto,full" help:"lloyd, or elkan (triangle-inequality bounds); auto and full mean lloyd"`

	centers []float64 // k×d
	k, d    int
	labels  []int
	inertia float64
	nIter   int
}

// NewKMeans returns a KMeans with scikit-learn 1.2's defaults: 8 clusters,
// k-means++, n_init 10, max_iter 300, tol 1e-4, lloyd.
func NewKMeans() *KMeans {
	return &KMeans{NClusters: 8, Init: Init{Method: "k-means++"}, NInit: 10, MaxIter: 300, Tol: 1e-4, Algorithm: "lloyd"}
}

// Validate checks init against n_clusters.
func (km *KMeans) Validate() error {
	if km.Init.Centers == nil && km.Init.Method != "k-means++" && km.Init.Method != "random" {
		return &ml.ParamError{Param: "init", Expected: `"k-means++", "random" or a list of centres`, Got: fmt.Sprintf("%q", km.Init.Method)}
	}
	if c := km.Init.Centers; c != nil && len(c) != km.NClusters {
		return &ml.ParamError{Param: "init", Msg: fmt.Sprintf("init has %d centres but n_clusters is %d", len(c), km.NClusters)}
	}
	return nil
}

// CheckShape refuses n_clusters larger than the rows and explicit init
// centres of another width than the features, before any work.
func (km *KMeans) CheckShape(n, p int) error {
	if km.NClusters > n {
		return &ml.ParamError{Param: "n_clusters", Msg: fmt.Sprintf("n_clusters is %d but the data has only %d rows: it must be at most the number of samples", km.NClusters, n)}
	}
	if c := km.Init.Centers; c != nil && len(c[0]) != p {
		return &ml.ParamError{Param: "init", Msg: fmt.Sprintf("the init centres have %d features but the data has %d", len(c[0]), p)}
	}
	return nil
}

// Fit runs k-means on X; y is ignored.
func (km *KMeans) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	return km.FitWeighted(ctx, X, nil, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn 1.2's fit(X, sample_weight=w): the centres are weighted
// means, the inertia a weighted sum and a cluster whose weights sum to 0
// is empty; the seeding (k-means++ or random), the centring and tol
// are unweighted, as in 1.2.
func (km *KMeans) FitWeighted(ctx context.Context, X *mat.Dense, _, sw []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(km); err != nil {
		return err
	}
	if err := checkFit(X, km.NClusters, "n_clusters"); err != nil {
		return err
	}
	data, n, d := rows(X)
	if err := ml.CheckSampleWeight(sw, n); err != nil {
		return err
	}
	k := km.NClusters
	if c := km.Init.Centers; c != nil && len(c[0]) != d {
		return &ml.ParamError{Param: "init", Msg: fmt.Sprintf("the init centres have %d features but X has %d", len(c[0]), d)}
	}
	// Centre X on its means (a copy), as scikit-learn does for dense data.
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range data[i*d : (i+1)*d] {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	x := make([]float64, n*d)
	for i := 0; i < n; i++ {
		for j, v := range data[i*d : (i+1)*d] {
			x[i*d+j] = v - mean[j]
		}
	}
	// tol = mean(var(X, axis=0)) * tol; each column's sum in the order of
	// the rows, taken in one pass along them.
	sq := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range x[i*d : (i+1)*d] {
			sq[j] += v * v
		}
	}
	var vs float64
	for _, s := range sq {
		vs += s / float64(n)
	}
	tol := vs / float64(d) * km.Tol
	// The rounding of a computed distance between rows or centres (whose
	// coordinates are at most scale) is below about (d+2)·√d·ε·scale;
	// margin is far above that, also after hundreds of iterations.
	var scale float64
	for _, v := range x {
		scale = max(scale, math.Abs(v))
	}
	margin := 1e-10 * scale * float64(d+2) * math.Sqrt(float64(d))
	seed := uint64(km.RandomState)
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	nInit := km.runs()
	elkan := km.Algorithm == "elkan" && k > 1
	progress := ml.ProgressFrom(ctx)
	workers := kmWorkers(n, d, k, nInit)
	if workers > 1 {
		progress = &lockedReporter{r: progress}
	}
	bestLabels := make([]int, n)
	bestCenters := make([]float64, k*d)
	bestInertia, bestIters := 0.0, 0
	// draw takes run's random numbers from rng, in the order of the runs
	// (as one sequential loop would), before the run itself.
	draw := func(ws *kmWork) {
		switch {
		case km.Init.Centers != nil:
		case km.Init.Method == "random":
			perm := rng.Perm(n)
			ws.pick = append(ws.pick[:0], perm[:k]...)
		default:
			ws.first, ws.u = drawPlusPlus(rng, n, k, ws.u)
		}
	}
	// one runs k-means once from the numbers draw took.
	one := func(run int, ws *kmWork) (*kmRun, error) {
		c0 := ws.c0
		switch {
		case km.Init.Centers != nil:
			for c, row := range km.Init.Centers {
				for j, v := range row {
					c0[c*d+j] = v - mean[j]
				}
			}
		case km.Init.Method == "random":
			for c, p := range ws.pick {
				copy(c0[c*d:(c+1)*d], x[p*d:(p+1)*d])
			}
		default:
			// Lloyd's first assignment comes with the seeding.
			var lab []int
			if !elkan {
				lab = ws.labels
			}
			plusPlus(x, n, d, k, ws.first, ws.u, c0, lab, ws)
			ws.assigned = lab != nil
		}
		r := &kmRun{x: x, n: n, d: d, k: k, centers: c0, margin: margin}
		if err := r.run(ctx, progress, km.MaxIter, tol, elkan, run, nInit, ws); err != nil {
			return nil, err
		}
		return r, nil
	}
	// keep folds the runs in their order: the first, then any of lower
	// inertia that is not the same clustering (ties keep the earlier).
	keep := func(run int, r *kmRun, ws *kmWork) {
		if run == 0 || (r.inertia < bestInertia && !sameClustering(r.labels, bestLabels, k)) {
			copy(bestLabels, r.labels)
			copy(bestCenters, r.centers)
			bestInertia, bestIters = r.inertia, r.iters
		}
		// The run's centres are one of ws.c0 and ws.next; keep both.
		if &r.centers[0] != &ws.c0[0] {
			ws.c0, ws.next = ws.next, ws.c0
		}
	}
	newWork := func() *kmWork {
		return &kmWork{labels: make([]int, n), old: make([]int, n), next: make([]float64, k*d), c0: make([]float64, k*d), w: make([]float64, k), sw: sw, par: workers == 1}
	}
	if workers == 1 {
		ws := newWork()
		for run := 0; run < nInit; run++ {
			draw(ws)
			r, err := one(run, ws)
			if err != nil {
				return err
			}
			keep(run, r, ws)
		}
	} else if err := parallelRuns(nInit, workers, newWork, draw, one, keep); err != nil {
		return err
	}
	for c := 0; c < k; c++ {
		for j := 0; j < d; j++ {
			bestCenters[c*d+j] += mean[j]
		}
	}
	km.centers, km.k, km.d, km.labels, km.inertia, km.nIter = bestCenters, k, d, bestLabels, bestInertia, bestIters
	return nil
}

// sameClustering is scikit-learn's _is_same_clustering: the labelings agree
// up to a permutation of the labels.
func sameClustering(a, b []int, k int) bool {
	m := make([]int, k)
	for i := range m {
		m[i] = -1
	}
	for i := range a {
		if m[a[i]] == -1 {
			m[a[i]] = b[i]
		} else if m[a[i]] != b[i] {
			return false
		}
	}
	return true
}

func dot(a, b []float64) float64 {
	b = b[:len(a)]
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func sqdist(a, b []float64) float64 {
	b = b[:len(a)]
	var s float64
	for i, v := range a {
		t := v - b[i]
		s += t * t
	}
	return s
}

// kmeansPlusPlus is scikit-learn's _kmeans_plusplus: the first centre
// uniformly, then each next one the best (lowest potential) of
// 2 + ⌊ln k⌋ candidates drawn in proportion to the squared distance to
// the nearest centre chosen so far.
func kmeansPlusPlus(x, _ []float64, n, d, k int, rng *rand.Rand, centers []float64, ws *kmWork) {
	var first int
	first, ws.u = drawPlusPlus(rng, n, k, ws.u)
	plusPlus(x, n, d, k, first, ws.u, centers, nil, ws)
}

func plusPlusTrials(k int) int { return 2 + int(math.Log(float64(k))) }

// drawPlusPlus takes the random numbers of one k-means++ seeding from rng,
// in the order the seeding uses them: the first row, then for each next
// centre one uniform number per candidate (scaled by the potential then).
func drawPlusPlus(rng *rand.Rand, n, k int, u []float64) (int, []float64) {
	first := rng.IntN(n)
	u = u[:0]
	for range (k - 1) * plusPlusTrials(k) {
		u = append(u, rng.Float64())
	}
	return first, u
}

// plusPlus seeds the centres from the numbers drawPlusPlus drew. The
// candidates of a centre are measured in one pass over the rows. With
// labels, it also assigns each row to its nearest centre as assign would:
// the distances to the nearest centre it keeps are assign's minima, and a
// row moves to a new centre only when that is strictly nearer (the first
// of equals).
func plusPlus(x []float64, n, d, k, first int, u []float64, centers []float64, labels []int, ws *kmWork) {
	trials := plusPlusTrials(k)
	if ws.closest == nil || len(ws.closest) != n || len(ws.cand) != trials {
		ws.closest, ws.cum, ws.cand = make([]float64, n), make([]float64, n), make([]int, trials)
		ws.candD = make([][]float64, trials)
		for t := range ws.candD {
			ws.candD[t] = make([]float64, n)
		}
		ws.pot, ws.candX = make([]float64, trials), make([][]float64, trials)
	}
	closest, cum, cand, candD, pot, candX := ws.closest, ws.cum, ws.cand, ws.candD, ws.pot, ws.candX
	copy(centers[:d], x[first*d:(first+1)*d])
	var total float64
	for i := 0; i < n; i++ {
		closest[i] = sqdist(x[i*d:(i+1)*d], centers[:d])
		total += closest[i]
	}
	if labels != nil {
		clear(labels[:n])
	}
	var prev []float64 // the nearest distances before centre c-1
	for c := 1; c < k; c++ {
		var s float64
		if prev != nil {
			prev := prev[:len(closest)]
			for i, v := range closest {
				s += v
				cum[i] = s
				if v < prev[i] {
					labels[i] = c - 1
				}
			}
		} else {
			for i, v := range closest {
				s += v
				cum[i] = s
			}
		}
		for t := range cand {
			r := u[(c-1)*trials+t] * total
			j := sort.SearchFloat64s(cum, r) // np.searchsorted(side="left")
			cand[t] = min(j, n-1)
			candX[t] = x[cand[t]*d : (cand[t]+1)*d]
			pot[t] = 0
		}
		t := 0
		for ; t+2 < trials; t += 3 {
			pot[t], pot[t+1], pot[t+2] = candPass3(x, d, closest, candX[t:t+3], candD[t:t+3])
		}
		for ; t+1 < trials; t += 2 {
			pot[t], pot[t+1] = candPass2(x, d, closest, candX[t], candX[t+1], candD[t], candD[t+1])
		}
		if t < trials {
			pot[t] = candPass1(x, d, closest, candX[t], candD[t])
		}
		bestT, bestPot := -1, math.Inf(1)
		for t, p := range pot {
			if p < bestPot {
				bestT, bestPot = t, p
			}
		}
		total = bestPot
		// The best candidate's distances become the closest ones.
		closest, candD[bestT] = candD[bestT], closest
		if labels != nil {
			prev = candD[bestT]
		}
		ci := cand[bestT]
		copy(centers[c*d:(c+1)*d], x[ci*d:(ci+1)*d])
	}
	if prev != nil {
		prev := prev[:len(closest)]
		for i, v := range closest {
			if v < prev[i] {
				labels[i] = k - 1
			}
		}
	}
	ws.closest = closest
}

// candPass2 measures two candidates a and b in one pass: each row's
// distance to the nearest centre with the candidate added (to da and db),
// and the sums of those, each in the order of the rows.
func candPass2(x []float64, d int, closest, a, b, da, db []float64) (float64, float64) {
	n := len(closest)
	da, db = da[:n], db[:n]
	a, b = a[:d], b[:d]
	var pa, pb float64
	for i, ci := range closest {
		xi := x[i*d : (i+1)*d : (i+1)*d]
		xi = xi[:len(a)]
		var s0, s1 float64
		for j, v := range xi {
			t0, t1 := v-a[j], v-b[j]
			s0 += t0 * t0
			s1 += t1 * t1
		}
		v0, v1 := min(ci, s0), min(ci, s1)
		da[i], db[i] = v0, v1
		pa += v0
		pb += v1
	}
	return pa, pb
}

// candPass3 is candPass2 for three candidates.
func candPass3(x []float64, d int, closest []float64, cx, cd [][]float64) (float64, float64, float64) {
	n := len(closest)
	da, db, de := cd[0][:n], cd[1][:n], cd[2][:n]
	a, b, e := cx[0][:d], cx[1][:d], cx[2][:d]
	var pa, pb, pe float64
	for i, ci := range closest {
		xi := x[i*d : (i+1)*d : (i+1)*d]
		xi = xi[:len(a)]
		var s0, s1, s2 float64
		for j, v := range xi {
			t0, t1, t2 := v-a[j], v-b[j], v-e[j]
			s0 += t0 * t0
			s1 += t1 * t1
			s2 += t2 * t2
		}
		v0, v1, v2 := min(ci, s0), min(ci, s1), min(ci, s2)
		da[i], db[i], de[i] = v0, v1, v2
		pa += v0
		pb += v1
		pe += v2
	}
	return pa, pb, pe
}

// candPass1 is candPass2 for one candidate.
func candPass1(x []float64, d int, closest, a, da []float64) float64 {
	n := len(closest)
	da = da[:n]
	var pa float64
	for i, ci := range closest {
		v := min(ci, sqdist(x[i*d:(i+1)*d], a))
		da[i] = v
		pa += v
	}
	return pa
}

// kmWork is the scratch space the runs of one Fit share.
type kmWork struct {
	closest, cum []float64
	cand         []int
	candD        [][]float64
	labels, old  []int
	next, c0     []float64
	elkan        *elkanState
	rel          []float64 // relocation distances
	relIdx       []int
	w            []float64
	sw           []float64 // the sample weights, nil for unit weights
	dist         []float64 // each row's squared distance to its centre
	pot          []float64 // k-means++: the candidates' potentials
	candX        [][]float64
	first        int       // k-means++: the first centre's row
	u            []float64 // k-means++: the uniform numbers of the candidates
	pick         []int     // random init: the rows of the centres
	par          bool      // split each run's passes across the CPUs
	assigned     bool      // labels are already the first assignment
	bounds       lloydBounds
}

// kmRun is one run of k-means from given centres.
type kmRun struct {
	x       []float64
	n, d, k int
	margin  float64 // an absolute bound on the rounding of a distance
	centers []float64
	labels  []int
	inertia float64
	iters   int
}

// run iterates as scikit-learn's _kmeans_single_lloyd and
// _kmeans_single_elkan do: assign, update, stop when the labels no longer
// change (strict convergence) or the centres moved by at most tol in all
// (sum of squared shifts); without strict convergence the labels are
// assigned once more to the final centres.
func (r *kmRun) run(ctx context.Context, progress ml.Reporter, maxIter int, tol float64, elkan bool, run, runs int, ws *kmWork) error {
	n, d, k := r.n, r.d, r.k
	labels, old, next := ws.labels, ws.old, ws.next
	for i := range old {
		old[i] = -1
	}
	if !elkan {
		ws.bounds.start(n, k, r.margin)
	}
	var el *elkanState
	if elkan {
		if ws.elkan == nil {
			ws.elkan = newElkan(r)
		}
		el = ws.elkan
		el.r, el.par = r, ws.par
	}
	strict := false
	it := 0
	for it = 0; it < maxIter; it++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if el != nil {
			el.assign(r.centers, labels, it == 0)
		} else if it > 0 || !ws.assigned {
			ws.bounds.assign(r, labels, nil, ws.par)
		}
		shift := update(r.x, n, d, r.centers, k, labels, next, ws)
		r.centers, next = next, r.centers
		if el != nil {
			el.moved(r.centers, next, labels)
		} else {
			ws.bounds.moved(r.centers, next, k, d)
		}
		progress.Report(ml.Event{Kind: "iter", Step: it + 1, Total: maxIter, Message: fmt.Sprintf("run %d of %d", run+1, runs)})
		if slices.Equal(labels, old) {
			strict = true
			break
		}
		if shift <= tol {
			break
		}
		copy(old, labels)
	}
	var in float64
	if !strict {
		// The last assignment gives each row's squared distance to its
		// centre as well: the inertia's terms, summed in the same order.
		if len(ws.dist) != n {
			ws.dist = make([]float64, n)
		}
		dist := ws.dist
		if el != nil {
			assignPar(r.x, n, d, r.centers, k, labels, dist, ws.par)
		} else {
			ws.bounds.assign(r, labels, dist, ws.par)
		}
		if ws.sw != nil {
			for i, v := range dist {
				in += ws.sw[i] * v
			}
		} else {
			for _, v := range dist {
				in += v
			}
		}
	} else {
		for i := 0; i < n; i++ {
			c := labels[i]
			if ws.sw != nil {
				in += ws.sw[i] * sqdist(r.x[i*d:(i+1)*d], r.centers[c*d:(c+1)*d])
			} else {
				in += sqdist(r.x[i*d:(i+1)*d], r.centers[c*d:(c+1)*d])
			}
		}
	}
	r.labels, r.inertia, r.iters = labels, in, min(it+1, maxIter)
	ws.assigned = false
	return nil
}

// lloydBounds are Hamerly's bounds for Lloyd's assignments: an upper bound
// on each row's distance to its centre and a lower bound on its distance to
// every other centre, moved by the centres' shifts. A row whose bounds are
// apart by more than the rounding of the distances keeps its label without
// computing them: the nearest centre is then the same to any rounding, so
// the labels are assign's, and so are the distances given to dist.
type lloydBounds struct {
	upper, lower []float64
	valid        bool
	margin       float64
	shift        []float64
	max1, max2   float64 // the two largest shifts
	arg1         int     // the centre of max1
}

// start forgets the bounds for a new run.
func (b *lloydBounds) start(n, k int, margin float64) {
	if len(b.upper) != n {
		b.upper, b.lower = make([]float64, n), make([]float64, n)
	}
	if len(b.shift) != k {
		b.shift = make([]float64, k)
	}
	b.valid, b.margin = false, margin
}

// moved records how far each centre moved from prev to cur.
func (b *lloydBounds) moved(cur, prev []float64, k, d int) {
	b.max1, b.max2, b.arg1 = 0, 0, -1
	for c := 0; c < k; c++ {
		v := math.Sqrt(sqdist(cur[c*d:(c+1)*d], prev[c*d:(c+1)*d]))
		b.shift[c] = v
		if v > b.max1 {
			b.max2, b.max1, b.arg1 = b.max1, v, c
		} else if v > b.max2 {
			b.max2 = v
		}
	}
}

// assign is assignPar using and renewing the bounds.
func (b *lloydBounds) assign(r *kmRun, labels []int, dist []float64, par bool) {
	x, n, d, k, centers := r.x, r.n, r.d, r.k, r.centers
	valid := b.valid
	rows := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xi := x[i*d : (i+1)*d : (i+1)*d]
			if valid {
				a := labels[i]
				u := b.upper[i] + b.shift[a]
				l := b.lower[i] - b.max1
				if a == b.arg1 {
					l = b.lower[i] - b.max2
				}
				m := 2*b.margin + 1e-9*(u+max(l, 0))
				if u+m < l {
					b.upper[i], b.lower[i] = u, l
					if dist != nil {
						dist[i] = sqdist(xi, centers[a*d:(a+1)*d])
					}
					continue
				}
				s := sqdist(xi, centers[a*d:(a+1)*d])
				u = math.Sqrt(s)
				if u+m < l {
					b.upper[i], b.lower[i] = u, l
					if dist != nil {
						dist[i] = s
					}
					continue
				}
			}
			best, bd, sd := nearest2(xi, centers, k)
			labels[i] = best
			b.upper[i], b.lower[i] = math.Sqrt(bd), math.Sqrt(sd)
			if dist != nil {
				dist[i] = bd
			}
		}
	}
	if par {
		forRows(n, n*k*d, rows)
	} else {
		rows(0, n)
	}
	b.valid = true
}

// nearest2 is the nearest centre to xi (the first of equals, as
// assignRows), its squared distance and the smallest squared distance to
// another centre (+Inf for one centre).
func nearest2(xi, centers []float64, k int) (int, float64, float64) {
	d := len(xi)
	best, bd, sd := 0, math.Inf(1), math.Inf(1)
	c := 0
	for ; c+2 < k; c += 3 {
		a := centers[c*d : (c+1)*d]
		b := centers[(c+1)*d : (c+2)*d]
		e := centers[(c+2)*d : (c+3)*d]
		a, b, e = a[:len(xi)], b[:len(xi)], e[:len(xi)]
		var s0, s1, s2 float64
		for j, v := range xi {
			t0, t1, t2 := v-a[j], v-b[j], v-e[j]
			s0 += t0 * t0
			s1 += t1 * t1
			s2 += t2 * t2
		}
		if s0 < bd {
			best, bd, sd = c, s0, bd
		} else if s0 < sd {
			sd = s0
		}
		if s1 < bd {
			best, bd, sd = c+1, s1, bd
		} else if s1 < sd {
			sd = s1
		}
		if s2 < bd {
			best, bd, sd = c+2, s2, bd
		} else if s2 < sd {
			sd = s2
		}
	}
	for ; c < k; c++ {
		v := sqdist(xi, centers[c*d:(c+1)*d])
		if v < bd {
			best, bd, sd = c, v, bd
		} else if v < sd {
			sd = v
		}
	}
	return best, bd, sd
}

// assign sets each label to the nearest centre (the first of equals).
func assign(x []float64, n, d int, centers []float64, k int, labels []int) {
	assignPar(x, n, d, centers, k, labels, nil, true)
}

// assignPar is assign, split across the CPUs when par is set, that also
// writes each row's squared distance to its centre to dist (unless nil).
func assignPar(x []float64, n, d int, centers []float64, k int, labels []int, dist []float64, par bool) {
	if !par {
		assignRows(x, d, centers, k, labels, dist, 0, n)
		return
	}
	forRows(n, n*k*d, func(lo, hi int) { assignRows(x, d, centers, k, labels, dist, lo, hi) })
}

// assignRows assigns rows [lo, hi). The squared distances to three (then
// two, one) centres are summed side by side, each in sqdist's order, so
// they are sqdist's numbers.
func assignRows(x []float64, d int, centers []float64, k int, labels []int, dist []float64, lo, hi int) {
	for i := lo; i < hi; i++ {
		xi := x[i*d : (i+1)*d : (i+1)*d]
		best, bd := 0, math.Inf(1)
		c := 0
		for ; c+2 < k; c += 3 {
			a := centers[c*d : (c+1)*d]
			b := centers[(c+1)*d : (c+2)*d]
			e := centers[(c+2)*d : (c+3)*d]
			a, b, e = a[:len(xi)], b[:len(xi)], e[:len(xi)]
			var s0, s1, s2 float64
			for j, v := range xi {
				t0, t1, t2 := v-a[j], v-b[j], v-e[j]
				s0 += t0 * t0
				s1 += t1 * t1
				s2 += t2 * t2
			}
			if s0 < bd {
				best, bd = c, s0
			}
			if s1 < bd {
				best, bd = c+1, s1
			}
			if s2 < bd {
				best, bd = c+2, s2
			}
		}
		if c+1 < k {
			a := centers[c*d : (c+1)*d]
			b := centers[(c+1)*d : (c+2)*d]
			a, b = a[:len(xi)], b[:len(xi)]
			var s0, s1 float64
			for j, v := range xi {
				t0, t1 := v-a[j], v-b[j]
				s0 += t0 * t0
				s1 += t1 * t1
			}
			if s0 < bd {
				best, bd = c, s0
			}
			if s1 < bd {
				best, bd = c+1, s1
			}
		} else if c < k {
			if v := sqdist(xi, centers[c*d:(c+1)*d]); v < bd {
				best, bd = c, v
			}
		}
		labels[i] = best
		if dist != nil {
			dist[i] = bd
		}
	}
}

// update writes the mean of each cluster to next, relocating empty
// clusters to the points farthest from their centres as scikit-learn's
// _relocate_empty_clusters_dense does, and returns the sum of the squared
// centre shifts.
func update(x []float64, n, d int, centers []float64, k int, labels []int, next []float64, ws *kmWork) float64 {
	clear(next)
	w, sw := ws.w, ws.sw
	clear(w)
	for i := 0; i < n; i++ {
		c := labels[i]
		row := next[c*d : (c+1)*d]
		if sw != nil {
			wi := sw[i]
			w[c] += wi
			for j, v := range x[i*d : (i+1)*d] {
				row[j] += wi * v
			}
			continue
		}
		w[c]++
		for j, v := range x[i*d : (i+1)*d] {
			row[j] += v
		}
	}
	var empty []int
	for c := 0; c < k; c++ {
		if w[c] == 0 {
			empty = append(empty, c)
		}
	}
	if len(empty) > 0 {
		if ws.rel == nil {
			ws.rel, ws.relIdx = make([]float64, n), make([]int, n)
		}
		far, dist := ws.relIdx, ws.rel
		for i := 0; i < n; i++ {
			far[i] = i
			c := labels[i]
			dist[i] = sqdist(x[i*d:(i+1)*d], centers[c*d:(c+1)*d])
		}
		sort.SliceStable(far, func(a, b int) bool { return dist[far[a]] > dist[far[b]] })
		for e, c := range empty {
			i := far[e]
			oldC := labels[i]
			wi := 1.0
			if sw != nil {
				wi = sw[i]
			}
			for j, v := range x[i*d : (i+1)*d] {
				next[oldC*d+j] -= wi * v
				next[c*d+j] = wi * v
			}
			w[c] = wi
			w[oldC] -= wi
		}
	}
	var shift float64
	for c := 0; c < k; c++ {
		row := next[c*d : (c+1)*d]
		if w[c] > 0 {
			inv := 1 / w[c]
			for j := range row {
				row[j] *= inv
			}
		}
		shift += sqdist(row, centers[c*d:(c+1)*d])
	}
	return shift
}

// elkanState keeps Elkan's bounds: an upper bound on the distance of each
// point to its centre, a lower bound to every centre, and the half
// distances between centres. Assignments equal Lloyd's; the bounds only
// skip distance computations that cannot change them.
type elkanState struct {
	r     *kmRun
	par   bool      // split the rows across the CPUs
	upper []float64 // n
	lower []float64 // n×k
	half  []float64 // k×k
	s     []float64 // half the distance of each centre to its nearest other
}

func newElkan(r *kmRun) *elkanState {
	return &elkanState{r: r, upper: make([]float64, r.n), lower: make([]float64, r.n*r.k), half: make([]float64, r.k*r.k), s: make([]float64, r.k)}
}

// assign assigns every point to its nearest centre, using the bounds after
// the first iteration.
func (e *elkanState) assign(centers []float64, labels []int, first bool) {
	x, n, d, k := e.r.x, e.r.n, e.r.d, e.r.k
	for a := 0; a < k; a++ {
		e.s[a] = math.Inf(1)
		for b := 0; b < k; b++ {
			h := math.Sqrt(sqdist(centers[a*d:(a+1)*d], centers[b*d:(b+1)*d])) / 2
			e.half[a*k+b] = h
			if a != b {
				e.s[a] = min(e.s[a], h)
			}
		}
	}
	rows := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xi := x[i*d : (i+1)*d]
			lb := e.lower[i*k : (i+1)*k]
			if first {
				best, bd := 0, math.Inf(1)
				for c := 0; c < k; c++ {
					v := math.Sqrt(sqdist(xi, centers[c*d:(c+1)*d]))
					lb[c] = v
					if v < bd {
						best, bd = c, v
					}
				}
				labels[i], e.upper[i] = best, bd
				continue
			}
			c := labels[i]
			u := e.upper[i]
			if u <= e.s[c] {
				continue
			}
			tight := false
			for j := 0; j < k; j++ {
				if j == c || u <= lb[j] || u <= e.half[c*k+j] {
					continue
				}
				if !tight {
					u = math.Sqrt(sqdist(xi, centers[c*d:(c+1)*d]))
					lb[c] = u
					tight = true
					if u <= lb[j] || u <= e.half[c*k+j] {
						continue
					}
				}
				v := math.Sqrt(sqdist(xi, centers[j*d:(j+1)*d]))
				lb[j] = v
				if v < u || (v == u && j < c) {
					c, u = j, v
				}
			}
			labels[i], e.upper[i] = c, u
		}
	}
	if !e.par {
		rows(0, n)
		return
	}
	forRows(n, n*k*d, rows)
}

// moved updates the bounds after the centres moved from prev to cur.
func (e *elkanState) moved(cur, prev []float64, labels []int) {
	n, d, k := e.r.n, e.r.d, e.r.k
	shift := make([]float64, k)
	for c := 0; c < k; c++ {
		shift[c] = math.Sqrt(sqdist(cur[c*d:(c+1)*d], prev[c*d:(c+1)*d]))
	}
	for i := 0; i < n; i++ {
		lb := e.lower[i*k : (i+1)*k]
		for c := range lb {
			lb[c] = max(lb[c]-shift[c], 0)
		}
	}
	for i := 0; i < n; i++ {
		e.upper[i] += shift[labels[i]]
	}
}

func (km *KMeans) ready(X *mat.Dense) error {
	if km.centers == nil {
		return ml.NotFittedError("KMeans")
	}
	return ml.CheckX(X, km.d)
}

// Predict returns the index of the nearest centre of each row of X.
func (km *KMeans) Predict(X *mat.Dense) ([]float64, error) {
	if err := km.ready(X); err != nil {
		return nil, err
	}
	data, n, d := rows(X)
	labels := make([]int, n)
	assign(data, n, d, km.centers, km.k, labels)
	out := make([]float64, n)
	for i, v := range labels {
		out[i] = float64(v)
	}
	return out, nil
}

// Transform returns the Euclidean distance of each row of X to each
// centre, n × n_clusters.
func (km *KMeans) Transform(X *mat.Dense) (*mat.Dense, error) {
	if err := km.ready(X); err != nil {
		return nil, err
	}
	data, n, d := rows(X)
	k := km.k
	out := make([]float64, n*k)
	forRows(n, n*k*d, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			for c := 0; c < k; c++ {
				out[i*k+c] = math.Sqrt(sqdist(data[i*d:(i+1)*d], km.centers[c*d:(c+1)*d]))
			}
		}
	})
	return mat.NewDense(n, k, out), nil
}

// Score returns minus the inertia of X with respect to the centres, as
// scikit-learn's KMeans.score.
func (km *KMeans) Score(X *mat.Dense) (float64, error) {
	if err := km.ready(X); err != nil {
		return 0, err
	}
	data, n, d := rows(X)
	labels := make([]int, n)
	assign(data, n, d, km.centers, km.k, labels)
	var s float64
	for i, c := range labels {
		s += sqdist(data[i*d:(i+1)*d], km.centers[c*d:(c+1)*d])
	}
	return -s, nil
}

// FitPredict fits on X and returns labels_.
func (km *KMeans) FitPredict(ctx context.Context, X *mat.Dense) ([]float64, error) {
	if err := km.Fit(ctx, X, nil); err != nil {
		return nil, err
	}
	return fitLabels(km), nil
}

// ClusterCenters returns cluster_centers_ as an n_clusters × n_features
// matrix, or nil before Fit.
func (km *KMeans) ClusterCenters() *mat.Dense {
	if km.centers == nil {
		return nil
	}
	return mat.NewDense(km.k, km.d, clone(km.centers))
}

// Labels returns labels_, or nil before Fit.
func (km *KMeans) Labels() []int { return clone(km.labels) }

// Inertia returns inertia_, the sum of squared distances of the training
// rows to their centres.
func (km *KMeans) Inertia() float64 { return km.inertia }

// NIter returns n_iter_, the iterations of the best run.
func (km *KMeans) NIter() int { return km.nIter }

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (km *KMeans) NFeaturesIn() int { return km.d }

// MarshalState returns cluster_centers_, labels_, inertia_ and n_iter_.
func (km *KMeans) MarshalState() (*ml.State, error) {
	if km.centers == nil {
		return nil, ml.NotFittedError("KMeans")
	}
	st := ml.NewState()
	st.SetFloats("cluster_centers_", km.centers, km.k, km.d)
	st.SetInts("labels_", km.labels)
	st.SetAttr("inertia_", km.inertia)
	st.SetAttr("n_iter_", km.nIter)
	return st, nil
}

// UnmarshalState restores state written by MarshalState.
func (km *KMeans) UnmarshalState(st *ml.State) error {
	c, shape, err := st.Floats("cluster_centers_", -1, -1)
	if err != nil {
		return err
	}
	k, d := shape[0], shape[1]
	if k < 1 || d < 1 {
		return fmt.Errorf("state: cluster_centers_ has shape %v, expected at least 1x1", shape)
	}
	for i, v := range c {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("state: cluster_centers_[%d] is %v, expected a finite number", i, v)
		}
	}
	labels, _, err := st.Ints("labels_", 0, k-1, -1)
	if err != nil {
		return err
	}
	var in float64
	var it int
	if err := st.Attr("inertia_", &in); err != nil {
		return err
	}
	if err := st.Attr("n_iter_", &it); err != nil {
		return err
	}
	km.centers, km.k, km.d, km.labels, km.inertia, km.nIter = c, k, d, labels, in, it
	return nil
}

// EstimateMemory bounds Fit's memory: the centred copy of X, the labels
// of the best run, and for each run that goes side by side (see
// kmWorkers, plus one) its labels, k-means++'s distances (2 + ln k
// candidates' rows of n), the final distances, the relocation scratch and
// Elkan's n×k lower bounds.
func (km *KMeans) EstimateMemory(n, p, _ int) int64 {
	k := int64(max(km.NClusters, 1))
	N := int64(max(n, 1))
	trials := 2 + int64(math.Log(float64(k)))
	w := int64(kmWorkers(max(n, 1), max(p, 1), int(k), km.runs()))
	if w > 1 {
		w++
	}
	perRun := budget.Add(budget.Mul(8, N, budget.Add(8+trials, k)), budget.Mul(8, k, trials+int64(max(p, 1))*4))
	return budget.Add(ml.DataBytes(n, p), budget.Mul(8, N), budget.Mul(w, perRun), budget.Mul(8, k, k, 4), 1<<16)
}

// runs is the number of runs Fit makes: n_init, "auto" (0) resolved as
// scikit-learn 1.2 does, 1 with explicit centres.
func (km *KMeans) runs() int {
	switch {
	case km.Init.Centers != nil:
		return 1 // scikit-learn warns and runs once with explicit centres
	case km.NInit == 0 && km.Init.Method == "random": // "auto"
		return 10
	case km.NInit == 0:
		return 1
	}
	return km.NInit
}

// kmWorkers is how many runs go side by side: one per CPU when there are
// several runs of some size, else 1 (and each run splits its passes).
func kmWorkers(n, d, k, runs int) int {
	if runs < 2 || float64(n)*float64(d)*float64(k) < 1<<15 {
		return 1
	}
	return max(1, min(runtime.GOMAXPROCS(0), runs))
}

// lockedReporter lets the parallel runs report one at a time.
type lockedReporter struct {
	mu sync.Mutex
	r  ml.Reporter
}

func (l *lockedReporter) Report(e ml.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.r.Report(e)
}

// parallelRuns makes the runs on workers goroutines, each run with its own
// scratch (workers+1 of them, so that a worker may finish one run ahead).
// A run takes its random numbers (draw) when it starts, under a lock and in
// the order of the runs, and the runs are kept (keep) in their order, so
// that the result is the sequential loop's. The first error stops the
// runs not yet started and is returned.
func parallelRuns(runs, workers int, newWork func() *kmWork, draw func(*kmWork), one func(int, *kmWork) (*kmRun, error), keep func(int, *kmRun, *kmWork)) error {
	type outcome struct {
		r   *kmRun
		ws  *kmWork
		err error
	}
	results := make([]chan outcome, runs)
	for i := range results {
		results[i] = make(chan outcome, 1)
	}
	free := make(chan *kmWork, workers+1)
	for range workers + 1 {
		free <- newWork()
	}
	done := make(chan struct{})
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var ws *kmWork
				select {
				case ws = <-free:
				case <-done:
					return
				}
				mu.Lock()
				select {
				case <-done:
					mu.Unlock()
					return
				default:
				}
				run := next
				if run >= runs {
					mu.Unlock()
					free <- ws
					return
				}
				next++
				draw(ws)
				mu.Unlock()
				r, err := one(run, ws)
				results[run] <- outcome{r, ws, err}
			}
		}()
	}
	var err error
	for run := 0; run < runs; run++ {
		o := <-results[run]
		if o.err != nil {
			err = o.err
			break
		}
		keep(run, o.r, o.ws)
		free <- o.ws
	}
	close(done)
	wg.Wait()
	return err
}
