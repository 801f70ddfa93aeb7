package coco

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/shuffledet/shuffledet/internal/quote"
)

// Image is one entry of a COCO "images" list. Neither pycocotools nor the
// evaluation here reads FileName, Width or Height, so a value of another
// type (a width written "640") does not refuse the file: it reads as ""
// or 0. In a file whose image ids are strings, ID is the string's rank
// (see Dataset.ImageKey).
type Image struct {
	ID       int64   `json:"id"`
	FileName string  `json:"file_name"`
	Width    float64 `json:"width"`
	Height   float64 `json:"height"`
}

// imgJSON is the decoding form of an image: the id may be written as a
// float with no fraction (see intNumber).
type imgJSON struct {
	ID       imageIDValue `json:"id"`
	FileName looseString  `json:"file_name"`
	Width    looseNumber  `json:"width"`
	Height   looseNumber  `json:"height"`
}

// catJSON is the decoding form of a category: pycocotools reads its name only to look ids up by
// name (as -categories does here), its supercategory never.
type catJSON struct {
	ID            catIDValue  `json:"id"`
	Name          looseString `json:"name"`
	Supercategory looseString `json:"supercategory"`
}

// looseNumber is a number that the evaluation does not read (an image's width and height): any
// other JSON value, or one beyond float64, reads as 0 instead of refusing a file that pycocotools
// evaluates.
type looseNumber float64

// UnmarshalJSON keeps a number, and reads anything else as 0 (null leaves the value).
func (v *looseNumber) UnmarshalJSON(b []byte) error {
	f := float64(*v)
	if json.Unmarshal(b, &f) != nil {
		f = 0
	}
	*v = looseNumber(f)
	return nil
}

// looseString is looseNumber for strings: a file name or category name of another type reads as "".
type looseString string

// UnmarshalJSON keeps a string, and reads anything else as "" (null leaves the value; Python's
// NaN and Infinity, which pythonFloats gives as strings, are numbers).
func (v *looseString) UnmarshalJSON(b []byte) error {
	s := string(*v)
	if nonFiniteWord(b) != "" || json.Unmarshal(b, &s) != nil {
		s = ""
	}
	*v = looseString(s)
	return nil
}

// UnmarshalJSON decodes the object with its keys matched exactly (exactKeys).
func (c *imgJSON) UnmarshalJSON(b []byte) error {
	type plain imgJSON
	b = exactKeys(b, "id", "file_name", "width", "height")
	return nameNonFinite(b, json.Unmarshal(b, (*plain)(c)))
}

// UnmarshalJSON decodes the object with its keys matched exactly (exactKeys).
func (c *catJSON) UnmarshalJSON(b []byte) error {
	type plain catJSON
	b = exactKeys(b, "id", "name", "supercategory")
	return nameNonFinite(b, json.Unmarshal(b, (*plain)(c)))
}

// Annotation is one ground-truth object of a COCO "annotations" list.
// Segmentations (polygons or RLE) are skipped when loading: only the box,
// the area and the crowd flag are kept.
type Annotation struct {
	ID         int64
	ImageID    int64
	CategoryID int
	BBox       [4]float64 // x, y, w, h
	Area       float64    // the "area" field (segment area for real COCO); w*h when absent
	IsCrowd    bool       // a crowd region: ignored, matched by the detection's area, and by any number of detections
	// Ignore marks an annotation that is ignored without being a crowd region: what an
	// iscrowd strictly between -1 and 1 other than 0 (a fraction) is to pycocotools, which
	// ignores any non-zero iscrowd but takes int(iscrowd) for the IoU and the matching.
	Ignore bool
}

