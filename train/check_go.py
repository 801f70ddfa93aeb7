"""Check that the Go engine and torchvision give the same detections for a .bin on the same images.

  /usr/bin/python3 train/check_go.py --model models/m.bin [--detect bin/detect] [--score 0.05] IMAGE...

Runs train/reference.py (torchvision) and `detect -json -` on each image, pairs the detections in
order (same class) and prints the largest box and score differences. Use PNG (or other lossless)
images for a like-for-like check when detect is built without cgo (Go's JPEG decoder differs from
PIL's); with cgo, detect decodes JPEGs with libjpeg-turbo as PIL does. Exits 1 when the counts or
classes differ, or a box differs by more than --box-tol pixels or a score by more than --score-tol.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_lines(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("%s failed: %s" % (cmd[0], p.stderr.strip()[-2000:]))
    return [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--detect", default=os.path.join(os.path.dirname(HERE), "bin", "detect"))
    p.add_argument("--score", type=float, default=0.05)
    p.add_argument("--box-tol", type=float, default=0.01)
    p.add_argument("--score-tol", type=float, default=1e-4)
    p.add_argument("images", nargs="+")
    a = p.parse_args(argv)
    ref = run_lines(["/usr/bin/python3", os.path.join(HERE, "reference.py"), "--model", a.model,
                     "--score-thresh", str(a.score)] + a.images)
    got = run_lines([a.detect, "-model", a.model, "-score", str(a.score), "-json", "-"] + a.images)
    if len(ref) != len(a.images) or len(got) != len(a.images):
        raise SystemExit("expected one line per image: torchvision %d, Go %d" % (len(ref), len(got)))
    worst_box = worst_score = 0.0
    total, ok = 0, True
    for r, g, path in zip(ref, got, a.images):
        rd, gd = r["detections"], g["detections"]
        if len(rd) != len(gd) or any(x["category_id"] != y["category_id"] for x, y in zip(rd, gd)):
            print("%s: torchvision %d detections, Go %d (or classes differ)" % (path, len(rd), len(gd)))
            ok = False
            continue
        for x, y in zip(rd, gd):
            for u, v in zip(x["bbox"], y["bbox"]):
                worst_box = worse(worst_box, abs(u - v))
            worst_score = worse(worst_score, abs(x["score"] - y["score"]))
        total += len(rd)
    print("%d images, %d detections in the same order and classes; largest box difference %.2g px, "
          "score difference %.2g" % (len(a.images), total, worst_box, worst_score))
    if not ok or not (worst_box <= a.box_tol) or not (worst_score <= a.score_tol):
        sys.exit(1)


def worse(worst, d):
    """The larger of two differences, a NaN the largest (Python's max keeps its first argument
    against a NaN, so a NaN box or score would pass the tolerance check)."""
    return d if not (d <= worst) else worst


if __name__ == "__main__":
    main()
