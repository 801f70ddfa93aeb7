"""Average the weights of .bin models of one architecture (checkpoint averaging, as in SWA and model
soups): every tensor, BatchNorm statistics included, becomes the mean of the inputs' (in float64,
written as float32). Checkpoints of one training run, or of runs fine-tuned from one model, average
well; unrelated models do not.

  /usr/bin/python3 train/average.py --out avg.bin run/iter000900.bin run/iter001200.bin run/iter001500.bin
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from detector import read_bin, write_bin  # noqa: E402


def average(paths):
    """(mean tensors, config) of the .bin files; they must share the config and tensor shapes."""
    if not paths:
        raise ValueError("no models to average")
    acc, cfg0 = None, None
    for p in paths:
        tensors, cfg = read_bin(p)
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
    p.add_argument("models", nargs="+", help=".bin files of one architecture and class list")
    a = p.parse_args(argv)
    try:
        tensors, cfg = average(a.models)
    except (ValueError, OSError) as e:
        raise SystemExit("average: %s" % e)
    tmp = a.out + ".tmp"
    write_bin(tmp, tensors, cfg)
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
