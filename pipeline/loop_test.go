//go:build cgo && !noopencv && (matprofile || soak)

package pipeline

import (
	"context"
	"errors"
	"io"

	"gocv.io/x/gocv"
)

// loop plays a file source again and again (times plays, 0 for ever), numbering frames on.
type loop struct {
	open         func() (Source, error)
	src          Source
	times, plays int
	offset, next int
}

func (l *loop) Read(ctx context.Context, m *gocv.Mat) (Position, error) {
	for {
		if l.src == nil {
			s, err := l.open()
			if err != nil {
				return Position{}, err
			}
			l.src, l.offset = s, l.next
		}
		p, err := l.src.Read(ctx, m)
		if errors.Is(err, io.EOF) {
			l.src.Close()
			l.src = nil
			if l.plays++; l.times > 0 && l.plays >= l.times {
				return Position{}, io.EOF
			}
			continue
		}
		p.Index += l.offset
		l.next = p.Index + 1
		return p, err
	}
}

func (l *loop) Close() error {
	if l.src == nil {
		return nil
	}
	return l.src.Close()
}
