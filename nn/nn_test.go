package nn

import (
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/parallel"
)

// naiveConv is the textbook grouped convolution the layers are checked against.
func naiveConv(x *Tensor, outC, k, stride, pad, groups int, w, b []float32) *Tensor {
	oh, ow := ConvOut(x.H, k, stride, pad), ConvOut(x.W, k, stride, pad)
	y := NewTensor(x.N, outC, oh, ow)
	icg, ocg := x.C/groups, outC/groups
	for n := 0; n < x.N; n++ {
		for o := 0; o < outC; o++ {
			g := o / ocg
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					sum := float64(b[o])
					for i := 0; i < icg; i++ {
						for ky := 0; ky < k; ky++ {
							for kx := 0; kx < k; kx++ {
								yy, xx := oy*stride-pad+ky, ox*stride-pad+kx
								if yy < 0 || yy >= x.H || xx < 0 || xx >= x.W {
									continue
								}
								sum += float64(w[((o*icg+i)*k+ky)*k+kx]) * float64(x.Plane(n, g*icg+i)[yy*x.W+xx])
							}
						}
					}
					y.Plane(n, o)[oy*ow+ox] = float32(sum)
				}
			}
		}
	}
	return y
}

func randTensor(rng *rand.Rand, n, c, h, w int) *Tensor {
	t := NewTensor(n, c, h, w)
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64())
	}
	return t
}

func randVec(rng *rand.Rand, n int) []float32 { return randTensor(rng, 1, n, 1, 1).Data }

func maxDiff(t *testing.T, got, want []float32) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("length %d, want %d", len(got), len(want))
	}
	var m float64
	for i := range got {
		m = math.Max(m, math.Abs(float64(got[i]-want[i])))
	}
	return m
}

func TestConvMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	var s Scratch
	for _, c := range []struct{ n, inC, outC, h, w, k, stride, pad, groups int }{
		{1, 3, 8, 11, 13, 3, 2, 1, 1},  // stem-like
		{2, 12, 6, 7, 9, 1, 1, 0, 3},   // grouped 1x1
		{1, 12, 12, 9, 10, 1, 1, 0, 1}, // dense 1x1
		{1, 16, 8, 10, 7, 3, 1, 1, 2},  // grouped 3x3
		{3, 6, 9, 5, 5, 3, 1, 1, 3},    // batch
		{1, 4, 4, 6, 6, 5, 2, 2, 1},    // 5x5
		{1, 61, 10, 9, 11, 3, 1, 1, 1}, // windows of 28 + 28 + 5 channels at a time (panelChannels)
		{2, 12, 5, 8, 8, 5, 1, 2, 1},   // 5x5: 10 + 2 channels at a time
		{1, 64, 8, 17, 17, 3, 1, 1, 2}, // grouped 3x3 wider than a slice, a full column block: all channels at once
	} {
		x := randTensor(rng, c.n, c.inC, c.h, c.w)
		l := &Conv{InC: c.inC, OutC: c.outC, K: c.k, Stride: c.stride, Pad: c.pad, Groups: c.groups,
			Weight: randVec(rng, c.outC*c.inC/c.groups*c.k*c.k), Bias: randVec(rng, c.outC)}
		if err := l.Check(); err != nil {
			t.Fatal(err)
		}
		want := naiveConv(x, c.outC, c.k, c.stride, c.pad, c.groups, l.Weight, l.Bias)
		// Write at a channel offset into a wider tensor, with and without a residual and ReLU.
		res := randTensor(rng, want.N, want.C, want.H, want.W)
		for _, v := range []struct {
			res *Tensor
			act Activation
		}{{nil, Identity}, {nil, ReLU}, {res, Identity}, {res, ReLU}} {
			l.Act = v.act
			dst := NewTensor(want.N, want.C+2, want.H, want.W)
			l.Forward(dst, 2, x, v.res, &s)
			for n := 0; n < want.N; n++ {
				for o := 0; o < want.C; o++ {
					exp := slices.Clone(want.Plane(n, o))
					for i := range exp {
						if v.res != nil {
							exp[i] += v.res.Plane(n, o)[i]
						}
						if v.act == ReLU {
							exp[i] = max(exp[i], 0)
						}
					}
					if d := maxDiff(t, dst.Plane(n, o+2), exp); !(d <= 1e-4) {
						t.Fatalf("%+v, residual %v, activation %d: channel %d differs by %g", c, v.res != nil, v.act, o, d)
					}
				}
			}
		}
	}
}

