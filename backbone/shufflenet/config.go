// Package shufflenet is ShuffleNet v1 (Zhang et al., 2017) in the official megvii structure: every
// group count and width of the paper, the shallow and squeeze-and-excitation variants, shuffle on or
// off, an optional classifier, and its complexity report. Net.Trunk is the network as a
// detector's trunk (backbone.Trunk).
//
// Errors: Build and ParseName return errors for unsupported variants and for weights that do not
// fit (naming the tensor); Classify returns one for a network without a classifier. A Runner
// trusts its caller with the input's shape, as nn's layers do (a programmer error panics).
package shufflenet

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Config selects a ShuffleNet v1 variant. It is the "backbone" object of a model file's config.
type Config struct {
	Groups     int     `json:"groups" yaml:"groups"`           // 1, 2, 3, 4 or 8
	Width      float64 `json:"width" yaml:"width"`             // 0.25, 0.5, 1.0, 1.5 or 2.0
	Shallow    bool    `json:"shallow" yaml:"shallow"`         // Table 5: 2/4/2 units per stage instead of 4/8/4
	SE         bool    `json:"se" yaml:"se"`                   // squeeze-and-excitation on each unit's branch
	Shuffle    bool    `json:"shuffle" yaml:"shuffle"`         // channel shuffle (false: the Table 3 ablation)
	NumClasses int     `json:"num_classes" yaml:"num_classes"` // classifier width; 0 for none
}

// DefaultConfig is ShuffleNet 1x (g=3) with shuffle and a 1000-way classifier.
func DefaultConfig() Config {
	return Config{Groups: 3, Width: 1.0, Shuffle: true, NumClasses: 1000}
}

// stage widths at 1.0x (paper Table 1).
var widths1x = map[int][3]int{1: {144, 288, 576}, 2: {200, 400, 800}, 3: {240, 480, 960}, 4: {272, 544, 1088}, 8: {384, 768, 1536}}

// MaxClasses is the most classes a classifier has (ImageNet-21k has 21,841): a 2x g8 classifier
// of that many holds 1.6 GB of weights in its last layer, which bounds a model file's size
// (safetensors.MaxFileSize).
const MaxClasses = 1 << 17

// Validate reports an unsupported group count, width or class count.
func (c Config) Validate() error {
	if why := c.problem(); why != "" {
		return errors.New("backbone: " + why)
	}
	return nil
}

// problem says what of c the network does not have ("" when nothing): Validate's error, and
// ParseName's with the architecture named.
func (c Config) problem() string {
	if _, ok := widths1x[c.Groups]; !ok {
		return fmt.Sprintf("groups %d not supported (1, 2, 3, 4 or 8)", c.Groups)
	}
	switch c.Width {
	case 0.25, 0.5, 1.0, 1.5, 2.0:
	default:
		return fmt.Sprintf("width %g not supported (0.25, 0.5, 1.0, 1.5 or 2.0)", c.Width)
	}
	if c.NumClasses < 0 || c.NumClasses > MaxClasses {
		return fmt.Sprintf("num_classes %d out of range (0..%d)", c.NumClasses, MaxClasses)
	}
	return ""
}

// Name returns a short name such as "shufflenet-g3-1.0x" (with "-shallow", "-se", "-noshuffle").
func (c Config) Name() string {
	s := fmt.Sprintf("shufflenet-g%d-%.1fx", c.Groups, c.Width)
	if c.Width == 0.25 {
		s = fmt.Sprintf("shufflenet-g%d-0.25x", c.Groups)
	}
	if c.Shallow {
		s += "-shallow"
	}
	if c.SE {
		s += "-se"
	}
	if !c.Shuffle {
		s += "-noshuffle"
	}
	return s
}

