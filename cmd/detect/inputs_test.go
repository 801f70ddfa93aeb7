package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInputsAndOutputs: inputs are classified, folders expanded to their images in name order
// (hidden files, as macOS's ._ files, left out), and outputs named as the usage says.
func TestInputsAndOutputs(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b.png", "a.JPG", "notes.txt", "clip.mkv", "c.webp", "d.jfif", "._a.JPG", ".hidden.png"} {
		os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644)
	}
	clip := filepath.Join(dir, "clip.mkv")
	ins, err := parseInputs([]string{dir, clip, "camera:2", "rtsp://10.0.0.2:554/live/ch1", "HTTP://host/a.ts",
		"rtsp://admin:secret@nvr:554/cam/realmonitor?channel=1&subtype=0", "rtsp://admin:secret@nvr:554/cam/realmonitor?channel=2&subtype=0"})
	if err != nil {
		t.Fatal(err)
	}
	want := []input{
		{spec: filepath.Join(dir, "a.JPG"), kind: imageInput},
		{spec: filepath.Join(dir, "b.png"), kind: imageInput},
		{spec: filepath.Join(dir, "c.webp"), kind: imageInput},
		{spec: filepath.Join(dir, "d.jfif"), kind: imageInput},
		{spec: clip, kind: videoInput},
		{spec: "camera:2", kind: cameraInput, camera: 2},
		{spec: "rtsp://10.0.0.2:554/live/ch1", kind: streamInput},
		{spec: "HTTP://host/a.ts", kind: streamInput},
		{spec: "rtsp://admin:secret@nvr:554/cam/realmonitor?channel=1&subtype=0", kind: streamInput},
		{spec: "rtsp://admin:secret@nvr:554/cam/realmonitor?channel=2&subtype=0", kind: streamInput},
	}
	if len(ins) != len(want) {
		t.Fatalf("%+v", ins)
	}
	for i := range want {
		if ins[i] != want[i] {
			t.Errorf("input %d: %+v, want %+v", i, ins[i], want[i])
		}
	}

	// A stream is named without its password (messages, the progress line, JSON lines).
	if got := ins[8].name(); got != "rtsp://admin:xxxxx@nvr:554/cam/realmonitor?channel=1&subtype=0" {
		t.Errorf("stream named %q", got)
	}

	// Defaults: videos beside the input, live sources here (a recorder's channels told apart by
	// the query), images not at all.
	if err := planOutputs(ins, "", false); err != nil {
		t.Fatal(err)
	}
	outs := []string{"", "", "", "", filepath.Join(dir, "clip.detect.mp4"), "camera2.detect.mp4", "10.0.0.2_554_live_ch1.detect.mp4", "host_a.ts.detect.mp4",
		"nvr_554_cam_realmonitor_channel_1_subtype_0.detect.mp4", "nvr_554_cam_realmonitor_channel_2_subtype_0.detect.mp4"}
	for i, o := range outs {
		if ins[i].out != o {
			t.Errorf("default output %d: %q, want %q", i, ins[i].out, o)
		}
	}
	// -out DIR: everything inside it; -no-video: images only.
	out := filepath.Join(dir, "out")
	if err := planOutputs(ins, out, true); err != nil {
		t.Fatal(err)
	}
	for i, o := range []string{filepath.Join(out, "a.detect.jpg"), filepath.Join(out, "b.detect.png"), filepath.Join(out, "c.detect.webp"), filepath.Join(out, "d.detect.jpg"), "", "", "", "", "", ""} {
		if ins[i].out != o {
			t.Errorf("-out DIR -no-video output %d: %q, want %q", i, ins[i].out, o)
		}
	}
	// -out FILE for a single video.
	one := []input{{spec: clip, kind: videoInput}}
	if err := planOutputs(one, filepath.Join(dir, "x.avi"), false); err != nil || one[0].out != filepath.Join(dir, "x.avi") {
		t.Errorf("-out FILE: %q %v", one[0].out, err)
	}
	if err := planOutputs(one, filepath.Join(dir, "x.avi"), true); err == nil {
		t.Error("-out FILE with -no-video accepted")
	}
	// A video given through /dev or /proc (/dev/stdin redirected from a file): its output goes to
	// the current folder, not into /dev.
	stdin := []input{{spec: "/dev/stdin", kind: videoInput}, {spec: "/proc/self/fd/3", kind: videoInput}}
	if err := planOutputs(stdin, "", false); err != nil || stdin[0].out != "stdin.detect.mp4" || stdin[1].out != "3.detect.mp4" {
		t.Errorf("videos under /dev and /proc: %q %q %v", stdin[0].out, stdin[1].out, err)
	}
	// -out FILE.jpg for an image: a folder of that name is never what was meant.
	photo := []input{{spec: filepath.Join(dir, "a.JPG"), kind: imageInput}}
	if err := planOutputs(photo, filepath.Join(dir, "result.jpg"), false); err == nil || !strings.Contains(err.Error(), "names an image file") {
		t.Errorf("-out result.jpg for an image: %v", err)
	}
	if _, err := parseInputs([]string{"camera:-1"}); err == nil || !strings.Contains(err.Error(), "camera:N") {
		t.Errorf("camera:-1: %v", err)
	}
	// OpenCV reads 200 as Video4Linux's device 0, and 4294967296 wraps to 0 in C's int; a number
	// past Go's int (2^31 on 32 bits) is out of range alike, not "not a device number".
	for _, n := range []string{"100", "200", "4294967296", "99999999999999999999"} {
		if _, err := parseInputs([]string{"camera:" + n}); err == nil || !strings.Contains(err.Error(), "camera:"+n+": a camera is camera:N with N from 0 (the first) to 99") {
			t.Errorf("camera:%s: %v", n, err)
		}
	}
}

