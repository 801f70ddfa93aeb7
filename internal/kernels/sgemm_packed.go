//go:build !noasm && arm64

package kernels

// The packed tile's shape: 8 rows of A by 12 columns of B (sgemmKernel8x12NEON).
const (
	packRows = 8
	packCols = 12
	ncPacked = nc - nc%packCols // B's column block, whole tiles
)

// packEpilogue is one kernel call's share of an Epilogue (offsets in sgemm8x12_arm64.s).
type packEpilogue struct {
	bias  [packRows]float32 // the rows' biases (the kernel loads all 8; rows below the block are not stored)
	res   *float32          // the residual's element (0, 0); C's when it adds none (never read)
	flags int               // packFromBias | packAddRes | packReLU
}

// packEpilogue flags.
const (
	packFromBias = 1 << iota // start from bias instead of C
	packAddRes               // add the residual at the store
	packReLU                 // clamp negatives to zero at the store
)

// set makes t the epilogue of a kernel call on rows rows from row i of C, in the first and/or
// last of the product's k blocks, and returns whether it adds the residual. (The caller sets
// t.res: a pointer stored through t here would make the compiler move its target to the heap.)
func (t *packEpilogue) set(ep Epilogue, first, last bool, i, rows int) bool {
	t.flags = 0
	if first && ep.Bias != nil {
		t.flags |= packFromBias
		copy(t.bias[:], ep.Bias[i:i+rows])
	}
	if last && ep.Res != nil {
		t.flags |= packAddRes
	}
	if last && ep.ReLU {
		t.flags |= packReLU
	}
	return t.flags&packAddRes != 0
}

// packedTiled returns the SgemmEpilogue that packs A, packRows rows and a kc-deep block at a time, into a
// panel on the stack and drives kernel over C in blocks of nc columns, as tiled does: the
// packed panel (8 KiB) stays in L1 and B's block in L2. The last n%packCols columns go through
// zero-padded buffers; the last m%packRows rows are zeros in the panel and are not stored, so
// every shape runs the one full tile. The first k block starts from the bias, the last one adds
// the residual and clamps. The kernel is called directly, not through a func value, so that its
// //go:noescape keeps the panel, the buffers and the epilogue on the stack.
func packedTiled(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, ep Epilogue) {
	if !asmOperands(m, n, k, a, lda, b, ldb, c, ldc, ep) {
		sgemmGeneric(m, n, k, a, lda, b, ldb, c, ldc, ep)
		return
	}
	var pe packEpilogue
	kb := kBlock(k)
	nmain := n - n%packCols
	var ap [kc * packRows]float32
	for jc := 0; jc < nmain; jc += ncPacked {
		nb := min(ncPacked, nmain-jc)
		for pc := 0; pc < k; pc += kb {
			kk := min(kb, k-pc)
			for i := 0; i < m; i += packRows {
				r := min(packRows, m-i)
				packA(ap[:kk*packRows], a[i*lda+pc:], lda, r, kk)
				pe.res = &c[i*ldc+jc]
				if pe.set(ep, pc == 0, pc+kk == k, i, r) {
					pe.res = &ep.Res[i*ldc+jc]
				}
				sgemmKernel8x12NEON(r, kk, nb, &ap[0], &b[pc*ldb+jc], ldb, &c[i*ldc+jc], ldc, &pe)
			}
		}
	}
	if nmain == n {
		return
	}
	nt := n - nmain
	var bt [kc * packCols]float32
	var ct, rt [packRows * packCols]float32
	for pc := 0; pc < k; pc += kb {
		kk := min(kb, k-pc)
		copyColumns(bt[:], packCols, b[pc*ldb+nmain:], ldb, kk, nt)
		for i := 0; i < m; i += packRows {
			r := min(packRows, m-i)
			packA(ap[:kk*packRows], a[i*lda+pc:], lda, r, kk)
			copyColumns(ct[:], packCols, c[i*ldc+nmain:], ldc, r, nt)
			pe.res = &ct[0]
			if pe.set(ep, pc == 0, pc+kk == k, i, r) {
				copyColumns(rt[:], packCols, ep.Res[i*ldc+nmain:], ldc, r, nt)
				pe.res = &rt[0]
			}
			sgemmKernel8x12NEON(r, kk, packCols, &ap[0], &bt[0], packCols, &ct[0], packCols, &pe)
			copyColumns(c[i*ldc+nmain:], ldc, ct[:], packCols, r, nt)
		}
	}
}

// packA writes the first k columns of rows 0..r-1 of a (row stride lda) into ap column by column,
// packRows values per column, zeros below row r-1.
func packA(ap, a []float32, lda, r, k int) {
	for j := 0; j < packRows; j++ {
		if j >= r {
			for p := 0; p < k; p++ {
				ap[p*packRows+j] = 0
			}
			continue
		}
		row := a[j*lda : j*lda+k]
		for p, v := range row {
			ap[p*packRows+j] = v
		}
	}
}
