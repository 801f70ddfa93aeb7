"""Average the weights of .bin models of one architecture (checkpoint averaging, as in SWA and model
soups): every tensor, BatchNorm statistics included, becomes the mean of the inputs' (in float64,
written as float32). Checkpoints of one training run, or of runs fine-tuned from one model, average
well; unrelated models do not.

  /usr/bin/python3 train/average.py --out avg.bin run/iter000900.bin run/iter001200.bin run/iter001500.bin

With --eval (as train_detector.py's), Go cocoeval -model then scores the average on each held-out
set, restricted to its classes, and OUT's name with .evals.json for .bin gets the inputs and the 12
numbers per set and class ("models", "eval"; report.py --soup plots it); its person AP50 per set is
printed.

With --classes (ids or names, comma-separated), each input is first cut to those of its classes,
in that order: its box predictor keeps the background's rows and theirs. So a fine-tune on more
classes (train_detector.py --init widens a model) averages with the model it started from.
"""
import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from detector import predictor_rows, read_bin, write_bin  # noqa: E402
from flags import whole  # noqa: E402


def cut_classes(path, tensors, cfg, spec):
    """The detector's tensors and config cut to the classes spec names (comma-separated ids or
    names, in that order): the box predictor keeps the background's rows and theirs. A token that
    is a decimal integer and one of the model's ids is that id, otherwise a name."""
    classes = (cfg.get("detector") or {}).get("classes", [])
    if not classes:
        raise ValueError("%s: --classes: not a detector with classes" % path)
    ids = [c["id"] for c in classes]
    rows = [0]  # the background first
    for tok in spec.split(","):
        tok = tok.strip()
        if re.fullmatch(r"[+-]?[0-9]+", tok) and int(tok) in ids:  # (as train_detector.py's --classes)
            i = ids.index(int(tok))
        else:
            named = [i for i, c in enumerate(classes) if c["name"] == tok]
            if len(named) != 1:
                raise ValueError("%s: --classes: %r is %s of its classes (%s)" % (
                    path, tok, "neither the id nor the name of one" if not named else "the name of several",
                    ", ".join("%d %s" % (c["id"], c["name"]) for c in classes[:10]) + (", ..." if len(classes) > 10 else "")))
            i = named[0]
        if 1 + i in rows:
            raise ValueError("--classes %s: %r names class %d (%s) again: each class once" % (
                spec, tok, ids[i], classes[i]["name"]))
        rows.append(1 + i)
    out = dict(tensors)
    out.update(predictor_rows(tensors, rows))
    cut = dict(cfg, detector=dict(cfg["detector"], classes=[classes[r - 1] for r in rows[1:]]))
    return out, cut


def average(paths, classes=""):
    """(mean tensors, config) of the .bin files, each first cut to classes when given (cut_classes);
    they must share the config and tensor shapes."""
    if not paths:
        raise ValueError("no models to average")
    acc, cfg0 = None, None
    for p in paths:
        tensors, cfg = read_bin(p)
        if classes:
            tensors, cfg = cut_classes(p, tensors, cfg, classes)
        if acc is None:
            acc, cfg0 = {k: v.double() for k, v in tensors.items()}, cfg
            continue
        if cfg != cfg0:
            raise ValueError("%s: its config differs from %s's" % (p, paths[0]))
        if tensors.keys() != acc.keys():
            raise ValueError("%s: its tensors differ from %s's: %s" % (
                p, paths[0], sorted(tensors.keys() ^ acc.keys())[:5]))
        for k, v in tensors.items():
            if v.shape != acc[k].shape:
                raise ValueError("%s: %s is %s, %s has %s" % (p, k, tuple(v.shape), paths[0], tuple(acc[k].shape)))
            acc[k] += v.double()
    return {k: (v / len(paths)).float() for k, v in acc.items()}, cfg0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="the averaged .bin")
    p.add_argument("models", nargs="+", help=".bin files of one architecture and class list (with --classes, of any "
                   "class lists that hold those classes)")
    p.add_argument("--classes", default="", metavar="LIST",
                   help="cut each model to these of its classes first (ids or names, comma-separated, in this order)")
    p.add_argument("--eval", action="append", default=[], metavar="NAME=IMAGES:JSON",
                   help="a held-out set to score the average on with Go cocoeval; repeatable")
    p.add_argument("--eval-threads", type=whole(1, 256), default=2)  # (Go cocoeval's -threads: 1 to 256)
    p.add_argument("--cocoeval", help="Go cocoeval binary (default: built from this repo)")
    a = p.parse_args(argv)
    # Checked before the models are read: open's traceback for a folder, or a folder not there.
    if os.path.isdir(a.out):
        raise SystemExit("average: --out %s: a folder, want the name of the .bin file to write" % a.out)
    if not os.path.isdir(os.path.dirname(os.path.realpath(a.out))):
        folder = os.path.dirname(a.out) or "."
        raise SystemExit("average: --out %s: %s %s" % (a.out, "not a folder:" if os.path.exists(folder) else "no such folder", folder))
    try:
        tensors, cfg = average(a.models, a.classes)
    except (ValueError, OSError) as e:
        raise SystemExit("average: %s" % e)
    # A regular file through a temporary one renamed into place; through a symbolic link, the
    # file it names; a named pipe or a device is written to, not replaced by a file.
    out = os.path.realpath(a.out)
    if os.path.exists(out) and not os.path.isfile(out):
        write_bin(out, tensors, cfg)
    else:
        write_bin(out + ".tmp", tensors, cfg)
        os.replace(out + ".tmp", out)
    if a.eval:
        evaluate(a, cfg)


def evaluate(a, cfg):
    """Scores a.out on a.eval's sets and writes the .evals.json beside it."""
    from train_detector import Evaluator  # torch and the detector: only when evaluating
    base = a.out[:-len(".bin")] if a.out.endswith(".bin") else a.out
    classes = [(c["id"], c["name"]) for c in (cfg.get("detector") or {}).get("classes", [])]
    if not classes:  # (a classifier's config has no detector section: a null)
        raise SystemExit("average: %s: --eval scores a detector, whose config names its classes; this model has none"
                         % a.models[0])
    try:
        res = Evaluator(a, base + ".eval", classes)(a.out)
    except RuntimeError as e:  # (an evaluation that failed: cocoeval's own words)
        raise SystemExit("average: %s" % e)
    tmp = base + ".evals.json.tmp"
    with open(tmp, "w") as f:
        json.dump({"models": a.models, "eval": res}, f)
    os.replace(tmp, base + ".evals.json")
    print("  ".join("%s %.4f" % (name, r["classes"].get("person", [-1] * 12)[1]) for name, r in res.items()))


if __name__ == "__main__":
    main()
