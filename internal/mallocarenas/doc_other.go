//go:build !(cgo && linux)

// Package mallocarenas limits glibc's malloc to two arenas when imported, on Linux builds with
// cgo; elsewhere it does nothing (see mallocarenas.go).
package mallocarenas