// TestSqueezeExcite checks the SE block against its formula, on channels at an offset, with and
// without a residual and ReLU.
func TestSqueezeExcite(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	const n, c, hidden, h, w, c0 = 2, 5, 2, 3, 4, 1
	fc1, err := NewLinear(c, hidden, randVec(rng, c*hidden), randVec(rng, hidden))
	if err != nil {
		t.Fatal(err)
	}
	fc2, err := NewLinear(hidden, c, randVec(rng, c*hidden), randVec(rng, c))
	if err != nil {
		t.Fatal(err)
	}
	x := randTensor(rng, n, c0+c, h, w)
	res := randTensor(rng, n, c, h, w)
	var s Scratch
	for _, v := range []struct {
		res *Tensor
		act Activation
	}{{nil, Identity}, {nil, ReLU}, {res, Identity}, {res, ReLU}} {
		l := &SqueezeExcite{FC1: fc1, FC2: fc2, Act: v.act}
		got := &Tensor{N: n, C: c0 + c, H: h, W: w, Data: slices.Clone(x.Data)}
		l.Forward(got, c0, v.res, &s)
		for b := 0; b < n; b++ {
			mean := make([]float64, c)
			for ci := range c {
				for _, p := range x.Plane(b, c0+ci) {
					mean[ci] += float64(p) / (h * w)
				}
			}
			hid := make([]float64, hidden)
			for j := range hidden {
				hid[j] = float64(fc1.Bias[j])
				for ci := range c {
					hid[j] += float64(fc1.WeightT[ci*hidden+j]) * mean[ci]
				}
				hid[j] = math.Max(hid[j], 0)
			}
			for ci := range c {
				z := float64(fc2.Bias[ci])
				for j := range hidden {
					z += float64(fc2.WeightT[j*c+ci]) * hid[j]
				}
				g := 1 / (1 + math.Exp(-z))
				exp := make([]float32, h*w)
				for i, p := range x.Plane(b, c0+ci) {
					e := float64(p) * g
					if v.res != nil {
						e += float64(v.res.Plane(b, ci)[i])
					}
					if v.act == ReLU {
						e = math.Max(e, 0)
					}
					exp[i] = float32(e)
				}
				if d := maxDiff(t, got.Plane(b, c0+ci), exp); !(d <= 1e-5) {
					t.Fatalf("residual %v, activation %d: image %d channel %d differs by %g", v.res != nil, v.act, b, ci, d)
				}
			}
			if !slices.Equal(got.Plane(b, 0), x.Plane(b, 0)) {
				t.Fatalf("channel below c0 changed")
			}
		}
	}
}

func TestDepthwiseMatchesNaiveWithShuffle(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, c := range []struct{ c, h, w, stride int }{{6, 9, 11, 1}, {6, 9, 11, 2}, {12, 1, 1, 1}, {3, 2, 3, 2}, {9, 14, 14, 2}} {
		x := randTensor(rng, 2, c.c, c.h, c.w)
		l := &DepthwiseConv{C: c.c, Stride: c.stride, Weight: randVec(rng, c.c*9), Bias: randVec(rng, c.c), OutMap: ShuffleMap(c.c, 3, false)}
		if err := l.Check(); err != nil {
			t.Fatal(err)
		}
		want := naiveConv(x, c.c, 3, c.stride, 1, c.c, l.Weight, l.Bias)
		oh, ow := l.OutSize(c.h, c.w)
		dst := NewTensor(2, c.c, oh, ow)
		l.Forward(dst, 0, x, &Scratch{})
		for n := 0; n < 2; n++ {
			for ch := 0; ch < c.c; ch++ {
				if d := maxDiff(t, dst.Plane(n, l.OutMap[ch]), want.Plane(n, ch)); !(d <= 1e-5) {
					t.Fatalf("%+v: channel %d differs by %g", c, ch, d)
				}
			}
		}
	}
}

func TestShuffleMapOrders(t *testing.T) {
	// Official (megvii): 6 channels, 3 groups: view (2, 3), transpose -> output takes inputs 0,3,1,4,2,5.
	off := ShuffleMap(6, 3, false)
	takes := make([]int, 6)
	for in, out := range off {
		takes[out] = in
	}
	if want := []int{0, 3, 1, 4, 2, 5}; !slices.Equal(takes, want) {
		t.Fatalf("official shuffle output takes %v, want %v", takes, want)
	}
	// Paper: view (3, 2), transpose -> output takes inputs 0,2,4,1,3,5.
	pap := ShuffleMap(6, 3, true)
	for in, out := range pap {
		takes[out] = in
	}
	if want := []int{0, 2, 4, 1, 3, 5}; !slices.Equal(takes, want) {
		t.Fatalf("paper shuffle output takes %v, want %v", takes, want)
	}
	for in := range off {
		if pap[off[in]] != in {
			t.Fatalf("orders are not inverse at %d", in)
		}
	}
}

