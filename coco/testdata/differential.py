#!/usr/bin/env python3
"""Differential test: bin/cocoeval against the real pycocotools on random ground truths and detections.

    git clone https://github.com/cocodataset/cocoapi /tmp/cocoapi
    (cd /tmp/cocoapi/PythonAPI && /usr/bin/python3 setup.py build_ext)   # leaves _mask in build/lib.*
    make bin/cocoeval
    /usr/bin/python3 coco/testdata/differential.py --pycocotools /tmp/cocoapi/PythonAPI [--cases 1000] [--seed 1]
    /usr/bin/python3 coco/testdata/differential.py --pycocotools /tmp/cocoapi/PythonAPI --first 417 --cases 1
    /usr/bin/python3 coco/testdata/differential.py --pycocotools /tmp/cocoapi/PythonAPI --wide [--seed 9]

Case K of seed S is generated from (S, K) alone, so the second line reruns one failing case. Each
case is 1-8 images and 1-4 categories of integer and half-integer boxes, built so that IoUs land
exactly on the 0.50..0.95 thresholds and areas on 32^2 and 96^2, with crowd regions, area fields
that are not the box's area, tied scores, over 100 detections in an image, zero-size boxes, and
sometimes -limit and -categories. Only inputs both sides accept: no iscrowd outside 0..255, no
caption key, no NaN (bin/cocoeval refuses those on purpose), never an empty detection list
(pycocotools' loadRes cannot load one). The 12 stats must agree bit for bit; a mismatching case's
gt.json, dt.json and case.json (flags and both stat lists) are kept under --keep.
--wide goes on to change some cases with the same random numbers (so a case is still rerun by its
number, with --wide again) into inputs that generate never makes: boxes with any decimals, iscrowd
of 2, 255, 0.5, -0.5, 254.9, true, false, scores below 0, above 1, huge, subnormal and -0.0, negative
widths and heights, extra keys on detections, float ids on detections, repeated annotation ids,
areas outside every range, 5 to 25 more categories (means over more than 8192 precisions), and
results read from compressed-RLE masks (pycocotools' mask.frPyObjects of the box, most without
a bbox).
Exit status 1 if any case mismatched.
"""
import argparse
import contextlib
import glob
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGE_IDS = [0, 1, 2, 3, 5, 8, 42, 100, 999999, 12345678901]
CATEGORY_IDS = [0, 1, 2, 7, 45, 90, 1000]
# box sizes with areas on or half a pixel off the small/medium (32^2) and medium/large (96^2) edges
SHAPES = [(32, 32), (16, 64), (64, 16), (31.5, 32), (32, 32.5), (96, 96), (48, 192), (95.5, 96), (96, 96.5),
          (0, 10), (10, 0), (0, 0)]
# area fields that differ from the box's area: the range edges, next to them, and 0
AREAS = [1024, 9216, 1023.5, 1024.5, 9215.5, 9216.5, 0, 1e10, 1e10 + 1]


def load_pycocotools(api):
    """COCO and COCOeval from a cocoapi PythonAPI folder: the package sources, plus the compiled
    _mask that setup.py build_ext leaves under build/lib.*; no install needed."""
    src, libs = os.path.join(api, "pycocotools"), glob.glob(os.path.join(api, "build", "lib.*", "pycocotools"))
    if not os.path.isfile(os.path.join(src, "cocoeval.py")) or not any(
            glob.glob(os.path.join(d, "_mask*.so")) for d in [src] + libs):
        sys.exit("%s: want pycocotools/ and a compiled _mask (run setup.py build_ext there)" % api)
    try:
        import matplotlib  # noqa: F401
    except ImportError:  # coco.py imports it for showAnns only
        for name in ("matplotlib", "matplotlib.pyplot", "matplotlib.collections", "matplotlib.patches"):
            sys.modules[name] = types.ModuleType(name)
        sys.modules["matplotlib.collections"].PatchCollection = None
        sys.modules["matplotlib.patches"].Polygon = None
    import numpy as np
    if "float" not in np.__dict__:  # numpy >= 1.24 dropped the alias that cocoeval.py's accumulate uses
        np.float = float
    pkg = types.ModuleType("pycocotools")  # sources first; _mask*.so is found in build/lib.*
    pkg.__path__ = [src] + libs
    sys.modules["pycocotools"] = pkg
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    return COCO, COCOeval


def half(rng, hi):
    """0 to hi in halves: IoUs and areas of such boxes are ratios of small exact numbers."""
    return rng.randint(0, 2 * hi) / 2


