package tree

import "github.com/mlforge/mlforge/internal/nprand"

// scikit-learn's tree splitters draw features (and, for the random splitter,
// thresholds) from a 32-bit xorshift generator whose seed is
// numpy.random.RandomState(random_state).randint(0, 0x7FFFFFFF). Both steps
// are reproduced here so that a tree grown with the same random_state
// examines features in the same order as scikit-learn's, which makes trees
// identical even when features are subsampled or splits tie.

const randRMax = 0x7FFFFFFF

// RandomState is numpy.random.RandomState's legacy generator (MT19937
// seeded with init_genrand, internal/nprand's) with the names of the few
// draws scikit-learn's tree ensembles make from it: Randint for seeds and
// bootstrap indices, RandomSample for uniform floats. Ensembles use it to
// derive the seeds of their trees and their samples as scikit-learn does,
// so that for the same random_state they grow the same trees.
type RandomState struct {
	nprand.RandomState
}

// NewRandomState returns numpy.random.RandomState(seed).
func NewRandomState(seed uint32) *RandomState {
	return &RandomState{*nprand.New(seed)}
}

// Randint returns RandomState.randint(0, n) for 1 ≤ n ≤ 2^32: numpy's
// masked rejection sampling of a bounded integer (random_interval of n-1),
// which the legacy generator uses for every draw of randint, one value or
// many.
func (r *RandomState) Randint(n int) int { return int(r.Interval(uint64(n - 1))) }

// RandomSample returns RandomState.random_sample(): a float64 in [0, 1)
// from two 32-bit outputs, as numpy's legacy random_double.
func (r *RandomState) RandomSample() float64 { return r.Float64() }

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
	// Both operands are below 2^31 (a feature count), so the 32-bit
	// remainder, several times cheaper than the 64-bit one, is the same.
	return lo + int(randR(state)%uint32(hi-lo))
}

// randUniform returns a float64 in [lo, hi), as
// sklearn.tree._utils.rand_uniform.
func randUniform(lo, hi float64, state *uint32) float64 {
	return (hi-lo)*float64(randR(state))/float64(randRMax) + lo
}