func TestPools(t *testing.T) {
	x := &Tensor{N: 1, C: 1, H: 3, W: 4, Data: []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -12}}
	var mp Tensor
	MaxPool3x3s2(&mp, x, &Scratch{})
	if mp.H != 2 || mp.W != 2 || !slices.Equal(mp.Data, []float32{6, 8, 10, 11}) {
		t.Fatalf("max pool = %v %v", mp.Shape(), mp.Data)
	}
	ap := NewTensor(1, 2, 2, 2)
	AvgPool3x3s2(ap, 1, x, &Scratch{})
	want := []float32{(1 + 2 + 5 + 6) / 9.0, (2 + 3 + 4 + 6 + 7 + 8) / 9.0, (5 + 6 + 9 + 10) / 9.0, (6 + 7 + 8 + 10 + 11 - 12) / 9.0}
	if d := maxDiff(t, ap.Plane(0, 1), want); !(d <= 1e-6) {
		t.Fatalf("avg pool = %v, want %v", ap.Plane(0, 1), want)
	}
	g := make([]float32, 1)
	GlobalAvgPool(g, x, nil)
	if !(math.Abs(float64(g[0])-54.0/12) <= 1e-6) {
		t.Fatalf("global avg pool = %v", g[0])
	}
}

func TestLinearAndFoldBatchNorm(t *testing.T) {
	l, err := NewLinear(3, 2, []float32{1, 2, 3, 4, 5, 6}, []float32{0.5, -1})
	if err != nil {
		t.Fatal(err)
	}
	y := make([]float32, 4)
	l.Forward(y, []float32{1, 0, -1, 2, 1, 0}, 2, nil)
	if !slices.Equal(y, []float32{-1.5, -3, 4.5, 12}) {
		t.Fatalf("linear = %v", y)
	}
	w, b, err := FoldBatchNorm([]float32{1, 2, 3, 4}, 2, []float32{2, 1}, []float32{1, 0}, []float32{0.5, -1}, []float32{1 - BatchNormEps, 4 - BatchNormEps})
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(t, w, []float32{2, 4, 1.5, 2}); !(d <= 1e-6) {
		t.Fatalf("folded weight %v", w)
	}
	if d := maxDiff(t, b, []float32{0, 0.5}); !(d <= 1e-6) {
		t.Fatalf("folded bias %v", b)
	}
	if _, _, err := FoldBatchNorm([]float32{1}, 1, []float32{1}, []float32{0}, []float32{0}, []float32{-1}); err == nil {
		t.Fatal("negative variance accepted")
	}
	// Finite statistics whose fold overflows float32: a weight of 3e38 over a variance of 0 (the
	// scale is 1/sqrt(1e-5)), and a bias that does the same through the mean.
	for _, c := range [][5]float32{{3e38, 1, 0, 0, 0}, {1, 1, 0, 3e38, 0}} {
		if _, _, err := FoldBatchNorm([]float32{0.5, c[0]}, 1, []float32{c[1]}, []float32{c[2]}, []float32{c[3]}, []float32{c[4]}); err == nil || !strings.Contains(err.Error(), "not finite") {
			t.Errorf("fold of %v: %v", c, err)
		}
	}
}

// TestConvInPlace checks a 1x1 convolution written over its residual against the same one into
// a separate tensor, bit for bit, in both layouts and on 1 and 3 threads, and that Forward
// refuses an in-place call it cannot honour.
func TestConvInPlace(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	const n, c, h, w = 3, 12, 11, 13
	x := randTensor(rng, n, c, h, w)
	l := &Conv{InC: c, OutC: 24, K: 1, Stride: 1, Groups: 3, Act: ReLU, Weight: randVec(rng, 24*c/3), Bias: randVec(rng, 24)}
	if !l.InPlace() {
		t.Fatal("InPlace: false for a 4-deep product")
	}
	res := randTensor(rng, n, 24, h, w)
	for _, layout := range []Layout{NCHW, CNHW} {
		for _, threads := range []int{1, 3} {
			pool := parallel.New(threads)
			s := &Scratch{}
			s.SetPool(pool)
			x.Layout, res.Layout = layout, layout
			want := NewTensor(n, 24, h, w)
			want.Layout = layout
			l.Forward(want, 0, x, res, s)
			got := &Tensor{N: n, C: 24, H: h, W: w, Layout: layout, Data: slices.Clone(res.Data)}
			l.Forward(got, 0, x, got, s)
			pool.Close()
			if !slices.Equal(got.Data, want.Data) {
				t.Fatalf("layout %v, %d threads: in place differs", layout, threads)
			}
		}
	}
	x.Layout, res.Layout = NCHW, NCHW
	wide := NewTensor(n, 25, h, w)
	deep := &Conv{InC: 3 * 257, OutC: 3, K: 1, Stride: 1, Groups: 3, Weight: make([]float32, 3*257), Bias: make([]float32, 3)}
	for name, call := range map[string]func(){
		"c0 1":        func() { l.Forward(wide, 1, x, wide, &Scratch{}) },
		"25 channels": func() { l.Forward(wide, 0, x, wide, &Scratch{}) },
		"257-deep":    func() { d := NewTensor(1, 3, 1, 1); deep.Forward(d, 0, NewTensor(1, 3*257, 1, 1), d, &Scratch{}) },
	} {
		func() {
			defer func() {
				if msg, _ := recover().(string); !strings.Contains(msg, "in place over its residual") {
					t.Errorf("%s: in place: %q, want a panic that says so", name, msg)
				}
			}()
			call()
		}()
	}
}

