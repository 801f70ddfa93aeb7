#!/usr/bin/env python3
"""Per-category numbers of pycocotools on the shared evaluation cases, for TestPerCategoryMatchesPycocotools.

    git clone https://github.com/cocodataset/cocoapi /tmp/cocoapi   # 8c9bcc3 made percategory.json (else --commit)
    (cd /tmp/cocoapi/PythonAPI && sed -i 's/-Wno-cpp/-Wno-unused-function/' setup.py \\
        && /usr/bin/python3 setup.py build_ext --inplace)                 # Debian: cython3 python3-dev python3-numpy python3-setuptools
    /usr/bin/python3 coco/testdata/percategory.py --pycocotools /tmp/cocoapi/PythonAPI

Evaluates every case of ../shared/data's cocoeval-golden, cocoeval-cases (16) and
cocoeval-boundary (8) as the Go tests do (bbox, every image and category of the ground truth),
first requiring pycocotools' 12 summary numbers to equal the case's expected.json bit for bit,
and writes coco/testdata/percategory.json: for each category, what `cocoeval` prints for it
(coco.CategoryResult): id, name, num_gt (ground truths not ignored at area "all", accumulate's
npig), num_dt (detections evaluateImg keeps at area "all", at most maxDets[-1] per image) and
the 12 numbers, each summarize's line restricted to that category the standard way, e.g. AP =
np.mean(s[s > -1]) of s = eval['precision'][:, :, k, area all, maxDets 100], -1 when none.
Floats are written by json (float.__repr__: the shortest digits that read back to the same
float64), so the Go test compares them with ==. numpy's version is recorded: np.mean's
summation order is what the Go side copies.
"""
import argparse
import json
import os
import sys

import numpy as np

from differential import evaluated, load_pycocotools

HERE = os.path.dirname(os.path.abspath(__file__))
SETS = [("cocoeval-golden", 1), ("cocoeval-cases", 16), ("cocoeval-boundary", 8)]
# summarize's 12 lines: (AP, IoU threshold or None for all, area range, maxDets), as coco.StatNames
LINES = [(True, None, "all", 100), (True, .5, "all", 100), (True, .75, "all", 100),
         (True, None, "small", 100), (True, None, "medium", 100), (True, None, "large", 100),
         (False, None, "all", 1), (False, None, "all", 10), (False, None, "all", 100),
         (False, None, "small", 100), (False, None, "medium", 100), (False, None, "large", 100)]


def category_stat(E, k, ap, iou, area, max_det):
    """summarize's _summarize for category index k alone."""
    p = E.params
    a, m = p.areaRngLbl.index(area), p.maxDets.index(max_det)
    s = E.eval["precision"][:, :, k, a, m] if ap else E.eval["recall"][:, k, a, m]
    if iou is not None:
        s = s[np.where(iou == p.iouThrs)[0]]
    s = s[s > -1]
    return float(np.mean(s)) if len(s) else -1.0


def evaluate(COCO, COCOeval, gt_path, dt_path, want):
    E = evaluated(COCO, COCOeval, gt_path, dt_path)
    stats = [float(x) for x in E.stats]
    if [x.hex() for x in stats] != [float(x).hex() for x in want]:
        sys.exit("%s: pycocotools' 12 numbers %r are not expected.json's %r: not the pycocotools that made them"
                 % (gt_path, stats, want))
    p = E.params
    I, A = len(p.imgIds), len(p.areaRng)
    cats = []
    for k, cid in enumerate(p.catIds):
        # evalImgs is [k][a][i] over catIds, areaRng, imgIds; area "all" is a = 0
        evs = [e for e in E.evalImgs[k * A * I:k * A * I + I] if e is not None]
        cats.append({
            "id": int(cid),
            "name": E.cocoGt.cats[cid]["name"],
            "num_gt": int(sum(np.count_nonzero(np.asarray(e["gtIgnore"]) == 0) for e in evs)),
            "num_dt": int(sum(len(e["dtIds"]) for e in evs)),
            "stats": [category_stat(E, k, *line) for line in LINES],
        })
    return cats


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pycocotools", required=True, help="cocoapi's PythonAPI folder, with _mask built")
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "data"))
    ap.add_argument("--out", default=os.path.join(HERE, "percategory.json"))
    ap.add_argument("--commit", default="8c9bcc3", help="the cocoapi commit built, recorded in the output")
    a = ap.parse_args()
    COCO, COCOeval = load_pycocotools(a.pycocotools)
    cases = []
    for name, n in SETS:
        d = os.path.join(a.data, name)
        with open(os.path.join(d, "expected.json")) as f:
            exp = json.load(f)
        exp = exp if isinstance(exp, list) else [exp]
        if len(exp) != n:
            sys.exit("%s: %d cases, want %d" % (d, len(exp), n))
        for c in exp:
            cats = evaluate(COCO, COCOeval, os.path.join(d, c["gt"]), os.path.join(d, c["dt"]), c["stats"])
            cases.append({"set": name, "gt": c["gt"], "dt": c["dt"], "categories": cats})
            print("%s/%s: %d categories" % (name, c["gt"], len(cats)), file=sys.stderr)
    # one category a line: small diffs when a case changes
    lines = ['{"made_by": "coco/testdata/percategory.py", "pycocotools": %s, "numpy": %s,'
             % (json.dumps("cocodataset/cocoapi " + a.commit), json.dumps(np.__version__)),
             ' "cases": [']
    for i, c in enumerate(cases):
        lines.append('  {"set": %s, "gt": %s, "dt": %s, "categories": ['
                     % (json.dumps(c["set"]), json.dumps(c["gt"]), json.dumps(c["dt"])))
        lines += ["   %s%s" % (json.dumps(x, allow_nan=False), "," if j < len(c["categories"]) - 1 else "")
                  for j, x in enumerate(c["categories"])]
        lines.append("  ]}%s" % ("," if i < len(cases) - 1 else ""))
    lines.append("]}")
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %s: %d cases, %d categories" % (a.out, len(cases), sum(len(c["categories"]) for c in cases)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