// TestOverlapsRefused: no output may overwrite an input, the model or another output, whether
// named by the same path, another spelling of it, or a symbolic or hard link to the file.
func TestOverlapsRefused(t *testing.T) {
	dir := t.TempDir()
	img, clip, model := filepath.Join(dir, "a.jpg"), filepath.Join(dir, "clip.mp4"), filepath.Join(dir, "m.bin")
	for _, f := range []string{img, clip, model} {
		os.WriteFile(f, []byte("x"), 0o644)
	}
	symlink, hardlink := filepath.Join(dir, "sym.mp4"), filepath.Join(dir, "hard.mp4")
	if err := os.Symlink(clip, symlink); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(clip, hardlink); err != nil {
		t.Fatal(err)
	}
	video := func(out string) []input { return []input{{spec: clip, kind: videoInput, out: out}} }
	for _, c := range []struct {
		name       string
		ins        []input
		json, want string
	}{
		{"json over an image", []input{{spec: img, kind: imageInput}}, img, "output " + img + " would overwrite the input " + img},
		{"json over the model", []input{{spec: img, kind: imageInput}}, model, "would overwrite the model " + model},
		{"json over a video output", video(filepath.Join(dir, "o.mp4")), filepath.Join(dir, "o.mp4"), "-json " + filepath.Join(dir, "o.mp4") + " is also where the annotated output of " + clip + " goes: give -json another file name"},
		{"json over a video, spelled otherwise", video(""), dir + "/./clip.mp4", "would overwrite the input"},
		{"output through a symbolic link", video(symlink), "-", "output " + symlink + " would overwrite the input " + clip},
		{"output through a hard link", video(hardlink), "-", "would overwrite the input"},
		{"input through a link, output over it", []input{{spec: symlink, kind: videoInput, out: clip}}, "-", "would overwrite the input " + symlink},
		{"output over the model", video(model), "-", "would overwrite the model"},
	} {
		err := checkOverlaps(c.ins, model, c.json)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	ok := []input{{spec: img, kind: imageInput, out: filepath.Join(dir, "a.detect.jpg")}, {spec: clip, kind: videoInput, out: filepath.Join(dir, "clip.detect.mp4")}}
	for _, json := range []string{"-", filepath.Join(dir, "out.jsonl")} {
		if err := checkOverlaps(ok, model, json); err != nil {
			t.Errorf("-json %s: %v", json, err)
		}
	}
}

// TestFilesUnderDev: a regular file under /dev (a clip in /dev/shm) is a file, read as any other;
// only a /dev/videoN path or a character device is a camera (every /dev path was one for a
// while, and /dev/shm/clip.mp4 was refused as "not a camera device").
func TestFilesUnderDev(t *testing.T) {
	f, err := os.CreateTemp("/dev/shm", "detect-*.jpg")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	defer os.Remove(f.Name())
	ins, err := parseInputs([]string{f.Name(), "/dev/null"})
	if err != nil || len(ins) != 2 || ins[0].kind != imageInput || ins[1].kind != cameraInput {
		t.Errorf("%v: %+v", err, ins)
	}
	if _, err := parseInputs([]string{"/dev/video97"}); err == nil || err.Error() != "/dev/video97: no such camera device" {
		t.Errorf("/dev/video97: %v", err)
	}
}

// TestFolderIsAlsoOut: detect -out DIR DIR writes NAME.detect.EXT beside each image; run again,
// those are not read as images (each was refused as an input its own output would overwrite,
// so the same command failed the second time) and are overwritten. An image named like an
// annotated one whose image is not there is read.
func TestFolderIsAlsoOut(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.jpg", "a.detect.jpg", "b.GIF", "b.detect.png", "c.detect.jpg", "d.jfif", "d.detect.jpg"} {
		os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644)
	}
	ins, err := parseInputs([]string{dir})
	var got []string
	for _, in := range ins {
		got = append(got, filepath.Base(in.spec))
	}
	if err != nil || strings.Join(got, " ") != "a.jpg b.GIF c.detect.jpg d.jfif" {
		t.Fatalf("%v, %v; want a.jpg b.GIF c.detect.jpg d.jfif", got, err)
	}
	if err := planOutputs(ins, dir, false); err != nil {
		t.Fatal(err)
	}
	if err := checkOverlaps(ins, "m.bin", "-"); err != nil {
		t.Errorf("-out %s %s, a second time: %v", dir, dir, err)
	}
}

