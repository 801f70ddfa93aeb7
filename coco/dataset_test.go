package coco

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const tinyGT = `{
 "info": {"description": "tiny", "year": 2017},
 "licenses": [{"id": 1, "name": "x"}],
 "images": [
  {"id": 7, "file_name": "a/000000000007.jpg", "width": 640, "height": 480},
  {"id": 3, "file_name": "000000000003.jpg", "width": 10, "height": 10}
 ],
 "annotations": [
  {"id": 1, "image_id": 7, "category_id": 1, "bbox": [10, 20, 30, 40], "area": 700.5, "iscrowd": 0,
   "segmentation": [[10, 20, 40, 20, 40, 60, 10, 60]]},
  {"id": 2, "image_id": 7, "category_id": 3, "bbox": [0, 0, 100, 50], "area": 3000, "iscrowd": 1,
   "segmentation": {"counts": [0, 5, 10, 200], "size": [480, 640]}},
  {"id": 3, "image_id": 3, "category_id": 1, "bbox": [1, 1, 2, 2], "iscrowd": true,
   "segmentation": {"counts": "abc123", "size": [10, 10]}},
  {"id": 4, "image_id": 7, "category_id": 1, "bbox": [5.5, 6.5, 7, 8], "area": 50}
 ],
 "categories": [{"id": 1, "name": "person", "supercategory": "person"}, {"id": 3, "name": "car"}]
}`

func TestLoadDataset(t *testing.T) {
	d, err := LoadDataset(writeFile(t, "gt.json", tinyGT))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Images) != 2 || len(d.Annotations) != 4 || len(d.Categories) != 2 {
		t.Fatalf("%d images, %d annotations, %d categories", len(d.Images), len(d.Annotations), len(d.Categories))
	}
	a := d.Annotations[1]
	if !a.IsCrowd || a.Area != 3000 || a.BBox != [4]float64{0, 0, 100, 50} || a.CategoryID != 3 {
		t.Errorf("annotation 2 = %+v", a)
	}
	if a := d.Annotations[2]; !a.IsCrowd || a.Area != 4 {
		t.Errorf("annotation 3 (iscrowd true, no area) = %+v", a)
	}
	if got := d.ImageAnnotations(7); fmt.Sprint(got) != "[0 1 3]" {
		t.Errorf("ImageAnnotations(7) = %v", got)
	}
	if got := d.CategoryAnnotations(1); fmt.Sprint(got) != "[0 2 3]" {
		t.Errorf("CategoryAnnotations(1) = %v", got)
	}
	if got := d.ImageIDs(); fmt.Sprint(got) != "[3 7]" {
		t.Errorf("ImageIDs = %v", got)
	}
	if c, ok := d.Category(3); !ok || c.Name != "car" {
		t.Errorf("Category(3) = %v %v", c, ok)
	}
	if d.HasImage(8) || !d.HasImage(3) || d.HasCategory(2) {
		t.Error("HasImage/HasCategory")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "000000000007.jpg"), []byte("x"), 0o644)
	if p, err := d.ImagePath(dir, 7); err != nil || p != filepath.Join(dir, "000000000007.jpg") {
		t.Errorf("ImagePath(7) = %q, %v", p, err)
	}
	if _, err := d.ImagePath(dir, 3); err == nil || !strings.Contains(err.Error(), "000000000003.jpg") {
		t.Errorf("ImagePath(3) error = %v", err)
	}
}

func TestLoadDatasetRealFiles(t *testing.T) {
	for _, p := range []string{
		"coco128/annotations/instances_train2017.json",
		"coco-val128/instances_val2017_128.json",
		"coco-extra/instances.json",
	} {
		path := filepath.Join(sharedData, p)
		needData(t, path)
		d, err := LoadDataset(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Images) == 0 || len(d.Annotations) == 0 || len(d.Categories) == 0 {
			t.Errorf("%s: %d images, %d annotations, %d categories", p, len(d.Images), len(d.Annotations), len(d.Categories))
		}
		for _, c := range d.Categories {
			if k, ok := IDToContiguous(c.ID); !ok || Categories80[k].Name != c.Name {
				t.Errorf("%s: category %d %q is not in Categories80", p, c.ID, c.Name)
			}
		}
	}
}

func TestCategories80(t *testing.T) {
	seen := map[int]bool{}
	for i, c := range Categories80 {
		if seen[c.ID] || c.ID < 1 || c.ID > 90 {
			t.Errorf("bad id %d", c.ID)
		}
		seen[c.ID] = true
		if k, ok := IDToContiguous(c.ID); !ok || k != i {
			t.Errorf("IDToContiguous(%d) = %d", c.ID, k)
		}
	}
	for _, id := range []int{0, 12, 26, 29, 30, 45, 66, 68, 69, 71, 83, 91, -1} {
		if _, ok := IDToContiguous(id); ok {
			t.Errorf("IDToContiguous(%d) ok", id)
		}
	}
	if Categories80[79].ID != 90 || CategoryName(90) != "toothbrush" || CategoryName(1) != "person" {
		t.Error("names")
	}
}