// TestThreadsGiveIdenticalResults runs the layers that split their work over a pool on 1, 2 and 3
// threads and checks that every output value is the same, bit for bit, as without a pool.
func TestThreadsGiveIdenticalResults(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	type layerCase struct {
		name string
		run  func(s *Scratch) []float32
	}
	conv := func(n, inC, outC, h, w, k, stride, pad, groups int, residual bool) layerCase {
		x := randTensor(rng, n, inC, h, w)
		l := &Conv{InC: inC, OutC: outC, K: k, Stride: stride, Pad: pad, Groups: groups, Act: ReLU,
			Weight: randVec(rng, outC*inC/groups*k*k), Bias: randVec(rng, outC)}
		oh, ow := l.OutSize(h, w)
		var res *Tensor
		if residual {
			res = randTensor(rng, n, outC, oh, ow)
		}
		return layerCase{fmt.Sprintf("conv %+v", *l), func(s *Scratch) []float32 {
			dst := NewTensor(n, outC+1, oh, ow)
			l.Forward(dst, 1, x, res, s)
			return dst.Data
		}}
	}
	x := randTensor(rng, 3, 12, 29, 31)
	dw := &DepthwiseConv{C: 12, Stride: 2, Act: ReLU, Weight: randVec(rng, 12*9), Bias: randVec(rng, 12), OutMap: ShuffleMap(12, 3, false)}
	fc, err := NewLinear(50, 81, randVec(rng, 50*81), randVec(rng, 81)) // the box predictor's shape: 37 RoIs
	if err != nil {
		t.Fatal(err)
	}
	fcIn := randVec(rng, 37*50)
	stem := &Conv{InC: 3, OutC: 48, K: 3, Stride: 2, Pad: 1, Groups: 1, Act: ReLU, Weight: randVec(rng, 48*27), Bias: randVec(rng, 48)}
	stemIn := randTensor(rng, 2, 3, 50, 400) // bands of 2 pooled rows
	cases := []layerCase{
		conv(1, 3, 8, 61, 67, 3, 2, 1, 1, false),  // stem: im2col, several column blocks
		conv(2, 12, 6, 23, 25, 1, 1, 0, 3, true),  // grouped 1x1 with a residual, batch
		conv(5, 24, 24, 7, 7, 1, 1, 0, 3, true),   // box-head sized planes
		conv(1, 16, 8, 40, 30, 3, 1, 1, 2, false), // grouped 3x3
		conv(1, 8, 8, 33, 34, 1, 1, 0, 1, false),  // dense 1x1, ragged column blocks
		conv(1, 60, 84, 7, 7, 1, 1, 0, 3, true),   // one column block a group: rows split, ragged (blockRows)
		conv(1, 61, 10, 30, 40, 3, 1, 1, 1, true), // windows a slice of channels at a time, 5 column blocks
		{"depthwise", func(s *Scratch) []float32 {
			oh, ow := dw.OutSize(x.H, x.W)
			dst := NewTensor(3, 12, oh, ow)
			dw.Forward(dst, 0, x, s)
			return dst.Data
		}},
		{"stem and max pool, bands", func(s *Scratch) []float32 {
			var dst, mid Tensor
			stem.ForwardMaxPool(&dst, &mid, stemIn, s)
			return dst.Data
		}},
		{"max pool", func(s *Scratch) []float32 {
			var dst Tensor
			MaxPool3x3s2(&dst, x, s)
			return dst.Data
		}},
		{"avg pool", func(s *Scratch) []float32 {
			dst := NewTensor(3, 14, ConvOut(x.H, 3, 2, 1), ConvOut(x.W, 3, 2, 1))
			AvgPool3x3s2(dst, 2, x, s)
			return dst.Data
		}},
		{"global average pool", func(s *Scratch) []float32 {
			dst := make([]float32, 3*12)
			GlobalAvgPool(dst, x, s)
			return dst
		}},
		{"linear, ragged column blocks", func(s *Scratch) []float32 {
			dst := make([]float32, 37*81)
			fc.Forward(dst, fcIn, 37, s)
			return dst
		}},
	}
	pools := []*parallel.Pool{parallel.New(1), parallel.New(2), parallel.New(3)}
	for _, c := range cases {
		want := c.run(&Scratch{})
		for _, p := range pools {
			var s Scratch
			s.SetPool(p)
			got := c.run(&s)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s on %d threads: value %d is %g, on one thread %g", c.name, p.Threads(), i, got[i], want[i])
				}
			}
		}
	}
}

