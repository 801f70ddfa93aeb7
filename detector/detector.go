// Package detector assembles a Faster R-CNN (C4 style, torchvision 0.14 semantics) from a .bin
// model file, on a ShuffleNet v1 trunk or any other backbone.Trunk (NewModel), and turns images
// into detections. It only wires the stages, each of which owns its layers:
//
//	transform (resize, normalize, pad) -> trunk features (stride 16) -> rpn (head, anchors,
//	proposals) -> roihead (RoIAlign, the trunk's box head, box predictor, post-processing)
//	-> detections in original pixels
//
// A Detector is for one goroutine at a time (a call while another is running returns ErrBusy);
// Clone gives another one that shares the weights. Each Detector owns a pool of worker threads
// (WithThreads; default: every core) over which it splits each layer's work, with results that
// do not depend on the thread count; the threads end at Close, or when the Detector is no longer
// referenced.
//
// Errors: every failure to load a model or to detect (a bad file, option, image or frame buffer)
// is returned as an error that names the file or says what is wrong; nothing in this package
// panics on bad input.
package detector

import (
	"context"
	"errors"
	"fmt"
	"image"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/shuffledet/shuffledet/backbone"
	"github.com/shuffledet/shuffledet/configs"
	"github.com/shuffledet/shuffledet/internal/plural"
	"github.com/shuffledet/shuffledet/internal/quote"
	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/parallel"
	"github.com/shuffledet/shuffledet/roihead"
	"github.com/shuffledet/shuffledet/rpn"
	"github.com/shuffledet/shuffledet/transform"
)

// Detection is one detected object. Its JSON form has detect's JSON lines' names (bbox, score,
// category_id, label).
type Detection struct {
	Box        [4]float32 `json:"bbox"`        // x, y, width, height in original image pixels (COCO bbox)
	Score      float32    `json:"score"`       // the class's probability, above the score threshold
	CategoryID int        `json:"category_id"` // the dataset's class id (COCO: sparse 1..90)
	Label      string     `json:"label"`       // class name
}

// Option changes a Detector's run-time settings.
type Option func(*settings) error

// settings is what the options set: the detector configuration and the thread count.
type settings struct {
	cfg     configs.Detector
	threads int
}

// WithResolution runs the model at shorter side res, the longer side at most 5/3 of it
// (configs.Detector.SetResolution): 300 (at most 500) and 600 (at most 1000) are the paper's sizes.
func WithResolution(res int) Option {
	return func(s *settings) error { return s.cfg.SetResolution(res) }
}

// WithThreads makes the Detector split each frame's work over n threads (1 <= n <=
// parallel.MaxThreads; the default is runtime.GOMAXPROCS(0): every core, or the share a
// container's CPU limit allows). The detections do not depend on n, bit
// for bit. Programs that run several Detectors at once (pipeline workers, cocoeval) give each a
// share of the cores. Threads beyond the cores only wait, and each holds buffers of its own:
// detect and cocoeval keep the threads of all their detectors within parallel.Budget (four a
// core), with parallel.CheckBudget.
func WithThreads(n int) Option {
	return func(s *settings) error {
		if n < 1 || n > parallel.MaxThreads {
			return fmt.Errorf("threads %d: must be in 1..%d", n, parallel.MaxThreads)
		}
		s.threads = n
		return nil
	}
}

// WithScoreThreshold keeps detections whose class score is above s (0 <= s < 1; default: the
// model's roi.score_thresh, 0.05 in the presets).
func WithScoreThreshold(s float32) Option {
	return func(d *settings) error {
		if !(s >= 0 && s < 1) {
			return fmt.Errorf("score threshold %g out of range [0, 1)", s)
		}
		d.cfg.RoI.ScoreThresh = float64(s)
		return nil
	}
}

// WithNMSThreshold sets the IoU above which non-maximum suppression drops the lower-scoring of
// two detections of one class (0 <= t <= 1; default: the model's roi.nms_thresh, 0.5 in the
// presets; OpenCV's DetectionModel calls it nmsThreshold, torchvision box_nms_thresh).
func WithNMSThreshold(t float32) Option {
	return func(d *settings) error {
		if !(t >= 0 && t <= 1) {
			return fmt.Errorf("NMS threshold %g out of range [0, 1]", t)
		}
		d.cfg.RoI.NMSThresh = float64(t)
		return nil
	}
}

