//go:build cgo && !noopencv

// quietOpenCV sets OpenCV's log level to ERROR (loglevel_cgo.go says why).
#include <opencv2/core/utils/logger.hpp>

extern "C" void quietOpenCV(void) {
	cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
}