// TestForwardMaxPool checks that the stem's convolution and max pool a band at a time give what
// Forward and MaxPool3x3s2 give, bit for bit, on 1-3 threads: ShuffleNet's stem widths (12, 24,
// 48; 36 too) and one the stem kernel does not take (16: Forward and MaxPool3x3s2 through mid),
// with and without the ReLU, maps of one band and of many (ragged last band, a band of one
// pooled row: 48 channels of 350 columns), odd and even sizes, a batch of two.
func TestForwardMaxPool(t *testing.T) {
	rng := rand.New(rand.NewSource(41))
	pools := []*parallel.Pool{nil, parallel.New(2), parallel.New(3)}
	for _, c := range []struct{ n, outC, h, w int }{
		{1, 12, 1, 1}, {1, 24, 2, 3}, {2, 12, 61, 67}, {1, 48, 224, 224}, {1, 36, 37, 90},
		{1, 48, 40, 700}, {1, 24, 95, 161}, {2, 16, 30, 31},
	} {
		for _, act := range []Activation{ReLU, Identity} {
			l := &Conv{InC: 3, OutC: c.outC, K: 3, Stride: 2, Pad: 1, Groups: 1, Act: act, Weight: randVec(rng, c.outC*27), Bias: randVec(rng, c.outC)}
			x := randTensor(rng, c.n, 3, c.h, c.w)
			oh, ow := l.OutSize(c.h, c.w)
			conv := NewTensor(c.n, c.outC, oh, ow)
			var want Tensor
			l.Forward(conv, 0, x, nil, &Scratch{})
			MaxPool3x3s2(&want, conv, &Scratch{})
			for _, p := range pools {
				var s Scratch
				s.SetPool(p)
				var got, mid Tensor
				l.ForwardMaxPool(&got, &mid, x, &s)
				if got.N != want.N || got.C != want.C || got.H != want.H || got.W != want.W {
					t.Fatalf("%+v: shape %dx%dx%dx%d, want %dx%dx%dx%d", c, got.N, got.C, got.H, got.W, want.N, want.C, want.H, want.W)
				}
				for i := range want.Data {
					if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
						t.Fatalf("%+v act %v on %d threads: value %d is %g, Forward and MaxPool3x3s2 give %g", c, act, p.Threads(), i, got.Data[i], want.Data[i])
					}
				}
				if fused := l.isStem(nil, NCHW); fused == (len(mid.Data) > 0) {
					t.Fatalf("%+v: the stem kernel takes it: %v, but mid holds %d values", c, fused, len(mid.Data))
				}
			}
		}
	}
}

// TestStemBandRows checks the band sizes: within stemBandBytes where a pooled row allows it, at
// least one pooled row a block, and on several threads at least parallel.ChunksPerThread blocks a
// thread where there are enough rows.
func TestStemBandRows(t *testing.T) {
	for _, c := range []struct{ m, ow, rows, threads, want int }{
		{48, 112, 56, 1, 5},  // the 2x classifier at 224: 11 rows of 21.5 KB
		{12, 112, 56, 1, 23}, // 0.5x at 224
		{12, 112, 56, 2, 7},  // on 2 threads: 8 blocks
		{24, 512, 152, 1, 2}, // the 1x detector's trunk at 600
		{24, 512, 152, 2, 2},
		{48, 512, 152, 1, 1}, // 2x at 600: 3 rows, 288 KB
		{48, 2000, 10, 1, 1},
		{12, 112, 3, 4, 1},   // fewer rows than chunks
		{12, 112, 56, 4, 3},  // 4 threads: 19 blocks for 16 chunks
		{24, 512, 152, 8, 2}, // the budget binds first
	} {
		got := stemBandRows(c.m, c.ow, c.rows, c.threads)
		if got != c.want {
			t.Errorf("stemBandRows(%d, %d, %d, %d) = %d, want %d", c.m, c.ow, c.rows, c.threads, got, c.want)
		}
		if got > 1 && 4*c.m*c.ow*(2*got+1) > stemBandBytes {
			t.Errorf("stemBandRows(%d, %d, %d, %d) = %d: a band of %d bytes", c.m, c.ow, c.rows, c.threads, got, 4*c.m*c.ow*(2*got+1))
		}
		if blocks := (c.rows + got - 1) / got; c.threads > 1 && got > 1 && blocks < parallel.ChunksPerThread*c.threads {
			t.Errorf("stemBandRows(%d, %d, %d, %d) = %d: %d blocks", c.m, c.ow, c.rows, c.threads, got, blocks)
		}
	}
}

