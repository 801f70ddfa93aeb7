//go:build !noasm && amd64

package kernels

// tileFunc is an assembly Sgemm kernel: it adds A·B into a block of 1 <= rows <= (its maximum)
// rows and n columns of C, n a multiple of its column step (the loop is in the doc comment of
// each kernel, kernels_$GOARCH.go); a, b and c point at element (0, 0), strides are in elements.
type tileFunc func(rows, k, n int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)

// Bounds on a tile kernel's rows and column step: the tail buffers below hold that many.
const (
	maxTileRows = 6
	maxColStep  = 8
)

// tiled returns the Sgemm that drives kernel over C in blocks of rows x (a multiple of colStep)
// columns, passing the last n%colStep columns through zero-padded buffers.
func tiled(kernel tileFunc, rows, colStep int) func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if rows < 1 || rows > maxTileRows || colStep < 1 || colStep > maxColStep {
		panic("kernels: tile kernel shape out of range") // a programmer error in an init
	}
	return func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
		if !asmOperands(m, n, k, a, lda, b, ldb, c, ldc) {
			sgemmGeneric(m, n, k, a, lda, b, ldb, c, ldc)
			return
		}
		kb := kBlock(k)
		nmain := n - n%colStep
		for jc := 0; jc < nmain; jc += nc {
			nb := min(nc, nmain-jc)
			for pc := 0; pc < k; pc += kb {
				kk := min(kb, k-pc)
				for i := 0; i < m; i += rows {
					kernel(min(rows, m-i), kk, nb, &a[i*lda+pc], lda, &b[pc*ldb+jc], ldb, &c[i*ldc+jc], ldc)
				}
			}
		}
		if nmain == n {
			return
		}
		nt := n - nmain
		var bt [kc * maxColStep]float32
		var ct [maxTileRows * maxColStep]float32
		for pc := 0; pc < k; pc += kb {
			kk := min(kb, k-pc)
			copyColumns(bt[:], colStep, b[pc*ldb+nmain:], ldb, kk, nt)
			for i := 0; i < m; i += rows {
				r := min(rows, m-i)
				copyColumns(ct[:], colStep, c[i*ldc+nmain:], ldc, r, nt)
				kernel(r, kk, colStep, &a[i*lda+pc], lda, &bt[0], colStep, &ct[0], colStep)
				copyColumns(c[i*ldc+nmain:], ldc, ct[:], colStep, r, nt)
			}
		}
	}
}
