# shuffledet: `make test` is the one test command (see README).
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go

# Packages that run goroutines get the race detector (for the detector: its concurrency tests,
# Clones sharing one model; for the pipeline: its stage tests on the small models).
RACE_PKGS := ./coco/... ./cmd/cocoeval/... ./roihead/...
# The compute packages, also tested as arm64 binaries under qemu.
ARM64_PKGS := ./nn/... ./backbone/... ./safetensors/... ./boxes/... ./anchors/... ./nms/... ./rpn/... ./roihead/...

.PHONY: test test-long vet unit train noasm race nocgo arm64 fuzz matprofile bench build demo soak

test: vet unit train noasm race nocgo arm64 fuzz matprofile

vet:
	$(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

# The PyTorch reference's own checks (counts, shuffle orders, .bin layout and round trip).
train:
	/usr/bin/python3 -m unittest discover -s train -p 'test_*.py'

# The portable kernels, as on machines without AVX2 or NEON.
noasm:
	$(GO) test -count=1 -tags noasm ./nn/... ./backbone/...

race:
	$(GO) test -count=1 -race $(RACE_PKGS)
	$(GO) test -count=1 -race -run 'Clone' ./detector
	$(GO) test -count=1 -race -run 'FileEveryFrame|Stride|Live|Interrupt|Sink|Reconnect|Images' ./pipeline

# Everything builds without cgo (the packages that use OpenCV through gocv, cvimage, cvdetect,
# pipeline and cmd/detect, carry `//go:build cgo` with a !cgo stub), and cross-compiles for arm64.
nocgo:
	CGO_ENABLED=0 $(GO) build ./...
	CGO_ENABLED=0 GOARCH=arm64 $(GO) build ./...

arm64:
	GOARCH=arm64 $(GO) test -count=1 -exec qemu-aarch64-static $(ARM64_PKGS)

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 10s ./safetensors
	$(GO) test -run '^$$' -fuzz FuzzOpen -fuzztime 10s ./modelfile

# 1000 frames through the OpenCV adapter and through the pipeline leave no gocv.Mat open
# (gocv counts open Mats only when built with -tags matprofile).
matprofile:
	$(GO) test -count=1 -tags matprofile -run MatProfile ./cvdetect ./pipeline

# Not in make test: loops the bundled clip through the pipeline for SOAK (default 10m), printing
# resident memory and open Mats every minute. make soak SOAK=30m
SOAK ?= 10m
soak:
	$(GO) test -count=1 -v -timeout 0 -tags 'soak matprofile' -run Soak ./pipeline -args -soak.duration $(SOAK)

# Long parity cases (all widths, both resolutions, more images).
test-long:
	SHUFFLEDET_LONG=1 $(GO) test -count=1 -timeout 60m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

build:
	$(GO) build -o bin/ ./cmd/...

# The main job: detect on the bundled clip (out/demo/person.detect.mp4) and the test images
# (out/demo/*.detect.jpg), JSON lines in out/demo/detections.jsonl. Until a trained model exists
# (training issue), a random-weight 0.5x detector stands in: the pipeline runs end to end, the
# detections mean nothing. make demo DEMO_MODEL=models/NAME.bin runs another model.
DEMO_MODEL ?= out/demo-random-0.5x-300.bin
demo: build $(DEMO_MODEL)
	mkdir -p out/demo
	bin/detect info -model $(DEMO_MODEL)
	bin/detect -model $(DEMO_MODEL) -score 0.5 -json out/demo/detections.jsonl -out out/demo/ testdata/video/person.mp4 testdata/images

out/demo-random-0.5x-300.bin:
	mkdir -p out
	/usr/bin/python3 train/export.py --out $@ --random --seed 0 --config configs/presets/shufflenet-g3-0.5x-300.yaml
