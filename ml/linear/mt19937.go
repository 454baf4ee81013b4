package linear

import (
	"math"
	"slices"
)

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

// interval is numpy's legacy random_interval: a value in [0, max] by
// masked rejection of 32-bit draws.
func (m *mt19937) interval(max uint32) uint32 {
	if max == 0 {
		return 0
	}
	mask := max
	for s := uint(1); s < 32; s <<= 1 {
		mask |= mask >> s
	}
	for {
		if v := m.uint32() & mask; v <= max {
			return v
		}
	}
}

// permutation is RandomState.permutation(n): the legacy Fisher-Yates
// shuffle of 0, ..., n-1 from the last element down.
func (m *mt19937) permutation(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i >= 1; i-- {
		j := int(m.interval(uint32(i)))
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// approximateMode is scikit-learn's _approximate_mode: how many of nDraws
// draws each class gets, the floors of the proportional shares topped up
// by largest remainder, ties broken by rng.choice (a permutation).
func approximateMode(counts []int, nDraws int, rng *mt19937) []int {
	total := 0
	for _, c := range counts {
		total += c
	}
	cont := make([]float64, len(counts))
	out := make([]int, len(counts))
	need := nDraws
	for i, c := range counts {
		cont[i] = float64(c) / float64(total) * float64(nDraws)
		out[i] = int(math.Floor(cont[i]))
		need -= out[i]
	}
	if need <= 0 {
		return out
	}
	rem := make([]float64, len(counts))
	for i := range rem {
		rem[i] = cont[i] - math.Floor(cont[i])
	}
	values := slices.Clone(rem)
	slices.Sort(values)
	values = slices.Compact(values)
	slices.Reverse(values)
	for _, v := range values {
		var inds []int
		for i, r := range rem {
			if r == v {
				inds = append(inds, i)
			}
		}
		add := min(len(inds), need)
		for _, k := range rng.permutation(len(inds))[:add] {
			out[inds[k]]++
		}
		if need -= add; need == 0 {
			break
		}
	}
	return out
}
