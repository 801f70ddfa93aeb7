//go:build !noasm

package kernels

// sgemmKernelAVX2 adds A·B into a block of 1 <= rows <= 6 rows and n columns of C, n a multiple of
// 8 (AVX2 and FMA; a, b, c point at element (0, 0), strides are in elements):
//
//	for i := 0; i < rows; i++ {
//		for j := 0; j < n; j++ {
//			var s float32
//			for p := 0; p < k; p++ {
//				s += a[i*lda+p] * b[p*ldb+j]
//			}
//			c[i*ldc+j] += s
//		}
//	}
//
//go:noescape
func sgemmKernelAVX2(rows, k, n int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)

// sgemmKernelAVX512 is sgemmKernelAVX2 for any n >= 1 (AVX-512F; the last strip is masked).
//
//go:noescape
func sgemmKernelAVX512(rows, k, n int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)

// cpuid executes CPUID with EAX=eaxArg, ECX=ecxArg.
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

// xgetbv returns XCR0, the register states the OS saves (XGETBV with ECX=0).
func xgetbv() (eax, edx uint32)

const kernelRows = 6

func init() {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if ecx1&(fma|osxsave|avx) != fma|osxsave|avx {
		return
	}
	xcr0, _ := xgetbv()
	if xcr0&6 != 6 { // the OS saves XMM and YMM state
		return
	}
	_, ebx7, _, _ := cpuid(7, 0)
	const avx2, avx512f = 1 << 5, 1 << 16
	if ebx7&avx2 == 0 {
		return
	}
	useKernel("avx2", sgemmKernelAVX2, 8)
	if ebx7&avx512f != 0 && xcr0&0xe6 == 0xe6 { // and opmask, ZMM0-15 upper halves, ZMM16-31
		useKernel("avx512", sgemmKernelAVX512, 1)
	}
}
