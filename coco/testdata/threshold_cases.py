#!/usr/bin/env python3
"""pycocotools' 12 numbers for the cases of coco/threshold_cases_test.go.

    git clone https://github.com/cocodataset/cocoapi /tmp/cocoapi
    /usr/bin/python3 coco/testdata/threshold_cases.py /tmp/cocoapi

pycocotools cannot be pip-installed here (no PyPI; Debian has no package), so this runs the
cocoapi repository's own coco.py and cocoeval.py unchanged except numpy 1.24's removed
np.float alias, with maskApi.c's bbIou (the only C that bbox evaluation calls) transcribed to
Python: Python floats are IEEE doubles rounded after every operation, as the C code's are on
x86-64. The same setup reproduces ../shared/data/cocoeval-boundary/expected.json exactly.
Prints the Go table pinned by TestEveryThresholdByHand and TestIssueExample.
"""
import contextlib
import io
import json
import os
import sys
import tempfile
import types

import numpy as np


def bb_iou(d, g, iscrowd):
    """maskApi.c bbIou, line for line: o[d][g] = area(d & g) / union (crowd: area(d))."""
    if len(d) == 0 or len(g) == 0:
        return []
    o = np.zeros((len(d), len(g)))
    for gi, G in enumerate(g):
        G = [float(v) for v in G]
        ga = G[2] * G[3]
        for di, D in enumerate(d):
            D = [float(v) for v in D]
            da = D[2] * D[3]
            w = min(D[2] + D[0], G[2] + G[0]) - max(D[0], G[0])
            if w <= 0:
                continue
            h = min(D[3] + D[1], G[3] + G[1]) - max(D[1], G[1])
            if h <= 0:
                continue
            i = w * h
            u = da if iscrowd[gi] else da + ga - i
            o[di, gi] = i / u
    return o


def load_pycocotools(cocoapi):
    src = os.path.join(cocoapi, "PythonAPI", "pycocotools")
    pkg = types.ModuleType("pycocotools")
    pkg.__path__ = []
    sys.modules["pycocotools"] = pkg
    mask = types.ModuleType("pycocotools.mask")
    mask.iou = bb_iou
    sys.modules["pycocotools.mask"] = mask
    pkg.mask = mask
    for name in ("matplotlib", "matplotlib.pyplot", "matplotlib.collections", "matplotlib.patches"):
        m = types.ModuleType(name)
        m.PatchCollection = m.Polygon = None
        sys.modules[name] = m
    mods = {}
    for name in ("coco", "cocoeval"):
        code = open(os.path.join(src, name + ".py")).read().replace("dtype=np.float)", "dtype=float)")
        m = types.ModuleType("pycocotools." + name)
        m.__package__ = "pycocotools"
        exec(compile(code, name + ".py", "exec"), m.__dict__)
        sys.modules["pycocotools." + name] = m
        mods[name] = m
    return mods["coco"].COCO, mods["cocoeval"].COCOeval


def evaluate(COCO, COCOeval, gts, dts, tmp, pairs=False):
    """One image; one category (id 1) with scores 0.9, 0.8, ... in order, or, with pairs, ground
    truth and detection i alone in category i+1 with score 0.9."""
    cat = (lambda i: i + 1) if pairs else (lambda i: 1)
    score = (lambda i: 0.9) if pairs else (lambda i: 0.9 - 0.1 * i)
    cats = sorted({cat(i) for i in range(max(len(gts), len(dts)))})
    gt = {"images": [{"id": 1, "width": 2000, "height": 2000}], "categories": [{"id": c, "name": "c%d" % c} for c in cats],
          "annotations": [{"id": i + 1, "image_id": 1, "category_id": cat(i), "bbox": b, "area": b[2] * b[3], "iscrowd": 0}
                          for i, b in enumerate(gts)]}
    dt = [{"image_id": 1, "category_id": cat(i), "bbox": b, "score": score(i)} for i, b in enumerate(dts)]
    gp, dp = os.path.join(tmp, "gt.json"), os.path.join(tmp, "dt.json")
    json.dump(gt, open(gp, "w"))
    json.dump(dt, open(dp, "w"))
    with contextlib.redirect_stdout(io.StringIO()):
        g = COCO(gp)
        e = COCOeval(g, g.loadRes(dp), "bbox")
        e.evaluate()
        e.accumulate()
        e.summarize()
    return [float(x) for x in e.stats]


# Pairs whose IoU lands on a threshold (0.8999999999999999, 0.65, 0.6000000000000001 against
# 0.9, 0.65, 0.6) only when the union's product is rounded before it is added; fused into one
# multiply-add, each falls one threshold short. Found by a search over two-decimal boxes whose
# exact IoU is a threshold: TestFMACases.
FMA_CASES = {
    "fma": (
        [[665.0, 853.82, 230.3, 679.62], [829.56, 495.46, 220.2, 722.68], [167.55, 460.0, 101.5, 780.24]],
        [[665.0, 853.82, 207.27, 679.62], [829.56, 495.46, 143.13, 722.68], [167.55, 460.0, 60.9, 780.24]],
    ),
}


def go(v):
    return "-1" if v == -1 else "0" if v == 0 else "1" if v == 1 else v.hex()


def main():
    COCO, COCOeval = load_pycocotools(sys.argv[1])
    cases = []
    for k in range(10):
        cases.append(("exact%d" % k, [[0, 0, 20, 10]], [[0, 0, 10 + k, 10]]))
        cases.append(("below%d" % k, [[0, 0, 200, 10]], [[0, 0, 99 + 10 * k, 10]]))
    cases.append(("issue", [[0, 0, 20, 10], [50, 50, 10, 20]], [[0, 0, 17, 10], [50, 50, 10, 18]]))
    with tempfile.TemporaryDirectory() as tmp:
        for name, gts, dts in cases:
            s = evaluate(COCO, COCOeval, gts, dts, tmp)
            print('\t"%s": {%s},' % (name, ", ".join(go(v) for v in s)))
        for name, (gts, dts) in FMA_CASES.items():
            s = evaluate(COCO, COCOeval, gts, dts, tmp, pairs=True)
            print('\t"%s": {%s},' % (name, ", ".join(go(v) for v in s)))


if __name__ == "__main__":
    main()
