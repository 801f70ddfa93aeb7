package kernels

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
// fn needs, as golang.org/x/sys/cpu reports them). Each architecture's init calls it once per
// routine and instruction set, best last: a new assembly routine joins with one line.
func (r *routine[F]) add(name string, ok bool, fn F) {
	if ok {
		r.impls = append(r.impls, impl[F]{name, fn})
		r.best = fn
	}
}
