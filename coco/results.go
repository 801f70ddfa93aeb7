package coco

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
)

// Result is one detection in the COCO results format.
type Result struct {
	ImageID    int64      `json:"image_id"`
	CategoryID int        `json:"category_id"`
	BBox       [4]float64 `json:"bbox"` // x, y, w, h in original image pixels
	Score      float64    `json:"score"`
}

// resJSON is the decoding form of a result (extra fields are skipped).
type resJSON struct {
	ImageID    int64     `json:"image_id"`
	CategoryID int       `json:"category_id"`
	BBox       []float64 `json:"bbox"`
	Score      float64   `json:"score"`
}

// LoadResults reads a COCO results file. When gt is not nil every
// detection is checked against it: an image id that is not in gt, a
// category id that is not in gt, a NaN or infinite number, or a box with a
// negative width or height is an error that names the file, the line and
// column, and the detection.
func LoadResults(path string, gt *Dataset) ([]Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeResults(f, path, gt)
}

// DecodeResults reads a COCO results document from r; see LoadResults.
// name is used in error messages.
func DecodeResults(r io.Reader, name string, gt *Dataset) ([]Result, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	var out []Result
	var d resJSON
	err := decodeList(dec, name, "results (a list of detections)", func(i int, off int64) error {
		d.ImageID, d.CategoryID, d.Score = math.MinInt64, math.MinInt, math.NaN()
		d.BBox = d.BBox[:0]
		if err := dec.Decode(&d); err != nil {
			return jsonError(name, err, off, fmt.Sprintf("detection %d", i))
		}
		what := fmt.Sprintf("detection %d", i)
		switch {
		case d.ImageID == math.MinInt64:
			return atError(name, off, "%s: no image_id", what)
		case d.CategoryID == math.MinInt:
			return atError(name, off, "%s: no category_id", what)
		case len(d.BBox) != 4:
			if len(d.BBox) == 0 {
				return atError(name, off, "%s: no bbox (only bbox results can be evaluated)", what)
			}
			return atError(name, off, "%s: bbox must be 4 numbers [x,y,w,h], got %d", what, len(d.BBox))
		case math.IsNaN(d.Score):
			return atError(name, off, "%s: no score", what)
		}
		res := Result{ImageID: d.ImageID, CategoryID: d.CategoryID, BBox: [4]float64(d.BBox), Score: d.Score}
		if err := res.check(gt); err != nil {
			return atError(name, off, "%s: %v", what, err)
		}
		out = append(out, res)
		return nil
	})
	if err != nil {
		return nil, err
	}
	off := dec.InputOffset()
	if tok, err := dec.Token(); err != io.EOF {
		if err != nil {
			return nil, jsonError(name, err, off, "")
		}
		return nil, atError(name, off, "unexpected %s after the list of detections", describeToken(tok))
	}
	return out, nil
}

// check validates one detection, against gt when it is not nil.
func (r *Result) check(gt *Dataset) error {
	for _, v := range r.BBox {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("image %d: bbox %v is not finite", r.ImageID, r.BBox)
		}
	}
	if r.BBox[2] < 0 || r.BBox[3] < 0 {
		return fmt.Errorf("image %d: bbox %v has a negative width or height (bbox is [x,y,w,h])", r.ImageID, r.BBox)
	}
	if math.IsNaN(r.Score) || math.IsInf(r.Score, 0) {
		return fmt.Errorf("image %d: score %v is not finite", r.ImageID, r.Score)
	}
	if gt != nil {
		if !gt.HasImage(r.ImageID) {
			return fmt.Errorf("image_id %d is not in the ground truth %s", r.ImageID, gt.Path)
		}
		if !gt.HasCategory(r.CategoryID) {
			return fmt.Errorf("category_id %d is not a category of the ground truth %s", r.CategoryID, gt.Path)
		}
	}
	return nil
}

// CheckResults validates detections held in memory against gt (which may
// be nil); the error names the first bad detection by index.
func CheckResults(rs []Result, gt *Dataset) error {
	for i := range rs {
		if err := rs[i].check(gt); err != nil {
			return fmt.Errorf("detection %d: %w", i, err)
		}
	}
	return nil
}

// AppendResultJSON appends one detection as a JSON object to b. Numbers
// are written in their shortest round-trip form.
func AppendResultJSON(b []byte, r Result) []byte {
	b = append(b, `{"image_id":`...)
	b = strconv.AppendInt(b, r.ImageID, 10)
	b = append(b, `,"category_id":`...)
	b = strconv.AppendInt(b, int64(r.CategoryID), 10)
	b = append(b, `,"bbox":[`...)
	for i, v := range r.BBox {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFloat(b, v)
	}
	b = append(b, `],"score":`...)
	b = appendFloat(b, r.Score)
	return append(b, '}')
}

func appendFloat(b []byte, v float64) []byte {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// WriteResults writes detections as a COCO results JSON list, one
// detection per line. Non-finite numbers are refused (JSON has none).
func WriteResults(w io.Writer, rs []Result) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	if _, err := bw.WriteString("["); err != nil {
		return err
	}
	var b []byte
	for i := range rs {
		if err := rs[i].check(nil); err != nil {
			return fmt.Errorf("detection %d: %w", i, err)
		}
		b = b[:0]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		b = AppendResultJSON(b, rs[i])
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	if _, err := bw.WriteString("\n]\n"); err != nil {
		return err
	}
	return bw.Flush()
}

// SaveResults writes detections to path (through a temporary file in the
// same folder, renamed into place, so a reader never sees half a file).
func SaveResults(path string, rs []Result) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := WriteResults(tmp, rs); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return nil
}

// Float32 converts a float32 (as detectors produce) to the float64 with
// the same shortest decimal form, so results files read "12.5" rather than
// "12.5000003".
func Float32(v float32) float64 {
	f, err := strconv.ParseFloat(strconv.FormatFloat(float64(v), 'g', -1, 32), 64)
	if err != nil {
		return float64(v)
	}
	return f
}