// Dataset is a COCO instances file: images, annotations and categories,
// with lookups by image and by category.
type Dataset struct {
	Path        string // the file it was loaded from
	Images      []Image
	Annotations []Annotation
	Categories  []Category

	imgIndex  map[int64]int32  // image id -> index in Images (first occurrence)
	imageKeys []string         // a file's string image ids, sorted (an image's ID is its key's index); nil for numbers
	keyRank   map[string]int64 // imageKeys' inverse
	catIndex  map[int]int32    // category id -> index in Categories
	idsByName map[string][]int // category name -> the ids listed under it, every entry's (even one merged away)

	// lastOfID[j] is the last annotation with annotation j's id (nil when no id repeats), and
	// repeatedIDs the annotations whose id an earlier one has: pycocotools looks annotations up
	// by id, so each stands for the last of its id.
	lastOfID    []int32
	repeatedIDs int

	// annotation indices grouped by image index / category index
	byImgStart, byImg []int32
	byCatStart, byCat []int32

	// the ids of the images and categories lists, watched for those pycocotools loses (listIDs),
	// and the images lost without annotations: a detection on one is refused (LostImage)
	imageList, catList listIDs
	lostImages         map[int64]string
}

// LoadDataset reads a COCO instances JSON file. It streams the file and
// keeps one copy of the boxes only, so the 448 MB instances_train2017.json
// loads in a few hundred MB. Errors name the file and, for malformed JSON,
// the line and column.
func LoadDataset(path string) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, quote.Err(err)
	}
	defer f.Close()
	return DecodeDataset(f, path)
}

// DecodeDataset reads a COCO instances JSON document from r; name is used
// in error messages (and, when it is a readable file, to give line and
// column of JSON errors). A top-level key that appears more than once
// ("images", "annotations", "categories") stands for its last value, as in
// Python's json.load, which pycocotools uses; the values it replaces must
// still be well-formed. As in json.load, only white space may follow the
// top-level object. Ids written as floats with no fraction (7.0) are the
// integers; an id with a fraction is an error. A document that is a list
// (a results file) is an error that says so.
func DecodeDataset(r io.Reader, name string) (*Dataset, error) {
	br, err := jsonInput(r, name)
	if err != nil {
		return nil, err
	}
	if firstByte(br) == '[' {
		return nil, &FileError{Path: name, Offset: -1, Msg: `is a JSON list, and a COCO instances file is an object ({"images": [...], ` +
			`"annotations": [...], "categories": [...]}): a results file (-gt and -dt swapped?)`}
	}
	dec := json.NewDecoder(newPythonFloats(br, name))
	d := &Dataset{Path: name}
	if err := expectDelim(dec, '{', name, "top level"); err != nil {
		return nil, err
	}
	var sawImages, sawCats bool
	var ids imageIDs
	for dec.More() {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonError(name, err, off, "")
		}
		key, _ := tok.(string)
		switch key {
		case "images":
			sawImages = true
			d.Images = nil // a repeated key: the last value wins, as in Python
			if err := d.decodeImages(dec, name, &ids); err != nil {
				return nil, err
			}
		case "annotations":
			d.Annotations = nil
			if err := d.decodeAnnotations(dec, name, &ids); err != nil {
				return nil, err
			}
		case "categories":
			sawCats = true
			d.Categories = nil
			if err := d.decodeCategories(dec, name); err != nil {
				return nil, err
			}
		default:
			off := dec.InputOffset()
			if err := skipValue(dec); err != nil {
				return nil, jsonError(name, err, off, key)
			}
		}
	}
	if err := expectDelim(dec, '}', name, "top level"); err != nil {
		return nil, err
	}
	if err := expectEnd(dec, name, "the top-level object"); err != nil {
		return nil, err
	}
	if !sawImages {
		return nil, &FileError{Path: name, Offset: -1, Msg: `not a COCO instances file: no "images" list`}
	}
	if !sawCats {
		return nil, &FileError{Path: name, Offset: -1, Msg: `not a COCO instances file: no "categories" list`}
	}
	d.imageKeys = ids.rank(d.Images, d.Annotations)
	d.buildIndex()
	if err := d.checkLost(); err != nil {
		return nil, err
	}
	return d, nil
}

// LostImage returns an error, naming the image, where pycocotools' evaluate loses image id's
// detections: an integer a float64 cannot hold (beyond 2^53) in an images list with an id
// written as a float (7.0), which np.unique makes float64, finding nothing under this one. The
// ground truth is refused where such an image has annotations; without any, it evaluates alike
// unless a detection is on it.
func (d *Dataset) LostImage(id int64) error {
	if lost, ok := d.lostImages[id]; ok {
		return fmt.Errorf("image_id %d: %s", id, lost)
	}
	return nil
}

