#!/usr/bin/env bash
# make bench: builds what the side-by-side run needs, then runs it (bench/peers.py) and the
# static ARM estimate (bench/mca.py). Output in out/bench/ (table.md, results.json, mca.txt).
# Takes 2.5-3 minutes on 2 idle cores; the first run also exports the models (about a minute).
#   bench/peers.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
out=out/bench
mkdir -p "$out"
# bin/detect and bin/detect-nocgo as the Makefile builds them (stamped with the commit where git works).
make --no-print-directory build bin/detect-nocgo
gcc -O2 -pthread -o "$out/peak" bench/peak.c
gcc -O3 -ffast-math -pthread -o "$out/xcore" bench/xcore.c
if [ ! -f bench/node_modules/onnxruntime-node/package.json ]; then
  # The CPU build; its install script only fetches GPU parts (unreachable), hence --ignore-scripts.
  # Without npm or the network, ONNX Runtime is left out and every other engine still measured
  # (peers.py says so, and the table under its header).
  if ! command -v npm >/dev/null; then
    echo "make bench: npm not found: ONNX Runtime is left out (scripts/setup installs nodejs and npm)" >&2
  elif ! (cd bench && npm ci --ignore-scripts --no-audit --no-fund); then
    rm -rf bench/node_modules  # whatever npm left: the next run installs afresh
    echo "make bench: npm ci could not install onnxruntime-node (no network?): ONNX Runtime is left out;" \
         "make bench again where the npm registry is reachable installs it" >&2
  fi
fi
# PyTorch, torchvision and OpenCV DNN run inside peers.py: under tcmalloc where it is installed, as
# PyTorch's CPU tuning guide advises (glibc maps and zero-fills torchvision's large tensors afresh
# each frame: its detector ran 2.3-3.6x slower so). peers.py runs every other engine without it.
tcmalloc=$(ls /usr/lib/*/libtcmalloc_minimal.so.4 2>/dev/null | head -n 1 || true)
# OpenBLAS (PyTorch's BLAS here) picks the kernels of this CPU itself, as on a user's machine: an
# OPENBLAS_CORETYPE from the environment (this project's machines set Haswell) made PyTorch's
# classifiers 15-25% slower than with the AVX-512 kernels it picks on its own.
unset OPENBLAS_CORETYPE
LD_PRELOAD="$tcmalloc" /usr/bin/python3 bench/peers.py --out "$out" --detect bin/detect --detect-nocgo bin/detect-nocgo --peak "$out/peak" --xcore "$out/xcore" "$@"
echo
python3 bench/mca.py | tee "$out/mca.txt"
