"""Run the ShuffleNet trunk (classifier or backbone) of a shuffledet .bin and dump features.

  /usr/bin/python3 train/features.py --model m.bin --out ref.safetensors --image path --size 224
  /usr/bin/python3 train/features.py --model m.bin --out ref.safetensors --random-input --seed 0 --size 224x320

Writes `input` [1,3,H,W] (exactly what was fed), `stage2`, `stage3`, `stage4` and, when the
file has a classifier (num_classes > 0), `logits` [1, num_classes]. A detector .bin works too
(its trunk: stage 4 is the box head's units, no logits).

--image: PIL, EXIF orientation, RGB; resize the shorter side to --size (bilinear, PIL), centre
crop size x size (left = (w - size) // 2, top = (h - size) // 2), /255, ImageNet mean/std.
--random-input: torch.manual_seed(seed); torch.randn(1, 3, H, W).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from detector import load_trunk  # noqa: E402
from safetensors_io import write_safetensors  # noqa: E402
from shufflenet import MEAN, STD  # noqa: E402  (our input convention, written once there)
from images import read_or_exit  # noqa: E402
from export import read_source  # noqa: E402
from flags import whole  # noqa: E402


def image_input(path, size):
    im = read_or_exit(path)
    w, h = im.size
    if w <= h:
        nw, nh = size, max(size, int(round(h * size / w)))
    else:
        nw, nh = max(size, int(round(w * size / h))), size
    im = im.resize((nw, nh), Image.BILINEAR)
    left, top = (nw - size) // 2, (nh - size) // 2
    im = im.crop((left, top, left + size, top + size))
    arr = np.asarray(im, dtype=np.uint8).copy()
    x = torch.from_numpy(arr).permute(2, 0, 1).float().div_(255.0)
    x = (x - torch.tensor(MEAN).view(3, 1, 1)) / torch.tensor(STD).view(3, 1, 1)
    return x.unsqueeze(0).contiguous()


def parse_size(s):
    """--size N or HxW as (h, w), each at least 32 (the trunk's stride: less failed inside torch's
    convolution); SystemExit naming the flag otherwise."""
    try:
        h, w = s.lower().split("x") if "x" in s.lower() else (s, s)
        h, w = int(h), int(w)
    except ValueError:
        h = w = 0
    if min(h, w) < 32:
        raise SystemExit("--size %s: want N or HxW, whole numbers of at least 32" % s)
    return h, w


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--out", required=True)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--image")
    src.add_argument("--random-input", action="store_true")
    p.add_argument("--seed", type=whole(0, 2**32 - 1), default=0)  # (as export.py's: a huge one was torch's overflow)
    p.add_argument("--size", default="224", help="N (image: shorter side and crop) or HxW (random input)")
    p.add_argument("--threads", type=whole(1), default=2)  # (0 was torch's RuntimeError)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)

    model = read_source("--model", a.model, load_trunk)
    if a.image:
        h, w = parse_size(a.size)
        if h != w:
            sys.exit("--image takes a single --size N")
        x = image_input(a.image, h)
    else:
        h, w = parse_size(a.size)
        torch.manual_seed(a.seed)
        x = torch.randn(1, 3, h, w)
    with torch.no_grad():
        out = model.forward_features(x)
    tensors = {"input": x}
    tensors.update(out)
    write_safetensors(a.out, {k: v.float().contiguous() for k, v in tensors.items()},
                      {"format": "shuffledet-features", "config": json.dumps(model.shuffledet_config)})
    print("wrote %s: %s" % (a.out, ", ".join("%s %s" % (k, list(v.shape)) for k, v in tensors.items())),
          file=sys.stderr)


if __name__ == "__main__":
    main()
