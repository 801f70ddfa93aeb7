package main

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/shuffledet/shuffledet/cvimage"
	"github.com/shuffledet/shuffledet/internal/outpath"
	"github.com/shuffledet/shuffledet/internal/plural"
	"github.com/shuffledet/shuffledet/internal/quote"
	"github.com/shuffledet/shuffledet/pipeline"
)

// inputKind is what an input on the command line is.
type inputKind int

const (
	imageInput  inputKind = iota // an image file (or one found in a folder), or an http(s) URL of one
	videoInput                   // a video file
	cameraInput                  // camera:N, or a camera's device file (/dev/video0, /dev/v4l/by-id/...)
	streamInput                  // a network stream URL
)

// input is one source of frames.
type input struct {
	spec   string // as given (for images in a folder: the image's path)
	kind   inputKind
	camera int    // cameraInput: the device number (-1 for a device file that does not say it)
	out    string // annotated output path ("" for none)
	// frames is the frame count of an animated GIF read as an image, whose first frame alone is
	// detected (in a folder, or without OpenCV): main warns of it. 0 for any other input.
	frames int
}

// name is how messages, the progress line and the JSON lines name the input: as given, but for a
// URL's secrets, hidden (pipeline.RedactURL, as pipeline's streams and images name it).
func (in input) name() string {
	if in.kind == streamInput || in.isURL() {
		return pipeline.RedactURL(in.spec)
	}
	return in.spec
}

// stills reports whether every input is an image (no video, camera or stream; an animated GIF
// read as an image is its first frame): the run's summary then counts images, not frames.
func stills(ins []input) bool {
	for _, in := range ins {
		if in.kind != imageInput {
			return false
		}
	}
	return true
}

// isURL reports whether in is an image at an http(s) URL, which is fetched (pipeline.FetchImage).
func (in input) isURL() bool { return in.kind == imageInput && pipeline.IsHTTP(in.spec) }

// imageFile is the file path of an image input: for a URL, its path (its secrets hidden).
func (in input) imageFile() string {
	if in.isURL() {
		if u, err := url.Parse(pipeline.RedactURL(in.spec)); err == nil {
			return u.Path
		}
	}
	return in.spec
}

// imageExts are the extensions taken as still images; other files are opened as videos.
var imageExts = []string{".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp"}