// checkLost refuses an image or category id that pycocotools' evaluate loses (listIDs) and that
// has annotations: they would count here and not there. A lost image without any is kept in
// lostImages (a detection on it would count here only); a lost category without annotations
// is evaluated alike (-1, no ground truth, here and there, its detections whatever they are).
func (d *Dataset) checkLost() error {
	for _, x := range d.imageList.lost() {
		if anns := d.ImageAnnotations(x.id); len(anns) > 0 {
			return d.imageList.lostError(d.Path, x, fmt.Sprintf("annotations[%d]", anns[0]))
		}
		if d.lostImages == nil {
			d.lostImages = make(map[int64]string)
		}
		d.lostImages[x.id] = fmt.Sprintf("%s's id in %s is an integer that a float64 cannot hold, and %s's is written as a float: "+
			"pycocotools' evaluate then makes every image id a float64 (np.unique) and finds no detection under this one "+
			"(write the image ids as integers)", x.where, quote.Name(d.Path), d.imageList.float)
	}
	for _, x := range d.catList.lost() {
		if anns := d.CategoryAnnotations(int(x.id)); len(anns) > 0 {
			return d.catList.lostError(d.Path, x, fmt.Sprintf("annotations[%d]", anns[0]))
		}
	}
	return nil
}

// decodeList reads the JSON array called field, calling each with every element's index and
// input offset (for error positions); each decodes the element itself.
func decodeList(dec *json.Decoder, name, field string, each func(i int, off int64) error) error {
	if err := expectDelim(dec, '[', name, field); err != nil {
		return err
	}
	for i := 0; dec.More(); i++ {
		if err := each(i, dec.InputOffset()); err != nil {
			return err
		}
	}
	return expectDelim(dec, ']', name, field)
}

func (d *Dataset) decodeImages(dec *json.Decoder, name string, ids *imageIDs) error {
	d.imageList = listIDs{}
	return decodeList(dec, name, "images", func(i int, off int64) error {
		im := imgJSON{ID: missingImageID}
		if err := dec.Decode(&im); err != nil {
			return jsonError(name, err, off, fmt.Sprintf("images[%d]", i))
		}
		if im.ID.absent() {
			return atError(name, off, "images[%d]: no id", i)
		}
		where := fmt.Sprintf("images[%d]", i)
		id, err := ids.image(im.ID, where)
		if err != nil {
			return atError(name, off, "%v", err)
		}
		if !im.ID.isString {
			d.imageList.note(id, im.ID.float, where, off)
		}
		d.Images = append(d.Images, Image{ID: id, FileName: string(im.FileName), Width: float64(im.Width), Height: float64(im.Height)})
		return nil
	})
}

func (d *Dataset) decodeCategories(dec *json.Decoder, name string) error {
	d.catList = listIDs{}
	return decodeList(dec, name, "categories", func(i int, off int64) error {
		c := catJSON{ID: catIDValue{num: AllCategories}} // no JSON id decodes to it: the mark of a missing id
		if err := dec.Decode(&c); err != nil {
			return jsonError(name, err, off, fmt.Sprintf("categories[%d]", i))
		}
		if c.ID.num == AllCategories {
			return atError(name, off, "categories[%d]: no id", i)
		}
		d.catList.note(int64(c.ID.num), c.ID.float, fmt.Sprintf("categories[%d]", i), off)
		d.Categories = append(d.Categories, Category{ID: int(c.ID.num), Name: string(c.Name), Supercategory: string(c.Supercategory)})
		return nil
	})
}

