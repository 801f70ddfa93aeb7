//go:build cgo && linux

// Package mallocarenas limits glibc's malloc to two arenas when imported (for its side effect, as
// net/http/pprof is). OpenCV and FFmpeg are called from whichever OS threads the Go scheduler
// picks, and glibc gives each new calling thread an arena of its own (up to 8 per core); memory
// freed into an arena stays there, so a long video run's resident memory creeps up as more
// threads take turns (measured by make soak on earlier code: about 0.6 MiB a minute over 25
// minutes with the default, no trend with two arenas). cmd/detect imports it; a program embedding the pipeline may
// import it or set MALLOC_ARENA_MAX itself. Other C libraries (musl) have no arenas: the package
// is empty there.
package mallocarenas

/*
#include <malloc.h>

static void limitArenas(void) {
#ifdef M_ARENA_MAX
	mallopt(M_ARENA_MAX, 2);
#endif
}
*/
import "C"

func init() { C.limitArenas() }
