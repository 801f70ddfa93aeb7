package modelfile_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/shuffledet/shuffledet/modelfile"
	"github.com/shuffledet/shuffledet/safetensors"
)

// The bundled demo detector.
const demoModel = "../models/shufflenet-g3-1.0x-300-person-car.bin"

// Open a model file: its configuration is read and validated at once, its tensors are checked
// (shape, finite values) as a builder asks for them by name.
func ExampleOpen() {
	f, err := modelfile.Open(demoModel)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	d := f.Config.Detector
	fmt.Printf("%s at %d (longer side at most %d)\n", f.Config.Backbone.Name(), d.ShorterSide, d.MaxLongerSide)
	for _, c := range d.Classes {
		fmt.Printf("class %d: %s\n", c.ID, c.Name)
	}
	bias, err := f.Get("rpn.head.cls_logits.bias", d.RPN.NumAnchors())
	fmt.Println(len(bias), "objectness biases", err)
	_, err = f.Get("rpn.head.cls_logits.bias", 9)
	fmt.Println(err)
	// Output:
	// shufflenet-g3-1.0x at 300 (longer side at most 500)
	// class 1: person
	// class 3: car
	// 15 objectness biases <nil>
	// tensor "rpn.head.cls_logits.bias" has shape [15], the config needs [9]
}

// Write a model file with other test-time settings: the tensors are the same, the configuration
// and the checksum that covers both are new.
func ExampleWrite() {
	f, err := modelfile.Open(demoModel)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	st, err := safetensors.ReadFile(demoModel) // modelfile.File does not list its tensors
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "modelfile-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "strict.bin")

	cfg := f.Config.Clone() // a copy of f.Config would share its Detector
	cfg.Detector.RoI.ScoreThresh = 0.5
	if err := modelfile.Write(path, cfg, st.Tensors); err != nil {
		log.Fatal(err)
	}
	g, err := modelfile.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer g.Close()
	fmt.Println(len(st.Tensors), "tensors; score threshold", f.Config.Detector.RoI.ScoreThresh, "->", g.Config.Detector.RoI.ScoreThresh)
	// Output:
	// 255 tensors; score threshold 0.05 -> 0.5
}
