package nn

// ShuffleMap returns, for channel shuffle over c channels in g groups, the output position of each
// input channel. Official order (megvii ShuffleNet v1, paper=false): view the channels as
// (c/g, g) and transpose, so output i*(c/g)+j takes input j*g+i. Paper order (paper=true): view as
// (g, c/g) and transpose, so output j*g+i takes input i*(c/g)+j. The two are inverse permutations.
func ShuffleMap(c, g int, paper bool) []int {
	m := make([]int, c)
	n := c / g
	for i := 0; i < g; i++ {
		for j := 0; j < n; j++ {
			if paper {
				m[i*n+j] = j*g + i
			} else {
				m[j*g+i] = i*n + j
			}
		}
	}
	return m
}
