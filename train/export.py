"""Export a ShuffleNet v1 classifier/backbone or a Faster R-CNN detector to a shuffledet .bin.

  /usr/bin/python3 train/export.py --out m.bin --random --seed 0 --groups 3 --width 1.0
  /usr/bin/python3 train/export.py --out m.bin --checkpoint ShuffleNetV1.1.0x.g3.pth.tar --groups 3 --width 1.0
  /usr/bin/python3 train/export.py --out det.bin --random --seed 1 --groups 3 --width 0.5 --detector --res 300
  /usr/bin/python3 train/export.py --out det.bin --random --config configs/presets/shufflenet-g3-1.0x-600.yaml
  /usr/bin/python3 train/export.py --out new.bin --restamp old.bin   # adds the checksum a file written before 2026-12-05 lacks
"""
import argparse
import json
import math
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from detector import (RES_MAX, build_detector, check_checksum, detector_section, load_detector_state,  # noqa: E402
                      make_config, model_state, randomize_detector_, read_bin, save_bin, write_bin)
from flags import number, whole  # noqa: E402
from safetensors_io import read_safetensors  # noqa: E402
from shufflenet import (DEFAULT_BACKBONE, GROUPS, SCALES, ShuffleNetV1, load_imagenet_state,  # noqa: E402
                       megvii_to_ours, randomize_, read_checkpoint)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--config", help="a YAML config (configs/presets/*.yaml): replaces the architecture and "
                   "detector flags below")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--random", action="store_true", help="seeded random weights (non-trivial BN stats)")
    src.add_argument("--checkpoint", help="megvii ImageNet checkpoint (.pth/.pth.tar, `module.` keys ok; "
                     "converted from megvii's BGR 0-255 input to ours, shufflenet.megvii_to_ours), our own "
                     "train_imagenet.py last.pt (as it is), or a detector state dict with .bin names (as it is); "
                     "not a train_detector.py last.pt: its run exports it (--export-now)")
    src.add_argument("--restamp", metavar="OLD.bin", help="a .bin without the checksum (written before "
                     "2026-12-05): its tensors and configuration as they are, with the checksum added")
    p.add_argument("--seed", type=whole(0, 2**32 - 1), default=0)  # (as train_detector.py's: a huge one was torch's overflow)
    p.add_argument("--groups", type=int, default=3, choices=[1, 2, 3, 4, 8])
    p.add_argument("--width", type=float, default=1.0, choices=[0.25, 0.5, 1.0, 1.5, 2.0])
    p.add_argument("--shallow", action="store_true")
    p.add_argument("--se", action="store_true")
    p.add_argument("--no-shuffle", action="store_true")
    p.add_argument("--num-classes", type=whole(0), default=1000, help="ImageNet classifier width (0 = none)")
    p.add_argument("--detector", action="store_true")
    p.add_argument("--res", type=int, default=600, choices=[300, 600])
    p.add_argument("--num-det-classes", type=whole(1, 10000), default=80,
                   help="detector classes: the first K of COCO's 80, or K named class_N beyond 80 (the Go "
                   "engine takes at most 10000)")
    p.add_argument("--score-thresh", type=number(0, 1, below=True), default=0.05)
    return p.parse_args(argv)


# A train_detector.py OUT/last.pt holds its run's weights, not how to export them (the preset, the
# classes, the weight average): its run writes its .bin.
RUN_CHECKPOINT = ("%s: a detector's checkpoint: a train_detector.py OUT/last.pt is exported by its run "
                  "(train_detector.py with the run's arguments and --export-now)")


def is_detector_state(state):
    """Whether a checkpoint's state dict is a detector's (an RPN head's tensors), not a trunk's."""
    return any(k.startswith("rpn.head.") for k in state)


def config_file(path):
    """The backbone and detector sections of a YAML config; classes default to COCO's 80."""
    import yaml

    class Loader(yaml.SafeLoader):
        """PyYAML's safe loader reading 1e-3 and 1.0e3 as numbers, as YAML 1.2 and the Go
        engine's yaml.v3 read the bundled presets (PyYAML's YAML 1.1 wants a dot and a signed
        exponent, 1.0e-3, and reads the others as text)."""

    Loader.add_implicit_resolver("tag:yaml.org,2002:float",
                                 re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$"),
                                 list("-+0123456789."))
    try:
        with open(path) as f:
            y = yaml.load(f, Loader=Loader)
    except OSError as e:
        raise SystemExit("%s: %s" % (path, e.strerror))
    except (yaml.YAMLError, UnicodeDecodeError) as e:  # (a .bin given as --config: not text)
        raise SystemExit("%s: not a YAML config: %s" % (path, e))
    if not isinstance(y, dict) or y.get("version") != 1 or not isinstance(y.get("backbone"), dict):
        raise SystemExit("%s: not a shuffledet config (want version: 1 and a backbone section)" % path)
    # A name the Go engine does not know (a typo: nms_tresh) is refused here: written into the .bin,
    # it made every model of a run unloadable ('json: unknown field'), found at its first evaluation.
    problem = unknown_keys("backbone", y["backbone"], DEFAULT_BACKBONE) or unknown_keys("", y, ("version", "backbone",
                                                                                              "detector"))
    det = y.get("detector")
    if det is not None and not problem:
        # (type, not in: a list is unhashable, and 300.0 is in RES_MAX but the Go engine's int refuses it)
        if not isinstance(det, dict) or type(det.get("min_size")) is not int or det["min_size"] not in RES_MAX:
            problem = "detector.min_size %s: want %s" % (
                det.get("min_size") if isinstance(det, dict) else None, " or ".join(str(r) for r in RES_MAX))
        else:
            full = detector_section(det["min_size"])
            problem = unknown_keys("detector", det, full)
            for sec in ("rpn", "roi"):  # a section's values left out keep their defaults, as the detector's
                if not problem and sec in det:
                    if not isinstance(det[sec], dict):
                        problem = "detector.%s: want a section of values" % sec
                    else:
                        problem = unknown_keys("detector." + sec, det[sec], full[sec])
                        det = dict(det, **{sec: dict(full[sec], **det[sec])})
            full.update(det)
            det = full
    if not problem:
        problem = wrong_type("backbone", y["backbone"], DEFAULT_BACKBONE) or (
            det is not None and wrong_type("detector", det, detector_section(det["min_size"])))
    if not problem:
        problem = architecture_problem(dict(DEFAULT_BACKBONE, **y["backbone"])) or (
            det is not None and (classes_problem(det.get("classes")) or engine_range_problem(det)))
    if problem:
        raise SystemExit("%s: %s" % (path, problem))
    return dict(y["backbone"]), det


def architecture_problem(b):
    """What is wrong with a backbone section's group count or width (the paper's: ShuffleNetV1
    raised a ValueError naming neither the file nor the section), None when both are known."""
    if b["groups"] not in GROUPS:
        return "backbone.groups %s: want one of %s" % (b["groups"], ", ".join(str(g) for g in GROUPS))
    if b["width"] not in SCALES:
        return "backbone.width %s: want one of %s" % (b["width"], ", ".join(str(w) for w in SCALES))
    return None


# The Go engine's bound on a normalized input value (transform.MaxNormalized): past it the first
# convolutions overflow, and no detections come without an error.
MAX_NORMALIZED = 1e4


def normalized_range(mean, std):
    """(v/255 - mean)/std at v = 0 and 255 in float32, as the engine's lookup table holds them
    (infinite or NaN where std is 0 in float32, or mean or std is past float32's range)."""
    f32 = torch.float32
    v = torch.tensor([0.0, 255.0], dtype=f32)
    return ((v / torch.tensor(255.0, dtype=f32) - torch.tensor(mean, dtype=f32)) / torch.tensor(std, dtype=f32)).tolist()


def engine_range_problem(det):
    """What the Go engine would refuse in a detector section of the right kinds (its Validate
    methods: configs, transform, rpn, roihead; a test holds the two to the same bounds), None when
    it takes it all. Without --eval the engine does not check the run's model file at its start: a
    value out of its range was a torch traceback (rpn.channels 0, roi.output_size 0) or trained
    into .bin files it refuses (roi.sampling_ratio -1, rpn.pre_nms_top_n 0)."""
    rpn, roi = det["rpn"], det["roi"]
    checks = [
        (det["min_size"] <= det["max_size"] <= 4096, "max_size %s: want min_size (%s) to 4096" % (det["max_size"], det["min_size"])),
        (1 <= det["size_divisible"] <= 1024 and det["size_divisible"] % 16 == 0,
         "size_divisible %s: want a multiple of 16, 16 to 1024" % det["size_divisible"]),
        (len(det["image_mean"]) == 3 and len(det["image_std"]) == 3, "image_mean, image_std: want 3 numbers each"),
        (all(v > 0 for v in det["image_std"]), "image_std %s: want positive numbers" % det["image_std"]),
        (all(abs(x) <= MAX_NORMALIZED for m, s in zip(det["image_mean"], det["image_std"]) for x in normalized_range(m, s)),
         "image_mean %s, image_std %s: (v/255 - mean)/std for v in 0..255 leaves +-%g in float32 (ImageNet's "
         "give -2.1 to 2.6)" % (det["image_mean"], det["image_std"], MAX_NORMALIZED)),
        (1 <= rpn["channels"] <= 4096, "rpn.channels %s: want 1 to 4096" % rpn["channels"]),
        (rpn["anchor_sizes"] and rpn["aspect_ratios"] and len(rpn["anchor_sizes"]) * len(rpn["aspect_ratios"]) <= 64,
         "rpn.anchor_sizes x rpn.aspect_ratios: want 1 to 64 anchors a location, %d given" % (
             len(rpn["anchor_sizes"]) * len(rpn["aspect_ratios"]))),
        (all(0 < v <= 32768 for v in rpn["anchor_sizes"]), "rpn.anchor_sizes %s: want sizes in (0, 32768]" % rpn["anchor_sizes"]),
        (all(1e-4 <= v <= 1e4 for v in rpn["aspect_ratios"]), "rpn.aspect_ratios %s: want ratios in [1e-4, 1e4]" % rpn["aspect_ratios"]),
        (1 <= rpn["pre_nms_top_n"] <= 100000, "rpn.pre_nms_top_n %s: want 1 to 100000" % rpn["pre_nms_top_n"]),
        (1 <= rpn["post_nms_top_n"] <= 10000, "rpn.post_nms_top_n %s: want 1 to 10000" % rpn["post_nms_top_n"]),
        (0 <= rpn["nms_thresh"] <= 1, "rpn.nms_thresh %s: want 0 to 1" % rpn["nms_thresh"]),
        (0 <= rpn["score_thresh"] <= 1, "rpn.score_thresh %s: want 0 to 1" % rpn["score_thresh"]),
        (0 <= rpn["min_box_size"] <= 32768, "rpn.min_box_size %s: want 0 to 32768" % rpn["min_box_size"]),
        (1 <= roi["output_size"] <= 64, "roi.output_size %s: want 1 to 64" % roi["output_size"]),
        (0 <= roi["sampling_ratio"] <= 16, "roi.sampling_ratio %s: want 0 (adaptive) to 16" % roi["sampling_ratio"]),
        (1 <= roi["detections_per_img"] <= 10000, "roi.detections_per_img %s: want 1 to 10000" % roi["detections_per_img"]),
        (0 <= roi["score_thresh"] < 1, "roi.score_thresh %s: want 0 to 1 (1 not included)" % roi["score_thresh"]),
        (0 <= roi["nms_thresh"] <= 1, "roi.nms_thresh %s: want 0 to 1" % roi["nms_thresh"]),
        (len(roi["bbox_reg_weights"]) == 4 and all(1e-3 <= v <= 1e3 for v in roi["bbox_reg_weights"]),
         "roi.bbox_reg_weights %s: want 4 numbers in [1e-3, 1e3]" % roi["bbox_reg_weights"]),
    ]
    for ok, problem in checks:
        if not ok:
            return "detector.%s (the Go engine's range; it would refuse every model file of the run)" % problem
    # A frame's work at its worst (configs.MaxPredictorOutputs, MaxClassNMS, MaxRoIBins, MaxRoISamples)
    n, classes = rpn["post_nms_top_n"], len(det["classes"])
    bins = n * roi["output_size"] ** 2
    side = roi["sampling_ratio"] or ((det["max_size"] + 15) // 16 + roi["output_size"] - 1) // roi["output_size"]
    for ok, problem in [
            (n * (classes + 1) <= 10_000_000, "rpn.post_nms_top_n %d x (%d classes + 1): more than 10,000,000 box "
             "predictor outputs" % (n, classes)),
            (n * n * classes <= 10_000_000_000, "rpn.post_nms_top_n %d squared x %d classes: more than 10^10, the "
             "per-class NMS's bound" % (n, classes)),
            (bins <= 10_000 * 14 * 14, "rpn.post_nms_top_n %d x roi.output_size %d squared: more than 1,960,000 RoI "
             "bins a frame" % (n, roi["output_size"])),
            (bins * side * side <= 16 * 10_000 * 14 * 14, "%d RoI bins x %d squared samples (roi.sampling_ratio %d): "
             "more than 31,360,000 bilinear samples a frame" % (bins, side, roi["sampling_ratio"]))]:
        if not ok:
            return "detector.%s (the Go engine's bound; it would refuse every model file of the run)" % problem
    return None


def classes_problem(classes):
    """What is wrong with a detector section's class list (a TypeError or a KeyError once read),
    None when it is a list of objects of a whole-number id and a name. (The Go engine checks their
    values: ranges, repeats.)"""
    if classes is None:
        return None
    if not isinstance(classes, list) or not all(
            isinstance(c, dict) and type(c.get("id")) is int and isinstance(c.get("name"), str) for c in classes):
        return "detector.classes %s: want a list of {id: N, name: TEXT}" % json.dumps(classes, default=str)[:200]
    return None


def wrong_type(section, values, known):
    """What is wrong with a config section whose values are not of their defaults' kinds (known:
    the defaults): a whole number where the default is one, a number where it is a float, true or
    false, a list of numbers; None when all are. Written into the .bin otherwise, the value was
    refused by the Go engine at load ('cannot unmarshal string'), the run's every model with it."""
    for k, v in values.items():
        want, name = known[k], "%s.%s" % (section, k)
        if isinstance(want, dict):
            problem = wrong_type(name, v, want)
            if problem:
                return problem
            continue
        if k == "classes":  # (a list of id and name objects: the Go engine checks them)
            continue
        if isinstance(want, bool):
            ok, kind = isinstance(v, bool), "true or false"
        elif isinstance(want, int):
            ok, kind = is_number(v) and isinstance(v, int), "a whole number"
        elif isinstance(want, float):
            ok, kind = is_number(v), "a finite number"
        elif isinstance(want, list):
            ok, kind = isinstance(v, list) and all(is_number(x) for x in v), "a list of finite numbers"
        else:
            ok, kind = True, ""
        if not ok:
            return "%s %s: want %s" % (name, json.dumps(v, default=str), kind)
    return None


def is_number(v):
    """Whether a YAML value is a finite number (an int or a float; true and false, Python ints, are
    not, nor .nan and .inf: written into the .bin as NaN and Infinity, which JSON has not, they made
    the Go engine refuse it, 'invalid character')."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def unknown_keys(section, values, known):
    """What is wrong with a config section whose names are not all known ones; None when they are."""
    unknown = sorted(str(k) for k in values if k not in known)
    if not unknown:
        return None
    return "%s %s: unknown name%s (known: %s)" % (
        section + " has" if section else "has", ", ".join(unknown), "s" if len(unknown) > 1 else "", ", ".join(known))


def check_out(path):
    """SystemExit naming --out where the .bin cannot be written there (a folder, a folder that is
    not there): checked before any work, not open's traceback after it."""
    if os.path.isdir(path):
        raise SystemExit("--out %s: a folder, want the name of the .bin file to write" % path)
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise SystemExit("--out %s: %s %s" % (path, "not a folder:" if os.path.exists(folder) else "no such folder", folder))


def read_source(flag, path, read):
    """read(path), or SystemExit naming the flag and the file where it cannot be read (not there,
    not a checkpoint: torch and pickle raise many kinds); flag --checkpoint reads a PyTorch
    checkpoint, any other a .bin model file (reference.py's and features.py's --model too)."""
    try:
        return read(path)
    except SystemExit:
        raise
    except Exception as e:
        hint = ""
        if flag == "--checkpoint" and os.path.isfile(path):
            with open(path, "rb") as f:
                head = f.read(16)
            if len(head) >= 9 and head[8:9] == b"{":  # a safetensors header: a .bin model file already
                hint = " (a .bin model file, which is what export.py writes: --restamp copies one with its checksum)"
        raise SystemExit("%s %s: cannot be read as a %s: %s%s" % (
            flag, path, "PyTorch checkpoint" if flag == "--checkpoint" else ".bin model file",
            e.strerror if isinstance(e, OSError) and e.strerror else e, hint))


def restamp(src, out):
    """Write src's tensors and configuration text to out (src itself too) with the checksum
    (metadata crc32) added; the copy is read back with the checksum checked before it replaces out."""
    tensors, meta, crc = read_source("--restamp", src, lambda p: read_safetensors(p, with_crc32=True))
    if meta.get("format") != "shuffledet" or "config" not in meta:
        raise SystemExit("%s: not a shuffledet model file (no format \"shuffledet\" and config in its metadata)" % src)
    if "crc32" in meta:
        try:  # a file with a checksum is copied only when it matches: a damaged file stays refused
            check_checksum(src, meta, crc)
        except ValueError as e:  # (a message, not a traceback: check_checksum's names src)
            raise SystemExit("--restamp %s" % e)
    tmp = out + ".restamp.tmp"  # out may be src: it is replaced only once the copy reads back
    try:
        write_bin(tmp, tensors, meta["config"])
        read_bin(tmp)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def main(argv=None):
    a = parse_args(argv)
    check_out(a.out)
    if a.restamp:
        restamp(a.restamp, a.out)
        print("wrote %s (%s with its checksum)" % (a.out, a.restamp), file=sys.stderr)
        return
    torch.manual_seed(a.seed)
    backbone = {"groups": a.groups, "width": a.width, "shallow": a.shallow, "se": a.se,
                "shuffle": not a.no_shuffle, "num_classes": a.num_classes}
    det = None
    if a.config:
        backbone, det = config_file(a.config)
    elif a.detector:
        det = detector_section(a.res, a.num_det_classes, score_thresh=a.score_thresh)
    if det is not None:
        cfg = make_config(backbone, det)
        model = build_detector(cfg)
        if a.random:
            randomize_detector_(model, a.seed)
        else:
            state, ours = read_source("--checkpoint", a.checkpoint, read_checkpoint)
            if is_detector_state(state) and ours:
                raise SystemExit(RUN_CHECKPOINT % a.checkpoint)
            if is_detector_state(state):
                # a detector state dict with .bin names: already our input convention
                try:
                    load_detector_state(model, {k: v for k, v in state.items()
                                                if not k.endswith("num_batches_tracked")})
                except (ValueError, RuntimeError) as e:  # other names; other shapes
                    raise SystemExit("%s: not a detector state dict of this configuration with .bin names: %s" % (
                        a.checkpoint, " ".join(str(e).split())[:1000]))
            else:
                # ImageNet trunk; heads keep torchvision's init (seeded).
                trunk = {k: v for k, v in (state if ours else megvii_to_ours(state)).items()
                         if not k.startswith("classifier.")}
                model.trunk.load_state_dict(trunk, strict=True)
    else:
        cfg = make_config(backbone)
        model = ShuffleNetV1(cfg["backbone"])
        if a.random:
            randomize_(model, a.seed)
        else:
            state = read_source("--checkpoint", a.checkpoint, load_imagenet_state)
            if is_detector_state(state):
                raise SystemExit(RUN_CHECKPOINT % a.checkpoint + "; a detector state dict with .bin names, with "
                                 "--config and its run's preset")
            if model.classifier is None:
                state = {k: v for k, v in state.items() if not k.startswith("classifier.")}
            try:
                model.load_state_dict(state, strict=True)
            except RuntimeError as e:
                outputs = [v.shape[0] for k, v in state.items() if k.startswith("classifier.") and k.endswith("weight")]
                hint = " (its classifier has %d outputs: --num-classes %d)" % (outputs[0], outputs[0]) \
                    if outputs and outputs[0] != a.num_classes else ""
                first = str(e).strip().splitlines()
                raise SystemExit("%s: not a checkpoint of this network (--groups %d --width %g --num-classes %d)%s: %s" % (
                    a.checkpoint, a.groups, a.width, a.num_classes, hint, first[1].strip() if len(first) > 1 else e))
    model.eval()
    save_bin(model, a.out, cfg)
    st = model_state(model)
    print("wrote %s (%d tensors, %d floats)" % (a.out, len(st), sum(v.numel() for v in st.values())),
          file=sys.stderr)


if __name__ == "__main__":
    torch.set_num_threads(2)
    main()
