package container

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/shuffledet/shuffledet/internal/videotest"
)

// remux writes the test clip into dir as name with ffmpeg's extra arguments (the frames copied).
func remux(t *testing.T, dir, name string, args ...string) []byte {
	t.Helper()
	path := filepath.Join(dir, name)
	args = append(append([]string{"-v", "error", "-i", videotest.Clip(t), "-c", "copy"}, args...), path)
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
	return videotest.ReadFile(t, path)
}

// TestVideoHead: the head of a file gives the count of frames of an MP4 or MOV whose index lists
// every frame (its index before or after its frames; its sample sizes in an stsz box, or an stz2;
// 10 fps, or 29.97 fps, as OpenCV states it: 40 frames, 120), and none for a fragmented MP4 (its
// index lists none, or its first fragment's), one cut where no key frame is (its edit list drops
// its first frames) or one with two video tracks, a Matroska file (its start read), MPEG-TS and
// AVI, by the bytes alone; an MP4 cut anywhere before its index's end tells nothing (never a
// panic).
func TestVideoHead(t *testing.T) {
	dir := t.TempDir()
	clip, err := os.ReadFile(videotest.Clip(t))
	if err != nil {
		t.Fatal(err)
	}
	ntsc := filepath.Join(dir, "ntsc.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", videotest.Clip(t), "-r", "30000/1001", "-c:v", "libx264", "-preset", "ultrafast", ntsc).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	ntscData, err := os.ReadFile(ntsc)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		data     []byte
		frames   int
		matroska bool
	}{
		{"the clip (index first)", clip, videotest.ClipFrames, false},
		{"index last", remux(t, dir, "last.mp4"), videotest.ClipFrames, false},
		{"MOV", remux(t, dir, "clip.mov"), videotest.ClipFrames, false},
		{"stz2", stz2(t, clip), videotest.ClipFrames, false},
		{"29.97 fps", ntscData, 120, false},
		{"two video tracks", remux(t, dir, "two.mp4", "-map", "0:v", "-map", "0:v"), 0, false},
		{"cut where no key frame is, index first", videotest.ReadFile(t, videotest.CutClip(t, dir, "cut.mp4", videotest.Clip(t), "-movflags", "+faststart")), 0, false},
		{"cut where no key frame is, index last", videotest.ReadFile(t, videotest.CutClip(t, dir, "cut-last.mp4", videotest.Clip(t))), 0, false},
		{"fragmented", remux(t, dir, "frag.mp4", "-movflags", "frag_keyframe+empty_moov"), 0, false},
		{"fragmented, first fragment in the index", remux(t, dir, "frag1.mp4", "-movflags", "frag_keyframe"), 0, false},
		{"Matroska", remux(t, dir, "clip.mkv"), 0, true},
		{"MPEG-TS", remux(t, dir, "clip.ts"), 0, false},
		{"AVI", remux(t, dir, "clip.avi"), 0, false},
	} {
		h := ReadHead(bytes.NewReader(c.data))
		if h.Frames != c.frames || (h.Err == nil) != c.matroska || h.IndexAt != 0 {
			t.Errorf("%s: %d frames, Matroska %v (%v), index at %d; want %d, %v, 0", c.name, h.Frames, h.Err == nil, h.Err, h.IndexAt, c.frames, c.matroska)
		}
	}

	// The clip's index (moov) follows its file type box (ftyp): cut before its end, the head
	// says nothing; from there on, that the count is exact.
	_, indexEnd := topBox(t, clip, "moov")
	if indexEnd == 0 {
		t.Fatal("the clip has no index (moov)")
	}
	for n := range min(len(clip), indexEnd+64) {
		want := 0
		if n >= indexEnd {
			want = videotest.ClipFrames
		}
		if h := ReadHead(bytes.NewReader(clip[:n])); h.Frames != want || h.IndexAt != 0 || h.IndexLast {
			t.Fatalf("cut at %d bytes (index ends at %d): %d frames, index at %d, index last %v; want %d", n, indexEnd, h.Frames, h.IndexAt, h.IndexLast, want)
		}
	}

	// Its index last, after its media data (mdat): a head that ends from the mdat's header on
	// (within its frames, or within the index) says where the index starts, to be asked for;
	// one that holds the whole file, that the count is exact.
	last := remux(t, dir, "last2.mp4")
	mediaStart, mediaEnd := topBox(t, last, "mdat")
	mediaStart += 8 // (its frames, after its header)
	if mediaEnd == 0 || mediaEnd >= len(last) {
		t.Fatalf("the remuxed clip's media data ends at %d of %d bytes", mediaEnd, len(last))
	}
	for n := 0; n <= len(last); n++ {
		if n > mediaStart+64 && n < mediaEnd-64 && n%97 != 0 { // (within its frames: every 97th)
			continue
		}
		want, wantFrames := int64(0), 0
		if n >= mediaStart && n < len(last) {
			want = int64(mediaEnd)
		}
		if n == len(last) {
			wantFrames = videotest.ClipFrames
		}
		if h := ReadHead(bytes.NewReader(last[:n])); h.Frames != wantFrames || h.IndexAt != want || h.IndexLast != (n >= mediaStart) {
			t.Fatalf("index last, cut at %d bytes (media data from %d to %d, of %d): %d frames, index at %d, index last %v; want %d, %d, %v",
				n, mediaStart, mediaEnd, len(last), h.Frames, h.IndexAt, h.IndexLast, wantFrames, want, n >= mediaStart)
		}
	}
}

