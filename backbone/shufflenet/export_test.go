package shufflenet

// Hooks for the external tests of the bands (bands_test.go).

// BandUnits returns how many units r has run in bands, at stride 1 and at stride 2.
func (r *Runner) BandUnits() (stride1, stride2 int) { return r.bandUnits[0], r.bandUnits[1] }

// SetBandLimits sets the band budget and the smallest map in bands, and returns a function that
// restores them.
func SetBandLimits(budget, minMap int) (restore func()) {
	b, m := bandBytes, minBandMap
	bandBytes, minBandMap = budget, minMap
	return func() { bandBytes, minBandMap = b, m }
}

// TiledLast returns the last stage r's latest Forward ran in tiles (Stage2-1: none).
func (r *Runner) TiledLast() int { return r.tiledLast }

// SetTilePositions sets the fewest positions of a map a tile may own and returns a function
// that restores it.
func SetTilePositions(n int) (restore func()) {
	old := minTilePositions
	minTilePositions = n
	return func() { minTilePositions = old }
}

// SetTileWork sets the widest network that runs in tiles and returns a function that restores it.
func SetTileWork(w int) (restore func()) {
	old := maxTileWork
	maxTileWork = w
	return func() { maxTileWork = old }
}
