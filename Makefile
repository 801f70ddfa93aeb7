# shuffledet: `make test` is the one test command (see README).
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go

# Packages that run goroutines get the race detector (for the detector: its concurrency tests,
# Clones sharing one model).
RACE_PKGS := ./coco/... ./cmd/cocoeval/... ./roihead/...
# The compute packages, also tested as arm64 binaries under qemu.
ARM64_PKGS := ./nn/... ./backbone/... ./safetensors/... ./boxes/... ./anchors/... ./nms/... ./rpn/... ./roihead/...

.PHONY: test test-long vet unit train noasm race nocgo arm64 fuzz bench bench-go build demo

test: vet unit train noasm race nocgo arm64 fuzz

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

# Everything builds without cgo (OpenCV code will carry `//go:build cgo` with a !cgo stub), and
# cross-compiles for arm64.
nocgo:
	CGO_ENABLED=0 $(GO) build ./...
	CGO_ENABLED=0 GOARCH=arm64 $(GO) build ./...

arm64:
	GOARCH=arm64 $(GO) test -count=1 -exec qemu-aarch64-static $(ARM64_PKGS)

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 10s ./safetensors
	$(GO) test -run '^$$' -fuzz FuzzOpen -fuzztime 10s ./modelfile

# Long parity cases (all widths, both resolutions, more images).
test-long:
	SHUFFLEDET_LONG=1 $(GO) test -count=1 -timeout 60m ./...

# Side by side on the same weights: ours vs ONNX Runtime, OpenCV DNN, PyTorch / torchvision (and
# ncnn's benchncnn where built), the machine's peak, and llvm-mca on the arm64 kernels; about 8
# minutes on 2 cores. Results in out/bench/ (table.md, results.json, mca.txt).
bench:
	bench/peers.sh

# The Go benchmarks (kernels, detector, evaluator).
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...

build:
	$(GO) build -o bin/ ./cmd/...

# The main job. Until a trained model exists (training issue), a random-weight 0.5x detector
# stands in: the pipeline runs end to end, the detections mean nothing.
DEMO_MODEL := out/demo-random-0.5x-300.bin
demo: build
	mkdir -p out
	/usr/bin/python3 train/export.py --out $(DEMO_MODEL) --random --seed 0 --config configs/presets/shufflenet-g3-0.5x-300.yaml
	bin/detect info -model $(DEMO_MODEL)
	bin/detect -model $(DEMO_MODEL) -score 0.5 -json - testdata/images/*.jpg
