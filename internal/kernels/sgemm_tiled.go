//go:build !noasm && amd64

package kernels

import "math"

// tileKernel names an assembly Sgemm kernel: it computes a block of 1 <= rows <= (its maximum)
// rows and n columns of C, n a multiple of its column step, as ep says (the loop is in the doc
// comment of each kernel, kernels_$GOARCH.go); a, b and c point at element (0, 0), strides are
// in elements.
type tileKernel int

// The amd64 tile kernels.
const (
	tileAVX2 tileKernel = iota
	tileAVX512
)

// call runs the kernel. The calls are direct, so that the compiler sees the assembly's
// //go:noescape and keeps the driver's buffers and epilogue on the stack (a call through a func
// value would move them to the heap on every product).
func (k tileKernel) call(rows, kk, n int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, ep *tileEpilogue) {
	switch k {
	case tileAVX2:
		sgemmKernelAVX2(rows, kk, n, a, lda, b, ldb, c, ldc, ep)
	case tileAVX512:
		sgemmKernelAVX512(rows, kk, n, a, lda, b, ldb, c, ldc, ep)
	}
}

// Bounds on a tile kernel's rows and column step: the tail buffers below hold that many.
const (
	maxTileRows = 8
	maxColStep  = 8
)

// tileEpilogue is one kernel call's share of an Epilogue, laid out for the kernels' store step,
// which applies it with masks and a floor instead of branches (offsets in sgemm_amd64.h):
// acc += keepC ? C : bias[row]; if addRes { acc += res }; C = floor > acc ? floor : acc.
type tileEpilogue struct {
	keepC  [8]uint32  // all ones: add the product to C's values; zeros: to bias
	addRes [8]uint32  // all ones: add res
	floor  [8]float32 // 0 for ReLU, -Inf for none
	bias   [maxTileRows]float32
	res    *float32 // the residual's element (0, 0); C's when it adds none (read, never used)
}

// set makes t the epilogue of a kernel call on rows rows from row i of C, in the first and/or
// last of the product's k blocks, and returns whether it adds the residual. (The caller sets
// t.res: a pointer stored through t here would make the compiler move its target to the heap.)
func (t *tileEpilogue) set(ep Epilogue, first, last bool, i, rows int) bool {
	keepC, addRes := uint32(math.MaxUint32), uint32(0)
	if first && ep.Bias != nil {
		keepC = 0
		copy(t.bias[:rows], ep.Bias[i:i+rows])
	}
	if last && ep.Res != nil {
		addRes = math.MaxUint32
	}
	floor := reluFloor(last && ep.ReLU)
	// The lanes change only between k blocks: a product sets them a few times, not once per call.
	if t.keepC[0] != keepC || t.addRes[0] != addRes || math.Float32bits(t.floor[0]) != math.Float32bits(floor) {
		for l := range t.keepC {
			t.keepC[l], t.addRes[l], t.floor[l] = keepC, addRes, floor
		}
	}
	return addRes != 0
}

// tiled returns the SgemmEpilogue that drives kernel over C in blocks of rows x (a multiple of
// colStep) columns, passing the last n%colStep columns through zero-padded buffers. The first
// k block starts from the bias, the last one adds the residual and clamps.
func tiled(kernel tileKernel, rows, colStep int) func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, ep Epilogue) {
	if rows < 1 || rows > maxTileRows || colStep < 1 || colStep > maxColStep {
		panic("kernels: tile kernel shape out of range") // a programmer error in an init
	}
	return func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, ep Epilogue) {
		if !asmOperands(m, n, k, a, lda, b, ldb, c, ldc, ep) {
			sgemmGeneric(m, n, k, a, lda, b, ldb, c, ldc, ep)
			return
		}
		var te tileEpilogue
		kb := kBlock(k)
		nmain := n - n%colStep
		for jc := 0; jc < nmain; jc += nc {
			nb := min(nc, nmain-jc)
			for pc := 0; pc < k; pc += kb {
				kk := min(kb, k-pc)
				for i := 0; i < m; i += rows {
					r := min(rows, m-i)
					te.res = &c[i*ldc+jc]
					if te.set(ep, pc == 0, pc+kk == k, i, r) {
						te.res = &ep.Res[i*ldc+jc]
					}
					if jc == 0 {
						prefetchNextRows(a, lda, i+rows, rows, pc, kk)
					}
					kernel.call(r, kk, nb, &a[i*lda+pc], lda, &b[pc*ldb+jc], ldb, &c[i*ldc+jc], ldc, &te)
				}
			}
		}
		if nmain == n {
			return
		}
		nt := n - nmain
		var bt [kc * maxColStep]float32
		var ct, rt [maxTileRows * maxColStep]float32
		for pc := 0; pc < k; pc += kb {
			kk := min(kb, k-pc)
			copyColumns(bt[:], colStep, b[pc*ldb+nmain:], ldb, kk, nt)
			for i := 0; i < m; i += rows {
				r := min(rows, m-i)
				copyColumns(ct[:], colStep, c[i*ldc+nmain:], ldc, r, nt)
				te.res = &ct[0]
				if te.set(ep, pc == 0, pc+kk == k, i, r) {
					copyColumns(rt[:], colStep, ep.Res[i*ldc+nmain:], ldc, r, nt)
					te.res = &rt[0]
				}
				kernel.call(r, kk, colStep, &a[i*lda+pc], lda, &bt[0], colStep, &ct[0], colStep, &te)
				copyColumns(c[i*ldc+nmain:], ldc, ct[:], colStep, r, nt)
			}
		}
	}
}

// prefetchNextRows prefetches the kk values from column pc of rows [i, i+rows) of A (row stride
// lda), the rows a holds, while the tile call on the rows before runs. In a network's product A
// is a layer's weights, read once per image: a first tile call reads its block of A straight from
// memory (the 2x classifier's 14 MB of convolution weights), and the hardware prefetchers, which
// follow one address stream, do not fetch a block's eight rows ahead (six paired runs of the 2x
// classifier at 224 on one thread: medians 7.04-7.65 -> 6.75-7.27 ms, 4-5% off; docs/SPEED.md).
// Rows past m still help: a grouped convolution's next group (its next product) has the rows that
// follow. Only the first column block's calls prefetch: the later ones find the block in cache.
func prefetchNextRows(a []float32, lda, i, rows, pc, kk int) {
	if lda == 0 {
		return
	}
	if nr := min(rows, (len(a)-1-pc)/lda-i+1); nr > 0 {
		prefetchRows(&a[i*lda+pc], lda, nr, (kk+15)/16)
	}
}
