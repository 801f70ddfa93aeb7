package pipeline

import (
	"bufio"
	"encoding/json"
	"io"
	"math"

	"github.com/shuffledet/shuffledet/detector"
)

// Record is one line of detect's JSON output: an image, or a frame of a video (then with its
// frame number and time).
type Record struct {
	Source     string      `json:"source"`
	Frame      *int        `json:"frame,omitempty"`   // video frames: the frame number, from 0
	TimeMS     *float64    `json:"time_ms,omitempty"` // video frames: the position in the source, ms
	Width      int         `json:"width"`
	Height     int         `json:"height"`
	Detections []Detection `json:"detections"`
}

// Detection is one detection in a Record.
type Detection struct {
	BBox       [4]float32 `json:"bbox"` // x, y, width, height in pixels
	Score      float32    `json:"score"`
	CategoryID int        `json:"category_id"`
	Label      string     `json:"label"`
}

// JSONLines writes Records as JSON lines, each flushed as soon as it is written, so a run that
// is interrupted leaves every finished frame on disk.
type JSONLines struct {
	w    *bufio.Writer
	enc  *json.Encoder
	rec  Record
	dets []Detection
	// frame and timeMS hold the record's frame number and time, which rec points to (fields,
	// so that writing a line allocates nothing).
	frame  int
	timeMS float64
}

// NewJSONLines returns a JSONLines writing to w.
func NewJSONLines(w io.Writer) *JSONLines {
	b := bufio.NewWriter(w)
	return &JSONLines{w: b, enc: json.NewEncoder(b)}
}

// Write writes one record.
func (j *JSONLines) Write(r *Record) error {
	if r.Detections == nil {
		r.Detections = []Detection{} // "detections": [], never null
	}
	if err := j.enc.Encode(r); err != nil {
		return err
	}
	return j.w.Flush()
}

// Detections writes one line for an image (frame < 0) or a video frame, reusing its buffers.
func (j *JSONLines) Detections(source string, frame int, timeMS float64, width, height int, dets []detector.Detection) error {
	return j.detections(source, frame, timeMS, width, height, dets, 1)
}

// detections is Detections with each box times scale (a frame decoded at 1/scale of its file's
// size: Position.Scale).
func (j *JSONLines) detections(source string, frame int, timeMS float64, width, height int, dets []detector.Detection, scale float32) error {
	j.dets = j.dets[:0]
	for _, d := range dets {
		box := d.Box
		if scale != 1 { // within the file's size: the decoded frame's last pixels cover fewer than scale
			for i := range box {
				box[i] *= scale
			}
			box[0], box[1] = min(box[0], float32(width)), min(box[1], float32(height))
			box[2], box[3] = min(box[2], float32(width)-box[0]), min(box[3], float32(height)-box[1])
		}
		j.dets = append(j.dets, Detection{BBox: box, Score: d.Score, CategoryID: d.CategoryID, Label: d.Label})
	}
	j.rec = Record{Source: source, Width: width, Height: height, Detections: j.dets}
	if frame >= 0 {
		j.frame = frame
		j.timeMS = math.Round(timeMS*1000) / 1000 // a microsecond is exact enough; no 300.00000000000006
		j.rec.Frame, j.rec.TimeMS = &j.frame, &j.timeMS
	}
	return j.Write(&j.rec)
}