// TestOverlapsHideSecrets: two streams whose outputs would clash (the same camera given twice,
// or with two tokens) are refused with the URLs named without their passwords and secret query
// values, as every other message names them.
func TestOverlapsHideSecrets(t *testing.T) {
	for _, pair := range [][2]string{
		{"rtsp://admin:hunter2@10.0.0.5/live", "rtsp://admin:hunter2@10.0.0.5/live"},
		{"http://cam/x.ts?token=hunter2", "http://cam/x.ts?token=hunter3"},
	} {
		ins, err := parseInputs(pair[:])
		if err != nil {
			t.Fatal(err)
		}
		if err := planOutputs(ins, "", false); err != nil {
			t.Fatal(err)
		}
		err = checkOverlaps(ins, "m.bin", "-")
		if err == nil || !strings.Contains(err.Error(), "would both be written to") {
			t.Fatalf("%q: %v, want a clash", pair, err)
		}
		if strings.Contains(err.Error(), "hunter") {
			t.Errorf("%q: the error shows a secret: %v", pair, err)
		}
	}
}

// TestInvalidURLHidesSecrets: a stream URL that does not parse because of its password (a '%'
// or a '/' not percent-encoded) is refused without any piece of the password in the message:
// url.Parse's own reason quotes the part it stumbled on.
func TestInvalidURLHidesSecrets(t *testing.T) {
	for _, a := range []string{
		"rtsp://admin:qzk%zzwvj@10.0.0.5/live",
		"rtsp://admin:qzkwvj%@10.0.0.5/live",
		"rtsp://admin:qzk/wvj@10.0.0.5/live",
		"rtsp://admin:qzk?wvj@10.0.0.5/live",
		"rtsp://admin:qzk#wvj@10.0.0.5/live",
	} {
		_, err := parseInputs([]string{a})
		if err == nil || !strings.Contains(err.Error(), "not a valid URL") {
			t.Errorf("%s: %v, want not a valid URL", a, err)
			continue
		}
		for _, piece := range []string{"qzk", "wvj", "%zz"} {
			if strings.Contains(err.Error(), piece) {
				t.Errorf("%s: the error shows %q of the password: %v", a, piece, err)
			}
		}
	}
	// A secret in the path (some cameras take /user=admin&password=...) is hidden, and named
	// as where the fault is.
	if _, err := parseInputs([]string{"rtsp://10.0.0.5/user=admin&password=qzk%zzwvj&channel=1"}); err == nil ||
		strings.Contains(err.Error(), "qzk") || !strings.Contains(err.Error(), "a secret in its path or query") {
		t.Errorf("a bad escape in a path's secret: %v", err)
	}
	// A fault outside the secrets is still named.
	if _, err := parseInputs([]string{"rtsp://admin:hunter@10.0.0.5:x/live"}); err == nil || strings.Contains(err.Error(), "hunter") || !strings.Contains(err.Error(), `invalid port ":x"`) {
		t.Errorf("a bad port: %v", err)
	}
}

// TestFolderOfVideos: a folder that holds videos and no images is refused saying that a folder's
// videos are not read, naming one (it said only that the folder "holds no images").
func TestFolderOfVideos(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.mp4", "b.MOV", "notes.txt", ".hidden.mp4"} {
		os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644)
	}
	_, err := parseInputs([]string{dir})
	if want := dir + ": folder holds no images (.jpg .jpeg .jpe .jfif .png .gif .bmp .tif .tiff .webp), and a folder's videos are not read (2 videos: a.mp4, ...): give each video on its own"; err == nil || err.Error() != want {
		t.Errorf("a folder of videos: %v, want %s", err, want)
	}
	os.Remove(filepath.Join(dir, "b.MOV"))
	if _, err := parseInputs([]string{dir}); err == nil || !strings.HasSuffix(err.Error(), "(1 video: a.mp4): give each video on its own") {
		t.Errorf("a folder of one video: %v", err)
	}
	os.Remove(filepath.Join(dir, "a.mp4"))
	if _, err := parseInputs([]string{dir}); err == nil || err.Error() != dir+": folder holds no images (.jpg .jpeg .jpe .jfif .png .gif .bmp .tif .tiff .webp)" {
		t.Errorf("a folder of text: %v", err)
	}
}
