//go:build cgo && !noopencv

package pipeline

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/internal/videotest"
)

// TestRotatedVideoUpright: a video tagged with a rotation (a phone's portrait video: the display
// matrix of `-metadata:s:v rotate=N`) is read upright, as ffmpeg and players show it, frame for
// frame. OpenCV 4.6's own rotation turned the ±90° ones upside down (mean difference about 100
// against ffmpeg's frame on the clip; the same frames compare at 0).
func TestRotatedVideoUpright(t *testing.T) {
	dir := t.TempDir()
	for _, angle := range []int{0, 90, 180, 270} {
		path := filepath.Join(dir, fmt.Sprintf("r%d.mp4", angle))
		// The bundled clip, its stream copied with the tag (a tag given while encoding is dropped).
		if out, err := exec.Command("ffmpeg", "-v", "error", "-i", videotest.Clip(t), "-c", "copy",
			"-metadata:s:v", fmt.Sprintf("rotate=%d", angle), path).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
		// ffmpeg's own frames, turned as players turn them, in OpenCV's BGR.
		raw, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-frames:v", "3", "-f", "rawvideo", "-pix_fmt", "bgr24", "-").Output()
		if err != nil {
			t.Fatalf("ffmpeg decode: %v", err)
		}
		w, h := videotest.ClipWidth, videotest.ClipHeight
		if angle%180 != 0 {
			w, h = h, w
		}
		v, err := OpenVideo(path)
		if err != nil {
			t.Fatal(err)
		}
		if info := v.Info(); info.Width != w || info.Height != h {
			t.Errorf("rotate=%d: Info %dx%d, want %dx%d", angle, info.Width, info.Height, w, h)
		}
		if info, err := ProbeVideo(path); err != nil || info.Width != w || info.Height != h {
			t.Errorf("rotate=%d: ProbeVideo %dx%d (%v), want %dx%d", angle, info.Width, info.Height, err, w, h)
		}
		m := gocv.NewMat()
		for k := 0; k < 3; k++ {
			if _, err := v.Read(context.Background(), &m); err != nil {
				t.Fatalf("rotate=%d: frame %d: %v", angle, k, err)
			}
			want, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC3, raw[k*w*h*3:(k+1)*w*h*3])
			if err != nil {
				t.Fatal(err)
			}
			diff := -1.0
			if m.Cols() == w && m.Rows() == h {
				d := gocv.NewMat()
				gocv.AbsDiff(m, want, &d)
				mean := d.Mean()
				diff = (mean.Val1 + mean.Val2 + mean.Val3) / 3
				d.Close()
			}
			want.Close()
			if !(diff >= 0 && diff <= 1) { // the same decoder; colour conversion may differ in the last bit
				t.Errorf("rotate=%d: frame %d is %dx%d, mean difference from ffmpeg's %v (want %dx%d, at most 1)", angle, k, m.Cols(), m.Rows(), diff, w, h)
			}
		}
		m.Close()
		v.Close()
	}
}
