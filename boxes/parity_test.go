package boxes

import (
	"math/rand/v2"
	"testing"

	"github.com/shuffledet/shuffledet/internal/torchref"
	"github.com/shuffledet/shuffledet/safetensors"
)

func randBoxes(r *rand.Rand, n int, lo, hi, maxSide float32) []Box {
	bs := make([]Box, n)
	for i := range bs {
		x := lo + r.Float32()*(hi-lo)
		y := lo + r.Float32()*(hi-lo)
		bs[i] = Box{x, y, x + r.Float32()*maxSide, y + r.Float32()*maxSide}
	}
	return bs
}

func TestDecodeMatchesTorchvision(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 5000
	refs := randBoxes(r, n, -50, 800, 400)
	deltas := make([]float32, 4*n)
	for i := range deltas {
		deltas[i] = float32(r.NormFloat64() * 2)
		if i%97 == 2 || i%89 == 3 {
			deltas[i] = 4 + r.Float32()*30 // beyond the clip, before and after dividing by 5
		}
	}
	f := torchref.Tensors(t, `
from torchvision.models.detection._utils import BoxCoder
from torchvision.ops import boxes as box_ops
b, d = T["boxes"], T["deltas"]
for name, w in (("w1", (1.0, 1.0, 1.0, 1.0)), ("w10", (10.0, 10.0, 5.0, 5.0))):
    out = BoxCoder(w).decode_single(d, b)
    OUT[name] = out
    OUT[name + "_clip"] = box_ops.clip_boxes_to_image(out, (600, 790))
    keep = box_ops.remove_small_boxes(OUT[name + "_clip"], 1e-2)
    OUT[name + "_keep"] = keep.float()
OUT["iou"] = torch.diagonal(box_ops.box_iou(b[:1000], b[1:1001]))
`, &safetensors.Tensor{Name: "boxes", Shape: []int{n, 4}, Data: AppendFlat(nil, refs)},
		&safetensors.Tensor{Name: "deltas", Shape: []int{n, 4}, Data: deltas})

	for _, c := range []struct {
		name  string
		coder Coder
	}{{"w1", NewCoder(1, 1, 1, 1)}, {"w10", NewCoder(10, 10, 5, 5)}} {
		want := torchref.Get(t, f, c.name).Data
		wantClip := torchref.Get(t, f, c.name+"_clip").Data
		var decoded, clipped []Box
		for i, ref := range refs {
			d := deltas[4*i : 4*i+4]
			b := c.coder.Decode(ref, d[0], d[1], d[2], d[3])
			decoded = append(decoded, b)
			clipped = append(clipped, b.Clip(790, 600))
		}
		got, gotc := AppendFlat(nil, decoded), AppendFlat(nil, clipped)
		t.Logf("decode %s: max |diff| %.3g px, after clip %.3g px", c.name, torchref.MaxAbs(got, want), torchref.MaxAbs(gotc, wantClip))
		// bit-identical to torchvision's decode and clip_boxes_to_image
		if n, nc := torchref.Differing(got, want), torchref.Differing(gotc, wantClip); n != 0 || nc != 0 {
			t.Errorf("decode %s: %d coordinates (%d after clipping) differ from torchvision's", c.name, n, nc)
		}
		wantKeep := torchref.Get(t, f, c.name+"_keep").Data
		var gotKeep []int // remove_small_boxes(clipped, 1e-2)
		for i, b := range clipped {
			if b.IsLarge(1e-2) {
				gotKeep = append(gotKeep, i)
			}
		}
		if len(gotKeep) != len(wantKeep) {
			t.Fatalf("remove small %s: kept %d, torch %d", c.name, len(gotKeep), len(wantKeep))
		}
		for i := range gotKeep {
			if float32(gotKeep[i]) != wantKeep[i] {
				t.Fatalf("remove small %s: index %d is %d, torch %v", c.name, i, gotKeep[i], wantKeep[i])
			}
		}
	}

	wantIoU := torchref.Get(t, f, "iou").Data
	ious := make([]float32, 1000)
	for i := range ious {
		ious[i] = IoU(refs[i], refs[i+1])
	}
	t.Logf("IoU: max |diff| %.3g", torchref.MaxAbs(ious, wantIoU))
	if n := torchref.Differing(ious, wantIoU); n != 0 {
		t.Errorf("%d of %d IoUs differ from box_iou's (by up to %g)", n, len(ious), torchref.MaxAbs(ious, wantIoU))
	}
}
