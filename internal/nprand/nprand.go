// Package nprand reproduces the parts of numpy.random.RandomState (numpy's
// legacy generator, which scikit-learn's check_random_state returns) that
// mlforge needs to draw exactly what scikit-learn draws for the same seed:
// the MT19937 stream seeded from an integer, random_interval, randint,
// shuffle, permutation and choice, and scikit-learn's _approximate_mode
// (the per-class counts of a stratified split) drawn from them. It also has
// numpy's default (introsort) argsort, whose order of ties scikit-learn's
// results depend on.
package nprand

const (
	n         = 624
	m         = 397
	matrixA   = 0x9908b0df
	upperMask = 0x80000000
	lowerMask = 0x7fffffff
)

// RandomState is numpy.random.RandomState: a Mersenne Twister (MT19937).
// It is not safe for concurrent use.
type RandomState struct {
	mt  [n]uint32
	pos int
}

// New returns numpy.random.RandomState(seed) for a seed in [0, 2**32):
// the generator seeded with init_genrand, as numpy seeds it from an
// integer.
func New(seed uint32) *RandomState {
	r := &RandomState{}
	r.mt[0] = seed
	for i := 1; i < n; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.pos = n
	return r
}

// Uint32 returns the next 32 bits of the stream (mt19937_next32).
func (r *RandomState) Uint32() uint32 {
	if r.pos >= n {
		for k := 0; k < n; k++ {
			y := r.mt[k]&upperMask | r.mt[(k+1)%n]&lowerMask
			v := r.mt[(k+m)%n] ^ y>>1
			if y&1 != 0 {
				v ^= matrixA
			}
			r.mt[k] = v
		}
		r.pos = 0
	}
	y := r.mt[r.pos]
	r.pos++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

// Uint64 returns the next 64 bits: two 32-bit draws, the first the high
// half, as numpy's legacy generator makes them.
func (r *RandomState) Uint64() uint64 {
	hi := uint64(r.Uint32())
	return hi<<32 | uint64(r.Uint32())
}

// Float64 returns a float64 in [0, 1) with 53 random bits, as
// RandomState.random_sample does.
func (r *RandomState) Float64() float64 {
	a := r.Uint32() >> 5
	b := r.Uint32() >> 6
	return (float64(a)*67108864.0 + float64(b)) / 9007199254740992.0
}

// Interval returns an integer in [0, max], as numpy's random_interval: the
// smallest bit mask covering max, and rejection of draws above max.
func (r *RandomState) Interval(max uint64) uint64 {
	if max == 0 {
		return 0
	}
	mask := max
	mask |= mask >> 1
	mask |= mask >> 2
	mask |= mask >> 4
	mask |= mask >> 8
	mask |= mask >> 16
	mask |= mask >> 32
	if max <= 0xffffffff {
		for {
			if v := uint64(r.Uint32()) & mask; v <= max {
				return v
			}
		}
	}
	for {
		if v := r.Uint64() & mask; v <= max {
			return v
		}
	}
}

// Shuffle permutes x in place as RandomState.shuffle does a 1-d array:
// for i from len(x)-1 down to 1, swap x[i] with x[Interval(i)].
func (r *RandomState) Shuffle(x []int) {
	for i := len(x) - 1; i > 0; i-- {
		j := int(r.Interval(uint64(i)))
		x[i], x[j] = x[j], x[i]
	}
}

// Permutation returns RandomState.permutation(n): 0..n-1 shuffled.
func (r *RandomState) Permutation(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	r.Shuffle(p)
	return p
}

// PermuteSlice returns RandomState.permutation(x) for a list x: a
// shuffled copy.
func (r *RandomState) PermuteSlice(x []int) []int {
	p := append([]int(nil), x...)
	r.Shuffle(p)
	return p
}

// Choice returns RandomState.choice(n, size, replace=False) without
// weights: the first size entries of a permutation of n, as the legacy
// generator draws them.
func (r *RandomState) Choice(n, size int) []int {
	return r.Permutation(n)[:size]
}

// RandInt returns RandomState.randint(lo, hi) for hi-lo ≤ 2**32: lo plus
// a masked rejection draw below hi-lo.
func (r *RandomState) RandInt(lo, hi int64) int64 {
	rng := uint64(hi - lo - 1)
	if rng == 0 {
		return lo
	}
	return lo + int64(r.Interval(rng))
}

// Bounded returns a draw in [0, r) for r ≥ 1 from the 32-bit stream, by
// Lemire's multiply-and-reject: scikit-learn's newrand bounded_rand_int,
// with which its libsvm and liblinear shuffle their samples.
func (r *RandomState) Bounded(n uint32) uint32 {
	x := r.Uint32()
	m := uint64(x) * uint64(n)
	l := uint32(m)
	if l < n {
		t := -n
		if t >= n {
			t -= n
			if t >= n {
				t %= n
			}
		}
		for l < t {
			x = r.Uint32()
			m = uint64(x) * uint64(n)
			l = uint32(m)
		}
	}
	return uint32(m >> 32)
}
