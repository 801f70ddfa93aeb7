"""argparse types that refuse a value out of its range naming the flag, for the scripts' counts,
rates and thresholds (export.py, train_detector.py, train_imagenet.py, reference.py, features.py). No torch."""
import argparse
import math


def whole(least, most=None):
    """An argparse type: a whole number of at least least (and at most most), or an error naming
    the flag (the training scripts' --batch 0 failed deep inside torchvision, --accum 0 trained
    nothing, --ckpt-every 0 divided by zero; export.py's --num-det-classes 0 wrote a file the Go
    engine refuses)."""
    def parse(text):
        try:
            v = int(text)
        except ValueError:
            v = None
        if v is None or v < least or (most is not None and v > most):
            raise argparse.ArgumentTypeError("%s: want a whole number %s" % (
                text, "of at least %d" % least if most is None else "from %d to %d" % (least, most)))
        return v
    return parse


def number(low, high=math.inf, above=False, below=False):
    """An argparse type: a finite number from low to high (above: more than low; below: less than
    high), or an error naming the flag (--lr nan or -1 failed inside torch's optimizer; export.py's
    --score-thresh 2 or nan wrote a file the Go engine refuses)."""
    def parse(text):
        try:
            v = float(text)
        except ValueError:
            v = math.nan
        if not (math.isfinite(v) and (v > low if above else v >= low) and (v < high if below else v <= high)):
            want = "%s %g" % ("more than" if above else "at least", low)
            if high != math.inf:
                want = "from %g%s to %g%s" % (low, " (not included)" if above else "",
                                              high, " (not included)" if below else "")
            raise argparse.ArgumentTypeError("%s: want a finite number %s" % (text, want))
        return v
    return parse
