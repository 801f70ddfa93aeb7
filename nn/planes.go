package nn

import (
	"fmt"

	"github.com/shuffledet/shuffledet/internal/kernels"
)

// Planes is a set of channel planes in one slice: channel c's values start at Data[c*Stride]
// (the rows of a band of a tensor's planes, or a scratch buffer of the band's shape). The layers'
// band methods below take and give them, on the calling thread, so that a caller (the ShuffleNet
// unit's band loop) can run a chain of layers a few rows at a time while its data stays in cache.
type Planes struct {
	Data   []float32
	Stride int
}

// channel returns the first n values of channel c.
func (p Planes) channel(c, n int) []float32 { return p.Data[c*p.Stride : c*p.Stride+n] }

// PointwiseBand computes the 1x1 convolution (stride 1, no padding) of n positions of src into
// dst, on the calling thread: act(conv(src) + bias [+ dst]) with addDst, which then overwrites
// the residual it reads (the unit's output over its input); that needs InPlace. Every value is
// the one Forward computes for that position: kernels.SgemmEpilogue gives each element the same
// value whichever column block it is computed in.
func (l *Conv) PointwiseBand(dst, src Planes, n int, addDst bool) {
	if l.K != 1 || l.Stride != 1 || l.Pad != 0 {
		panic(fmt.Sprintf("nn: PointwiseBand of a %dx%d stride %d convolution", l.K, l.K, l.Stride))
	}
	if addDst && !l.InPlace() {
		panic(fmt.Sprintf("nn: PointwiseBand %d->%d/%d over its residual, deeper than InPlace allows", l.InC, l.OutC, l.Groups))
	}
	if n == 0 {
		return
	}
	icg, ocg := l.InC/l.Groups, l.OutC/l.Groups
	_ = src.channel(l.InC-1, n)
	_ = dst.channel(l.OutC-1, n)
	for g := 0; g < l.Groups; g++ {
		out := dst.Data[g*ocg*dst.Stride:]
		ep := kernels.Epilogue{Bias: l.Bias[g*ocg : (g+1)*ocg], ReLU: l.Act == ReLU}
		if addDst {
			ep.Res = out
		}
		kernels.SgemmEpilogue(ocg, n, icg, l.Weight[g*ocg*icg:], icg, src.Data[g*icg*src.Stride:], src.Stride, out, dst.Stride, ep)
	}
}

// ForwardBand convolves the h x w planes of src (all C channels) into dst, whose planes take the
// output's size (OutSize), on the calling thread, channel c into dst's channel OutMap[c] (or c).
// The rows of a band of a taller map come out as Forward computes them, except the rows whose
// windows reach past the band's first or last row, which take the band's edge for the map's: a
// caller gives the band the rows of context its windows need and keeps the output rows between
// (at stride 2, a band that starts on an even row of the map, so that its windows are the map's).
func (l *DepthwiseConv) ForwardBand(dst, src Planes, h, w int) {
	oh, ow := l.OutSize(h, w)
	for c := 0; c < l.C; c++ {
		l.plane(dst.channel(l.outChannel(c), oh*ow), src.channel(c, h*w), c, h, w, oh, ow)
	}
}
