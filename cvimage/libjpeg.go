//go:build cgo && !noopencv

package cvimage

// #cgo pkg-config: libjpeg
// #include <stdio.h>
// #include <setjmp.h>
// #include <string.h>
// #include <jpeglib.h>
// #include <jerror.h>
//
// // jpegErrors is libjpeg's error manager for one decoding: an error jumps back to decode's
// // setjmp with its message; a warning (damaged data, which libjpeg decodes past) is counted and
// // the first one kept, instead of printed to standard error by libjpeg's default handler.
// typedef struct {
// 	struct jpeg_error_mgr pub;
// 	jmp_buf jump;
// 	char *message, *warning; // JMSG_LENGTH_MAX bytes each
// } jpegErrors;
//
// static void jpegErrorExit(j_common_ptr c) {
// 	jpegErrors *e = (jpegErrors *)c->err;
// 	c->err->format_message(c, e->message);
// 	longjmp(e->jump, 1);
// }
//
// // jpegEmitMessage keeps the first warning (level -1); trace messages (level >= 0) are dropped.
// static void jpegEmitMessage(j_common_ptr c, int level) {
// 	if (level >= 0) {
// 		return;
// 	}
// 	if (c->err->num_warnings++ == 0) {
// 		c->err->format_message(c, ((jpegErrors *)c->err)->warning);
// 	}
// }
//
// // jpegEndOfData is the source's fill_input_buffer: libjpeg asks for data past the end of the
// // file's. jpeg_mem_src's own only warns ("Premature end of JPEG file") and inserts an end
// // marker, and the rest decodes grey; OpenCV's source suspends there and imdecode returns no
// // image, and PIL refuses such a file ("image file is truncated"): an error here too. (readFrom
// // refuses a file with no FF D9 after its first scan's start, but one cut short after an FF D9
// // between two scans, in a COM segment, say, reaches libjpeg.)
// static boolean jpegEndOfData(j_decompress_ptr c) {
// 	c->err->msg_code = JERR_INPUT_EOF;
// 	c->err->error_exit((j_common_ptr)c);
// 	return FALSE;
// }
//
// // jpegDecode decodes the JPEG of size bytes at data at 1/scale of its size, as OpenCV's
// // imdecode with IMREAD_COLOR (or IMREAD_REDUCED_COLOR_<scale>) does: YCbCr, RGB and grey
// // images converted to BGR by libjpeg, CMYK ones read as CMYK and converted as OpenCV converts
// // them. With out NULL it reads the header only and stores the decoded size in *w, *h;
// // otherwise it writes *w x *h BGR pixels to out (rows stride bytes apart) and fails if the image
// // decodes to another size. It returns 0, or 1 with libjpeg's error in message; *warnings is
// // how many warnings libjpeg gave, the first in warning (both buffers JMSG_LENGTH_MAX bytes).
// static int jpegDecode(const unsigned char *data, unsigned long size, int scale, unsigned char *out,
// 		long stride, int *w, int *h, char *message, char *warning, int *warnings) {
// 	struct jpeg_decompress_struct cinfo;
// 	jpegErrors err;
// 	JSAMPARRAY cmyk;
// 	cinfo.err = jpeg_std_error(&err.pub);
// 	err.pub.error_exit = jpegErrorExit;
// 	err.pub.emit_message = jpegEmitMessage;
// 	err.message = message;
// 	err.warning = warning;
// 	if (setjmp(err.jump)) {
// 		*warnings = (int)err.pub.num_warnings;
// 		jpeg_destroy_decompress(&cinfo);
// 		return 1;
// 	}
// 	jpeg_create_decompress(&cinfo);
// 	jpeg_mem_src(&cinfo, data, size);
// 	cinfo.src->fill_input_buffer = jpegEndOfData;
// 	jpeg_read_header(&cinfo, TRUE);
// 	cinfo.scale_num = 1;
// 	cinfo.scale_denom = scale;
// 	cinfo.out_color_space = cinfo.num_components == 4 ? JCS_CMYK : JCS_EXT_BGR;
// 	jpeg_calc_output_dimensions(&cinfo);
// 	if (out == NULL) {
// 		*w = (int)cinfo.output_width;
// 		*h = (int)cinfo.output_height;
// 	} else if ((int)cinfo.output_width != *w || (int)cinfo.output_height != *h) {
// 		snprintf(message, JMSG_LENGTH_MAX, "decodes to %ux%u pixels, not the %dx%d its header gave",
// 			cinfo.output_width, cinfo.output_height, *w, *h);
// 		jpeg_destroy_decompress(&cinfo);
// 		return 1;
// 	} else {
// 		jpeg_start_decompress(&cinfo);
// 		cmyk = cinfo.out_color_space == JCS_CMYK ?
// 			(*cinfo.mem->alloc_sarray)((j_common_ptr)&cinfo, JPOOL_IMAGE, 4 * cinfo.output_width, 1) : NULL;
// 		while (cinfo.output_scanline < cinfo.output_height) {
// 			unsigned char *row = out + (long)cinfo.output_scanline * stride;
// 			if (cmyk == NULL) {
// 				jpeg_read_scanlines(&cinfo, &row, 1);
// 				continue;
// 			}
// 			jpeg_read_scanlines(&cinfo, cmyk, 1);
// 			// OpenCV's CMYK to BGR (imgcodecs' icvCvt_CMYK2BGR_8u_C4C3R): each of C, M, Y
// 			// as K - (255 - value) * K / 256, truncated.
// 			for (JDIMENSION x = 0; x < cinfo.output_width; x++) {
// 				const unsigned char *p = cmyk[0] + 4 * x;
// 				int k = p[3];
// 				row[3 * x + 2] = (unsigned char)(k - ((255 - p[0]) * k >> 8));
// 				row[3 * x + 1] = (unsigned char)(k - ((255 - p[1]) * k >> 8));
// 				row[3 * x + 0] = (unsigned char)(k - ((255 - p[2]) * k >> 8));
// 			}
// 		}
// 		jpeg_finish_decompress(&cinfo);
// 	}
// 	*warnings = (int)err.pub.num_warnings;
// 	jpeg_destroy_decompress(&cinfo);
// 	return 0;
// }
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/internal/plural"
)