// TestBlockRows checks how a 1x1 convolution's groups are split by output channels: not on one
// thread or when the column blocks already fill the pool's chunks; otherwise in multiples of 8
// rows, never more than the group has, every row in a block.
func TestBlockRows(t *testing.T) {
	for _, c := range []struct{ ocg, blocks, threads, want int }{
		{80, 3, 1, 80},  // one thread: whole groups
		{80, 12, 2, 80}, // stage 2 at 224: 4 column blocks x 3 groups is enough for 2 threads
		{80, 3, 2, 32},  // stage 4 at 224 on 2 threads: 3 row blocks a group (32, 32, 16)
		{28, 3, 3, 8},   // 4 row blocks (8, 8, 8, 4)
		{5, 3, 2, 5},    // a group smaller than one tile stays whole
		{160, 1, 16, 8}, // as many blocks as multiples of 8 allow
		{20, 6, 2, 16},  // 2 row blocks (16, 4)
	} {
		got := blockRows(c.ocg, c.blocks, c.threads)
		if got != c.want {
			t.Errorf("blockRows(%d, %d, %d) = %d, want %d", c.ocg, c.blocks, c.threads, got, c.want)
		}
	}
	for ocg := 1; ocg <= 200; ocg++ {
		for blocks := 1; blocks <= 20; blocks++ {
			for threads := 1; threads <= 8; threads++ {
				rows := blockRows(ocg, blocks, threads)
				if rows < 1 || rows > ocg || (rows != ocg && rows%8 != 0) {
					t.Fatalf("blockRows(%d, %d, %d) = %d: want all %d rows or a multiple of 8 below them", ocg, blocks, threads, rows, ocg)
				}
			}
		}
	}
}

// toLayout returns a copy of x with its planes in the given layout.
func toLayout(x *Tensor, l Layout) *Tensor {
	y := NewTensor(x.N, x.C, x.H, x.W)
	y.Layout = l
	for n := 0; n < x.N; n++ {
		for c := 0; c < x.C; c++ {
			copy(y.Plane(n, c), x.Plane(n, c))
		}
	}
	return y
}

// TestCNHWGivesNCHWResults runs every layer a box head uses (grouped 1x1 convolutions with a
// residual, written at a channel offset; depthwise convolutions of stride 1 and 2 with the
// shuffle; the average pool of a stride-2 unit's shortcut; the max pool; the global average
// pool) on a batch in the CNHW layout and checks each value against the NCHW run bit for bit, on
// 1 and 3 threads; convolutions with windows refuse CNHW input, and every layer refuses mixed
// layouts.
func TestCNHWGivesNCHWResults(t *testing.T) {
	rng := rand.New(rand.NewSource(10))
	const n, c, h, w = 5, 12, 7, 9
	x := randTensor(rng, n, c, h, w)
	pw := &Conv{InC: c, OutC: 6, K: 1, Stride: 1, Groups: 3, Act: ReLU, Weight: randVec(rng, 6*c/3), Bias: randVec(rng, 6)}
	res := randTensor(rng, n, 6, h, w)
	dws := []*DepthwiseConv{
		{C: c, Stride: 1, Weight: randVec(rng, c*9), Bias: randVec(rng, c), OutMap: ShuffleMap(c, 3, false)},
		{C: c, Stride: 2, Act: ReLU, Weight: randVec(rng, c*9), Bias: randVec(rng, c)},
	}
	type run func(x, res *Tensor, s *Scratch) ([]*Tensor, []float32)
	layers := map[string]run{
		"1x1 conv": func(x, res *Tensor, s *Scratch) ([]*Tensor, []float32) {
			dst := NewTensor(n, 8, h, w)
			dst.Layout = x.Layout
			pw.Forward(dst, 2, x, res, s)
			return []*Tensor{dst}, nil
		},
		"depthwise": func(x, _ *Tensor, s *Scratch) ([]*Tensor, []float32) {
			var out []*Tensor
			for _, l := range dws {
				oh, ow := l.OutSize(h, w)
				dst := NewTensor(n, c, oh, ow)
				dst.Layout = x.Layout
				l.Forward(dst, 0, x, s)
				out = append(out, dst)
			}
			return out, nil
		},
		"pools": func(x, _ *Tensor, s *Scratch) ([]*Tensor, []float32) {
			avg := NewTensor(n, c+3, ConvOut(h, 3, 2, 1), ConvOut(w, 3, 2, 1))
			avg.Layout = x.Layout
			AvgPool3x3s2(avg, 3, x, s)
			var mx Tensor
			MaxPool3x3s2(&mx, x, s)
			mean := make([]float32, n*c)
			GlobalAvgPool(mean, x, s)
			return []*Tensor{avg, &mx}, mean
		},
	}
	// The layout is the memory order: plane (n, c) of a CNHW tensor is the (c*N + n)-th.
	for i, v := range toLayout(x, CNHW).Data {
		p, k := i/(h*w), i%(h*w)
		if math.Float32bits(v) != math.Float32bits(x.Data[((p%n)*c+p/n)*h*w+k]) {
			t.Fatalf("CNHW value %d is not plane (%d, %d)'s", i, p%n, p/n)
		}
	}
	for name, f := range layers {
		for _, threads := range []int{1, 3} {
			var s Scratch
			s.SetPool(parallel.New(threads))
			want, wantMean := f(x, res, &s)
			got, gotMean := f(toLayout(x, CNHW), toLayout(res, CNHW), &s)
			for i := range want {
				if got[i].Layout != CNHW {
					t.Fatalf("%s: output %d has layout %d, want CNHW", name, i, got[i].Layout)
				}
				g := toLayout(got[i], NCHW)
				for j := range want[i].Data {
					if math.Float32bits(g.Data[j]) != math.Float32bits(want[i].Data[j]) {
						t.Fatalf("%s, %d threads: output %d value %d is %g in CNHW, %g in NCHW", name, threads, i, j, g.Data[j], want[i].Data[j])
					}
				}
			}
			for j := range wantMean {
				if math.Float32bits(gotMean[j]) != math.Float32bits(wantMean[j]) {
					t.Fatalf("global average pool, %d threads: mean %d is %g in CNHW, %g in NCHW", threads, j, gotMean[j], wantMean[j])
				}
			}
		}
	}
	conv3 := &Conv{InC: c, OutC: c, K: 3, Stride: 1, Pad: 1, Groups: 1, Weight: randVec(rng, c*c*9), Bias: randVec(rng, c)}
	cx := toLayout(x, CNHW)
	mustPanic(t, "3x3 conv of CNHW", func() { conv3.Forward(toLayout(x, CNHW), 0, cx, nil, &Scratch{}) })
	mustPanic(t, "CNHW into NCHW", func() { pw.Forward(NewTensor(n, 6, h, w), 0, cx, nil, &Scratch{}) })
	mustPanic(t, "NCHW residual", func() { pw.Forward(toLayout(NewTensor(n, 6, h, w), CNHW), 0, cx, res, &Scratch{}) })
	mustPanic(t, "depthwise CNHW into NCHW", func() { dws[0].Forward(NewTensor(n, c, h, w), 0, cx, &Scratch{}) })
	mustPanic(t, "average pool CNHW into NCHW", func() {
		AvgPool3x3s2(NewTensor(n, c, ConvOut(h, 3, 2, 1), ConvOut(w, 3, 2, 1)), 0, cx, &Scratch{})
	})
	mustPanic(t, "Image of CNHW", func() { cx.Image(0) })
}