// topBox returns where the first top-level box of type typ in an MP4's bytes starts and ends
// (its 32-bit size: a box before it of any other size fails the test); 0, 0 where there is none.
func topBox(t *testing.T, mp4 []byte, typ string) (start, end int) {
	t.Helper()
	for off := 0; off+8 <= len(mp4); {
		size := int(binary.BigEndian.Uint32(mp4[off:]))
		if string(mp4[off+4:off+8]) == typ {
			return off, off + size
		}
		if size < 8 {
			t.Fatalf("the MP4's box at %d: size %d", off, size)
		}
		off += size
	}
	return 0, 0
}

// stz2 returns an MP4's bytes with its one sample size table (stsz) written as a compact one
// (stz2) with 32-bit fields, the same bytes but for its type and its field size.
func stz2(t *testing.T, mp4 []byte) []byte {
	t.Helper()
	if bytes.Count(mp4, []byte("stsz")) != 1 {
		t.Fatal("not one stsz box in the MP4")
	}
	b := bytes.Clone(mp4)
	at := bytes.Index(b, []byte("stsz"))
	if binary.BigEndian.Uint32(b[at+8:]) != 0 {
		t.Fatal("the stsz box gives one size for every sample")
	}
	copy(b[at:], "stz2")
	binary.BigEndian.PutUint32(b[at+8:], 32) // (reserved, and the field size: 32 bits)
	return b
}