func TestLoadErrors(t *testing.T) {
	gtPath := writeFile(t, "gt.json", tinyGT)
	gt, err := LoadDataset(gtPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, content string
		gt            bool // a results file (else a dataset)
		want          []string
	}{
		{"trailing comma", "{\"images\": [\n  {\"id\": 1},\n]}", false, []string{"trailing comma:3:1", "invalid JSON", "(byte 26)"}},
		{"truncated", `{"images": [{"id": 1}`, false, []string{"truncated:", "unexpected end"}},
		{"bbox short", `{"images": [], "categories": [], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2]}]}`, false, []string{"bbox must be 4 numbers"}},
		{"no bbox", `{"images": [], "categories": [], "annotations": [{"id": 1, "image_id": 1, "category_id": 1}]}`, false, []string{"annotations[0] (id 1): no bbox"}},
		{"bbox empty", `{"images": [], "categories": [], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": []}]}`, false, []string{"annotations[0] (id 1): bbox must be 4 numbers [x,y,w,h], got 0"}},
		{"bbox null", `{"images": [], "categories": [], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": null}]}`, false, []string{"annotations[0] (id 1): bbox must be 4 numbers [x,y,w,h], got null"}},
		{"bbox in another case", `{"images": [], "categories": [], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "BBox": [1, 2, 3, 4]}]}`, false, []string{"annotations[0] (id 1): no bbox"}},
		{"no categories", `{"images": [], "annotations": []}`, false, []string{"no \"categories\""}},
		{"id type", "{\"images\": [\n{\"id\": true}]}", false, []string{"id type:2:1", "images[0]", "bool"}},
		{"not a list", `{"image_id": 7}`, true, []string{"not a list: is a JSON object, and a results file is a list of detections", "-gt and -dt swapped?"}},
		{"not a list after space", " \n\t[7]", true, []string{"detection 0: want an object, got JSON number"}},
		{"directory", "", true, []string{"is a directory, not a JSON file"}},
		{"width of another type", `{"images": [{"id": 1, "width": "640", "height": 1e400, "file_name": 7}], "categories": [{"id": 1, "name": 3, "supercategory": []}]}`, false, nil},
		{"box beyond float64", `{"images": [], "categories": [], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1e400, 1, 1, 1]}]}`, false, []string{"annotations[0]", "bbox: number 1e400 is beyond a float64's range"}},
		{"smallest image id", `[{"image_id": -9223372036854775808, "category_id": 1, "bbox": [1,2,3,4], "score": 0.5}]`, true, []string{"detection 0: image_id: -9223372036854775808 is the smallest integer, which marks a missing id here"}},
		{"beyond int64", `[{"image_id": -9223372036854775809, "category_id": 1, "bbox": [1,2,3,4], "score": 0.5}]`, true, []string{"detection 0: image_id: -9223372036854775809 is out of range: an id here is a 64-bit integer, -9223372036854775807 to 9223372036854775807"}},
		{"above int64", `[{"image_id": 9223372036854775808, "category_id": 1, "bbox": [1,2,3,4], "score": 0.5}]`, true, []string{"detection 0: image_id: 9223372036854775808 is out of range: an id here is a 64-bit integer, -9223372036854775807 to 9223372036854775807"}},
		{"annotation id above int64", `{"images": [], "categories": [], "annotations": [{"id": 9223372036854775808, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}]}`, false, []string{"annotations[0]: id: 9223372036854775808 is out of range: an id here is a 64-bit integer, -9223372036854775807 to 9223372036854775807"}},
		{"image id above int64 as a float", `{"images": [{"id": 1e19}], "categories": []}`, false, []string{"images[0]: id: 1e19 is out of range: an id here is a 64-bit integer, -9223372036854775807 to 9223372036854775807"}},
		{"largest int64", `{"images": [{"id": 9223372036854775807}, {"id": -9223372036854775807}], "categories": []}`, false, nil},
		{"no bbox after a box", `[{"image_id": 7, "category_id": 1, "bbox": [1,2,3,4], "score": 0.5, "segmentation": {"size": [4, 4], "counts": "52203"}}, {"image_id": 7, "category_id": 1, "score": 0.5, "segmentation": {"size": [4, 4], "counts": "52203"}}]`, true, []string{"detection 1: no bbox (detection 0 has one"}},
		// A bbox key that holds no box says what it holds, wherever the detection is (the first one's
		// decides boxes or masks) and whichever of the two it is read as.
		{"empty bbox first", `[{"image_id": 7, "category_id": 1, "bbox": [], "score": 0.5}]`, true, []string{"empty bbox first:1:2", "detection 0: bbox must be 4 numbers [x,y,w,h], got 0"}},
		{"null bbox first", `[{"image_id": 7, "category_id": 1, "bbox": null, "score": 0.5}]`, true, []string{"null bbox first:1:2", "detection 0: bbox must be 4 numbers [x,y,w,h], got null"}},
		{"empty bbox after a box", `[{"image_id": 7, "category_id": 1, "bbox": [1,2,3,4], "score": 0.5}, {"image_id": 7, "category_id": 1, "bbox": [], "score": 0.5}]`, true, []string{"empty bbox after a box:1:70", "detection 1: bbox must be 4 numbers [x,y,w,h], got 0"}},
		{"null bbox after a box", `[{"image_id": 7, "category_id": 1, "bbox": [1,2,3,4], "score": 0.5}, {"image_id": 7, "category_id": 1, "bbox": null, "score": 0.5}]`, true, []string{"null bbox after a box:1:70", "detection 1: bbox must be 4 numbers [x,y,w,h], got null"}},
		{"null bbox first with a mask", `[{"image_id": 7, "category_id": 1, "bbox": null, "score": 0.5, "segmentation": {"size": [4, 4], "counts": "52203"}}]`, true, []string{"detection 0: bbox must be 4 numbers [x,y,w,h], got null"}},
		{"empty bbox after a mask", `[{"image_id": 7, "category_id": 1, "score": 0.5, "segmentation": {"size": [4, 4], "counts": "52203"}}, {"image_id": 7, "category_id": 1, "bbox": [], "score": 0.5, "segmentation": {"size": [4, 4], "counts": "52203"}}]`, true, []string{"detection 1: bbox must be 4 numbers [x,y,w,h], got 0"}},
		{"null bbox after a mask", `[{"image_id": 7, "category_id": 1, "score": 0.5, "segmentation": {"size": [4, 4], "counts": "52203"}}, {"image_id": 7, "category_id": 1, "bbox": null, "score": 0.5, "segmentation": {"size": [4, 4], "counts": "52203"}}]`, true, []string{"detection 1: bbox must be 4 numbers [x,y,w,h], got null"}},
		{"no bbox first", `[{"image_id": 7, "category_id": 1, "score": 0.5}]`, true, []string{"detection 0: no bbox, and no segmentation to read one from"}},
		{"caption before mask", `[{"image_id": 7, "category_id": 1, "score": 0.5, "caption": "a", "segmentation": 7}]`, true, []string{"detection 0: has a caption"}},
		{"smallest annotation id", `{"images": [], "categories": [], "annotations": [{"id": -9223372036854775808, "image_id": 1, "category_id": 1, "bbox": [1, 1, 1, 1]}]}`, false, []string{"annotations[0]: id: -9223372036854775808 is the smallest integer"}},
		{"unknown image", "[\n{\"image_id\": 7, \"category_id\": 1, \"bbox\": [1,2,3,4], \"score\": 0.5},\n {\"image_id\": 99, \"category_id\": 1, \"bbox\": [1,2,3,4], \"score\": 0.5}]", true, []string{"unknown image:3:2", "detection 1", "image_id 99 is not in the ground truth"}},
		{"nan", "[{\"image_id\": 7, \"category_id\": 1,\n \"bbox\": [NaN, 2, 3, 4], \"score\": 0.5}]", true, []string{"nan:2:11", "NaN", "(byte 45)"}},
		{"infinity", `[{"image_id": 7, "category_id": 1, "bbox": [1, 2, 3, 4], "score": -Infinity}]`, true, []string{"detection 0: score: -Infinity is not a finite number", "(byte 66)"}},
		{"huge", `[{"image_id": 7, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 1e999}]`, true, []string{"huge:1:2", "1e999", "(byte 1)"}},
		{"no score", `[{"image_id": 7, "category_id": 1, "bbox": [1, 2, 3, 4]}]`, true, []string{"no score"}},
		// pycocotools ranks -2^53 above -2^53-1 (ints, sorted by numpy as int64); float64 holds both as -2^53
		{"scores tied beyond 2^53", "[{\"image_id\": 7, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"score\": -9007199254740993},\n {\"image_id\": 7, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"sc\\u006fre\": -9007199254740992}]", true,
			[]string{"scores tied beyond 2^53:2:2", "detection 1: score -9007199254740992 and detection 0's, -9007199254740993, of the same category, are integers that a float64 holds as one number"}},
		{"scores apart beyond 2^53", `[{"image_id": 7, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 9007199254740991}, {"image_id": 7, "category_id": 1, "bbox": [1, 2, 3, 4], "score": -9007199254740993}]`, true, nil},
		{"segm", `[{"image_id": 7, "category_id": 1, "segmentation": {"counts": "x"}, "score": 0.5}]`, true, []string{"detection 0: segmentation: size must be [h, w]"}},
		{"garbage after", `[] x`, true, []string{"invalid JSON"}},
		{"fractional image id", "[{\"image_id\": 7, \"category_id\": 1, \"bbox\": [1,2,3,4], \"score\": 0.5},\n {\"image_id\": 7.5, \"category_id\": 1, \"bbox\": [1,2,3,4], \"score\": 0.5}]", true, []string{"fractional image id:2:2", "detection 1: image_id: want an integer, got 7.5"}},
		{"null category id", `[{"image_id": 7, "category_id": null, "bbox": [1,2,3,4], "score": 0.5}]`, true, []string{"detection 0: no category_id"}},
		{"null annotation category", `{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [{"id": 1, "image_id": 1, "category_id": null, "bbox": [1, 2, 3, 4]}]}`, false, []string{"annotations[0] (id 1): no category_id"}},
		{"huge category id", `[{"image_id": 7, "category_id": 1e20, "bbox": [1,2,3,4], "score": 0.5}]`, true, []string{"detection 0: category_id: 1e20 is out of range: an id here is a 64-bit integer, -9223372036854775807 to 9223372036854775807"}},
		{"huge fractional category id", `[{"image_id": 7, "category_id": -1.5e20, "bbox": [1,2,3,4], "score": 0.5}]`, true, []string{"detection 0: category_id: -1.5e20 is out of range: an id here is a 64-bit integer, -9223372036854775807 to 9223372036854775807"}},
		{"category id beyond int", fmt.Sprintf(`[{"image_id": 7, "category_id": %d, "bbox": [1,2,3,4], "score": 0.5}]`, int64(math.MinInt)), true, []string{"detection 0: category_id: ", "is the smallest integer, which marks a missing id here"}},
		{"string category id", `[{"image_id": 7, "category_id": "1", "bbox": [1,2,3,4], "score": 0.5}]`, true, []string{"category_id: want an integer, got JSON string"}},
		{"fractional annotation id", `{"images": [], "categories": [], "annotations": [{"id": 0.5, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}]}`, false, []string{"annotations[0]: id: want an integer, got 0.5"}},
		{"fractional category", `{"images": [], "categories": [{"id": 1}, {"id": -2.25}]}`, false, []string{"categories[1]: id: want an integer, got -2.25"}},
		// A null in a box: encoding/json leaves the number the box before held there.
		{"null in a box", `{"images": [], "categories": [], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 40, 20]}, {"id": 2, "image_id": 1, "category_id": 1, "bbox": [0, 0, null, 20]}]}`, false, []string{"annotations[1] (id 2): bbox: null is not a number (pycocotools reads it as NaN"}},
		{"null in the first box", `{"images": [], "categories": [], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [null, 0, 40, 20]}]}`, false, []string{"annotations[0] (id 1): bbox: null is not a number"}},
		{"null in a detection's box", `[{"image_id": 7, "category_id": 1, "bbox": [0, 0, 40, 20], "score": 0.5}, {"image_id": 7, "category_id": 1, "bbox": [0, 0, null, 20], "score": 0.4}]`, true, []string{"detection 1: bbox: null is not a number (pycocotools' loadRes fails on it)"}},
		{"nan in the ground truth", `{"images": [], "categories": [], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [NaN, 1, 1, 1]}]}`, false, []string{"annotations[0]: bbox: NaN is not a finite number (Python's json writes it", "(byte 101)"}},
		{"iscrowd 256", `{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "iscrowd": 256}]}`, false, []string{"annotations[0]", "iscrowd", "got 256", "a byte, 0 to 255"}},
		{"iscrowd -1", `{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "iscrowd": -1}]}`, false, []string{"annotations[0]", "got -1", "a byte, 0 to 255"}},
		// pycocotools' evaluate makes a list's ids float64 (np.unique) when one is a float, and then finds nothing under 2^53+1
		// (refused where an annotation is under the id lost: TestIntegersBeyond2p53 has the cases)
		{"image id lost to floats", `{"annotations": [{"id": 1, "image_id": 9007199254740993, "category_id": 1, "bbox": [1, 2, 3, 4]}], "images": [{"id": 9007199254740993}, {"id": 5.0}], "categories": []}`, false,
			[]string{"images[0]: id 9007199254740993 is an integer that a float64 cannot hold, and images[1]'s id is written as a float", "np.unique", "so annotations[0], of it,", "(byte 110)"}},
		{"category id lost to floats", `{"images": [{"id": 1}], "categories": [{"id": 5e0}, {"id": -9007199254740993}], "annotations": [{"id": 1, "image_id": 1, "category_id": -9007199254740993, "bbox": [1, 2, 3, 4]}]}`, false,
			[]string{"categories[1]: id -9007199254740993 is an integer that a float64 cannot hold, and categories[0]'s id is written as a float"}},
		{"ids lost to floats with nothing under them", `{"images": [{"id": 9007199254740993}, {"id": 5.0}], "categories": [{"id": 5e0}, {"id": -9007199254740993}]}`, false, nil},
		{"ids that floats hold", `{"images": [{"id": 1152921504606846976}, {"id": 5.0}], "categories": [{"id": 9007199254740993}, {"id": 2}]}`, false, nil},
		{"caption first", "[\n{\"image_id\": 7, \"category_id\": 1, \"bbox\": [1,2,3,4], \"score\": 0.5, \"caption\": null}]", true, []string{"caption first:2:1", "detection 0: has a caption", "caption results"}},
		{"list after", `[] []`, true, []string{"list after:1:4", `unexpected "[" after the list of detections`}},
		{"object after dataset", "{\"images\": [{\"id\": 1}], \"categories\": []}\n {\"oops\": ", false, []string{"object after dataset:2:2", `unexpected "{" after the top-level object`, "(byte 43)"}},
		{"garbage after dataset", `{"images": [], "categories": []} x`, false, []string{"invalid JSON"}},
		{"bom dataset", "\xef\xbb\xbf{\"images\": [], \"categories\": []}", false, []string{"bom dataset: begins with a UTF-8 byte order mark", `sed -i '1s/^\xEF\xBB\xBF//' `, "(byte 0)"}},
		{"bom results", "\xef\xbb\xbf[]", true, []string{"bom results: begins with a UTF-8 byte order mark"}},
		{"utf-16 bom dataset", "\xff\xfe{\x00}\x00", false, []string{"utf-16 bom dataset: is UTF-16 text (its byte order mark says so)", "iconv -f UTF-16 -t UTF-8 ", "(byte 0)"}},
		{"utf-16 big-endian bom results", "\xfe\xff\x00[\x00]", true, []string{"is UTF-16 text (its byte order mark", "iconv -f UTF-16 -t UTF-8 "}},
		{"utf-16le results", "[\x00]\x00", true, []string{`is UTF-16 text, little-endian ("[" then a zero byte)`, "iconv -f UTF-16LE -t UTF-8 "}},
		{"utf-16be dataset", "\x00{\x00}", false, []string{`is UTF-16 text, big-endian (a zero byte, then "{")`, "iconv -f UTF-16BE -t UTF-8 "}},
		{"utf-16le dataset after a newline", "\n\x00{\x00}\x00", false, []string{"is UTF-16 text, little-endian", "iconv -f UTF-16LE"}},
		{"gzip dataset", "\x1f\x8b\x08\x00\x00\x00\x00\x00", false, []string{"gzip dataset: is gzip-compressed: unpack it first"}},
		{"gzip results", "\x1f\x8b\x08\x00", true, []string{"gzip results: is gzip-compressed"}},
		// a model file given for -dt: was "has the byte 0xE8 here, which is not UTF-8 text ...: Latin-1? Convert it (iconv ...)"
		{"model as results", "\xe8\x5d\x00\x00\x00\x00\x00\x00{\"__metadata__\": {}}", true, []string{"model as results: is a binary file, not JSON text (a zero byte here): a model or an image given for a JSON file? (byte 2)"}},
		{"image as dataset", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", false, []string{"is a binary file, not JSON text", "(byte 8)"}},
		{"results as dataset", "\n [{\"image_id\": 7, \"category_id\": 1, \"bbox\": [1,2,3,4], \"score\": 0.5}]", false, []string{"results as dataset: is a JSON list, and a COCO instances file is an object", "-gt and -dt swapped?"}},
		{"empty results list as dataset", "[]", false, []string{"is a JSON list, and a COCO instances file is an object"}},
		{"empty dataset", "", false, []string{"empty dataset: is empty"}},
		{"empty results", "", true, []string{"empty results: is empty"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if strings.Contains(c.content, `"categories": [{"id": 5e0}, {"id": -9007199254740993}]`) || strings.Contains(c.content, `"categories": [{"id": 9007199254740993}`) {
				if beyondInt("9007199254740993") { // on a 32-bit machine
					c.want = []string{errIntID32}
				}
			}
			p := writeFile(t, c.name, c.content)
			if c.name == "directory" {
				p = t.TempDir()
			}
			var err error
			if c.gt {
				_, err = LoadResults(p, gt)
			} else {
				_, err = LoadDataset(p)
			}
			if c.want == nil { // fields the evaluation does not read, of other types: loaded as pycocotools loads them
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Errorf("error %T is not a *FileError", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestResultsRoundTrip(t *testing.T) {
	rs := []Result{
		{ImageID: 7, CategoryID: 1, BBox: [4]float64{1.5, 2, 3.25, 4}, Score: 0.9},
		{ImageID: 3, CategoryID: 3, BBox: [4]float64{Float32(0.1), 0, 1e-3, 123456.789}, Score: Float32(0.3)},
	}
	p := filepath.Join(t.TempDir(), "r.json")
	if err := SaveResults(p, rs, nil); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if !strings.Contains(string(b), `"bbox":[0.1,0,0.001,123456.789],"score":0.3`) {
		t.Errorf("written:\n%s", b)
	}
	got, err := LoadResults(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(rs) {
		t.Errorf("read back %v, want %v", got, rs)
	}
	if err := SaveResults(p, []Result{{BBox: [4]float64{0, 0, 1, 1}, Score: math.NaN()}}, nil); err == nil {
		t.Error("NaN score written")
	}
}

// TestLoadResultsLikeLoadRes: pycocotools' loadRes keeps detections of categories the ground
// truth does not have, and boxes with negative sizes; they never match, so adding them to the
// golden problem leaves its 12 numbers as they were (bit for bit), and FindUnmatchable counts
// them.
func TestLoadResultsLikeLoadRes(t *testing.T) {
	dir := filepath.Join(sharedData, "cocoeval-golden")
	needData(t, dir)
	gt, err := LoadDataset(filepath.Join(dir, "instances_val2014_100.json"))
	if err != nil {
		t.Fatal(err)
	}
	dts, err := LoadResults(filepath.Join(dir, "instances_val2014_fakebbox100_results.json"), gt)
	if err != nil {
		t.Fatal(err)
	}
	base, err := EvaluateResults(gt, dts)
	if err != nil {
		t.Fatal(err)
	}
	extra := slices.Clone(dts)
	img := gt.ImageIDs()[0]
	extra = append(extra,
		Result{ImageID: img, CategoryID: 999, BBox: [4]float64{1, 2, 3, 4}, Score: 0.99},
		Result{ImageID: img, CategoryID: 999, BBox: [4]float64{1, 2, 3, 4}, Score: 0.5},
		Result{ImageID: img, CategoryID: 12, BBox: [4]float64{1, 2, 3, 4}, Score: 0.7}, // 12 is no COCO category
		Result{ImageID: img, CategoryID: dts[0].CategoryID, BBox: [4]float64{10, 10, -5, 7}, Score: 0.01},
	)
	var b strings.Builder
	if err := WriteResults(&b, extra, nil); err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, "extra.json", b.String())
	got, err := LoadResults(p, gt)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(extra) {
		t.Fatalf("read %d detections, wrote %d", len(got), len(extra))
	}
	u := FindUnmatchable(got, gt)
	if u.InOtherCategories != 3 || u.Categories[999] != 2 || u.Categories[12] != 1 || u.NegativeSize != 1 {
		t.Errorf("FindUnmatchable = %+v", u)
	}
	if s := u.String(); !strings.Contains(s, "3 detections have a category_id that is not a category of the ground truth (category_id 12: 1 detection, 999: 2 detections); they never match and do not count") ||
		!strings.Contains(s, "1 detection has a negative width or height (bbox is [x,y,w,h]); it never matches, as in pycocotools") {
		t.Errorf("String() = %q", s)
	}
	// One in another category: the singular, as for the one of negative size.
	if s, want := (Unmatchable{Categories: map[int]int{12: 1}, InOtherCategories: 1}).String(),
		"1 detection has a category_id that is not a category of the ground truth (category_id 12: 1 detection); it never matches and does not count, as in pycocotools"; s != want {
		t.Errorf("one in another category: String() = %q, want %q", s, want)
	}
	// Twelve other ids: the first ten named, the others counted.
	many := Unmatchable{Categories: map[int]int{}}
	for id := 101; id <= 112; id++ {
		many.Categories[id] = 3
		many.InOtherCategories += 3
	}
	if s, want := many.String(), "36 detections have a category_id that is not a category of the ground truth (category_id 101: 3 detections, 102: 3 detections, "+
		"103: 3 detections, 104: 3 detections, 105: 3 detections, 106: 3 detections, 107: 3 detections, 108: 3 detections, 109: 3 detections, "+
		"110: 3 detections, and 2 other ids: 6 detections); they never match"; !strings.HasPrefix(s, want) {
		t.Errorf("twelve other categories: String() = %q, want %q...", s, want)
	}
	if s := FindUnmatchable(dts, gt).String(); s != "" {
		t.Errorf("golden detections: %q", s)
	}
	e, err := EvaluateResults(gt, got)
	if err != nil {
		t.Fatal(err)
	}
	if e.Stats != base.Stats {
		t.Errorf("stats with unmatchable detections %v, without %v", e.Stats, base.Stats)
	}
}

// BenchmarkLoadBig loads a large instances file named by $COCO_BIG_JSON (e.g.
// instances_train2017.json) once and reports the time and the heap it keeps.
func BenchmarkLoadBig(b *testing.B) {
	path := os.Getenv("COCO_BIG_JSON")
	if path == "" {
		b.Skip("set COCO_BIG_JSON to a large instances file")
	}
	t := b
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start := time.Now()
	d, err := LoadDataset(path)
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	runtime.ReadMemStats(&m1)
	peak := m1.HeapSys
	runtime.GC()
	runtime.ReadMemStats(&m1)
	t.Logf("%d images, %d annotations in %v; heap kept %.0f MB, heap reserved at peak %.0f MB, total allocated %.0f MB",
		len(d.Images), len(d.Annotations), el, float64(m1.HeapAlloc-m0.HeapAlloc)/(1<<20), float64(peak)/(1<<20), float64(m1.TotalAlloc-m0.TotalAlloc)/(1<<20))
	runtime.KeepAlive(d)
}

// TestRepeatedFieldsLastWins: a field given twice in an object is its last value, as Python's
// dicts take it, even where an earlier one is of another type (encoding/json stopped at it) or a
// NaN (Python's word, read through pythonFloats), or spelled with an escape; a last value that is
// wrong is still an error.
func TestRepeatedFieldsLastWins(t *testing.T) {
	gt := func(ann string) string {
		return `{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], ` + ann + `}]}`
	}
	for _, c := range []struct{ ann, err string }{
		{`"area": NaN, "area": 900`, ""},
		{`"area": "x", "area": 900`, ""},
		{`"\u0061rea": "x", "area": 900`, ""},
		{`"area": [1], "Area": 5, "area": 900`, ""},
		{`"area": 900, "area": NaN`, "area: NaN is not a finite number"},
	} {
		d, err := LoadDataset(writeFile(t, "gt.json", gt(c.ann)))
		switch {
		case c.err == "" && (err != nil || d.Annotations[0].Area != 900):
			t.Errorf("%s: %v, want area 900", c.ann, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: %v, want an error saying %q", c.ann, err, c.err)
		}
	}
	gtd, err := LoadDataset(writeFile(t, "gt.json", gt(`"area": 12`)))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := LoadResults(writeFile(t, "dt.json", `[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": NaN, "score": 0.9}]`), gtd)
	if err != nil || rs[0].Score != 0.9 {
		t.Errorf("score NaN then 0.9: %+v, %v", rs, err)
	}
}

// TestRepeatedTopLevelKeys: Python's json.load keeps the last value of a repeated key, so
// pycocotools sees the last "images", "annotations" and "categories" lists only; here it
// evaluates image 2, whose box is found: AP 1 (the lists used to be appended: two images, a
// box missed, another category: AP 0.25).
func TestRepeatedTopLevelKeys(t *testing.T) {
	d, err := DecodeDataset(strings.NewReader(`{"images": [{"id": 1}], "categories": [{"id": 7}],
 "annotations": [{"id": 9, "image_id": 1, "category_id": 7, "bbox": [0, 0, 10, 10]}],
 "images": [{"id": 1}, {"id": 2}], "images": [{"id": 2}], "categories": [{"id": 1, "name": "a"}],
 "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100},
  {"id": 2, "image_id": 2, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100}]}`), "gt.json")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(d.ImageIDs(), d.CategoryIDs(), len(d.Annotations)); got != "[2] [1] 2" {
		t.Errorf("images, categories, annotations: %s, want [2] [1] 2", got)
	}
	e, err := EvaluateResults(d, []Result{{ImageID: 2, CategoryID: 1, BBox: [4]float64{0, 0, 10, 10}, Score: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if !(math.Abs(e.Stats[0]-1) < 1e-12) {
		t.Errorf("AP %v, pycocotools 1", e.Stats[0])
	}
}

// TestIntegralFloats: numpy pipelines write ids as floats (7.0); Python's json reads them as
// floats equal to the integers, which pycocotools' dicts find, so they load as the integers, in
// results and in ground truth; widths and heights are numbers (pycocotools does not use them).
// The evaluation equals that of the same files with integers.
func TestIntegralFloats(t *testing.T) {
	floats := strings.NewReplacer(`"id": 7,`, `"id": 7.0,`, `"image_id": 7,`, `"image_id": 7.0,`, `"category_id": 3,`, `"category_id": 3e0,`,
		`"id": 1, "name"`, `"id": 1.0, "name"`, `"width": 640`, `"width": 640.0`, `"height": 10}`, `"height": 10.5}`).Replace(tinyGT)
	if floats == tinyGT {
		t.Fatal("nothing replaced")
	}
	want, err := DecodeDataset(strings.NewReader(tinyGT), "gt.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeDataset(strings.NewReader(floats), "gt.json")
	if err != nil {
		t.Fatal(err)
	}
	want.Images[1].Height = 10.5
	if !reflect.DeepEqual(got.Images, want.Images) || !reflect.DeepEqual(got.Annotations, want.Annotations) || !reflect.DeepEqual(got.Categories, want.Categories) {
		t.Errorf("with floats:\n%+v\n%+v\n%+v\nwant\n%+v\n%+v\n%+v", got.Images, got.Annotations, got.Categories, want.Images, want.Annotations, want.Categories)
	}
	dts, err := DecodeResults(strings.NewReader(`[{"image_id": 7.0, "category_id": 1.0, "bbox": [10, 20, 30, 40], "score": 0.9},
 {"image_id": 3e0, "category_id": 1, "bbox": [1, 1, 2, 2], "score": 0.5}, {"image_id": 7, "category_id": -0.0, "bbox": [1, 1, 2, 2], "score": 0.5}]`), "dt.json", got)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(dts) != "[{7 1 [10 20 30 40] 0.9 0 false} {3 1 [1 1 2 2] 0.5 0 false} {7 0 [1 1 2 2] 0.5 0 false}]" {
		t.Errorf("detections %v", dts)
	}
}

// TestNewDatasetCategoryTwice: in-memory lists merge a repeated category id as a file's do
// (pycocotools' dict: the last entry's name where the first was), leaving the caller's list as it was.
func TestNewDatasetCategoryTwice(t *testing.T) {
	cats := []Category{{ID: 1, Name: "a"}, {ID: 3, Name: "c"}, {ID: 1, Name: "b"}, {ID: 5, Name: "e"}}
	d := NewDataset(nil, nil, cats)
	if want := []Category{{ID: 1, Name: "b"}, {ID: 3, Name: "c"}, {ID: 5, Name: "e"}}; !slices.Equal(d.Categories, want) {
		t.Errorf("categories %+v, want %+v", d.Categories, want)
	}
	if c, ok := d.Category(5); !ok || c.Name != "e" {
		t.Errorf("Category(5) = %+v, %v", c, ok)
	}
	if cats[0].Name != "a" || len(cats) != 4 {
		t.Errorf("the caller's list changed: %+v", cats)
	}
}

// TestStringImageIDs: image ids that are strings (some converted datasets) are evaluated as
// pycocotools evaluates them, in their sorted order ("b10" before "b9", which decides the tie of
// scores here; the file names b9 first), with annotations listed before their images. The numbers are pycocotools' (the
// cocoapi repository's, built with Cython; the same files with ids 3, 2 for b9, b10 give AP
// 0.5020, so the order is what the test sees). Results files' string ids are read against the
// ground truth and written back as strings; a file mixing the two kinds is refused, as are ids of
// the other kind than the ground truth's.
func TestStringImageIDs(t *testing.T) {
	const gtJSON = `{"annotations": [
  {"id": 2, "image_id": "b9", "category_id": 1, "bbox": [20, 20, 30, 30], "area": 900, "iscrowd": 0},
  {"id": 1, "image_id": "b10", "category_id": 1, "bbox": [10, 10, 40, 40], "area": 1600, "iscrowd": 0},
  {"id": 3, "image_id": "a", "category_id": 2, "bbox": [5, 5, 50, 20], "area": 1000, "iscrowd": 0},
  {"id": 4, "image_id": "b9", "category_id": 2, "bbox": [60, 60, 20, 20], "area": 400, "iscrowd": 0}],
 "images": [{"id": "b10", "file_name": "b10.jpg"}, {"id": "b9", "file_name": "x/b9.png"}, {"id": "a", "file_name": "a.jpg"}],
 "categories": [{"id": 1, "name": "person"}, {"id": 2, "name": "car"}]}`
	const dtJSON = `[{"image_id": "b9", "category_id": 1, "bbox": [70, 70, 10, 10], "score": 0.5},
 {"image_id": "b10", "category_id": 1, "bbox": [12, 10, 40, 38], "score": 0.5},
 {"image_id": "a", "category_id": 2, "bbox": [5, 5, 50, 20], "score": 0.7},
 {"image_id": "b9", "category_id": 2, "bbox": [0, 0, 10, 10], "score": 0.7},
 {"image_id": "b9", "category_id": 2, "bbox": [61, 60, 20, 20], "score": 0.3}]`
	pycocotools := []float64{0.602970297029703, 0.6699669966996699, 0.6699669966996699, 0.4009900990099009, 0.7999999999999999, -1,
		0.45, 0.675, 0.675, 0.475, 0.8, -1}
	gt, err := DecodeDataset(strings.NewReader(gtJSON), "gt.json")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for id := range int64(4) {
		if k, ok := gt.ImageKey(id); ok {
			keys = append(keys, k)
		}
	}
	if fmt.Sprintf("%v %v %d %d %s", keys, gt.ImageIDs(), gt.Images[0].ID, gt.Annotations[1].ImageID, gt.ImageName(2)) != `[a b10 b9] [0 1 2] 1 1 "b9"` {
		t.Errorf("keys %q, ids %v, b10's %d and %d, name of 2 %s", keys, gt.ImageIDs(), gt.Images[0].ID, gt.Annotations[1].ImageID, gt.ImageName(2))
	}
	dts, err := DecodeResults(strings.NewReader(dtJSON), "dt.json", gt)
	if err != nil {
		t.Fatal(err)
	}
	e, err := EvaluateResults(gt, dts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.Stats[:], pycocotools) {
		t.Errorf("stats %v\npycocotools %v", e.Stats, pycocotools)
	}
	var out strings.Builder
	if err := WriteResults(&out, dts, gt); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `{"image_id":"b9","category_id":1,`) {
		t.Errorf("written as %s", out.String())
	}
	back, err := DecodeResults(strings.NewReader(out.String()), "dt.json", gt)
	if err != nil || !slices.Equal(back, dts) {
		t.Errorf("read back %v (%v), want %v", back, err, dts)
	}
	if b, err := AppendResultJSON(nil, Result{ImageID: 3, BBox: [4]float64{1, 1, 1, 1}, Score: 1}, gt); err == nil || len(b) != 0 {
		t.Errorf("an id past the strings written as %q (%v)", b, err)
	}
	if p, err := gt.ImagePath(t.TempDir(), 2); err == nil || !strings.Contains(err.Error(), `image "b9" ("x/b9.png") not found`) || !strings.HasSuffix(err.Error(), "/b9.jpg)") {
		t.Errorf("ImagePath: %q, %v", p, err)
	}

	// An annotation whose image_id is of the other kind than the images' belongs to no image, as
	// in pycocotools' dicts (it was refused as a mix).
	for _, doc := range []string{
		`{"annotations": [{"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}], "images": [{"id": "1"}], "categories": [{"id": 1}]}`,
		`{"annotations": [{"id": 5, "image_id": "1", "category_id": 1, "bbox": [0, 0, 1, 1]}], "images": [{"id": 1}], "categories": [{"id": 1}]}`,
	} {
		d, err := DecodeDataset(strings.NewReader(doc), "gt.json")
		if err != nil || len(d.Annotations) != 1 || len(d.ImageAnnotations(d.ImageIDs()[0])) != 0 {
			t.Errorf("%s: %v", doc, err)
		}
	}
	numeric, err := DecodeDataset(strings.NewReader(tinyGT), "numbers.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ gt, dt, want string }{
		{`{"images": [{"id": 1}, {"id": "2"}], "categories": []}`, "", `gt.json: images[1]: image id "2" is a string, and images[0]'s is a number: pycocotools sorts a file's image ids, and cannot sort numbers and strings together`},
		{"", `[{"image_id": 7, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}]`, `detection 0: image_id 7 is a number, and the ground truth gt.json's image ids are strings (as "a")`},
		{"", `[{"image_id": "c", "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}]`, `detection 0: image_id "c" is not in the ground truth gt.json`},
		{"numbers", `[{"image_id": "7", "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}]`, `detection 0: image_id "7" is a string, and the ground truth numbers.json's image ids are numbers`},
		{"nil", `[{"image_id": "7", "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}]`, `detection 0: image_id "7" is a string: string ids are read against the ground truth`},
	} {
		var err error
		switch c.gt {
		case "", "numbers", "nil":
			against := map[string]*Dataset{"": gt, "numbers": numeric, "nil": nil}[c.gt]
			_, err = DecodeResults(strings.NewReader(c.dt), "dt.json", against)
		default:
			_, err = DecodeDataset(strings.NewReader(c.gt), "gt.json")
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: %v\nwant %s", c.gt, c.dt, err, c.want)
		}
	}
}

// TestImagePathStaysInFolder: a ground truth's file_name that climbs out of the images folder
// (../outside.jpg) is not read from outside it (cocoeval -model read ../outside.jpg beside
// -images DIR as the image, silently); its base name in the folder still is. A file_name with a
// leading / or a ".." that stays inside is joined under the folder.
func TestImagePathStaysInFolder(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "images")
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	for _, p := range []string{filepath.Join(root, "outside.jpg"), filepath.Join(dir, "sub", "in.jpg")} {
		os.WriteFile(p, []byte("x"), 0o644)
	}
	gt, err := DecodeDataset(strings.NewReader(`{"images":[{"id":1,"file_name":"../outside.jpg"},{"id":2,"file_name":"/sub/in.jpg"},{"id":3,"file_name":"sub/../sub/in.jpg"}],"annotations":[],"categories":[{"id":1,"name":"person"}]}`), "gt.json")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := gt.ImagePath(dir, 1); err == nil || !strings.Contains(err.Error(), "outside the folder") {
		t.Errorf("ImagePath of ../outside.jpg: %q, %v; want an error", p, err)
	}
	os.WriteFile(filepath.Join(dir, "outside.jpg"), []byte("x"), 0o644)
	if p, err := gt.ImagePath(dir, 1); err != nil || p != filepath.Join(dir, "outside.jpg") {
		t.Errorf("ImagePath of ../outside.jpg with outside.jpg in the folder: %q, %v", p, err)
	}
	for _, id := range []int64{2, 3} {
		if p, err := gt.ImagePath(dir, id); err != nil || p != filepath.Join(dir, "sub", "in.jpg") {
			t.Errorf("ImagePath(%d): %q, %v", id, p, err)
		}
	}
}

// TestImagePathWithoutFileName: an image whose file_name is missing or empty is looked up by its
// id alone (dir/<id as 12 digits>.jpg), as one whose file_name is not in the folder is; the error
// names that one path when it is not there either.
func TestImagePathWithoutFileName(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "000000000001.jpg"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "000000000002.jpg"), []byte("x"), 0o644)
	gt, err := DecodeDataset(strings.NewReader(`{"images":[{"id":1},{"id":2,"file_name":""},{"id":3}],"annotations":[],"categories":[{"id":1,"name":"person"}]}`), "gt.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{1, 2} {
		if p, err := gt.ImagePath(dir, id); err != nil || p != filepath.Join(dir, fmt.Sprintf("%012d.jpg", id)) {
			t.Errorf("ImagePath(%d): %q, %v", id, p, err)
		}
	}
	want := fmt.Sprintf("(tried %s)", filepath.Join(dir, "000000000003.jpg"))
	if p, err := gt.ImagePath(dir, 3); err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("ImagePath(3): %q, %v; want an error ending %s", p, err, want)
	}
}
