package nn

import (
	"encoding/binary"
	"math"
	"math/bits"
	"math/rand/v2"
)

// pcgStream is a copy of the state of a math/rand/v2 PCG, stepped by the
// same arithmetic (a 128-bit LCG, state = state*mul + inc, with the DXSM
// output function), so that a dropout mask draws the very numbers the
// generator's Uint64 would, without a call per number, and in parallel:
// an LCG jumps ahead any number of steps in O(log n) multiplications.
type pcgStream struct{ hi, lo uint64 }

// The PCG's multiplier and increment (math/rand/v2's pcg.go).
const (
	pcgMulHi = 2549297995355413924
	pcgMulLo = 4865540595714422341
	pcgIncHi = 6364136223846793005
	pcgIncLo = 1442695040888963407
)

// loadPCG reads p's state through its binary form ("pcg:", hi, lo).
func loadPCG(p *rand.PCG) pcgStream {
	var buf [20]byte
	b, _ := p.AppendBinary(buf[:0])
	return pcgStream{hi: binary.BigEndian.Uint64(b[4:12]), lo: binary.BigEndian.Uint64(b[12:20])}
}

// store sets p's state to s.
func (s pcgStream) store(p *rand.PCG) {
	var buf [20]byte
	copy(buf[:4], "pcg:")
	binary.BigEndian.PutUint64(buf[4:12], s.hi)
	binary.BigEndian.PutUint64(buf[12:20], s.lo)
	if err := p.UnmarshalBinary(buf[:]); err != nil {
		panic(err) // the format above is the one UnmarshalBinary reads
	}
}

// uint64 is PCG.Uint64.
func (s *pcgStream) uint64() uint64 {
	var r uint64
	s.hi, s.lo, r = pcgStep(s.hi, s.lo)
	return r
}

// pcgStep is one PCG step from state (hi, lo): the next state and its
// output.
func pcgStep(hi, lo uint64) (nhi, nlo, r uint64) {
	h, l := bits.Mul64(lo, pcgMulLo)
	h += hi*pcgMulLo + lo*pcgMulHi
	l, c := bits.Add64(l, pcgIncLo, 0)
	h, _ = bits.Add64(h, pcgIncHi, c)
	const cheapMul = 0xda942042e4dd58b5
	r = h
	r ^= r >> 32
	r *= cheapMul
	r ^= r >> 48
	r *= l | 1
	return h, l, r
}

// mul128 is a*b mod 2^128.
func mul128(ahi, alo, bhi, blo uint64) (hi, lo uint64) {
	hi, lo = bits.Mul64(alo, blo)
	return hi + ahi*blo + alo*bhi, lo
}

// add128 is a+b mod 2^128.
func add128(ahi, alo, bhi, blo uint64) (hi, lo uint64) {
	lo, c := bits.Add64(alo, blo, 0)
	hi, _ = bits.Add64(ahi, bhi, c)
	return hi, lo
}

// jump advances s by n steps: the n-fold composition of x -> mul*x + inc
// is x -> M*x + C, built by squaring.
func (s *pcgStream) jump(n uint64) {
	mh, ml := uint64(0), uint64(1) // M = 1
	ch, cl := uint64(0), uint64(0) // C = 0
	gh, gl := uint64(pcgMulHi), uint64(pcgMulLo)
	ih, il := uint64(pcgIncHi), uint64(pcgIncLo)
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			mh, ml = mul128(mh, ml, gh, gl)
			ch, cl = mul128(ch, cl, gh, gl)
			ch, cl = add128(ch, cl, ih, il)
		}
		// (g, i) composed with itself: g*g, (g+1)*i.
		g1h, g1l := add128(gh, gl, 0, 1)
		ih, il = mul128(g1h, g1l, ih, il)
		gh, gl = mul128(gh, gl, gh, gl)
	}
	s.hi, s.lo = mul128(mh, ml, s.hi, s.lo)
	s.hi, s.lo = add128(s.hi, s.lo, ch, cl)
}

// dropThreshold is the test rng.Float64() < p as Uint64's low 53 bits <
// ceil(p*2^53), and keep the scale of the kept elements.
func dropThreshold(p float64) (thr uint64, keep float32) {
	if p < 1 {
		keep = float32(1 / (1 - p))
	}
	return uint64(math.Ceil(p * (1 << 53))), keep
}

// dropMaskTask fills a dropout mask from a PCG stream in parts, each from
// the stream jumped to its first element, and (when x is set) y = x*mask.
type dropMaskTask struct {
	s    pcgStream
	thr  uint64
	keep float32
	mask []float32
	x, y []float32
}

func (t *dropMaskTask) run(part, parts int) {
	lo, hi := span(len(t.mask), part, parts)
	// Two streams, from the part's first element and from its middle,
	// stepped side by side: each LCG step waits for the previous one's
	// multiply, so one stream alone leaves the multiplier idle.
	half := (hi - lo) / 2
	s1 := t.s
	s1.jump(uint64(lo))
	s2 := s1
	s2.jump(uint64(half))
	thr, keep := t.thr, math.Float32bits(t.keep)
	m1, m2 := t.mask[lo:lo+half], t.mask[lo+half:hi]
	h1, l1, h2, l2 := s1.hi, s1.lo, s2.hi, s2.lo
	for i := range m1 {
		var r1, r2 uint64
		h1, l1, r1 = pcgStep(h1, l1)
		h2, l2, r2 = pcgStep(h2, l2)
		// Dropped (0) when the low 53 bits are below thr: the
		// difference of two values below 2^53 is negative then.
		m1[i] = math.Float32frombits(keep &^ uint32(int64(r1&(1<<53-1)-thr)>>63))
		m2[i] = math.Float32frombits(keep &^ uint32(int64(r2&(1<<53-1)-thr)>>63))
	}
	if len(m2) > len(m1) {
		_, _, r2 := pcgStep(h2, l2)
		m2[len(m1)] = math.Float32frombits(keep &^ uint32(int64(r2&(1<<53-1)-thr)>>63))
	}
	m := t.mask[lo:hi]
	if t.x != nil {
		x, y := t.x[lo:hi], t.y[lo:hi]
		for i, v := range x {
			y[i] = v * m[i]
		}
	}
}

// dropMask fills mask with 0 (probability p) or 1/(1-p) from pcg, drawing
// what len(mask) calls of pcg.Uint64 would, and leaves pcg after them;
// with x it also sets y = x*mask.
func (g *Graph) dropMask(mask []float32, p float64, pcg *rand.PCG, x, y []float32) {
	t := &g.dropT
	thr, keep := dropThreshold(p)
	*t = dropMaskTask{s: loadPCG(pcg), thr: thr, keep: keep, mask: mask, x: x, y: y}
	g.parallel(t, len(mask)>>14, len(mask)*8)
	end := t.s
	end.jump(uint64(len(mask)))
	end.store(pcg)
	t.mask, t.x, t.y = nil, nil, nil
}
