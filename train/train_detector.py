"""Train the ShuffleNet v1 Faster R-CNN (C4) on COCO-format data; export .bin files the Go engine runs.

One CPU process for small runs, torchrun / DistributedDataParallel across GPUs and machines: the
same code path. Resumable at any moment: the batch order and every random draw are functions of
(seed, iteration), so a run resumed from a checkpoint continues exactly as if never stopped.

  # a small run on CPU on this repo's data (the demo model's exact commands: the Makefile's train-demo-1x
  # rules, models/README.md)
  /usr/bin/python3 train/train_detector.py --config configs/presets/shufflenet-g3-0.5x-300.yaml \
      --classes person,car --data ../shared/data/coco128/train2017:../shared/data/coco128/annotations/instances_train2017.json \
      --eval val128=../shared/data/coco-val128/val2017:../shared/data/coco-val128/instances_val2017_128.json \
      --out out/train-demo --iters 6000
  # COCO 2017 on 8 GPUs (paper Table 7 recipe; see the README's "Training and reproducing Table 7";
  # Debian's torch 1.13 under Python 3.11 also needs --redirects 2 --tee 2 --log_dir DIR)
  torchrun --nproc_per_node 8 train/train_detector.py --config configs/presets/shufflenet-g3-2.0x-600.yaml \
      --trunk ShuffleNetV1.2.0x.g3.pth.tar --data data/coco/train2017:data/coco/annotations/instances_train2017.json \
      --eval minival=data/coco/val2017:data/coco/annotations/instances_val2017.json --out runs/2x-600 ...

Stop it with Ctrl-C / SIGTERM (to any process of a torchrun run): it finishes the iteration, writes the
checkpoint and exits (128 + the signal's number); the same command again resumes from OUT/last.pt
(`--no-resume` starts over; --trunk and --init are not read again: the weights are last.pt's). A
signal to the process group during an evaluation ends cocoeval too: the run stops at that
iteration, and the resumed run does that evaluation first.
Every process reads OUT/last.pt, so on several machines OUT must be one folder all of them see (a
shared file system): the processes check that they resume from the same iteration and stop
otherwise. Outputs in OUT: last.pt (checkpoint), log.jsonl
(losses per --log-every iterations), evals.jsonl (cocoeval's 12 numbers per held-out set and class),
iterNNNNNN.bin (the model at each evaluation), best.bin (best --select metric so far).
"""
import argparse
import collections
import contextlib
import copy
import datetime
import io
import json
import math
import multiprocessing
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import unicodedata
import zipfile

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from detector import (RES_MAX, build_detector, fixed_scale, load_detector_state, make_config, predictor_rows,  # noqa: E402
                      read_bin, save_bin, set_resolution)
from export import config_file, engine_range_problem, is_detector_state  # noqa: E402
from flags import number, whole  # noqa: E402
from images import JPEG_FORMATS, open_as_go_reads  # noqa: E402
from roi_align import SeparableRoIAlign  # noqa: E402
from selection import check_select, metric  # noqa: E402
from shufflenet import load_imagenet_state, torch_load_checked  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parser():
    """The command line's parser (its defaults also stand for the entries an older args.json lacks)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, help="YAML preset (configs/presets/*.yaml): architecture, "
                   "test resolution, thresholds; its classes are replaced by the run's (--classes), and are "
                   "read only for a --data JSON without a categories list")
    p.add_argument("--data", action="append", required=True, metavar="IMAGES:JSON",
                   help="a COCO-format training set (images folder and instances JSON); repeat to combine")
    p.add_argument("--eval", action="append", default=[], metavar="NAME=IMAGES:JSON",
                   help="a held-out set evaluated with Go cocoeval every --eval-every iterations (checked at the "
                   "start as --data's; a run whose evaluation failed exits with status 1); repeatable")
    p.add_argument("--classes", default="", help="comma-separated categories of the --data JSONs to learn, "
                   "by id or name (a decimal integer that is one of their ids is that id), in this order "
                   "(default: every category of the data, by id: COCO's 80 for COCO data); the model's class "
                   "names are the data's, and the boxes of other categories are left out")
    p.add_argument("--out", required=True, help="run folder (checkpoint, logs, exported models)")
    start = p.add_mutually_exclusive_group()  # (with both, --trunk was not read, without a word)
    start.add_argument("--trunk", help="ImageNet checkpoint of the trunk: a classifier .bin (train_imagenet.py's "
                       "final.bin), or megvii's .pth.tar (trained on BGR 0-255 pixels: converted to our RGB, "
                       "mean/std input, shufflenet.megvii_to_ours); default: from scratch")
    start.add_argument("--init", metavar="MODEL.bin", help="start from this detector's weights (same architecture), "
                       "e.g. to go on training a finished run under a new schedule; the classes both have keep their "
                       "weights, the run's others start fresh; not with --trunk, whose weights it replaces")
    p.add_argument("--iters", type=whole(0), required=True, help="total iterations (the schedule's length)")
    p.add_argument("--batch", type=whole(1), default=4, help="images per process per step")
    p.add_argument("--accum", type=whole(1), default=1, help="gradient accumulation steps per iteration")
    p.add_argument("--optimizer", choices=["sgd", "adamw"], default="adamw")
    p.add_argument("--lr", type=number(0), default=1e-3,
                   help="peak learning rate, for the global batch = processes x --batch x --accum images a step: "
                        "with SGD scale it linearly with that batch (torchvision's / Detectron's 0.02 is for 16, "
                        "e.g. 8 GPUs x 2; 0.01 for 8 images); the AdamW default 1e-3 is the demo recipe's for 4 images "
                        "a step (its runs of 8-32 used 1e-3 to 4e-3)")
    p.add_argument("--wd", type=number(0), default=1e-4, help="weight decay (not on BN, biases)")
    p.add_argument("--warmup", type=whole(0), default=300, help="linear warm-up iterations")
    p.add_argument("--schedule", choices=["cosine", "linear", "step"], default="cosine")
    p.add_argument("--clip", type=number(0), default=10.0, help="gradient-norm clip (0: off)")
    p.add_argument("--ema", type=number(0, 1, below=True), default=0.0,
                   help="keep an exponential moving average of the weights and BN statistics with this decay "
                        "per iteration (e.g. 0.998) and export it instead of the raw weights (0: off)")
    p.add_argument("--train-sizes", default="",
                   help="comma-separated shorter sides, one drawn per image (scale jitter, torchvision's "
                        "GeneralizedRCNNTransform); one cap on the longer side for all of them, the preset's scaled by "
                        "the largest size over the test size (default: the preset's test size x 0.75, 0.85, 0.95, 1.05, 1.15, each rounded to a "
                        "multiple of 32: 224,256,288,320,352 at 300, 448,512,576,640,704 at 600)")
    p.add_argument("--flip", type=number(0, 1), default=0.5, help="horizontal flip probability")
    p.add_argument("--color", type=number(0, 1), default=0.25, help="brightness/contrast/saturation jitter")
    p.add_argument("--crop", type=number(0, 1), default=0.0, help="probability of a random zoom-in crop")
    p.add_argument("--mosaic", type=number(0, 1), default=0.0, help="probability of a 2x2 mosaic of 4 images")
    p.add_argument("--copy-paste", type=number(0, 1), default=0.0,
                   help="probability of pasting 1-3 objects (cut out by their COCO polygons) from other "
                        "training images, at random sizes and places")
    p.add_argument("--anchor-sizes", default="",
                   help="comma-separated RPN anchor sizes in input pixels, replacing the preset's (as many of "
                        "them: --init keeps the RPN's weights, each anchor index re-learns its new size)")
    p.add_argument("--rpn-batch", type=whole(1), default=256, help="anchors sampled per image for the RPN loss")
    p.add_argument("--box-batch", type=whole(1), default=64, help="RoIs sampled per image for the box head")
    p.add_argument("--train-pre-nms", type=whole(1), default=1000)
    p.add_argument("--train-post-nms", type=whole(1), default=500)
    p.add_argument("--bn", choices=["train", "sync", "frozen"], default="train",
                   help="BatchNorm while training: batch statistics (from scratch, enough images per process), "
                   "synchronized across processes (DDP, few images per GPU), or frozen (a pretrained trunk)")
    p.add_argument("--no-zero-init-residual", action="store_true",
                   help="keep the last BN of each residual branch at gamma 1 (default: 0, from scratch; 1 with "
                        "--bn frozen, whose gamma 0 would never change)")
    p.add_argument("--seed", type=whole(0, 2**32 - 1), default=0)  # (torch takes up to 2^64 - 1, after x 1000003)
    p.add_argument("--workers", type=whole(0), default=0, help="DataLoader workers per process")
    cache = p.add_mutually_exclusive_group()
    cache.add_argument("--cache", action="store_true",
                       help="keep every decoded image in memory, in every DataLoader worker (default: only for "
                            "at most %d images; the 118k of COCO would take tens of GB a worker)" % CACHE_MAX_IMAGES)
    cache.add_argument("--no-cache", action="store_true", help="decode images every time (the default for large datasets)")
    p.add_argument("--threads", type=whole(1), default=2, help="torch CPU threads per process")
    p.add_argument("--log-every", type=whole(1), default=20)
    p.add_argument("--ckpt-every", type=whole(1), default=100)
    p.add_argument("--eval-every", type=whole(0), default=500, help="0: only at the end")
    p.add_argument("--eval-threads", type=whole(1, 256), default=2)  # (Go cocoeval's -threads: 1 to 256)
    p.add_argument("--select", default="", help="NAME:CLASS:STAT picking best.bin, e.g. val128:person:AP50 "
                   "(default: the first --eval set, AP50 over its classes); best.bin's score on that set is "
                   "optimistic, so report another set, or the final iteration's iterNNNNNN.bin")
    p.add_argument("--cocoeval", help="Go cocoeval binary (default: built from this repo into OUT)")
    resume = p.add_mutually_exclusive_group()
    resume.add_argument("--resume", action="store_true",
                        help="go on from OUT/last.pt when it exists (what every run does: the flag says it)")
    resume.add_argument("--no-resume", action="store_true", help="start over even if OUT/last.pt exists")
    p.add_argument("--time-budget", type=number(0), default=0.0, metavar="SECONDS",
                   help="end the run after this many wall-clock seconds of its loop (data loading included), "
                        "the schedule decaying over that time instead of --iters (which stays a cap): for a "
                        "machine lent for a fixed time. The iteration count then depends on the machine's "
                        "speed, so such a run is not reproducible and does not resume; stopped by a signal, it "
                        "exports its model (0: off)")
    p.add_argument("--stop-after", type=whole(0), default=0,
                   help="exit (with a checkpoint) after this many iterations in this process; 0: run to --iters")
    p.add_argument("--export-now", action="store_true",
                   help="with the run's own arguments: write OUT/iterNNNNNN.bin from OUT/last.pt (the weight "
                        "average with --ema) and exit, training nothing: a model of a run stopped between "
                        "its evaluations")
    p.add_argument("--dist-timeout", type=number(0, 525600, above=True), default=120, metavar="MINUTES",
                   help="collective timeout of a torchrun run (NCCL's default is 10 minutes; the other processes "
                        "wait that long for rank 0's evaluation)")
    return p


def parse_args(argv=None):
    return parser().parse_args(argv)


# ---------------------------------------------------------------------------------------------
# Data


def parse_pair(s):
    if ":" not in s:
        raise SystemExit("--data/--eval %r: want IMAGES:JSON" % s)
    images, ann = s.rsplit(":", 1)
    return images, ann


JITTER = (0.75, 0.85, 0.95, 1.05, 1.15)


def parse_sizes(flag, text, least):
    """The comma-separated whole numbers of a flag's value (--train-sizes, --anchor-sizes) as a
    tuple, each at least least; SystemExit naming the flag otherwise."""
    try:
        sizes = tuple(int(v) for v in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < least:
        raise SystemExit("%s %s: want comma-separated whole numbers of at least %d" % (flag, text, least))
    return sizes


def default_train_sizes(test_res):
    """--train-sizes' default: the test size times JITTER, each rounded to a multiple of 32
    (224, 256, 288, 320, 352 at 300, 448 ... 704 at 600)."""
    return tuple(32 * round(test_res * f / 32) for f in JITTER)


def json_int(v):
    """v as an int when it is a JSON integer (7, or 7.0 as the Go reader takes it; not a bool), else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


def json_categories(path, d):
    """A COCO JSON's categories as [(id, name)], None when it has no categories list; SystemExit
    naming the file for an entry without an integer id or a string name."""
    cats = d.get("categories")
    if cats is None:
        return None
    if not isinstance(cats, list):
        raise SystemExit("%s: categories is %s, want a list" % (path, json.dumps(cats)[:80]))
    out = []
    for i, c in enumerate(cats):
        cid = json_int(c.get("id")) if isinstance(c, dict) else None
        if cid is None:
            raise SystemExit("%s: categories[%d]: want an integer id, got %s" % (path, i, json.dumps(c)[:200]))
        if not isinstance(c.get("name"), str):
            raise SystemExit("%s: categories[%d] (id %d): want a string name, got %s" % (
                path, i, cid, json.dumps(c.get("name"))))
        out.append((cid, c["name"]))
    return out


def data_categories(sources, fallback, config):
    """{id: name} of the training data's categories, the union by id of each --data JSON's
    (sources: [(path, json_categories)]); a file without a list counts the --config file's classes
    (fallback, [(id, name)]), with a note. Returns (categories, notes); SystemExit when one id has
    two names, naming both files."""
    where, categories, notes = {}, {}, []
    for path, cats in sources:
        if cats is None:
            notes.append("%s has no categories list: its category ids are read as %s's classes (%s)" % (
                path, config, describe_classes(fallback)))
            path, cats = config, fallback
        for cid, name in cats:
            if cid in categories and categories[cid] != name:
                raise SystemExit("--data: category %d is %s in %s and %s in %s" % (
                    cid, json.dumps(categories[cid]), where[cid], json.dumps(name), path))
            categories.setdefault(cid, name)
            where.setdefault(cid, path)
    return categories, notes


