package configs

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/roihead"
	"github.com/shuffledet/shuffledet/rpn"
	"github.com/shuffledet/shuffledet/transform"
)

func TestPresetsMatchDefaults(t *testing.T) {
	names := Presets()
	if len(names) != 6 {
		t.Fatalf("presets %v, want 6 (0.5x/1x/2x at 300 and 600)", names)
	}
	for _, name := range names {
		m, err := Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		// Each preset spells out the defaults; the same name built from the grammar must agree.
		res := m.Detector.ShorterSide
		want := &Model{Version: 1, Backbone: m.Backbone, Detector: DefaultDetector(res)}
		if !reflect.DeepEqual(m, want) {
			t.Errorf("preset %s differs from the defaults:\n%+v\n%+v", name, m.Detector, want.Detector)
		}
		if got := m.Backbone.Name() + "-" + map[int]string{300: "300", 600: "600"}[res]; got != name {
			t.Errorf("preset %s describes %s", name, got)
		}
	}
}

func TestPresetByName(t *testing.T) {
	m, err := Preset("shufflenet-g8-1.5x-se-300")
	if err != nil {
		t.Fatal(err)
	}
	if m.Backbone.Groups != 8 || m.Backbone.Width != 1.5 || !m.Backbone.SE || m.Detector.ShorterSide != 300 || m.Detector.MaxLongerSide != 500 {
		t.Fatalf("got %+v %+v", m.Backbone, m.Detector)
	}
	if m, err := Preset("shufflenet-g3-1.0x-800"); err != nil || m.Detector.ShorterSide != 800 || m.Detector.MaxLongerSide != 1333 {
		t.Fatalf("Preset(shufflenet-g3-1.0x-800): %v", err)
	}
	for _, bad := range []string{"shufflenet-g3-1.0x-4000", "shufflenet-g3-1.0x-16", "shufflenet-g3-1.0x", "nonsense", "shufflenet-g7-1.0x-300"} {
		if _, err := Preset(bad); err == nil {
			t.Errorf("Preset(%q) accepted", bad)
		}
	}
}

func TestSetResolution(t *testing.T) {
	d := DefaultDetector(600)
	if err := d.SetResolution(300); err != nil || d.ShorterSide != 300 || d.MaxLongerSide != 500 {
		t.Fatalf("SetResolution(300): %v %d/%d", err, d.ShorterSide, d.MaxLongerSide)
	}
	if err := d.SetResolution(800); err != nil || d.ShorterSide != 800 || d.MaxLongerSide != 1333 {
		t.Fatalf("SetResolution(800): %v %d/%d (Detectron2's 800 / 1333)", err, d.ShorterSide, d.MaxLongerSide)
	}
	for _, res := range []int{MinShorterSide, MaxResolution} {
		if err := d.SetResolution(res); err != nil || d.Validate() != nil {
			t.Fatalf("SetResolution(%d): %v, then Validate: %v", res, err, d.Validate())
		}
	}
	for _, res := range []int{0, -300, MinShorterSide - 1, MaxResolution + 1} {
		if err := d.SetResolution(res); err == nil {
			t.Fatalf("resolution %d accepted", res)
		}
		if err := DefaultDetector(res).Validate(); err == nil {
			t.Fatalf("DefaultDetector(%d) valid", res)
		}
	}
	if LongerSideCap(MaxResolution) > 4096 || LongerSideCap(MaxResolution+1) <= 4096 {
		t.Fatalf("MaxResolution %d is not the largest shorter side whose cap is within 4096", MaxResolution)
	}
}

func TestValidateRejectsValuesThatBreakTheDetector(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(d *Detector)
	}{
		{"huge sampling ratio", func(d *Detector) { d.RoI.SamplingRatio = 1 << 20 }},
		{"zero aspect ratio", func(d *Detector) { d.RPN.AspectRatios[1] = 0 }},
		{"zero anchor size", func(d *Detector) { d.RPN.AnchorSizes[0] = 0 }},
		{"zero box weight", func(d *Detector) { d.RoI.BBoxRegWeights[2] = 0 }},
		{"zero std", func(d *Detector) { d.ImageStd[0] = 0 }},
		{"huge output size", func(d *Detector) { d.RoI.OutputSize = 1000 }},
		{"odd padding", func(d *Detector) { d.SizeDivisible = 24 }},
		{"max below min", func(d *Detector) { d.MaxLongerSide = 100 }},
		{"no classes", func(d *Detector) { d.Classes = nil }},
		{"1000 x 1000 anchors", func(d *Detector) {
			d.RPN.AnchorSizes, d.RPN.AspectRatios = make([]float32, 1000), make([]float32, 1000)
			for i := range 1000 {
				d.RPN.AnchorSizes[i], d.RPN.AspectRatios[i] = float32(i+1), 1
			}
		}},
		{"65 anchors", func(d *Detector) {
			d.RPN.AnchorSizes = []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}
			d.RPN.AspectRatios = []float32{0.25, 0.5, 1, 2, 4}
		}},
		{"huge pre_nms_top_n", func(d *Detector) { d.RPN.PreNMSTopN = 1 << 30 }},
		{"huge post_nms_top_n", func(d *Detector) { d.RPN.PostNMSTopN = 1_000_001 }},
		{"huge detections_per_img", func(d *Detector) { d.RoI.DetectionsPerImg = 1 << 30 }},
	} {
		m := &Model{Version: 1, Backbone: backboneFor(t), Detector: DefaultDetector(600)}
		c.edit(m.Detector)
		if err := m.Validate(); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
}