def box(rng):
    r = rng.random()
    if r < 0.2:
        w, h = rng.choice(SHAPES)
    elif r < 0.25:  # 1e5 x 1e5 is the top of every area range, 1e10, exactly
        w, h = rng.choice([1e5, 100.0, 0.5]), rng.choice([1e5, 100.0])
    else:
        w, h = rng.randint(1, 160) / 2, rng.randint(1, 160) / 2
    return [half(rng, 200), half(rng, 150), float(w), float(h)]


def near(rng, g):
    """A detection of ground truth box g: the same box, one whose IoU with g is exactly
    1 - j/20 (every threshold, and 0.45), or g jittered by halves."""
    r = rng.random()
    if r < 0.15:
        return list(g)
    if r < 0.65:
        axis = rng.randint(0, 1)
        n, d = g[2 + axis], list(g)
        if rng.random() < 0.5:
            # shifted by s along the axis: IoU (n-s)/(n+s), 1 - j/20 for s = n*j/(40-j)
            js = [j for j in range(12) if (2 * n * j) % (40 - j) == 0]
            if js:
                j = rng.choice(js)
                d[axis] += n * j / (40 - j)
                return d
        else:
            # cut to n*(20-j)/20 inside g: IoU 1 - j/20 (and 1 against a crowd g)
            js = [j for j in range(12) if (2 * n * (20 - j)) % 20 == 0]
            if js:
                d[2 + axis] = n * (20 - rng.choice(js)) / 20
                return d
    x, y, w, h = g
    jit = lambda: rng.choice([0, 0, 0.5, -0.5, 1, -1, 4])  # noqa: E731
    return [x + jit(), y + jit(), max(0.0, w + jit()), max(0.0, h + jit())]


def generate(rng):
    """One case: (ground truth, detections, -limit or None, -categories or None)."""
    num = lambda v: int(v) if v == int(v) and rng.random() < 0.5 else v  # noqa: E731  1 and 1.0 alike
    img_ids = rng.sample(IMAGE_IDS, rng.randint(1, 8))
    cat_ids = rng.sample(CATEGORY_IDS, rng.randint(1, 4))
    images = [{"id": i, "file_name": "%d.jpg" % i, "width": 640, "height": 480} for i in img_ids]
    if rng.random() < 0.05:  # an image listed twice: -limit counts distinct ids
        images.insert(rng.randint(0, len(images)), dict(rng.choice(images)))
    crowd_p, area_p = rng.choice([0, 0.1, 0.4]), rng.choice([0, 0.2, 0.6])
    scores = rng.choice([None, [0.5], [0.9, 0.5], [1.0, 0.7, 0.7, 0.3]])  # None: few ties
    no_gt = set(rng.sample(cat_ids, rng.randint(0, len(cat_ids) - 1)))  # categories without ground truth
    next_id = rng.choice([1, 1, 1, 0, 1000])  # a match to ground truth id 0 counts as none in pycocotools
    anns, dts = [], []
    for im in img_ids:
        has_gt, has_dt = rng.random() < 0.8, rng.random() < 0.8  # some images have neither
        for c in cat_ids:
            gts = [box(rng) for _ in range(rng.randint(0, 4) if has_gt and c not in no_gt else 0)]
            for b in gts:
                a = {"id": next_id, "image_id": im, "category_id": c, "bbox": [num(v) for v in b],
                     "area": num(rng.choice(AREAS) if rng.random() < area_p else b[2] * b[3]),
                     "iscrowd": int(rng.random() < crowd_p)}
                if rng.random() < 0.05:  # pycocotools' _prepare overwrites it with iscrowd
                    a["ignore"] = rng.randint(0, 1)
                anns.append(a)
                next_id += 1
            nd = rng.randint(95, 130) if rng.random() < 0.04 else rng.randint(0, 5)  # maxDets is 100
            for _ in range(nd if has_dt else 0):
                b = near(rng, rng.choice(gts)) if gts and rng.random() < 0.7 else box(rng)
                s = rng.choice(scores) if scores else round(rng.random(), 3)
                dts.append({"image_id": im, "category_id": c, "bbox": [num(v) for v in b], "score": s})
    if rng.random() < 0.1:  # a category not in the ground truth: never matches, does not count
        dts.append({"image_id": rng.choice(img_ids), "category_id": 999, "bbox": box(rng), "score": 0.5})
    if not dts:
        dts.append({"image_id": rng.choice(img_ids), "category_id": rng.choice(cat_ids), "bbox": box(rng), "score": 0.5})
    for xs in (anns, dts):
        if rng.random() < 0.3:
            rng.shuffle(xs)
    gt = {"images": images, "annotations": anns,
          "categories": [{"id": c, "name": "c%d" % c, "supercategory": "s"} for c in cat_ids]}
    limit = rng.randint(1, len(img_ids)) if rng.random() < 0.25 else None
    cats = rng.sample(cat_ids, rng.randint(1, len(cat_ids))) if rng.random() < 0.25 else None
    return gt, dts, limit, cats


