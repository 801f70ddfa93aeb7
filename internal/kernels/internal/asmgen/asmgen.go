// Package asmgen holds what internal/kernels' assembly generators (the gen_*.go programs, run by
// go generate) share: an Emitter that collects the lines of a generated file, Interleave, and
// encoders of the NEON instructions the Go assembler lacks (neon.go), each written as a WORD
// with the instruction in its comment.
package asmgen

import (
	"fmt"
	"strings"
)

// Emitter collects the lines of a generated file.
type Emitter struct{ b strings.Builder }

// P writes one line, formatted as by fmt.Sprintf.
func (e *Emitter) P(format string, args ...any) { fmt.Fprintf(&e.b, format+"\n", args...) }

// Ins writes lines already formatted, such as the encoders' instructions.
func (e *Emitter) Ins(lines ...string) {
	for _, l := range lines {
		e.b.WriteString(l + "\n")
	}
}

// String returns the lines written so far.
func (e *Emitter) String() string { return e.b.String() }

// Interleave is a[0], b[0], a[1], b[1], ... and then what is left of the longer one.
func Interleave(a, b []string) []string {
	var l []string
	for i := 0; i < max(len(a), len(b)); i++ {
		if i < len(a) {
			l = append(l, a[i])
		}
		if i < len(b) {
			l = append(l, b[i])
		}
	}
	return l
}
