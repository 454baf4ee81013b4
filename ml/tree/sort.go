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