def widen(rng, gt, dts, mask):
    """--wide: change gt and dts in place into inputs generate never makes (see the docstring);
    mask is pycocotools.mask."""
    import numpy as np
    anns = gt["annotations"]
    some = lambda xs, p: [x for x in xs if rng.random() < p]  # noqa: E731
    if rng.random() < 0.3:
        for x in some(anns + dts, 0.5):
            x["bbox"] = [round(v + rng.choice([0, 0.1, 0.2, 0.3, 0.01, 0.07, 1 / 3]), rng.choice([2, 3, 17]))
                         for v in x["bbox"]]
    if rng.random() < 0.2:
        for a in some(anns, 0.3):
            a["iscrowd"] = rng.choice([2, 255, 0.5, -0.5, 1.5, 1.0, 0.0, True, False, 254.9])
    if rng.random() < 0.2:
        for d in some(dts, 0.4):
            d["score"] = rng.choice([-1, 0, 1, 2, -0.5, 1e300, -1e300, 5e-324, 0.1 + 0.2, 0.3, 1e-17, -0.0])
    if rng.random() < 0.15:
        for x in some(anns + dts, 0.2):
            i = rng.randint(2, 3)
            x["bbox"] = x["bbox"][:i] + [-x["bbox"][i]] + x["bbox"][i + 1:]
    if rng.random() < 0.15:  # loadRes overwrites area, id and iscrowd; evaluate reads no ignore of a detection
        for d in some(dts, 0.3):
            d.update(rng.choice([{"iscrowd": 1}, {"area": 5}, {"id": 0}, {"ignore": 1}, {"segmentation": []}]))
    if rng.random() < 0.15:  # 1.0 is the key 1 in pycocotools' dicts
        for d in some(dts, 0.5):
            d["image_id"] = float(d["image_id"])
        for d in some(dts, 0.5):
            d["category_id"] = float(d["category_id"])
    if rng.random() < 0.15 and anns:  # pycocotools' loadAnns returns the last annotation of an id
        for a in some(anns, 0.3):
            a["id"] = rng.choice(anns)["id"]
    if rng.random() < 0.1:
        for a in some(anns, 0.3):
            a["area"] = rng.choice([-1, -1e10, 1e10 + 2, 1e300, 32.0 ** 2 - 1e-9, 96.0 ** 2 + 1e-9])
    if rng.random() < 0.15:
        extra = rng.sample(range(2000, 3000), rng.randint(5, 25))
        gt["categories"] += [{"id": c, "name": "x%d" % c, "supercategory": "s"} for c in extra]
        next_id = max([a["id"] for a in anns] + [0]) + 1
        shift = lambda b: [v + rng.choice([0, 0, 0.5, 1]) for v in b]  # noqa: E731
        anns0, dts0 = list(anns), list(dts)
        for c in extra:
            for a in some(anns0, 0.5):
                anns.append(dict(a, category_id=c, id=next_id, bbox=shift(a["bbox"])))
                next_id += 1
            for d in some(dts0, 0.5):
                dts.append(dict(d, category_id=c, bbox=shift(d["bbox"]),
                                score=rng.choice([d["score"], round(rng.random(), 3)])))
    if rng.random() < 0.15:  # loadRes reads masks where the first result has no bbox
        size = {im["id"]: (im["height"], im["width"]) for im in gt["images"]}
        for i, d in enumerate(dts):
            rle = mask.frPyObjects(np.array([[max(0.0, v) for v in d["bbox"]]], dtype=float), *size[d["image_id"]])[0]
            d["segmentation"] = {"size": rle["size"], "counts": rle["counts"].decode()}
            if i == 0 or rng.random() < 0.7:
                del d["bbox"]


