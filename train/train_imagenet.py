"""ImageNet pretraining of any ShuffleNet v1 with the paper's settings; exports a classifier .bin.

Paper (Zhang et al. 2017, section 4): SGD, weight decay 4e-5, learning rate decayed linearly to 0,
batch 1024, 3e5 iterations, scale augmentation lighter than for large networks. Here: momentum 0.9,
peak lr 0.5 for batch 1024 (scaled linearly with the global batch), no weight decay on BN and
biases, label smoothing 0.1, RandomResizedCrop scale (0.25, 1) + flip at 224, evaluation on the
centre 224 crop of the 256-resized validation image (as megvii's ShuffleNet-Series).

  # 8 GPUs on one machine (2x: an estimated 200-300 V100 GPU-hours, 1-1.5 days; README "Training and
  # reproducing Table 7"; Debian's torch 1.13 under Python 3.11 also needs --redirects 2 --tee 2 --log_dir DIR)
  torchrun --nproc_per_node 8 train/train_imagenet.py --data imagenet/train --val imagenet/val \
      --groups 3 --width 2.0 --batch 128 --workers 8 --out runs/imagenet-2x-g3
  # then the detector starts from it
  train/train_detector.py ... --trunk runs/imagenet-2x-g3/final.bin

Resumable like train_detector.py (the same command again goes on from OUT/last.pt, --no-resume starts over; the batch order and augmentation are functions of
(seed, iteration); on several machines OUT must be one folder that all of them see). Writes
OUT/final.bin (the classifier with the .bin names) at the end and OUT/iterNNNNNN.bin at every
--export-every.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn as nn
import torchvision.transforms as T
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from detector import make_config  # noqa: E402
from flags import number, whole  # noqa: E402
from images import open_as_go_reads  # noqa: E402
from shufflenet import MEAN as RGB_MEAN, STD as RGB_STD, ShuffleNetV1  # noqa: E402
from train_detector import (BatchStream, agree_on_start, another_process_image, changed_schedule,  # noqa: E402
                            check_resumed_iters, check_run_folder, exit_status, ignore_stop_signals,
                            init_distributed, kill_workers, load_checkpoint, load_optimizer_state, make_run_folder,
                            mean_over_processes, run_script, save_bin_synced, save_checkpoint, shutdown_distributed,
                            start_afresh, stop_signal, stopping_rank, StopSignals, trim_log,
                            unreadable_image_message, UnreadableImage)

MEAN = torch.tensor(RGB_MEAN).view(3, 1, 1)
STD = torch.tensor(RGB_STD).view(3, 1, 1)
EXTS = (".jpg", ".jpeg", ".png")  # compared with the file name in lower case (.JPEG, .JPG too)
# The arguments that change what a run trains, noted when a resumed run differs from its start
# (train_detector.changed_schedule). The architecture (--groups, --width, --shallow, --se) is the
# checkpoint's (another is refused), --data is noted apart, and the rest (--val, --out, --workers,
# --threads, logging, checkpoints, exports, --stop-after, --dist-timeout) leave the training as it is.
TRAINING_ARGS = ("iters", "batch", "lr", "wd", "label_smoothing", "size", "min_scale", "seed")


def parser():
    """The command line's parser (its defaults also stand for the entries an older args.json lacks)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="training images as CLASS/*.jpg folders (ImageNet layout)")
    p.add_argument("--val", help="validation images in the same layout (top-1/top-5 at each export)")
    p.add_argument("--out", required=True)
    p.add_argument("--groups", type=int, default=3, choices=[1, 2, 3, 4, 8])
    p.add_argument("--width", type=float, default=1.0, choices=[0.25, 0.5, 1.0, 1.5, 2.0])
    p.add_argument("--shallow", action="store_true")
    p.add_argument("--se", action="store_true")
    p.add_argument("--iters", type=whole(1), default=300000)
    p.add_argument("--batch", type=whole(1), default=None,
                   help="images per process per step (default: the paper's global batch, 1024, over the processes)")
    p.add_argument("--lr", type=number(0), default=None, help="peak lr (default 0.5 x global batch / 1024)")
    p.add_argument("--wd", type=number(0), default=4e-5)
    p.add_argument("--label-smoothing", type=number(0, 1), default=0.1)
    p.add_argument("--size", type=whole(1), default=224, help="training crop")
    p.add_argument("--min-scale", type=number(0, 1, above=True), default=0.25,
                   help="RandomResizedCrop's smallest area share")
    p.add_argument("--seed", type=whole(0, 2**32 - 1), default=0)  # (as train_detector.py's: a huge one was torch's overflow)
    p.add_argument("--workers", type=whole(0), default=0)
    p.add_argument("--threads", type=whole(1), default=2)
    p.add_argument("--log-every", type=whole(1), default=100)
    p.add_argument("--ckpt-every", type=whole(1), default=1000)
    p.add_argument("--export-every", type=whole(0), default=0, help="0: only final.bin")
    p.add_argument("--stop-after", type=whole(0), default=0, help="exit with a checkpoint after this many iterations")
    resume = p.add_mutually_exclusive_group()
    resume.add_argument("--resume", action="store_true",
                        help="go on from OUT/last.pt when it exists (what every run does: the flag says it)")
    resume.add_argument("--no-resume", action="store_true", help="start over even if OUT/last.pt exists")
    p.add_argument("--dist-timeout", type=number(0, 525600, above=True), default=120, metavar="MINUTES",
                   help="collective timeout of a torchrun run (NCCL's default is 10 minutes; the other processes "
                        "wait for rank 0's export and validation)")
    return p


