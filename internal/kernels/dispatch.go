package kernels

import (
	"fmt"
	"math"
	"os"
)

// ISAEnv names the environment variable that caps the instruction sets the routines use, as
// oneDNN's ONEDNN_MAX_CPU_ISA and OpenBLAS's OPENBLAS_CORETYPE do: "generic" (the portable Go
// loops), "avx2" (AVX2 and FMA: what an amd64 machine without AVX-512 runs) or "avx512"; "neon"
// ranks with "avx2". Unset or empty: the best the CPU runs. It is read once, at start-up, so one
// machine can measure what another would run; the results differ from the best only in the
// rounding of sums.
const ISAEnv = "SHUFFLEDET_ISA"

// isaRank orders the instruction sets an ISAEnv cap compares.
var isaRank = map[string]int{"generic": 0, "avx2": 1, "neon": 1, "avx512": 2}

// isaCap is ISAEnv's rank (math.MaxInt: no cap); isaErr says why a value was not understood.
var isaCap, isaErr = parseISA(os.Getenv(ISAEnv))

// parseISA returns the rank of an ISAEnv value.
func parseISA(v string) (int, error) {
	if v == "" {
		return math.MaxInt, nil
	}
	r, ok := isaRank[v]
	if !ok {
		return math.MaxInt, fmt.Errorf("%s=%q: want generic, avx2, avx512 or neon (or unset)", ISAEnv, v)
	}
	return r, nil
}

// ISAError reports an ISAEnv value that names no instruction set (no cap then applies); the
// commands refuse to start with it.
func ISAError() error { return isaErr }

// ISA names the instruction set of the matrix product in use: "avx512", "avx2", "neon" or
// "generic".
func ISA() string { return sgemm.impls[len(sgemm.impls)-1].name }

// routine is one kernel routine's implementations: the portable Go version, then every assembly
// version this CPU runs, in the order the architecture's init added them (best last). Calls go to
// the last one; the tests run them all against the routine's plain loop.
type routine[F any] struct {
	impls []impl[F]
	best  F
}

// impl is one implementation of a routine and its name ("generic", "avx2", "neon", ...).
type impl[F any] struct {
	name string
	fn   F
}

// newRoutine returns a routine whose only implementation is the portable generic.
func newRoutine[F any](generic F) *routine[F] {
	return &routine[F]{impls: []impl[F]{{"generic", generic}}, best: generic}
}

// add makes fn, called name, the routine's implementation when ok (the CPU has the instructions
// fn needs, as golang.org/x/sys/cpu reports them) and ISAEnv allows it. Each architecture's init
// calls it once per routine and instruction set, best last: a new assembly routine joins with one
// line.
func (r *routine[F]) add(name string, ok bool, fn F) {
	rank, known := isaRank[name]
	if !known {
		panic("kernels: instruction set " + name + " missing from isaRank") // a programmer error in an init
	}
	if ok && rank <= isaCap {
		r.impls = append(r.impls, impl[F]{name, fn})
		r.best = fn
	}
}
