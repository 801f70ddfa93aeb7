// Package container reads what a video file's container says about its frames, from the file's
// bytes alone, without decoding any: a Matroska file's (MKV, WebM) start and duration and its video
// tracks (an EBML reader), and an ISO base media file's (MP4, MOV) frame count where its index
// lists every frame it plays, its video tracks, and whether it was cut short before its index (a
// box reader). Every reader takes hostile input (FuzzMatroskaTimes, FuzzVideoHead): an error or a
// count, never a panic or a hang. A file's head read over the network (ReadHead) is read forward
// only (ForwardReader).
package container
