"""Reference data for results that carry a compressed-RLE segmentation and no bbox, which
pycocotools' loadRes evaluates as bbox results: the box from maskUtils.toBbox, the area (for the
area ranges) from maskUtils.area, also where the result has a bbox of its own.

Writes rle_cases.json: {"rles": [{"size", "counts", "bbox", "area"}, ...], "gt": {...},
"results": [...], "stats": [12 numbers]}. Run with the Debian interpreter and a pycocotools
built from cocodataset/cocoapi (its PythonAPI folder on PYTHONPATH), matplotlib stubbed:

    PYTHONPATH=/tmp/cocoapi/PythonAPI /usr/bin/python3 coco/testdata/rle_cases.py coco/testdata/rle_cases.json
"""
import json
import sys
import types

import numpy as np

if not hasattr(np, "float"):  # cocoapi's accumulate uses the alias numpy 1.24 removed
    np.float = float
for name in ("matplotlib", "matplotlib.pyplot", "matplotlib.collections", "matplotlib.patches"):
    m = types.ModuleType(name)
    m.use = lambda *a, **k: None
    m.Polygon = m.PatchCollection = object
    sys.modules[name] = m
from pycocotools import mask as maskUtils  # noqa: E402
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402


def rle_of(mask):
    r = maskUtils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(v) for v in r["size"]], "counts": r["counts"].decode("ascii")}


def main(out):
    rng = np.random.default_rng(7)
    rles = []
    shapes = [(1, 1), (1, 9), (9, 1), (5, 7), (40, 30), (64, 64), (3, 200)]
    for k in range(300):
        h, w = shapes[k % len(shapes)]
        kind = k % 5
        if kind == 0:
            mask = np.zeros((h, w), bool)  # empty
        elif kind == 1:
            mask = np.ones((h, w), bool)  # full
        elif kind == 2:
            mask = rng.random((h, w)) < rng.random()  # noise, many runs
        else:  # a rectangle, or two apart (runs that span columns)
            mask = np.zeros((h, w), bool)
            for _ in range(kind - 2):
                y0, x0 = rng.integers(0, h), rng.integers(0, w)
                mask[y0:rng.integers(y0, h) + 1, x0:rng.integers(x0, w) + 1] = True
        r = rle_of(mask)
        rles.append(dict(r, bbox=[float(v) for v in maskUtils.toBbox(r)], area=int(maskUtils.area(r))))

    # An evaluation: 6 images of 300x240, 2 categories; detections as masks (no bbox), some with
    # a bbox of their own (kept as the box; the area stays the mask's).
    W, H = 300, 240
    images = [{"id": i + 1, "width": W, "height": H, "file_name": "%d.jpg" % (i + 1)} for i in range(6)]
    anns, results = [], []
    for im in images:
        for _ in range(rng.integers(1, 5)):
            x, y = int(rng.integers(0, W - 10)), int(rng.integers(0, H - 10))
            w, h = int(rng.integers(4, W - x)), int(rng.integers(4, H - y))
            anns.append({"id": len(anns) + 1, "image_id": im["id"], "category_id": int(rng.integers(1, 3)),
                         "bbox": [x, y, w, h], "area": float(w * h * rng.uniform(0.5, 1.0)), "iscrowd": 0})
    for a in anns:
        for _ in range(2):
            x, y, w, h = a["bbox"]
            mask = np.zeros((H, W), bool)
            dx, dy = int(rng.integers(-6, 7)), int(rng.integers(-6, 7))
            mask[max(0, y + dy):max(0, y + dy + h), max(0, x + dx):max(0, x + dx + w)] = True
            hy, hx = int(rng.integers(0, H)), int(rng.integers(0, W))
            mask[hy:hy + int(rng.integers(1, 60)), hx:hx + int(rng.integers(1, 60))] = False  # a hole: the area is below the box's
            res = {"image_id": a["image_id"], "category_id": a["category_id"] if rng.random() < 0.8 else 3 - a["category_id"],
                   "segmentation": rle_of(mask), "score": round(float(rng.random()), 2)}
            if rng.random() < 0.25:
                res["bbox"] = [float(x + dx), float(y + dy), float(w), float(h)]
            results.append(res)
    # False positives whose box and mask fall on either side of 32^2 or 96^2: an unmatched
    # detection outside an area range is ignored there, so the area compared (the mask's, not
    # w*h) moves the numbers.
    for im in images:
        for _ in range(4):
            side = int(rng.choice([33, 34, 35, 97, 98, 99]))
            x, y = int(rng.integers(0, W - side)), int(rng.integers(0, H - side))
            mask = np.zeros((H, W), bool)
            mask[y:y + side, x:x + side] = True
            k = int(rng.integers(4, 12))
            mask[y + 3:y + side - 3, x + 3:x + 3 + k] = False  # a slot inside: the box stays, the area may cross
            results.append({"image_id": im["id"], "category_id": int(rng.integers(1, 3)), "segmentation": rle_of(mask),
                            "score": round(float(rng.random()), 2)})
    results[0].pop("bbox", None)  # the first decides: a mask and no bbox, so masks for all
    gt = {"images": images, "annotations": anns, "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]}
    coco = COCO()
    coco.dataset = json.loads(json.dumps(gt))
    coco.createIndex()
    dt = coco.loadRes(json.loads(json.dumps(results)))
    ev = COCOeval(coco, dt, "bbox")
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    with open(out, "w") as f:
        json.dump({"rles": rles, "gt": gt, "results": results, "stats": [float(v) for v in ev.stats]}, f)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