// ParseName parses a name written by Name (e.g. "shufflenet-g3-1.0x-se") into a Config with a
// 1000-way classifier. The width may be written as any decimal ("1x", "1.0x", "0.50x"); nothing
// else may differ from Name's spelling (no spaces, no trailing text).
func ParseName(name string) (Config, error) {
	c := DefaultConfig()
	bad := func(why string) (Config, error) {
		return c, fmt.Errorf("backbone: architecture %q: %s; want shufflenet-g<groups>-<width>x[-shallow][-se][-noshuffle]", name, why)
	}
	rest, ok := strings.CutPrefix(name, "shufflenet-g")
	if !ok {
		return bad("no shufflenet-g prefix")
	}
	groups, rest, ok := strings.Cut(rest, "-")
	if !ok {
		return bad("no width")
	}
	width, rest, ok := strings.Cut(rest, "x")
	if !ok {
		return bad("no x after the width")
	}
	// Digits (and the width's point) only: strconv also reads signs, exponents, "inf" and "nan".
	var err error
	if c.Groups, err = strconv.Atoi(groups); err != nil || strings.Trim(groups, "0123456789") != "" {
		return bad(fmt.Sprintf("groups %q is not a number", groups))
	}
	if c.Width, err = strconv.ParseFloat(width, 64); err != nil || strings.Trim(width, "0123456789.") != "" {
		return bad(fmt.Sprintf("width %q is not a decimal", width))
	}
	for _, suffix := range []struct {
		text string
		set  func()
	}{
		{"-shallow", func() { c.Shallow = true }},
		{"-se", func() { c.SE = true }},
		{"-noshuffle", func() { c.Shuffle = false }},
	} {
		if r, ok := strings.CutPrefix(rest, suffix.text); ok {
			suffix.set()
			rest = r
		}
	}
	if rest != "" {
		return bad(fmt.Sprintf("unknown suffix %q", rest))
	}
	// Groups or a width the network does not have, named with the architecture they came from as
	// the errors above are (-arch shufflenet-g5-1.0x said only "groups 5 not supported").
	if why := c.problem(); why != "" {
		return bad(why)
	}
	return c, nil
}

// Repeats returns the number of units in stages 2, 3 and 4.
func (c Config) Repeats() [3]int {
	if c.Shallow {
		return [3]int{2, 4, 2}
	}
	return [3]int{4, 8, 4}
}

// StageWidths returns the output channels of stages 2, 3 and 4: the 1.0x width times Width,
// rounded to the nearest multiple of 4*groups (ties upward) so the bottleneck splits into groups.
// This reproduces the official megvii table exactly.
func (c Config) StageWidths() [3]int {
	var w [3]int
	q := float64(4 * c.Groups)
	for i, base := range widths1x[c.Groups] {
		w[i] = int(math.Floor(float64(base)*c.Width/q+0.5)) * int(q)
	}
	return w
}

// StemWidth returns the first convolution's output channels: the official table's 12/24/24/48 for
// 0.5x/1.0x/1.5x/2.0x (16 at 0.5x for g=8), and the 0.5x stem for the paper's 0.25x.
func (c Config) StemWidth() int {
	switch {
	case c.Width <= 0.5 && c.Groups == 8:
		return 16
	case c.Width <= 0.5:
		return 12
	case c.Width < 2:
		return 24
	}
	return 48
}

// UnitSpec describes one ShuffleNet unit.
type UnitSpec struct {
	Index       int // position in features (0-based across stages)
	Stage       int // 2, 3 or 4
	In, Out     int // input and output channels of the unit
	Mid         int // bottleneck channels (Out/4)
	Branch      int // channels the branch produces: Out-In for stride 2, else Out
	Stride      int
	FirstGroups int // groups of the first 1x1 conv (1 in the first unit of stage 2)
	SEHidden    int // squeeze-and-excitation width (0 without SE)
}

// Units lists every unit in order.
func (c Config) Units() []UnitSpec {
	var us []UnitSpec
	in := c.StemWidth()
	widths, reps := c.StageWidths(), c.Repeats()
	for s := 0; s < 3; s++ {
		for i := 0; i < reps[s]; i++ {
			u := UnitSpec{Index: len(us), Stage: s + 2, In: in, Out: widths[s], Mid: widths[s] / 4, Stride: 1, FirstGroups: c.Groups}
			u.Branch = u.Out
			if i == 0 {
				u.Stride = 2
				u.Branch = u.Out - u.In
			}
			if s == 0 && i == 0 {
				u.FirstGroups = 1
			}
			if c.SE {
				u.SEHidden = max(1, u.Branch/16)
			}
			us = append(us, u)
			in = u.Out
		}
	}
	return us
}
