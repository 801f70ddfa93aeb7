package nn

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// BatchNormEps is PyTorch's default BatchNorm epsilon.
const BatchNormEps = 1e-5

// FoldBatchNorm folds an inference-mode BatchNorm into the preceding bias-free convolution whose
// weight has outC rows: w'[o] = w[o] * s[o], b'[o] = beta[o] - mean[o]*s[o], with
// s = gamma / sqrt(var + eps). It returns new slices and leaves the inputs untouched, or an error
// where a folded value is not a finite float32 (finite statistics can still overflow: a weight of
// 3e38 over a variance of 0).
func FoldBatchNorm(weight []float32, outC int, gamma, beta, mean, variance []float32) (w, b []float32, err error) {
	if outC <= 0 || len(weight)%outC != 0 || len(gamma) != outC || len(beta) != outC || len(mean) != outC || len(variance) != outC {
		return nil, nil, fmt.Errorf("batchnorm: %d channels do not match weight (%d values) or statistics (%d/%d/%d/%d)",
			outC, len(weight), len(gamma), len(beta), len(mean), len(variance))
	}
	per := len(weight) / outC
	w = make([]float32, len(weight))
	b = make([]float32, outC)
	for o := 0; o < outC; o++ {
		if variance[o] < 0 {
			return nil, nil, fmt.Errorf("batchnorm: channel %d has negative running variance %g", o, variance[o])
		}
		s := float64(gamma[o]) / math.Sqrt(float64(variance[o])+BatchNormEps)
		for i := 0; i < per; i++ {
			w[o*per+i] = float32(float64(weight[o*per+i]) * s)
		}
		b[o] = float32(float64(beta[o]) - float64(mean[o])*s)
		if !finite(b[o]) || slices.IndexFunc(w[o*per:(o+1)*per], func(v float32) bool { return !finite(v) }) >= 0 {
			return nil, nil, fmt.Errorf("batchnorm: channel %d: folded weights or bias not finite (scale %g)", o, s)
		}
	}
	return w, b, nil
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float32) bool { return v-v == 0 }

// ErrOverflow says that a model's weights, or its input normalization, overflow float32 on an
// image: a stage's output is not all finite (Finite).
var ErrOverflow = errors.New("the model's weights or image_mean / image_std overflow float32 on this image")

// Finite reports whether every value of xs is finite: a stage checks its output with it, so that
// weights or an input normalization that overflow float32 give an error, not detections of NaN
// scores (empty, or every score one value).
func Finite(xs []float32) bool {
	for _, v := range xs {
		if !finite(v) {
			return false
		}
	}
	return true
}
