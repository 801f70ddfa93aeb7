package parallel_test

import (
	"fmt"

	"github.com/shuffledet/shuffledet/parallel"
)

// squares is a loop body: it fills its chunk [lo, hi) of out, each index written by one thread.
// A layer keeps its Task in a struct it reuses, so that Run allocates nothing.
type squares struct{ out []int }

func (t *squares) Run(_, lo, hi int) {
	for i := lo; i < hi; i++ {
		t.out[i] = i * i
	}
}

// A Pool of 2 threads (the caller and one worker) runs a loop over 10 indices in chunks; Run
// returns when every chunk is done, and the result does not depend on which thread took which.
func ExamplePool_Run() {
	pool := parallel.New(2)
	defer pool.Close()
	t := &squares{out: make([]int, 10)}
	pool.Run(len(t.out), t)
	fmt.Println(t.out)
	// Output: [0 1 4 9 16 25 36 49 64 81]
}