// streamSchemes are the URL schemes passed to FFmpeg as live streams; an http(s) URL whose path
// ends in an image's extension is an image instead, fetched and decoded as a file is.
var streamSchemes = []string{"rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "udp", "rtp", "tcp", "srt"}

var devVideo = regexp.MustCompile(`^/dev/video([0-9]+)$`)

func isImage(path string) bool {
	return slices.Contains(imageExts, strings.ToLower(filepath.Ext(path)))
}

// videoExts are common video files' extensions, named where a folder given holds no images but
// such files: a folder's videos are not read.
var videoExts = []string{".mp4", ".m4v", ".mov", ".mkv", ".avi", ".webm", ".mpg", ".mpeg", ".ts", ".mts", ".m2ts", ".wmv", ".flv", ".3gp", ".h264", ".h265", ".hevc", ".mjpeg"}

func isVideoName(path string) bool {
	return slices.Contains(videoExts, strings.ToLower(filepath.Ext(path)))
}

// firstOf returns names' first, quoted, and ", ..." after it where there are more.
func firstOf(names []string) string {
	if len(names) > 1 {
		return quote.Name(names[0]) + ", ..."
	}
	return quote.Name(names[0])
}

// animatedGIF returns the frame count of the GIF file at path when it holds more than one frame
// (cvimage.GIFFrames), 0 otherwise: another file, a GIF that cannot be read (its decoding says why), or
// not a regular file (st, when the caller has it: a pipe is read once, by the decoder).
func animatedGIF(path string, st os.FileInfo) int {
	if strings.ToLower(filepath.Ext(path)) != ".gif" || st != nil && !st.Mode().IsRegular() {
		return 0
	}
	if n, err := cvimage.GIFFrames(path); err == nil && n > 1 {
		return n
	}
	return 0
}

// isCharDevice reports whether path is a character device (a camera's /dev/videoN is one).
func isCharDevice(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// parseInputs classifies the command line's inputs and expands folders into their images
// (sorted by name; hidden files left out). Every error names the input and says what is wrong.
func parseInputs(args []string) ([]input, error) {
	var ins []input
	for _, a := range args {
		device := strings.HasPrefix(a, "/dev/") && isCharDevice(a)
		switch {
		case strings.HasPrefix(a, "camera:"):
			n, err := strconv.Atoi(strings.TrimPrefix(a, "camera:"))
			if errors.Is(err, strconv.ErrRange) { // a number all the same, past int's range (on 32 bits, 2^31)
				n, err = math.MaxInt, nil
			}
			if err != nil || n < 0 {
				name := pipeline.RedactURL(a) // (camera://user:secret@host, a stream's URL mistyped)
				return nil, fmt.Errorf("%s: a camera is camera:N with N a device number (0 for the first); a file of that name is %s", quote.Name(name), quote.Name("./"+name))
			}
			if err := pipeline.CheckCamera(n); err != nil {
				return nil, fmt.Errorf("%s: %w", quote.Name(a), err)
			}
			ins = append(ins, input{spec: a, kind: cameraInput, camera: n})
		case devVideo.MatchString(a) || device:
			// (a regular file or folder under /dev, as /dev/shm's, is read as any other)
			if !device {
				return nil, fmt.Errorf("%s: no such camera device", quote.Name(a))
			}
			n := -1
			if m := devVideo.FindStringSubmatch(a); m != nil {
				n, _ = strconv.Atoi(m[1])
			}
			ins = append(ins, input{spec: a, kind: cameraInput, camera: n})
		case strings.Contains(a, "://"):
			u, err := url.Parse(a)
			if err != nil {
				return nil, fmt.Errorf("%s: not a valid URL: %s", quote.Name(pipeline.RedactURL(a)), whyInvalidURL(a))
			}
			if !slices.Contains(streamSchemes, strings.ToLower(u.Scheme)) {
				return nil, fmt.Errorf("%s: unknown scheme %q (streams: %s)", quote.Name(pipeline.RedactURL(a)), u.Scheme, strings.Join(streamSchemes, ", "))
			}
			kind := streamInput
			if pipeline.IsHTTP(a) && isImage(u.Path) {
				kind = imageInput // (not FFmpeg's one-frame video: decoded as the file would be)
			}
			ins = append(ins, input{spec: a, kind: kind})
		default:
			st, err := os.Stat(a)
			if err != nil {
				if errors.Is(err, os.ErrNotExist) {
					return nil, fmt.Errorf("%s: no such file or folder", quote.Name(a))
				}
				return nil, quote.Err(err)
			}
			if !st.IsDir() {
				in := input{spec: a, kind: videoInput}
				if isImage(a) {
					in.kind = imageInput // (read once, start to end: a named pipe does too)
					if n := animatedGIF(a, st); n > 1 && withOpenCV {
						in.kind = videoInput // every frame detected, as FFmpeg reads it
					} else {
						in.frames = n
					}
				} else if !st.Mode().IsRegular() {
					return nil, fmt.Errorf("%s: not a regular file (a pipe, a device, a socket): a video is read twice, "+
						"probed before the run, then run; save it to a file first, or send it as a stream (udp://, rtsp://, ...)", quote.Name(a))
				}
				ins = append(ins, in)
				continue
			}
			entries, err := os.ReadDir(a)
			if err != nil {
				return nil, quote.Err(err)
			}
			n := len(ins)
			// The annotated images an earlier run with -out set to this folder wrote beside their
			// images (NAME.detect.EXT) are left out: read, each would be refused as an input that
			// its own output overwrites, so the same command failed the second time.
			annotated := map[string]bool{}
			for _, e := range entries {
				if !e.IsDir() && isImage(e.Name()) && !strings.HasPrefix(e.Name(), ".") {
					annotated[annotatedImageName(e.Name())] = true
				}
			}
			for _, e := range entries { // ReadDir sorts by name
				// Hidden files are left out: macOS's ._NAME.jpg beside each image (its
				// metadata, not a JPEG) would each fail.
				if e.IsDir() || !isImage(e.Name()) || strings.HasPrefix(e.Name(), ".") || annotated[e.Name()] {
					continue
				}
				path := filepath.Join(a, e.Name())
				if !e.Type().IsRegular() { // a link (followed here), a pipe, a device, a socket
					st, err := os.Stat(path)
					if err == nil && st.IsDir() {
						continue // a link to a folder, left out as folders are
					}
					if err == nil && !st.Mode().IsRegular() { // a pipe waits for a writer: the run hung on it
						return nil, fmt.Errorf("%s: not a regular file (a pipe, a device, a socket) in folder %s: give it on its own to read it once, or move it out", quote.Name(path), quote.Name(a))
					}
					// (a broken link: reading it says why)
				}
				ins = append(ins, input{spec: path, kind: imageInput, frames: animatedGIF(path, nil)})
			}
			if len(ins) == n {
				// Its videos are what a user most likely meant: say that a folder's are not read.
				var videos []string
				for _, e := range entries {
					if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") && !isImage(e.Name()) && isVideoName(e.Name()) {
						videos = append(videos, e.Name())
					}
				}
				if len(videos) > 0 {
					return nil, fmt.Errorf("%s: folder holds no images (%s), and a folder's videos are not read (%s: %s): give each video on its own",
						quote.Name(a), strings.Join(imageExts, " "), plural.Count(len(videos), "video", "videos"), firstOf(videos))
				}
				return nil, fmt.Errorf("%s: folder holds no images (%s)", quote.Name(a), strings.Join(imageExts, " "))
			}
		}
	}
	return ins, nil
}

// whyInvalidURL says why url.Parse refuses a, without a's secrets: url.Parse's reason quotes what
// it stumbled on, which may be a piece of the password (invalid URL escape "%te", invalid port
// ":pa" after host for a password with a '/'), so it is taken from a with its secrets hidden
// (pipeline.RedactURL); where that parses, what it refused was in the hidden part.
func whyInvalidURL(a string) string {
	_, err := url.Parse(pipeline.RedactURL(a))
	if err == nil {
		return "its password (or a secret in its path or query) has a character that must be percent-encoded (% / ? # @ as %25 %2F %3F %23 %40)"
	}
	var ue *url.Error
	if errors.As(err, &ue) { // (its message repeats the URL)
		err = ue.Err
	}
	return err.Error()
}

// videoOutputExt lists the extensions of the video files -out can name (pipeline.VideoCodec's).
var videoOutputExt = map[string]bool{".mp4": true, ".m4v": true, ".mov": true, ".mkv": true, ".avi": true}

// planOutputs sets each input's annotated output path. Videos and live sources get a video
// (NAME.detect.mp4 next to a video file, in the current folder for a live source) unless noVideo;
// images get an annotated image only with -out. out, when set, is a folder for all outputs, or,
// for a single video or live input, the output video file itself (checkOverlaps then refuses
// outputs that would overwrite an input or each other); a folder that does not exist yet and is
// not written DIR/ must not look like a video file.
func planOutputs(ins []input, out string, noVideo bool) error {
	asDir := false
	if out != "" {
		st, err := os.Stat(out)
		named := err == nil && st.IsDir() || strings.HasSuffix(out, string(filepath.Separator))
		asDir = named || len(ins) > 1 || ins[0].kind == imageInput
		if !asDir && noVideo {
			return fmt.Errorf("-out %s names a video file, but -no-video asks for none", quote.Name(out))
		}
		if asDir && !named && videoOutputExt[strings.ToLower(filepath.Ext(out))] {
			// A folder called x.mp4 is never what was meant.
			return fmt.Errorf("-out %s names a video file, but images, and several inputs, have their outputs written into a folder: give one video input, or a folder (-out DIR/)", quote.Name(out))
		}
		if asDir && !named && isImage(out) {
			return fmt.Errorf("-out %s names an image file, but annotated images are written into a folder, as NAME.detect.EXT: give a folder (-out DIR/)", quote.Name(out))
		}
	}
	for i := range ins {
		in := &ins[i]
		in.out = ""
		switch {
		case in.kind == imageInput && out == "", in.kind != imageInput && noVideo:
			continue
		case !asDir && out != "":
			in.out = out
			continue
		}
		var name string
		switch in.kind {
		case imageInput:
			name = annotatedImageName(in.imageFile())
		case videoInput:
			name = strings.TrimSuffix(filepath.Base(in.spec), filepath.Ext(in.spec)) + ".detect.mp4"
		case cameraInput:
			name = fmt.Sprintf("camera%d.detect.mp4", in.camera)
			if in.camera < 0 {
				name = filepath.Base(in.spec) + ".detect.mp4"
			}
		case streamInput:
			name = streamName(in.spec) + ".detect.mp4"
		}
		dir := out
		if dir == "" {
			dir = "."
			if in.kind == videoInput && !systemDir(filepath.Dir(in.spec)) {
				dir = filepath.Dir(in.spec)
			}
		}
		in.out = filepath.Join(dir, name)
	}
	return nil
}

// annotatedImageName is the file name of the annotated image of the image at path:
// NAME.detect.EXT, in the image's format where OpenCV writes it.
func annotatedImageName(path string) string {
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".gif":
		ext = ".png" // OpenCV does not write GIF
	case ".jfif":
		ext = ".jpg" // nor knows .jfif for JPEG
	}
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + ".detect" + ext
}

