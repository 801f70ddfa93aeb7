#!/usr/bin/env python3
"""Time pycocotools' COCOeval on the Go benchmark's synthetic minival problem.

    mkdir -p /tmp/cocobench
    COCO_BENCH_DIR=/tmp/cocobench go test -run '^$' -bench EvaluateMinival -benchtime 1x ./coco
    python3 coco/testdata/bench_pycocotools.py /tmp/cocobench
    go test -run '^$' -bench EvaluateMinival -cpu 1 ./coco

It reads gt.json and dt.json (written by BenchmarkEvaluateMinival with the
benchmark's fixed seed), times evaluate + accumulate + summarize exactly as
BenchmarkEvaluateMinival does (loading excluded), and prints the 12 numbers
at full precision so they can be compared with the Go evaluator's.
Needs pycocotools (pip install pycocotools).
"""
import contextlib
import io
import json
import sys
import time

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "/tmp/cocobench"
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(f"{d}/gt.json")
        dt = gt.loadRes(f"{d}/dt.json")
    runs = []
    for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 1):
        E = COCOeval(gt, dt, "bbox")
        out = io.StringIO()
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(out):
            E.evaluate()
            E.accumulate()
            E.summarize()
        runs.append(time.perf_counter() - t0)
    print("".join(l + "\n" for l in out.getvalue().splitlines() if l.startswith(" Average")), end="")
    res = {"seconds": min(runs), "runs": runs, "stats": [float(s) for s in E.stats]}
    try:
        with open(f"{d}/go_stats.json") as f:
            go = json.load(f)["stats"]
        res["max_abs_diff_vs_go"] = max(abs(a - b) for a, b in zip(res["stats"], go))
    except OSError:
        pass
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
