package tree

import "math/bits"

// scikit-learn's tree splitters draw features (and, for the random splitter,
// thresholds) from a 32-bit xorshift generator whose seed is
// numpy.random.RandomState(random_state).randint(0, 0x7FFFFFFF). Both steps
// are reproduced here so that a tree grown with the same random_state
// examines features in the same order as scikit-learn's, which makes trees
// identical even when features are subsampled or splits tie.

const randRMax = 0x7FFFFFFF

// RandomState is numpy.random.RandomState's legacy generator (MT19937
// seeded with init_genrand) with the few draws scikit-learn's tree
// ensembles make from it, bit for bit: Randint for seeds and bootstrap
// indices, RandomSample for uniform floats. Ensembles use it to derive the
// seeds of their trees and their samples as scikit-learn does, so that for
// the same random_state they grow the same trees.
type RandomState struct {
	mt  [624]uint32
	pos int
}

// NewRandomState returns numpy.random.RandomState(seed).
func NewRandomState(seed uint32) *RandomState {
	r := &RandomState{pos: 624}
	r.mt[0] = seed
	for i := 1; i < len(r.mt); i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	return r
}

// Uint32 returns the next 32-bit output of the generator.
func (r *RandomState) Uint32() uint32 {
	mt := &r.mt
	if r.pos >= len(mt) {
		const upper, lower = 0x80000000, 0x7fffffff
		for k := 0; k < len(mt); k++ {
			y := mt[k]&upper | mt[(k+1)%len(mt)]&lower
			v := mt[(k+397)%len(mt)] ^ y>>1
			if y&1 != 0 {
				v ^= 0x9908b0df
			}
			mt[k] = v
		}
		r.pos = 0
	}
	y := mt[r.pos]
	r.pos++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

// Randint returns RandomState.randint(0, n) for 1 ≤ n ≤ 2^32: numpy's
// masked rejection sampling of a bounded 32-bit integer, which the legacy
// generator uses for every draw of randint, one value or many.
func (r *RandomState) Randint(n int) int {
	rng := uint32(n - 1)
	if rng == 0 {
		return 0
	}
	mask := uint32(1)<<(32-bits.LeadingZeros32(rng)) - 1
	if rng == 0xFFFFFFFF {
		return int(r.Uint32())
	}
	for {
		if v := r.Uint32() & mask; v <= rng {
			return int(v)
		}
	}
}

// RandomSample returns RandomState.random_sample(): a float64 in [0, 1)
// from two 32-bit outputs, as numpy's legacy random_double.
func (r *RandomState) RandomSample() float64 {
	a, b := r.Uint32()>>5, r.Uint32()>>6
	return (float64(a)*67108864.0 + float64(b)) / 9007199254740992.0
}

// SplitterSeed returns the state of the splitter's generator that a tree
// draws from r when it is given r as its random_state:
// r.randint(0, RAND_R_MAX).
func (r *RandomState) SplitterSeed() uint32 { return uint32(r.Randint(randRMax)) }

// sklearnSeed returns numpy.random.RandomState(seed).randint(0, RAND_R_MAX),
// the splitter seed of a tree whose random_state is seed.
func sklearnSeed(seed uint32) uint32 { return NewRandomState(seed).SplitterSeed() }

// randR is sklearn.utils._random.our_rand_r.
func randR(state *uint32) uint32 {
	s := *state
	if s == 0 {
		s = 1
	}
	s ^= s << 13
	s ^= s >> 17
	s ^= s << 5
	*state = s
	return s % (randRMax + 1)
}

// randInt returns an integer in [lo, hi), as sklearn.tree._utils.rand_int.
func randInt(lo, hi int, state *uint32) int {
	return lo + int(randR(state))%(hi-lo)
}

// randUniform returns a float64 in [lo, hi), as
// sklearn.tree._utils.rand_uniform.
func randUniform(lo, hi float64, state *uint32) float64 {
	return (hi-lo)*float64(randR(state))/float64(randRMax) + lo
}