// WithDetectionsPerImage sets the most detections an image gives, the best-scoring after NMS
// (1 <= n <= roihead.MaxDetectionsPerImg; default: the model's roi.detections_per_img, 100 in
// the presets; torchvision's box_detections_per_img).
func WithDetectionsPerImage(n int) Option {
	return func(d *settings) error {
		if n < 1 || n > roihead.MaxDetectionsPerImg {
			return fmt.Errorf("detections per image %d out of range [1, %d]", n, roihead.MaxDetectionsPerImg)
		}
		d.cfg.RoI.DetectionsPerImg = n
		return nil
	}
}

// WithProposals sets how many proposals the RPN keeps after its NMS, the RoIs the box head runs
// on: the main cost of a frame after the trunk's (1 <= n <= rpn.MaxPostNMSTopN, and within the
// limits configs.Detector.Validate and MaxFrameMACs put on the box head's work; default: the
// model's rpn.post_nms_top_n, 300 in the presets; torchvision's rpn_post_nms_top_n_test,
// Detectron2's MODEL.RPN.POST_NMS_TOPK_TEST). Fewer are faster and may miss objects; a frame gives
// fewer where fewer anchors pass the RPN's pre_nms_top_n and NMS.
func WithProposals(n int) Option {
	return func(d *settings) error {
		if err := rpn.CheckPostNMSTopN(n); err != nil {
			return fmt.Errorf("proposals: %w", err)
		}
		d.cfg.RPN.PostNMSTopN = n
		return nil
	}
}

// WithClasses makes the Detector return detections of these classes only, each given as one of
// the model's category ids (decimal) or class names (an id first, as cocoeval -categories takes
// them): e.g. "person", "car" or "1", "3". The others are dropped before NMS and the per-image
// cap (the model's roi.detections_per_img, 100 in the presets), so that up to that many of these
// classes come back; the ones kept are what the full list would give, unless it reached the
// cap. An empty list keeps every class. Spaces around each are dropped (" person" is "person"),
// and an id is read as strconv.Atoi reads it ("+1" is 1).
func WithClasses(classes ...string) Option {
	return func(s *settings) error {
		var labels []int
		for _, c := range classes {
			label := classLabel(s.cfg.Classes, strings.TrimSpace(c))
			if label == 0 {
				return fmt.Errorf("class %q is neither the category id nor the name of one of the model's classes (%s)", c, classList(s.cfg.Classes))
			}
			if !slices.Contains(labels, label) {
				labels = append(labels, label)
			}
		}
		s.cfg.RoI.Labels = labels
		return nil
	}
}

// classList names the classes, id and name, when there are 10 or fewer, else counts them.
func classList(classes []configs.Class) string {
	if len(classes) > 10 {
		return fmt.Sprintf("%d of them", len(classes))
	}
	var b strings.Builder
	for i, c := range classes {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d %s", c.ID, c.Name)
	}
	return b.String()
}

// classLabel returns the label (1-based index into classes) of the class whose id is c in
// decimal, or else whose name is c; 0 when there is none.
func classLabel(classes []configs.Class, c string) int {
	if id, err := strconv.Atoi(c); err == nil {
		if i := slices.IndexFunc(classes, func(k configs.Class) bool { return k.ID == id }); i >= 0 {
			return i + 1
		}
	}
	return slices.IndexFunc(classes, func(k configs.Class) bool { return k.Name == c }) + 1
}

// ErrBusy is returned by a Detector called while it is running on another goroutine.
var ErrBusy = errors.New("detector: called while running on another goroutine (use Clone for each goroutine)")

// ErrClosed is returned by a Detector called after Close.
var ErrClosed = errors.New("detector: called after Close")

// errNotMade is returned by the methods of a nil *Detector (Load's result with its error) and of
// a zero Detector{}, instead of a nil-pointer panic.
var errNotMade = errors.New("detector: a nil or zero Detector: make one with Load, Model.NewDetector or Clone (did Load fail?)")

