package shufflenet

// Hooks for the external tests of the bands (bands_test.go).

// SetLayerByLayer makes r run every unit layer by layer (the bands' reference).
func (r *Runner) SetLayerByLayer() { r.noBands = true }

// RanInBands reports whether some unit of r has run in bands.
func (r *Runner) RanInBands() bool { return r.bands.ring != nil }

// SetBandLimits sets the band budget and the smallest map in bands, and returns a function that
// restores them.
func SetBandLimits(budget, minMap int) (restore func()) {
	b, m := bandBytes, minBandMap
	bandBytes, minBandMap = budget, minMap
	return func() { bandBytes, minBandMap = b, m }
}
