//go:build cgo && !noopencv

package pipeline_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/pipeline"
)

// Detect objects in every 8th frame of a video, two frames at a time, and write a JSON line per
// frame (a pipeline.NewVideoWriter among the sinks would write the annotated video too).
func Example() {
	det, err := detector.Load("../models/shufflenet-g3-1.0x-300-person-car.bin", detector.WithThreads(1))
	if err != nil {
		log.Fatal(err)
	}
	src, err := pipeline.OpenVideo("../testdata/video/person.mp4")
	if err != nil {
		log.Fatal(err)
	}
	var lines bytes.Buffer
	stats := &pipeline.Stats{}
	err = pipeline.Run(context.Background(), src, det, []pipeline.Sink{pipeline.NewJSONLines(&lines)},
		pipeline.Options{Workers: 2, Stride: 8, Stats: stats})
	if err != nil {
		log.Fatal(err)
	}
	c := stats.Counts()
	fmt.Printf("%d JSON lines; %d frames, %d dropped, %d corrupt\n", strings.Count(lines.String(), "\n"), c.Frames, c.Dropped, c.Corrupt)
	// Output:
	// 5 JSON lines; 5 frames, 0 dropped, 0 corrupt
}
