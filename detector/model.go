package detector

import (
	"errors"
	"fmt"

	"github.com/shuffledet/shuffledet/backbone"
	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/configs"
	"github.com/shuffledet/shuffledet/internal/quote"
	"github.com/shuffledet/shuffledet/modelfile"
	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/roihead"
	"github.com/shuffledet/shuffledet/rpn"
	"github.com/shuffledet/shuffledet/transform"
)

// Model is a loaded detector's read-only weights: the trunk, the RPN head and the box predictor.
// Detectors made from one Model share it. Make one with LoadModel, ModelFromFile, Build or
// NewModel: the methods of a nil or zero Model return an error that says so.
type Model struct {
	Path string // the model file, or the name Build or NewModel was given (for errors)
	// Config is the model's configuration. Its detector section is the default of every
	// Detector made afterwards (NewDetector copies and checks it); the Model's weights do not
	// change with it.
	Config configs.Model

	trunk     backbone.Trunk
	rpn       *rpn.Head
	predictor *roihead.Predictor
}

// errModelNotMade is returned by the methods of a nil *Model (LoadModel's result with its error)
// and of a Model{} made by hand, instead of a nil-pointer panic.
var errModelNotMade = errors.New("detector: a nil or zero Model: make one with LoadModel, ModelFromFile, Build or NewModel (did LoadModel fail?)")

// LoadModel reads a detector model file.
func LoadModel(path string) (*Model, error) {
	f, err := modelfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ModelFromFile(f)
}

// ModelFromFile builds the detector of an opened model file, which must use every tensor the
// file holds; the caller closes f.
func ModelFromFile(f *modelfile.File) (*Model, error) {
	if f == nil {
		return nil, errors.New("detector: ModelFromFile of a nil *modelfile.File (did modelfile.Open fail?)")
	}
	m, err := Build(f.Path, f.Config, f)
	if err != nil {
		return nil, err
	}
	if err := f.CheckAllUsed(); err != nil {
		return nil, err
	}
	return m, nil
}

// Build assembles the detector that cfg describes, on its ShuffleNet trunk, from weights w; name
// is used in errors.
func Build(name string, cfg configs.Model, w nn.Weights) (*Model, error) {
	if w == nil {
		return nil, fmt.Errorf("model %s: nil weights", quote.Name(name))
	}
	if cfg.Detector == nil {
		return nil, fmt.Errorf("model %s: a %s classifier, not a detector (its config has no detector section)", quote.Name(name), cfg.Backbone.Name())
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("model %s: %w", quote.Name(name), err)
	}
	net, err := shufflenet.Build(cfg.Backbone, w)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", quote.Name(name), err)
	}
	m, err := NewModel(name, net.Trunk(), *cfg.Detector, w)
	if err != nil {
		return nil, err
	}
	m.Config.Backbone = cfg.Backbone // the detector section stays NewModel's copy, not the caller's
	return m, nil
}

// NewModel assembles a detector on any trunk: the RPN head and the box predictor that cfg
// describes are loaded from w for the trunk's channel widths. name is used in errors. The Model's
// Config has cfg as its detector section and a zero Backbone (the trunk names itself).
func NewModel(name string, trunk backbone.Trunk, cfg configs.Detector, w nn.Weights) (*Model, error) {
	if trunk == nil {
		return nil, fmt.Errorf("model %s: nil trunk", quote.Name(name))
	}
	if w == nil {
		return nil, fmt.Errorf("model %s: nil weights", quote.Name(name))
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("model %s: detector: %w", quote.Name(name), err)
	}
	cfg = cfg.Clone() // the Model's own, whatever the caller does with its lists
	m := &Model{Path: name, Config: configs.Model{Version: 1, Detector: &cfg}, trunk: trunk}
	var err error
	if m.rpn, err = rpn.LoadHead(w, cfg.RPN, trunk.FeatureChannels()); err != nil {
		return nil, fmt.Errorf("model %s: %w", quote.Name(name), err)
	}
	if m.predictor, err = roihead.LoadPredictor(w, trunk.HeadChannels(), len(cfg.Classes)+1); err != nil {
		return nil, fmt.Errorf("model %s: %w", quote.Name(name), err)
	}
	return m, nil
}

// Complexity is a detector's multiply-add and parameter count for one image size.
type Complexity struct {
	Arch       string  `json:"arch"`
	Height     int     `json:"height"` // padded network input
	Width      int     `json:"width"`
	Proposals  int     `json:"proposals"`
	Backbone   nn.Cost `json:"backbone"` // the trunk's features on the image
	RPN        nn.Cost `json:"rpn"`
	BoxHead    nn.Cost `json:"box_head"` // the trunk's box head on every RoI + box predictor
	MACs       int64   `json:"macs"`
	Params     int64   `json:"params"`
	NumClasses int     `json:"num_classes"`
}

// Complexity returns the cost of detecting on an h x w padded input (each side 1 to
// transform.MaxSide) with the given number of proposals (0 to rpn.MaxPostNMSTopN; the RoI head's
// cost is per proposal); other sizes, or a model whose Config lost its detector section, are an
// error.
func (m *Model) Complexity(h, w, proposals int) (Complexity, error) {
	if m == nil || m.trunk == nil {
		return Complexity{}, errModelNotMade
	}
	return m.complexity(m.Config.Detector, h, w, proposals)
}

// complexity is Complexity for the detector configuration d (its classes are counted).
func (m *Model) complexity(d *configs.Detector, h, w, proposals int) (Complexity, error) {
	switch {
	case d == nil:
		return Complexity{}, fmt.Errorf("model %s: its config has no detector section", quote.Name(m.Path))
	case h < 1 || w < 1 || h > transform.MaxSide || w > transform.MaxSide:
		return Complexity{}, fmt.Errorf("model %s: input %dx%d: each side must be 1 to %d", quote.Name(m.Path), w, h, transform.MaxSide)
	case proposals < 0 || proposals > rpn.MaxPostNMSTopN:
		return Complexity{}, fmt.Errorf("model %s: %d proposals: must be 0 to %d", quote.Name(m.Path), proposals, rpn.MaxPostNMSTopN)
	}
	r := Complexity{Arch: m.trunk.Name(), Height: h, Width: w, Proposals: proposals, NumClasses: len(d.Classes)}
	r.Backbone = m.trunk.FeatureCost(h, w)
	r.RPN = m.rpn.Cost(r.Backbone.OutH, r.Backbone.OutW)
	head, pred := m.trunk.HeadCost(d.RoI.OutputSize), m.predictor.Cost()
	r.BoxHead = nn.Cost{Name: "box_head", MACs: int64(proposals) * (head.MACs + pred.MACs), Params: head.Params + pred.Params,
		OutC: pred.OutC, OutH: 1, OutW: 1}
	r.MACs = r.Backbone.MACs + r.RPN.MACs + r.BoxHead.MACs
	r.Params = r.Backbone.Params + r.RPN.Params + r.BoxHead.Params
	return r, nil
}