// TestValidateLimits: the limits themselves are accepted (64 anchors per location, the top-n
// caps, 10,000 detections per image), one more is not, and the error names the value; so are the
// thresholds' ranges and the box predictor's outputs.
func TestValidateLimits(t *testing.T) {
	m := &Model{Version: 1, Backbone: backboneFor(t), Detector: DefaultDetector(600)}
	d := m.Detector
	d.RPN.AnchorSizes = []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	d.RPN.AspectRatios = []float32{0.5, 1, 2, 4}
	d.RPN.PreNMSTopN, d.RPN.PostNMSTopN, d.RoI.DetectionsPerImg = rpn.MaxPreNMSTopN, rpn.MaxPostNMSTopN, roihead.MaxDetectionsPerImg
	d.RPN.NMSThresh, d.RPN.ScoreThresh, d.RPN.MinBoxSize, d.RoI.NMSThresh = 1, 1, transform.MaxSide, 1
	d.RoI.SamplingRatio = 4 // 10,000 proposals at 14 x 14, 4 x 4 samples a bin: MaxRoIBins, MaxRoISamples
	// the longest class name, and one not in ASCII (no control characters)
	d.Classes[3].Name, d.Classes[4].Name = strings.Repeat("m", MaxClassName), "café 狗"
	if err := m.Validate(); err != nil {
		t.Fatalf("at the limits: %v", err)
	}
	for _, c := range []struct {
		name string
		edit func(d *Detector)
		want string
	}{
		{"pre", func(d *Detector) { d.RPN.PreNMSTopN++ }, "pre_nms_top_n 100001 out of range (1..100000)"},
		{"post", func(d *Detector) { d.RPN.PostNMSTopN++ }, "post_nms_top_n 10001 out of range (1..10000)"},
		{"rpn nms", func(d *Detector) { d.RPN.NMSThresh = 1.01 }, "rpn: nms_thresh 1.01 out of range [0, 1]"},
		{"rpn score", func(d *Detector) { d.RPN.ScoreThresh = 2 }, "rpn: score_thresh 2 out of range [0, 1]"},
		{"rpn NaN", func(d *Detector) { d.RPN.ScoreThresh = math.NaN() }, "rpn: score_thresh NaN out of range"},
		{"min box", func(d *Detector) { d.RPN.MinBoxSize = 1e30 }, "rpn: min_box_size 1e+30 out of range [0, 32768]"},
		{"roi score", func(d *Detector) { d.RoI.ScoreThresh = 1 }, "roi: score_thresh 1 out of range [0, 1)"},
		{"roi nms", func(d *Detector) { d.RoI.NMSThresh = -0.1 }, "roi: nms_thresh -0.1 out of range [0, 1]"},
		{"detections", func(d *Detector) { d.RoI.DetectionsPerImg++ }, "detections_per_img 10001 out of range (1..10000)"},
		{"anchor size", func(d *Detector) { d.RPN.AnchorSizes[0] = 3e38 }, "rpn: anchor size 3e+38 out of range (0, 32768]"},
		{"aspect ratio", func(d *Detector) { d.RPN.AspectRatios[0] = 1e-30 }, "rpn: aspect ratio 1e-30 out of range [1e-4, 1e4]"},
		{"box weights", func(d *Detector) { d.RoI.BBoxRegWeights[0] = 1e-45 }, "roi: bbox_reg_weights [1e-45 10 5 5] out of range [1e-3, 1e3]"},
		{"class id 0", func(d *Detector) { d.Classes[0].ID = 0 }, `id 0, want a positive category id`},
		{"class id twice", func(d *Detector) { d.Classes[1].ID = d.Classes[0].ID }, `id 1 appears twice`},
		{"class name empty", func(d *Detector) { d.Classes[2].Name = "" }, `class 2 (id 3): empty name`},
		{"class name twice", func(d *Detector) { d.Classes[1].Name = d.Classes[0].Name }, `name "person" appears twice`},
		{"class name escape", func(d *Detector) { d.Classes[1].Name = "car\x1b]0;title\a" }, `class 1 (id 2): name "car\x1b]0;title\a" has a control character`},
		{"class name newline", func(d *Detector) { d.Classes[1].Name = "car\nperson 99" }, `class 1 (id 2): name "car\nperson 99" has a control character`},
		{"class name C1", func(d *Detector) { d.Classes[1].Name = "car\u009b31m" }, `has a control character`},
		{"class name long", func(d *Detector) { d.Classes[1].Name = strings.Repeat("a", MaxClassName+1) }, `class 1 (id 2): name of 257 bytes, more than 256`},
		{"outputs", func(d *Detector) {
			d.Classes = make([]Class, 1000)
			for i := range d.Classes {
				d.Classes[i] = Class{ID: i + 1, Name: fmt.Sprint("c", i)}
			}
		}, "post_nms_top_n 10000 x (1000 classes + 1) = 10010000 box predictor outputs, more than 10000000"},
		{"class NMS", func(d *Detector) { // within MaxPredictorOutputs: 38 s a frame on two cores
			d.Classes = make([]Class, 999)
			for i := range d.Classes {
				d.Classes[i] = Class{ID: i + 1, Name: fmt.Sprint("c", i)}
			}
		}, "post_nms_top_n 10000^2 x 999 classes = 99900000000, more than 10000000000"},
		{"class NMS, one more", func(d *Detector) {
			d.Classes = make([]Class, 101)
			for i := range d.Classes {
				d.Classes[i] = Class{ID: i + 1, Name: fmt.Sprint("c", i)}
			}
		}, "post_nms_top_n 10000^2 x 101 classes = 10100000000, more than 10000000000"},
		{"min size", func(d *Detector) { d.ShorterSide = 31 }, "min_size 31 / max_size 1000 out of range (32 <= min_size <= max_size <= 4096)"},
		{"roi bins", func(d *Detector) { d.RoI.OutputSize = 15 }, "post_nms_top_n 10000 x roi output_size 15^2 = 2250000 RoI bins a frame, more than 1960000"},
		{"roi samples", func(d *Detector) { d.RoI.SamplingRatio = 5 }, "1960000 RoI bins x 5^2 samples (roi sampling_ratio 5) = 49000000 bilinear samples a frame, more than 31360000"},
		// adaptive: a 1000-pixel side is 63 feature cells, 5 samples a side for 14 bins
		{"adaptive samples", func(d *Detector) { d.RoI.SamplingRatio = 0 }, "1960000 RoI bins x 5^2 samples (roi sampling_ratio 0)"},
	} {
		e := *m
		det := d.Clone()
		c.edit(&det)
		e.Detector = &det
		if err := e.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	at := *m
	det := d.Clone()
	det.Classes = make([]Class, 100) // 10,000 proposals x 100 classes: MaxClassNMS
	for i := range det.Classes {
		det.Classes[i] = Class{ID: i + 1, Name: fmt.Sprint("c", i)}
	}
	at.Detector = &det
	if err := at.Validate(); err != nil {
		t.Errorf("at MaxClassNMS: %v", err)
	}
	d.RPN.AspectRatios = append(d.RPN.AspectRatios, 8)
	if err := m.Validate(); err == nil || !strings.Contains(err.Error(), "16 anchor sizes x 5 aspect ratios = 80 anchors per location, more than 64") {
		t.Errorf("80 anchors: %v", err)
	}
}

// TestListLengths: image_mean, image_std and bbox_reg_weights of the wrong length are refused,
// naming the list, both from a model file's JSON (encoding/json used to fill a short fixed-size
// list with zeros and cut a long one: image_mean [0.485] was taken as [0.485, 0, 0]) and from
// YAML, with the same message.
func TestListLengths(t *testing.T) {
	m, err := Preset("shufflenet-g3-1.0x-600")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	y, err := presetFiles.ReadFile("presets/shufflenet-g3-1.0x-600.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		json, yaml [2]string // old, new
		want       string
	}{
		{[2]string{`"image_mean":[0.485,0.456,0.406]`, `"image_mean":[0.485]`}, [2]string{"image_mean: [0.485, 0.456, 0.406]", "image_mean: [0.485]"},
			"image_mean: want 3 numbers, got 1"},
		{[2]string{`"image_std":[0.229,0.224,0.225]`, `"image_std":[0.229,0.224,0.225,1]`}, [2]string{"image_std: [0.229, 0.224, 0.225]", "image_std: [0.229, 0.224, 0.225, 1]"},
			"image_std: want 3 numbers, got 4"},
		{[2]string{`"bbox_reg_weights":[10,10,5,5]`, `"bbox_reg_weights":[10,10,5,5,7,7]`}, [2]string{"bbox_reg_weights: [10.0, 10.0, 5.0, 5.0]", "bbox_reg_weights: [10.0, 10.0, 5.0, 5.0, 7.0, 7.0]"},
			"bbox_reg_weights: want 4 numbers, got 6"},
	} {
		js := strings.Replace(string(raw), c.json[0], c.json[1], 1)
		ys := strings.Replace(string(y), c.yaml[0], c.yaml[1], 1)
		if js == string(raw) || ys == string(y) {
			t.Fatalf("%s: nothing replaced", c.want)
		}
		var back Model
		dec := json.NewDecoder(strings.NewReader(js))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&back); err != nil {
			t.Fatal(err)
		}
		if err := back.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("JSON: %v, want %q", err, c.want)
		}
		if _, err := parseYAML("test.yaml", []byte(ys)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("YAML: %v, want %q", err, c.want)
		}
	}
}