// annJSON is the decoding form of an annotation; unknown fields, including
// "segmentation", are skipped by the decoder without being kept. Ids may
// be written as floats with no fraction (see intNumber).
type annJSON struct {
	ID         intNumber      `json:"id"`
	ImageID    imageIDValue   `json:"image_id"`
	CategoryID categoryNumber `json:"category_id"`
	BBox       []float64      `json:"bbox"`
	Area       float64        `json:"area"`
	IsCrowd    crowdFlag      `json:"iscrowd"`
	bboxKey    bool           // the object has a "bbox" key (null and [] too), as resJSON's
}

// UnmarshalJSON decodes the object with its keys matched exactly (exactKeys).
func (a *annJSON) UnmarshalJSON(b []byte) error {
	type plain annJSON
	b = exactKeys(b, "id", "image_id", "category_id", "bbox", "area", "iscrowd")
	err := nameNonFinite(b, json.Unmarshal(b, (*plain)(a)))
	a.bboxKey = len(a.BBox) > 0 || hasKey(b, "bbox") // (the object scanned only where the box is empty)
	return err
}

// bboxShape says what is wrong with a bbox of the ground truth or the results that is not 4
// numbers: null, or a list of another length.
func bboxShape(b []float64) string {
	if b == nil {
		return "bbox must be 4 numbers [x,y,w,h], got null"
	}
	return fmt.Sprintf("bbox must be 4 numbers [x,y,w,h], got %d", len(b))
}

// nullsAsNaN returns box emptied, with room for 4 numbers that hold NaN: encoding/json leaves a
// null element of an array as the slice held it, so a NaN in a box decoded into it is a null
// (a JSON number is never NaN; Python's NaN word is refused before).
func nullsAsNaN(box []float64) []float64 {
	if cap(box) < 4 {
		box = make([]float64, 4)
	}
	box = box[:cap(box)]
	for i := range box {
		box[i] = math.NaN()
	}
	return box[:0]
}

// nameNonFinite returns err, the error of decoding b, an object, with a float field's string that
// stands for NaN or Infinity (pythonFloats) named as the word in its Value, and with the end of
// the word in its Offset where a field of the decoding forms' own types (an id, iscrowd) named
// it without one.
func nameNonFinite(b []byte, err error) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err
	}
	if te.Value == "string" && te.Offset <= int64(len(b)) {
		if w := nonFiniteSuffix(b[:te.Offset]); w != "" {
			te.Value = w
		}
	}
	if w := te.Value; te.Offset == 0 && slices.Contains(nonFiniteWords[:], w) {
		eachTopKey(b, func(open, close int) bool {
			v := skipSpace(b, close+1) + 1 // (the colon)
			v = skipSpace(b, v)
			if string(b[open+1:close]) == te.Field && v+len(w) <= len(b) && nonFiniteWord(b[v:v+len(w)]) == w {
				te.Offset = int64(v + len(w))
				return false
			}
			return true
		})
	}
	return err
}

// crowdFlag is an annotation's iscrowd as pycocotools takes it: the truth value of the number
// ignores the annotation, its integer part (int(), toward zero) makes it a crowd region; one
// whose integer part is outside a byte's 0 to 255 is refused.
type crowdFlag struct{ ignored, crowd bool }

// UnmarshalJSON accepts numbers, booleans and null.
func (f *crowdFlag) UnmarshalJSON(b []byte) error {
	switch s := string(b); s {
	case "true":
		*f = crowdFlag{true, true}
	case "false", "null", "0":
		*f = crowdFlag{}
	default:
		if w := nonFiniteWord(b); w != "" {
			return &json.UnmarshalTypeError{Value: w, Type: reflect.TypeFor[float64]()}
		}
		var v float64
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("iscrowd: want 0, 1, true or false, got %s", s)
		}
		if !(v > -1 && v < 256) {
			// pycocotools hands int(iscrowd) to its IoU as a byte: numpy 1 wraps 256 to 0 there
			// (while the annotation stays ignored), numpy 2 refuses it
			return fmt.Errorf("iscrowd: want 0, 1, true or false, got %s (pycocotools takes it as a byte, 0 to 255)", s)
		}
		*f = crowdFlag{ignored: v != 0, crowd: math.Trunc(v) != 0}
	}
	return nil
}

