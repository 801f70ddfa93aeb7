package shufflenet

import (
	"math"
	"strings"
	"testing"
)

// Published figures at 224x224 with the 1000-way classifier: the official megvii ShuffleNet v1
// table (multiply-adds, params) and the paper's Table 1 (1.0x, multiply-adds).
func TestComplexityMatchesPublishedFigures(t *testing.T) {
	for _, c := range []struct {
		groups      int
		width       float64
		macsM       float64
		paramsM     float64 // 0: not published
		macsRelTol  float64
		paramsDigit float64 // published rounding
	}{
		{3, 2.0, 524, 5.4, 0.02, 0.05},
		{3, 1.5, 292, 3.4, 0.02, 0.05},
		{3, 1.0, 138, 1.9, 0.02, 0.05},
		{3, 0.5, 38, 0.7, 0.02, 0.05},
		{8, 2.0, 522, 6.5, 0.02, 0.05},
		{8, 1.0, 138, 2.4, 0.02, 0.05},
		{8, 0.5, 40, 1.0, 0.02, 0.05},
		// Paper Table 1, 1.0x.
		{1, 1.0, 143, 0, 0.02, 0},
		{2, 1.0, 140, 0, 0.02, 0},
		{3, 1.0, 137, 0, 0.02, 0},
		{4, 1.0, 133, 0, 0.02, 0},
		{8, 1.0, 137, 0, 0.02, 0},
	} {
		cfg := Config{Groups: c.groups, Width: c.width, Shuffle: true, NumClasses: 1000}
		cx := cfg.Complexity(224, 224)
		macs := float64(cx.MACs) / 1e6
		if rel := math.Abs(macs-c.macsM) / c.macsM; !(rel <= c.macsRelTol) {
			t.Errorf("%s: %.1fM multiply-adds, published %.0fM (off by %.1f%%)", cfg.Name(), macs, c.macsM, 100*rel)
		}
		if c.paramsM > 0 {
			params := float64(cx.Params) / 1e6
			if !(math.Abs(params-c.paramsM) <= c.paramsDigit) {
				t.Errorf("%s: %.3fM params, published %.1fM", cfg.Name(), params, c.paramsM)
			}
		}
	}
}

func TestStageWidthsReproduceOfficialTable(t *testing.T) {
	for _, c := range []struct {
		groups int
		width  float64
		stem   int
		stages [3]int
	}{
		{3, 0.5, 12, [3]int{120, 240, 480}}, {3, 1.0, 24, [3]int{240, 480, 960}},
		{3, 1.5, 24, [3]int{360, 720, 1440}}, {3, 2.0, 48, [3]int{480, 960, 1920}},
		{8, 0.5, 16, [3]int{192, 384, 768}}, {8, 1.0, 24, [3]int{384, 768, 1536}},
		{8, 1.5, 24, [3]int{576, 1152, 2304}}, {8, 2.0, 48, [3]int{768, 1536, 3072}},
	} {
		cfg := Config{Groups: c.groups, Width: c.width, Shuffle: true}
		if cfg.StemWidth() != c.stem || cfg.StageWidths() != c.stages {
			t.Errorf("%s: stem %d stages %v, official %d %v", cfg.Name(), cfg.StemWidth(), cfg.StageWidths(), c.stem, c.stages)
		}
	}
}

func TestEveryVariantIsConsistent(t *testing.T) {
	for _, g := range []int{1, 2, 3, 4, 8} {
		for _, w := range []float64{0.25, 0.5, 1.0, 1.5, 2.0} {
			for _, shallow := range []bool{false, true} {
				cfg := Config{Groups: g, Width: w, Shallow: shallow, SE: true, Shuffle: true}
				for _, u := range cfg.Units() {
					if u.Mid%g != 0 || u.Branch%g != 0 || u.In%u.FirstGroups != 0 || u.Branch <= 0 {
						t.Errorf("%s unit %d: in %d mid %d branch %d do not divide into %d groups", cfg.Name(), u.Index, u.In, u.Mid, u.Branch, g)
					}
				}
				if got := len(cfg.Units()); got != map[bool]int{false: 16, true: 8}[shallow] {
					t.Errorf("%s: %d units", cfg.Name(), got)
				}
				back, err := ParseName(cfg.Name())
				if err != nil || back.Groups != g || back.Width != w || back.Shallow != shallow || !back.SE {
					t.Errorf("ParseName(%q) = %+v, %v", cfg.Name(), back, err)
				}
			}
		}
	}
	for _, bad := range []string{"shufflenet-g5-1.0x", "shufflenet-g3-0.75x", "resnet50", "shufflenet-g3-1.0x-fast",
		"shufflenet-g3-1.0x -se", "shufflenet-g3-1.0x-se trailing", "shufflenet-g3-NaNx", "shufflenet-g3-1e0x"} {
		if _, err := ParseName(bad); err == nil {
			t.Errorf("ParseName(%q) accepted", bad)
		}
	}
	// A group count or width out of the table is refused naming the architecture, as a bad spelling is.
	for name, want := range map[string]string{
		"shufflenet-g5-1.0x": `backbone: architecture "shufflenet-g5-1.0x": groups 5 not supported (1, 2, 3, 4 or 8); want shufflenet-g<groups>`,
		"shufflenet-g3-3x":   `backbone: architecture "shufflenet-g3-3x": width 3 not supported (0.25, 0.5, 1.0, 1.5 or 2.0); want`,
	} {
		if _, err := ParseName(name); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("ParseName(%q): %v, want %q", name, err, want)
		}
	}
}
