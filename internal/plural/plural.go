// Package plural writes a count with its noun, singular for 1 and plural otherwise, for the
// commands' messages ("1 proposal", "300 proposals", "0 proposals").
package plural

import "strconv"

// Count returns n followed by one (n == 1) or many (any other n).
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