// checkOverlaps refuses outputs that would overwrite an input, the model or each other: the
// annotated outputs and the JSON lines file (jsonPath, unless "-"). Paths are compared absolute,
// and, where they exist, as files (device and inode), so a symbolic or hard link to an input is
// caught too.
func checkOverlaps(ins []input, model, jsonPath string) error {
	type output struct{ path, what string }
	var outs []output
	for _, in := range ins {
		if in.out != "" {
			outs = append(outs, output{in.out, quote.Name(in.name())}) // (a stream's secrets hidden, as in every message)
		}
	}
	if jsonPath != "-" {
		outs = append(outs, output{jsonPath, "-json"})
	}
	// What may not be written to: the inputs and the model, then each output as it is taken.
	type owner struct {
		what   string
		output bool
	}
	taken := map[string]owner{}
	take := func(keys []string, o owner) {
		for _, k := range keys {
			if _, ok := taken[k]; !ok {
				taken[k] = o
			}
		}
	}
	for _, in := range ins {
		take(fileKeys(in.spec), owner{what: "the input " + quote.Name(in.name())})
	}
	take(fileKeys(model), owner{what: "the model " + quote.Name(model)})
	for _, o := range outs {
		keys := fileKeys(o.path)
		for _, k := range keys {
			if prev, ok := taken[k]; ok {
				if !prev.output {
					return fmt.Errorf("output %s would overwrite %s", quote.Name(o.path), prev.what)
				}
				if o.what == "-json" { // (taken last: prev is an annotated output)
					return fmt.Errorf("-json %s is also where the annotated output of %s goes: give -json another file name", quote.Name(o.path), prev.what)
				}
				return fmt.Errorf("%s and %s would both be written to %s: run them as two detect commands, each with its own -out, or rename one (-no-video writes no video)", prev.what, o.what, quote.Name(o.path))
			}
		}
		take(keys, owner{what: o.what, output: true})
	}
	return nil
}

