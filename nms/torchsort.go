package nms

import "slices"

// This file reproduces torch 1.13's CPU sort and top-k, ties included: libstdc++'s algorithms over
// (value, index) pairs.

// sortLikeTorch sorts a by score descending exactly as torch 1.13's unstable CPU sort
// (Tensor.sort(descending=True)) orders them, ties included. That sort is libstdc++'s std::sort
// (introsort: median-of-three quicksort down to runs of 16, heapsort past the depth limit, then
// insertion sort) over (value, index) pairs with the comparator "a is NaN and b is not, or
// a > b". Its order among equal scores is deterministic, and torchvision's batched_nms (per-class
// path) exposes it, so the detector reproduces it rather than a stable order.
func sortLikeTorch(a []ranked) {
	n := len(a)
	if n < 2 {
		return
	}
	depth := 0
	for m := n; m > 1; m >>= 1 {
		depth++
	}
	introsortLoop(a, 0, n, 2*depth)
	finalInsertionSort(a, 0, n)
}

// TopK is torch 1.13's CPU Tensor.topk(k) (largest, sorted) over a vector, reproduced with its
// order among equal values, which torchvision's RPN hands on to its NMS. That top-k is
// libstdc++'s std::partial_sort of (value, index) pairs when k*64 <= n, otherwise std::nth_element
// at k-1 followed by std::sort of the first k-1, with torch's comparator. Reset it to n
// scores, Put each (in any order: a caller whose scores are laid out otherwise needs no copy of
// them), then take the Indices. A TopK keeps its buffer between calls; it is not safe for
// concurrent use.
type TopK struct {
	q []ranked
}

// Reset makes the vector n scores long; each must then be set with Put.
func (t *TopK) Reset(n int) { t.q = slices.Grow(t.q[:0], n)[:n] }

// Put sets score i of the vector (0 <= i < n <= 2^31-1).
func (t *TopK) Put(i int, score float32) { t.q[i] = ranked{score, int32(i)} }

// Indices appends to dst the indices of the min(k, n) largest scores (NaN the largest), in the
// order torch's topk returns them, and returns it. It reorders the scores: Put them again for
// another call.
func (t *TopK) Indices(dst []int32, k int) []int32 {
	a := t.q
	n := len(a)
	k = min(k, n)
	if k <= 0 {
		return dst
	}
	if k*64 <= n {
		heapSelect(a, 0, k, n)
		sortHeap(a, 0, k)
	} else {
		nthElement(a, k-1)
		sortLikeTorch(a[:k-1])
	}
	for _, r := range a[:k] {
		dst = append(dst, r.i)
	}
	return dst
}

// nthElement is std::nth_element(a, a+nth, a+len(a)): introselect (median-of-three partitions,
// heap select past the depth limit, insertion sort below 4 elements).
func nthElement(a []ranked, nth int) {
	first, last := 0, len(a)
	if first == last || nth == last {
		return
	}
	depth := 0
	for m := last; m > 1; m >>= 1 {
		depth++
	}
	depth *= 2
	for last-first > 3 {
		if depth == 0 {
			heapSelect(a, first, nth+1, last)
			a[first], a[nth] = a[nth], a[first]
			return
		}
		depth--
		if cut := partitionPivot(a, first, last); cut <= nth {
			first = cut
		} else {
			last = cut
		}
	}
	insertionSort(a, first, last)
}

// heapSelect is std::__heap_select: a heap of a[first:middle] (its top the one that sorts
// last), then every later element that sorts before the top replaces it.
func heapSelect(a []ranked, first, middle, last int) {
	makeHeap(a, first, middle)
	for i := middle; i < last; i++ {
		if torchBefore(a[i], a[first]) {
			v := a[i]
			a[i] = a[first]
			adjustHeap(a, first, 0, middle-first, v)
		}
	}
}

// sortHeap is std::__sort_heap: the heap a[first:last] popped into sorted order.
func sortHeap(a []ranked, first, last int) {
	for last-first > 1 {
		last--
		v := a[last]
		a[last] = a[first]
		adjustHeap(a, first, 0, last-first, v)
	}
}