// libjpegVersion is the libjpeg-turbo this package was built against (its headers), for Decoders.
func libjpegVersion() string {
	n := int(C.LIBJPEG_TURBO_VERSION_NUMBER)
	return fmt.Sprintf("libjpeg-turbo %d.%d.%d", n/1000000, n/1000%1000, n%1000)
}

// jpegMessageLength is libjpeg's JMSG_LENGTH_MAX: the size of its message buffers.
const jpegMessageLength = C.JMSG_LENGTH_MAX

// decodeJPEG decodes a JPEG's bytes with libjpeg-turbo into a new BGR Mat at 1/scale of its size
// (scale 1, 2, 4 or 8), the pixels OpenCV's imdecode gives (the same library and settings;
// TestDecodeJPEGIsOpenCVs), and returns libjpeg's first warning, "" for none: damaged data that
// libjpeg decodes past ("Corrupt JPEG data: premature end of data segment"), as PIL does. It is
// decoded here rather than by OpenCV so that the warning reaches the caller, which names the
// file, instead of standard error unnamed. libjpeg reads the header twice, first for the Mat's
// size, so that decodeJPEG takes any bytes on their own (a few microseconds: BenchmarkDecodeJPEG
// runs as fast as OpenCV's imdecode).
func decodeJPEG(data []byte, scale int) (m gocv.Mat, warning string, err error) {
	if len(data) == 0 {
		return gocv.Mat{}, "", errors.New("no data")
	}
	var message, first [jpegMessageLength]C.char
	var w, h, warnings C.int
	src, size := (*C.uchar)(unsafe.Pointer(&data[0])), C.ulong(len(data))
	if C.jpegDecode(src, size, C.int(scale), nil, 0, &w, &h, &message[0], &first[0], &warnings) != 0 {
		return gocv.Mat{}, "", errors.New(C.GoString(&message[0]))
	}
	if w <= 0 || h <= 0 {
		return gocv.Mat{}, "", fmt.Errorf("decodes to %dx%d pixels", w, h)
	}
	m = gocv.NewMatWithSize(int(h), int(w), gocv.MatTypeCV8UC3)
	pix, err := m.DataPtrUint8()
	if err != nil || len(pix) < int(h)*m.Step() {
		m.Close()
		return gocv.Mat{}, "", fmt.Errorf("no pixel buffer for %dx%d pixels (%v)", w, h, err)
	}
	out := (*C.uchar)(unsafe.Pointer(&pix[0]))
	if C.jpegDecode(src, size, C.int(scale), out, C.long(m.Step()), &w, &h, &message[0], &first[0], &warnings) != 0 {
		m.Close()
		return gocv.Mat{}, "", errors.New(C.GoString(&message[0]))
	}
	if warnings > 0 {
		warning = C.GoString(&first[0])
		if warnings > 1 {
			warning += fmt.Sprintf(" (and %s)", plural.Count(int(warnings-1), "more warning", "more warnings"))
		}
	}
	return m, warning, nil
}
