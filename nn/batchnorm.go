package nn

import (
	"fmt"
	"math"
)

// BatchNormEps is PyTorch's default BatchNorm epsilon.
const BatchNormEps = 1e-5

// FoldBatchNorm folds an inference-mode BatchNorm into the preceding bias-free convolution whose
// weight has outC rows: w'[o] = w[o] * s[o], b'[o] = beta[o] - mean[o]*s[o], with
// s = gamma / sqrt(var + eps). It returns new slices and leaves the inputs untouched.
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
	}
	return w, b, nil
}