// FuzzVideoHead: any bytes give a head, never a panic or a hang; a Matroska start and duration
// that are numbers; a count of frames not below 0; an index to be asked for past the head at an
// offset, the count not yet known; video tracks not below 0, one where frames are counted; and
// the same read as a local file (seeked past its boxes); and a file called cut short before its
// index (ISOCutBeforeIndex) only where it begins with an ISO box.
// Seeded with the heads of the clip and of a fragmented MP4, media data before an index, and a
// HEIF picture's boxes.
func FuzzVideoHead(f *testing.F) {
	clip, err := os.ReadFile(videotest.Clip(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(clip[:min(len(clip), 2048)])
	f.Add([]byte("\x00\x00\x00\x08ftyp\x00\x00\x00\x10moov\x00\x00\x00\x08mvex"))
	f.Add([]byte("\x00\x00\x00\x01moov\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Add([]byte("\x00\x00\x00\x10mdat\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10moov\x00\x00\x00\x08mvhd"))
	f.Add([]byte("\x00\x00\x00\x10ftypheic\x00\x00\x00\x00\x00\x00\x00\x0cmeta\x00\x00\x00\x00\x00\x00\x00\x00mdat"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h := ReadHead(bytes.NewReader(b))
		if h.Err == nil && (math.IsNaN(h.Start) || !(h.Duration >= 0)) {
			t.Errorf("start %v, duration %v", h.Start, h.Duration)
		}
		if h.IndexAt < 0 || h.Frames < 0 || h.IndexAt > 0 && h.Frames != 0 {
			t.Errorf("index at %d, %d frames", h.IndexAt, h.Frames)
		}
		if h.VideoTracks < 0 || h.Frames > 0 && h.VideoTracks != 1 {
			t.Errorf("%d frames of %d video tracks", h.Frames, h.VideoTracks)
		}
		// a local file's counts, on the same bytes (seeked, not read, past its boxes)
		if c, _, _ := ISOFrameCount(&ForwardReader{r: bytes.NewReader(b)}); c.VideoTracks < 0 || c.Frames < 0 || c.Frames > 0 && c.VideoTracks != 1 {
			t.Errorf("a local file: %d frames of %d video tracks", c.Frames, c.VideoTracks)
		}
		// why a file opened no video: cut short before its index only where it begins as one
		if ISOCutBeforeIndex(bytes.NewReader(b), int64(len(b))) && (len(b) < 8 || !isoFirstBox(string(b[4:8]))) {
			t.Errorf("cut short before its index, but no ISO box first: % x", b[:min(len(b), 8)])
		}
	})
}

// TestISOVideoTracks: an MP4's or MOV's video tracks are counted from its index, before or after
// its frames (a one-frame still track ahead of the video: 2; an audio track beside one video: 1);
// a Matroska file, a fragmented MP4 (its index lists no frames), a JPEG or no file gives 0, and
// a file cut anywhere in its first 2 KB at most the tracks it holds, never a panic.
func TestISOVideoTracks(t *testing.T) {
	dir := t.TempDir()
	pic, stillAhead := videotest.StillAhead(t, dir)
	ffmpeg := func(args ...string) string { return videotest.FFmpeg(t, args...) }
	want := map[string]int{
		ffmpeg(append(stillAhead, filepath.Join(dir, "still.mp4"))...):                                  2,
		ffmpeg(append(stillAhead, "-movflags", "+faststart", filepath.Join(dir, "still first.mp4"))...): 2,
		ffmpeg(append(stillAhead, filepath.Join(dir, "still.mov"))...):                                  2,
		ffmpeg("-i", videotest.Clip(t), "-f", "lavfi", "-i", "sine=d=4", "-c:v", "copy", "-c:a", "aac", "-shortest",
			filepath.Join(dir, "with audio.mp4")): 1,
		videotest.Clip(t): 1,
	}
	for path, n := range want {
		if got := isoTracksAt(t, path); got != n {
			t.Errorf("%s: %d video tracks; want %d", filepath.Base(path), got, n)
		}
	}
	remux(t, dir, "fragmented.mp4", "-movflags", "+frag_keyframe+empty_moov")
	for _, path := range []string{videotest.OffsetMKV(t, 5), filepath.Join(dir, "fragmented.mp4"), pic, filepath.Join(dir, "absent.mp4")} {
		if got := isoTracksAt(t, path); got != 0 {
			t.Errorf("%s: %d video tracks; want 0 (not told)", filepath.Base(path), got)
		}
	}
	data := videotest.ReadFile(t, filepath.Join(dir, "still first.mp4"))
	for n := range min(len(data), 2048) {
		if c, _, _ := ISOFrameCount(&ForwardReader{r: bytes.NewReader(data[:n])}); c.VideoTracks > 2 || c.Frames != 0 {
			t.Fatalf("cut at %d bytes: %+v", n, c)
		}
	}
}

// isoTracksAt is ISOVideoTracks on the file at path (0 where it cannot be opened).
func isoTracksAt(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	return ISOVideoTracks(f)
}

// TestISOCutBeforeIndex: which ISO base media files ISOCutBeforeIndex calls cut short before
// their index, on made-up top-level boxes: not a HEIF or AVIF picture (a meta box, no index, as
// ftyp + meta + mdat; a review found a .heic called a recording cut short), nor an index whose
// size is 0 (the last box, running to the file's end).
func TestISOCutBeforeIndex(t *testing.T) {
	box := func(typ string, contents, size int) []byte { // size: the box's stated size
		b := binary.BigEndian.AppendUint32(nil, uint32(size))
		return append(append(b, typ...), make([]byte, contents)...)
	}
	whole := func(typ string, contents int) []byte { return box(typ, contents, 8+contents) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, c := range []struct {
		name string
		file []byte
		want bool
	}{
		{"index last, cut in the frames", cat(whole("ftyp", 16), box("mdat", 100, 8+5000)), true},
		{"index last, cut in it", cat(whole("ftyp", 16), whole("mdat", 100), box("moov", 10, 8+400)), true},
		{"index last, its header cut", cat(whole("ftyp", 16), whole("mdat", 100), []byte("\x00\x00")), true},
		{"whole", cat(whole("ftyp", 16), whole("mdat", 100), whole("moov", 40)), false},
		{"index of size 0, last", cat(whole("ftyp", 16), whole("mdat", 100), box("moov", 40, 0)), false},
		{"HEIF picture", cat(whole("ftyp", 16), whole("meta", 60), whole("mdat", 100)), false},
		{"HEIF picture cut short", cat(whole("ftyp", 16), whole("meta", 60), box("mdat", 100, 8+5000)), false},
		{"not ISO", []byte("RIFF\x00\x00\x00\x00AVI LIST"), false},
	} {
		if got := ISOCutBeforeIndex(bytes.NewReader(c.file), int64(len(c.file))); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