func (d *Dataset) decodeAnnotations(dec *json.Decoder, name string, ids *imageIDs) error {
	var a annJSON
	err := decodeList(dec, name, "annotations", func(i int, off int64) error {
		a.ID, a.ImageID, a.CategoryID = math.MinInt64, missingImageID, AllCategories
		a.BBox = nullsAsNaN(a.BBox)
		a.Area = math.NaN()
		a.IsCrowd = crowdFlag{}
		if err := dec.Decode(&a); err != nil {
			return jsonError(name, err, off, fmt.Sprintf("annotations[%d]", i))
		}
		switch {
		case a.ID == math.MinInt64:
			return atError(name, off, "annotations[%d]: no id", i)
		case a.ImageID.absent():
			return atError(name, off, "annotations[%d] (id %d): no image_id", i, a.ID)
		case a.CategoryID == AllCategories:
			return atError(name, off, "annotations[%d] (id %d): no category_id", i, a.ID)
		case !a.bboxKey:
			return atError(name, off, "annotations[%d] (id %d): no bbox", i, a.ID)
		case len(a.BBox) != 4:
			return atError(name, off, "annotations[%d] (id %d): %s", i, a.ID, bboxShape(a.BBox))
		case slices.ContainsFunc(a.BBox, math.IsNaN):
			return atError(name, off, "annotations[%d] (id %d): bbox: null is not a number (pycocotools reads it as NaN, which matches any box)", i, a.ID)
		}
		ann := Annotation{ID: int64(a.ID), ImageID: ids.annotation(len(d.Annotations), a.ImageID), CategoryID: int(a.CategoryID),
			BBox: [4]float64(a.BBox), Area: a.Area,
			IsCrowd: a.IsCrowd.crowd, Ignore: a.IsCrowd.ignored && !a.IsCrowd.crowd}
		if math.IsNaN(ann.Area) {
			ann.Area = ann.BBox[2] * ann.BBox[3]
		}
		d.Annotations = append(d.Annotations, ann)
		return nil
	})
	d.Annotations = slices.Clip(d.Annotations)
	return err
}

// group returns, for keys in [0,n) (or -1 to leave out), the indices
// 0..len(keys)-1 grouped by key, stable, as start offsets and indices.
func group(n int, keyOf func(i int) int32, count int) (start, idx []int32) {
	start = make([]int32, n+1)
	for i := 0; i < count; i++ {
		if k := keyOf(i); k >= 0 {
			start[k+1]++
		}
	}
	for k := 0; k < n; k++ {
		start[k+1] += start[k]
	}
	idx = make([]int32, start[n])
	fill := slices.Clone(start[:n])
	for i := 0; i < count; i++ {
		if k := keyOf(i); k >= 0 {
			idx[fill[k]] = int32(i)
			fill[k]++
		}
	}
	return start, idx
}

func (d *Dataset) buildIndex() {
	d.keyRank = nil
	if d.imageKeys != nil {
		d.keyRank = make(map[string]int64, len(d.imageKeys))
		for r, k := range d.imageKeys {
			d.keyRank[k] = int64(r)
		}
	}
	d.imgIndex = make(map[int64]int32, len(d.Images))
	for i, im := range d.Images {
		if _, dup := d.imgIndex[im.ID]; !dup {
			d.imgIndex[im.ID] = int32(i)
		}
	}
	d.idsByName = make(map[string][]int, len(d.Categories))
	for _, c := range d.Categories {
		if ids := d.idsByName[c.Name]; !slices.Contains(ids, c.ID) {
			d.idsByName[c.Name] = append(ids, c.ID)
		}
	}
	d.Categories = uniqueCategories(d.Categories)
	d.indexAnnotationIDs()
	d.catIndex = make(map[int]int32, len(d.Categories))
	for i, c := range d.Categories {
		d.catIndex[c.ID] = int32(i)
	}
	d.byImgStart, d.byImg = group(len(d.Images), func(i int) int32 {
		if k, ok := d.imgIndex[d.Annotations[i].ImageID]; ok {
			return k
		}
		return -1
	}, len(d.Annotations))
	d.byCatStart, d.byCat = group(len(d.Categories), func(i int) int32 {
		if k, ok := d.catIndex[d.Annotations[i].CategoryID]; ok {
			return k
		}
		return -1
	}, len(d.Annotations))
}