// Detector runs a Model on images. It owns every buffer it uses and its thread pool, so after the
// first image of a given size, detection allocates nothing: DetectBGR, DetectRGB, cvdetect's Mats
// and Detect on the image types transform reads directly (RGBA, NRGBA, Gray, their 16-bit forms,
// YCbCr, NYCbCrA, Paletted); another image.Image type is read through At, which allocates a
// color.Color a pixel. Not safe for concurrent use: use
// Clone per goroutine (a concurrent call gets ErrBusy). Make one with Load, Model.NewDetector or
// Clone: the methods of a nil or zero Detector that return an error say so, and its accessors
// (Threads, Closed, Proposals, Model, Config) return zero values.
type Detector struct {
	busy    atomic.Bool
	closed  atomic.Bool // set by Close (holding busy); read by calls and Closed
	model   *Model
	cfg     configs.Detector
	threads int
	pool    *parallel.Pool

	pre   *transform.Preprocessor
	trunk backbone.Runner
	rpn   *rpn.Runner
	roi   *roihead.Runner

	input     nn.Tensor
	feat      *nn.Tensor // the trunk's features of the last image
	proposals int        // the RPN's proposals for the last image
	dets      []Detection
}

// Load reads a detector model file and returns a Detector for it.
func Load(path string, opts ...Option) (*Detector, error) {
	m, err := LoadModel(path)
	if err != nil {
		return nil, err
	}
	return m.NewDetector(opts...)
}

// NewDetector returns a Detector running m with the given options, on a copy of m.Config's
// detector section as it is now (checked again: a caller may have edited it since the Model was
// built, and it must still fit the model's weights).
func (m *Model) NewDetector(opts ...Option) (*Detector, error) {
	s, err := m.settings(opts)
	if err != nil {
		return nil, err
	}
	return m.newDetector(s.cfg, s.threads) // at most parallel.MaxThreads (WithThreads, or GOMAXPROCS clamped)
}

// DetectorConfig returns the detector configuration that NewDetector(opts...) runs, without
// making a Detector: a copy of m.Config's detector section with opts applied, put through the
// checks of the settings NewDetector makes first (configs.Detector.Validate, the classes against
// the box predictor, MaxFrameMACs), so that what reports on a setting (detect info) refuses what
// a Detector refuses. It does not build the runners, whose checks against the loaded weights
// (the RPN's channels and anchors) only a Config edited after Load can fail.
func (m *Model) DetectorConfig(opts ...Option) (configs.Detector, error) {
	s, err := m.settings(opts)
	return s.cfg, err
}

// settings returns m.Config's detector section and the default thread count with opts applied
// and checked.
func (m *Model) settings(opts []Option) (settings, error) {
	if m == nil || m.trunk == nil {
		return settings{}, errModelNotMade
	}
	if m.Config.Detector == nil {
		return settings{}, fmt.Errorf("model %s: its config has no detector section", quote.Name(m.Path))
	}
	s := settings{cfg: m.Config.Detector.Clone(), threads: min(runtime.GOMAXPROCS(0), parallel.MaxThreads)}
	if err := m.apply(&s, opts); err != nil {
		return settings{}, err
	}
	return s, nil
}

// apply applies opts to s and checks the result against m's weights.
func (m *Model) apply(s *settings, opts []Option) error {
	for i, o := range opts {
		if o == nil { // (an option list built up conditionally, one left out)
			return fmt.Errorf("model %s: option %d is nil", quote.Name(m.Path), i)
		}
		if err := o(s); err != nil {
			return fmt.Errorf("model %s: %w", quote.Name(m.Path), err)
		}
	}
	if err := s.cfg.Validate(); err != nil {
		return fmt.Errorf("model %s: detector: %w", quote.Name(m.Path), err)
	}
	if got, want := len(s.cfg.Classes)+1, m.predictor.NumClasses(); got != want {
		return fmt.Errorf("model %s: %d classes configured, the box predictor has %d (with the background)", quote.Name(m.Path), got, want)
	}
	return m.checkFrameCost(s.cfg)
}

// MaxFrameMACs bounds the multiply-adds of one frame at the largest network input a detector's
// configuration gives (its shorter side by its longer side's cap, padded) with all of its
// post_nms_top_n proposals: a 2x detector at 600 with 10,000 proposals (the most the RoI head
// takes at 14 x 14) costs 1.31 T; a 2x g3 one whose RPN has 4096 channels at a 4096-pixel input
// 2.51 T (TestFrameCostBounded asserts both); a review's 2x g8 file of that RPN with 10,000
// proposals 4.34 T (detect info), 98 CPU-seconds and 4.9 GB for its first frame.
const MaxFrameMACs = 2e12

