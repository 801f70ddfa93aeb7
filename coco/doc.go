// Package coco reads COCO instances and results files and evaluates bbox
// detections with the algorithm of pycocotools' COCOeval, to the last
// digit.
//
// # Loading
//
// LoadDataset streams an instances JSON file (images, annotations,
// categories); segmentations, polygons or RLE, are skipped without being
// kept, so instances_train2017.json (448 MB) loads without extra copies.
// Categories80 (indexed by contiguous class) and IDToContiguous map the 80
// contiguous classes to and from the sparse COCO ids 1..90. LoadResults and SaveResults read
// and write the results format [{"image_id", "category_id", "bbox",
// "score"}]. Like pycocotools' loadRes, LoadResults keeps detections of
// categories the ground truth does not have (they never match;
// FindUnmatchable counts them) and refuses detections of images it does
// not have; a NaN or infinite number where the evaluation reads one, an id
// with a fraction (ids written 7.0, as numpy pipelines do, are read as
// integers, in both files; an images or categories list with such an id
// and an integer id beyond 2^53 that a float64 cannot hold is refused where
// an annotation, or a detection, is under that id: pycocotools' np.unique
// makes the list's ids float64 and loses that one), two scores of a
// category written as integers that differ and that one float64 holds
// (numpy sorts scores written as integers exactly; float64 ties 2^53 and
// 2^53+1), or broken
// JSON, is an error naming the file, the line and column, and the byte
// offset. Python's NaN, Infinity and
// -Infinity, which JSON does not have, are skipped where nothing reads
// them (a polygon, an extra key), as pycocotools skips them. Image ids may be strings, as pycocotools takes them: an
// image's ID is then the string's rank in sorted order (Dataset.ImageKey),
// and results files are read and written with the strings. A results file
// whose first detection has a compressed-RLE "segmentation" and no "bbox"
// is read as loadRes reads it: every box from its mask unless it has one,
// every area for the area ranges from the mask.
//
// # Evaluation
//
// EvaluateResults (or NewEval, then Evaluate, Accumulate, Summarize;
// AccumulateContext stops between categories when a context ends) follows cocoeval.py step by step: detections get ids 1..n in file order
// and area w*h (loadRes); ground truth is ignored when crowd; IoU with a
// crowd region is the intersection over the detection's area; area ranges
// use the annotation "area" field; ground truth is sorted ignored-last and
// detections by score, both stably; the greedy matching, the 101-point
// interpolated precision with its monotone envelope, maxDets 1/10/100 per
// image and category, and -1 where there is no ground truth are those of
// pycocotools. Everything is float64; the IoU and recall thresholds are
// numpy's linspace bits; no product is fused into a multiply-add (see
// scripts/check-nofma); and even the final means add in numpy's pairwise
// order. So the 12 numbers equal pycocotools' bit for bit on the golden
// problem, the 16 generated corner cases and the 8 threshold-boundary
// cases in ../shared/data, and on hand-checked cases with an IoU on and
// just below every threshold (the tests, on amd64 and arm64).
//
// Evaluate visits only the (category, image) pairs that hold a ground
// truth or a detection, so its memory follows the boxes, never images x
// categories. Accumulate's precision array is pycocotools' (12,120 numbers
// per category); more than MaxCategories categories (970 MB of it) are
// refused with an error.
//
// PRCurve returns any precision-recall curve of the evaluation (a category
// or, with AllCategories, the mean over them, an IoU threshold or the mean over them, an area
// range, a maxDets); package prplot draws them.
//
// # Speed
//
// BenchmarkEvaluateMinival evaluates a synthetic minival-sized problem
// (5000 images, 35k ground-truth boxes, 500k detections, fixed seed); see
// README.md in this folder for the numbers and the comparison with
// pycocotools.
package coco
