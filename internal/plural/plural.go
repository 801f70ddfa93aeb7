// Package plural writes a count with its noun, singular for 1 and plural otherwise (Count: "1
// proposal", "300 proposals", "0 proposals"), and a word that agrees with a count written apart
// from it (Word), for the messages of the commands, pipeline, coco, detector and internal/bench.
package plural

import "strconv"

// Count returns n followed by one (n == 1) or many (any other n).
func Count(n int, one, many string) string {
	return strconv.Itoa(n) + " " + Word(n, one, many)
}

// Word returns one when n is 1 and many otherwise: a verb or pronoun that agrees with a count written
// apart from it ("1 of the 3 images decodes", "2 of the 3 images decode").
func Word(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
