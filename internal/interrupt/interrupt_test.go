//go:build unix

package interrupt

import (
	"context"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

// TestContext: a signal calls onSignal, then cancels the context; a signal the process ignores
// stays ignored (the context stays live, the process alive); with every signal ignored the
// context still cancels with stop.
func TestContext(t *testing.T) {
	called := make(chan struct{}, 1)
	ctx, stop := Context(context.Background(), func() {
		time.Sleep(50 * time.Millisecond) // (a slow writer: still done before the cancellation)
		called <- struct{}{}
	}, syscall.SIGUSR1)
	defer stop()
	syscall.Kill(syscall.Getpid(), syscall.SIGUSR1)
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGUSR1 did not cancel the context")
	}
	// onSignal has returned by then: its message came before whatever the cancellation makes
	// the caller print (detect's "interrupted" line printed after its summary).
	select {
	case <-called:
	default:
		t.Fatal("the context was cancelled before onSignal returned")
	}

	signal.Ignore(syscall.SIGUSR2)
	defer signal.Reset(syscall.SIGUSR2)
	ignored, stop2 := Context(context.Background(), nil, syscall.SIGUSR2)
	syscall.Kill(syscall.Getpid(), syscall.SIGUSR2)
	select {
	case <-ignored.Done():
		t.Fatal("an ignored signal cancelled the context")
	case <-time.After(200 * time.Millisecond):
	}
	stop2()
	if ignored.Err() == nil {
		t.Error("stop did not cancel the context")
	}
}
