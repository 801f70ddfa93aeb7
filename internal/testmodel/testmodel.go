// Package testmodel makes small random model files for tests that need a valid model without
// PyTorch (loader hardening, fuzzing), and random weights for `detect bench -arch` (Recorder).
// Parity tests use train/export.py instead.
package testmodel

import (
	"math/rand"
	"sort"
	"strings"

	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/configs"
	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/safetensors"
)

// Recorder is an nn.Weights that invents a random tensor for every name it is asked for and
// remembers it, so that building a network through it lists exactly the tensors a config needs.
type Recorder struct {
	rng     *rand.Rand
	tensors map[string]*safetensors.Tensor
}

// NewRecorder returns a Recorder seeded with seed.
func NewRecorder(seed int64) *Recorder {
	return &Recorder{rng: rand.New(rand.NewSource(seed)), tensors: map[string]*safetensors.Tensor{}}
}

// Get returns (and records) a random tensor of the given shape. BatchNorm variances are positive.
func (r *Recorder) Get(name string, shape ...int) ([]float32, error) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		if strings.HasSuffix(name, "running_var") {
			data[i] = 0.5 + r.rng.Float32()
		} else {
			data[i] = float32(r.rng.NormFloat64() * 0.1)
		}
	}
	r.tensors[name] = &safetensors.Tensor{Name: name, Shape: append([]int(nil), shape...), Data: data}
	return data, nil
}

// Tensors returns the recorded tensors in name order.
func (r *Recorder) Tensors() []*safetensors.Tensor {
	var ts []*safetensors.Tensor
	for _, t := range r.tensors {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	return ts
}

// Backbone returns the tensors of a random backbone with configuration cfg.
func Backbone(cfg shufflenet.Config, seed int64) ([]*safetensors.Tensor, error) {
	r := NewRecorder(seed)
	if _, err := shufflenet.Build(cfg, r); err != nil {
		return nil, err
	}
	return r.Tensors(), nil
}

// Detector returns the configuration of a named preset (configs.Preset) and the tensors of a
// random detector for it.
func Detector(preset string, seed int64) (*configs.Model, []*safetensors.Tensor, error) {
	cfg, err := configs.Preset(preset)
	if err != nil {
		return nil, nil, err
	}
	r := NewRecorder(seed)
	if _, err := detector.Build(preset, *cfg, r); err != nil {
		return nil, nil, err
	}
	return cfg, r.Tensors(), nil
}