def describe_classes(classes):
    """Classes [(id, name)] as "7 walker, 42 vehicle", the first 10 and a count beyond that."""
    shown = ", ".join("%d %s" % c for c in classes[:10])
    return shown + (", ... (%d in all)" % len(classes) if len(classes) > 10 else "")


def select_classes(spec, categories):
    """[(id, name)] for a --classes value: categories ({id: name}, the training data's) named by id
    or name, in the given order (a token that is a decimal integer and an id of the data is that
    id, otherwise a name, as the Go engine takes them); every category of id 1 or more sorted by id
    when spec is empty (Roboflow's exports list the dataset's name as category 0, with no boxes).
    SystemExit for an unknown token, a class given twice, and classes the Go engine would refuse
    in the exported .bin (an id under 1, an empty name, one name for two classes)."""
    if not categories:
        raise SystemExit("--data: no categories in its JSONs (nor in --config's classes)")
    everything = sorted(categories.items())
    if not spec:
        out = [(cid, name) for cid, name in everything if cid >= 1]
    else:
        by_name = {}
        for cid, name in everything:
            by_name.setdefault(name, []).append(cid)
        out, given = [], {}
        for tok in spec.split(","):
            tok = tok.strip()
            if re.fullmatch(r"[+-]?[0-9]+", tok) and int(tok) in categories:
                cid = int(tok)
            elif len(by_name.get(tok, ())) == 1:
                cid = by_name[tok][0]
            elif tok in by_name:
                raise SystemExit("--classes: %r is the name of categories %s of the data: give the id" % (
                    tok, ", ".join(str(i) for i in by_name[tok])))
            else:
                raise SystemExit("--classes: %r is neither the id nor the name of a category of the --data (%s)" % (
                    tok, describe_classes(everything)))
            if cid in given:
                raise SystemExit("--classes %s: %r and %r are both category %d (%s): each class once" % (
                    spec, given[cid], tok, cid, categories[cid]))
            given[cid] = tok
            out.append((cid, categories[cid]))
    if len(out) > 10000:
        raise SystemExit("--data: %d categories, the Go engine takes at most 10000 classes: choose with --classes" % len(out))
    named = {}
    for cid, name in out:
        if cid < 1 or not name:
            raise SystemExit("--data: category %d %s cannot be trained (the Go engine wants ids of at least 1 and "
                             "a name): leave it out with --classes" % (cid, json.dumps(name)))
        # (each trained, then refused by the Go engine at load: its ids are Go ints, 32 bits on
        # 32-bit ARM; its names at most configs.MaxClassName bytes, without control characters)
        if cid > 2**31 - 1:
            raise SystemExit("--data: category %d %s cannot be trained: the Go engine's class ids are at most "
                             "2147483647; renumber it in its JSON, or leave it out with --classes" % (cid, json.dumps(name)))
        if len(name.encode()) > MAX_CLASS_NAME or any(unicodedata.category(ch) == "Cc" for ch in name):
            raise SystemExit("--data: category %d %s cannot be trained: the Go engine's class names are at most %d "
                             "bytes, without control characters; rename it in its JSON, or leave it out with --classes"
                             % (cid, json.dumps(name)[:300], MAX_CLASS_NAME))
        if name in named:
            raise SystemExit("--data: categories %d and %d are both named %s (a model's class names are distinct): "
                             "rename one in its JSON, or train one of them (--classes)" % (named[name], cid, json.dumps(name)))
        named[name] = cid
    return out


# The longest class name the Go engine loads, in bytes (configs.MaxClassName).
MAX_CLASS_NAME = 256

# The largest dataset whose decoded images are kept in memory by default (--cache / --no-cache): the
# demo's ~460 images take under 200 MB; COCO train's 118k would take tens of GB in every worker.
CACHE_MAX_IMAGES = 20000


def load_coco(images_dir, ann_path, polygons=True, notes=None):
    """(records, categories) of a COCO instances JSON: a record {path, boxes [[x1,y1,x2,y2]],
    category_ids, polygons} per image (polygons: each box's COCO polygons, [] where it has none;
    with polygons=False, [] for every box: they are only for --copy-paste, and COCO train's take
    gigabytes), crowd regions left out, boxes clipped to their image (as Detectron2 clips them) and
    those with a side under a pixel, as given or once clipped, left out; categories as
    json_categories. notes (a list) gets a line on the boxes clipped or left out, naming the file.
    A box outside its image is no mere waste: torchvision's RPN matcher (allow_low_quality_matches)
    would make every anchor of the image a positive for it, as its best IoU, 0, is every anchor's."""
    try:
        with open(ann_path) as f:
            d = json.load(f)
    except OSError as e:  # (not "[Errno 2] No such file or directory: 'PATH'", the path twice)
        raise SystemExit("%s: %s" % (ann_path, e.strerror or e))
    except (ValueError, RecursionError) as e:  # (RecursionError: arrays or objects nested thousands deep)
        if os.path.getsize(ann_path) == 0:
            raise SystemExit("%s: an empty file (0 bytes), want a COCO instances JSON" % ann_path)
        raise SystemExit("%s: not valid JSON: %s" % (ann_path, e))
    if not isinstance(d, dict) or not isinstance(d.get("images"), list):
        raise SystemExit("%s: not a COCO instances file (want an object with an images list)" % ann_path)
    per_image = {}
    for i, im in enumerate(d["images"]):
        where = "%s: images[%d]" % (ann_path, i)
        for key in ("id", "file_name"):
            if not isinstance(im, dict) or key not in im:
                raise SystemExit("%s: an image without %r" % (where, key))
        iid = image_id(im["id"])
        if iid is None:
            raise SystemExit("%s: id %s, want an integer or a string" % (where, json.dumps(im["id"])))
        if per_image and type(iid) is not type(next(iter(per_image))):
            raise SystemExit("%s: id %s is a %s, and images[0]'s a %s: one kind of id" % (
                where, json.dumps(im["id"]), json_kind(iid), json_kind(next(iter(per_image)))))
        if iid in per_image:
            raise SystemExit("%s: id %s is the id of an earlier image" % (where, json.dumps(im["id"])))
        if not isinstance(im["file_name"], str):
            raise SystemExit("%s: file_name %s, want a string" % (where, json.dumps(im["file_name"])))
        per_image[iid] = {"path": os.path.join(images_dir, im["file_name"]), "boxes": [], "category_ids": [],
                          "polygons": []}
    if not os.path.isdir(images_dir):  # (a mistyped folder, not every image missing from one)
        raise SystemExit("%s: %s (the image folder given with %s)" % (
            images_dir, "not a folder" if os.path.exists(images_dir) else "no such folder", ann_path))
    # A missing image would otherwise end the run whenever it is first drawn, maybe hours in.
    missing = [r["path"] for r in per_image.values() if not os.path.isfile(r["path"])]
    if missing:
        raise SystemExit("%s: %d of its %d images are not in %s (the first: %s)" % (
            ann_path, len(missing), len(per_image), images_dir, missing[0]))
    shown = {}  # each image's size as shown, read from its header once
    for i, im in enumerate(d["images"]):
        iid = image_id(im["id"])
        shown[iid], problem = checked_size(per_image[iid]["path"], im.get("width"), im.get("height"))
        if problem:
            raise SystemExit("%s: images[%d] (id %s): %s" % (ann_path, i, json.dumps(im["id"]), problem))
    clipped, outside, small = 0, [], []  # (the entries left out: "annotations[i] (id ...)")
    annotations = d.get("annotations", [])
    if not isinstance(annotations, list):
        raise SystemExit("%s: annotations is a %s, want a list" % (ann_path, json_kind(annotations)))
    for i, a in enumerate(annotations):
        if not isinstance(a, dict):
            raise SystemExit("%s: annotations[%d] is a %s, want an object" % (ann_path, i, json_kind(a)))
        entry = "annotations[%d] (id %s)" % (i, json.dumps(a.get("id")))
        problem, bbox = annotation_problem(a, per_image)
        if problem:
            raise SystemExit("%s: %s: %s" % (ann_path, entry, problem))
        x, y, w, h = bbox
        if a.get("iscrowd", 0):
            continue
        if w < 1 or h < 1:
            small.append(entry)
            continue
        iid = image_id(a["image_id"])
        r, (W, H) = per_image[iid], shown[iid]
        box = [min(max(x, 0.0), W), min(max(y, 0.0), H), min(max(x + w, 0.0), W), min(max(y + h, 0.0), H)]
        if box[2] - box[0] < 1 or box[3] - box[1] < 1:
            outside.append(entry)
            continue
        clipped += box != [x, y, x + w, y + h]
        r["boxes"].append(box)
        r["category_ids"].append(json_int(a["category_id"]))
        seg = a.get("segmentation") if polygons else None
        if isinstance(seg, list) and not all(
                isinstance(q, list) and all(json_kind(v) == "number" and math.isfinite(v) for v in q) for q in seg):
            # (a TypeError at the start, or once --copy-paste cut the object out, maybe hours in)
            raise SystemExit("%s: %s: segmentation %s: want polygons, lists of finite x, y numbers (--copy-paste cuts "
                             "objects out along them)" % (ann_path, entry, json.dumps(seg)[:200]))
        r["polygons"].append([q for q in seg if len(q) >= 6] if isinstance(seg, list) else [])
    if notes is not None and (clipped or outside or small):
        parts = []
        if outside:
            parts.append("%d outside its image (under a pixel once clipped to it; the first: %s)" % (
                len(outside), outside[0]))
        if small:
            parts.append("%d with a side under a pixel (the first: %s)" % (len(small), small[0]))
        said = ["%d boxes partly outside their image clipped to it" % clipped] if clipped else []
        if parts:
            said.append("%d boxes left out: %s" % (len(outside) + len(small), ", ".join(parts)))
        notes.append("%s: %s" % (ann_path, "; ".join(said)))
    return [per_image[k] for k in sorted(per_image)], json_categories(ann_path, d)


def size_problem(path, width, height):
    """checked_size's problem alone."""
    return checked_size(path, width, height)[1]


def checked_size(path, width, height):
    """(its size as shown, None where its header cannot be read; what is wrong with it, or None) for
    an image whose JSON says WIDTH x HEIGHT (None where it says nothing to check: either is absent
    or not a whole number). Its size is read from its header, once for the loader, as
    shown: a JPEG turned by its EXIF orientation, as the Go engine (cvimage) and training read it
    (go_oriented); a PNG's or WebP's orientation is not applied by the engine, so not here either.
    A file replaced by another size, or boxes drawn on a turned photo's stored pixels, fails here
    instead of training on misplaced boxes (Detectron2 refuses them too). So does a TIFF with an
    orientation tag (PIL turns its pixels as it decodes them, the engine does not: training would
    see other pixels than the model will), and a file whose header cannot be read, rather than
    when it is first drawn (one whose pixels cannot be decoded stops the run when it is drawn:
    UnreadableImage)."""
    want = (json_int(width), json_int(height))
    try:
        shown, (w, h), turn, fmt = shown_size(path)
    except (OSError, ValueError, Image.DecompressionBombError) as e:
        return None, "%s: cannot read the image: %s" % (path, e)
    return shown, size_mismatch(path, want, shown, (w, h), turn, fmt)


def size_mismatch(path, want, shown, stored, turn, fmt):
    """checked_size's problem, from what shown_size read of the image's header."""
    w, h = stored
    if fmt == "TIFF" and turn in range(2, 9):
        return ("%s: a TIFF with orientation tag %d: PIL turns its pixels as it decodes them, the Go engine reads "
                "them as stored, so the model would train on other pixels than it is run on: store it with its "
                "pixels turned (orientation 1), or as a JPEG or PNG" % (path, turn))
    if None in want or shown == want:
        return None
    turned = shown != (w, h)
    if turned and (w, h) == want:
        return ("%s is %dx%d as shown (its EXIF orientation %d turns its stored %dx%d), the JSON says %dx%d: "
                "boxes drawn on the stored pixels? Turn the file's pixels and its boxes (a JPEG: exiftran -ai), "
                "or fix the JSON" % (path, shown[0], shown[1], turn, w, h, want[0], want[1]))
    if turn in range(5, 9) and (h, w) == want:
        return ("%s is %dx%d as stored, the JSON says %dx%d: the Go engine applies only a JPEG's EXIF orientation "
                "(%d here), so the model would be run on the stored pixels: turn the file's pixels and leave out "
                "its orientation, or give the boxes on the stored pixels" % (path, w, h, want[0], want[1], turn))
    return "%s is %dx%d, the JSON says %dx%d: its boxes would land in the wrong place" % (
        path, shown[0], shown[1], want[0], want[1])


def shown_size(path):
    """(size as shown, size as stored, EXIF orientation or None, PIL's format) of an image file,
    read from its header (shown: turned by the orientation of a JPEG only, as go_oriented turns
    it); OSError, ValueError or DecompressionBombError where it cannot be read."""
    with Image.open(path) as im:
        w, h = im.size
        fmt = im.format
        if fmt == "PNG":
            # (getexif() decodes a PNG whole to look for an eXIf chunk after its pixels: the
            # one before them, where writers put it, is enough for a header check)
            exif = Image.Exif()
            if "exif" in im.info:
                exif.load(im.info["exif"])
        else:
            exif = im.getexif()
        turn = exif.get(0x0112)
    turned = fmt in JPEG_FORMATS and turn in (5, 6, 7, 8)
    return ((h, w) if turned else (w, h)), (w, h), turn, fmt


