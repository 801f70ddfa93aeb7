package nms

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

// partialSort is std::__partial_sort(first, last, last): heap select, then sort_heap.
func partialSort(a []ranked, first, last int) {
	makeHeap(a, first, last)
	for last-first > 1 {
		last--
		v := a[last]
		a[last] = a[first]
		adjustHeap(a, first, 0, last-first, v)
	}
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
