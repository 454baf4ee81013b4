package linear

// mt19937 is numpy's legacy RandomState generator (the Mersenne Twister),
// seeded from an integer as np.random.RandomState(seed) is, so that the
// seeds scikit-learn draws from random_state (for the shuffles of SGD) are
// reproduced.
type mt19937 struct {
	key [624]uint32
	pos int
}

func newMT19937(seed uint32) *mt19937 {
	m := &mt19937{}
	for i := range m.key {
		m.key[i] = seed
		seed = 1812433253*(seed^(seed>>30)) + uint32(i) + 1
	}
	m.pos = len(m.key)
	return m
}

func (m *mt19937) uint32() uint32 {
	const n, mid = 624, 397
	if m.pos == n {
		k := &m.key
		for i := 0; i < n; i++ {
			y := k[i]&0x80000000 | k[(i+1)%n]&0x7fffffff
			v := k[(i+mid)%n] ^ y>>1
			if y&1 != 0 {
				v ^= 0x9908b0df
			}
			k[i] = v
		}
		m.pos = 0
	}
	y := m.key[m.pos]
	m.pos++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

// randint is RandomState.randint(low, high) for high-low ≤ 2³²: masked
// rejection sampling of 32-bit draws, as numpy's legacy bounded integers.
func (m *mt19937) randint(low, high int64) int64 {
	rng := uint32(high - low - 1)
	if rng == 0 {
		return low
	}
	mask := rng
	for s := uint(1); s < 32; s <<= 1 {
		mask |= mask >> s
	}
	for {
		if v := m.uint32() & mask; v <= rng {
			return low + int64(v)
		}
	}
}
