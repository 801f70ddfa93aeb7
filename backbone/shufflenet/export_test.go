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
