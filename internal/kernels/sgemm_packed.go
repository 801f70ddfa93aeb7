//go:build !noasm && arm64

package kernels

// packedTileFunc is an assembly Sgemm kernel on a packed A: it adds Ap·B into a block of
// 1 <= rows <= packRows rows and n columns of C, n a positive multiple of packCols, k >= 1. ap
// holds k groups of packRows values, A's column p for the block's rows (zeros below rows); b and
// c point at element (0, 0), strides are in elements.
type packedTileFunc func(rows, k, n int, ap *float32, b *float32, ldb int, c *float32, ldc int)

// The packed tile's shape: 8 rows of A by 12 columns of B (sgemmKernel8x12NEON).
const (
	packRows = 8
	packCols = 12
	ncPacked = nc - nc%packCols // B's column block, whole tiles
)

// packedTiled returns the Sgemm that packs A, packRows rows and a kc-deep block at a time, into a
// panel on the stack and drives kernel over C in blocks of nc columns, as tiled does: the
// packed panel (8 KiB) stays in L1 and B's block in L2. The last n%packCols columns go through
// zero-padded buffers; the last m%packRows rows are zeros in the panel and are not stored, so
// every shape runs the one full tile.
func packedTiled(kernel packedTileFunc) func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	return func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
		if !asmOperands(m, n, k, a, lda, b, ldb, c, ldc) {
			sgemmGeneric(m, n, k, a, lda, b, ldb, c, ldc)
			return
		}
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
					kernel(r, kk, nb, &ap[0], &b[pc*ldb+jc], ldb, &c[i*ldc+jc], ldc)
				}
			}
		}
		if nmain == n {
			return
		}
		nt := n - nmain
		var bt [kc * packCols]float32
		var ct [packRows * packCols]float32
		for pc := 0; pc < k; pc += kb {
			kk := min(kb, k-pc)
			copyColumns(bt[:], packCols, b[pc*ldb+nmain:], ldb, kk, nt)
			for i := 0; i < m; i += packRows {
				r := min(packRows, m-i)
				packA(ap[:kk*packRows], a[i*lda+pc:], lda, r, kk)
				copyColumns(ct[:], packCols, c[i*ldc+nmain:], ldc, r, nt)
				kernel(r, kk, packCols, &ap[0], &bt[0], packCols, &ct[0], packCols)
				copyColumns(c[i*ldc+nmain:], ldc, ct[:], packCols, r, nt)
			}
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
