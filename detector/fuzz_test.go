package detector_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/configs"
	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/testmodel"
	"github.com/shuffledet/shuffledet/modelfile"
	"github.com/shuffledet/shuffledet/safetensors"
)

// FuzzConfigDetect: whatever detector configuration a model file may carry and the loader
// accepts, a detector built from it (random weights of the shapes it asks for) detects on a small
// frame, returning detections or an error, without a panic. modelfile's FuzzOpen fuzzes the
// container and the parsing; this fuzzes what the configuration's values do to the detector. To
// keep each input to milliseconds it skips configurations of large models or inputs (more than
// 16 classes, widths above 0.5x, sides above 128 px, RPN wider than 64), whose sizes the limits
// tests cover.
func FuzzConfigDetect(f *testing.F) {
	cfg := configs.Model{Version: 1, Backbone: shufflenet.Config{Groups: 3, Width: 0.25, Shuffle: true}, Detector: configs.DefaultDetector(300)}
	d := cfg.Detector
	d.ShorterSide, d.MaxLongerSide = 64, 96
	d.Classes = d.Classes[:2]
	d.RPN.PreNMSTopN, d.RPN.PostNMSTopN, d.RPN.Channels = 200, 20, 16
	seed, err := json.Marshal(cfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(seed))
	pix := make([]byte, 48*32*3)
	for i := range pix {
		pix[i] = byte(i * 7)
	}
	f.Fuzz(func(t *testing.T, config string) {
		var m configs.Model
		if json.Unmarshal([]byte(config), &m) != nil || m.Validate() != nil || m.Detector == nil {
			return
		}
		if d := m.Detector; len(d.Classes) > 16 || m.Backbone.Width > 0.5 || d.MaxLongerSide > 128 || d.RPN.Channels > 64 {
			return
		}
		r := testmodel.NewRecorder(1)
		if _, err := detector.Build("fuzz", m, r); err != nil {
			return
		}
		path := filepath.Join(t.TempDir(), "m.bin")
		if err := safetensors.WriteFile(path, r.Tensors(), modelfile.Metadata(config, r.Tensors())); err != nil {
			t.Fatal(err)
		}
		det, err := detector.Load(path, detector.WithThreads(1))
		if err != nil {
			return
		}
		det.DetectRGB(pix, 48, 32, 48*3)
	})
}
