package tree

import "math"

// pair is one sample of a node: its index into the training rows and its
// value of the feature being examined. Keeping both in one 8-byte record
// makes the sort move half the cache lines that two parallel arrays would.
type pair struct {
	v float32
	i int32
}

// sortPairs sorts a by value with scikit-learn's introsort (median-of-three
// pivot, three-way partition, heapsort past 2*floor(log2(n)) levels). The
// algorithm is reproduced step for step rather than replaced by another
// sort, because the order it leaves equal values in decides the order in
// which a node's targets are summed, and so the last bits of a regression
// tree's impurities.
func sortPairs(a []pair) {
	if len(a) == 0 {
		return
	}
	maxd := 2 * int(math.Log(float64(len(a)))/math.Ln2)
	introsort(a, maxd)
}

func median3(a []pair) float32 {
	n := len(a)
	x, y, z := a[0].v, a[n/2].v, a[n-1].v
	if x < y {
		if y < z {
			return y
		} else if x < z {
			return z
		}
		return x
	} else if y < z {
		if x < z {
			return x
		}
		return z
	}
	return y
}

func introsort(a []pair, maxd int) {
	for len(a) > 1 {
		if maxd <= 0 {
			heapsort(a)
			return
		}
		maxd--
		pivot := median3(a)
		// Three-way partition: [0,l) < pivot, [l,r) == pivot, [r,n) > pivot.
		i, l, r := 0, 0, len(a)
		for i < r {
			v := a[i].v
			if v < pivot {
				a[i], a[l] = a[l], a[i]
				i++
				l++
			} else if v > pivot {
				r--
				a[i], a[r] = a[r], a[i]
			} else {
				i++
			}
		}
		introsort(a[:l], maxd)
		a = a[r:]
	}
}

func siftDown(a []pair, start, end int) {
	root := start
	for {
		child := root*2 + 1
		maxind := root
		if child < end && a[maxind].v < a[child].v {
			maxind = child
		}
		if child+1 < end && a[maxind].v < a[child+1].v {
			maxind = child + 1
		}
		if maxind == root {
			return
		}
		a[root], a[maxind] = a[maxind], a[root]
		root = maxind
	}
}

func heapsort(a []pair) {
	n := len(a)
	start := (n - 2) / 2
	for {
		siftDown(a, start, n)
		if start == 0 {
			break
		}
		start--
	}
	for end := n - 1; end > 0; end-- {
		a[0], a[end] = a[end], a[0]
		siftDown(a, 0, end)
	}
}

// radixMin is the node size from which radixSort replaces introsort.
const radixMin = 256

// radixKey maps a float32 to a uint32 with the same order (for non-NaN
// values; -0 sorts before +0).
func radixKey(v float32) uint32 {
	u := math.Float32bits(v)
	if u&0x80000000 != 0 {
		return ^u
	}
	return u | 0x80000000
}

// radixSort sorts a by value with a stable LSD radix sort on the value's
// bits, one byte per pass, skipping bytes that all keys share; buf is
// scratch space of at least len(a). When all values are distinct the
// result is the one order sortPairs also gives.
func radixSort(a, buf []pair) {
	n := len(a)
	buf = buf[:n]
	var hist [4][256]int
	for _, p := range a {
		k := radixKey(p.v)
		hist[0][k&0xff]++
		hist[1][k>>8&0xff]++
		hist[2][k>>16&0xff]++
		hist[3][k>>24]++
	}
	src, dst := a, buf
	for pass := range 4 {
		h := &hist[pass]
		shift := uint(pass * 8)
		if h[radixKey(src[0].v)>>shift&0xff] == n {
			continue // every key has this byte
		}
		sum := 0
		for b, c := range h {
			h[b] = sum
			sum += c
		}
		for _, p := range src {
			b := radixKey(p.v) >> shift & 0xff
			dst[h[b]] = p
			h[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &a[0] {
		copy(a, src)
	}
}

// hasTies reports whether sorted a holds two equal values.
func hasTies(a []pair) bool {
	for k := 1; k < len(a); k++ {
		if a[k].v == a[k-1].v {
			return true
		}
	}
	return false
}

// fastSort sorts a by value with whichever sort is quickest for its size:
// radix sort from radixMin values, otherwise quicksort with an insertion
// sort below 16 values. It orders ties arbitrarily, so it is used only where
// the order of ties cannot change the result, or before hasTies decides
// whether sortPairs must redo the work.
func fastSort(a, buf []pair) {
	if len(a) >= radixMin {
		radixSort(a, buf)
		return
	}
	quickSort(a)
}

func quickSort(a []pair) {
	for len(a) > 16 {
		n := len(a)
		m := n / 2
		// Median of three, which also leaves sentinels at both ends.
		if a[m].v < a[0].v {
			a[m], a[0] = a[0], a[m]
		}
		if a[n-1].v < a[m].v {
			a[n-1], a[m] = a[m], a[n-1]
			if a[m].v < a[0].v {
				a[m], a[0] = a[0], a[m]
			}
		}
		pivot := a[m].v
		// Hoare partition: a[:j+1] <= pivot <= a[j+1:].
		i, j := 0, n-1
		for {
			for a[i].v < pivot {
				i++
			}
			for pivot < a[j].v {
				j--
			}
			if i >= j {
				break
			}
			a[i], a[j] = a[j], a[i]
			i++
			j--
		}
		if j+1 < n-j-1 {
			quickSort(a[:j+1])
			a = a[j+1:]
		} else {
			quickSort(a[j+1:])
			a = a[:j+1]
		}
	}
	for i := 1; i < len(a); i++ {
		p := a[i]
		j := i
		for ; j > 0 && p.v < a[j-1].v; j-- {
			a[j] = a[j-1]
		}
		a[j] = p
	}
}