// uniqueCategories returns cats with one category per id, as pycocotools keeps them (a dict: the
// last entry's name, where the first entry was; its params.catIds are unique, np.unique): cats
// itself when no id repeats, else a new list.
func uniqueCategories(cats []Category) []Category {
	at := make(map[int]int, len(cats)) // id -> its index in the result
	var out []Category
	for i, c := range cats {
		j, dup := at[c.ID]
		switch {
		case dup && out == nil:
			out = slices.Clone(cats[:i])
			fallthrough
		case dup:
			out[j] = c
		case out != nil:
			at[c.ID] = len(out)
			out = append(out, c)
		default:
			at[c.ID] = i
		}
	}
	if out == nil {
		return cats
	}
	return out
}

// NewDataset builds a Dataset from in-memory lists and indexes it. The slices are kept, not
// copied, but for categories listed twice: those are kept once, each id with its last entry's
// name where its first entry was, as pycocotools keeps them.
func NewDataset(images []Image, anns []Annotation, cats []Category) *Dataset {
	d := &Dataset{Images: images, Annotations: anns, Categories: cats}
	d.buildIndex()
	return d
}

// Image returns the image with the given id.
func (d *Dataset) Image(id int64) (Image, bool) {
	i, ok := d.imgIndex[id]
	if !ok {
		return Image{}, false
	}
	return d.Images[i], true
}

// Category returns the category with the given (sparse) id.
func (d *Dataset) Category(id int) (Category, bool) {
	i, ok := d.catIndex[id]
	if !ok {
		return Category{}, false
	}
	return d.Categories[i], true
}

// indexAnnotationIDs sets lastOfID and repeatedIDs.
func (d *Dataset) indexAnnotationIDs() {
	last := make(map[int64]int32, len(d.Annotations))
	d.repeatedIDs, d.lastOfID = 0, nil
	for j, a := range d.Annotations {
		if _, ok := last[a.ID]; ok {
			d.repeatedIDs++
		}
		last[a.ID] = int32(j)
	}
	if d.repeatedIDs == 0 {
		return
	}
	d.lastOfID = make([]int32, len(d.Annotations))
	for j, a := range d.Annotations {
		d.lastOfID[j] = last[a.ID]
	}
}

// RepeatedAnnotationIDs returns how many annotations repeat the id of an earlier one; pycocotools
// (and so Evaluate) looks annotations up by id, so each of them stands for the last annotation
// with its id.
func (d *Dataset) RepeatedAnnotationIDs() int { return d.repeatedIDs }

// CategoryIDsNamed returns the ids of the categories listed under name, in the order listed
// (nil for none), as pycocotools' getCatIds(catNms=[name]) finds them: it scans every entry
// of the file's list, so several ids may share a name, and a category listed twice is found by
// either entry's name (Categories keeps one entry an id, as NewDataset says). The slice must not be
// modified.
func (d *Dataset) CategoryIDsNamed(name string) []int { return d.idsByName[name] }

// ImageKey returns, for a dataset whose image ids are strings, the string that image id id
// stands for (ok false for a dataset of numeric ids, or an id past its strings). Such a
// dataset's Image.ID and Annotation.ImageID are the string's rank among the file's image ids,
// sorted as pycocotools sorts them before it evaluates; LoadResults maps a results file's string
// ids the same way, and WriteResults writes them back. A nil d has numeric ids.
func (d *Dataset) ImageKey(id int64) (key string, ok bool) {
	if d == nil || id < 0 || id >= int64(len(d.imageKeys)) {
		return "", false
	}
	return d.imageKeys[id], true
}

// ImageName names image id as the file writes it, for messages: the number, or the string
// quoted (d may be nil: the number).
func (d *Dataset) ImageName(id int64) string {
	if key, ok := d.ImageKey(id); ok {
		return strconv.Quote(key)
	}
	return strconv.FormatInt(id, 10)
}

