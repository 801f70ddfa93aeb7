"""Run the torchvision reference detector of a shuffledet .bin on images.

  /usr/bin/python3 train/reference.py --model det.bin [--res 300|600|N] [--score-thresh S] [--nms-thresh T] \
      [--dump out.safetensors]... IMAGE...

Prints one JSON line per image:
  {"source": path, "width": W, "height": H,
   "detections": [{"bbox": [x, y, w, h], "score": s, "category_id": c, "label": "..."}]}
(original pixels, COCO xywh, torchvision's order). Each image runs on its own (batch of 1).

--dump writes an image's intermediates (see README.md), captured with forward hooks on
torchvision's own modules: the first --dump the first image's, the second the second's, and so on.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from detector import load_bin, set_resolution  # noqa: E402
from export import read_source  # noqa: E402
from flags import number, whole  # noqa: E402
from images import read_or_exit  # noqa: E402
from safetensors_io import write_safetensors  # noqa: E402


def load_image(path):
    """The image as the Go engine reads it (images.open_as_go_reads: a JPEG's EXIF orientation
    applied and no other format's, a 16-bit grayscale PNG by its high bytes, as training reads it)
    -> float tensor [3, H, W] in 0..1; SystemExit naming the file where it cannot be read."""
    arr = np.asarray(read_or_exit(path), dtype=np.uint8).copy()
    return torch.from_numpy(arr).permute(2, 0, 1).float().div_(255.0)


class Capture:
    """Forward hooks on the detector's torchvision modules."""

    def __init__(self, model):
        self.d = {}
        self.handles = []
        m = model

        def on(mod, fn):
            self.handles.append(mod.register_forward_hook(lambda _m, _i, o: fn(o)))

        def transform(o):
            images, _ = o
            self.d["image"] = images.tensors
            h, w = images.image_sizes[0]
            self.d["image_size"] = torch.tensor([float(h), float(w)])

        def backbone(o):
            self.d["features"] = o["0"] if isinstance(o, dict) else o

        def rpn_head(o):
            logits, deltas = o
            self.d["rpn_objectness"] = logits[0]
            self.d["rpn_deltas"] = deltas[0]

        def anchors(o):
            self.d["anchors"] = o[0]

        def rpn(o):
            boxes, _ = o
            self.d["proposals"] = boxes[0]

        def box_head(o):
            self.d["box_features"] = o

        def predictor(o):
            self.d["class_logits"], self.d["box_regression"] = o

        on(m.transform, transform)
        on(m.backbone, backbone)
        on(m.rpn.head, rpn_head)
        on(m.rpn.anchor_generator, anchors)
        on(m.rpn, rpn)
        on(m.roi_heads.box_head, box_head)
        on(m.roi_heads.box_predictor, predictor)

    def remove(self):
        for h in self.handles:
            h.remove()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    # (the ranges of the Go engine's -res, -score and -nms, which check_go.py compares against: out
    # of them, --res was a ValueError traceback and a --score-thresh of 2 gave no detections silently)
    p.add_argument("--res", type=whole(32, 2458), help="override the file's shorter side (as the Go engine's -res: "
                   "32 to 2458, the longer side at most 5/3 of it)")
    p.add_argument("--score-thresh", type=number(0, 1, below=True), help="override roi.score_thresh")
    p.add_argument("--nms-thresh", type=number(0, 1), help="override roi.nms_thresh (torchvision's box_nms_thresh)")
    p.add_argument("--dump", action="append", default=[],
                   help="safetensors file of an image's intermediates: the k-th --dump is the k-th image's")
    p.add_argument("--threads", type=whole(1), default=2)
    p.add_argument("images", nargs="+")
    a = p.parse_args(argv)
    if len(a.dump) > len(a.images):
        p.error("%d --dump files for %d image%s (the k-th --dump is the k-th image's)"
                % (len(a.dump), len(a.images), "" if len(a.images) == 1 else "s"))
    torch.set_num_threads(a.threads)

    model = read_source("--model", a.model, load_bin)
    cfg = model.shuffledet_config
    if cfg.get("detector") is None:
        sys.exit("%s is not a detector file" % a.model)
    if a.res is not None:
        set_resolution(model, a.res)
    if a.score_thresh is not None:
        model.roi_heads.score_thresh = a.score_thresh
    if a.nms_thresh is not None:
        model.roi_heads.nms_thresh = a.nms_thresh
    classes = cfg["detector"]["classes"]

    for idx, path in enumerate(a.images):
        img = load_image(path)
        cap = Capture(model) if idx < len(a.dump) else None
        with torch.no_grad():
            out = model([img])[0]
        boxes, scores, labels = out["boxes"], out["scores"], out["labels"]
        dets = []
        for b, s, l in zip(boxes.tolist(), scores.tolist(), labels.tolist()):
            c = classes[l - 1]
            dets.append({"bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]], "score": s,
                         "category_id": c["id"], "label": c["name"]})
        print(json.dumps({"source": path, "width": int(img.shape[2]), "height": int(img.shape[1]),
                          "detections": dets}), flush=True)
        if cap is not None:
            cap.remove()
            d = cap.d
            d["boxes"] = boxes
            d["scores"] = scores
            d["labels"] = labels.float()
            write_safetensors(a.dump[idx], {k: v.float().contiguous() for k, v in d.items()},
                              {"format": "shuffledet-reference", "source": path,
                               "config": json.dumps(cfg),
                               "score_thresh": repr(float(model.roi_heads.score_thresh)),
                               "min_size": str(model.transform.min_size[0]),
                               "max_size": str(model.transform.max_size)})


if __name__ == "__main__":
    main()
