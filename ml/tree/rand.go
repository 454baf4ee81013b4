package tree

// scikit-learn's tree splitters draw features (and, for the random splitter,
// thresholds) from a 32-bit xorshift generator whose seed is
// numpy.random.RandomState(random_state).randint(0, 0x7FFFFFFF). Both steps
// are reproduced here so that a tree grown with the same random_state
// examines features in the same order as scikit-learn's, which makes trees
// identical even when features are subsampled or splits tie.

const randRMax = 0x7FFFFFFF

// sklearnSeed returns numpy.random.RandomState(seed).randint(0, RAND_R_MAX):
// the legacy MT19937 seeded with init_genrand, and numpy's masked rejection
// sampling of a bounded 32-bit integer.
func sklearnSeed(seed uint32) uint32 {
	var mt [624]uint32
	mt[0] = seed
	for i := 1; i < len(mt); i++ {
		mt[i] = 1812433253*(mt[i-1]^(mt[i-1]>>30)) + uint32(i)
	}
	pos := len(mt)
	next := func() uint32 {
		if pos >= len(mt) {
			const upper, lower = 0x80000000, 0x7fffffff
			for k := 0; k < len(mt); k++ {
				y := mt[k]&upper | mt[(k+1)%len(mt)]&lower
				v := mt[(k+397)%len(mt)] ^ y>>1
				if y&1 != 0 {
					v ^= 0x9908b0df
				}
				mt[k] = v
			}
			pos = 0
		}
		y := mt[pos]
		pos++
		y ^= y >> 11
		y ^= y << 7 & 0x9d2c5680
		y ^= y << 15 & 0xefc60000
		y ^= y >> 18
		return y
	}
	const rng = randRMax - 1 // randint's high bound is exclusive
	for {
		if v := next() & randRMax; v <= rng {
			return v
		}
	}
}

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