def parse_args(argv=None):
    return parser().parse_args(argv)


def list_images(root, classes=None, flag="--data"):
    """The class folders of root, sorted, and its images labelled by their folder's index; with
    classes (the training set's), the labels are indices into those, and a folder of root that
    is not one of them is refused (a validation set missing a class must not shift the labels).
    Errors name root with flag, the option that gave it."""
    if not os.path.isdir(root):
        raise SystemExit("%s %s: no such folder" % (flag, root))
    folders = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    if not folders:
        raise SystemExit("%s %s: no class folders (ImageNet's official validation set is one flat folder: sort its "
                         "images into folders named by their classes' synsets, as the training set's, first)" % (
                             flag, root))
    if classes is None:
        classes = folders
    unknown = [d for d in folders if d not in classes]
    if unknown:
        raise SystemExit("%s %s: class folders %s are not among the training set's %d classes" % (
            flag, root, ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else ""), len(classes)))
    label = {c: k for k, c in enumerate(classes)}
    items = []
    for c in folders:
        for f in sorted(os.listdir(os.path.join(root, c))):
            if f.lower().endswith(EXTS):
                items.append((os.path.join(root, c, f), label[c]))
    if not items:
        raise SystemExit("%s %s: no images in its %d class folders (%s, in any case)" % (
            flag, root, len(folders), ", ".join(EXTS)))
    return classes, items


class Crops(torch.utils.data.Dataset):
    """Training crops fetched by (index, seed): RandomResizedCrop + flip, reproducible per seed."""

    def __init__(self, items, size, min_scale, train=True):
        self.items, self.size, self.min_scale, self.train = items, size, min_scale, train

    def __len__(self):
        return len(self.items)

    def __getitem__(self, key):
        i, seed = key if self.train else (key, 0)
        path, label = self.items[i]
        try:
            im = open_as_go_reads(path)
        except (OSError, Image.DecompressionBombError) as e:  # (a bomb is not an OSError)
            raise UnreadableImage("%s: cannot decode image: %s" % (path, e)) from e
        if self.train:
            torch.manual_seed(seed)
            t = T.Compose([T.RandomResizedCrop(self.size, scale=(self.min_scale, 1.0)), T.RandomHorizontalFlip(),
                           T.ToTensor()])
        else:
            t = T.Compose([T.Resize(round(self.size * 256 / 224)), T.CenterCrop(self.size), T.ToTensor()])
        return (t(im) - MEAN) / STD, label


def collate(items):
    return torch.stack([x for x, _ in items]), torch.tensor([y for _, y in items])


@torch.no_grad()
def evaluate(model, items, size, device, batch=100, workers=0):
    """Top-1 and top-5 accuracy on items, decoded by workers DataLoader workers (50,000 images one
    at a time on rank 0 kept the other GPUs waiting for many minutes)."""
    model.eval()
    data = Crops(items, size, 1.0, train=False)
    loader = torch.utils.data.DataLoader(data, batch_size=batch, num_workers=workers, collate_fn=collate,
                                         worker_init_fn=ignore_stop_signals)
    top1 = top5 = 0
    batches = iter(loader)
    try:
        for xs, ys in batches:
            logits = model(xs.to(device))
            best = logits.topk(min(5, logits.shape[1]), 1).indices.cpu()
            top1 += (best[:, 0] == ys).sum().item()
            top5 += (best == ys[:, None]).any(1).sum().item()
    except UnreadableImage:
        kill_workers(batches)  # (they ignore SIGTERM)
        raise
    finally:
        model.train()
    return top1 / len(data), top5 / len(data)


# What the other processes of a distributed run say when a --val image stopped rank 0's export.
EXPORT_STOPPED = "process 0's export stopped on a --val image (its message names it)"


