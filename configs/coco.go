package configs

import "github.com/shuffledet/shuffledet/coco"

// COCOClasses are the 80 COCO detection classes with their sparse category ids (1..90), in
// contiguous label order: label k (1-based) is COCOClasses[k-1]. They come from coco.Categories80.
var COCOClasses = func() []Class {
	cs := make([]Class, len(coco.Categories80))
	for i, c := range coco.Categories80 {
		cs[i] = Class{ID: c.ID, Name: c.Name}
	}
	return cs
}()