// checkFrameCost refuses a configuration whose largest frame costs more than MaxFrameMACs.
func (m *Model) checkFrameCost(cfg configs.Detector) error {
	h, w, err := cfg.NetworkInput(cfg.ShorterSide, cfg.MaxLongerSide)
	if err != nil {
		return fmt.Errorf("model %s: %w", quote.Name(m.Path), err)
	}
	cx, err := m.complexity(&cfg, h, w, cfg.RPN.PostNMSTopN)
	if err != nil {
		return err
	}
	if cx.MACs > MaxFrameMACs {
		return fmt.Errorf("model %s: a %dx%d input with %s costs %.2f T multiply-adds a frame (backbone %.2f T, RPN %.2f T, box head %.2f T), more than %.0f T",
			quote.Name(m.Path), w, h, plural.Count(cfg.RPN.PostNMSTopN, "proposal", "proposals"), float64(cx.MACs)/1e12, float64(cx.Backbone.MACs)/1e12, float64(cx.RPN.MACs)/1e12, float64(cx.BoxHead.MACs)/1e12, MaxFrameMACs/1e12)
	}
	return nil
}

// newDetector returns a Detector with its own buffers and a pool of threads threads.
func (m *Model) newDetector(cfg configs.Detector, threads int) (*Detector, error) {
	pool := parallel.New(threads)
	d := &Detector{model: m, cfg: cfg, threads: pool.Threads(), pool: pool, trunk: m.trunk.NewRunner(pool)}
	var err error
	if d.pre, err = transform.New(cfg.Config); err != nil {
		return nil, fmt.Errorf("model %s: %w", quote.Name(m.Path), err)
	}
	d.pre.SetPool(pool)
	if d.rpn, err = m.rpn.NewRunner(cfg.RPN); err != nil {
		return nil, fmt.Errorf("model %s: %w", quote.Name(m.Path), err)
	}
	d.rpn.SetPool(pool)
	if d.roi, err = roihead.NewRunner(cfg.RoI, m.trunk.FeatureChannels(), func() roihead.BoxHead { return m.trunk.NewBoxHead() }, m.predictor); err != nil {
		return nil, fmt.Errorf("model %s: %w", quote.Name(m.Path), err)
	}
	d.roi.SetPool(pool)
	return d, nil
}

// Clone returns a new Detector with the same model, settings and thread count, and its own
// buffers and thread pool: nothing it changes is shared with d (a closed d clones too). It may
// run while d detects on another goroutine (not beside Set).
func (d *Detector) Clone() (*Detector, error) {
	if d == nil || d.model == nil {
		return nil, errNotMade
	}
	return d.model.newDetector(d.cfg, d.threads)
}

// Set changes d's settings between calls, with the Options NewDetector takes, from the
// settings d has now: a camera program's score slider or class menu. The score and NMS
// thresholds, the classes, the detections per image and the proposals take effect at the next
// call and keep every buffer (Set itself copies the settings; a lower threshold, more classes, a
// higher cap or more proposals than any before can grow the buffers once, then Detect allocates
// nothing again); a new
// resolution makes the preprocessing's buffers anew and a new thread count the whole Detector's,
// as Clone would. On an error nothing changes. ErrBusy during a call on another goroutine,
// ErrClosed after Close. Like Detect, it is not safe beside d's other methods on another
// goroutine (Clone, Config and Threads read what it changes).
func (d *Detector) Set(opts ...Option) error {
	if err := d.enter(); err != nil {
		return err
	}
	defer d.leave()
	s := settings{cfg: d.cfg.Clone(), threads: d.threads}
	if err := d.model.apply(&s, opts); err != nil {
		return err
	}
	if s.threads != d.threads {
		nd, err := d.model.newDetector(s.cfg, s.threads)
		if err != nil {
			return err
		}
		d.pool.Close()
		d.cfg, d.threads, d.pool, d.pre, d.trunk, d.rpn, d.roi = nd.cfg, nd.threads, nd.pool, nd.pre, nd.trunk, nd.rpn, nd.roi
		d.input, d.feat, d.dets = nn.Tensor{}, nil, nil
		return nil
	}
	pre := d.pre
	if s.cfg.ShorterSide != d.cfg.ShorterSide || s.cfg.MaxLongerSide != d.cfg.MaxLongerSide {
		var err error
		if pre, err = transform.New(s.cfg.Config); err != nil {
			return fmt.Errorf("model %s: %w", quote.Name(d.model.Path), err)
		}
		pre.SetPool(d.pool)
	}
	setRoI, err := d.roi.PreparePostProcessing(s.cfg.RoI)
	if err != nil {
		return fmt.Errorf("model %s: %w", quote.Name(d.model.Path), err)
	}
	setRPN, err := d.rpn.PrepareProposalSettings(s.cfg.RPN)
	if err != nil {
		return fmt.Errorf("model %s: %w", quote.Name(d.model.Path), err)
	}
	// Every check has passed and nothing has changed yet; nothing below fails.
	setRoI()
	setRPN()
	if pre != d.pre {
		d.pre, d.input = pre, nn.Tensor{}
	}
	d.cfg = s.cfg
	return nil
}

