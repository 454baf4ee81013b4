package nprand

import "math/bits"

// smallQuicksort is numpy's SMALL_QUICKSORT: partitions of at most this
// many elements (plus one) are insertion-sorted.
const smallQuicksort = 15

// Argsort returns numpy.argsort(v) with numpy's default kind
// ("quicksort"): numpy 1.24's introsort of indices (aquicksort), whose
// order of equal values scikit-learn's results depend on. Insertion sort
// below 16 elements, median-of-three partitioning, heapsort past twice
// the depth of a balanced recursion.
func Argsort(v []int64) []int {
	return argsort(v, func(a, b int64) bool { return a < b })
}

// ArgsortFloat64 is Argsort for float64 values, NaN sorting last as in
// numpy (its FLOAT_LT: a < b || (b != b && a == a)).
func ArgsortFloat64(v []float64) []int {
	return argsort(v, func(a, b float64) bool { return a < b || (b != b && a == a) })
}

func argsort[T any](v []T, less func(a, b T) bool) []int {
	num := len(v)
	tosort := make([]int, num)
	for i := range tosort {
		tosort[i] = i
	}
	if num < 2 {
		return tosort
	}
	type span struct{ l, r, depth int }
	var stack []span
	pl, pr := 0, num-1
	cdepth := (bits.Len(uint(num)) - 1) * 2
	for {
		if cdepth < 0 {
			aheapsort(v, tosort[pl:pr+1], less)
			goto pop
		}
		for pr-pl > smallQuicksort {
			pm := pl + (pr-pl)>>1
			if less(v[tosort[pm]], v[tosort[pl]]) {
				tosort[pm], tosort[pl] = tosort[pl], tosort[pm]
			}
			if less(v[tosort[pr]], v[tosort[pm]]) {
				tosort[pr], tosort[pm] = tosort[pm], tosort[pr]
			}
			if less(v[tosort[pm]], v[tosort[pl]]) {
				tosort[pm], tosort[pl] = tosort[pl], tosort[pm]
			}
			vp := v[tosort[pm]]
			pi, pj := pl, pr-1
			tosort[pm], tosort[pj] = tosort[pj], tosort[pm]
			for {
				pi++
				for less(v[tosort[pi]], vp) {
					pi++
				}
				pj--
				for less(vp, v[tosort[pj]]) {
					pj--
				}
				if pi >= pj {
					break
				}
				tosort[pi], tosort[pj] = tosort[pj], tosort[pi]
			}
			pk := pr - 1
			tosort[pi], tosort[pk] = tosort[pk], tosort[pi]
			cdepth--
			if pi-pl < pr-pi {
				stack = append(stack, span{pi + 1, pr, cdepth})
				pr = pi - 1
			} else {
				stack = append(stack, span{pl, pi - 1, cdepth})
				pl = pi + 1
			}
		}
		for pi := pl + 1; pi <= pr; pi++ {
			vi := tosort[pi]
			vp := v[vi]
			pj := pi
			for pj > pl && less(vp, v[tosort[pj-1]]) {
				tosort[pj] = tosort[pj-1]
				pj--
			}
			tosort[pj] = vi
		}
	pop:
		if len(stack) == 0 {
			break
		}
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		pl, pr, cdepth = top.l, top.r, top.depth
	}
	return tosort
}

// aheapsort is numpy's aheapsort_ on the indices tosort (1-based heap).
func aheapsort[T any](v []T, tosort []int, less func(a, b T) bool) {
	n := len(tosort)
	a := func(i int) *int { return &tosort[i-1] }
	for l := n >> 1; l > 0; l-- {
		tmp := *a(l)
		i, j := l, l<<1
		for j <= n {
			if j < n && less(v[*a(j)], v[*a(j + 1)]) {
				j++
			}
			if less(v[tmp], v[*a(j)]) {
				*a(i) = *a(j)
				i = j
				j += j
			} else {
				break
			}
		}
		*a(i) = tmp
	}
	for ; n > 1; n-- {
		tmp := *a(n)
		*a(n) = *a(1)
		n--
		i, j := 1, 2
		for j <= n {
			if j < n && less(v[*a(j)], v[*a(j + 1)]) {
				j++
			}
			if less(v[tmp], v[*a(j)]) {
				*a(i) = *a(j)
				i = j
				j += j
			} else {
				break
			}
		}
		*a(i) = tmp
		n++
	}
}