def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        init_distributed(a.dist_timeout)
        rank, world = dist.get_rank(), dist.get_world_size()
        device = (torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0"))) if torch.cuda.is_available()
                  else torch.device("cpu"))
        if device.type == "cuda":
            torch.cuda.set_device(device)
    else:
        rank, world = 0, 1
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    main_proc = rank == 0
    check_run_folder(a.out)
    classes, items = list_images(a.data)  # before the run folder is made: a wrong --data leaves no empty one
    val = list_images(a.val, classes, "--val")[1] if a.val else None
    make_run_folder(a.out)
    batch_given = a.batch is not None
    if not batch_given:
        a.batch = max(1, 1024 // world)
    global_batch = a.batch * world
    lr_peak = a.lr if a.lr is not None else 0.5 * global_batch / 1024

    torch.manual_seed(a.seed)
    cfg = make_config({"groups": a.groups, "width": a.width, "shallow": a.shallow, "se": a.se,
                       "num_classes": len(classes)})
    model = ShuffleNetV1(cfg["backbone"]).to(device)
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    decay = [p for p in model.parameters() if p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.ndim <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": a.wd}, {"params": no_decay, "weight_decay": 0.0}],
                          lr=lr_peak, momentum=0.9, nesterov=False)
    ckpt = os.path.join(a.out, "last.pt")
    start, seconds, first_image = 0, 0.0, None
    ck = load_checkpoint(ckpt, device) if os.path.exists(ckpt) and not a.no_resume else None
    if distributed:  # every process reads its own OUT/last.pt: they must agree
        agree_on_start(ck["iteration"] if ck is not None else 0, device, ckpt)
    if ck is not None:
        try:
            model.load_state_dict(ck["model"])
            load_optimizer_state(opt, ck["optimizer"])
        except (RuntimeError, ValueError, KeyError) as e:  # as train_detector.py says it
            first = str(e).strip().splitlines()
            raise SystemExit("%s: the checkpoint of another run (another --groups, --width, --shallow, --se or "
                             "number of class folders?): resume it with that run's arguments (%s), or start a new "
                             "--out, or --no-resume (%s)" % (ckpt, os.path.join(a.out, "args.json"),
                                                             first[1].strip() if len(first) > 1 else e))
        start, seconds, first_image = ck["iteration"], ck["train_seconds"], ck.get("images")
        check_resumed_iters(ckpt, start, a.iters)
        if main_proc:
            print("resumed %s at iteration %d" % (ckpt, start), flush=True)
            for note in changed_schedule(os.path.join(a.out, "args.json"), a, TRAINING_ARGS, parser()):
                print("note: " + note, flush=True)
            was = ck.get("global_batch")
            if was is None and not batch_given:
                print("note: this checkpoint does not record its batch, and --batch now defaults to 1024 over the "
                      "processes (%d each; it was 1024 a process): give --batch as the run started" % a.batch, flush=True)
            if was is not None and was != global_batch:
                print("note: global batch %d (%d processes x --batch %d), the checkpoint's %d: the peak lr is now %g; "
                      "the data goes on from image %d of the stream" % (
                          global_batch, world, a.batch, was, lr_peak,
                          first_image if first_image is not None else start * global_batch), flush=True)
    elif main_proc:
        start_afresh(ckpt, a)
    net = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None) \
        if distributed else model
    loss_fn = nn.CrossEntropyLoss(label_smoothing=a.label_smoothing)

    stop = StopSignals()

    end = a.iters if a.stop_after <= 0 else min(a.iters, start + a.stop_after)
    loader = torch.utils.data.DataLoader(
        Crops(items, a.size, a.min_scale),
        batch_sampler=BatchStream(len(items), a.seed, a.batch, rank, world, start, end, first_image),
        num_workers=a.workers, collate_fn=collate, worker_init_fn=ignore_stop_signals)
    if main_proc:  # one history: no rows after the checkpoint, none of a run started over
        trim_log(os.path.join(a.out, "log.jsonl"), start)
    log = open(os.path.join(a.out, "log.jsonl"), "a") if main_proc else None
    loss_sum, n_sum = 0.0, 0
    model.train()
    it = start
    stopped_by = 0

    def export_path(it):
        return os.path.join(a.out, "final.bin" if it == a.iters else "iter%06d.bin" % it)

    def export_due(it):
        return (a.export_every > 0 and it % a.export_every == 0) or it == a.iters

    def export(it):
        """Writes the model at iteration it (through a temporary file: a process killed while
        writing, or while evaluating it, leaves no file under the name, and its rerun exports it
        again) and logs its validation accuracy. Returns the message of a --val image that cannot
        be decoded (no file is written then), else None."""
        model.eval()
        path = export_path(it)
        save_bin_synced(model, cfg, path)
        model.train()
        rec = None
        if val:
            try:
                t1, t5 = evaluate(model, val, a.size, device, workers=a.workers)
            except BaseException as e:  # (any error: no .tmp is left beside the run's models)
                os.remove(path + ".tmp")
                if not isinstance(e, UnreadableImage):
                    raise
                return "%s (a --val image, evaluating iteration %d)" % (unreadable_image_message(e), it)
            rec = {"iter": it, "top1": t1, "top5": t5}
        os.replace(path + ".tmp", path)
        if rec is not None:
            log.write(json.dumps(rec) + "\n")
            log.flush()
            print(json.dumps(rec), flush=True)
        return None

    def stop_on_image(message, it, written):
        """SystemExit naming an image that cannot be decoded (message), the checkpoint at iteration it
        written (written: whether this process wrote it) to resume from once the file is moved."""
        if log is not None:
            log.close()
        raise SystemExit("%s%s: replace the file, or move it out of its class folder, and run the same command "
                         "again" % (message, "; the checkpoint at iteration %d is written" % it if written else ""))

    # The checkpoint is written before the export: a run killed during it (or between the two)
    # resumes at that iteration, and exports first (at the last one, final.bin, training nothing).
    unreadable = None
    if main_proc and start > 0 and export_due(start) and not os.path.exists(export_path(start)):
        unreadable = export(start)
    if start > 0 and export_due(start) and stopping_rank(unreadable, device) >= 0:  # (every process stops)
        stop_on_image(unreadable or EXPORT_STOPPED, start, main_proc)
    batches = iter(loader)
    while True:
        try:
            xs, ys = next(batches)
        except StopIteration:
            break
        except UnreadableImage as e:  # (a damaged file: ImageNet's 1.28M images are not decoded at the start)
            unreadable = "%s (drawn for iteration %d)" % (unreadable_image_message(e), it + 1)
        bad_rank = stopping_rank(unreadable, device)  # (every process stops at this iteration)
        if bad_rank >= 0:
            if unreadable is None:  # (another process's image: its message names it)
                unreadable = "%s (drawn for iteration %d)" % (another_process_image(bad_rank), it + 1)
            break
        t0 = time.time()
        lr = lr_peak * (1 - it / a.iters)  # linear decay to 0
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(xs.to(device)), ys.to(device))
        value = loss.item()
        if distributed:
            value = mean_over_processes({"loss": value}, device)["loss"]
        if not math.isfinite(value):
            raise SystemExit("iteration %d: loss is %r; lower --lr" % (it, value))
        loss.backward()
        opt.step()
        it += 1
        seconds += time.time() - t0
        loss_sum, n_sum = loss_sum + value, n_sum + 1
        # Stop on a signal to any process, decided before rank 0's checkpoint (train_detector.py).
        stopped_by = stop_signal(stop.signum, device)
        stopping = stopped_by != 0
        if main_proc:
            if it % a.log_every == 0 or it == end:
                # the mean over the iterations since the last row, as train_detector.py logs
                rec = {"iter": it, "lr": lr, "loss": round(loss_sum / n_sum, 5), "train_seconds": round(seconds, 1)}
                loss_sum, n_sum = 0.0, 0
                log.write(json.dumps(rec) + "\n")
                log.flush()
                print(json.dumps(rec), flush=True)
            saved = it % a.ckpt_every == 0 or it == end or stopping
            if saved:
                save_checkpoint(ckpt, model, opt, it, seconds, None,
                                images=loader.batch_sampler.consumed(it), global_batch=global_batch)
            if export_due(it):
                unreadable = export(it)
                if unreadable is not None and not saved:  # resumed from here, the export is made again
                    save_checkpoint(ckpt, model, opt, it, seconds, None,
                                    images=loader.batch_sampler.consumed(it), global_batch=global_batch)
        # A --val image that stopped rank 0's export stops every process here (they would wait
        # at the next step's collectives).
        if export_due(it) and stopping_rank(unreadable, device) >= 0:
            kill_workers(batches)
            stop_on_image(unreadable or EXPORT_STOPPED, it, main_proc)
        if stopping:
            break
    if unreadable is not None:
        kill_workers(batches)  # first: they ignore SIGTERM
        if main_proc and it > start:
            save_checkpoint(ckpt, model, opt, it, seconds, None,
                            images=loader.batch_sampler.consumed(it), global_batch=global_batch)
        stop_on_image(unreadable, it, main_proc and it > start)
    stop.restore()  # everything is written (train_detector.py)
    if it >= end:
        stopped_by = 0  # a signal during the last iteration: the run ended as planned
    if main_proc:
        log.close()
        if stopped_by:
            print("stopped at iteration %d of %d by signal %d: exit status %d, resume with the same command" % (
                it, a.iters, stopped_by, exit_status(stopped_by)), flush=True)
    if distributed:
        shutdown_distributed()
    return exit_status(stopped_by)


if __name__ == "__main__":
    run_script(main)
