package coco

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rivo/uniseg"

	"github.com/shuffledet/shuffledet/internal/quote"
)

// summaryLine describes one of the 12 summary numbers.
type summaryLine struct {
	ap     bool
	iou    int // IoU threshold index, -1 for all
	area   int
	maxDet int // index into MaxDets
}

var summaryLines = [12]summaryLine{
	{true, -1, 0, 2}, {true, 0, 0, 2}, {true, 5, 0, 2},
	{true, -1, 1, 2}, {true, -1, 2, 2}, {true, -1, 3, 2},
	{false, -1, 0, 0}, {false, -1, 0, 1}, {false, -1, 0, 2},
	{false, -1, 1, 2}, {false, -1, 2, 2}, {false, -1, 3, 2},
}

// StatNames are short names of the 12 summary numbers, in order.
var StatNames = [12]string{"AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"}

// pairwiseSum adds v the way numpy's add.reduce does for float64
// (pairwise summation in blocks of 8 up to 128 elements), so means agree
// with np.mean to the last bit.
func pairwiseSum(v []float64) float64 {
	n := len(v)
	switch {
	case n < 8:
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s
	case n <= 128:
		var r [8]float64
		copy(r[:], v[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			r[0] += v[i]
			r[1] += v[i+1]
			r[2] += v[i+2]
			r[3] += v[i+3]
			r[4] += v[i+4]
			r[5] += v[i+5]
			r[6] += v[i+6]
			r[7] += v[i+7]
		}
		s := (r[0] + r[1]) + (r[2] + r[3]) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			s += v[i]
		}
		return s
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwiseSum(v[:n2]) + pairwiseSum(v[n2:])
	}
}

// numpySum is np.add.reduce over a float64 vector: the reduction runs in
// buffers of 8192 elements, each summed pairwise.
func numpySum(v []float64) float64 {
	const bufSize = 8192
	s := 0.0
	for len(v) > 0 {
		n := min(len(v), bufSize)
		s += pairwiseSum(v[:n])
		v = v[n:]
	}
	return s
}

// meanValid is np.mean(s[s>-1]) for buf = s[s>-1], or -1 when buf is empty.
func meanValid(buf []float64) float64 {
	if len(buf) == 0 {
		return -1
	}
	return numpySum(buf) / float64(len(buf))
}

// stat computes one summary number over categories ks (nil: all), in
// numpy's C order (t, r, k) for precision and (t, k) for recall.
func (e *Eval) stat(l summaryLine, ks []int, buf []float64) (float64, []float64) {
	buf = buf[:0]
	K := len(e.cats)
	t0, t1 := 0, NumIoU
	if l.iou >= 0 {
		t0, t1 = l.iou, l.iou+1
	}
	each := func(f func(k int)) {
		if ks == nil {
			for k := 0; k < K; k++ {
				f(k)
			}
			return
		}
		for _, k := range ks {
			f(k)
		}
	}
	for t := t0; t < t1; t++ {
		if l.ap {
			for r := 0; r < NumRecall; r++ {
				each(func(k int) {
					if v := e.Precision[e.pidx(t, r, k, l.area, l.maxDet)]; v > -1 {
						buf = append(buf, v)
					}
				})
			}
		} else {
			each(func(k int) {
				if v := e.Recall[e.ridx(t, k, l.area, l.maxDet)]; v > -1 {
					buf = append(buf, v)
				}
			})
		}
	}
	return meanValid(buf), buf
}

// Summarize computes the 12 summary numbers into e.Stats (pycocotools
// summarize), running Accumulate first if needed; it panics if that fails
// (see MaxCategories): call Accumulate first to get the error instead.
func (e *Eval) Summarize() [12]float64 {
	e.mustAccumulate()
	buf := make([]float64, 0, NumIoU*NumRecall*len(e.cats))
	for i, l := range summaryLines {
		e.Stats[i], buf = e.stat(l, nil, buf)
	}
	return e.Stats
}

// SummaryText returns the 12 lines pycocotools' summarize prints, in its
// exact format, for stats.
func SummaryText(stats [12]float64) string {
	var b strings.Builder
	for i, l := range summaryLines {
		title, typ := "Average Precision", "(AP)"
		if !l.ap {
			title, typ = "Average Recall", "(AR)"
		}
		iou := "0.50:0.95"
		if l.iou >= 0 {
			iou = fmt.Sprintf("%0.2f", IoUThresholds[l.iou])
		}
		fmt.Fprintf(&b, " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d ] = %0.3f\n",
			title, typ, iou, AreaLabels[l.area], MaxDets[l.maxDet], stats[i])
	}
	return b.String()
}

// Summary returns the 12-line summary of e.Stats (call Summarize first).
func (e *Eval) Summary() string { return SummaryText(e.Stats) }

// CategoryResult holds the summary numbers of one category, computed as
// the overall ones restricted to it (-1 where it has no ground truth).
type CategoryResult struct {
	ID    int         `json:"id"`
	Name  string      `json:"name"`
	NumGT int         `json:"num_gt"` // ground truths that are not crowd
	NumDT int         `json:"num_dt"` // detections evaluated (at most 100 per image)
	Stats [12]float64 `json:"stats"`  // in the order of StatNames
}

// PerCategory returns the 12 numbers for each category evaluated, in the
// sorted order of CatIDs
// (call Accumulate first: run here, it panics if it fails, as Summarize).
func (e *Eval) PerCategory() []CategoryResult {
	e.mustAccumulate()
	out := make([]CategoryResult, len(e.cats))
	buf := make([]float64, 0, NumIoU*NumRecall)
	for k, id := range e.cats {
		c, _ := e.GT.Category(id)
		cr := CategoryResult{ID: id, Name: c.Name, NumGT: int(e.npig[k*NumArea]),
			NumDT: int(e.catKept[k+1] - e.catKept[k])}
		for i, l := range summaryLines {
			cr.Stats[i], buf = e.stat(l, []int{k}, buf)
		}
		out[k] = cr
	}
	return out
}

// CategoryTable formats per-category results as a fixed-width table. Its id and name columns
// widen to the longest id and name (as a terminal shows them), and a name with a control
// character is quoted (quote.Name), so that every row keeps its numbers under the header's.
func CategoryTable(cats []CategoryResult) string {
	idWidth, nameWidth := 4, 16
	names := make([]string, len(cats))
	for i, c := range cats {
		names[i] = quote.Name(c.Name)
		idWidth = max(idWidth, len(strconv.Itoa(c.ID)))
		nameWidth = max(nameWidth, uniseg.StringWidth(names[i]))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%*s  %s %6s %7s  %6s %6s %6s %6s %6s %6s %6s\n",
		idWidth, "id", pad("category", nameWidth), "gt", "dt", "AP", "AP50", "AP75", "APs", "APm", "APl", "AR100")
	for i, c := range cats {
		fmt.Fprintf(&b, "%*d  %s %6d %7d ", idWidth, c.ID, pad(names[i], nameWidth), c.NumGT, c.NumDT)
		for _, i := range []int{0, 1, 2, 3, 4, 5, 8} {
			fmt.Fprintf(&b, " %6.3f", c.Stats[i])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// pad returns s followed by the spaces that make it width columns wide on a terminal.
func pad(s string, width int) string {
	return s + strings.Repeat(" ", max(0, width-uniseg.StringWidth(s)))
}