// Threads returns the number of threads the Detector splits a frame's work over (0 for a nil
// Detector).
func (d *Detector) Threads() int {
	if d == nil {
		return 0
	}
	return d.threads
}

// Close ends the Detector's threads and lets its buffers go (the model's weights stay, shared with
// its clones); later calls return ErrClosed, a second Close nil. It returns ErrBusy, and closes
// nothing, while a call is running on another goroutine. Without Close, the threads end when the
// Detector is no longer referenced.
func (d *Detector) Close() error {
	if d == nil || d.model == nil {
		return errNotMade
	}
	if !d.busy.CompareAndSwap(false, true) {
		return ErrBusy
	}
	defer d.leave()
	if !d.closed.Load() {
		d.closed.Store(true)
		d.pool.Close()
		d.pool, d.pre, d.trunk, d.rpn, d.roi = nil, nil, nil, nil, nil
		d.input, d.feat, d.dets, d.proposals = nn.Tensor{}, nil, nil, 0
	}
	return nil
}

// Closed reports whether Close has closed d (its calls then return ErrClosed; its Clones work);
// false for a nil Detector, whose calls return an error of their own.
func (d *Detector) Closed() bool { return d != nil && d.closed.Load() }

// Proposals returns how many proposals the RPN kept for the last image, the RoIs the box head ran
// on (at most the RPN's post_nms_top_n: fewer where a small input has fewer anchors): what
// Model.Complexity takes to count that image's work; 0 after a call that failed or was
// cancelled before the RPN finished, and after Close (or of a nil Detector).
func (d *Detector) Proposals() int {
	if d == nil {
		return 0
	}
	return d.proposals
}

// Model returns the Detector's model (nil for a nil Detector).
func (d *Detector) Model() *Model {
	if d == nil {
		return nil
	}
	return d.model
}

// Config returns a copy of the detector settings in effect (the model's, changed by options);
// the zero settings for a nil Detector.
func (d *Detector) Config() configs.Detector {
	if d == nil {
		return configs.Detector{}
	}
	return d.cfg.Clone()
}

// Detect finds objects in img. Boxes are in img's coordinates: a SubImage's start at its
// Bounds().Min, as Go's image package places it in its parent. The returned slice is owned by
// the Detector and valid until its next call (copy it to keep it; appending to it copies). A
// call while another is running on the same Detector returns ErrBusy: use a Clone per
// goroutine.
func (d *Detector) Detect(img image.Image) ([]Detection, error) {
	return d.DetectContext(context.Background(), img)
}

// DetectContext is Detect, ending with ctx's error once ctx is done: it is checked before each
// stage (preprocessing, trunk, proposals, box head), so a request's deadline stops the work
// within one stage's time (a fraction of the whole: the trunk is the longest). A nil ctx is an
// error.
func (d *Detector) DetectContext(ctx context.Context, img image.Image) ([]Detection, error) {
	if err := d.enterDetectContext(ctx); err != nil {
		return nil, err
	}
	defer d.leave()
	in, err := d.pre.Image(img)
	if err != nil {
		return nil, err
	}
	dets, err := d.run(ctx, in)
	if at := img.Bounds().Min; at != (image.Point{}) {
		for i := range dets {
			dets[i].Box[0] += float32(at.X)
			dets[i].Box[1] += float32(at.Y)
		}
	}
	return dets, err
}

