package shufflenet

import (
	"fmt"
	"slices"

	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/parallel"
)

// Net is a loaded ShuffleNet v1 with BatchNorm folded into the convolutions. It is read-only and
// may be shared; each goroutine runs it through its own Runner.
type Net struct {
	Config     Config
	stem       *nn.Conv
	units      []*unit
	classifier *nn.Linear
}

type unit struct {
	spec UnitSpec
	pw1  *nn.Conv          // 1x1 group conv + BN + ReLU
	dw   *nn.DepthwiseConv // 3x3 depthwise + BN, writing channels in shuffled order
	pw2  *nn.Conv          // 1x1 group conv + BN (+ residual) (+ ReLU)
	se   *nn.SqueezeExcite
}

// Build assembles a Net from weights named as in the official megvii code (docs/MODEL_FORMAT.md).
func Build(cfg Config, w nn.Weights) (*Net, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := &Net{Config: cfg}
	var err error
	stem := cfg.StemWidth()
	if n.stem, err = convBN(w, "first_conv.0", "first_conv.1", 3, stem, 3, 2, 1, 1, nn.ReLU); err != nil {
		return nil, err
	}
	for _, s := range cfg.Units() {
		u := &unit{spec: s}
		p := fmt.Sprintf("features.%d.", s.Index)
		if u.pw1, err = convBN(w, p+"branch_main_1.0", p+"branch_main_1.1", s.In, s.Mid, 1, 1, 0, s.FirstGroups, nn.ReLU); err != nil {
			return nil, err
		}
		dw, err := convBN(w, p+"branch_main_1.3", p+"branch_main_1.4", s.Mid, s.Mid, 3, s.Stride, 1, s.Mid, nn.Identity)
		if err != nil {
			return nil, err
		}
		u.dw = &nn.DepthwiseConv{C: s.Mid, Stride: s.Stride, Weight: dw.Weight, Bias: dw.Bias}
		if cfg.Shuffle && cfg.Groups > 1 {
			u.dw.OutMap = nn.ShuffleMap(s.Mid, cfg.Groups, false)
		}
		act := nn.ReLU
		if cfg.SE {
			act = nn.Identity // SE scales the branch, then adds the residual and applies the ReLU
		}
		if u.pw2, err = convBN(w, p+"branch_main_2.0", p+"branch_main_2.1", s.Mid, s.Branch, 1, 1, 0, cfg.Groups, act); err != nil {
			return nil, err
		}
		if cfg.SE {
			if u.se, err = squeezeExcite(w, p+"se.", s.Branch, s.SEHidden); err != nil {
				return nil, err
			}
		}
		n.units = append(n.units, u)
	}
	if cfg.NumClasses > 0 {
		in := cfg.StageWidths()[2]
		wt, err := w.Get("classifier.0.weight", cfg.NumClasses, in)
		if err != nil {
			return nil, err
		}
		if n.classifier, err = nn.NewLinear(in, cfg.NumClasses, wt, nil); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// convBN loads a bias-free convolution and the BatchNorm after it, folded together.
func convBN(w nn.Weights, conv, bn string, in, out, k, stride, pad, groups int, act nn.Activation) (*nn.Conv, error) {
	wt, err := w.Get(conv+".weight", out, in/groups, k, k)
	if err != nil {
		return nil, err
	}
	var stats [4][]float32
	for i, s := range []string{"weight", "bias", "running_mean", "running_var"} {
		if stats[i], err = w.Get(bn+"."+s, out); err != nil {
			return nil, err
		}
	}
	fw, fb, err := nn.FoldBatchNorm(wt, out, stats[0], stats[1], stats[2], stats[3])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", bn, err)
	}
	c := &nn.Conv{InC: in, OutC: out, K: k, Stride: stride, Pad: pad, Groups: groups, Act: act, Weight: fw, Bias: fb}
	return c, c.Check()
}

func squeezeExcite(w nn.Weights, p string, c, hidden int) (*nn.SqueezeExcite, error) {
	var fc [2]*nn.Linear
	for i, dims := range [2][2]int{{c, hidden}, {hidden, c}} {
		name := fmt.Sprintf("%sfc%d", p, i+1)
		wt, err := w.Get(name+".weight", dims[1], dims[0], 1, 1)
		if err != nil {
			return nil, err
		}
		b, err := w.Get(name+".bias", dims[1])
		if err != nil {
			return nil, err
		}
		if fc[i], err = nn.NewLinear(dims[0], dims[1], wt, b); err != nil {
			return nil, err
		}
	}
	return &nn.SqueezeExcite{FC1: fc[0], FC2: fc[1], Act: nn.ReLU}, nil
}

// Stage numbers for Runner.Forward and Runner.Stage.
const (
	Stage2 = 2 // stride 8
	Stage3 = 3 // stride 16: the detector's feature map
	Stage4 = 4 // stride 32: the classifier's input and the detector's box head
)

// Runner runs a Net, owning the activation buffers so that repeated calls with the same input size
// allocate nothing. A Runner is for one goroutine at a time.
type Runner struct {
	net        *Net
	stemOut    nn.Tensor
	out        [2]nn.Tensor
	mid1, mid2 nn.Tensor
	scratch    nn.Scratch
	pool       *parallel.Pool
	bands      bandScratch
	bandTask   bandTask
	bandUnits  [2]int // units run in bands so far, at stride 1 and 2 (what the tests check ran)
	tiles      []tile
	tileTask   tileTask
	gather     gatherTask
	tiledLast  int // the last stage the latest Forward ran in tiles, Stage2-1 for none (what the tests check ran)
	pooled     []float32
	logits     []float32
}

// NewRunner returns a Runner for n, on one thread until SetPool.
func (n *Net) NewRunner() *Runner { return &Runner{net: n} }

// SetPool makes the Runner split its layers' work over p (nil: one thread). Results do not
// depend on p's thread count.
func (r *Runner) SetPool(p *parallel.Pool) {
	r.pool = p
	r.scratch.SetPool(p)
}

// Forward runs the stem and stages 2..last on x ([N, 3, H, W]) and returns the last stage's output;
// last is Stage2, Stage3 or Stage4 (any other value is a programming error: Forward panics). The
// result is owned by the Runner and valid until its next call.
func (r *Runner) Forward(x *nn.Tensor, last int) *nn.Tensor {
	if last < Stage2 || last > Stage4 {
		panic(fmt.Sprintf("shufflenet: Forward to stage %d (Stage2..Stage4)", last))
	}
	r.net.stem.ForwardMaxPool(&r.stemOut, &r.mid1, x, &r.scratch)
	t, s := &r.stemOut, Stage2
	if parts, tiledLast := r.tileParts(t, last); parts > 0 {
		t, s = r.forwardTiles(t, tiledLast, parts), tiledLast+1
	}
	r.tiledLast = s - 1
	for ; s <= last; s++ {
		t = r.Stage(t, s)
	}
	return t
}

// Stage runs stage s (2, 3 or 4) on x, which may be a result of this Runner or any [N, C, H, W]
// tensor with the stage's input channels, in either layout (the detector runs stage 4 on a CNHW
// batch of RoI features); the result has x's layout.
func (r *Runner) Stage(x *nn.Tensor, s int) *nn.Tensor {
	for _, u := range r.net.units {
		if u.spec.Stage == s {
			x = r.unit(u, x)
		}
	}
	return x
}

// owns reports whether x is one of the Runner's output buffers, which a unit may write over
// (never a caller's tensor).
func (r *Runner) owns(x *nn.Tensor) bool { return x == &r.out[0] || x == &r.out[1] }

// unit runs one ShuffleNet unit, writing to whichever output buffer does not hold x, or, for a
// stride-1 unit without SE whose x is one of those buffers, over x itself (nn.Conv.InPlace).
func (r *Runner) unit(u *unit, x *nn.Tensor) *nn.Tensor {
	y := &r.out[0]
	if len(x.Data) > 0 && len(y.Data) > 0 && &x.Data[0] == &y.Data[0] {
		y = &r.out[1]
	}
	if r.usesBands(u, x) {
		return r.unitBands(u, x, y)
	}
	s := u.spec
	r.mid1.Resize(x.N, s.Mid, x.H, x.W)
	oh, ow := u.dw.OutSize(x.H, x.W)
	r.mid2.Resize(x.N, s.Mid, oh, ow)
	y.Resize(x.N, s.Out, oh, ow)
	r.mid1.Layout, r.mid2.Layout, y.Layout = x.Layout, x.Layout, x.Layout
	u.pw1.Forward(&r.mid1, 0, x, nil, &r.scratch)
	u.dw.Forward(&r.mid2, 0, &r.mid1, &r.scratch)
	if s.Stride == 2 {
		nn.AvgPool3x3s2(y, 0, x, &r.scratch)
		u.pw2.Forward(y, s.In, &r.mid2, nil, &r.scratch)
		if u.se != nil {
			u.se.Forward(y, s.In, nil, &r.scratch)
		}
		return y
	}
	if u.se == nil {
		if r.owns(x) && u.pw2.InPlace() {
			// The sum replaces the residual, which is this Runner's own (never a caller's x).
			u.pw2.Forward(x, 0, &r.mid2, x, &r.scratch)
			return x
		}
		u.pw2.Forward(y, 0, &r.mid2, x, &r.scratch)
		return y
	}
	u.pw2.Forward(y, 0, &r.mid2, nil, &r.scratch)
	u.se.Forward(y, 0, x, &r.scratch)
	return y
}

// Classify runs the whole network with global average pooling and the classifier, returning
// N x NumClasses logits owned by the Runner. The Net must have a classifier.
func (r *Runner) Classify(x *nn.Tensor) ([]float32, error) {
	cls := r.net.classifier
	if cls == nil {
		return nil, fmt.Errorf("backbone %s: no classifier (num_classes is 0)", r.net.Config.Name())
	}
	f := r.Forward(x, Stage4)
	r.pooled = slices.Grow(r.pooled[:0], f.N*f.C)[:f.N*f.C]
	nn.GlobalAvgPool(r.pooled, f, &r.scratch)
	r.logits = slices.Grow(r.logits[:0], f.N*cls.Out)[:f.N*cls.Out]
	cls.Forward(r.logits, r.pooled, f.N, &r.scratch)
	return r.logits, nil
}