def evaluated(COCO, COCOeval, gp, dp, gt=None, limit=None, cats=None):
    """pycocotools' bbox COCOeval of the files gp and dp, evaluated, accumulated and summarized,
    its printing dropped (gt: gp's contents, for limit)."""
    with contextlib.redirect_stdout(io.StringIO()):
        g = COCO(gp)
        e = COCOeval(g, g.loadRes(dp), "bbox")
        if limit:  # the first N distinct image ids in the file's order, as cocoeval -limit
            e.params.imgIds = list(dict.fromkeys(im["id"] for im in gt["images"]))[:limit]
        if cats:
            e.params.catIds = cats
        e.evaluate()
        e.accumulate()
        e.summarize()
    return e


def run_pycocotools(COCO, COCOeval, gt, gp, dp, limit, cats):
    return [float(x) for x in evaluated(COCO, COCOeval, gp, dp, gt, limit, cats).stats]


def go_command(cocoeval, gp, dp, limit, cats):
    cmd = [cocoeval, "-gt", gp, "-dt", dp, "-json"]
    if limit:
        cmd += ["-limit", str(limit)]
    if cats:
        cmd += ["-categories", ",".join(map(str, cats))]
    return cmd


def run_go(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("exit status %d: %s" % (p.returncode, p.stderr.strip()[-500:]))
    return [float(x) for x in json.loads(p.stdout)["stats"]]


def attempt(f, *args):
    """f's stats, or the error as a string: either side failing on a case is a mismatch too."""
    try:
        return f(*args)
    except Exception as err:  # noqa: BLE001
        return "%s: %s" % (type(err).__name__, err)


def write_case(d, gt, dts):
    os.makedirs(d, exist_ok=True)
    gp, dp = os.path.join(d, "gt.json"), os.path.join(d, "dt.json")
    with open(gp, "w") as f:
        json.dump(gt, f)
    with open(dp, "w") as f:
        json.dump(dts, f)
    return gp, dp


def same(a, b):
    """Bit for bit: float.hex tells -0.0 from 0.0 and any last-digit difference."""
    return isinstance(a, list) and isinstance(b, list) and [x.hex() for x in a] == [x.hex() for x in b]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pycocotools", required=True, help="cocoapi's PythonAPI folder, built with setup.py build_ext")
    ap.add_argument("--cocoeval", default=os.path.join(HERE, "..", "..", "bin", "cocoeval"))
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--first", type=int, default=0, help="number of the first case (rerun case K: --first K --cases 1)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--wide", action="store_true", help="also inputs generate never makes (see above)")
    ap.add_argument("--keep", help="folder for mismatching cases (default: a new temporary folder)")
    a = ap.parse_args()
    if not os.access(a.cocoeval, os.X_OK):
        sys.exit("%s: not found; build it with make bin/cocoeval" % a.cocoeval)
    COCO, COCOeval = load_pycocotools(a.pycocotools)
    from pycocotools import mask
    keep, equal, bad, t0 = a.keep, 0, 0, time.time()
    with tempfile.TemporaryDirectory(prefix="differential-") as work:
        for n, k in enumerate(range(a.first, a.first + a.cases), 1):
            rng = random.Random("%d/%d" % (a.seed, k))
            gt, dts, limit, cats = generate(rng)
            if a.wide:
                widen(rng, gt, dts, mask)
            gp, dp = write_case(work, gt, dts)
            py = attempt(run_pycocotools, COCO, COCOeval, gt, gp, dp, limit, cats)
            go = attempt(run_go, go_command(a.cocoeval, gp, dp, limit, cats))
            if same(py, go):
                equal += 1
            else:
                bad += 1
                keep = keep or tempfile.mkdtemp(prefix="differential-keep-")
                d = os.path.join(keep, "case-%d" % k)
                gp, dp = write_case(d, gt, dts)
                with open(os.path.join(d, "case.json"), "w") as f:
                    json.dump({"seed": a.seed, "case": k, "wide": a.wide, "limit": limit, "categories": cats, "pycocotools": py,
                               "go": go, "command": go_command(a.cocoeval, gp, dp, limit, cats)}, f, indent=1)
                print("case %d MISMATCH (kept in %s)\n  pycocotools %s\n  cocoeval    %s" % (k, d, py, go), flush=True)
            if n % 100 == 0:
                print("differential: %d/%d cases, %d mismatched, %.0f s" % (n, a.cases, bad, time.time() - t0),
                      file=sys.stderr, flush=True)
    print("differential: seed %d%s, case numbers %d..%d: cases %d, equal %d, mismatched %d%s, %.0f s"
          % (a.seed, " --wide" if a.wide else "", a.first, a.first + a.cases - 1, a.cases, equal, bad,
             " (kept in %s)" % keep if bad else "", time.time() - t0))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