// BenchmarkConvStem times ShuffleNet's stem convolution (3 -> 12, 24 or 48 channels by width,
// 3x3, stride 2, ReLU) on one thread, on a classifier's 224x224 input and the detector's 608x1024
// at 600.
func BenchmarkConvStem(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	for _, out := range []int{12, 24, 48} {
		l := &Conv{InC: 3, OutC: out, K: 3, Stride: 2, Pad: 1, Groups: 1, Act: ReLU, Weight: make([]float32, out*27), Bias: make([]float32, out)}
		for i := range l.Weight {
			l.Weight[i] = float32(rng.NormFloat64())
		}
		for _, size := range [][2]int{{224, 224}, {608, 1024}} {
			b.Run(fmt.Sprintf("%d/%dx%d", out, size[0], size[1]), func(b *testing.B) {
				x := NewTensor(1, 3, size[0], size[1])
				for i := range x.Data {
					x.Data[i] = float32(rng.NormFloat64())
				}
				oh, ow := l.OutSize(size[0], size[1])
				dst := NewTensor(1, out, oh, ow)
				s := &Scratch{}
				b.ReportAllocs()
				for b.Loop() {
					l.Forward(dst, 0, x, nil, s)
				}
			})
		}
	}
}

// BenchmarkStemMaxPool times the stem convolution and the max pool after it, on one thread, at
// the sizes of BenchmarkConvStem: as two layers (Forward, then MaxPool3x3s2) and a band at a time
// (ForwardMaxPool). Both keep their buffers in cache from run to run here, unlike in a network,
// where a layer's whole output finds its lines elsewhere (the classifier benchmark shows that
// gain).
func BenchmarkStemMaxPool(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	for _, out := range []int{12, 24, 48} {
		l := &Conv{InC: 3, OutC: out, K: 3, Stride: 2, Pad: 1, Groups: 1, Act: ReLU, Weight: randVec(rng, out*27), Bias: randVec(rng, out)}
		for _, size := range [][2]int{{224, 224}, {608, 1024}} {
			x := randTensor(rng, 1, 3, size[0], size[1])
			oh, ow := l.OutSize(size[0], size[1])
			b.Run(fmt.Sprintf("layers/%d/%dx%d", out, size[0], size[1]), func(b *testing.B) {
				mid, dst, s := NewTensor(1, out, oh, ow), &Tensor{}, &Scratch{}
				b.ReportAllocs()
				for b.Loop() {
					l.Forward(mid, 0, x, nil, s)
					MaxPool3x3s2(dst, mid, s)
				}
			})
			b.Run(fmt.Sprintf("bands/%d/%dx%d", out, size[0], size[1]), func(b *testing.B) {
				var dst, mid Tensor
				s := &Scratch{}
				b.ReportAllocs()
				for b.Loop() {
					l.ForwardMaxPool(&dst, &mid, x, s)
				}
			})
		}
	}
}