// fileKeys returns the keys under which path is one file: its absolute path and, if it exists,
// its device and inode (fileID), which links share.
func fileKeys(path string) []string {
	var keys []string
	if abs, err := filepath.Abs(path); err == nil {
		keys = append(keys, "path:"+abs)
	}
	if id, ok := fileID(path); ok {
		keys = append(keys, id)
	}
	return keys
}

// streamName makes a file name from a stream URL: host, port, path and query (which tells a
// recorder's channels apart) with other characters replaced, e.g. rtsp://10.0.0.2:554/live/ch1
// -> 10.0.0.2_554_live_ch1, rtsp://nvr/cam?channel=2 -> nvr_cam_channel_2; never its user or
// password, nor a secret in its path or query (pipeline.RedactURL).
func streamName(spec string) string {
	u, err := url.Parse(pipeline.RedactURL(spec))
	if err != nil {
		return "stream"
	}
	s := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, u.Host+u.Path+"_"+u.RawQuery)
	s = strings.Trim(s, "_.")
	if s == "" {
		return "stream"
	}
	return s
}

// systemDir reports whether dir is one of the system's, /dev or /proc (a video given as
// /dev/stdin redirected from a file, or /proc/self/fd/N): its output goes to the current folder,
// as a live source's does, not beside it.
func systemDir(dir string) bool {
	for _, sys := range []string{"/dev", "/proc"} {
		if dir == sys || strings.HasPrefix(dir, sys+"/") {
			return true
		}
	}
	return false
}

// checkWritable makes sure path can be written, before any work, and leaves nothing behind: where
// its folder exists, it opens the file for writing (removing it again if it did not exist);
// where it does not, that the folder can be made (outpath.CanMakeIn). The folders are made by
// makeFolders, when the run starts writing. An existing file that is not a regular one (a named
// pipe, a device) is left alone: opening a pipe to probe it and closing it again would end its
// reader's input.
func checkWritable(path string) error {
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		if err := outpath.CanMakeIn(filepath.Dir(path)); err != nil {
			return fmt.Errorf("output %s: %w", quote.Name(path), err)
		}
		return nil
	}
	st, statErr := os.Stat(path)
	if statErr == nil && !st.Mode().IsRegular() && !st.IsDir() {
		return nil
	}
	if !errors.Is(statErr, os.ErrNotExist) { // an existing file: opened for writing, as it is
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("output %s: %w", quote.Name(path), quote.Err(err))
		}
		return f.Close()
	}
	// A new file is probed under a hidden name beside the file it will be (outpath.Partial; through
	// a link at path, beside the link's target, which the writers follow), never under its own:
	// detect catches no signal yet, and a Ctrl-C between a create and a remove would leave an
	// empty file under the output's name; and os.Remove(path) would remove a link at path, leaving
	// the empty file made at its target.
	target := outpath.FollowLinks(path)
	if len(filepath.Base(target)) > 255 { // (Partial cuts its name: the probe does not see it)
		return fmt.Errorf("output %s: %w", quote.Name(path), syscall.ENAMETOOLONG)
	}
	probe := outpath.Partial(target)
	f, err := os.OpenFile(probe, os.O_WRONLY|os.O_CREATE|os.O_EXCL, outpath.NewFileMode)
	if err != nil { // (the error's path is the hidden file's, which the user never asked for)
		return fmt.Errorf("output %s: cannot write in its folder %s: %w", quote.Name(path), quote.Name(filepath.Dir(target)), outpath.WithoutPath(err))
	}
	f.Close()
	return os.Remove(probe)
}
