package parallel

import (
	"testing"

	"github.com/shuffledet/shuffledet/internal/kernels"
)

// BenchmarkSharing times what a layer split over two threads pays for the data the threads
// share, on one matrix product per thread per loop (64 x 64 weights by a 64-channel 14x14 map,
// a stage-3 group convolution of the 1x classifier at 224), each loop's inputs the outputs of
// the loop before, as from layer to layer. ns/op is one loop (both threads' products); "alone"
// runs one thread's product and is the figure the others would match if the cores shared
// nothing:
//   - own: each thread reads what it wrote the loop before (buffers 1 MiB apart);
//   - foreign: each thread reads what the other wrote (a split whose next layer's inputs are
//     the other thread's outputs, as ShuffleNet's channel shuffle makes them);
//   - adjacent: as own, but the two threads' outputs side by side in one buffer (a layer's
//     output split by channels, 50 KB a thread).
//
// On this project's 2-vCPU AMD EPYC machines (docs/DESIGN.md, "What two threads pay for
// sharing") own ran at alone's time plus the loop's hand-off, foreign at twice or more, and
// adjacent from a little over own to twice alone's, by the host's quarter hour.
func BenchmarkSharing(b *testing.B) {
	const m, n = 64, 14 * 14 // m output channels = m input channels: outputs feed the next loop
	const apart = 1 << 18    // floats between the buffers that are apart: 1 MiB
	mem := make([]float32, 6*apart)
	for i := range mem {
		mem[i] = 1 + float32(i%13) // outputs are means of inputs: no overflow, no subnormals
	}
	weights := [2][]float32{mem[:m*m], mem[apart : apart+m*m]}
	for _, w := range weights {
		for i := range w {
			w[i] = 1.0 / m
		}
	}
	for _, mode := range []string{"alone", "own", "foreign", "adjacent"} {
		b.Run(mode, func(b *testing.B) {
			// out[p][w]: thread w's output in loops of parity p.
			var out [2][2][]float32
			for p := range 2 {
				for w := range 2 {
					at := (2 + 2*p + w) * apart
					if mode == "adjacent" {
						at = (2+2*p)*apart + w*m*n
					}
					out[p][w] = mem[at : at+m*n]
				}
			}
			threads := 2
			if mode == "alone" {
				threads = 1
			}
			pool := New(threads)
			defer pool.Close()
			loop := 0
			task := funcTask(func(lo, hi int) {
				for w := lo; w < hi; w++ {
					src := w
					if mode == "foreign" {
						src = 1 - w
					}
					in, c := out[1-loop%2][src], out[loop%2][w]
					kernels.SgemmEpilogue(m, n, m, weights[w], m, in, n, c, n, kernels.Epilogue{})
				}
			})
			for b.Loop() {
				pool.Run(threads, task)
				loop++
			}
		})
	}
}