// mustPanic fails t unless f panics (a programmer error the layer refuses).
func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}

// TestColumnBlocksTileThePlane checks that a convolution's column blocks cover a plane's output
// positions once, in order, none empty or wider than convColumns, with edges on columnStep, and
// that on several threads there is a multiple of the thread count of them whenever each block
// can still have a step (so that the threads get the same number of columns, within a step).
func TestColumnBlocksTileThePlane(t *testing.T) {
	for _, ohw := range []int{1, 47, 48, 49, 239, 240, 241, 255, 256, 257, 289, 513, 784, 1900, 7600, 30000} {
		for _, threads := range []int{1, 2, 3, 4, 16, 64} {
			ct := convTask{ohw: ohw, nb: columnBlocks(ohw, threads)}
			steps := (ohw + columnStep - 1) / columnStep
			if ct.nb < (ohw+convColumns-1)/convColumns || ct.nb > steps {
				t.Fatalf("%d positions on %d threads: %d blocks", ohw, threads, ct.nb)
			}
			if ct.nb > 1 && threads > 1 && ct.nb%threads != 0 && (ct.nb+threads-1)/threads*threads <= steps {
				t.Fatalf("%d positions on %d threads: %d blocks, not a multiple of the threads", ohw, threads, ct.nb)
			}
			next := 0
			for b := range ct.nb {
				j0, j1 := ct.columns(b)
				if j0 != next || !(j1 > j0) || j1-j0 > convColumns || (j1 != ohw && j1%columnStep != 0) {
					t.Fatalf("%d positions on %d threads: block %d of %d is [%d, %d), after %d", ohw, threads, b, ct.nb, j0, j1, next)
				}
				next = j1
			}
			if next != ohw {
				t.Fatalf("%d positions on %d threads: the blocks end at %d", ohw, threads, next)
			}
		}
	}
}

// TestConsistent: the shape's product is checked against the data without wrapping around
// (2^60 rows of 16 channels, or 2^32 x 2^32, "held" no values and passed on 64-bit targets).
func TestConsistent(t *testing.T) {
	wrap16 := 1 << (strconv.IntSize - 4) // 16 x this is 2^IntSize: 0 in int arithmetic
	half := 1 << (strconv.IntSize / 2)
	for _, c := range []struct {
		t    Tensor
		want bool
	}{
		{Tensor{N: 1, C: 2, H: 3, W: 4, Data: make([]float32, 24)}, true},
		{Tensor{N: 1, C: 2, H: 3, W: 4, Data: make([]float32, 23)}, false},
		{Tensor{N: 1, C: 2, H: 3, W: 4, Data: make([]float32, 25)}, false},
		{Tensor{N: 1, C: 16, H: 0, W: 5}, true},
		{Tensor{N: 0, C: -1, H: 1, W: 1}, false},
		{Tensor{N: 1, C: 16, H: wrap16, W: 1}, false},
		{Tensor{N: half, C: half, H: 1, W: 1}, false},
		{Tensor{N: half / 2, C: half / 2, H: 4, W: 1, Data: make([]float32, 0)}, false},
		{Tensor{}, true},
	} {
		if got := c.t.Consistent(); got != c.want {
			t.Errorf("%v holding %d values: Consistent %v, want %v", c.t.Shape(), len(c.t.Data), got, c.want)
		}
	}
}

// TestLayerSizesDoNotWrap: a Linear or Conv whose weight count overflows int is refused, not
// taken as holding the (wrapped) number of values it was given.
func TestLayerSizesDoNotWrap(t *testing.T) {
	half := 1 << (strconv.IntSize / 2) // half x half is 2^IntSize: 0 in int arithmetic
	if _, err := NewLinear(half, half, nil, nil); err == nil {
		t.Errorf("Linear %d -> %d with no weights accepted", half, half)
	}
	c := Conv{InC: 1, OutC: 1, K: half, Stride: 1, Groups: 1, Bias: []float32{0}}
	if err := c.Check(); err == nil {
		t.Errorf("Conv of a %d x %d kernel with no weights accepted", half, half)
	}
}
