// Package interrupt is the commands' Ctrl-C: a context that the first of the given signals
// cancels, after which a second one ends the process at once, as the signal's default action
// does, having first removed the files being written under temporary names (TempFile: a video
// or results file renamed into place when finished), which nothing would remove otherwise. A
// signal the process was started with ignored (SIGHUP under nohup, SIGINT in a script's
// background job) stays ignored, as the shell meant it.
package interrupt

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"time"
)

// temps are the files TempFile registered and not yet released, each under its own key.
var temps = struct {
	sync.Mutex
	paths map[*string]string
}{paths: map[*string]string{}}

// TempFile registers path, a file being written under a temporary name until it is renamed into
// place (or removed), so that a second signal removes it before it ends the process; call done
// once it is renamed or removed, or kept for the user on purpose. Register before the file is
// made: removing one not there yet costs nothing.
func TempFile(path string) (done func()) {
	key := new(string)
	temps.Lock()
	temps.paths[key] = path
	temps.Unlock()
	return func() {
		temps.Lock()
		delete(temps.paths, key)
		temps.Unlock()
	}
}

// removeTemps removes the registered files and keeps the registry locked, so that none is
// registered (and made) while the process ends.
func removeTemps() {
	temps.Lock()
	for _, p := range temps.paths {
		os.Remove(p)
	}
}

// quit ends the process as sig's default action does, once the temporary files are removed.
func quit(signals chan os.Signal, sig os.Signal) {
	removeTemps()
	signal.Stop(signals) // the default action again
	if p, err := os.FindProcess(os.Getpid()); err == nil && p.Signal(sig) == nil {
		time.Sleep(time.Second) // (the signal ends the process, unless another Notify catches it)
	}
	os.Exit(1) // a system that cannot send it (Windows: os.Interrupt), or a signal caught elsewhere
}

// Context returns a context that the first of sigs the process does not ignore cancels, calling
// onSignal (when not nil) once then, before the context is cancelled: what it says comes before
// anything the cancellation makes the caller print; a second one removes the TempFile files and
// ends the process. stop releases the signals and the context.
func Context(parent context.Context, onSignal func(), sigs ...os.Signal) (ctx context.Context, stop func()) {
	var caught []os.Signal
	for _, sig := range sigs {
		if !signal.Ignored(sig) {
			caught = append(caught, sig)
		}
	}
	ctx, cancel := context.WithCancel(parent)
	if len(caught) == 0 { // (Notify with no signals would relay every signal)
		return ctx, cancel
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, caught...)
	done := make(chan struct{})
	go func() {
		select {
		case <-signals:
			if onSignal != nil {
				onSignal()
			}
			cancel()
		case <-ctx.Done(): // the parent's end
			signal.Stop(signals)
			return
		case <-done:
			return
		}
		select { // a second signal ends the process at once
		case sig := <-signals:
			quit(signals, sig)
		case <-done:
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() { close(done) })
		signal.Stop(signals)
		cancel()
	}
}
