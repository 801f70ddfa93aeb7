package kernels

import (
	"fmt"
	"testing"
)

func BenchmarkZZShapes(b *testing.B) {
	im := sgemm.impls[len(sgemm.impls)-1]
	for _, s := range [][3]int{{20, 784, 80}, {80, 784, 20}, {40, 196, 160}, {160, 196, 40}, {80, 49, 320}, {320, 49, 80}} {
		b.Run(fmt.Sprint(im.name, s), func(b *testing.B) { benchSgemm(b, im.fn, s[0], s[1], s[2]) })
	}
}