// TestOneDocument: yaml.v3 reads the first document of a stream and used to ignore the rest, so
// a second document (here one that changes the version) was silently dropped; it is an error.
// A document marker before the only document is fine.
func TestOneDocument(t *testing.T) {
	y, err := presetFiles.ReadFile("presets/shufflenet-g3-1.0x-600.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseYAML("one.yaml", append([]byte("---\n"), y...)); err != nil {
		t.Errorf("--- then one document: %v", err)
	}
	for _, more := range []string{"---\nversion: 2\n", "---\n[\n"} {
		if _, err := parseYAML("two.yaml", append(append([]byte(nil), y...), more...)); err == nil || !strings.Contains(err.Error(), "two.yaml") {
			t.Errorf("with %q after it: %v", more, err)
		}
	}
}

func backboneFor(t *testing.T) shufflenet.Config {
	t.Helper()
	return shufflenet.Config{Groups: 3, Width: 1, Shuffle: true}
}

func TestCOCOClasses(t *testing.T) {
	if len(COCOClasses) != 80 || COCOClasses[0] != (Class{1, "person"}) || COCOClasses[79] != (Class{90, "toothbrush"}) {
		t.Fatalf("COCOClasses: %d entries, first %v, last %v", len(COCOClasses), COCOClasses[0], COCOClasses[len(COCOClasses)-1])
	}
}

