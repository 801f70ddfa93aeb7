"""Images read as the Go engine reads them (cvimage), for every script that feeds the network:
a JPEG's EXIF orientation applied and no other format's, a 16-bit grayscale PNG by its high
bytes. Training and the trunk's reference features then see the pixels `detect` will see."""

import numpy as np
from PIL import Image, ImageOps

# PIL's formats of a JPEG file (MPO: a phone's JPEG with a second picture), the files whose EXIF
# orientation the Go engine applies (cvimage: by the JPEG magic bytes).
JPEG_FORMATS = ("JPEG", "MPO")


def go_oriented(im):
    """A PIL image turned as the Go engine turns it: by the EXIF orientation of a JPEG only (PIL's
    exif_transpose also reads a PNG's eXIf chunk and a WebP's EXIF, which the engine leaves as stored)."""
    return ImageOps.exif_transpose(im) if im.format in JPEG_FORMATS else im


def rgb_as_go_reads(im):
    """A PIL image in RGB as the Go engine reads it: a 16-bit grayscale PNG (PIL mode I;16 or I) by
    each value's high byte, which PIL's convert("RGB") clips to 255 instead (all white)."""
    if im.mode == "I" or im.mode.startswith("I;16"):
        values = np.clip(np.asarray(im).astype(np.int64), 0, 65535)
        im = Image.fromarray((values >> 8).astype(np.uint8), "L")
    return im.convert("RGB")


def open_as_go_reads(path):
    """The image file at path in RGB, turned and converted as the Go engine reads it; the file is
    closed when it returns. PIL's errors (OSError, DecompressionBombError) pass through."""
    with Image.open(path) as im:
        return rgb_as_go_reads(go_oriented(im))


def read_or_exit(path):
    """open_as_go_reads(path), the image as the Go engine reads it, or SystemExit "PATH: cannot read
    the image: WHY" where PIL cannot (not there, not an image, cut short, a decompression bomb),
    for the scripts that take an image on the command line (features.py, reference.py)."""
    try:
        return open_as_go_reads(path)
    except (OSError, Image.DecompressionBombError) as e:  # (a bomb is not an OSError)
        raise SystemExit("%s: cannot read the image: %s" % (path, e.strerror or e if isinstance(e, OSError) else e))