// DetectBGR finds objects in an 8-bit interleaved BGR frame (OpenCV's layout) of w x h pixels with
// stride bytes per row. The returned slice is owned by the Detector and valid until its next
// call; a concurrent call returns ErrBusy, as Detect's.
func (d *Detector) DetectBGR(pix []byte, w, h, stride int) ([]Detection, error) {
	return d.DetectBGRContext(context.Background(), pix, w, h, stride)
}

// DetectBGRContext is DetectBGR, ending with ctx's error once ctx is done, as DetectContext.
func (d *Detector) DetectBGRContext(ctx context.Context, pix []byte, w, h, stride int) ([]Detection, error) {
	return d.detectFrame(ctx, false, pix, w, h, stride)
}

// DetectRGB is DetectBGR for frames whose bytes are in R, G, B order.
func (d *Detector) DetectRGB(pix []byte, w, h, stride int) ([]Detection, error) {
	return d.DetectRGBContext(context.Background(), pix, w, h, stride)
}

// DetectRGBContext is DetectRGB, ending with ctx's error once ctx is done, as DetectContext.
func (d *Detector) DetectRGBContext(ctx context.Context, pix []byte, w, h, stride int) ([]Detection, error) {
	return d.detectFrame(ctx, true, pix, w, h, stride)
}

// detectFrame runs the detector on an interleaved 8-bit frame, its bytes in R, G, B order if rgb
// and B, G, R otherwise.
func (d *Detector) detectFrame(ctx context.Context, rgb bool, pix []byte, w, h, stride int) ([]Detection, error) {
	if err := d.enterDetectContext(ctx); err != nil {
		return nil, err
	}
	defer d.leave()
	var in *transform.Output
	var err error
	if rgb {
		in, err = d.pre.RGB(pix, w, h, stride)
	} else {
		in, err = d.pre.BGR(pix, w, h, stride)
	}
	if err != nil {
		return nil, err
	}
	return d.run(ctx, in)
}

// enter marks d busy for one call (ErrBusy: another goroutine's call is running; ErrClosed:
// after Close; errNotMade: a nil or zero Detector); leave ends it.
func (d *Detector) enter() error {
	if d == nil || d.model == nil {
		return errNotMade
	}
	if !d.busy.CompareAndSwap(false, true) {
		return ErrBusy
	}
	if d.closed.Load() {
		d.leave()
		return ErrClosed
	}
	return nil
}

// enterDetect is enter for a call that detects: Proposals is 0 until this call's RPN has run
// (Set, which enters too, keeps the last image's).
func (d *Detector) enterDetect() error {
	if err := d.enter(); err != nil {
		return err
	}
	d.proposals = 0
	return nil
}

// enterDetectContext is enterDetect for a call under ctx: a nil ctx is an error, and a done one
// ends the call before any work (d is left as it was entered: not busy).
func (d *Detector) enterDetectContext(ctx context.Context) error {
	if err := d.enterDetect(); err != nil {
		return err
	}
	if ctx == nil {
		d.leave()
		return errors.New("detector: nil Context")
	}
	if err := ctx.Err(); err != nil {
		d.leave()
		return err
	}
	return nil
}

func (d *Detector) leave() { d.busy.Store(false) }

func (d *Detector) run(ctx context.Context, in *transform.Output) ([]Detection, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.input = nn.Tensor{N: 1, C: 3, H: in.Height, W: in.Width, Data: in.Data}
	d.feat = d.trunk.Features(&d.input)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	proposals, err := d.rpn.Forward(d.feat, in.Height, in.Width, in.ResizedHeight, in.ResizedWidth)
	if err != nil {
		return nil, err
	}
	d.proposals = len(proposals)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := d.roi.Forward(d.feat, proposals, in.ResizedHeight, in.ResizedWidth, in.OrigHeight, in.OrigWidth)
	if err != nil {
		return nil, err
	}
	if d.dets == nil {
		d.dets = []Detection{} // none is an empty slice, not nil, from the first call on (JSON "[]")
	}
	d.dets = d.dets[:0]
	for i, b := range res.Boxes {
		cls := d.cfg.Classes[res.Labels[i]-1]
		d.dets = append(d.dets, Detection{Box: [4]float32{b.X1, b.Y1, b.X2 - b.X1, b.Y2 - b.Y1}, Score: res.Scores[i], CategoryID: cls.ID, Label: cls.Name})
	}
	return d.dets[:len(d.dets):len(d.dets)], nil // (an append by the caller copies)
}
