package coco

import (
	"strconv"
	"testing"
)

// numpyIoU and numpyRecall are pycocotools' thresholds as numpy 1.24 makes them, printed with
// float.hex():
//
//	iou = np.linspace(.5, 0.95, int(np.round((0.95 - .5) / .05)) + 1, endpoint=True)
//	rec = np.linspace(.0, 1.00, int(np.round((1.00 - .0) / .01)) + 1, endpoint=True)
//	print([float(x).hex() for x in iou]); print([float(x).hex() for x in rec])
var numpyIoU = [NumIoU]string{
	"0x1.0000000000000p-1", "0x1.199999999999ap-1", "0x1.3333333333333p-1", "0x1.4cccccccccccdp-1", "0x1.6666666666666p-1",
	"0x1.8000000000000p-1", "0x1.999999999999ap-1", "0x1.b333333333333p-1", "0x1.cccccccccccccp-1", "0x1.e666666666666p-1",
}

var numpyRecall = [NumRecall]string{
	"0x0.0p+0", "0x1.47ae147ae147bp-7", "0x1.47ae147ae147bp-6", "0x1.eb851eb851eb8p-6",
	"0x1.47ae147ae147bp-5", "0x1.999999999999ap-5", "0x1.eb851eb851eb8p-5", "0x1.1eb851eb851ecp-4",
	"0x1.47ae147ae147bp-4", "0x1.70a3d70a3d70ap-4", "0x1.999999999999ap-4", "0x1.c28f5c28f5c29p-4",
	"0x1.eb851eb851eb8p-4", "0x1.0a3d70a3d70a4p-3", "0x1.1eb851eb851ecp-3", "0x1.3333333333333p-3",
	"0x1.47ae147ae147bp-3", "0x1.5c28f5c28f5c3p-3", "0x1.70a3d70a3d70ap-3", "0x1.851eb851eb852p-3",
	"0x1.999999999999ap-3", "0x1.ae147ae147ae1p-3", "0x1.c28f5c28f5c29p-3", "0x1.d70a3d70a3d71p-3",
	"0x1.eb851eb851eb8p-3", "0x1.0000000000000p-2", "0x1.0a3d70a3d70a4p-2", "0x1.147ae147ae148p-2",
	"0x1.1eb851eb851ecp-2", "0x1.28f5c28f5c28fp-2", "0x1.3333333333333p-2", "0x1.3d70a3d70a3d7p-2",
	"0x1.47ae147ae147bp-2", "0x1.51eb851eb851fp-2", "0x1.5c28f5c28f5c3p-2", "0x1.6666666666667p-2",
	"0x1.70a3d70a3d70ap-2", "0x1.7ae147ae147aep-2", "0x1.851eb851eb852p-2", "0x1.8f5c28f5c28f6p-2",
	"0x1.999999999999ap-2", "0x1.a3d70a3d70a3ep-2", "0x1.ae147ae147ae1p-2", "0x1.b851eb851eb85p-2",
	"0x1.c28f5c28f5c29p-2", "0x1.ccccccccccccdp-2", "0x1.d70a3d70a3d71p-2", "0x1.e147ae147ae15p-2",
	"0x1.eb851eb851eb8p-2", "0x1.f5c28f5c28f5cp-2", "0x1.0000000000000p-1", "0x1.051eb851eb852p-1",
	"0x1.0a3d70a3d70a4p-1", "0x1.0f5c28f5c28f6p-1", "0x1.147ae147ae148p-1", "0x1.199999999999ap-1",
	"0x1.1eb851eb851ecp-1", "0x1.23d70a3d70a3ep-1", "0x1.28f5c28f5c28fp-1", "0x1.2e147ae147ae1p-1",
	"0x1.3333333333333p-1", "0x1.3851eb851eb85p-1", "0x1.3d70a3d70a3d7p-1", "0x1.428f5c28f5c29p-1",
	"0x1.47ae147ae147bp-1", "0x1.4cccccccccccdp-1", "0x1.51eb851eb851fp-1", "0x1.570a3d70a3d71p-1",
	"0x1.5c28f5c28f5c3p-1", "0x1.6147ae147ae15p-1", "0x1.6666666666667p-1", "0x1.6b851eb851eb8p-1",
	"0x1.70a3d70a3d70ap-1", "0x1.75c28f5c28f5cp-1", "0x1.7ae147ae147aep-1", "0x1.8000000000000p-1",
	"0x1.851eb851eb852p-1", "0x1.8a3d70a3d70a4p-1", "0x1.8f5c28f5c28f6p-1", "0x1.947ae147ae148p-1",
	"0x1.999999999999ap-1", "0x1.9eb851eb851ecp-1", "0x1.a3d70a3d70a3ep-1", "0x1.a8f5c28f5c290p-1",
	"0x1.ae147ae147ae1p-1", "0x1.b333333333333p-1", "0x1.b851eb851eb85p-1", "0x1.bd70a3d70a3d7p-1",
	"0x1.c28f5c28f5c29p-1", "0x1.c7ae147ae147bp-1", "0x1.ccccccccccccdp-1", "0x1.d1eb851eb851fp-1",
	"0x1.d70a3d70a3d71p-1", "0x1.dc28f5c28f5c3p-1", "0x1.e147ae147ae15p-1", "0x1.e666666666667p-1",
	"0x1.eb851eb851eb8p-1", "0x1.f0a3d70a3d70ap-1", "0x1.f5c28f5c28f5cp-1", "0x1.fae147ae147aep-1",
	"0x1.0000000000000p+0",
}

// TestThresholdsAreNumpys pins all 10 IoU and 101 recall thresholds to numpy's bits (on every
// architecture the tests run on: make test runs this package under qemu-aarch64 too).
func TestThresholdsAreNumpys(t *testing.T) {
	check := func(what string, got []float64, want []string) {
		t.Helper()
		for i, h := range want {
			w, err := strconv.ParseFloat(h, 64)
			if err != nil {
				t.Fatal(err)
			}
			if got[i] != w {
				t.Errorf("%s[%d] = %x (%v), numpy %s (%v)", what, i, got[i], got[i], h, w)
			}
		}
	}
	check("IoUThresholds", IoUThresholds[:], numpyIoU[:])
	check("RecallThresholds", RecallThresholds[:], numpyRecall[:])
	// The two that a Go constant expression gets wrong (0.5 + 7*0.05 = 0.8500000000000001, and
	// 0.5 + 8*0.05 = 0.9): numpy's are 0.85 and one unit in the last place below 0.9.
	if IoUThresholds[7] != 0.85 || IoUThresholds[8] != 0x1.cccccccccccccp-1 || IoUThresholds[8] >= 0.9 {
		t.Errorf("thresholds 7, 8 = %v, %v", IoUThresholds[7], IoUThresholds[8])
	}
}
