"""Copy COCO-format datasets, only the images their JSON names, to another root in the same layout:
what a machine that cannot see ../shared/data trains from (a lent GPU gets the repository and the
folders named in its call, 64 MiB in all; train/gpu_burst.sh's DATA).

  /usr/bin/python3 train/copy_dataset.py --from ../shared/data --to .gpu/data \
      coco128/train2017:coco128/annotations/instances_train2017.json \
      coco-extra/images:coco-extra/instances_train.json coco-tiny/images:coco-tiny/instances_train.json

Each IMAGES:JSON pair is relative to both roots; prints the bytes copied.
"""
import argparse
import json
import os
import shutil


def inside(name):
    """Whether a file_name stays inside the image folder it is joined to: relative, no '..' that
    climbs out of it."""
    norm = os.path.normpath(name)
    return name != "" and not os.path.isabs(name) and norm != ".." and not norm.startswith(".." + os.sep)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--from", dest="src", required=True, help="the root the pairs are read under")
    p.add_argument("--to", dest="dst", required=True, help="the root they are written under")
    p.add_argument("pairs", nargs="+", metavar="IMAGES:JSON")
    a = p.parse_args(argv)
    if os.path.exists(a.dst) and not os.path.isdir(a.dst):
        raise SystemExit("--to %s: not a folder" % a.dst)
    # Every pair is checked before anything is written: a missing image, or a later pair's bad JSON,
    # would leave a partial copy.
    sets = []
    for pair in a.pairs:
        if ":" not in pair:
            raise SystemExit("%r: want IMAGES:JSON" % pair)
        images, ann = pair.rsplit(":", 1)
        try:
            with open(os.path.join(a.src, ann)) as f:
                names = [im["file_name"] for im in json.load(f)["images"]]
        except OSError as e:
            raise SystemExit("%s: %s" % (os.path.join(a.src, ann), e.strerror or e))
        except (ValueError, KeyError, TypeError) as e:
            raise SystemExit("%s: not a COCO annotation file: %r" % (os.path.join(a.src, ann), e))
        outside = [n for n in names if isinstance(n, str) and not inside(n)]
        if outside:
            # (copied, it would be written outside --to: ../../x.jpg)
            raise SystemExit("%s: image file_name %r leads outside the image folder %s; refused" % (
                os.path.join(a.src, ann), outside[0], images))
        missing = [n for n in names if not isinstance(n, str) or not os.path.isfile(os.path.join(a.src, images, n))]
        if missing:
            raise SystemExit("%s: %d of its %d images are not in %s (the first: %r)" % (
                os.path.join(a.src, ann), len(missing), len(names), os.path.join(a.src, images), missing[0]))
        sets.append((images, ann, names))
    total = 0
    for images, ann, names in sets:
        os.makedirs(os.path.dirname(os.path.join(a.dst, ann)), exist_ok=True)
        os.makedirs(os.path.join(a.dst, images), exist_ok=True)
        shutil.copyfile(os.path.join(a.src, ann), os.path.join(a.dst, ann))
        total += os.path.getsize(os.path.join(a.dst, ann))
        for name in names:
            target = os.path.join(a.dst, images, name)
            try:
                os.makedirs(os.path.dirname(target), exist_ok=True)  # a file_name in a subfolder (png/x.png)
                shutil.copyfile(os.path.join(a.src, images, name), target)
            except OSError as e:
                raise SystemExit("%s names %s, which cannot be copied: %s" % (ann, name, e))
            total += os.path.getsize(target)
    print("%d bytes under %s" % (total, a.dst))


if __name__ == "__main__":
    main()