// HasImage reports whether the dataset lists an image with this id.
func (d *Dataset) HasImage(id int64) bool { _, ok := d.imgIndex[id]; return ok }

// HasCategory reports whether the dataset lists a category with this id.
func (d *Dataset) HasCategory(id int) bool { _, ok := d.catIndex[id]; return ok }

// ImageAnnotations returns the indices into d.Annotations of the
// annotations of image id, in file order. The slice must not be modified.
func (d *Dataset) ImageAnnotations(id int64) []int32 {
	i, ok := d.imgIndex[id]
	if !ok {
		return nil
	}
	return d.byImg[d.byImgStart[i]:d.byImgStart[i+1]]
}

// CategoryAnnotations returns the indices into d.Annotations of the
// annotations of category id, in file order. The slice must not be modified.
func (d *Dataset) CategoryAnnotations(id int) []int32 {
	i, ok := d.catIndex[id]
	if !ok {
		return nil
	}
	return d.byCat[d.byCatStart[i]:d.byCatStart[i+1]]
}

// ImageIDs returns the ids of all images, sorted and without duplicates
// (the order pycocotools evaluates them in).
func (d *Dataset) ImageIDs() []int64 {
	ids := make([]int64, 0, len(d.imgIndex))
	for id := range d.imgIndex {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// CategoryIDs returns the ids of all categories, sorted and without duplicates.
func (d *Dataset) CategoryIDs() []int {
	ids := make([]int, 0, len(d.catIndex))
	for id := range d.catIndex {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// ImagePath finds the file of image id in dir: dir/file_name (not where a
// file_name such as ../x.jpg leads out of dir), then dir/base(file_name), then
// dir/<id as 12 digits>.jpg (a string id: dir/<id>.jpg). It returns an error
// naming the paths tried when none is a regular file (and which of them is a
// folder, a named pipe or a device).
func (d *Dataset) ImagePath(dir string, id int64) (string, error) {
	im, ok := d.Image(id)
	if !ok {
		return "", fmt.Errorf("%s: no image with id %s", quote.Name(d.Path), d.ImageName(id))
	}
	byID := fmt.Sprintf("%012d.jpg", id)
	if key, ok := d.ImageKey(id); ok {
		byID = key + ".jpg"
	}
	// A file_name that climbs out of dir (../x.jpg) is not followed there: only its base name is
	// looked for in dir. (A leading / stays in dir, as filepath.Join keeps it.)
	fn := filepath.FromSlash(im.FileName)
	escapes := !filepath.IsLocal(strings.TrimLeft(fn, string(filepath.Separator)))
	var tried, notFiles []string
	for k, p := range []string{
		filepath.Join(dir, fn),
		filepath.Join(dir, filepath.Base(fn)),
		filepath.Join(dir, byID),
	} {
		if im.FileName == "" && k < 2 || k == 0 && escapes { // (no file_name: by its id alone)
			continue
		}
		if slices.Contains(tried, p) {
			continue
		}
		tried = append(tried, p)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		} else if err == nil {
			notFiles = append(notFiles, fmt.Sprintf("%s is a %s", quote.Name(p), kindOf(st.Mode())))
		}
	}
	why := ""
	if escapes && im.FileName != "" {
		why = "; a file_name outside the folder is not read"
	}
	if len(notFiles) > 0 {
		why += "; " + strings.Join(notFiles, ", ") + ", not a file"
	}
	names := make([]string, len(tried))
	for i, p := range tried {
		names[i] = quote.Name(p)
	}
	return "", fmt.Errorf("image %s (%q) not found in %s (tried %s%s)", d.ImageName(id), im.FileName, quote.Name(dir), strings.Join(names, ", "), why)
}

// kindOf names what a path that is not a regular file is (ImagePath's errors).
func kindOf(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "folder"
	case m&os.ModeNamedPipe != 0:
		return "named pipe"
	case m&os.ModeDevice != 0:
		return "device"
	case m&os.ModeSocket != 0:
		return "socket"
	}
	return "special file"
}
