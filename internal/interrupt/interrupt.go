// Package interrupt is the commands' Ctrl-C: a context that the first of the given signals
// cancels, after which their default action is back, so that a second one ends the process at
// once. A signal the process was started with ignored (SIGHUP under nohup, SIGINT in a script's
// background job) stays ignored, as the shell meant it.
package interrupt

import (
	"context"
	"os"
	"os/signal"
	"sync"
)

// Context returns a context that the first of sigs the process does not ignore cancels, calling
// onSignal (when not nil) once then, before the context is cancelled: what it says comes before
// anything the cancellation makes the caller print. stop releases the signals and the context.
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
			signal.Stop(signals) // the default action again: a second signal ends the process
			if onSignal != nil {
				onSignal()
			}
			cancel()
		case <-ctx.Done(): // the parent's end
			signal.Stop(signals)
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
