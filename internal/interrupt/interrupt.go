// Package interrupt is the commands' Ctrl-C: a context that the first of the given signals
// cancels, after which their default action is back, so that a second one ends the process at
// once. A signal the process was started with ignored (SIGHUP under nohup, SIGINT in a script's
// background job) stays ignored, as the shell meant it.
package interrupt

import (
	"context"
	"os"
	"os/signal"
)

// Context returns a context that the first of sigs the process does not ignore cancels, calling
// onSignal (when not nil) once then; stop releases the signals and the context.
func Context(parent context.Context, onSignal func(), sigs ...os.Signal) (ctx context.Context, stop func()) {
	var caught []os.Signal
	for _, sig := range sigs {
		if !signal.Ignored(sig) {
			caught = append(caught, sig)
		}
	}
	if len(caught) == 0 { // (NotifyContext with no signals would relay every signal)
		return context.WithCancel(parent)
	}
	ctx, unnotify := signal.NotifyContext(parent, caught...)
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			unnotify() // the default action again: a second signal ends the process
			if parent.Err() == nil && onSignal != nil {
				onSignal()
			}
		case <-done:
		}
	}()
	return ctx, func() { close(done); unnotify() }
}