// TestCloneSharesNoList: every slice of a Detector, at any depth, is a copy in its Clone (a
// slice field added later and not copied fails here, not as two detectors sharing a list).
func TestCloneSharesNoList(t *testing.T) {
	d := DefaultDetector(600)
	d.RoI.Labels = []int{1} // set at run time only, empty in every default
	c := d.Clone()
	var walk func(path string, a, b reflect.Value)
	walk = func(path string, a, b reflect.Value) {
		switch a.Kind() {
		case reflect.Struct:
			for i := range a.NumField() {
				walk(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i))
			}
		case reflect.Slice:
			if a.Len() == 0 {
				t.Errorf("%s: empty in the default, so this test checks nothing there", path)
				return
			}
			if a.Pointer() == b.Pointer() {
				t.Errorf("%s: the clone shares the list", path)
			}
		}
	}
	walk("Detector", reflect.ValueOf(*d), reflect.ValueOf(c))
}

// TestModelClone: a Model's Clone shares nothing with it (a plain copy shares its Detector, so a
// change made to the copy of a loaded model's configuration changed the model's).
func TestModelClone(t *testing.T) {
	m, err := Preset("shufflenet-g3-0.5x-300")
	if err != nil {
		t.Fatal(err)
	}
	c := m.Clone()
	c.Detector.RoI.ScoreThresh = 0.9
	c.Detector.Classes[0].Name = "changed"
	c.Detector.RPN.AnchorSizes[0] = 7
	if m.Detector.RoI.ScoreThresh == 0.9 || m.Detector.Classes[0].Name == "changed" || m.Detector.RPN.AnchorSizes[0] == 7 {
		t.Errorf("the clone shares the original's detector: %+v", m.Detector)
	}
	if (Model{Version: 1}).Clone().Detector != nil {
		t.Error("a classifier's clone has a detector")
	}
}
