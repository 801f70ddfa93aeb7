//go:build cgo && !noopencv

// encodeImage is cv::imencode with its exceptions caught (encode.go says why).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <opencv2/imgcodecs.hpp>

extern "C" int encodeImage(void *mat, const char *ext, unsigned char **data, size_t *len, char *msg, size_t msgLen) {
	try {
		std::vector<uchar> buf;
		if (!cv::imencode(ext, *static_cast<cv::Mat *>(mat), buf) || buf.empty()) {
			snprintf(msg, msgLen, "the encoder gave nothing");
			return 0;
		}
		*data = static_cast<unsigned char *>(malloc(buf.size()));
		if (*data == NULL) {
			snprintf(msg, msgLen, "out of memory");
			return 0;
		}
		memcpy(*data, buf.data(), buf.size());
		*len = buf.size();
		return 1;
	} catch (const cv::Exception &e) {
		snprintf(msg, msgLen, "%s (OpenCV's check in %s)", e.err.c_str(), e.func.c_str());
	} catch (const std::exception &e) {
		snprintf(msg, msgLen, "%s", e.what());
	}
	return 0;
}
