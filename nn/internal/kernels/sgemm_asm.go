//go:build !noasm && (amd64 || arm64)

package kernels

// kernel, set at start-up when the CPU has the instructions, adds A·B into a block of
// 1 <= rows <= kernelRows rows and n columns of C, n a multiple of kernelColStep (the loop is in
// the doc comment of each assembly kernel, sgemm_$GOARCH.go). nil means the portable Sgemm.
var (
	kernel        kernelFunc
	kernelColStep int
)

type kernelFunc func(rows, k, n int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)

// kernelChoice is one kernel this CPU can run; init lists them, best last, for the tests.
type kernelChoice struct {
	name    string
	fn      kernelFunc
	colStep int
}

var kernelChoices []kernelChoice

func useKernel(name string, fn kernelFunc, colStep int) {
	kernelChoices = append(kernelChoices, kernelChoice{name, fn, colStep})
	kernel, kernelColStep = fn, colStep
}

// Blocking: a kc-deep slice of a kernelRows-row block of A (6 KiB) stays in L1 while the kernel
// walks the columns; the kc x nc block of B (512 KiB) stays in L2 while the row blocks go by.
const (
	kc = 256
	nc = 512
)

// maxColStep bounds kernelColStep: the tail buffers below hold that many columns.
const maxColStep = 8

func sgemm(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if kernel == nil || lda < 0 || ldb < 0 || ldc < 0 {
		sgemmGeneric(m, n, k, a, lda, b, ldb, c, ldc)
		return
	}
	// The assembly touches nothing outside these elements; index them so a bad call panics here.
	_ = a[(m-1)*lda+k-1]
	_ = b[(k-1)*ldb+n-1]
	_ = c[(m-1)*ldc+n-1]
	// Split k into equal blocks of at most kc.
	kblocks := (k + kc - 1) / kc
	kb := (k + kblocks - 1) / kblocks
	step := kernelColStep
	nmain := n - n%step
	for jc := 0; jc < nmain; jc += nc {
		nb := min(nc, nmain-jc)
		for pc := 0; pc < k; pc += kb {
			kk := min(kb, k-pc)
			for i := 0; i < m; i += kernelRows {
				kernel(min(kernelRows, m-i), kk, nb, &a[i*lda+pc], lda, &b[pc*ldb+jc], ldb, &c[i*ldc+jc], ldc)
			}
		}
	}
	if nmain == n {
		return
	}
	// The last n%step columns: copy them into step-wide buffers padded with zeros.
	nt := n - nmain
	var bt [kc * maxColStep]float32
	var ct [kernelRows * maxColStep]float32
	for pc := 0; pc < k; pc += kb {
		kk := min(kb, k-pc)
		for p := 0; p < kk; p++ {
			copy(bt[p*step:p*step+nt], b[(pc+p)*ldb+nmain:(pc+p)*ldb+n])
		}
		for i := 0; i < m; i += kernelRows {
			rows := min(kernelRows, m-i)
			for r := 0; r < rows; r++ {
				copy(ct[r*step:r*step+nt], c[(i+r)*ldc+nmain:(i+r)*ldc+n])
			}
			kernel(rows, kk, step, &a[i*lda+pc], lda, &bt[0], step, &ct[0], step)
			for r := 0; r < rows; r++ {
				copy(c[(i+r)*ldc+nmain:(i+r)*ldc+n], ct[r*step:r*step+nt])
			}
		}
	}
}