def json_kind(v):
    """The JSON kind of a decoded value, as an error names it."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    return {str: "string", list: "array"}.get(type(v), "object")


def image_id(v):
    """An image id as held: an integer (7 or 7.0) or a string; None for any other value."""
    return v if isinstance(v, str) else json_int(v)


def annotation_problem(a, images):
    """(what is wrong with annotation a, None when nothing; its bbox as 4 floats): an image_id of
    images (the images' ids, of one kind), an integer category_id, a bbox of 4 finite numbers, an
    iscrowd (where it has one) of 0, 1, true or false, as the Go engine's reader wants."""
    for key in ("image_id", "category_id", "bbox"):
        if a.get(key) is None:
            return "no %s" % key if key not in a else "%s is null" % key, None
    if json_int(a["category_id"]) is None:
        return "category_id %s is a %s, want an integer id" % (json.dumps(a["category_id"]), json_kind(a["category_id"])), None
    bbox = a["bbox"]
    if not isinstance(bbox, list) or len(bbox) != 4:
        return "bbox must be 4 numbers [x,y,w,h], got %s" % json.dumps(bbox)[:200], None
    for v in bbox:
        if json_kind(v) != "number" or not math.isfinite(v):
            return "bbox %s: %s is not a finite number" % (json.dumps(bbox), json.dumps(v)), None
    crowd = a.get("iscrowd", 0)
    if type(crowd) not in (int, bool) or crowd not in (0, 1):  # ("0", a string, is true: the box was left out)
        return "iscrowd %s: want 0, 1, true or false" % json.dumps(crowd)[:50], None
    iid = image_id(a["image_id"])
    if iid not in images:
        kind, theirs = json_kind(a["image_id"]), json_kind(next(iter(images))) if images else None
        if theirs and kind != theirs:
            return "image_id %s is a %s, and the images' ids are %ss (as %s)" % (
                json.dumps(a["image_id"]), kind, theirs, json.dumps(next(iter(images)))), None
        return "is of image %s, which its images list lacks" % json.dumps(a["image_id"]), None
    return None, [float(v) for v in bbox]


def label_records(records, class_ids):
    """The records with their boxes of the classes class_ids only, labelled 1..K in that order, and
    a Counter of the category ids of the boxes left out."""
    label_of = {cid: k + 1 for k, cid in enumerate(class_ids)}
    out, dropped = [], collections.Counter()
    for r in records:
        keep = [k for k, c in enumerate(r["category_ids"]) if c in label_of]
        dropped.update(c for c in r["category_ids"] if c not in label_of)
        out.append({"path": r["path"], "boxes": [r["boxes"][k] for k in keep],
                    "labels": [label_of[r["category_ids"][k]] for k in keep],
                    "polygons": [r["polygons"][k] for k in keep]})
    return out, dropped


def data_notes(records, classes, dropped, categories):
    """The data line's box count per trained class, and notes on trained classes without boxes and
    on the boxes of untrained categories left out (the 10 most frequent named)."""
    counts = collections.Counter(label for r in records for label in r["labels"])
    per_class = ", ".join("%s %d" % (n, counts[k + 1]) for k, (_, n) in enumerate(classes))
    notes = []
    empty = [(c, n) for k, (c, n) in enumerate(classes) if counts[k + 1] == 0]
    if empty:
        notes.append("no boxes of %s in --data: the model has the class but no example of it" % describe_classes(empty))
    if dropped:
        top = dropped.most_common(10)
        notes.append("%d boxes of categories not trained left out: %s%s" % (
            sum(dropped.values()), ", ".join("%d of %d %s" % (k, c, categories.get(c, "(not in the categories lists)"))
                                             for c, k in top),
            ", and %d more categories" % (len(dropped) - len(top)) if len(dropped) > len(top) else ""))
    return per_class, notes


class UnreadableImage(RuntimeError):
    """A training image whose pixels cannot be decoded (a file cut short, damaged data): its header,
    all that the start reads of each image, was readable. The run stops when it is first drawn,
    naming it, with its checkpoint written."""


def unreadable_image_message(e):
    """An UnreadableImage's "PATH: cannot decode image: ..." line, also where a DataLoader worker
    raised it (re-raised in the main process with the worker's traceback as its message)."""
    lines = str(e).strip().splitlines()
    return re.sub(r"^[\w.]*UnreadableImage: ", "", lines[-1]) if lines else str(e)


class Detections(torch.utils.data.Dataset):
    """COCO-format images with augmentation; items are fetched by (index, seed) so that every random
    draw is reproducible from the iteration number (exact resume, any number of workers)."""

    def __init__(self, records, max_short, max_long, cache=True, flip=0.5, color=0.25, crop=0.0, mosaic=0.0,
                 copy_paste=0.0):
        self.records = records
        self.max_short, self.max_long = max_short, max_long
        self.cache = {} if cache else None
        self.scales = {}  # image index -> (x, y) scale of its loaded pixels to its annotations'
        self.flip, self.color, self.crop, self.mosaic, self.copy_paste = flip, color, crop, mosaic, copy_paste
        # (image, object) pairs that have a polygon to cut the object out by
        self.objects = [(i, k) for i, r in enumerate(records) for k, q in enumerate(r.get("polygons", [])) if q]

    def __len__(self):
        return len(self.records)

    def load(self, i):
        """uint8 [3,H,W] RGB and its boxes. Images kept in memory are first shrunk (PIL's bilinear,
        which smooths when it shrinks) so that the largest training size needs no upscaling: less
        memory, and a demo-scale run's speed. Without the cache they stay at full size, so that
        training sees what the test sees: one resize by torchvision, bilinear without smoothing, as
        the Go engine's (at 300 the pre-shrunk images would be smoother than the test's)."""
        if self.cache is not None and i in self.cache:
            return self.cache[i]
        r = self.records[i]
        try:
            im = open_as_go_reads(r["path"])
        except (OSError, Image.DecompressionBombError) as e:  # (a bomb is not an OSError)
            raise UnreadableImage("%s: cannot decode image: %s" % (r["path"], e)) from e
        w, h = im.size
        s = 1.0 if self.cache is None else min(1.0, self.max_short / min(w, h), self.max_long / max(w, h))
        if s < 1.0:
            im = im.resize((max(1, round(w * s)), max(1, round(h * s))), Image.BILINEAR)
        img = torch.from_numpy(np.asarray(im).copy()).permute(2, 0, 1).contiguous()
        self.scales[i] = (img.shape[2] / w, img.shape[1] / h)
        boxes = torch.tensor(r["boxes"], dtype=torch.float32).reshape(-1, 4) * torch.tensor(
            [img.shape[2] / w, img.shape[1] / h] * 2)
        out = (img, boxes, torch.tensor(r["labels"], dtype=torch.int64))
        if self.cache is not None:
            self.cache[i] = out
        return out

    def __getitem__(self, key):
        i, seed = key
        g = random.Random(seed)
        if self.mosaic > 0 and g.random() < self.mosaic:
            img, boxes, labels = self.mosaic4([i] + [g.randrange(len(self)) for _ in range(3)], g)
        else:
            img, boxes, labels = self.load(i)
            img = img.float() / 255
            if self.crop > 0 and g.random() < self.crop:
                img, boxes, labels = random_crop(img, boxes, labels, g)
        if self.copy_paste > 0 and self.objects and g.random() < self.copy_paste:
            img, boxes, labels = self.paste(img, boxes, labels, g)
        if g.random() < self.flip:
            img = img.flip(-1)
            w = img.shape[-1]
            boxes = torch.stack([w - boxes[:, 2], boxes[:, 1], w - boxes[:, 0], boxes[:, 3]], 1)
        if self.color > 0:
            img = color_jitter(img, self.color, g)
        return img, {"boxes": boxes.reshape(-1, 4), "labels": labels}

    def mosaic4(self, idx, g):
        """Four images in the quadrants of a canvas the size of the first, split at a random centre."""
        first, _, _ = self.load(idx[0])
        H, W = first.shape[1:]
        cx, cy = int(W * g.uniform(0.3, 0.7)), int(H * g.uniform(0.3, 0.7))
        canvas = torch.full((3, H, W), 0.45)
        cells = [(0, 0, cx, cy), (cx, 0, W, cy), (0, cy, cx, H), (cx, cy, W, H)]
        all_boxes, all_labels = [], []
        for j, (x0, y0, x1, y1) in zip(idx, cells):
            img, boxes, labels = self.load(j)
            cw, ch = x1 - x0, y1 - y0
            if cw < 8 or ch < 8:
                continue
            h, w = img.shape[1:]
            s = min(cw / w, ch / h)
            nw, nh = max(1, int(w * s)), max(1, int(h * s))
            small = torch.nn.functional.interpolate(img[None].float() / 255, size=(nh, nw), mode="bilinear",
                                                    align_corners=False)[0]
            ox, oy = x0 + (cw - nw) // 2, y0 + (ch - nh) // 2
            canvas[:, oy:oy + nh, ox:ox + nw] = small
            b = boxes * torch.tensor([nw / w, nh / h] * 2) + torch.tensor([ox, oy, ox, oy], dtype=torch.float32)
            all_boxes.append(b)
            all_labels.append(labels)
        boxes = torch.cat(all_boxes) if all_boxes else torch.zeros((0, 4))
        labels = torch.cat(all_labels) if all_labels else torch.zeros((0,), dtype=torch.int64)
        keep = ((boxes[:, 2] - boxes[:, 0]) >= 2) & ((boxes[:, 3] - boxes[:, 1]) >= 2)
        return canvas, boxes[keep], labels[keep]


    def cutout(self, i, k):
        """Object k of image i as loaded: its pixels (float [3,h,w]) and polygon mask (bool [h,w]) in
        its whole-pixel bounding box, and its label."""
        img, _, labels = self.load(i)
        r = self.records[i]
        sx, sy = self.scales[i]
        x1, y1, x2, y2 = r["boxes"][k]
        x0, y0 = max(0, int(x1 * sx)), max(0, int(y1 * sy))
        xe, ye = min(img.shape[2], int(math.ceil(x2 * sx))), min(img.shape[1], int(math.ceil(y2 * sy)))
        if xe - x0 < 2 or ye - y0 < 2:
            return None
        m = Image.new("L", (xe - x0, ye - y0), 0)
        draw = ImageDraw.Draw(m)
        for q in r["polygons"][k]:
            draw.polygon([(q[j] * sx - x0, q[j + 1] * sy - y0) for j in range(0, len(q) - 1, 2)], fill=1)
        mask = torch.from_numpy(np.asarray(m).copy()).bool()
        if not mask.any():
            return None
        return img[:, y0:ye, x0:xe].float() / 255, mask, labels[k]

    def paste(self, img, boxes, labels, g):
        """Simple copy-paste (Ghiasi et al. 2021): 1-3 objects cut out of other training images by their
        polygons, each scaled to a height drawn log-uniformly from 16 px to 60% of the image (enlarged
        at most 1.5x: more only blurs), pasted at a random place over what is there. A box is dropped when less than 30% of it stays
        visible (estimated from the pasted masks)."""
        H, W = img.shape[1:]
        img = img.clone()
        boxes, labels = boxes.clone(), labels.clone()
        visible = torch.ones(len(boxes))
        for _ in range(g.randint(1, 3)):
            cut = self.cutout(*self.objects[g.randrange(len(self.objects))])
            if cut is None:
                continue
            patch, mask, label = cut
            h, w = mask.shape
            target = math.exp(g.uniform(math.log(16), math.log(max(17.0, 0.6 * H))))
            s = min(target / h, 1.5, 0.9 * W / w, 0.9 * H / h)
            nh, nw = max(2, int(h * s)), max(2, int(w * s))
            patch = torch.nn.functional.interpolate(patch[None], size=(nh, nw), mode="bilinear", align_corners=False)[0]
            mask = torch.nn.functional.interpolate(mask[None, None].float(), size=(nh, nw), mode="nearest")[0, 0] > 0.5
            if not mask.any():
                continue
            x0, y0 = g.randrange(W - nw + 1), g.randrange(H - nh + 1)
            region = img[:, y0:y0 + nh, x0:x0 + nw]
            img[:, y0:y0 + nh, x0:x0 + nw] = torch.where(mask, patch, region)
            # How much of each earlier box this paste covers.
            cover = torch.zeros(H, W)
            cover[y0:y0 + nh, x0:x0 + nw] = mask.float()
            for j, b in enumerate(boxes.tolist()):
                bx0, by0 = max(0, int(b[0])), max(0, int(b[1]))
                bx1, by1 = min(W, max(bx0 + 1, int(math.ceil(b[2])))), min(H, max(by0 + 1, int(math.ceil(b[3]))))
                visible[j] *= 1 - cover[by0:by1, bx0:bx1].mean()
            ys, xs = torch.nonzero(mask, as_tuple=True)
            nb = torch.tensor([[x0 + xs.min().item(), y0 + ys.min().item(), x0 + xs.max().item() + 1,
                                y0 + ys.max().item() + 1]], dtype=torch.float32)
            boxes = torch.cat([boxes.reshape(-1, 4), nb])
            labels = torch.cat([labels, torch.tensor([int(label)])])
            visible = torch.cat([visible, torch.ones(1)])
        keep = (visible >= 0.3) & ((boxes[:, 2] - boxes[:, 0]) >= 2) & ((boxes[:, 3] - boxes[:, 1]) >= 2)
        return img, boxes[keep], labels[keep]


def random_crop(img, boxes, labels, g):
    """A crop of 50-100% of each side; boxes clipped to it, kept when at least 40% of their area stays."""
    H, W = img.shape[1:]
    cw, ch = int(W * g.uniform(0.5, 1.0)), int(H * g.uniform(0.5, 1.0))
    x0, y0 = g.randrange(W - cw + 1), g.randrange(H - ch + 1)
    b = boxes - torch.tensor([x0, y0, x0, y0], dtype=torch.float32)
    c = torch.stack([b[:, 0].clamp(0, cw), b[:, 1].clamp(0, ch), b[:, 2].clamp(0, cw), b[:, 3].clamp(0, ch)], 1)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    carea = (c[:, 2] - c[:, 0]) * (c[:, 3] - c[:, 1])
    keep = (carea >= 0.4 * area) & ((c[:, 2] - c[:, 0]) >= 2) & ((c[:, 3] - c[:, 1]) >= 2)
    return img[:, y0:y0 + ch, x0:x0 + cw], c[keep], labels[keep]


def color_jitter(img, amount, g):
    """Brightness, contrast and saturation each scaled by a factor in [1-amount, 1+amount]."""
    img = img * g.uniform(1 - amount, 1 + amount)
    mean = img.mean()
    img = (img - mean) * g.uniform(1 - amount, 1 + amount) + mean
    grey = img.mean(dim=0, keepdim=True)
    img = (img - grey) * g.uniform(1 - amount, 1 + amount) + grey
    return img.clamp(0, 1)


def mean_over_processes(values, device):
    """The mean of each of a dict's float values over the processes of a distributed run: what
    every process logs and tests, so that all see the whole batch's losses (a non-finite loss on
    one process stops them all, where one stopping alone would leave the others waiting)."""
    keys = sorted(values)
    t = torch.tensor([values[k] for k in keys], dtype=torch.float64, device=device)
    dist.all_reduce(t)
    t /= dist.get_world_size()
    return dict(zip(keys, t.tolist()))


class StopSignals:
    """SIGINT, SIGTERM and SIGHUP handlers that ask a run to stop after its iteration (signum: the
    first signal's number, 0 before one). Another signal more than a second later ends the process at
    once (KeyboardInterrupt: a second Ctrl-C); one within the second is the same stop: a
    terminal's Ctrl-C reaches torchrun and every worker, and torchrun passes it on to them at
    once, as a scheduler's SIGTERM to the job's processes does. SIGHUP is a closed terminal (an ssh
    session that dropped: it killed the run without a checkpoint); one the process was started
    with ignored (nohup) stays ignored."""

    def __init__(self, message=None):
        self.signum, self.at, self.message = 0, 0.0, message
        signal.signal(signal.SIGINT, self.on_signal)
        signal.signal(signal.SIGTERM, self.on_signal)
        if signal.getsignal(signal.SIGHUP) != signal.SIG_IGN:
            signal.signal(signal.SIGHUP, self.on_signal)

    def restore(self):
        """The default actions again, once everything is written (SIGHUP's only where it was not ignored)."""
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if signal.getsignal(signal.SIGHUP) == self.on_signal:
            signal.signal(signal.SIGHUP, signal.SIG_DFL)

    def on_signal(self, signum, frame):
        now = time.monotonic()
        if self.signum:
            if now - self.at > 1.0:
                raise KeyboardInterrupt
            return
        self.signum, self.at = signum, now
        if signum == signal.SIGHUP:  # its terminal may be gone: a print would raise EIO, killing the run
            sys.stdout, sys.stderr = QuietStream(sys.stdout), QuietStream(sys.stderr)
        if self.message:
            print(self.message % signum, flush=True)


class QuietStream:
    """A text stream whose failed writes are dropped: after SIGHUP, standard output may be a
    terminal that hung up (EIO) or a pipe whose reader has gone (EPIPE), and a print that raised
    would end the run before its checkpoint."""

    def __init__(self, stream):
        self.stream = stream.stream if isinstance(stream, QuietStream) else stream

    def write(self, text):
        try:
            return self.stream.write(text)
        except OSError:
            return len(text)

    def flush(self):
        with contextlib.suppress(OSError):
            self.stream.flush()

    def __getattr__(self, name):
        return getattr(self.stream, name)


def stop_signal(signum, device):
    """The signal that stops a distributed run: the highest signal number any process received
    (signum on this one, 0 for none). A stop that one process saw is taken by all at the same
    iteration, and every process exits with the same status (exit_status)."""
    if not (dist.is_available() and dist.is_initialized()):
        return signum
    t = torch.tensor([signum], device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return int(t.item())


def stopping_rank(problem, device):
    """The lowest rank that must stop (problem: this process's message, None where it need not),
    -1 where none must: every process stops where one does. Asked of every process before each
    step, for an image that cannot be decoded (a process that stopped on its own would leave the
    others waiting at the step's collectives until torchrun ended the group, and rank 0, if not
    the one that stopped, would not write the checkpoint), and of the checks only rank 0 makes at
    the start (its evaluation sets, --select, the Go engine loading the run's model file)."""
    if not (dist.is_available() and dist.is_initialized()):
        return -1 if problem is None else 0
    world = dist.get_world_size()
    t = torch.tensor([world if problem is None else dist.get_rank()], device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    return -1 if int(t.item()) == world else int(t.item())


def another_process_image(rank):
    """What a process says when the image that stops the run is another's (stopping_rank: rank)."""
    return "an image that process %d drew cannot be decoded (its message names it)" % rank


def stop_after_evaluation(signum, stopped, device):
    """(the signal that stops the run, whether one stopped rank 0's evaluation) after an evaluation:
    signum and stopped on one process, the highest over all of them in a distributed run (every
    process waits here for rank 0's evaluation, and stops with it)."""
    if not (dist.is_available() and dist.is_initialized()):
        return signum, stopped
    t = torch.tensor([signum, int(stopped)], device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return int(t[0].item()), bool(t[1].item())


def exit_status(signum):
    """A run's exit status: 0 when it ended as planned (--iters, --stop-after, --time-budget), and
    128 + the signal's number when a signal stopped it (130 for Ctrl-C, 143 for SIGTERM), as a
    shell reports a process the signal killed: a job script or scheduler sees that it did not
    finish, though its checkpoint is written and it resumes."""
    return 128 + signum if signum else 0


def init_distributed(timeout_minutes):
    """The process group of a torchrun run: NCCL on GPUs, gloo on CPU. Its collective timeout is
    timeout_minutes, not NCCL's default 10 minutes: rank 0 evaluates (and exports) alone while the
    others wait at the next collective, and a COCO minival evaluation takes longer than that."""
    dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo",
                            timeout=datetime.timedelta(minutes=timeout_minutes))


def shutdown_distributed():
    """Ends a torchrun process's process group, after a barrier that every process reaches.

    Without the barrier a process could hang forever at its exit (torch 1.13, gloo; seen in about
    one run in seven): the worker thread that ran the last collective (e.g. stop_signal) still
    holds that tensor when the caller has dropped it, so releasing it needs the GIL, while the main
    thread, holding the GIL, destroys the process group (with DDP's Reducer) and waits on a lock that
    worker holds. Waiting in barrier() releases the GIL, so that worker finishes first, and the
    barrier's own work holds no Python tensor."""
    dist.barrier()
    dist.destroy_process_group()


def agree_on_start(start, device, path):
    """The iteration every process resumes from, the same on all of them, or SystemExit on all.

    Each process reads OUT/last.pt from its own file system; on several machines whose OUT is not
    one shared folder, a node would resume from another checkpoint (or none) than rank 0's, and
    its batches, random draws and optimizer state would silently differ from the others'."""
    t = torch.tensor([start, -start], dtype=torch.int64, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    lo, hi = int(t[0]), -int(t[1])
    if lo != hi:
        raise SystemExit("%s: the processes would resume from different iterations (%d here, rank %d; %d to %d "
                         "over all ranks): OUT must be one folder that every node sees (a shared file system) for "
                         "a run on several machines" % (path, start, dist.get_rank(), lo, hi))
    return start


class BatchStream(torch.utils.data.Sampler):
    """Per iteration, this process's share of the global batch as (index, seed) pairs.

    The global order is an endless chain of seeded permutations, one per epoch, and each position
    in it has its own seed, so the images of a batch depend only on (seed, the images consumed
    before it): resuming reproduces the run (with an unchanged global batch, the images consumed
    are iteration x global batch)."""

    def __init__(self, n, seed, batch, rank, world, start, stop, first=None):
        self.n, self.seed, self.batch, self.rank, self.world = n, seed, batch, rank, world
        self.start, self.stop = start, stop
        # the stream's position of iteration start's first image: the images the run has consumed
        # (a resumed run whose global batch changed goes on from there, not from start x batch)
        self.first = start * batch * world if first is None else first

    def __len__(self):
        return self.stop - self.start

    def consumed(self, it):
        """The images of the stream consumed before iteration it (all processes): what a checkpoint
        at it records for a resumed run to go on from."""
        return self.first + (it - self.start) * self.batch * self.world

    def perm(self, epoch):
        g = torch.Generator().manual_seed(self.seed * 7919 + epoch)
        return torch.randperm(self.n, generator=g).tolist()

    def __iter__(self):
        cached = (-1, None)
        for it in range(self.start, self.stop):
            out = []
            for k in range(self.rank * self.batch, (self.rank + 1) * self.batch):
                pos = self.consumed(it) + k
                epoch, j = divmod(pos, self.n)
                if cached[0] != epoch:
                    cached = (epoch, self.perm(epoch))
                out.append((cached[1][j], (self.seed * 1000003 + pos) & 0x7FFFFFFF))
            yield out


def collate(items):
    return [x for x, _ in items], [t for _, t in items]


# ---------------------------------------------------------------------------------------------
# Model and schedule


def init_from_scratch(model, zero_init_residual):
    """Kaiming (fan-out) convolutions, unit BN; the last BN of stride-1 branches at gamma 0 so each
    residual unit starts as the identity (Goyal et al. 2017): deep stacks train from scratch."""
    for m in model.trunk.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    if zero_init_residual:
        for unit in model.trunk.features:
            if unit.stride == 1:
                nn.init.zeros_(unit.branch_main_2[1].weight)


ARCHITECTURE = ("groups", "width", "shallow", "se", "shuffle")  # the backbone keys that shape a trunk's tensors


def describe_architecture(backbone):
    """A backbone config's architecture as the presets' names spell it: "g3 0.5x", then "shallow",
    "SE" or "no shuffle" where it is so."""
    return " ".join(["g%s %sx" % (backbone["groups"], float(backbone["width"]))] +
                    [w for k, w, v in (("shallow", "shallow", True), ("se", "SE", True), ("shuffle", "no shuffle", False))
                     if bool(backbone[k]) == v])


def check_trunk_architecture(path, have, cfg, config):
    """SystemExit when the classifier .bin config have (of --trunk path) is of another architecture
    than the preset's (cfg, from the file config): named both, by what each config says, not by the
    first tensor whose size differs."""
    try:
        theirs = make_config(have["backbone"])["backbone"]
    except (KeyError, TypeError, ValueError):  # no backbone section, or one not of the format
        return  # (its tensors are then compared with the preset's as a checkpoint's)
    want = cfg["backbone"]
    if all(theirs.get(k) == want[k] for k in ARCHITECTURE):
        return
    flags = "--groups %s --width %s" % (want["groups"], float(want["width"])) + (
        " --shallow" if want["shallow"] else "") + (" --se" if want["se"] else "")
    raise SystemExit("--trunk %s: a ShuffleNet v1 %s classifier's trunk (its configuration), %s wants %s: give one "
                     "trained with train_imagenet.py %s, or a preset of the trunk's architecture" % (
                         path, describe_architecture(theirs), config, describe_architecture(want), flags))


def init_from_bin(model, path, cfg):
    """Load every weight of a detector .bin whose architecture equals cfg's. Its classes may differ
    from the run's: the box predictor keeps the background's rows and those of the classes both
    have (a fine-tune on a subset of a model's classes), and the rows of the run's classes the .bin
    lacks stay the model's own fresh ones (a model of a few classes widened to more, as Detectron2
    fine-tunes a detector onto new classes). Its anchor sizes may differ (not their number): a
    warm start that moves the anchors keeps the RPN's weights, and so may its input size
    (min_size, max_size: no weight depends on them), to fine-tune at another resolution. Classes
    are matched by id; returns notes on those the .bin names otherwise (the run's names are kept)
    and on those it lacks."""
    try:
        tensors, have = read_bin(path)
    except Exception as e:  # a missing file, a checkpoint, a damaged .bin: many kinds
        hint = ""
        if zipfile.is_zipfile(path):  # (what torch.save writes)
            hint = ("; a PyTorch checkpoint: a train_detector.py OUT/last.pt is exported by its run (its arguments "
                    "and --export-now), and that iterNNNNNN.bin given as --init")
        raise SystemExit("--init %s: cannot be read as a .bin model file: %s%s" % (path, e, hint))
    if have.get("detector") is None:
        raise SystemExit("--init %s: a classifier .bin, not a detector's: start the trunk from it with --trunk" % path)
    if have.get("backbone") != cfg["backbone"]:
        theirs, want = have.get("backbone"), cfg["backbone"]
        try:
            if describe_architecture(theirs) != describe_architecture(want):
                raise SystemExit("--init %s: a ShuffleNet v1 %s detector's weights, this run's preset is %s" % (
                    path, describe_architecture(theirs), describe_architecture(want)))
        except (KeyError, TypeError, ValueError):  # (no backbone section, or not one of the format: a width of "x")
            pass
        raise SystemExit("--init %s: its backbone's %s %s from this run's (--config) %s" % (
            (path,) + differences(theirs, want, "backbone.")))
    want, got = cfg["detector"], dict(have.get("detector") or {})
    want_cls = [c["id"] for c in want["classes"]]
    got_cls = [c["id"] for c in got.get("classes", [])]
    named = {c["id"]: c["name"] for c in got["classes"]}
    notes = ["--init %s: its class %d is %s, this run's %s: it starts from that class's weights" % (
        path, c["id"], json.dumps(named[c["id"]]), json.dumps(c["name"])) for c in want["classes"]
        if c["id"] in named and named[c["id"]] != c["name"]]
    fresh = [c for c in want["classes"] if c["id"] not in named]
    if fresh:
        named_fresh = ", ".join("%d (%s)" % (c["id"], c["name"]) for c in fresh[:8])
        if len(fresh) > 8:
            named_fresh = "%d of this run's classes, %s, ..." % (len(fresh), named_fresh)
        notes.append("--init %s: %s not among its classes: %s from fresh weights" % (
            path, named_fresh, "it learns" if len(fresh) == 1 else "they learn"))
    if want_cls != got_cls:
        # Each row of the run's predictor from the .bin's row of the same class, or the model's own
        # where the .bin has none.
        rows = [0] + [1 + got_cls.index(c) if c in named else None for c in want_cls]
        tensors.update(predictor_rows(tensors, rows, fill=model.roi_heads.box_predictor.state_dict()))
    got["classes"] = want["classes"]
    if "rpn" in got and len(got["rpn"].get("anchor_sizes", [])) == len(want["rpn"]["anchor_sizes"]):
        got["rpn"] = dict(got["rpn"], anchor_sizes=want["rpn"]["anchor_sizes"])
    for size in ("min_size", "max_size"):
        if size in got:
            got[size] = want[size]
    if got != want:
        # (what differs, not both whole configurations: with COCO's 80 classes, 10,000 characters)
        raise SystemExit("--init %s: its detector's %s %s from this run's (--config) %s" % (
            (path,) + differences(got, want)))
    load_detector_state(model, tensors)
    return notes


def differences(got, want, prefix=""):
    """(the names of the settings of the nested dicts got and want that differ, as "roi.output_size 7,
    ...", "differs" or "differ", and want's values of them, "14, ..."), for a message naming them."""
    names, ours = [], []

    def walk(g, w, at):
        if isinstance(g, dict) and isinstance(w, dict):
            for k in list(w) + [k for k in g if k not in w]:
                walk(g.get(k), w.get(k), at + str(k) + ".")
        elif g != w:
            names.append("%s %s" % (at[:-1], json.dumps(g)))
            ours.append(json.dumps(w))
    walk(got, want, prefix)
    return ", ".join(names), "differs" if len(names) == 1 else "differ", ", ".join(ours)


def check_bn(bn, distributed, device):
    """Refuses --bn sync where torch cannot synchronize BatchNorm: processes on CPUs (SyncBatchNorm
    works on GPU modules only; it failed at the first iteration)."""
    if bn == "sync" and distributed and device.type != "cuda":
        raise SystemExit("--bn sync: synchronized BatchNorm needs GPUs (torch's SyncBatchNorm), and these processes "
                         "run on CPUs: use --bn train or frozen")


def freeze_bn(model):
    """Every BatchNorm becomes torchvision's FrozenBatchNorm2d (running statistics, no gradient), the
    usual setting when a pretrained trunk trains with few images per GPU. Same tensor names."""
    from torchvision.ops.misc import FrozenBatchNorm2d
    for parent in list(model.modules()):
        for name, m in list(parent.named_children()):
            if isinstance(m, nn.BatchNorm2d):
                f = FrozenBatchNorm2d(m.num_features, eps=m.eps)
                for k in ("weight", "bias", "running_mean", "running_var"):
                    getattr(f, k).copy_(getattr(m, k).detach())
                setattr(parent, name, f)


def lr_at(a, it, elapsed=0.0):
    """Linear warm-up to --lr, then cosine / linear decay to 0 over the iterations after the warm-up,
    or over the --time-budget seconds (elapsed: those spent so far) when one is set; or x0.1 steps at
    2/3 and 8/9 of --iters, warm-up included, as Detectron's 1x (60000 and 80000 of 90000)."""
    if it < a.warmup:
        return a.lr * (0.001 + 0.999 * it / a.warmup)
    if a.time_budget > 0:
        t = min(1.0, elapsed / a.time_budget)
    elif a.schedule == "step":
        t = it / max(1, a.iters)
    else:
        t = (it - a.warmup) / max(1, a.iters - a.warmup)
    if a.schedule == "cosine":
        return a.lr * 0.5 * (1 + math.cos(math.pi * t))
    if a.schedule == "linear":
        return a.lr * (1 - t)
    return a.lr * (0.1 ** sum(t * 9 >= m for m in (6, 8)))  # t >= 2/3, 8/9 without rounding them


def schedule_notes(a):
    """A note where the warm-up does not end before --iters: the learning rate then rises for the
    whole run, to a fraction of --lr, and never decays (the default --warmup 300 in a short run)."""
    if 0 < a.iters <= a.warmup:
        # lr_at's factor at the last iteration, not lr_at called here: the tests' signal helpers
        # patch lr_at as the training loop's per-iteration hook (a call before the loop fired it
        # while no handler was installed, and the SIGTERM ended the whole make train).
        last = 0.001 + 0.999 * (a.iters - 1) / a.warmup
        return ["--warmup %d is not under --iters %d: the learning rate rises for the whole run (to %.2g of --lr) "
                "and never decays; give a --warmup under --iters" % (a.warmup, a.iters, last)]
    return []


def make_optimizer(a, model):
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        if p.requires_grad:
            (no_decay if p.ndim <= 1 else decay).append(p)
    groups = [{"params": decay, "weight_decay": a.wd}, {"params": no_decay, "weight_decay": 0.0}]
    if a.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=a.lr, momentum=0.9)
    return torch.optim.AdamW(groups, lr=a.lr)


def optimizer_kind(state):
    """The kind of optimizer ("sgd", "adamw") whose state dict state is, by its groups' settings."""
    group = state["param_groups"][0] if state.get("param_groups") else {}
    return "sgd" if "momentum" in group else "adamw" if "betas" in group else None


def load_optimizer_state(opt, state):
    """Loads a checkpoint's optimizer state (momenta, moments) into opt and keeps opt's own settings:
    torch's load_state_dict takes the checkpoint's, so a run resumed with another --wd went on
    under the old one while its note said the new. ValueError for another kind of optimizer's
    state (an AdamW's loaded into SGD failed at the first step with KeyError: 'momentum')."""
    settings = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    have, was = optimizer_kind(opt.state_dict()), optimizer_kind(state)
    if was is not None and have != was:
        raise ValueError("the checkpoint's optimizer is %s, this run's %s" % (was, have))
    opt.load_state_dict(state)
    for g, kept in zip(opt.param_groups, settings):
        g.update(kept)


# ---------------------------------------------------------------------------------------------
# Evaluation with the Go engine


class Evaluator:
    """Exports the model to .bin and runs Go `cocoeval -model` on each held-out set, restricted to the
    model's classes and under their names (restrict_gt), so that results are keyed by the model's
    class names, as --select names them."""

    def __init__(self, a, out, classes):
        self.out, self.classes = out, classes
        self.sets = []
        os.makedirs(os.path.join(out, "eval"), exist_ok=True)
        for spec in a.eval:
            if "=" not in spec:
                raise SystemExit("--eval %r: want NAME=IMAGES:JSON" % spec)
            name, pair = spec.split("=", 1)
            if not re.fullmatch(r"[\w.-]+", name):
                # (a / made open() fail with a traceback once the set was read; an empty name or a :
                # cannot be named by --select NAME:CLASS:STAT)
                raise SystemExit("--eval %r: the set's name %r, want letters, digits, '.', '_' or '-' (it names "
                                 "OUT/eval/NAME_gt.json and --select's NAME:CLASS:STAT)" % (spec, name))
            if any(name == n for n, _, _ in self.sets):
                raise SystemExit("--eval %s: two sets of that name (their results would be one): name each its own"
                                 % name)
            images, ann = parse_pair(pair)
            # Checked now, not at the first evaluation (10,000 iterations into the Table 7 recipe).
            if not os.path.isdir(images):
                raise SystemExit("--eval %s: no image folder %s" % (name, images))
            if not os.path.isfile(ann):
                raise SystemExit("--eval %s: no annotation file %s" % (name, ann))
            try:  # as --data's: a COCO object with an images list, every image there and readable
                load_coco(images, ann, polygons=False)
            except SystemExit as e:
                raise SystemExit("--eval %s: %s" % (name, e))
            gt = os.path.join(out, "eval", name + "_gt.json")
            for note in restrict_gt(ann, gt, classes):
                print("note: --eval %s: %s" % (name, note), flush=True)
            self.sets.append((name, images, gt))
        self.threads = a.eval_threads
        self.bin = a.cocoeval
        if self.sets and self.bin and shutil.which(self.bin) is None:  # (a path, or a command on PATH)
            raise SystemExit("--cocoeval %s: not an executable file (build one: go build -o bin/ ./cmd/cocoeval)" % self.bin)
        if self.sets and not self.bin:
            # absolute: go builds it from the repository, the run calls it from its own directory
            self.bin = os.path.abspath(os.path.join(out, "cocoeval"))
            try:
                subprocess.run(["go", "build", "-o", self.bin, "./cmd/cocoeval"], cwd=REPO, check=True,
                               env=dict(os.environ, PATH="/usr/local/go/bin:" + os.environ.get("PATH", "")))
            except (OSError, subprocess.CalledProcessError) as e:
                raise SystemExit("--eval needs the Go cocoeval, and building it here failed (%s): install Go and "
                                 "OpenCV (scripts/setup), or give --cocoeval PATH to a bin/cocoeval built elsewhere, "
                                 "or leave out --eval" % e)

    def check_loads(self, model_bin, config):
        """SystemExit unless Go cocoeval loads model_bin, this run's model file: an evaluation on
        no images (under a second). A preset value of the right kind that the engine refuses (an
        nms_thresh of 1.5) would otherwise fail every evaluation of the run, each after its
        iterations, and leave only model files the engine cannot load."""
        gt = os.path.join(self.out, "eval", "start_gt.json")
        images = os.path.join(self.out, "eval", "start_images")
        results = os.path.join(self.out, "eval", "start_results.json")
        os.makedirs(images, exist_ok=True)
        with open(gt, "w") as f:  # (cocoeval -model wants the model's classes among the categories)
            json.dump({"images": [], "annotations": [],
                       "categories": [{"id": cid, "name": name} for cid, name in self.classes]}, f)
        try:
            p = subprocess.run([self.bin, "-model", model_bin, "-gt", gt, "-images", images, "-out", results],
                               capture_output=True, text=True)
        except OSError as e:
            raise SystemExit("--eval: cannot run %s: %s" % (self.bin, e))
        finally:
            for path in (gt, results):
                if os.path.exists(path):
                    os.remove(path)
            os.rmdir(images)
        if p.returncode != 0:
            raise SystemExit("the Go engine refuses this run's model file (its configuration: --config %s and the "
                             "data's classes), so every evaluation would fail: %s" % (config, p.stderr.strip()[-2000:]))

    def __call__(self, model_bin):
        """{set name: {"stats": [12], "classes": {name: [12]}}}"""
        res = {}
        for name, images, gt in self.sets:
            results = os.path.join(self.out, "eval", name + "_results.json")
            try:
                p = subprocess.run([self.bin, "-model", model_bin, "-gt", gt, "-images", images, "-out", results,
                                    "-threads", str(self.threads), "-json"], capture_output=True, text=True)
            except OSError as e:  # (the program gone since the start: a failed evaluation, not the run's end)
                raise RuntimeError("cocoeval on %s failed: %s" % (name, e)) from e
            if p.returncode != 0:
                raise RuntimeError("cocoeval on %s failed: %s" % (name, p.stderr.strip()[-2000:]))
            try:
                rep = json.loads(p.stdout)
            except ValueError:
                raise RuntimeError("cocoeval on %s printed no JSON report: %r" % (name, p.stdout[-500:]))
            problem = report_problem(rep)
            if problem:  # (another program, or another version's report: a failed evaluation too)
                raise RuntimeError("cocoeval on %s printed a JSON report %s: %r" % (name, problem, p.stdout[-500:]))
            res[name] = {"stats": rep["stats"],
                         "classes": {c["name"]: c["stats"] for c in rep["categories"]}}
        return res


def report_problem(rep):
    """What keeps cocoeval's JSON report rep from being read (an object with "stats", 12 numbers,
    and "categories", a list of objects each with a "name" and 12 "stats"), or None."""
    def stats(v):
        return isinstance(v, list) and len(v) == 12 and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)

    if not isinstance(rep, dict):
        return "that is a %s, not an object" % json_kind(rep)
    if not stats(rep.get("stats")):
        return "without \"stats\" (12 numbers)"
    cats = rep.get("categories")
    if not isinstance(cats, list):
        return "without \"categories\" (a list)"
    for i, c in enumerate(cats):
        if not isinstance(c, dict) or not isinstance(c.get("name"), str) or not stats(c.get("stats")):
            return "whose categories[%d] is not an object with a \"name\" and \"stats\" (12 numbers)" % i
    return None


def restrict_gt(src, dst, classes):
    """Writes the ground truth at src to dst for an evaluation of the model's classes [(id, name)]:
    its categories are those classes under the model's names (a class the set lacks too: without
    annotations its AP is -1, left out of the means, as Go cocoeval -model wants every class of the
    model in the ground truth), the annotations of other categories and the segmentations dropped,
    crowd regions kept. Returns notes on the ids that the set names otherwise."""
    try:
        with open(src) as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        raise SystemExit("%s: %s" % (src, e))
    theirs = {c["id"]: c for c in d.get("categories") or [] if isinstance(c, dict) and "id" in c}
    notes = ["%s names category %d %s, the model %s: its results are under the model's name" % (
        src, i, json.dumps(theirs[i].get("name")), json.dumps(n)) for i, n in classes
        if i in theirs and theirs[i].get("name") != n]
    d["categories"] = [dict(theirs.get(i, {}), id=i, name=n) for i, n in classes]
    keep = {i for i, _ in classes}
    d["annotations"] = [x for x in d.get("annotations", []) if x.get("category_id") in keep]
    for x in d["annotations"]:
        x.pop("segmentation", None)
    with open(dst, "w") as f:
        json.dump(d, f)
    return notes


def write_tmp(path, write, what):
    """Writes path's .tmp with write(tmp) and syncs it to the disk (a node that crashes after the
    caller's rename would otherwise keep a name without data), for the caller to rename over path.
    Where it fails, the .tmp is removed (no half file taking the space); a failed write (a full
    disk) is SystemExit naming path and what, the file there left as it was."""
    tmp = path + ".tmp"
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        if isinstance(e, OSError):
            raise SystemExit("%s: cannot write %s (%s); the one there is left as it was: make room and run the "
                             "same command again" % (path, what, e.strerror or e))
        raise


def save_bin_synced(model, cfg, path):
    """Writes the model as path's .tmp (save_bin) through write_tmp (a Python traceback and a .tmp
    left on a full disk before)."""
    write_tmp(path, lambda tmp: save_bin(model, tmp, cfg), "the model")


def export(model, cfg, path):
    """Write the detector as a .bin at its test resolution (eval-mode BN statistics), through
    save_bin_synced."""
    was = model.training
    model.eval()
    save_bin_synced(model, cfg, path)
    os.replace(path + ".tmp", path)
    model.train(was)


# ---------------------------------------------------------------------------------------------
# Checkpoints


class WeightAverage:
    """An exponential moving average of a model's weights and BN statistics (Polyak averaging), what
    --ema exports: it smooths the last few hundred iterations' noise, as averaging a cycle's last
    checkpoints does. The decay ramps up over the first updates ((1 + n) / (10 + n)) so that an early
    average is not dominated by its starting point."""

    def __init__(self, model, decay):
        self.decay, self.updates = decay, 0
        self.model = copy.deepcopy(model).eval()
        for q in self.model.parameters():
            q.requires_grad_(False)

    @torch.no_grad()
    def update(self, model):
        self.updates += 1
        d = min(self.decay, (1 + self.updates) / (10 + self.updates))
        avg = self.model.state_dict()
        for k, v in model.state_dict().items():
            if v.dtype.is_floating_point:
                avg[k].mul_(d).add_(v.detach(), alpha=1 - d)
            else:  # BN's num_batches_tracked
                avg[k].copy_(v)

    def state_dict(self):
        return {"model": self.model.state_dict(), "updates": self.updates}

    def load_state_dict(self, state):
        self.model.load_state_dict(state["model"])
        self.updates = state["updates"]


def ignore_stop_signals(_worker_id):
    """A DataLoader worker's start: SIGINT and SIGTERM are for the main process, which finishes its
    iteration and writes the checkpoint. A job scheduler (scancel) or a terminal sends them to the
    whole process group; a worker that died of one (torch installs a SIGTERM handler that ends it)
    took the run down with it, without a checkpoint."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


def kill_workers(batches):
    """Ends the DataLoader workers behind the iterator batches before a run stops on an error. They
    ignore SIGTERM (ignore_stop_signals), which the DataLoader ends them with when they do not stop
    at its word. _workers is the iterator's private list of them (none without workers)."""
    for w in getattr(batches, "_workers", []):
        w.kill()
        w.join()


def run_script(main):
    """Runs a training script's main. On an error (one a DataLoader worker raised too) the workers
    are killed before the traceback ends the process: they ignore SIGTERM (ignore_stop_signals),
    and at exit Python's multiprocessing stops its daemonic children with SIGTERM and waits for
    them, so the process printed the traceback and never exited, holding its GPUs. torch's SIGCHLD
    handler, which raises for a DataLoader worker that died, is taken away first: it went off over
    the traceback, which came out as "lost sys.stderr". The process exits with main's status
    (exit_status; None is 0)."""
    try:
        status = main()
    except BaseException:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for p in multiprocessing.active_children():
            p.kill()
        raise
    sys.exit(status)


# The arguments that change what a run trains (schedule, batches, augmentation, sampling, BN): a
# resumed run with others goes on under settings it did not start with (legitimate, as extending
# --iters, but worth a word). The architecture, classes and --optimizer are the checkpoint's (another
# is refused); --data, --trunk and --init are noted apart, and so is whether the decoded images are
# cached (--cache, --no-cache, or their default by the data's size: cached images are pre-shrunk, so
# the pixels trained on differ), by the checkpoint's record; the rest (--out, --workers, --threads,
# logging, checkpoints, evaluations, --stop-after, ...) leave the training as it is.
TRAINING_ARGS = ("config", "iters", "batch", "accum", "lr", "wd", "warmup", "schedule", "clip", "ema",
                 "train_sizes", "flip", "color", "crop", "mosaic", "copy_paste", "anchor_sizes", "rpn_batch",
                 "box_batch", "train_pre_nms", "train_post_nms", "bn", "seed")


def started_args(args_path):
    """The arguments a run started with (its args.json); {} where there are none to read."""
    try:
        with open(args_path) as f:
            args = json.load(f)
    except (OSError, ValueError):
        return {}
    return args if isinstance(args, dict) else {}


def changed_schedule(args_path, a, keys, p, unset=None):
    """Notes on the arguments of a resumed run a that differ from its start's (args.json at
    args_path): those of keys (what it trains), its --data, and its --trunk, --init or
    --no-zero-init-residual (not read: the weights are the checkpoint's). An entry args.json lacks (a run of an older version of the
    script, before the flag was recorded) counts as the flag's default in the parser p, and a note
    names it. An entry empty or missing for a flag whose value a run works out when it is not given
    counts as that value, unset's (--train-sizes, from the test size), as a run now records it.
    An args.json that cannot be read is one note, and nothing is compared."""
    first = started_args(args_path)
    if not first:
        return ["%s: missing or not a JSON object of arguments: the run's starting arguments are unknown, "
                "none compared with these" % args_path]

    def flag(k):
        return "--" + k.replace("_", "-")

    def spelled(k, v):  # (train_detector's --data is a list, train_imagenet's one folder)
        if v is None or v == "":
            return "no " + flag(k)
        return " ".join(v) if isinstance(v, list) else str(v)

    def setting(k, v):
        return spelled(k, v) if v is None or v == "" else "%s %s" % (flag(k), spelled(k, v))

    compared = [k for k in keys if hasattr(a, k)] + [k for k in ("trunk", "init") if getattr(a, k, None) is not None]
    missing = [k for k in compared if k not in first]
    was = {k: first.get(k, p.get_default(k)) for k in compared}
    for k, v in (unset or {}).items():
        if k in was and was[k] in (None, ""):
            was[k] = v
    notes = []
    if missing:
        notes.append("%s records no %s (written by an older version of the script): taken as the default%s, %s" % (
            args_path, ", ".join(flag(k) for k in missing), "s" if len(missing) > 1 else "",
            "; ".join(setting(k, was[k]) for k in missing)))
    notes += ["%s, the run started with %s: it goes on under the new value" % (setting(k, getattr(a, k)), spelled(k, was[k]))
              for k in keys if k in compared and was[k] != getattr(a, k)]
    if "data" in first and first["data"] != a.data:
        notes.append("--data %s, the run started with %s: it goes on over the new data" % (
            spelled("data", a.data), spelled("data", first["data"])))
    notes += ["%s %s, the run started with %s: not read, the weights are the checkpoint's" % (
        flag(k), getattr(a, k), spelled(k, was[k])) for k in ("trunk", "init") if k in compared and was[k] != getattr(a, k)]
    if getattr(a, "no_zero_init_residual", False) and not first.get("no_zero_init_residual", False):
        notes.append("--no-zero-init-residual, the run started without it: not read, the weights are the checkpoint's")
    return notes


def check_resumed_iters(path, start, iters):
    """SystemExit when the checkpoint at path is at an iteration past --iters: such a run would
    train nothing and end as if finished."""
    if start > iters:
        raise SystemExit("%s: the checkpoint is at iteration %d, past --iters %d: nothing to train; give --iters "
                         "above %d to go on, or start a new --out, or --no-resume" % (path, start, iters, start))


def check_resumed_classes(ck, path, args_path, spec, classes):
    """SystemExit when the checkpoint ck (at path) trained other classes than this run's [(id, name)]:
    by its classes, or, in a checkpoint written before they were saved, by its run's --classes in
    args.json (spec: this run's). A resume would relabel its classes, or fail on their number."""
    started = started_args(args_path).get("classes")
    was = ck.get("classes")
    if was is not None:
        was = [(int(i), n) for i, n in was]
        if was == classes:
            return
        first = next((k for k, (w, c) in enumerate(zip(was, classes)) if w != c), min(len(was), len(classes)))
        theirs = "the classes %s (%d; the first difference: class %d is %s there, %s here)" % (
            describe_classes(was), len(was), first + 1, "%d %s" % was[first] if first < len(was) else "none",
            "%d %s" % classes[first] if first < len(classes) else "none")
    elif started is None or started == spec:
        return
    else:
        theirs = "--classes %s" % json.dumps(started)
    raise SystemExit("%s: the checkpoint of a run of %s; this run's are %s: resume it with its own --classes%s "
                     "(and --data), or start a new --out, or --no-resume" % (
                         path, theirs, describe_classes(classes),
                         " (%s: %s)" % (args_path, "--classes " + started if started else "no --classes")
                         if started is not None else ""))


def check_run_folder(out):
    """SystemExit naming the run folder --out where it cannot be made (a file of that name, a file
    or an unwritable folder above it), checked before anything is read; make_run_folder makes it
    once the rest of the run is checked, so that a mistake leaves no empty folder behind."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise SystemExit("--out %s: not a folder (a file of that name is there): give the run's own folder" % out)
    above = os.path.dirname(os.path.abspath(out))
    while not os.path.exists(above):
        above = os.path.dirname(above)
    if not os.path.isdir(above):
        raise SystemExit("--out %s: cannot make the run folder: %s is a file" % (out, above))
    if not os.path.exists(out) and not os.access(above, os.W_OK | os.X_OK):
        raise SystemExit("--out %s: cannot make the run folder: %s is not writable" % (out, above))


def make_run_folder(out):
    """Makes the run folder --out (and its parents) where it is not there (check_run_folder has
    checked that it can be); SystemExit naming it where it still cannot be."""
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        raise SystemExit("--out %s: cannot make the run folder: %s" % (out, e.strerror or e))


def load_checkpoint(path, device):
    """OUT/last.pt to resume from; one that cannot be read (a copy cut short, a damaged disk) stops
    the run naming it and the ways on, not with an unpickling traceback."""
    try:
        ck = torch_load_checked(path, map_location=device, weights_only=False)
    except Exception as e:  # pickle raises many kinds: a text file's ValueError, another program's
        # ModuleNotFoundError or AttributeError for a class this one lacks, as --trunk and export.py catch
        if isinstance(e, MemoryError) or isinstance(e, RuntimeError) and ("CUDA" in str(e) or "out of memory" in str(e)):
            raise  # the device's trouble, not the file's: the checkpoint may be good
        raise SystemExit("%s: cannot be read to resume from (%s: %s); --no-resume starts over, or move it away" % (
            path, type(e).__name__, e.strerror if isinstance(e, OSError) and e.strerror else e))
    # Another file saved under the name (a bare state dict, a list) was a KeyError or an
    # AttributeError once read.
    if not isinstance(ck, dict) or not all(k in ck for k in ("model", "optimizer", "iteration")) or \
            type(ck["iteration"]) is not int:
        raise SystemExit("%s: cannot be read to resume from (not a checkpoint of a train_detector.py run: want its "
                         "model, optimizer and iteration); --no-resume starts over, or move it away" % path)
    return ck


def log_rows(path):
    """The lines of a JSON-lines log (log.jsonl, evals.jsonl) and their iterations, as (line, iter)
    pairs: a row cut short by a kill, or one without an integer "iter", has iter None; no file,
    no rows."""
    try:
        with open(path) as f:
            lines = f.readlines()
    except FileNotFoundError:
        return []
    rows = []
    for line in lines:
        try:
            it = json.loads(line).get("iter")
        except (ValueError, AttributeError):
            it = None
        rows.append((line, it if isinstance(it, int) else None))
    return rows


def evaluated(path, it):
    """Whether evals.jsonl at path has a row for iteration it."""
    return any(i == it for _, i in log_rows(path))


def scored_evals(path, select):
    """(score, row) for each of evals.jsonl's rows at path that has the score select names: a row
    cut short by a kill, or one without the set or class select names (an evaluation under
    another --select), is passed over."""
    for line, it in log_rows(path):
        if it is None:
            continue
        try:
            row = json.loads(line)
            m = metric(row["eval"], select)
        except (KeyError, TypeError, IndexError):
            continue
        if isinstance(m, (int, float)):
            yield m, row


def replace_best_bin(out, model):
    """Copies the model file model (a path) to OUT/best.bin, atomically: a kill mid-copy leaves the
    last best.bin whole."""
    path = os.path.join(out, "best.bin")
    shutil.copyfile(model, path + ".tmp")
    os.replace(path + ".tmp", path)


def logged_best(path, select, best):
    """The best score select names among evals.jsonl's rows at path and best (the checkpoint's):
    a run killed after an evaluation had replaced best.bin, before the checkpoint that records its
    score was written, resumes knowing that score (else a worse model could replace best.bin)."""
    for m, _ in scored_evals(path, select):
        if best is None or m > best:
            best = m
    return best


def reselect_best(out, was, select):
    """A run resumed under --select select whose checkpoint's best (and best.bin) was picked by
    another metric, was: the best by select of the run's evaluations so far (evals.jsonl) whose
    model file (iterNNNNNN.bin) is still there, copied to best.bin. Where there is none, best.bin
    (the other metric's pick) is moved aside to best-WAS.bin, not deleted, and the result is None:
    the next evaluation writes best.bin. Without this a score by one metric was compared with
    scores by the other."""
    best, best_bin = None, None
    for m, row in scored_evals(os.path.join(out, "evals.jsonl"), select):
        name = row.get("bin")
        if isinstance(name, str) and os.path.isfile(os.path.join(out, name)) and (best is None or m > best):
            best, best_bin = m, name
    if best is not None:
        replace_best_bin(out, os.path.join(out, best_bin))
        print("note: --select %s, where the checkpoint's run picked best.bin by %s: best.bin is now %s "
              "(%s = %.4f), the best by %s of the evaluations so far whose model file is here" % (
                  select, was, best_bin, select, best, select), flush=True)
        return best
    aside, path = "", os.path.join(out, "best.bin")
    if os.path.exists(path):
        aside = os.path.join(out, "best-%s.bin" % re.sub(r"[^A-Za-z0-9._-]+", "-", was))
        os.replace(path, aside)
        aside = " best.bin, picked by %s, moved to %s;" % (was, aside)
    print("note: --select %s, where the checkpoint's run picked best.bin by %s: no evaluation so far whose model "
          "file is here has a %s score;%s the next evaluation writes best.bin" % (select, was, select, aside), flush=True)
    return None


def trim_log(path, upto):
    """Keeps the rows of a JSON-lines log (log.jsonl, evals.jsonl) up to iteration upto, the
    checkpoint a run resumes from: a resumed run logs the iterations after it again, and a run
    started over (upto 0) logs from the start. A row cut short by a kill is dropped."""
    rows = log_rows(path)
    keep = [line if line.endswith("\n") else line + "\n" for line, it in rows if it is not None and it <= upto]
    if len(keep) != len(rows):
        with open(path + ".tmp", "w") as f:
            f.writelines(keep)
        os.replace(path + ".tmp", path)


def start_afresh(ckpt_path, a):
    """A run that starts over (no checkpoint, or --no-resume): removes an earlier run's OUT/last.pt
    (killed before its own first checkpoint, the same command without --no-resume resumed that run
    under this one's args.json and logs, silently) and writes this run's OUT/args.json through
    write_tmp (a kill or an error mid-write left a cut one)."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(ckpt_path)
    path = os.path.join(a.out, "args.json")

    def write(tmp):
        with open(tmp, "w") as f:
            json.dump(vars(a), f, indent=1)
    write_tmp(path, write, "the run's arguments")
    os.replace(path + ".tmp", path)


def save_checkpoint(path, model, opt, it, train_seconds, best, ema=None, images=None, global_batch=None,
                    classes=None, cache=None, select=None):
    """Writes OUT/last.pt atomically, through write_tmp (on the disk before it replaces the last
    one; a full disk is SystemExit naming it, the last one left as it was). images: the
    training images consumed so far (where a resumed run's batch stream goes on); global_batch:
    processes x batch x accumulation, to say so when a resumed run's differs; classes: a detector's
    [(id, name)], which a resumed run must have; cache: whether a detector run's decoded images are
    cached (pre-shrunk), to say so when a resumed run's are not, or the other way round; select: the
    --select metric best is a score of (a run resumed under another one scores best.bin anew)."""
    ck = {"model": model.state_dict(), "optimizer": opt.state_dict(), "iteration": it,
          "train_seconds": train_seconds, "best": best, "images": images, "global_batch": global_batch,
          "select": select}
    if classes is not None:
        ck["classes"] = [list(c) for c in classes]
    if cache is not None:
        ck["cache"] = cache
    if ema is not None:
        ck["ema"] = ema.state_dict()
    # Serialized in memory first: torch's file writer, failing on a full disk, aborted the process
    # (a c10::Error thrown from its destructor) with a C++ traceback that named no file.
    buf = io.BytesIO()
    torch.save(ck, buf)

    def write(tmp):
        with open(tmp, "wb") as f:
            f.write(buf.getbuffer())
    write_tmp(path, write, "the checkpoint of iteration %d" % it)
    os.replace(path + ".tmp", path)


def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        init_distributed(a.dist_timeout)
        rank, world = dist.get_rank(), dist.get_world_size()
        local = int(os.environ.get("LOCAL_RANK", "0"))
        device = torch.device("cuda", local) if torch.cuda.is_available() else torch.device("cpu")
        if device.type == "cuda":
            torch.cuda.set_device(device)
    else:
        rank, world = 0, 1
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    main_proc = rank == 0
    check_bn(a.bn, distributed, device)
    check_run_folder(a.out)

    backbone, det = config_file(a.config)
    if det is None:  # (a TypeError on its classes)
        raise SystemExit("%s: no detector section: train_detector.py trains a detector (a classifier's config is "
                         "train_imagenet.py's)" % a.config)
    ckpt_path = os.path.join(a.out, "last.pt")
    saved = None
    if a.export_now and os.path.exists(ckpt_path) and not a.no_resume:
        saved = load_checkpoint(ckpt_path, "cpu").get("classes")
    if saved is not None:
        # --export-now: the checkpoint's classes; the data is not read (COCO train's JSON is 450 MB)
        classes, records = [(int(i), n) for i, n in saved], []
    else:
        # The run's classes are the training data's categories (--classes: some of them, in its order).
        records, sources, box_notes = [], [], []
        for spec in a.data:
            images, ann = parse_pair(spec)
            recs, cats = load_coco(images, ann, polygons=a.copy_paste > 0, notes=box_notes)
            records += recs
            sources.append((ann, cats))
        categories, notes = data_categories(sources, [(c["id"], c["name"]) for c in det["classes"]], a.config)
        notes += box_notes
        classes = select_classes(a.classes, categories)
        if not a.classes:
            notes += ["category %d %s left out: the Go engine's classes have ids of 1 or more" % (cid, json.dumps(name))
                      for cid, name in sorted(categories.items()) if cid < 1]
        records, dropped = label_records(records, [c for c, _ in classes])
        if not any(len(r["boxes"]) for r in records):
            raise SystemExit("--data %s: no boxes of %s in its %d images" % (
                " ".join(a.data), ",".join(n for _, n in classes), len(records)))
        if main_proc:
            for note in notes:
                print("note: " + note, flush=True)
    det["classes"] = [{"id": i, "name": n} for i, n in classes]
    problem = engine_range_problem(det)  # (with the data's classes: the bounds of a frame's work count them)
    if problem:
        raise SystemExit("%s with the %d classes of the data: %s" % (a.config, len(classes), problem))
    if a.anchor_sizes:
        sizes = parse_sizes("--anchor-sizes", a.anchor_sizes, 1)
        if len(sizes) != len(det["rpn"]["anchor_sizes"]) or max(sizes) > 32768:
            # 32768: the Go loader's limit on anchor sizes (transform.MaxSide); a larger size would train, then
            # every exported model would be refused
            raise SystemExit("--anchor-sizes %s: want %d sizes in 1..32768" % (a.anchor_sizes,
                                                                             len(det["rpn"]["anchor_sizes"])))
        det["rpn"]["anchor_sizes"] = sizes
    cfg = make_config(backbone, det)
    test_res = det["min_size"]
    if test_res not in RES_MAX:
        raise SystemExit("%s: min_size %r: the recipes have presets for 300 and 600 (the paper's sizes)" % (a.config, test_res))

    torch.manual_seed(a.seed)
    model = build_detector(cfg)
    if device.type == "cpu":
        # torchvision's CPU RoIAlign backward scatters one value at a time; the same function as
        # two matrix products per image (roi_align.py) makes a demo-model iteration 1.2-1.8x faster.
        pool = model.roi_heads.box_roi_pool
        model.roi_heads.box_roi_pool = fixed_scale(SeparableRoIAlign(pool.featmap_names, pool.output_size,
                                                                     pool.sampling_ratio))
    # A resumed run's weights are its checkpoint's: --init and --trunk are not read (the file may
    # have moved since the start; args.json keeps the name the run started from).
    resuming = os.path.exists(ckpt_path) and not a.no_resume
    if not resuming:
        if a.init:
            for note in init_from_bin(model, a.init, cfg):
                if main_proc:
                    print("note: " + note, flush=True)
        elif a.trunk:
            # a .bin (or our own last.pt) already takes our input; a megvii checkpoint is converted
            try:
                state, have = read_bin(a.trunk) if a.trunk.endswith(".bin") else (load_imagenet_state(a.trunk), None)
            except SystemExit:
                raise
            except Exception as e:  # a missing file, a text file, a damaged one: torch and pickle raise many kinds
                raise SystemExit("--trunk %s: cannot be read as a .bin or a PyTorch checkpoint: %s" % (a.trunk, e))
            if is_detector_state(state):
                raise SystemExit("--trunk %s: a detector's weights (its RPN and box heads), not an ImageNet trunk's: "
                                 "go on from a detector .bin with --init (a train_detector.py OUT/last.pt: export it with "
                                 "its run's arguments and --export-now first)" % a.trunk)
            if have is not None:
                check_trunk_architecture(a.trunk, have, cfg, a.config)
            try:
                model.trunk.load_state_dict({k: v for k, v in state.items() if not k.startswith("classifier.")},
                                            strict=True)
            except RuntimeError as e:
                lines = str(e).strip().splitlines()
                raise SystemExit("--trunk %s: not a trunk of this preset's architecture (%s)" % (
                    a.trunk, lines[1].strip() if len(lines) > 1 else e))
        else:
            # Frozen, a gamma of 0 stays 0: each stride-1 unit's residual branch would output 0 and get
            # no gradient for the whole run (13 of the 16 units of the trunk never trained).
            init_from_scratch(model, not a.no_zero_init_residual and a.bn != "frozen")
            if a.bn == "frozen" and main_proc:
                print("note: --bn frozen from scratch: the BatchNorm layers keep their initial statistics (mean 0, "
                      "variance 1) and affine (1, 0), so they normalize nothing, and the residual branches start at "
                      "gamma 1, not 0 (frozen at 0 they would never train); --bn frozen is for a pretrained trunk "
                      "(--trunk, --init)", flush=True)
    sizes = parse_sizes("--train-sizes", a.train_sizes, 32) if a.train_sizes else default_train_sizes(test_res)
    a.train_sizes = ",".join(str(v) for v in sizes)  # args.json records the sizes used
    max_long = round(max(sizes) * RES_MAX[test_res] / test_res)
    model.transform.min_size = sizes
    model.transform.max_size = max_long
    model.rpn._pre_nms_top_n["training"] = a.train_pre_nms
    model.rpn._post_nms_top_n["training"] = a.train_post_nms
    model.rpn.fg_bg_sampler.batch_size_per_image = a.rpn_batch
    model.roi_heads.fg_bg_sampler.batch_size_per_image = a.box_batch
    if a.bn == "frozen":
        freeze_bn(model)
    model.to(device)
    opt = make_optimizer(a, model)
    ema = WeightAverage(model, a.ema) if a.ema > 0 else None

    make_run_folder(a.out)  # once the data, preset and weights are checked: a mistake there leaves no empty folder
    start, train_seconds, best, best_select = 0, 0.0, None, None
    global_batch = world * a.batch * a.accum
    first_image = None  # the stream's position at start (None: start x global_batch)
    ck = None
    if resuming:
        ck = load_checkpoint(ckpt_path, device)
    if distributed:  # every process reads its own OUT/last.pt: they must agree before anything else
        agree_on_start(ck["iteration"] if ck is not None else 0, device, ckpt_path)
    if ck is not None:
        if a.time_budget > 0:
            raise SystemExit("%s: a --time-budget run does not resume (its schedule follows the clock); "
                             "start a new --out, --init from its .bin" % ckpt_path)
        check_resumed_classes(ck, ckpt_path, os.path.join(a.out, "args.json"), a.classes, classes)
        was = optimizer_kind(ck["optimizer"])
        if was is not None and was != a.optimizer:
            raise SystemExit("%s: the checkpoint of a run with --optimizer %s, this run's is %s: resume it with "
                             "--optimizer %s, or go on from its exported .bin under the new optimizer with --init "
                             "and a new --out" % (ckpt_path, was, a.optimizer, was))
        try:
            model.load_state_dict(ck["model"])
            load_optimizer_state(opt, ck["optimizer"])
        except (RuntimeError, ValueError, KeyError) as e:
            first = str(e).strip().splitlines()
            raise SystemExit("%s: the checkpoint of another run (another preset, --classes or --bn?): "
                             "resume it with that run's arguments (%s), or start a new --out, or --no-resume "
                             "(%s)" % (ckpt_path, os.path.join(a.out, "args.json"), first[1].strip() if len(first) > 1 else e))
        start, train_seconds, best = ck["iteration"], ck["train_seconds"], ck["best"]
        best_select = ck.get("select")  # (None in checkpoints written before it was saved)
        if not a.export_now:
            check_resumed_iters(ckpt_path, start, a.iters)
        first_image = ck.get("images")  # (None in checkpoints written before it was saved)
        if ema is not None:
            if "ema" not in ck:
                raise SystemExit("%s: no weight average in this checkpoint (its run had no --ema); "
                                 "resume without --ema or start a new --out" % ckpt_path)
            ema.load_state_dict(ck["ema"])
        if main_proc:
            print("resumed %s at iteration %d (%.0f s trained)" % (ckpt_path, start, train_seconds), flush=True)
            unset = {"train_sizes": ",".join(str(v) for v in default_train_sizes(test_res))}
            for note in changed_schedule(os.path.join(a.out, "args.json"), a, TRAINING_ARGS, parser(), unset):
                print("note: " + note, flush=True)
            was = ck.get("global_batch")
            if was is not None and was != global_batch:
                print("note: global batch %d (%d processes x --batch %d x --accum %d), the checkpoint's %d: "
                      "--lr %g now applies to batches of %d (scale it with the batch to keep the run's "
                      "rate per image); the data goes on from image %d of the stream" % (
                          global_batch, world, a.batch, a.accum, was, a.lr, global_batch,
                          first_image if first_image is not None else start * global_batch), flush=True)
    elif a.export_now:
        raise SystemExit("%s: no checkpoint to export (--export-now goes with a run's own --out)" % ckpt_path)
    afresh = main_proc and not resuming  # (start_afresh once rank 0's checks below pass)

    def export_model(path):
        """Writes the model an evaluation scores (the moving average, if any) at the test size."""
        exported = ema.model if ema is not None else model
        set_resolution(exported, test_res)
        export(exported, cfg, path)
        exported.transform.min_size, exported.transform.max_size = sizes, max_long

    if a.export_now:
        if distributed:
            raise SystemExit("--export-now: run it as one process, not under torchrun")
        path = os.path.join(a.out, "iter%06d.bin" % start)
        export_model(path)
        print("wrote %s (iteration %d of %s)" % (path, start, ckpt_path), flush=True)
        return

    cache = a.cache or (not a.no_cache and len(records) <= CACHE_MAX_IMAGES)
    data = Detections(records, max(sizes), max_long, cache=cache, flip=a.flip, color=a.color,
                      crop=a.crop, mosaic=a.mosaic, copy_paste=a.copy_paste)
    nbox = sum(len(r["boxes"]) for r in records)
    if main_proc:
        per_class, notes = data_notes(records, classes, dropped, categories)
        print("data: %d images, %d boxes (%s)%s; %d processes x %d images x %d accumulation" % (
            len(records), nbox, per_class, "; decoded images cached" if cache else "",
            world, a.batch, a.accum), flush=True)
        for note in notes + schedule_notes(a):
            print("note: " + note, flush=True)
        if ck is not None and ck.get("cache") is not None and ck["cache"] != cache:
            # (Detections.load: a cached image is first shrunk by PIL, which smooths; the one
            # decoded each time is resized once, by torchvision: other pixels for the same draw)
            print("note: the decoded images are %s now, %s until this checkpoint (--cache, --no-cache, or their "
                  "default: cached for at most %d images): a cached image is pre-shrunk (by PIL, which smooths), "
                  "so the pixels the run trains on change from here" % (
                      "cached" if cache else "not cached", "not" if cache else "cached", CACHE_MAX_IMAGES), flush=True)

    ddp = model
    if distributed:
        if a.bn == "sync":
            ddp = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        ddp = nn.parallel.DistributedDataParallel(ddp, device_ids=[device.index] if device.type == "cuda" else None)

    select = a.select or (a.eval[0].split("=", 1)[0] + ":all:AP50" if a.eval else "")
    evaluator, refused = None, None
    if main_proc:  # rank 0's checks, once, before any training
        try:
            evaluator = Evaluator(a, a.out, classes)
            if select:
                check_select(select, [n for n, _, _ in evaluator.sets], [n for _, n in classes])
            if evaluator.sets:  # the Go engine loads the run's model file
                path = os.path.join(a.out, "eval", "start.bin")
                export_model(path)
                try:
                    evaluator.check_loads(path, a.config)
                finally:
                    os.remove(path)
        except SystemExit as e:
            refused = e
    # Every process stops where rank 0 does (alone, it left the others waiting at their first
    # step's collectives until torchrun ended the group).
    if stopping_rank(None if refused is None else str(refused.code), device) >= 0:
        raise refused or SystemExit("process 0 refused this run at its start (its message says why): every process stops")
    if afresh:  # (a run refused above leaves an earlier run's checkpoint and arguments as they were)
        start_afresh(ckpt_path, a)

    stop = StopSignals("signal %d: finishing this iteration, then writing the checkpoint" if main_proc else None)

    end = a.iters if a.stop_after <= 0 else min(a.iters, start + a.stop_after)
    sampler = BatchStream(len(data), a.seed, a.batch * a.accum, rank, world, start, end, first_image)
    loader = torch.utils.data.DataLoader(data, batch_sampler=sampler, num_workers=a.workers,
                                         collate_fn=collate, persistent_workers=False,
                                         worker_init_fn=ignore_stop_signals)
    reselected = False
    if main_proc:  # the logs hold this run's history: none of an earlier run's, no row twice
        for name in ("log.jsonl", "evals.jsonl"):
            trim_log(os.path.join(a.out, name), start)
        if select and resuming and best_select is not None and best_select != select:
            best, reselected = reselect_best(a.out, best_select, select), True
        elif select:
            best = logged_best(os.path.join(a.out, "evals.jsonl"), select, best)
    log = open(os.path.join(a.out, "log.jsonl"), "a") if main_proc else None
    model.train()
    it = start
    t_last = loop_start = time.time()
    sums, n_sums = {}, 0
    stopped_by = 0
    failed = []  # the iterations whose evaluation failed
    eval_stopped = False  # a signal stopped an evaluation: the run did not end as planned

    def save_now(it):
        save_checkpoint(ckpt_path, model, opt, it, train_seconds, best, ema, images=sampler.consumed(it),
                        global_batch=global_batch, classes=classes, cache=cache,
                        select=select or best_select)  # (a run without --eval scores nothing: best is still by best_select)

    if reselected:
        # At once, not at the first iteration's: best.bin is now picked by select, and a run killed
        # before its first checkpoint, resumed under the checkpoint's --select, rescores it only
        # where the checkpoint names select (else it took the old metric's best for best.bin's).
        save_now(start)

    def evaluate(it):
        nonlocal best
        path = os.path.join(a.out, "iter%06d.bin" % it)
        export_model(path)
        try:
            res = evaluator(path) if evaluator.sets else {}
        except RuntimeError as e:
            if stop.signum:
                # A terminal's Ctrl-C or a scheduler's SIGTERM to the process group ends cocoeval
                # too: the run stops at this iteration, whose checkpoint is written, and resumes
                # with this evaluation (not an evaluation that failed, nor one more iteration).
                print("evaluation at %d stopped by signal %d: it is done first when the run resumes" % (
                    it, stop.signum), flush=True)
                return "stopped"
            print("evaluation at %d failed: %s" % (it, e), flush=True)  # logged; training goes on
            failed.append(it)
            return "failed"
        if select:
            m = metric(res, select)
            print("eval at %d: %s = %.4f" % (it, select, m), flush=True)
            if best is None or m > best:
                best = m
                replace_best_bin(a.out, path)
        # The row after best.bin: a resumed run takes best.bin's score from the rows (logged_best),
        # and one killed before the row redoes this evaluation (it is not in evals.jsonl).
        rec = {"iter": it, "train_seconds": round(train_seconds, 1), "bin": os.path.basename(path), "eval": res}
        with open(os.path.join(a.out, "evals.jsonl"), "a") as f:
            f.write(json.dumps(rec) + "\n")
        return "done"

    # A run stopped during an evaluation resumes from the checkpoint written just before it:
    # that evaluation (and at the last iteration, the final model's export) is done first.
    due = start > 0 and ((a.eval_every > 0 and start % a.eval_every == 0) or start == a.iters)
    if main_proc and due and a.time_budget <= 0 and not evaluated(os.path.join(a.out, "evals.jsonl"), start):
        if evaluate(start) == "stopped":
            eval_stopped = True
        save_now(start)
    # (the other processes wait for rank 0's evaluation here)
    stopped_by, eval_stopped = stop_after_evaluation(stop.signum if eval_stopped else 0, eval_stopped, device)
    if eval_stopped:
        loader = []  # it stops there again

    batches = iter(loader)
    unreadable, bad_rank = None, -1
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            break
        except UnreadableImage as e:  # (decoding every image at the start would take minutes for COCO's 118k)
            unreadable = unreadable_image_message(e)
        bad_rank = stopping_rank(unreadable, device)  # (every process stops at this iteration)
        if bad_rank >= 0:
            break
        t0 = time.time()
        torch.manual_seed(a.seed * 1000003 + it * world + rank)  # torchvision's samplers draw from it
        elapsed = time.time() - loop_start
        if distributed and a.time_budget > 0:
            # One clock for the schedule, as for the end: each process's own (started a few
            # milliseconds apart) gave each replica another rate for the same averaged gradient,
            # and DDP never brings the weights back together.
            t = torch.tensor([elapsed], dtype=torch.float64, device=device)
            dist.broadcast(t, 0)
            elapsed = t.item()
        lr = lr_at(a, it, elapsed)
        for grp in opt.param_groups:
            grp["lr"] = lr
        opt.zero_grad(set_to_none=True)
        images, targets = batch
        losses_sum = {}
        for k in range(a.accum):
            sl = slice(k * a.batch, (k + 1) * a.batch)
            ims = [x.to(device) for x in images[sl]]
            tgs = [{kk: v.to(device) for kk, v in t.items()} for t in targets[sl]]
            # DDP averages the gradients over the processes once per iteration, at the last
            # micro-batch's backward; the earlier ones only accumulate.
            with ddp.no_sync() if distributed and k < a.accum - 1 else contextlib.nullcontext():
                losses = ddp(ims, tgs)
                loss = sum(losses.values()) / a.accum
                loss.backward()
            for kk, v in losses.items():
                losses_sum[kk] = losses_sum.get(kk, 0.0) + v.item() / a.accum
        if distributed:
            losses_sum = mean_over_processes(losses_sum, device)
        total = sum(losses_sum.values())
        if not math.isfinite(total):
            raise SystemExit("iteration %d: loss is %r (%s); lower --lr or raise --warmup" % (it, total, losses_sum))
        gnorm = nn.utils.clip_grad_norm_(model.parameters(), a.clip if a.clip > 0 else float("inf"))
        opt.step()
        if ema is not None:
            ema.update(model)
        it += 1
        train_seconds += time.time() - t0
        for kk, v in losses_sum.items():
            sums[kk] = sums.get(kk, 0.0) + v
        sums["loss"] = sums.get("loss", 0.0) + total
        sums["grad_norm"] = sums.get("grad_norm", 0.0) + float(gnorm)
        n_sums += 1
        # Every process ends at the same iteration: the clock is read on one and broadcast.
        out_of_time = a.time_budget > 0 and time.time() - loop_start >= a.time_budget
        if distributed and a.time_budget > 0:
            flag = torch.tensor([1 if out_of_time else 0], device=device)
            dist.broadcast(flag, 0)
            out_of_time = bool(flag.item())
        if out_of_time:
            end = it
        # Whether to stop, decided on the signals of all processes before the checkpoint: a signal
        # that reached another process only must still make rank 0 save. A signal arriving after
        # this point is counted at the next iteration (stop.signum stays set), on every process alike.
        stopped_by = stop_signal(stop.signum, device)
        stopping = stopped_by != 0
        if main_proc and (it % a.log_every == 0 or it == end):
            rec = {"iter": it, "lr": lr, "train_seconds": round(train_seconds, 1),
                   "s_per_iter": round((time.time() - t_last) / n_sums, 3)}
            rec.update({k: round(v / n_sums, 5) for k, v in sums.items()})
            log.write(json.dumps(rec) + "\n")
            log.flush()
            print(json.dumps(rec), flush=True)
            sums, n_sums, t_last = {}, 0, time.time()
        saved = main_proc and (it % a.ckpt_every == 0 or it == end or stopping)
        if saved:
            save_now(it)
        # A --time-budget run cannot resume, so one stopped by a signal exports its model too.
        last = it == a.iters or out_of_time or (a.time_budget > 0 and stopping)
        evaluating = (a.eval_every > 0 and it % a.eval_every == 0) or last
        if main_proc and evaluating:
            if not saved:  # an evaluation may outlast the grace a scheduler gives after SIGTERM
                save_now(it)
            if evaluate(it) == "stopped":
                eval_stopped = True
            else:
                save_now(it)  # with the evaluation's best
        if evaluating:
            # A signal during the evaluation stops the run here, every process alike (the others
            # wait for rank 0's evaluation at this collective).
            stopped_by, eval_stopped = stop_after_evaluation(stop.signum, eval_stopped, device)
            stopping = stopped_by != 0
        if stopping or out_of_time:
            break
    if bad_rank >= 0:
        kill_workers(batches)  # first: they ignore SIGTERM
        if main_proc and it > start:
            save_now(it)
        if unreadable is None:  # (another process's image: its message names it)
            unreadable = another_process_image(bad_rank)
        raise SystemExit("%s (drawn for iteration %d)%s: replace the file, or leave it out of its JSON, and "
                         "run the same command again" % (
                             unreadable, it + 1, "; the checkpoint at iteration %d is written" % it
                             if main_proc and it > start else ""))
    # Everything is written: from here a signal ends the process at once (torchrun sends SIGTERM to
    # the others as soon as one process exits with a signal's status).
    stop.restore()
    if it >= end and not eval_stopped:
        stopped_by = 0  # a signal during the last iteration: the run ended as planned all the same
    # A run whose evaluations failed (cocoeval crashed, printed no report) trained, but its evals.jsonl
    # and best.bin lack them: not a run that ended as planned, for a job script either.
    status = exit_status(stopped_by) or (1 if failed else 0)
    if main_proc:
        log.close()
        print("stopped at iteration %d of %d (%.0f s trained)%s%s%s" % (
            it, a.iters, train_seconds, "; best %s = %s" % (select, best) if select else "",
            "; stopped by signal %d: exit status %d%s" % (
                stopped_by, exit_status(stopped_by), "" if a.time_budget > 0 else ", resume with the same command")
            if stopped_by else "",
            "; the evaluations at iterations %s failed (above)%s" % (
                ", ".join(str(i) for i in failed), "" if stopped_by else ": exit status 1") if failed else ""),
            flush=True)
    if distributed:
        shutdown_distributed()
        # Skip the interpreter's teardown: in torch 1.13 a gloo process group's threads can
        # deadlock in it after everything above has finished (a process stuck with no Python
        # frame, seen after a SIGTERM to one rank: torchrun then waits forever). Everything this
        # run writes is closed by now; the DataLoader's workers watch this process and end too.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    return status


if __name__ == "__main__":
    run_script(main)