// torchBefore is torch's KeyValueCompDesc: NaN first, then larger scores.
func torchBefore(x, y ranked) bool {
	return (isNaN(x.score) && !isNaN(y.score)) || x.score > y.score
}

const sortThreshold = 16 // libstdc++ _S_threshold

func introsortLoop(a []ranked, first, last, depth int) {
	for last-first > sortThreshold {
		if depth == 0 {
			partialSort(a, first, last)
			return
		}
		depth--
		cut := partitionPivot(a, first, last)
		introsortLoop(a, cut, last, depth)
		last = cut
	}
}

func partitionPivot(a []ranked, first, last int) int {
	mid := first + (last-first)/2
	moveMedianToFirst(a, first, first+1, mid, last-1)
	return unguardedPartition(a, first+1, last, first)
}

func moveMedianToFirst(a []ranked, result, x, y, z int) {
	switch {
	case torchBefore(a[x], a[y]):
		switch {
		case torchBefore(a[y], a[z]):
			a[result], a[y] = a[y], a[result]
		case torchBefore(a[x], a[z]):
			a[result], a[z] = a[z], a[result]
		default:
			a[result], a[x] = a[x], a[result]
		}
	case torchBefore(a[x], a[z]):
		a[result], a[x] = a[x], a[result]
	case torchBefore(a[y], a[z]):
		a[result], a[z] = a[z], a[result]
	default:
		a[result], a[y] = a[y], a[result]
	}
}

func unguardedPartition(a []ranked, first, last, pivot int) int {
	for {
		for torchBefore(a[first], a[pivot]) {
			first++
		}
		last--
		for torchBefore(a[pivot], a[last]) {
			last--
		}
		if first >= last {
			return first
		}
		a[first], a[last] = a[last], a[first]
		first++
	}
}

func finalInsertionSort(a []ranked, first, last int) {
	if last-first > sortThreshold {
		insertionSort(a, first, first+sortThreshold)
		for i := first + sortThreshold; i < last; i++ {
			unguardedLinearInsert(a, i)
		}
		return
	}
	insertionSort(a, first, last)
}

func insertionSort(a []ranked, first, last int) {
	for i := first + 1; i < last; i++ {
		if torchBefore(a[i], a[first]) {
			v := a[i]
			copy(a[first+1:i+1], a[first:i])
			a[first] = v
		} else {
			unguardedLinearInsert(a, i)
		}
	}
}

func unguardedLinearInsert(a []ranked, last int) {
	v := a[last]
	next := last - 1
	for torchBefore(v, a[next]) {
		a[last] = a[next]
		last = next
		next--
	}
	a[last] = v
}

// partialSort is std::__partial_sort(first, last, last): a heap, then sort_heap.
func partialSort(a []ranked, first, last int) {
	makeHeap(a, first, last)
	sortHeap(a, first, last)
}

func makeHeap(a []ranked, first, last int) {
	n := last - first
	if n < 2 {
		return
	}
	for parent := (n - 2) / 2; ; parent-- {
		adjustHeap(a, first, parent, n, a[first+parent])
		if parent == 0 {
			return
		}
	}
}

// adjustHeap is std::__adjust_heap followed by std::__push_heap.
func adjustHeap(a []ranked, first, hole, n int, v ranked) {
	top := hole
	child := hole
	for child < (n-1)/2 {
		child = 2 * (child + 1)
		if torchBefore(a[first+child], a[first+child-1]) {
			child--
		}
		a[first+hole] = a[first+child]
		hole = child
	}
	if n%2 == 0 && child == (n-2)/2 {
		child = 2 * (child + 1)
		a[first+hole] = a[first+child-1]
		hole = child - 1
	}
	parent := (hole - 1) / 2
	for hole > top && torchBefore(a[first+parent], v) {
		a[first+hole] = a[first+parent]
		hole = parent
		parent = (hole - 1) / 2
	}
	a[first+hole] = v
}
