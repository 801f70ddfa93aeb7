"""Checks of the training recipes on a handful of real COCO images (CPU, about two minutes).

- the detector's loss goes down when it trains on the same images;
- a run stopped and resumed from its checkpoint ends in exactly the state of an uninterrupted run;
- the exported .bin loads in the Go engine, which runs cocoeval over it (the evaluation hook);
- a run's classes are its data's categories (generated data with ids COCO lacks or names otherwise),
  malformed JSONs are named, a resume with other classes is refused;
- the ImageNet recipe trains, resumes and exports a classifier .bin;
- a weight average (--ema, train/average.py) resumes exactly and is what the .bin holds;
- a --time-budget run follows the clock, ends on it and exports;
- torchrun's path: two processes (DistributedDataParallel over gloo) train as one process that
  accumulates the same images; SIGTERM to one of them stops both with the checkpoint written;
  processes that would resume from different iterations (OUT not shared) all stop, as do all
  where one draws an image it cannot decode.
"""
import argparse
import atexit
import contextlib
import errno
import functools
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import unittest.mock

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import average  # noqa: E402
import train_detector  # noqa: E402
import train_imagenet  # noqa: E402
from detector import COCO_CLASSES, build_detector, detector_state, load_bin, make_config, read_bin, save_bin  # noqa: E402
from shufflenet import ShuffleNetV1, megvii_to_ours  # noqa: E402

REPO = os.path.dirname(HERE)
DATA = os.path.join(REPO, "..", "shared", "data", "coco-tiny")
PRESET = os.path.join(REPO, "configs", "presets", "shufflenet-g3-0.5x-300.yaml")

@functools.cache
def go_cocoeval():
    """The path of a Go cocoeval built from this repository once for the test process, removed at
    its exit: runs that evaluate are given it as --cocoeval (each run's own build, its default,
    links for 3.5 s; test_export_runs_in_go keeps that default)."""
    d = tempfile.mkdtemp(prefix="cocoeval-")
    atexit.register(shutil.rmtree, d, True)
    path = os.path.join(d, "cocoeval")
    subprocess.run(["go", "build", "-o", path, "./cmd/cocoeval"], cwd=REPO, check=True,
                   env=dict(os.environ, PATH="/usr/local/go/bin:" + os.environ.get("PATH", "")))
    return path


def tiny_coco(dst, n, data=DATA, ann="instances_train.json", images="images"):
    """The first n training images of a set (coco-tiny's) that hold a person, as a COCO JSON."""
    with open(os.path.join(data, ann)) as f:
        d = json.load(f)
    with_person = sorted({a["image_id"] for a in d["annotations"] if a["category_id"] == 1 and not a["iscrowd"]})
    keep = set(with_person[:n])
    d["images"] = [im for im in d["images"] if im["id"] in keep]
    d["annotations"] = [a for a in d["annotations"] if a["image_id"] in keep]
    with open(dst, "w") as f:
        json.dump(d, f)
    return "%s:%s" % (os.path.join(data, images), dst)


def two_class_folders(root):
    """An ImageNet-style training folder at root: class folders c0 and c1, one real image (a link) each."""
    for k, name in enumerate(sorted(os.listdir(os.path.join(DATA, "images")))[:2]):
        os.makedirs(os.path.join(root, "c%d" % k))
        os.symlink(os.path.join(DATA, "images", name), os.path.join(root, "c%d" % k, name))
    return root


def flip_bit_in_largest_member(path):
    """Flips one bit in the middle of the largest member of torch.save's zip archive at path (a
    tensor's bytes, stored uncompressed), as a bad disk or copy would; returns the member's name."""
    import zipfile
    with zipfile.ZipFile(path) as z:
        m = max(z.infolist(), key=lambda i: i.file_size)
    with open(path, "r+b") as f:
        f.seek(m.header_offset + 26)  # the local header's name and extra field lengths
        lengths = f.read(4)
        at = m.header_offset + 30 + int.from_bytes(lengths[:2], "little") + int.from_bytes(lengths[2:], "little") + \
            m.file_size // 2
        f.seek(at)
        b = f.read(1)[0]
        f.seek(at)
        f.write(bytes([b ^ 0x10]))
    return m.filename


def wait_for_first_iteration(test, p, out, what):
    """Waits until the run p writing to out has logged its first iteration (its signal handlers are
    then in place), failing test if p ends first or none comes in 300 s."""
    log = os.path.join(out, "log.jsonl")
    deadline = time.time() + 300
    while not (os.path.exists(log) and os.path.getsize(log) > 0):
        test.assertIsNone(p.poll(), what + " ended early")
        test.assertLess(time.time(), deadline, "no iteration in 300 s")
        time.sleep(0.2)


def term_group_when(p, ready):
    """Sends SIGTERM to the process group of p (started in a session of its own) once ready() has
    returned, and returns p's output; the group is killed if anything goes wrong first."""
    try:
        ready()
        os.killpg(p.pid, signal.SIGTERM)
        stdout, _ = p.communicate(timeout=300)
        return stdout
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


@contextlib.contextmanager
def sigterm_after_first_iteration():
    """Sends this process SIGTERM as the run it calls (train_detector.main, in this process) starts
    its second iteration (the first logged, the handlers in place): from the run's own call of
    lr_at, not from a thread watching its log, which a loaded machine can hold back past the run's
    end (the signal then missed the iteration it was meant for, or came after the run had restored
    the default handlers, ending this process). A run that never starts a second iteration fails
    the test (no signal was sent: a test of one would pass untested). Restores the signal handlers
    afterwards."""
    saved = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    lr_at = train_detector.lr_at
    sent = []

    def lr_at_then_sigterm(a, it, elapsed=0.0):
        if it == 1:
            sent.append(it)
            os.kill(os.getpid(), signal.SIGTERM)  # handled on this (the main) thread, before the iteration runs
        return lr_at(a, it, elapsed)
    try:
        with unittest.mock.patch.object(train_detector, "lr_at", lr_at_then_sigterm):
            yield
        if not sent:
            raise AssertionError("the run never started its second iteration: no SIGTERM was sent")
    finally:
        signal.signal(signal.SIGINT, saved[0])
        signal.signal(signal.SIGTERM, saved[1])


def gloo_worker(rank, init_file, call, cases, results):
    """One process of a two-process gloo group: call(rank, case) for each of cases, its outcomes,
    one a line, in results/RANK."""
    torch.distributed.init_process_group("gloo", init_method="file://" + init_file, rank=rank, world_size=2)
    got = [call(rank, case) for case in cases]
    train_detector.shutdown_distributed()
    with open(os.path.join(results, str(rank)), "w") as f:
        f.write("\n".join(got))


def two_processes(call, cases):
    """Each process's outcomes of gloo_worker(call, cases), rank 0's and rank 1's."""
    with tempfile.TemporaryDirectory() as tmp:
        results = os.path.join(tmp, "results")
        os.mkdir(results)
        torch.multiprocessing.spawn(gloo_worker, args=(os.path.join(tmp, "init"), call, cases, results), nprocs=2)
        got = []
        for r in (0, 1):
            with open(os.path.join(results, str(r))) as f:
                got.append(f.read().split("\n"))
    return got


def agree_call(rank, starts):
    """train_detector.agree_on_start(starts[rank]): "ok START" or "exit MESSAGE"."""
    try:
        return "ok %d" % train_detector.agree_on_start(starts[rank], torch.device("cpu"), "OUT/last.pt")
    except SystemExit as e:
        return "exit %s" % e


def stopping_call(rank, messages):
    """train_detector.stopping_rank(messages[rank]), as text."""
    return str(train_detector.stopping_rank(messages[rank], torch.device("cpu")))


# train_detector.py as it would be with a range the Go engine has and the recipes lack (a new
# engine bound not yet in export.engine_range_problem): the start check's reason to exist.
WITHOUT_ENGINE_RANGES = """import sys
sys.path.insert(0, %r)
import export
import train_detector
export.engine_range_problem = train_detector.engine_range_problem = lambda det: None
train_detector.run_script(train_detector.main)
"""


# train_detector.py with the learning rate each process sets recorded in OUT/lr-rankR.json.
RECORDING_LR = """import json, os, sys
sys.path.insert(0, %r)
import train_detector
lr_at, rates = train_detector.lr_at, []
def recorded(a, it, elapsed=0.0):
    rates.append(lr_at(a, it, elapsed))
    with open(os.path.join(a.out, "lr-rank%%s.json" %% os.environ["RANK"]), "w") as f:
        json.dump(rates, f)
    return rates[-1]
train_detector.lr_at = recorded
train_detector.run_script(train_detector.main)
"""


def without_engine_ranges():
    """In this process, the recipes without the engine's ranges (WITHOUT_ENGINE_RANGES)."""
    import export
    stack = contextlib.ExitStack()
    for module in (export, train_detector):
        stack.enter_context(unittest.mock.patch.object(module, "engine_range_problem", lambda det: None))
    return stack


def torchrun(tmp, args, script=None):
    """The command that runs train_detector.py ARGS (or the Python file SCRIPT in its place) as
    two torchrun processes on this machine.

    Rendezvous on 127.0.0.1 at a free port, not --standalone's fixed localhost:29400 (another run,
    or anything else on that port, would be joined) nor the host name (which a fresh machine may
    resolve to an address that is not this one's). A collective that waits more than 3 minutes
    fails with its traceback (--dist-timeout) instead of hanging the test."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Debian's torch 1.13 under Python 3.11 needs --redirects/--tee other than 0 (README).
    return [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc_per_node", "2",
            "--master_addr", "127.0.0.1", "--master_port", str(port),
            "--redirects", "2", "--tee", "2", "--log_dir", os.path.join(tmp, "logs"),
            script or os.path.join(HERE, "train_detector.py"), "--dist-timeout", "3"] + args


# Python tracebacks on SIGABRT (stuck_report) from torchrun and its workers; gloo on loopback.
TORCHRUN_ENV = dict(os.environ, PYTHONFAULTHANDLER="1", GLOO_SOCKET_IFNAME="lo")


def stuck_report(p, tmp):
    """For a torchrun run that did not end in time: every thread's Python traceback in each of its
    processes (SIGABRT with faulthandler on; their native stacks first where gdb is installed), then
    its output and its workers' logs, as a string."""
    native = []
    if shutil.which("gdb"):
        for pid in descendants(p.pid):
            try:
                g = subprocess.run(["gdb", "-p", str(pid), "-batch", "-ex", "thread apply all bt 30"],
                                   capture_output=True, text=True, timeout=120)
                native += ["--- native stacks of process %d" % pid, g.stdout[-30000:]]
            except (OSError, subprocess.TimeoutExpired) as e:
                native += ["--- native stacks of process %d: %s" % (pid, e)]
    for pid in list(reversed(descendants(p.pid))) + [p.pid]:  # the workers before their parents, then torchrun
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGABRT)
    time.sleep(2)
    for pid in descendants(p.pid) + [p.pid]:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    out, _ = p.communicate()
    report = ["torchrun did not end; its output:", out or ""]
    for root, _, files in os.walk(os.path.join(tmp, "logs")):
        for name in sorted(files):
            with open(os.path.join(root, name), errors="replace") as f:
                report += ["--- " + os.path.join(root, name), f.read()[-20000:]]
    return "\n".join(report + native)


def descendants(pid):
    """The processes under pid (Linux /proc)."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def log_rows(out):
    with open(os.path.join(out, "log.jsonl")) as f:
        return [json.loads(line) for line in f]


def losses(out):
    with open(os.path.join(out, "log.jsonl")) as f:
        return [json.loads(line)["loss"] for line in f]


class DistributedTraining(unittest.TestCase):
    def torchrun_run(self, tmp, args, script=None):
        """Runs train_detector.py ARGS (or SCRIPT) as two torchrun processes to their end: (exit
        status, output); a run not ended in 400 s fails the test with where each process was."""
        p = subprocess.Popen(torchrun(tmp, args, script), env=TORCHRUN_ENV, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        try:
            stdout, _ = p.communicate(timeout=400)
        except subprocess.TimeoutExpired:
            self.fail(stuck_report(p, tmp))
        return p.returncode, stdout

    def test_two_processes_are_one_accumulating(self):
        # torchrun with two processes, each accumulating two batches of one image (--accum 2: DDP
        # synchronizes only the second), against one process accumulating the same four batches
        # (--accum 4): both average the four images' gradients, so they must end in the same
        # weights up to the order of float sums. Every anchor and RoI is sampled (no
        # random draws decide which), BN is frozen and the optimizer is plain SGD, so nothing else
        # differs; four distinct images, so each process's two differ from the other's. Measured:
        # the order of the float sums moves a weight by under 2e-7 of its tensor's scale (1/50 of
        # the tolerance); without the gradient average (no DDP, or no_sync on every batch) the
        # first convolution's weights moved by 5e-4 (46 times it).
        with tempfile.TemporaryDirectory() as tmp:
            data = tiny_coco(os.path.join(tmp, "train.json"), 4)  # each process sees two of them a step
            common = ["--config", PRESET, "--classes", "person", "--data", data, "--batch", "1",
                      "--flip", "0", "--color", "0", "--train-sizes", "224", "--rpn-batch", "1000000",
                      "--box-batch", "1000000", "--train-pre-nms", "100", "--train-post-nms", "16", "--bn", "frozen", "--optimizer", "sgd", "--warmup", "1",
                      "--lr", "2e-2", "--log-every", "1", "--eval-every", "0", "--threads", "1", "--seed", "5",
                      "--iters", "3"]
            one, two = os.path.join(tmp, "one"), os.path.join(tmp, "two")
            train_detector.main(common + ["--accum", "4", "--out", one])
            code, stdout = self.torchrun_run(tmp, common + ["--accum", "2", "--out", two])
            self.assertEqual(code, 0, stdout)
            self.assertIn("2 processes x 1 images x 2 accumulation", stdout)
            for a, b in zip(losses(one), losses(two), strict=True):
                self.assertLessEqual(abs(a - b), 1e-5 * abs(a), (losses(one), losses(two)))
            a = torch.load(os.path.join(one, "last.pt"))
            b = torch.load(os.path.join(two, "last.pt"))
            self.assertEqual((a["iteration"], b["iteration"]), (3, 3))
            for k, v in a["model"].items():
                if v.is_floating_point():
                    err = (v - b["model"][k]).abs().max().item()
                    tol = 1e-5 * max(v.abs().max().item(), 1e-3)
                    self.assertTrue(err <= tol, "%s: max |difference| %g, tolerance %g" % (k, err, tol))

    def test_time_budget_rate_is_one_on_every_process(self):
        # --time-budget decays the rate over wall-clock seconds. Read on each process's own clock
        # (started milliseconds apart), it gave each replica another rate for the same averaged
        # gradient, and DDP never brings the weights back together; rank 0's clock sets it for all.
        with tempfile.TemporaryDirectory() as tmp:
            data = tiny_coco(os.path.join(tmp, "train.json"), 2)
            out = os.path.join(tmp, "run")
            script = os.path.join(tmp, "recording_lr.py")
            with open(script, "w") as f:
                f.write(RECORDING_LR % HERE)
            code, stdout = self.torchrun_run(tmp, ["--config", PRESET, "--classes", "person", "--data", data,
                                                   "--batch", "1", "--train-sizes", "224", "--box-batch", "32",
                                                   "--threads", "1", "--warmup", "0", "--eval-every", "0",
                                                   "--iters", "3", "--time-budget", "600", "--out", out], script)
            self.assertEqual(code, 0, stdout)
            rates = []
            for r in (0, 1):
                with open(os.path.join(out, "lr-rank%d.json" % r)) as f:
                    rates.append(json.load(f))
            self.assertEqual(len(rates[0]), 3, rates)
            self.assertTrue(all(0 < v <= 1e-3 for v in rates[0]), rates)  # on the cosine, at most --lr
            self.assertEqual(rates[0], rates[1])

    def test_unreadable_image_stops_every_process(self):
        # An image one process cannot decode stops every process at that iteration, all told the
        # lowest such rank (before: that process stopped alone, the others waited at the step's
        # collectives until torchrun ended the group, and rank 0, if not the one that stopped,
        # wrote no checkpoint).
        cases = ((None, None), ("a.jpg: cannot decode", None), (None, "b.jpg: cannot decode"), ("a", "b"))
        self.assertEqual(two_processes(stopping_call, cases), [["-1", "0", "1", "0"]] * 2)
        self.assertEqual([train_detector.stopping_rank(m, torch.device("cpu")) for m in (None, "a")], [-1, 0])

    def test_refused_start_stops_every_process(self):
        # Rank 0 alone checks the run at its start (here the Go engine refuses an image_std of 1e-30,
        # whose normalized pixels a float32 cannot hold, in recipes that lack that range:
        # WITHOUT_ENGINE_RANGES): every process stops there, before any training, each saying why
        # (before, rank 0 stopped alone and the other waited at its first step's collectives
        # until torchrun ended the group).
        with tempfile.TemporaryDirectory() as tmp:
            with open(PRESET) as f:
                text = f.read()
            bad = os.path.join(tmp, "std.yaml")
            with open(bad, "w") as f:
                f.write(text.replace("image_std: [0.229,", "image_std: [1.0e-30,", 1))
            data = tiny_coco(os.path.join(tmp, "train.json"), 2)
            out = os.path.join(tmp, "run")
            script = os.path.join(tmp, "without_engine_ranges.py")
            with open(script, "w") as f:
                f.write(WITHOUT_ENGINE_RANGES % HERE)
            code, stdout = self.torchrun_run(tmp, ["--config", bad, "--classes", "person", "--data", data, "--batch", "1",
                                                   "--train-sizes", "224", "--threads", "1", "--iters", "1",
                                                   "--eval", "set=" + data, "--cocoeval", go_cocoeval(), "--out", out], script)
            self.assertNotEqual(code, 0, stdout)
            self.assertIn("channel 0 mean 0.485 std 1e-30: (v/255 - mean)/std is", stdout)
            self.assertIn("process 0 refused this run at its start (its message says why): every process stops", stdout)
            self.assertNotIn("[default1]:Traceback", stdout)  # (before: a training step, then gloo's error)
            self.assertFalse(os.path.exists(os.path.join(out, "log.jsonl")))

    def test_resume_iterations_must_agree(self):
        # Each process reads OUT/last.pt from its own disk: processes that would resume from
        # different iterations (OUT not shared between machines) all stop, with the reason.
        cases = ((300, 300), (300, 0), (0, 100), (0, 0))
        got = two_processes(agree_call, cases)
        for k, starts in enumerate(cases):
            if starts[0] == starts[1]:
                self.assertEqual([got[0][k], got[1][k]], ["ok %d" % starts[0]] * 2)
            else:
                for r in (0, 1):
                    g = got[r][k]
                    self.assertTrue(g.startswith("exit OUT/last.pt: the processes would resume from different "
                                                 "iterations (%d here, rank %d; %d to %d" % (starts[r], r, min(starts),
                                                                                             max(starts))), g)
                    self.assertIn("shared file system", g)

    def stopped_run(self, tmp, stop, new_session=False):
        """Starts a two-process torchrun run on two images (--ckpt-every out of reach), calls
        stop(p) once it has logged its first iteration, and returns (p, its output, its OUT)."""
        data = tiny_coco(os.path.join(tmp, "train.json"), 2)
        out = os.path.join(tmp, "run")
        p = subprocess.Popen(
            torchrun(tmp, ["--config", PRESET, "--classes", "person", "--data", data,
                           "--batch", "1", "--train-sizes", "224", "--box-batch", "32", "--log-every", "1",
                           "--eval-every", "0",
                           "--ckpt-every", "100000", "--threads", "1", "--iters", "100000", "--out", out]),
            env=TORCHRUN_ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=new_session)
        try:
            wait_for_first_iteration(self, p, out, "torchrun")
            stop(p)
            try:
                stdout, _ = p.communicate(timeout=300)
            except subprocess.TimeoutExpired:
                self.fail(stuck_report(p, tmp))
        finally:
            if p.poll() is None:  # a check above failed: end every process of the run, say where each was
                print(stuck_report(p, tmp), file=sys.stderr)
        return p, stdout, out

    def test_signal_to_one_process_saves(self):
        # SIGTERM to rank 1 only: rank 0 learns of it before its checkpoint decision, so the run
        # stops with last.pt at the iteration it stopped at (--ckpt-every is out of reach, so
        # that save is the only one; before the fix rank 0 saved nothing).
        def term_rank1(p):
            rank1 = []
            for pid in descendants(p.pid):
                try:
                    with open("/proc/%d/environ" % pid, "rb") as f:
                        env = f.read().split(b"\0")
                    with open("/proc/%d/cmdline" % pid, "rb") as f:
                        cmd = f.read()
                except OSError:
                    continue
                if b"RANK=1" in env and b"train_detector.py" in cmd:
                    rank1.append(pid)
            self.assertEqual(len(rank1), 1, rank1)
            os.kill(rank1[0], signal.SIGTERM)
        with tempfile.TemporaryDirectory() as tmp:
            p, stdout, out = self.stopped_run(tmp, term_rank1)
            # Every process exits 143, the status of a run a SIGTERM stopped (exit_status); torchrun
            # reports a failed worker with its own status 1.
            self.assertEqual(p.returncode, 1, stdout)
            self.assertIn("failed (exitcode: 143)", stdout)
            self.assertNotIn("exitcode: 0", stdout)
            m = re.search(r"stopped at iteration (\d+) of 100000 .*stopped by signal 15: exit status 143", stdout)
            self.assertIsNotNone(m, stdout)
            ck = os.path.join(out, "last.pt")
            self.assertTrue(os.path.exists(ck), stdout)
            self.assertEqual(torch.load(ck)["iteration"], int(m.group(1)))

    def test_terminal_interrupt_saves(self):
        # Ctrl-C in the terminal: SIGINT reaches torchrun and both workers, and torchrun passes it
        # on to them at once; the run stops after one iteration with last.pt written (--ckpt-every
        # is out of reach) and exit status 130. (The two signals mostly arrive as one, pending
        # while a worker is inside torch; where they do not, StopSignals takes the second as the
        # same stop: test_second_signal.)
        with tempfile.TemporaryDirectory() as tmp:
            p, stdout, out = self.stopped_run(tmp, lambda p: os.killpg(p.pid, signal.SIGINT), new_session=True)
            m = re.search(r"stopped at iteration (\d+) of 100000 .*stopped by signal 2: exit status 130", stdout)
            self.assertIsNotNone(m, stdout)
            self.assertNotIn("KeyboardInterrupt", stdout)
            self.assertEqual(torch.load(os.path.join(out, "last.pt"))["iteration"], int(m.group(1)))
            self.assertNotEqual(p.returncode, 0, stdout)


class StopSignalsTest(unittest.TestCase):
    def test_second_signal(self):
        # A signal within a second of the first is the same stop (torchrun passing on the
        # terminal's Ctrl-C); one later is a second Ctrl-C, which ends the process at once.
        saved = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
        try:
            stop = train_detector.StopSignals()
            self.assertIs(signal.getsignal(signal.SIGINT).__func__, train_detector.StopSignals.on_signal)
            self.assertEqual(stop.signum, 0)
            stop.on_signal(signal.SIGINT, None)
            stop.on_signal(signal.SIGTERM, None)
            self.assertEqual(stop.signum, signal.SIGINT)
            stop.at -= 1.5
            with self.assertRaises(KeyboardInterrupt):
                stop.on_signal(signal.SIGINT, None)
        finally:
            signal.signal(signal.SIGINT, saved[0])
            signal.signal(signal.SIGTERM, saved[1])

    def test_hangup_stops_unless_ignored(self):
        # A closed terminal (SIGHUP) is a stop like SIGTERM (it killed the run without a
        # checkpoint: test_hangup_with_workers_saves); under nohup it stays ignored, and restore()
        # leaves it so.
        saved = [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)]
        try:
            signal.signal(signal.SIGHUP, signal.SIG_DFL)  # (the tests may run under nohup)
            stop = train_detector.StopSignals()
            self.assertIs(signal.getsignal(signal.SIGHUP).__func__, train_detector.StopSignals.on_signal)
            stop.restore()
            self.assertEqual(signal.getsignal(signal.SIGHUP), signal.SIG_DFL)
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            train_detector.StopSignals().restore()
            self.assertEqual(signal.getsignal(signal.SIGHUP), signal.SIG_IGN)
        finally:
            for sig, h in zip((signal.SIGINT, signal.SIGTERM, signal.SIGHUP), saved):
                signal.signal(sig, h)


    def test_hangup_with_the_terminal_gone(self):
        # After SIGHUP standard output may be a terminal that hung up: every write fails with EIO,
        # and the stop's own message raised inside the handler, ending the run without its
        # checkpoint. The writes are dropped instead.
        class HungUp(io.StringIO):
            def write(self, text):
                raise OSError(errno.EIO, "Input/output error")
        saved = [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)]
        out, err = sys.stdout, sys.stderr
        try:
            signal.signal(signal.SIGHUP, signal.SIG_DFL)
            stop = train_detector.StopSignals("signal %d: finishing this iteration")
            sys.stdout, sys.stderr = HungUp(), HungUp()
            stop.on_signal(signal.SIGHUP, None)
            print("stopped at iteration 3", flush=True)
            print("a warning", file=sys.stderr, flush=True)
            self.assertEqual(stop.signum, signal.SIGHUP)
        finally:
            sys.stdout, sys.stderr = out, err
            for sig, h in zip((signal.SIGINT, signal.SIGTERM, signal.SIGHUP), saved):
                signal.signal(sig, h)


class CheckpointWrites(unittest.TestCase):
    def test_full_disk_keeps_the_last_one(self):
        # A full disk (last.pt.tmp leads to /dev/full) while writing the checkpoint: an error naming
        # last.pt and the reason, the last one as it was, no .tmp left taking the space (before
        # the fix torch's writer aborted the process, SIGABRT, with a C++ traceback naming no file).
        # In a process of its own, for that abort.
        with tempfile.TemporaryDirectory() as tmp:
            last = os.path.join(tmp, "last.pt")
            with open(last, "wb") as f:
                f.write(b"the last checkpoint")
            os.symlink("/dev/full", last + ".tmp")
            code = ("import sys, torch; sys.path.insert(0, %r); import train_detector; m = torch.nn.Linear(2, 2); "
                    "train_detector.save_checkpoint(%r, m, torch.optim.SGD(m.parameters(), lr=1), 7, 0.0, None)"
                    % (HERE, last))
            p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 1, p.stderr[-2000:])
            self.assertIn("%s: cannot write the checkpoint of iteration 7 (No space left on device); the one there "
                          "is left as it was" % last, p.stderr)
            with open(last, "rb") as f:
                self.assertEqual(f.read(), b"the last checkpoint")
            self.assertFalse(os.path.lexists(last + ".tmp"))

    def test_full_disk_keeps_the_model_there(self):
        # The same for a .bin export (an evaluation's, --export-now): it ended in a Python
        # traceback and left iterNNNNNN.bin.tmp taking the space.
        from detector import detector_section
        cfg = make_config({"groups": 3, "width": 0.25}, detector_section(300, classes=[{"id": 1, "name": "person"}]))
        model = build_detector(cfg)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "iter000007.bin")
            with open(path, "wb") as f:
                f.write(b"an earlier export")
            os.symlink("/dev/full", path + ".tmp")
            with self.assertRaises(SystemExit) as e:
                train_detector.export(model, cfg, path)
            self.assertIn("%s: cannot write the model (No space left on device); the one there is left as it was"
                          % path, str(e.exception))
            with open(path, "rb") as f:
                self.assertEqual(f.read(), b"an earlier export")
            self.assertFalse(os.path.lexists(path + ".tmp"))

    def test_args_written_whole_or_not_at_all(self):
        # A run's args.json that cannot be written whole (here a value json cannot write, standing
        # for a kill mid-write) leaves the one there as it was, not a cut file.
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "args.json")
            with open(path, "w") as f:
                f.write('{"seed": 3}')
            a = argparse.Namespace(out=tmp, seed=9, bad=object())
            with self.assertRaises(TypeError):
                train_detector.start_afresh(os.path.join(tmp, "last.pt"), a)
            with open(path) as f:
                self.assertEqual(f.read(), '{"seed": 3}')
            self.assertEqual(os.listdir(tmp), ["args.json"])
            a.bad = 1
            train_detector.start_afresh(os.path.join(tmp, "last.pt"), a)
            with open(path) as f:
                self.assertEqual(json.load(f), {"out": tmp, "seed": 9, "bad": 1})

    def test_on_the_disk_before_the_rename(self):
        # The new checkpoint's data is synced before it replaces the last one: a node that crashes
        # right after the rename would otherwise keep last.pt empty or cut short on some file
        # systems, the run's only checkpoint lost.
        calls = []
        fsync, replace = os.fsync, os.replace
        with tempfile.TemporaryDirectory() as tmp, \
                unittest.mock.patch.object(os, "fsync", lambda fd: calls.append("fsync") or fsync(fd)), \
                unittest.mock.patch.object(os, "replace", lambda a, b: calls.append("replace") or replace(a, b)):
            m = torch.nn.Linear(2, 2)
            last = os.path.join(tmp, "last.pt")
            train_detector.save_checkpoint(last, m, torch.optim.SGD(m.parameters(), lr=1), 7, 0.0, None)
            self.assertEqual(calls, ["fsync", "replace"])
            self.assertEqual(train_detector.load_checkpoint(last, "cpu")["iteration"], 7)

    def test_damaged_zip_that_is_no_checkpoint(self):
        # A zip that torch.save did not write, whose compressed member is damaged (torch.save stores
        # its members): stopped with torch.load's error, as before the CRC-32 check, not with a
        # traceback from zipfile's decompressor (zlib.error).
        import zipfile
        with tempfile.TemporaryDirectory() as tmp:
            last = os.path.join(tmp, "last.pt")
            with zipfile.ZipFile(last, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("run/notes.txt", bytes(range(256)) * 64)
                m = z.infolist()[0]
            with open(last, "r+b") as f:
                f.seek(m.header_offset + 30 + len(m.filename) + 2)
                f.write(b"\xff" * 8)
            with self.assertRaises(RuntimeError) as want:
                torch.load(last, map_location="cpu", weights_only=False)
            with self.assertRaises(SystemExit) as e:
                train_detector.load_checkpoint(last, "cpu")
            self.assertEqual(str(e.exception), "%s: cannot be read to resume from (RuntimeError: %s); --no-resume "
                                               "starts over, or move it away" % (last, want.exception))

    def test_foreign_file_that_is_no_checkpoint(self):
        # A text file, or another program's pickle of a class this one lacks (an --out folder
        # reused from another tool), left under the name: named like a damaged checkpoint, not a
        # ValueError or ModuleNotFoundError traceback from the unpickler.
        import pickle
        import types
        with tempfile.TemporaryDirectory() as tmp:
            last = os.path.join(tmp, "last.pt")
            with open(last, "w") as f:
                f.write("garbage\n")
            foreign = types.ModuleType("foreign_models")
            foreign.Model = type("Model", (), {"__module__": "foreign_models"})
            with unittest.mock.patch.dict(sys.modules, {"foreign_models": foreign}):
                other = pickle.dumps({"model": foreign.Model()})
            for content, why in ((b"garbage\n", "ValueError"), (other, "ModuleNotFoundError")):
                with open(last, "wb") as f:
                    f.write(content)
                with self.assertRaises(SystemExit) as e:
                    train_detector.load_checkpoint(last, "cpu")
                self.assertIn("%s: cannot be read to resume from (%s: " % (last, why), str(e.exception))


class BatchStreamTest(unittest.TestCase):
    def test_goes_on_from_the_images_consumed(self):
        # Two processes of 2 images, then (resumed at iteration 3, 12 images in) one of 8: the
        # stream's positions go on from 12; without first, from iteration x batch as before.
        def positions(stream):
            return [seed for batch in stream for _, seed in batch]
        whole = positions(train_detector.BatchStream(10, 5, 8, 0, 1, 0, 4))
        two = [positions(train_detector.BatchStream(10, 5, 2, r, 2, 0, 3)) for r in (0, 1)]
        self.assertEqual(sorted(two[0] + two[1]), sorted(whole[:12]))
        resumed = positions(train_detector.BatchStream(10, 5, 8, 0, 1, 3, 4, first=12))
        self.assertEqual(resumed, whole[12:20])
        self.assertEqual(positions(train_detector.BatchStream(10, 5, 8, 0, 1, 1, 2)), whole[8:16])
        self.assertEqual(train_detector.BatchStream(10, 5, 8, 0, 1, 3, 4, first=12).consumed(4), 20)


class NumericFlags(unittest.TestCase):
    def test_out_of_range_is_named(self):
        # A count or rate out of its range stops the parser naming the flag, before any data is
        # read: --batch 0 failed deep inside torchvision (IndexError in max_by_axis), --accum 0
        # trained nothing and logged a loss of 0, --ckpt-every 0 divided by zero after the first
        # iteration, --lr nan failed inside torch's optimizer, --iters -3 "stopped at iteration 0 of -3";
        # export.py's --num-det-classes 0 and --score-thresh 1 or nan wrote files the Go engine refuses.
        import export
        import train_imagenet
        base = ["--config", PRESET, "--data", "a:b", "--out", "o", "--iters", "1"]
        for script, common, extra, want in [
            (train_detector, base, ["--batch", "0"], "argument --batch: 0: want a whole number of at least 1"),
            (train_detector, base, ["--accum", "0"], "argument --accum: 0: want a whole number of at least 1"),
            (train_detector, base, ["--ckpt-every", "0"], "argument --ckpt-every: 0: want a whole number of at least 1"),
            (train_detector, base, ["--log-every", "0"], "argument --log-every: 0: want a whole number of at least 1"),
            (train_detector, base, ["--threads", "0"], "argument --threads: 0: want a whole number of at least 1"),
            (train_detector, base, ["--workers", "-1"], "argument --workers: -1: want a whole number of at least 0"),
            (train_detector, base, ["--iters", "-3"], "argument --iters: -3: want a whole number of at least 0"),
            (train_detector, base, ["--box-batch", "0"], "argument --box-batch: 0: want a whole number of at least 1"),
            (train_detector, base, ["--lr", "nan"], "argument --lr: nan: want a finite number at least 0"),
            (train_detector, base, ["--lr", "-1"], "argument --lr: -1: want a finite number at least 0"),
            (train_detector, base, ["--ema", "1"], "argument --ema: 1: want a finite number from 0 to 1 (not included)"),
            (train_detector, base, ["--flip", "2"], "argument --flip: 2: want a finite number from 0 to 1"),
            (train_detector, base, ["--dist-timeout", "0"],
             "argument --dist-timeout: 0: want a finite number from 0 (not included) to 525600"),
            # (an OverflowError in every process, and torch's "Overflow when unpacking long")
            (train_detector, base, ["--dist-timeout", "1e300"],
             "argument --dist-timeout: 1e300: want a finite number from 0 (not included) to 525600"),
            (train_detector, base, ["--seed", "100000000000000000000000"],
             "argument --seed: 100000000000000000000000: want a whole number from 0 to 4294967295"),
            # (accepted, then every evaluation failed: Go cocoeval's -threads is 1 to 256)
            (train_detector, base, ["--eval-threads", "300"], "argument --eval-threads: 300: want a whole number from 1 to 256"),
            (export, ["--out", "o.bin", "--random", "--detector"], ["--num-det-classes", "0"],
             "argument --num-det-classes: 0: want a whole number from 1 to 10000"),
            (export, ["--out", "o.bin", "--random", "--detector"], ["--score-thresh", "nan"],
             "argument --score-thresh: nan: want a finite number from 0 to 1 (not included)"),
            (export, ["--out", "o.bin", "--random", "--detector"], ["--score-thresh", "1"],
             "argument --score-thresh: 1: want a finite number from 0 to 1 (not included)"),
            # both starting points: --trunk was not read (--init's weights replace it), without a word
            (train_detector, base, ["--trunk", "t.bin", "--init", "d.bin"],
             "argument --init: not allowed with argument --trunk"),
            (train_imagenet, ["--data", "d", "--out", "o"], ["--iters", "0"],
             "argument --iters: 0: want a whole number of at least 1"),
            (train_imagenet, ["--data", "d", "--out", "o"], ["--min-scale", "0"],
             "argument --min-scale: 0: want a finite number from 0 (not included) to 1"),
            (train_imagenet, ["--data", "d", "--out", "o"], ["--label-smoothing", "inf"],
             "argument --label-smoothing: inf: want a finite number from 0 to 1"),
        ]:
            err = io.StringIO()
            with self.assertRaises(SystemExit) as e, contextlib.redirect_stderr(err):
                script.parse_args(common + extra)
            self.assertEqual(e.exception.code, 2, extra)
            self.assertIn(want, err.getvalue())
        # the edges are taken
        a = train_detector.parse_args(base + ["--iters", "0", "--lr", "0", "--ema", "0.999", "--flip", "1",
                                              "--eval-every", "0", "--workers", "0"])
        self.assertEqual((a.iters, a.lr, a.ema, a.flip, a.eval_every, a.workers), (0, 0.0, 0.999, 1.0, 0, 0))


class RunFolder(unittest.TestCase):
    def test_file_as_out_is_named(self):
        # --out naming a file: an error naming it, not os.makedirs's FileExistsError traceback
        # (both training scripts check the folder before reading anything else, and make it once
        # the rest is checked).
        import train_imagenet
        with tempfile.TemporaryDirectory() as tmp:
            f = os.path.join(tmp, "notes.txt")
            with open(f, "w") as fh:
                fh.write("x")
            for script, args in ((train_detector, ["--config", PRESET, "--data", "a:b", "--iters", "1"]),
                                 (train_imagenet, ["--data", tmp])):
                with self.assertRaises(SystemExit) as e:
                    script.main(args + ["--out", f])
                self.assertEqual(str(e.exception), "--out %s: not a folder (a file of that name is there): give the "
                                 "run's own folder" % f)
                with self.assertRaises(SystemExit) as e:
                    script.main(args + ["--out", os.path.join(f, "run")])
                self.assertEqual(str(e.exception), "--out %s: cannot make the run folder: %s is a file" % (
                    os.path.join(f, "run"), f))
            # a folder that cannot be written in: named before the data is read (the data here is
            # not there: its error would come first otherwise). os.access says so as the folder's
            # mode would to anyone but root, who writes anywhere (the tests run as root in CI).
            locked = os.path.join(tmp, "locked")
            os.makedirs(locked)
            real_access = os.access
            for script, args in ((train_detector, ["--config", PRESET, "--data", "a:b", "--iters", "1"]),
                                 (train_imagenet, ["--data", tmp])):
                with self.assertRaises(SystemExit) as e, unittest.mock.patch.object(
                        os, "access", lambda p, m: p != locked and real_access(p, m)):
                    script.main(args + ["--out", os.path.join(locked, "run", "x")])
                self.assertEqual(str(e.exception), "--out %s: cannot make the run folder: %s is not writable" % (
                    os.path.join(locked, "run", "x"), locked))


class EngineRanges(unittest.TestCase):
    def test_the_engine_and_the_recipes_refuse_the_same(self):
        # A detector config of the right kinds with a value out of the Go engine's range is refused
        # by config_file (export.engine_range_problem), and by the engine itself when written into
        # a .bin anyway (cocoeval -model on no images); a value on the edge of the range is taken
        # by both. Without --eval, training used to go on with such a value: a torch traceback
        # (rpn.channels 0) or .bin files the engine refused (roi.sampling_ratio -1).
        import copy as copy_module
        import export
        from detector import detector_section, model_state, write_bin
        with tempfile.TemporaryDirectory() as tmp:
            cocoeval = go_cocoeval()
            det = detector_section(300, classes=[{"id": 1, "name": "person"}])
            cfg = make_config({"groups": 3, "width": 0.25}, det)
            tensors = model_state(build_detector(cfg))
            gt, images = os.path.join(tmp, "gt.json"), os.path.join(tmp, "images")
            os.makedirs(images)
            with open(gt, "w") as f:
                json.dump({"images": [], "annotations": [], "categories": [{"id": 1, "name": "person"}]}, f)

            def configured(changes):
                """det with each (section, key, value) of changes set."""
                d = copy_module.deepcopy(det)
                for section, key, value in changes:
                    (d if section is None else d[section])[key] = value
                return d

            def engine_refusals(dets):
                """For each detector section, the engine's stderr where it refuses a .bin of it, else
                None: cocoeval -model on no images, eight at a time."""
                out = []
                for start in range(0, len(dets), 8):
                    procs = []
                    for k, d in enumerate(dets[start:start + 8]):
                        path = os.path.join(tmp, "m%d.bin" % k)
                        write_bin(path, tensors, make_config({"groups": 3, "width": 0.25}, d))
                        procs.append(subprocess.Popen([cocoeval, "-model", path, "-gt", gt, "-images", images, "-out",
                                                       os.path.join(tmp, "r%d.json" % k)],
                                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
                    for p in procs:
                        _, err = p.communicate(timeout=120)
                        out.append(err if p.returncode != 0 else None)
                return out
            outside = [(None, "max_size", 4097), (None, "max_size", 299), (None, "size_divisible", 0),
                       (None, "size_divisible", 24), (None, "size_divisible", 1040), (None, "image_std", [0.2, 0.0, 0.2]),
                       (None, "image_std", [0.229, 1e-30, 0.225]), (None, "image_mean", [0.485, 1e30, 0.406]),
                       ("rpn", "channels", 0), ("rpn", "anchor_sizes", []), ("rpn", "anchor_sizes", [0, 64, 128, 256, 512]),
                       ("rpn", "anchor_sizes", [32, 64, 128, 256, 32769]), ("rpn", "aspect_ratios", [0.5, 1.0, 2e4]),
                       ("rpn", "pre_nms_top_n", 0), ("rpn", "post_nms_top_n", 10001), ("rpn", "nms_thresh", 1.5),
                       ("rpn", "score_thresh", -0.1), ("rpn", "min_box_size", 32769), ("roi", "output_size", 0),
                       ("roi", "output_size", 65), ("roi", "sampling_ratio", -1), ("roi", "sampling_ratio", 17),
                       ("roi", "detections_per_img", 0), ("roi", "score_thresh", 1.0), ("roi", "nms_thresh", -0.5),
                       ("roi", "bbox_reg_weights", [10.0, 10.0, 5.0]), ("roi", "bbox_reg_weights", [10.0, 10.0, 5.0, 1e4])]
            # the bounds of a frame's work, each just over: 10,000 proposals x 14^2 bins x 4^2 samples
            # is 31,360,000; one more bin a side, or one more sample a side, is over
            outside += [((None, "image_mean", [0.0, 0.0, 0.0]), (None, "image_std", [0.229, 0.224, 0.99e-4])),  # 0 to 10101
                        (("rpn", "post_nms_top_n", 10000), ("roi", "output_size", 15)),
                        (("rpn", "post_nms_top_n", 10000), ("roi", "sampling_ratio", 5)),
                        # adaptive: a proposal across a 4096-pixel image takes 19 x 19 samples a bin
                        (("rpn", "post_nms_top_n", 10000), (None, "max_size", 4096), ("roi", "sampling_ratio", 0))]
            outside = [c if isinstance(c[0], tuple) else (c,) for c in outside]
            dets = [configured(c) for c in outside]
            for changes, d, go in zip(outside, dets, engine_refusals(dets)):
                section, key, value = changes[-1]
                name = key if section is None else section + "." + key
                py = export.engine_range_problem(d)
                self.assertTrue(py is not None and name in py, "%s %s: config_file says %s" % (name, value, py))
                self.assertIsNotNone(go, "%s %s: the engine takes it, the recipes refuse it" % (name, value))
                # and refuses it for that value, not for another reason (the engine's words for a few)
                said = {"image_std": "std", "image_mean": "mean", "anchor_sizes": "anchor size",
                        "aspect_ratios": "aspect ratio"}.get(key, key)
                self.assertTrue(said in go and (section is None or section in go),
                                "%s %s: the engine refuses it, but not naming it: %s" % (name, value, go))
            # the edges inside, a few at once (those of a frame's work apart: 10,000 proposals at 14 x 14
            # bins of 4 x 4 samples, and 29 proposals at 64 x 64 of 16 x 16)
            edges = [[(None, "max_size", 4096), (None, "size_divisible", 16), ("rpn", "anchor_sizes", [1e-3, 64, 128, 256, 32768]),
                      ("rpn", "aspect_ratios", [1e-4, 1.0, 1e4]), ("rpn", "pre_nms_top_n", 100000),
                      ("rpn", "post_nms_top_n", 10000), ("rpn", "nms_thresh", 1.0), ("rpn", "score_thresh", 1.0),
                      ("rpn", "min_box_size", 32768), ("roi", "sampling_ratio", 4),
                      ("roi", "detections_per_img", 10000), ("roi", "score_thresh", 0.999), ("roi", "nms_thresh", 0.0),
                      ("roi", "bbox_reg_weights", [1e-3, 1e3, 1e-3, 1e3])],
                     [("rpn", "post_nms_top_n", 29), ("roi", "output_size", 64), ("roi", "sampling_ratio", 16)],
                     [(None, "max_size", 300), (None, "size_divisible", 1024), ("rpn", "nms_thresh", 0.0),
                      ("rpn", "min_box_size", 0.0), ("roi", "sampling_ratio", 0), ("roi", "detections_per_img", 1),
                      # normalized pixels of 0 to 10^4 exactly in float32 (1e-4), and 0 to 255
                      (None, "image_mean", [0.0, 0.0, 0.0]), (None, "image_std", [1e-4, 1 / 255, 0.229])]]
            dets = [configured(e) for e in edges]
            for e, d, go in zip(edges, dets, engine_refusals(dets)):
                self.assertEqual((export.engine_range_problem(d), go), (None, None), "%s\n%s" % (e, go))


class PresetMistakes(unittest.TestCase):
    def test_named_before_any_work(self):
        # A preset of one's own with a misspelt name was written into every .bin of the run, which
        # the Go engine then refused ('json: unknown field "nms_tresh"') at the first evaluation; a
        # min_size other than 300 or 600, or none, and a misspelt backbone name ended in a ValueError
        # or KeyError traceback. Each is named with the file, and a value a section leaves out
        # keeps its default, as a left-out section does.
        with open(PRESET) as f:
            text = f.read()
        with tempfile.TemporaryDirectory() as tmp:
            cases = [
                (text.replace("    nms_thresh: 0.5\n", "    nms_tresh: 0.5\n"),
                 "detector.roi has nms_tresh: unknown name (known: output_size, sampling_ratio, score_thresh, "
                 "nms_thresh, detections_per_img, bbox_reg_weights)"),
                (text.replace("  groups: 3\n", "  grups: 3\n"), "backbone has grups: unknown name (known: groups,"),
                (text.replace("min_size: 300", "min_size: 448"), "detector.min_size 448: want 300 or 600"),
                (text.replace("  min_size: 300\n", ""), "detector.min_size None: want 300 or 600"),
                (text.replace("min_size: 300", "min_size: [300]"), "detector.min_size [300]: want 300 or 600"),
                (text.replace("min_size: 300", "min_size: 300.0"), "detector.min_size 300.0: want 300 or 600"),
                (text.replace("version: 1\n", "version: 1\nclases: [person]\n"), "has clases: unknown name"),
                # a value of another kind than its default's (text, 14.0 for a whole number, 0 for
                # false) went into every .bin and the Go engine refused it at load ("cannot
                # unmarshal string into ... score_thresh")
                (text.replace("    score_thresh: 0.05\n", '    score_thresh: "0.05"\n'),
                 'detector.roi.score_thresh "0.05": want a finite number'),
                (text.replace("    output_size: 14\n", "    output_size: 14.0\n"),
                 "detector.roi.output_size 14.0: want a whole number"),
                (text.replace("  shallow: false\n", "  shallow: 0\n"), "backbone.shallow 0: want true or false"),
                (text.replace("anchor_sizes: [32, 64,", "anchor_sizes: [32, sixty-four,"),
                 'detector.rpn.anchor_sizes [32, "sixty-four", 128, 256, 512]: want a list of finite numbers'),
                (text.replace("  width: 0.5\n", "  width: .5x\n"), 'backbone.width ".5x": want a finite number'),
                # NaN and infinity: written into the .bin as NaN, which JSON has not (the Go engine
                # refused the file: "invalid character 'N'")
                (text.replace("    nms_thresh: 0.5\n", "    nms_thresh: .nan\n"), "detector.roi.nms_thresh NaN: want a finite number"),
                (text.replace("    score_thresh: 0.05\n", "    score_thresh: -.inf\n"),
                 "detector.roi.score_thresh -Infinity: want a finite number"),
                (text.replace("anchor_sizes: [32, 64,", "anchor_sizes: [32, .inf,"),
                 "detector.rpn.anchor_sizes [32, Infinity, 128, 256, 512]: want a list of finite numbers"),
                # a group count or width of no ShuffleNet (ShuffleNetV1's ValueError), classes not a
                # list of objects (a TypeError or KeyError once read)
                (text.replace("  groups: 3\n", "  groups: 5\n"), "backbone.groups 5: want one of 1, 2, 3, 4, 8"),
                (text.replace("  width: 0.5\n", "  width: 0.7\n"), "backbone.width 0.7: want one of 0.25, 0.5, 1.0, 1.5, 2.0"),
                (text.replace("detector:\n", "detector:\n  classes: 5\n", 1),
                 "detector.classes 5: want a list of {id: N, name: TEXT}"),
                (text.replace("detector:\n", "detector:\n  classes: [{id: x}]\n", 1),
                 'detector.classes [{"id": "x"}]: want a list of {id: N, name: TEXT}'),
            ]
            for k, (yaml_text, want) in enumerate(cases):
                path = os.path.join(tmp, "p%d.yaml" % k)
                with open(path, "w") as f:
                    f.write(yaml_text)
                self.assertNotEqual(yaml_text, text, want)
                with self.assertRaises(SystemExit) as e:
                    train_detector.config_file(path)
                self.assertTrue(str(e.exception).startswith(path + ": "), str(e.exception))
                self.assertIn(want, str(e.exception))
            with self.assertRaises(SystemExit) as e:  # the trainer stops before reading its data
                train_detector.main(["--config", os.path.join(tmp, "p0.yaml"), "--data", "a:b", "--iters", "1",
                                     "--out", os.path.join(tmp, "run")])
            self.assertIn("nms_tresh: unknown name", str(e.exception))
            path = os.path.join(tmp, "classifier.yaml")  # (no detector section: a TypeError on its classes)
            with open(path, "w") as f:
                f.write(text[:text.index("detector:\n")])
            with self.assertRaises(SystemExit) as e:
                train_detector.main(["--config", path, "--data", "a:b", "--iters", "1", "--out", os.path.join(tmp, "run")])
            self.assertEqual(str(e.exception), "%s: no detector section: train_detector.py trains a detector (a "
                             "classifier's config is train_imagenet.py's)" % path)
            path = os.path.join(tmp, "short.yaml")
            with open(path, "w") as f:
                f.write(text.replace("    nms_thresh: 0.5\n", ""))
            _, det = train_detector.config_file(path)
            self.assertEqual(det["roi"]["nms_thresh"], 0.5)
            self.assertEqual(train_detector.config_file(PRESET)[1]["roi"], det["roi"])

    def test_exponents_are_numbers(self):
        # 1e-3 and 1.0e1, numbers in YAML 1.2 and to the Go engine's yaml.v3 but text to PyYAML
        # (which wants a dot and a signed exponent), are read as numbers.
        with open(PRESET) as f:
            text = f.read()
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "exponents.yaml")
            with open(path, "w") as f:
                f.write(text.replace("min_box_size: 0.001", "min_box_size: 1e-3").replace(
                    "score_thresh: 0.05", "score_thresh: 5E-2").replace(
                    "bbox_reg_weights: [10.0, 10.0,", "bbox_reg_weights: [1.0e1, 1e1,"))
            with open(path) as f:
                self.assertIn("[1.0e1, 1e1,", f.read())
            _, det = train_detector.config_file(path)
            self.assertEqual((det["rpn"]["min_box_size"], det["roi"]["score_thresh"], det["roi"]["bbox_reg_weights"]),
                             (0.001, 0.05, [10.0, 10.0, 5.0, 5.0]))

    def test_init_of_another_preset_names_what_differs(self):
        # --init from a .bin of another preset (another RoI output size, another backbone width)
        # was refused by printing both whole configurations (ten thousand characters with COCO's
        # 80 classes) for the user to compare; the message names the settings that differ.
        import export
        backbone, det = train_detector.config_file(PRESET)
        cfg = make_config(backbone, det)
        with tempfile.TemporaryDirectory() as tmp:
            for name, edit, want in [
                    ("roi", lambda t: t.replace("output_size: 14", "output_size: 7").replace(
                        "nms_thresh: 0.5", "nms_thresh: 0.45"),
                     "--init %s: its detector's roi.output_size 7, roi.nms_thresh 0.45 differ from this run's "
                     "(--config) 14, 0.5"),
                    ("width", lambda t: t.replace("width: 0.5", "width: 1.0"),
                     "--init %s: a ShuffleNet v1 g3 1.0x detector's weights, this run's preset is g3 0.5x")]:
                yaml_path, path = os.path.join(tmp, name + ".yaml"), os.path.join(tmp, name + ".bin")
                with open(PRESET) as f:
                    text = edit(f.read())
                with open(yaml_path, "w") as f:
                    f.write(text)
                export.main(["--out", path, "--random", "--config", yaml_path])
                with self.assertRaises(SystemExit) as e:
                    train_detector.init_from_bin(build_detector(cfg), path, cfg)
                self.assertEqual(str(e.exception), want % path)

    def test_init_whose_width_is_no_number_names_it(self):
        # A .bin whose backbone width is not a number (written by hand, or by another program):
        # describing its architecture raised ValueError, a traceback; the message names the
        # setting that differs instead.
        backbone, det = train_detector.config_file(PRESET)
        cfg = make_config(backbone, det)
        have = json.loads(json.dumps(cfg))
        have["backbone"]["width"] = "x"
        with unittest.mock.patch.object(train_detector, "read_bin", return_value=({}, have)):
            with self.assertRaises(SystemExit) as e:
                train_detector.init_from_bin(build_detector(cfg), "odd.bin", cfg)
        self.assertEqual(str(e.exception), "--init odd.bin: its backbone's backbone.width \"x\" differs from this "
                         "run's (--config) 0.5")


class TrainSizes(unittest.TestCase):
    def test_default_follows_the_test_size(self):
        # At 300 the default is the one the demo recipes were trained with; at 600 the same
        # relative jitter (+-15% around the test size, multiples of 32).
        self.assertEqual(train_detector.default_train_sizes(300), (224, 256, 288, 320, 352))
        self.assertEqual(train_detector.default_train_sizes(600), (448, 512, 576, 640, 704))
        # what a run without --train-sizes uses, by its preset (args.json records it; no iteration)
        with tempfile.TemporaryDirectory() as tmp:
            data = tiny_coco(os.path.join(tmp, "train.json"), 1)
            for preset, want in ((PRESET, "224,256,288,320,352"),
                                 (PRESET.replace("-300.yaml", "-600.yaml"), "448,512,576,640,704")):
                out = os.path.join(tmp, os.path.basename(preset))
                train_detector.main(["--config", preset, "--classes", "person", "--data", data, "--iters", "0",
                                     "--eval-every", "0", "--out", out])
                with open(os.path.join(out, "args.json")) as f:
                    self.assertEqual(json.load(f)["train_sizes"], want, preset)


OWN_CATEGORIES = [(7, "walker"), (42, "vehicle"), (1000, "hound"), (555, "unicorn")]


def own_dataset(root, categories=OWN_CATEGORIES, boxes=((7, 2), (42, 1), (1000, 1)), name="own.json"):
    """A COCO-format set of two small generated images in root/images and its JSON root/NAME
    with these categories (None: no categories list) and, per image, boxes of (category id, count):
    the reviewer's own data, ids that mean other things in COCO (7 train, 42 surfboard) or none
    (555, 1000). Returns its --data IMAGES:JSON."""
    os.makedirs(os.path.join(root, "images"), exist_ok=True)
    d = {"images": [], "annotations": []}
    if categories is not None:
        d["categories"] = [{"id": i, "name": n} for i, n in categories]
    g = random.Random(0)
    for k in range(2):
        path = os.path.join(root, "images", "im%d.jpg" % k)
        if not os.path.exists(path):
            Image.fromarray(np.uint8(np.random.RandomState(k).randint(0, 256, (120, 160, 3)))).save(path)
        d["images"].append({"id": k + 1, "file_name": "im%d.jpg" % k, "width": 160, "height": 120})
        for cid, n in boxes:
            for _ in range(n):
                d["annotations"].append({"id": len(d["annotations"]) + 1, "image_id": k + 1, "category_id": cid,
                                         "bbox": [g.uniform(0, 80), g.uniform(0, 60), 40, 30], "iscrowd": 0, "area": 1200})
    with open(os.path.join(root, name), "w") as f:
        json.dump(d, f)
    return "%s:%s" % (os.path.join(root, "images"), os.path.join(root, name))


class DataClasses(unittest.TestCase):
    """A run's classes are its training data's categories, by the data's ids and names."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.own = own_dataset(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def start(self, name, data, *extra):
        """main with --iters 0 (reads the data, builds the model, trains nothing): its output."""
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            train_detector.main(["--config", PRESET, "--iters", "0", "--eval-every", "0", "--out",
                                 os.path.join(self.tmp.name, name)] + [x for d in data for x in ("--data", d)] + list(extra))
        return buf.getvalue()

    def test_select(self):
        cats = dict(OWN_CATEGORIES)
        self.assertEqual(train_detector.select_classes("", cats),
                         [(7, "walker"), (42, "vehicle"), (555, "unicorn"), (1000, "hound")])
        self.assertEqual(train_detector.select_classes("hound, 7,vehicle", cats),
                         [(1000, "hound"), (7, "walker"), (42, "vehicle")])
        # an id first: "42" is category 42 even where a category is named "42"
        self.assertEqual(train_detector.select_classes("42,7", {42: "vehicle", 7: "42"}), [(42, "vehicle"), (7, "42")])
        for spec, want in [("walker,7", "'walker' and '7' are both category 7 (walker): each class once"),
                           ("train", "'train' is neither the id nor the name of a category of the --data (7 walker, "
                                     "42 vehicle, 555 unicorn, 1000 hound)"),
                           ("1", "'1' is neither")]:
            with self.assertRaises(SystemExit) as e:
                train_detector.select_classes(spec, cats)
            self.assertIn(want, str(e.exception))
        # what the Go engine would refuse in the .bin, refused before training
        for cats, spec, want in [({0: "background", 1: "a"}, "0", "category 0 \"background\" cannot be trained"),
                                 ({1: "a", 2: "a"}, "", "categories 1 and 2 are both named \"a\""),
                                 ({1: ""}, "", "category 1 \"\" cannot be trained"),
                                 # (trained, then refused by the Go engine at load)
                                 ({10**20: "a"}, "", "category 100000000000000000000 \"a\" cannot be trained: the Go "
                                                     "engine's class ids are at most 2147483647"),
                                 ({1: "per\tson"}, "", "category 1 \"per\\tson\" cannot be trained: the Go engine's "
                                                       "class names are at most 256 bytes, without control characters"),
                                 ({1: "\u00e9" * 129}, "", "category 1 \"")]:
            with self.assertRaises(SystemExit) as e:
                train_detector.select_classes(spec, cats)
            self.assertIn(want, str(e.exception))
        self.assertEqual(train_detector.select_classes("1", {0: "background", 1: "a"}), [(1, "a")])
        # by default, a category 0 (Roboflow's exports list the dataset's name so) is left out
        self.assertEqual(train_detector.select_classes("", {0: "cells", 1: "a", 2: "b"}), [(1, "a"), (2, "b")])

    def test_coco_data_unchanged(self):
        # The demo's data: COCO's 80 classes with COCO's names, so the demo and Table 7 commands
        # train what they trained before; person,car is ids 1 and 3 in that order.
        shared = os.path.join(REPO, "..", "shared", "data")
        sources = []
        for path in ("coco128/annotations/instances_train2017.json", "coco-extra/instances_train.json",
                     "coco-tiny/instances_train.json", "coco-val128/instances_val2017_128.json"):
            with open(os.path.join(shared, path)) as f:
                sources.append((path, train_detector.json_categories(path, json.load(f))))
        cats, notes = train_detector.data_categories(sources, [], PRESET)
        self.assertEqual(notes, [])
        self.assertEqual(train_detector.select_classes("", cats), COCO_CLASSES)
        self.assertEqual(train_detector.select_classes("person,car", cats), [(1, "person"), (3, "car")])
        self.assertEqual(train_detector.select_classes("car,1", cats), [(3, "car"), (1, "person")])
        with self.assertRaises(SystemExit) as e:
            train_detector.select_classes("surfboard,42", cats)
        self.assertIn("both category 42", str(e.exception))

    def test_own_categories(self):
        # Default: every category of the data, by id, with its names (not COCO's "train" and
        # "surfboard" for 7 and 42); the run says how many boxes each class has, that unicorn has
        # none, and that hound's were left out when it is not trained.
        said = self.start("own", [self.own])
        self.assertIn("data: 2 images, 8 boxes (walker 4, vehicle 2, unicorn 0, hound 2)", said)
        self.assertIn("note: no boxes of 555 unicorn in --data", said)
        self.assertNotIn("left out", said)
        said = self.start("own-two", [self.own], "--classes", "vehicle,7")
        self.assertIn("data: 2 images, 6 boxes (vehicle 2, walker 4)", said)
        self.assertIn("note: 2 boxes of categories not trained left out: 2 of 1000 hound", said)
        # the exported model carries the data's ids and names in the --classes order (one iteration)
        out = os.path.join(self.tmp.name, "own-one")
        train_detector.main(["--config", PRESET, "--data", self.own, "--classes", "vehicle,7", "--iters", "1",
                             "--batch", "1", "--train-sizes", "224", "--eval-every", "0", "--out", out])
        self.assertEqual(read_bin(os.path.join(out, "iter000001.bin"))[1]["detector"]["classes"],
                         [{"id": 42, "name": "vehicle"}, {"id": 7, "name": "walker"}])
        # A class given twice stops the run at its start (the .bin would be refused by Go).
        with self.assertRaises(SystemExit) as e:
            self.start("twice", [self.own], "--classes", "walker,vehicle,7")
        self.assertIn("'walker' and '7' are both category 7", str(e.exception))
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "twice", "last.pt")))

    def test_several_files(self):
        # The union by id; one id with two names is an error naming both files; a file without a
        # categories list reads its ids as --config's classes (COCO's), and says so.
        other = own_dataset(os.path.join(self.tmp.name, "b"), [(7, "walker"), (3, "cart")], ((3, 1),))
        said = self.start("union", [self.own, other])
        self.assertIn("(cart 2, walker 4, vehicle 2, unicorn 0, hound 2)", said)
        clash = own_dataset(os.path.join(self.tmp.name, "c"), [(42, "surfboard")], ((42, 1),))
        with self.assertRaises(SystemExit) as e:
            self.start("clash", [self.own, clash])
        self.assertIn('category 42 is "vehicle" in %s and "surfboard" in %s' % (
            self.own.rsplit(":", 1)[1], clash.rsplit(":", 1)[1]), str(e.exception))
        bare = own_dataset(os.path.join(self.tmp.name, "d"), None, ((1, 2), (3, 1)))
        said = self.start("bare", [bare], "--classes", "person,car")
        self.assertIn("note: %s has no categories list: its category ids are read as %s's classes (1 person, "
                      "2 bicycle" % (bare.rsplit(":", 1)[1], PRESET), said)
        self.assertIn("(person 4, car 2)", said)

    def test_resume_keeps_the_classes(self):
        # A resume with other classes (here as many, in another order: it would relabel them
        # silently) is refused, naming the checkpoint, both class lists and the ways on; another
        # --data list is noted, not refused.
        out = os.path.join(self.tmp.name, "resumed")
        run = ["--config", PRESET, "--iters", "1", "--batch", "1", "--train-sizes", "224", "--eval-every", "0",
               "--out", out]
        train_detector.main(run + ["--data", self.own, "--classes", "walker,vehicle"])
        ckpt = os.path.join(out, "last.pt")
        self.assertEqual(torch.load(ckpt)["classes"], [[7, "walker"], [42, "vehicle"]])
        with self.assertRaises(SystemExit) as e:
            train_detector.main(run + ["--data", self.own, "--classes", "vehicle,walker"])
        self.assertEqual(str(e.exception), (
            "%s: the checkpoint of a run of the classes 7 walker, 42 vehicle (2; the first difference: class 1 is "
            "7 walker there, 42 vehicle here); this run's are 42 vehicle, 7 walker: resume it with its own --classes "
            "(%s: --classes walker,vehicle) (and --data), or start a new --out, or --no-resume") % (
                ckpt, os.path.join(out, "args.json")))
        more = own_dataset(os.path.join(self.tmp.name, "more"))
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            train_detector.main(run + ["--data", self.own, "--data", more, "--classes", "walker,vehicle"])
        self.assertIn("note: --data %s %s, the run started with %s: it goes on over the new data" % (
            self.own, more, self.own), buf.getvalue())
        # A checkpoint written before the classes were saved: its args.json's --classes decides.
        ck = torch.load(ckpt)
        del ck["classes"]
        torch.save(ck, ckpt)
        with self.assertRaises(SystemExit) as e:
            train_detector.main(run + ["--data", self.own, "--classes", "vehicle,walker"])
        self.assertIn("the checkpoint of a run of --classes \"walker,vehicle\"; this run's are 42 vehicle, 7 walker",
                      str(e.exception))
        train_detector.main(run + ["--data", self.own, "--classes", "walker,vehicle"])

    def test_init_matches_ids(self):
        # --init from a .bin of the same ids under other names (a COCO-named model of the data's
        # ids 7 and 42) starts from those classes' weights and says so; the run's names are kept.
        backbone, det = train_detector.config_file(PRESET)
        coco = make_config(backbone, dict(det, classes=[{"id": 7, "name": "train"}, {"id": 42, "name": "surfboard"}]))
        path = os.path.join(self.tmp.name, "coco-named.bin")
        save_bin(build_detector(coco), path, coco)
        own = make_config(backbone, dict(det, classes=[{"id": 42, "name": "vehicle"}]))
        model = build_detector(own)
        notes = train_detector.init_from_bin(model, path, own)
        self.assertEqual(notes, ['--init %s: its class 42 is "surfboard", this run\'s "vehicle": it starts from '
                                 'that class\'s weights' % path])


def own_dataset_json(root):
    """own_dataset's images folder, and its JSON as a dict (to change and write again)."""
    images, path = own_dataset(root).rsplit(":", 1)
    with open(path) as f:
        return images, json.load(f)


class MalformedAnnotations(unittest.TestCase):
    def test_named(self):
        # Each malformed entry stops the run naming the file, the entry (index and id) and what is
        # wrong, as Go cocoeval does: not a bare traceback (a KeyError, a TypeError on unpacking),
        # not an annotation skipped in silence (a string category_id).
        with tempfile.TemporaryDirectory() as tmp:
            images, d = own_dataset_json(tmp)
            path = os.path.join(tmp, "bad.json")
            first = "%s: annotations[0] (id 1): " % path

            def ann(**change):
                a = dict(d["annotations"][0], **change)
                return dict(d, annotations=[{k: v for k, v in a.items() if v != "DROP"}] + d["annotations"][1:])

            for bad, want in [
                (ann(bbox="DROP"), first + "no bbox"),
                (ann(bbox=None), first + "bbox is null"),
                (ann(bbox=[1, 2, 3]), first + "bbox must be 4 numbers [x,y,w,h], got [1, 2, 3]"),
                (ann(bbox=[1, "2", 3, 4]), first + 'bbox [1, "2", 3, 4]: "2" is not a finite number'),
                (ann(image_id="DROP"), first + "no image_id"),
                (ann(category_id="DROP"), first + "no category_id"),
                (ann(category_id="7"), first + 'category_id "7" is a string, want an integer id'),
                (ann(image_id="1"), first + 'image_id "1" is a string, and the images\' ids are numbers (as 1)'),
                (ann(image_id=99), first + "is of image 99, which its images list lacks"),
                (dict(d, annotations=[3]), "%s: annotations[0] is a number, want an object" % path),
                (dict(d, images=[{"file_name": "im0.jpg"}]), "%s: images[0]: an image without 'id'" % path),
                (dict(d, images=[dict(d["images"][0], file_name=None)]), "%s: images[0]: file_name null" % path),
                (dict(d, images=[d["images"][0], dict(d["images"][1], id="2")]),
                 '%s: images[1]: id "2" is a string, and images[0]\'s a number' % path),
                (dict(d, images=[d["images"][0], dict(d["images"][1], id=1)]),
                 "%s: images[1]: id 1 is the id of an earlier image" % path),
                (dict(d, categories=[{"id": "7", "name": "walker"}]), "%s: categories[0]: want an integer id" % path),
            ]:
                with open(path, "w") as f:
                    json.dump(bad, f)
                with self.assertRaises(SystemExit) as e:
                    train_detector.load_coco(images, path)
                self.assertIn(want, str(e.exception))
            # String ids on both sides, and ids written as 7.0, are read.
            ok = dict(d, images=[dict(im, id=str(im["id"])) for im in d["images"]],
                      annotations=[dict(a, image_id=str(a["image_id"]), category_id=float(a["category_id"]))
                                   for a in d["annotations"]])
            with open(path, "w") as f:
                json.dump(ok, f)
            records, _ = train_detector.load_coco(images, path)
            self.assertEqual([r["category_ids"] for r in records], [[7, 7, 42, 1000]] * 2)


class ImageSizes(unittest.TestCase):
    def test_json_size_checked(self):
        # An image whose JSON width/height disagree with the file stops the run before training,
        # naming the file and both sizes (its boxes would land elsewhere); a photo whose EXIF
        # orientation turns it is compared as shown, and one annotated on its stored pixels gets a
        # hint; without width/height there is nothing to check.
        with tempfile.TemporaryDirectory() as tmp:
            images, d = own_dataset_json(tmp)
            path = os.path.join(tmp, "sizes.json")

            def load(images_list):
                with open(path, "w") as f:
                    json.dump(dict(d, images=images_list), f)
                return train_detector.load_coco(images, path)

            first = dict(d["images"][0])
            with self.assertRaises(SystemExit) as e:
                load([dict(first, width=120, height=160)] + d["images"][1:])
            self.assertEqual(str(e.exception), "%s: images[0] (id 1): %s is 160x120, the JSON says 120x160: "
                             "its boxes would land in the wrong place" % (path, os.path.join(images, "im0.jpg")))
            self.assertEqual(len(load([{k: v for k, v in first.items() if k not in ("width", "height")}]
                                      + d["images"][1:])[0]), 2)
            # im1.jpg stored 160x120 with EXIF orientation 6 (turn 90 degrees): shown 120x160.
            exif = Image.Exif()
            exif[0x0112] = 6
            turned = os.path.join(images, "im1.jpg")
            Image.open(turned).save(turned, exif=exif.tobytes())
            with self.assertRaises(SystemExit) as e:
                load(d["images"])
            self.assertIn("images[1] (id 2): %s is 120x160 as shown (its EXIF orientation 6 turns its stored "
                          "160x120), the JSON says 160x120: boxes drawn on the stored pixels?" % turned,
                          str(e.exception))
            self.assertEqual(len(load([d["images"][0], dict(d["images"][1], width=120, height=160)])[0]), 2)
            # A PNG's or WebP's EXIF orientation is not applied: the Go engine (cvimage, hence detect
            # and cocoeval -model) turns only JPEGs, so a model must train on such a file as stored.
            for ext in ("png", "webp"):
                other = os.path.join(tmp, "turned." + ext)
                Image.new("RGB", (40, 30)).save(other, exif=exif.tobytes())
                self.assertIsNone(train_detector.size_problem(other, 40, 30))
                self.assertIn("is 40x30 as stored, the JSON says 30x40: the Go engine applies only a JPEG's EXIF "
                              "orientation (6 here)", train_detector.size_problem(other, 30, 40))
            # A TIFF's orientation tag: PIL turns its pixels as it decodes them, the Go engine does not.
            tif = os.path.join(tmp, "turned.tif")
            Image.new("RGB", (40, 30)).save(tif, tiffinfo={0x0112: 6})
            for size in ((40, 30), (30, 40), (None, None)):
                self.assertIn("%s: a TIFF with orientation tag 6" % tif, train_detector.size_problem(tif, *size))

    def test_pixels_as_go_reads(self):
        # Training reads a PNG with an EXIF orientation as stored, as the engine that runs the model
        # does; a JPEG turned (the engine turns it too).
        with tempfile.TemporaryDirectory() as tmp:
            exif = Image.Exif()
            exif[0x0112] = 6
            pixels = np.uint8(np.random.RandomState(0).randint(0, 256, (30, 40, 3)))
            records = []
            for ext in ("png", "jpg"):
                path = os.path.join(tmp, "turned." + ext)
                Image.fromarray(pixels).save(path, exif=exif.tobytes(), quality=100)
                records.append({"path": path, "boxes": [[1, 2, 11, 12]], "labels": [1], "polygons": [[]]})
            data = train_detector.Detections(records, 100, 100, cache=False)
            img, boxes, _ = data.load(0)
            self.assertEqual(tuple(img.shape), (3, 30, 40))
            self.assertTrue(torch.equal(img, torch.from_numpy(pixels).permute(2, 0, 1)))
            self.assertEqual(tuple(data.load(1)[0].shape), (3, 40, 30))


class BoxesOutsideImage(unittest.TestCase):
    def test_clipped_to_image(self):
        # A box partly outside its image is clipped to it, and one wholly outside (or with a side
        # under a pixel: a zero or negative width) is left out, with a note naming the file and the
        # count: torchvision's RPN matcher (allow_low_quality_matches) would otherwise make every
        # anchor of the image a positive for a box no anchor overlaps (its best IoU, 0, is every
        # anchor's), training objectness 1 everywhere.
        with tempfile.TemporaryDirectory() as tmp:
            images, d = own_dataset_json(tmp)  # two 160x120 images
            path = os.path.join(tmp, "outside.json")
            extra = [[200, 10, 40, 30], [150, 100, 40, 30], [-20, -10, 40, 30], [10, 10, -5, 20], [10, 10, 0, 20]]
            d["annotations"] = d["annotations"][:1] + [
                {"id": 100 + k, "image_id": 1, "category_id": 7, "bbox": b, "iscrowd": 0, "area": 1}
                for k, b in enumerate(extra)]
            with open(path, "w") as f:
                json.dump(d, f)
            notes = []
            records, _ = train_detector.load_coco(images, path, notes=notes)
            x, y, w, h = d["annotations"][0]["bbox"]
            self.assertEqual(records[0]["boxes"], [[x, y, x + w, y + h], [150, 100, 160, 120], [0, 0, 20, 20]])
            self.assertEqual(len(records[0]["category_ids"]), 3)
            self.assertEqual(len(notes), 1)
            self.assertIn("%s: 2 boxes partly outside their image clipped to it; 3 boxes left out: 1 outside its image "
                          "(under a pixel once clipped to it; the first: annotations[1] (id 100))" % path, notes[0])
            self.assertIn("2 with a side under a pixel (the first: annotations[4] (id 103))", notes[0])
            # The same boxes without width/height in the JSON: the sizes come from the files.
            d["images"] = [{k: v for k, v in im.items() if k not in ("width", "height")} for im in d["images"]]
            with open(path, "w") as f:
                json.dump(d, f)
            self.assertEqual(train_detector.load_coco(images, path)[0][0]["boxes"], records[0]["boxes"])


class ExportCheckpoint(unittest.TestCase):
    def test_run_checkpoint_is_named(self):
        # export.py --detector --checkpoint OUT/last.pt of a detector run: the way on (the run's
        # --export-now), not "unknown tensors for a detector: [...]" several KB long; a detector
        # state dict of another configuration is named too.
        import export
        backbone, det = train_detector.config_file(PRESET)
        cfg = make_config(backbone, det)
        state = build_detector(cfg).state_dict()
        with tempfile.TemporaryDirectory() as tmp:
            last = os.path.join(tmp, "last.pt")
            torch.save({"model": state, "optimizer": {}, "iteration": 3}, last)
            args = ["--out", os.path.join(tmp, "x.bin"), "--groups", "3", "--width", "0.5", "--detector", "--res", "300"]
            for extra in (["--detector"], []):
                with self.assertRaises(SystemExit) as e:
                    export.main(args + extra + ["--checkpoint", last])
                self.assertIn("%s: a detector's checkpoint: a train_detector.py OUT/last.pt is exported by its run "
                              "(train_detector.py with the run's arguments and --export-now)" % last, str(e.exception))
            two = os.path.join(tmp, "two.pt")
            torch.save(detector_state(build_detector(make_config(backbone, dict(det, classes=det["classes"][:2])))), two)
            with self.assertRaises(SystemExit) as e:
                export.main(args + ["--checkpoint", two])
            self.assertIn("%s: not a detector state dict of this configuration" % two, str(e.exception))
            self.assertLess(len(str(e.exception)), 1200)


    def test_unreadable_files_are_named(self):
        # A --checkpoint or --restamp file that is not there or not what it should be, and an --out
        # that cannot be written: an error naming the flag and the file, not a FileNotFoundError,
        # UnpicklingError or IsADirectoryError traceback (--out: before any work).
        import export
        with tempfile.TemporaryDirectory() as tmp:
            model = os.path.join(tmp, "m.bin")
            export.main(["--out", model, "--random", "--groups", "3", "--width", "0.5", "--num-classes", "0"])
            text = os.path.join(tmp, "notes.txt")
            with open(text, "w") as f:
                f.write("# not a checkpoint")
            out = os.path.join(tmp, "x.bin")
            arch = ["--groups", "3", "--width", "0.5", "--num-classes", "0"]
            absent = os.path.join(tmp, "absent.pt")
            for args, want in [
                (["--out", out, "--checkpoint", absent] + arch,
                 "--checkpoint %s: cannot be read as a PyTorch checkpoint: No such file or directory" % absent),
                (["--out", out, "--checkpoint", text] + arch,
                 "--checkpoint %s: cannot be read as a PyTorch checkpoint: invalid load key" % text),
                (["--out", out, "--checkpoint", model, "--detector", "--res", "300"] + arch,
                 "(a .bin model file, which is what export.py writes: --restamp copies one with its checksum)"),
                (["--out", out, "--restamp", absent],
                 "--restamp %s: cannot be read as a .bin model file: No such file or directory" % absent),
                (["--out", out, "--restamp", text], "--restamp %s: cannot be read as a .bin model file: " % text),
                (["--out", tmp, "--random"] + arch, "--out %s: a folder, want the name of the .bin file to write" % tmp),
                (["--out", os.path.join(tmp, "no", "x.bin"), "--random"] + arch,
                 "--out %s: no such folder %s" % (os.path.join(tmp, "no", "x.bin"), os.path.join(tmp, "no"))),
                # a file where the folder should be: not "no such folder"
                (["--out", os.path.join(text, "x.bin"), "--random"] + arch,
                 "--out %s: not a folder: %s" % (os.path.join(text, "x.bin"), text)),
            ]:
                with self.assertRaises(SystemExit) as e:
                    export.main(args)
                self.assertIn(want, str(e.exception))
            self.assertFalse(os.path.exists(out))


class CopyDataset(unittest.TestCase):
    def test_subfolders_and_missing_images(self):
        # A file_name in a subfolder is copied into the same subfolder (it failed: "No such file or
        # directory", leaving a partial copy); a missing image stops it before anything is written.
        import copy_dataset
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
            for name in ("png/a.png", "b.jpg"):
                os.makedirs(os.path.dirname(os.path.join(src, "set", "images", name)), exist_ok=True)
                with open(os.path.join(src, "set", "images", name), "wb") as f:
                    f.write(name.encode())
            for ann, names in (("ok.json", ["png/a.png", "b.jpg"]), ("bad.json", ["b.jpg", "png/none.png"])):
                with open(os.path.join(src, "set", ann), "w") as f:
                    json.dump({"images": [{"id": k, "file_name": n} for k, n in enumerate(names)]}, f)
            with contextlib.redirect_stdout(io.StringIO()):
                copy_dataset.main(["--from", src, "--to", dst, "set/images:set/ok.json"])
            with open(os.path.join(dst, "set", "images", "png", "a.png"), "rb") as f:
                self.assertEqual(f.read(), b"png/a.png")
            with self.assertRaises(SystemExit) as e:
                copy_dataset.main(["--from", src, "--to", os.path.join(tmp, "dst2"), "set/images:set/bad.json"])
            self.assertIn("bad.json: 1 of its 2 images are not in %s (the first: 'png/none.png')" % os.path.join(
                src, "set", "images"), str(e.exception))
            self.assertFalse(os.path.exists(os.path.join(tmp, "dst2")))
            # ... and a good pair before a bad one is not copied either (it was, then the bad one stopped)
            with self.assertRaises(SystemExit) as e:
                copy_dataset.main(["--from", src, "--to", os.path.join(tmp, "dst3"), "set/images:set/ok.json",
                                   "set/images:set/absent.json"])
            self.assertEqual(str(e.exception), "%s: No such file or directory" % os.path.join(src, "set", "absent.json"))
            self.assertFalse(os.path.exists(os.path.join(tmp, "dst3")))
            # --to naming a file: named, not os.makedirs's traceback
            with self.assertRaises(SystemExit) as e:
                copy_dataset.main(["--from", src, "--to", os.path.join(src, "set", "ok.json"), "set/images:set/ok.json"])
            self.assertEqual(str(e.exception), "--to %s: not a folder" % os.path.join(src, "set", "ok.json"))
            # a file_name that leads out of the image folder: refused, nothing written (it was copied
            # outside --to)
            with open(os.path.join(tmp, "victim.jpg"), "wb") as f:
                f.write(b"v")
            for name in ("../../../victim.jpg", "/etc/hostname", "png/../../b.jpg"):
                with open(os.path.join(src, "set", "climb.json"), "w") as f:
                    json.dump({"images": [{"id": 1, "file_name": "b.jpg"}, {"id": 2, "file_name": name}]}, f)
                with self.assertRaises(SystemExit) as e:
                    copy_dataset.main(["--from", src, "--to", os.path.join(tmp, "d4", "dst"), "set/images:set/climb.json"])
                self.assertIn("climb.json: image file_name %r leads outside the image folder set/images; refused" % name,
                              str(e.exception))
                self.assertFalse(os.path.exists(os.path.join(tmp, "d4")))


class SixteenBitImages(unittest.TestCase):
    def test_high_byte(self):
        # A 16-bit grayscale PNG trains as the Go engine reads it, each value's high byte in all
        # three channels (PIL's convert("RGB") clipped it to 255: an all-white image).
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "g16.png")
            values = (np.arange(48, dtype=np.uint16).reshape(6, 8) * 1365)
            Image.fromarray(values).save(path)
            self.assertIn(Image.open(path).mode, ("I", "I;16"))
            data = train_detector.Detections([{"path": path, "boxes": [], "labels": [], "polygons": []}], 600, 1000,
                                             cache=False)
            img = data.load(0)[0]
            self.assertEqual(img.tolist(), [(values >> 8).tolist()] * 3)


class EvaluationSets(unittest.TestCase):
    def test_ground_truth_under_the_model_names(self):
        # evals.jsonl is keyed by the ground truth's category names, and --select by the model's:
        # the ground truth written for cocoeval names each class as the model does (a set's
        # "motorbike" for id 4 became a KeyError at the first evaluation), and a class the set
        # lacks gets the model's name, not COCO's (id 7 is "walker" here, "train" in COCO).
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = os.path.join(tmp, "gt.json"), os.path.join(tmp, "out.json")
            with open(src, "w") as f:
                json.dump({"images": [{"id": 1, "file_name": "a.jpg"}],
                           "categories": [{"id": 1, "name": "person", "supercategory": "person"},
                                          {"id": 4, "name": "motorbike"}, {"id": 5, "name": "airplane"}],
                           "annotations": [{"id": k + 1, "image_id": 1, "category_id": c, "bbox": [0, 0, 9, 9],
                                            "segmentation": [[0, 0, 9, 0, 9, 9]]} for k, c in enumerate((1, 4, 5))]}, f)
            notes = train_detector.restrict_gt(src, dst, [(4, "motorcycle"), (1, "person"), (7, "walker")])
            self.assertEqual(notes, ['%s names category 4 "motorbike", the model "motorcycle": its results are under '
                                     'the model\'s name' % src])
            with open(dst) as f:
                d = json.load(f)
            self.assertEqual(d["categories"], [{"id": 4, "name": "motorcycle"},
                                               {"id": 1, "name": "person", "supercategory": "person"},
                                               {"id": 7, "name": "walker"}])
            self.assertEqual([(a["category_id"], "segmentation" in a) for a in d["annotations"]], [(1, False), (4, False)])

    def test_built_cocoeval_runs_from_another_directory(self):
        # The default cocoeval is built by go from the repository into OUT; with a relative --out
        # and a run started outside the repository it landed in REPO/OUT and the first evaluation
        # (10,000 iterations into the Table 7 recipe) died of a FileNotFoundError, not an evaluation
        # that failed and training going on. go build is stood in for by a script that writes,
        # like go, -o relative to its working directory.
        report = {"stats": [0.5] * 12, "categories": [{"name": "person", "stats": [0.25] * 12}]}

        def fake_go(cmd, cwd=None, **kw):
            path = os.path.join(cwd or ".", cmd[cmd.index("-o") + 1])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write("#!/bin/sh\necho '%s'\n" % json.dumps(report))
            os.chmod(path, 0o755)
            return subprocess.CompletedProcess(cmd, 0)

        with tempfile.TemporaryDirectory() as tmp:
            data = tiny_coco(os.path.join(tmp, "v.json"), 1)
            a = train_detector.parse_args(["--config", PRESET, "--data", data, "--iters", "1", "--out", "run",
                                           "--eval", "v=" + data])
            cwd = os.getcwd()
            os.chdir(tmp)
            try:
                with unittest.mock.patch.object(train_detector.subprocess, "run", fake_go), \
                        contextlib.redirect_stdout(io.StringIO()):
                    ev = train_detector.Evaluator(a, a.out, [(1, "person")])
                self.assertEqual(ev("run/iter000001.bin"), {"v": {"stats": [0.5] * 12, "classes": {"person": [0.25] * 12}}})
                # A cocoeval gone since the start: an evaluation that failed (training goes on), naming it.
                os.remove(ev.bin)
                with self.assertRaises(RuntimeError) as e:
                    ev("run/iter000001.bin")
                self.assertIn("cocoeval on v failed", str(e.exception))
                self.assertIn(ev.bin, str(e.exception))
            finally:
                os.chdir(cwd)


class DetectorTraining(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.data = tiny_coco(os.path.join(cls.tmp.name, "train.json"), 2)
        cls.common = ["--config", PRESET, "--classes", "person", "--data", cls.data, "--batch", "2",
                      "--flip", "0", "--color", "0", "--train-sizes", "224", "--box-batch", "32",
                      "--warmup", "2", "--lr", "2e-3", "--log-every", "1", "--eval-every", "0",
                      "--threads", "2", "--seed", "3"]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_train(self, name, *extra):
        out = os.path.join(self.tmp.name, name)
        status = train_detector.main(self.common + ["--out", out] + list(extra))
        self.assertFalse(status, "a run that ends as planned exits 0")
        return out

    def test_bad_data_is_named(self):
        # Each error names the file and what is wrong, before any training: not a traceback from
        # inside json or a KeyError, not a missing image found hours in, not a run on no boxes.
        images, ann = train_detector.parse_pair(self.data)
        with open(ann) as f:
            good = json.load(f)
        cases = []
        broken = os.path.join(self.tmp.name, "broken.json")
        with open(broken, "w") as f:
            f.write('{"images": [')
        cases.append(([images, broken], "%s: not valid JSON: " % broken))
        absent = os.path.join(self.tmp.name, "absent.json")
        cases.append(([images, absent], "%s: No such file or directory" % absent))
        empty_json = os.path.join(self.tmp.name, "empty.json")
        open(empty_json, "w").close()  # it said "Expecting value: line 1 column 1 (char 0)"
        cases.append(([images, empty_json], "%s: an empty file (0 bytes), want a COCO instances JSON" % empty_json))
        deep = os.path.join(self.tmp.name, "deep.json")
        with open(deep, "w") as f:
            f.write("[" * 100000)  # (a RecursionError from inside json)
        cases.append(([images, deep], "%s: not valid JSON: " % deep))
        person = next(a for a in good["annotations"] if a["category_id"] == 1 and not a["iscrowd"])
        orphan = dict(good, annotations=good["annotations"] + [dict(person, id=99, image_id=424242)])
        path = os.path.join(self.tmp.name, "orphan.json")
        with open(path, "w") as f:
            json.dump(orphan, f)
        cases.append(([images, path], "of image 424242"))
        # iscrowd "0" (a string, true in Python): the box was left out as a crowd, without a word
        path = os.path.join(self.tmp.name, "crowd-string.json")
        with open(path, "w") as f:
            json.dump(dict(good, annotations=[dict(person, iscrowd="0")]), f)
        cases.append(([images, path], 'iscrowd "0": want 0, 1, true or false'))
        # A segmentation that is not polygons, read for --copy-paste: a TypeError at the start, or
        # once an object was cut out along it
        for k, seg in enumerate(([1, 2, 3, 4, 5, 6], [[10, 10, "a", 20, 30, 30]], [[10, 10, float("nan"), 1, 2, 3]])):
            path = os.path.join(self.tmp.name, "segmentation-%d.json" % k)
            with open(path, "w") as f:
                json.dump(dict(good, annotations=[dict(person, segmentation=seg)]), f)
            with self.assertRaises(SystemExit) as e:
                train_detector.load_coco(images, path, polygons=True)
            self.assertIn("segmentation %s: want polygons, lists of finite x, y numbers" % json.dumps(seg), str(e.exception))
        # A mistyped image folder is named as one that is not there (it read "2 of its 2 images are
        # not in ..."); an existing folder without the images still says that.
        nowhere = os.path.join(self.tmp.name, "no-images")
        cases.append(([nowhere, ann], "%s: no such folder (the image folder given with %s)" % (nowhere, ann)))
        cases.append(([ann, ann], "%s: not a folder (the image folder given with %s)" % (ann, ann)))
        empty = os.path.join(self.tmp.name, "empty-images")
        os.makedirs(empty, exist_ok=True)
        cases.append(([empty, ann], "%s: 2 of its 2 images are not in %s" % (ann, empty)))
        for (imgs, a), want in cases:
            with self.assertRaises(SystemExit) as e:
                train_detector.load_coco(imgs, a)
            self.assertIn(want, str(e.exception))
        with self.assertRaises(SystemExit) as e:
            train_detector.main(["--config", PRESET, "--classes", "toaster", "--data", self.data, "--iters", "1",
                                 "--eval-every", "0", "--out", os.path.join(self.tmp.name, "toaster")])
        self.assertIn("no boxes of toaster", str(e.exception))
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "toaster")), "a run folder made for a run refused")

    def test_evaluation_settings_checked_first(self):
        # A mistake that would stop the first evaluation (10,000 iterations into the Table 7
        # recipe) stops the run before any training, naming it: --select's set, class or stat, an
        # --eval folder or file, a --cocoeval that is not a program.
        images, ann = train_detector.parse_pair(self.data)
        fake = os.path.join(self.tmp.name, "cocoeval-fake")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\nexit 1\n")
        os.chmod(fake, 0o755)
        ok = ["--eval", "v=" + self.data, "--cocoeval", fake]
        with open(ann) as f:
            good = json.load(f)
        bad = {}
        for key, d in [("missing", dict(good, images=good["images"] + [dict(good["images"][0], id=4242,
                                                                               file_name="absent.jpg")])),
                       ("no-images", {k: v for k, v in good.items() if k != "images"}),
                       ("list", [good])]:
            bad[key] = os.path.join(self.tmp.name, "eval-%s.json" % key)
            with open(bad[key], "w") as f:
                json.dump(d, f)
        for extra, want in [
            (["--eval", "v=%s:%s" % (images, bad["missing"]), "--cocoeval", fake], "--eval v: %s: 1 of its 3 images are not in" % bad["missing"]),
            (["--eval", "v=%s:%s" % (images, bad["no-images"]), "--cocoeval", fake], "--eval v: %s: not a COCO instances file" % bad["no-images"]),
            (["--eval", "v=%s:%s" % (images, bad["list"]), "--cocoeval", fake], "--eval v: %s: not a COCO instances file" % bad["list"]),
            (ok + ["--select", "v:persn:AP50"], "'persn' is not one of the model's classes (person, or all)"),
            (ok + ["--select", "w:person:AP50"], "'w' is not an --eval set (v)"),
            (ok + ["--select", "v:person:AP90"], "'AP90' is not AP, AP50 or AP75"),
            (ok + ["--select", "v:person"], "want NAME:CLASS:STAT"),
            (["--eval", "v=%s:%s" % (os.path.join(self.tmp.name, "nowhere"), ann), "--cocoeval", fake], "--eval v: no image folder"),
            (["--eval", "v=%s:%s" % (images, ann + ".missing"), "--cocoeval", fake], "--eval v: no annotation file"),
            (["--eval", "v=" + self.data, "--cocoeval", os.path.join(self.tmp.name, "none")], "not an executable file"),
            # a set name that would be a path (a traceback once the set was read), or that --select
            # cannot name; two sets of one name (one's results overwrote the other's)
            (["--eval", "a/b=" + self.data, "--cocoeval", fake], "--eval 'a/b=%s': the set's name 'a/b', want" % self.data),
            (["--eval", "=" + self.data, "--cocoeval", fake], "the set's name '', want letters, digits"),
            (["--eval", "a:b=" + self.data, "--cocoeval", fake], "the set's name 'a:b', want letters, digits"),
            (ok + ["--eval", "v=" + self.data], "--eval v: two sets of that name"),
        ]:
            out = os.path.join(self.tmp.name, "checked")
            with self.assertRaises(SystemExit) as e:
                train_detector.main(self.common + ["--iters", "1", "--out", out] + extra)
            self.assertIn(want, str(e.exception))
            self.assertFalse(os.path.exists(os.path.join(out, "last.pt")), extra)
        # A --cocoeval on PATH (go install) is a program too: the run trains (its evaluation by
        # `true`, which prints no report, fails and is logged, as any failed evaluation), and a run
        # whose evaluation failed does not exit 0.
        out = os.path.join(self.tmp.name, "on-path")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            status = train_detector.main(self.common + ["--iters", "1", "--out", out, "--eval", "v=" + self.data,
                                                        "--cocoeval", "true"])
        self.assertTrue(os.path.exists(os.path.join(out, "last.pt")))
        self.assertEqual(status, 1)
        self.assertIn("the evaluations at iterations 1 failed (above): exit status 1", buf.getvalue())

    def test_changed_schedule_is_noted(self):
        # A run resumed with other schedule arguments goes on (extending --iters is legitimate)
        # and says what changed; the same arguments get no note.
        out = self.run_train("sched", "--iters", "1")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            train_detector.main(self.common + ["--out", out, "--iters", "2"])
        self.assertIn("note: --iters 2, the run started with 1", buf.getvalue())
        self.assertNotIn("--batch", buf.getvalue())
        same = self.run_train("same", "--iters", "2", "--stop-after", "1")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            train_detector.main(self.common + ["--out", same, "--iters", "2"])
        self.assertIn("resumed", buf.getvalue())
        self.assertNotIn("the run started with", buf.getvalue())

    def test_changed_cache_is_noted(self):
        # A cached image is pre-shrunk (PIL's resize, which smooths), one decoded each time is
        # resized once by torchvision: the same draw trains on other pixels. A resume that
        # switched --cache / --no-cache changed them without a word (they counted as leaving the
        # training as it is); it is noted now, by the checkpoint's record.
        records = train_detector.label_records(train_detector.load_coco(*train_detector.parse_pair(self.data))[0], [1])[0]
        cached = train_detector.Detections(records, 224, 373, cache=True)[(0, 1)][0]
        decoded = train_detector.Detections(records, 224, 373, cache=False)[(0, 1)][0]
        self.assertNotEqual(cached.shape, decoded.shape)
        out = self.run_train("cache", "--iters", "3", "--stop-after", "1")  # (two images: cached by default)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            train_detector.main(self.common + ["--out", out, "--iters", "3", "--stop-after", "1", "--cache"])
        self.assertIn("resumed", buf.getvalue())
        self.assertNotIn("decoded images are", buf.getvalue())
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            train_detector.main(self.common + ["--out", out, "--iters", "3", "--no-cache"])
        self.assertIn("note: the decoded images are not cached now, cached until this checkpoint", buf.getvalue())

    def test_resume_with_another_optimizer(self):
        # Another --optimizer is refused, naming the checkpoint and both (an AdamW state loaded
        # into SGD failed at the first step with KeyError: 'momentum'); another --wd goes on
        # under the new value, as its note says (torch's load_state_dict put back the old one).
        out = self.run_train("optim", "--iters", "1")
        with self.assertRaises(SystemExit) as e:
            train_detector.main(self.common + ["--out", out, "--iters", "2", "--optimizer", "sgd"])
        self.assertIn("last.pt: the checkpoint of a run with --optimizer adamw, this run's is sgd: resume it with "
                      "--optimizer adamw", str(e.exception))
        decays, step = [], torch.optim.AdamW.step

        def recording(opt, *args, **kwargs):
            decays.append([g["weight_decay"] for g in opt.param_groups])
            return step(opt, *args, **kwargs)
        buf = io.StringIO()
        with unittest.mock.patch.object(torch.optim.AdamW, "step", recording), contextlib.redirect_stdout(buf):
            train_detector.main(self.common + ["--out", out, "--iters", "2", "--wd", "0.5"])
        self.assertIn("note: --wd 0.5, the run started with 0.0001: it goes on under the new value", buf.getvalue())
        self.assertEqual(decays, [[0.5, 0.0]])

    def test_resume_past_iters_is_refused(self):
        # A checkpoint past --iters: a run that would train nothing and end as if finished (it
        # printed "stopped at iteration 2 of 1" and exited 0) stops, naming the checkpoint.
        out = self.run_train("past", "--iters", "2")
        with self.assertRaises(SystemExit) as e:
            train_detector.main(self.common + ["--out", out, "--iters", "1"])
        self.assertIn("%s: the checkpoint is at iteration 2, past --iters 1: nothing to train; give --iters above 2"
                      % os.path.join(out, "last.pt"), str(e.exception))
        self.run_train("past", "--iters", "2")  # a finished run run again: nothing to do, status 0

    def test_resume_does_not_read_the_start_weights(self):
        # --trunk and --init were read again on every resume before last.pt replaced them: a run
        # whose trunk file had moved could not resume. Now they are not read; args.json keeps the
        # name the run started from, and another name given on resume is noted.
        where = os.path.join(self.tmp.name, "moving")
        os.makedirs(where)
        trunk = os.path.join(where, "trunk.bin")
        cfg = make_config({"groups": 3, "width": 0.5, "num_classes": 2})
        save_bin(ShuffleNetV1(cfg["backbone"]), trunk, cfg)
        out = self.run_train("trunk-moved", "--iters", "2", "--stop-after", "1", "--trunk", trunk)
        init = os.path.join(where, "init.bin")
        shutil.copyfile(os.path.join(self.run_train("init-src2", "--iters", "1"), "iter000001.bin"), init)
        out_init = self.run_train("init-moved", "--iters", "2", "--stop-after", "1", "--init", init)
        shutil.rmtree(where)
        self.run_train("trunk-moved", "--iters", "2", "--trunk", trunk)
        self.run_train("init-moved", "--iters", "2", "--init", init)
        for run, flag, path in ((out, "trunk", trunk), (out_init, "init", init)):
            self.assertEqual(torch.load(os.path.join(run, "last.pt"))["iteration"], 2)
            with open(os.path.join(run, "args.json")) as f:
                self.assertEqual(json.load(f)[flag], path)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            train_detector.main(self.common + ["--out", out, "--iters", "3", "--trunk", "elsewhere.bin"])
        self.assertIn("note: --trunk elsewhere.bin, the run started with %s: not read, the weights are the "
                      "checkpoint's" % trunk, buf.getvalue())
        # --init on resume: noted, and not read (the file is not there; reading it would stop the run).
        elsewhere = os.path.join(self.tmp.name, "no-such-init.bin")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            self.assertFalse(train_detector.main(self.common + ["--out", out_init, "--iters", "3", "--init", elsewhere]))
        self.assertIn("note: --init %s, the run started with %s: not read, the weights are the checkpoint's"
                      % (elsewhere, init), buf.getvalue())
        self.assertEqual(torch.load(os.path.join(out_init, "last.pt"))["iteration"], 3)
        # An args.json written before --init was recorded: the run started without it (the default),
        # said so; the note said "the run started with None".
        path = os.path.join(out, "args.json")
        with open(path) as f:
            started = json.load(f)
        del started["init"]
        with open(path, "w") as f:
            json.dump(started, f)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            self.assertFalse(train_detector.main(self.common + ["--out", out, "--iters", "4", "--init", elsewhere]))
        notes = [line for line in buf.getvalue().splitlines()
                 if line.startswith("note: ") and ("started with" in line or "records no" in line)]
        self.assertEqual(notes, [
            "note: %s records no --init (written by an older version of the script): taken as the default, no --init"
            % path,
            "note: --iters 4, the run started with 2: it goes on under the new value",
            "note: --init %s, the run started with no --init: not read, the weights are the checkpoint's" % elsewhere])

    def test_report_without_stats_is_a_failed_evaluation(self):
        # A --cocoeval whose JSON lacks "stats" (or is otherwise not cocoeval's report) is an
        # evaluation that failed, logged, training going on and the run exiting 1, as a cocoeval
        # that cannot be started is; it ended the run with KeyError: 'stats'.
        fake = os.path.join(self.tmp.name, "cocoeval-nostats")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\necho '{\"categories\": []}'\n")
        os.chmod(fake, 0o755)
        out = os.path.join(self.tmp.name, "nostats")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            status = train_detector.main(self.common + ["--iters", "2", "--eval-every", "1", "--out", out,
                                                        "--eval", "v=" + self.data, "--cocoeval", fake])
        self.assertEqual(status, 1)
        self.assertIn('evaluation at 1 failed: cocoeval on v printed a JSON report without "stats" (12 numbers)',
                      buf.getvalue())
        self.assertIn("the evaluations at iterations 1, 2 failed (above): exit status 1", buf.getvalue())
        self.assertEqual(torch.load(os.path.join(out, "last.pt"))["iteration"], 2)
        stats = [0.5] * 12
        for rep, want in [
            ([], "that is a array, not an object"),
            ({"stats": stats[:11], "categories": []}, 'without "stats" (12 numbers)'),
            ({"stats": stats[:11] + ["x"], "categories": []}, 'without "stats" (12 numbers)'),
            ({"stats": stats}, 'without "categories" (a list)'),
            ({"stats": stats, "categories": [{"name": "person"}]},
             'whose categories[0] is not an object with a "name" and "stats" (12 numbers)'),
        ]:
            self.assertEqual(train_detector.report_problem(rep), want)
        self.assertIsNone(train_detector.report_problem({"stats": stats, "categories": [{"name": "person",
                                                                                          "stats": stats}]}))

    def test_resume_with_another_global_batch(self):
        # The stream goes on from the images consumed (not iteration x the new batch), and the run
        # says that --lr now applies to another batch size.
        out = self.run_train("gb", "--iters", "2", "--stop-after", "1")
        ck = torch.load(os.path.join(out, "last.pt"))
        self.assertEqual((ck["images"], ck["global_batch"]), (2, 2))
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            train_detector.main(self.common + ["--out", out, "--iters", "2", "--batch", "1"])
        self.assertIn("note: global batch 1 (1 processes x --batch 1 x --accum 1), the checkpoint's 2", buf.getvalue())
        self.assertIn("the data goes on from image 2 of the stream", buf.getvalue())
        ck = torch.load(os.path.join(out, "last.pt"))
        self.assertEqual((ck["iteration"], ck["images"], ck["global_batch"]), (2, 3, 1))

    def test_interrupted_evaluation_is_redone(self):
        # Stopped during the last iteration's evaluation (the checkpoint written before it, no
        # evals.jsonl row, no .bin): the same command evaluates and exports it, and trains nothing.
        out = self.run_train("evalcut", "--iters", "2")
        os.remove(os.path.join(out, "iter000002.bin"))
        with open(os.path.join(out, "evals.jsonl")) as f:
            rows = [line for line in f if json.loads(line)["iter"] != 2]
        with open(os.path.join(out, "evals.jsonl"), "w") as f:
            f.writelines(rows)
        self.run_train("evalcut", "--iters", "2")
        self.assertTrue(os.path.exists(os.path.join(out, "iter000002.bin")))
        self.assertTrue(train_detector.evaluated(os.path.join(out, "evals.jsonl"), 2))
        self.assertEqual([r["iter"] for r in log_rows(out)], [1, 2])

    def test_logs_hold_one_history(self):
        # Rows after the checkpoint (a run killed between checkpoints logged them) and a row cut
        # short are dropped when the run resumes; a run started over keeps none of the old rows.
        out = self.run_train("logs", "--iters", "3", "--stop-after", "2")
        with open(os.path.join(out, "log.jsonl"), "a") as f:
            f.write('{"iter": 3, "loss": 99}\n{"iter": 4, "lo')
        self.run_train("logs", "--iters", "3")
        self.assertEqual([r["iter"] for r in log_rows(out)], [1, 2, 3])
        self.assertNotIn(99, [r["loss"] for r in log_rows(out)])
        self.run_train("logs", "--iters", "1", "--no-resume")
        self.assertEqual([r["iter"] for r in log_rows(out)], [1])

    def test_unreadable_files_are_named(self):
        # A damaged OUT/last.pt, a --trunk that is no model, a --config that is not there: each
        # stops the run naming the file, not with a traceback from inside torch, pickle or yaml.
        out = os.path.join(self.tmp.name, "damaged")
        os.makedirs(out)
        with open(os.path.join(out, "last.pt"), "wb") as f:
            f.write(b"PK\x03\x04 cut short")
        notes = os.path.join(self.tmp.name, "notes.txt")
        with open(notes, "w") as f:
            f.write("not a model\n")
        common = [x for x in self.common]
        missing = common[:1] + [os.path.join(self.tmp.name, "no-such.yaml")] + common[2:]
        for argv, want in [
            (common + ["--iters", "1", "--out", out], "last.pt: cannot be read to resume from"),
            (common + ["--iters", "1", "--no-resume", "--trunk", notes, "--out", out], "--trunk %s: cannot be read" % notes),
            (missing + ["--iters", "1", "--out", out], "no-such.yaml: No such file or directory"),
            (common[:1] + [os.path.join(out, "last.pt")] + common[2:] + ["--iters", "1", "--out", out], "not a YAML config"),
        ]:
            with self.assertRaises(SystemExit) as e:
                train_detector.main(argv)
            self.assertIn(want, str(e.exception))
        # Another file saved under the name (a bare state dict, a list, a folder): named, as a
        # damaged one is (a KeyError, an AttributeError, an IsADirectoryError).
        for name, saved in (("dict", {"model": {}}), ("list", [1, 2]), ("folder", None)):
            out = os.path.join(self.tmp.name, "not-a-checkpoint-" + name)
            os.makedirs(out)
            if saved is None:
                os.makedirs(os.path.join(out, "last.pt"))
            else:
                torch.save(saved, os.path.join(out, "last.pt"))
            with self.assertRaises(SystemExit) as e:
                train_detector.main(common + ["--iters", "1", "--out", out])
            self.assertIn("last.pt: cannot be read to resume from", str(e.exception))

    def test_flipped_bit_in_checkpoint_is_refused(self):
        # torch.load never checks the CRC-32s of torch.save's zip members: a bit flipped in a
        # weight (a bad disk or copy) was resumed from without a word. Refused naming the file and
        # the member, on resume and wherever else a checkpoint is read (--trunk, export.py); the
        # same checkpoint undamaged still resumes.
        import export
        out = self.run_train("flipped", "--iters", "2", "--stop-after", "1")
        ckpt = os.path.join(out, "last.pt")
        with open(ckpt, "rb") as f:
            good = f.read()
        member = flip_bit_in_largest_member(ckpt)
        damaged = "damaged: its member %s fails its CRC-32 check (a bad disk or copy?)" % member
        with self.assertRaises(SystemExit) as e:
            self.run_train("flipped", "--iters", "2")
        self.assertEqual(str(e.exception), "%s: cannot be read to resume from (BadZipFile: %s); --no-resume starts "
                                           "over, or move it away" % (ckpt, damaged))
        with self.assertRaises(SystemExit) as e:
            self.run_train("flipped-trunk", "--iters", "1", "--trunk", ckpt)
        self.assertEqual(str(e.exception), "--trunk %s: cannot be read as a .bin or a PyTorch checkpoint: %s" % (
            ckpt, damaged))
        with self.assertRaises(SystemExit) as e:
            export.main(["--out", os.path.join(self.tmp.name, "flipped.bin"), "--groups", "3", "--width", "0.5",
                         "--detector", "--res", "300", "--checkpoint", ckpt])
        self.assertEqual(str(e.exception), "--checkpoint %s: cannot be read as a PyTorch checkpoint: %s" % (
            ckpt, damaged))
        with open(ckpt, "wb") as f:
            f.write(good)
        self.run_train("flipped", "--iters", "2")
        self.assertEqual(torch.load(ckpt)["iteration"], 2)

    def test_init_mistakes_are_named(self):
        # --init with a file that is not there, a run's last.pt (a natural mistake: export it
        # first), a classifier .bin: an error naming the file and the way on, not a traceback.
        out = self.run_train("init-src-1", "--iters", "1")
        classifier = os.path.join(self.tmp.name, "classifier.bin")
        cfg = make_config({"groups": 3, "width": 0.5, "num_classes": 2})
        save_bin(ShuffleNetV1(cfg["backbone"]), classifier, cfg)
        for init, want in [
            (os.path.join(self.tmp.name, "nowhere.bin"), "--init %s: cannot be read as a .bin model file: " % (
                os.path.join(self.tmp.name, "nowhere.bin"))),
            (os.path.join(out, "last.pt"), "a train_detector.py OUT/last.pt is exported by its run (its arguments "
                                           "and --export-now)"),
            (classifier, "--init %s: a classifier .bin, not a detector's: start the trunk from it with --trunk" % classifier),
        ]:
            with self.assertRaises(SystemExit) as e:
                train_detector.main(self.common + ["--iters", "1", "--init", init, "--out",
                                                   os.path.join(self.tmp.name, "init-bad")])
            self.assertIn(want, str(e.exception))

    def test_trunk_of_another_architecture_is_named(self):
        # A classifier .bin of another width or group count given as --trunk: the architecture
        # its configuration says and the preset's are named (it was load_state_dict's size
        # mismatch of one tensor, "not a trunk of this preset's architecture (size mismatch for
        # first_conv.0.weight ...)").
        for backbone, theirs in (({"groups": 3, "width": 1.0}, "g3 1.0x"), ({"groups": 8, "width": 0.5}, "g8 0.5x"),
                                 ({"groups": 3, "width": 0.5, "se": True}, "g3 0.5x SE")):
            trunk = os.path.join(self.tmp.name, "trunk-%s.bin" % theirs.replace(" ", "-"))
            cfg = make_config(dict(backbone, num_classes=2))
            save_bin(ShuffleNetV1(cfg["backbone"]), trunk, cfg)
            with self.assertRaises(SystemExit) as e:
                train_detector.main(self.common + ["--iters", "1", "--trunk", trunk,
                                                   "--out", os.path.join(self.tmp.name, "trunk-arch")])
            self.assertEqual("--trunk %s: a ShuffleNet v1 %s classifier's trunk (its configuration), %s wants g3 0.5x: "
                             "give one trained with train_imagenet.py --groups 3 --width 0.5, or a preset of the "
                             "trunk's architecture" % (trunk, theirs, PRESET), str(e.exception))

    def test_detector_as_trunk_is_named(self):
        # A detector .bin of the preset's architecture given as --trunk: said to be a detector's,
        # with --init the way on (it said "not a trunk of this preset's architecture", naming
        # unexpected keys rpn.head...).
        out = self.run_train("trunk-src", "--iters", "1")
        with self.assertRaises(SystemExit) as e:
            train_detector.main(self.common + ["--iters", "1", "--trunk", os.path.join(out, "iter000001.bin"),
                                               "--out", os.path.join(self.tmp.name, "trunk-bad")])
        self.assertIn("iter000001.bin: a detector's weights (its RPN and box heads), not an ImageNet trunk's: "
                      "go on from a detector .bin with --init", str(e.exception))

    def test_traceback_with_workers_is_printed(self):
        # An error that ends a run with DataLoader workers (the Table 7 recipe has 4) printed no
        # traceback, only "lost sys.stderr": the workers killed on the way out set off torch's
        # SIGCHLD handler over it. The error here: best.bin's temporary name taken by a folder, so
        # that copying the first evaluation's model to it fails (it was a --cocoeval report without
        # "stats", a KeyError then, a failed evaluation now). Seen with ten training images a batch
        # of one, not with the other tests' two in one batch.
        report = {"stats": [0.5] * 12, "categories": [{"name": "person", "stats": [0.5] * 12}]}
        fake = os.path.join(self.tmp.name, "cocoeval-report")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\necho '%s'\n" % json.dumps(report))
        os.chmod(fake, 0o755)
        out = os.path.join(self.tmp.name, "traceback")
        os.makedirs(os.path.join(out, "best.bin.tmp"))
        data = tiny_coco(os.path.join(self.tmp.name, "train8.json"), 8)
        p = subprocess.run([sys.executable, os.path.join(REPO, "train", "train_detector.py")] + self.common +
                           ["--data", data, "--batch", "1", "--iters", "1", "--eval-every", "1", "--workers", "1",
                            "--eval", "v=" + self.data, "--cocoeval", fake, "--out", out],
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertNotIn("lost sys.stderr", p.stderr)
        self.assertIn("Traceback (most recent call last)", p.stderr)
        self.assertTrue(p.stderr.rstrip().endswith("Is a directory: '%s'" % os.path.join(out, "best.bin.tmp")),
                        p.stderr[-500:])

    def test_argument_mistakes_are_named(self):
        # Sizes that are not whole numbers, or too small, and --bn sync on CPU processes: an error
        # naming the flag before anything runs, not a ValueError, nor a RuntimeError mid-forward.
        for extra, want in [
            (["--train-sizes", "160,abc"], "--train-sizes 160,abc: want comma-separated whole numbers of at least 32"),
            (["--train-sizes", "0"], "--train-sizes 0: want comma-separated whole numbers of at least 32"),
            (["--anchor-sizes", "a,b,c,d,e"], "--anchor-sizes a,b,c,d,e: want comma-separated whole numbers of at least 1"),
        ]:
            with self.assertRaises(SystemExit) as e:
                train_detector.main(self.common + ["--iters", "1", "--out", os.path.join(self.tmp.name, "args-bad")] + extra)
            self.assertIn(want, str(e.exception))
        with self.assertRaises(SystemExit) as e:
            train_detector.check_bn("sync", True, torch.device("cpu"))
        self.assertIn("--bn sync: synchronized BatchNorm needs GPUs", str(e.exception))
        train_detector.check_bn("sync", True, torch.device("cuda", 0))
        train_detector.check_bn("train", True, torch.device("cpu"))

    def test_resume_of_another_run_is_named(self):
        # OUT/last.pt of a run with another BN (other classes: DataClasses): an error naming it and
        # the ways out, not a key-mismatch traceback from load_state_dict.
        self.run_train("other", "--iters", "1")
        with self.assertRaises(SystemExit) as e:
            train_detector.main(self.common + ["--bn", "frozen", "--out", os.path.join(self.tmp.name, "other"),
                                               "--iters", "2"])
        self.assertIn("the checkpoint of another run", str(e.exception))
        self.assertIn("last.pt", str(e.exception))
        # another width: the first size mismatch, without the tab torch puts before it
        with self.assertRaises(SystemExit) as e:
            train_detector.main(self.common + ["--config", PRESET.replace("0.5x", "1.0x"),
                                               "--out", os.path.join(self.tmp.name, "other"), "--iters", "2"])
        self.assertIn("--no-resume (size mismatch for backbone.first_conv.0.weight", str(e.exception))

    def test_group_signal_with_workers_saves(self):
        # SIGTERM to the whole process group (a job scheduler's scancel, a terminal's hang-up) with
        # DataLoader workers: the workers ignore it, the run finishes its iteration and writes
        # last.pt (before the fix a worker died of it and took the run down without a checkpoint).
        out = os.path.join(self.tmp.name, "group-term")
        p = subprocess.Popen([sys.executable, os.path.join(REPO, "train", "train_detector.py")] + self.common +
                             ["--workers", "2", "--iters", "100000", "--ckpt-every", "100000", "--out", out],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        stdout = term_group_when(p, lambda: wait_for_first_iteration(self, p, out, "the run"))
        # A run a signal stopped did not finish: its status says so, as a shell's for a process the
        # signal killed (before the fix it was 0, and a job script went on as if it had).
        self.assertEqual(p.returncode, 128 + signal.SIGTERM, stdout)
        m = re.search(r"stopped at iteration (\d+) of 100000 .*stopped by signal 15: exit status 143, resume with "
                      r"the same command", stdout)
        self.assertIsNotNone(m, stdout)
        self.assertEqual(torch.load(os.path.join(out, "last.pt"))["iteration"], int(m.group(1)))

    def test_hangup_with_workers_saves(self):
        # SIGHUP to the process group (the terminal of an ssh session closed, torchrun passing
        # its own on): the run stops as for SIGTERM, with last.pt written and status 129 (before
        # the fix the main process and its workers died of it: no checkpoint since --ckpt-every).
        out = os.path.join(self.tmp.name, "group-hup")
        p = subprocess.Popen([sys.executable, os.path.join(REPO, "train", "train_detector.py")] + self.common +
                             ["--workers", "1", "--iters", "100000", "--ckpt-every", "100000", "--out", out],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                             preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL))  # (not nohup's)
        try:
            wait_for_first_iteration(self, p, out, "the run")
            os.killpg(p.pid, signal.SIGHUP)
            stdout, _ = p.communicate(timeout=300)
        finally:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        self.assertEqual(p.returncode, 128 + signal.SIGHUP, stdout)
        m = re.search(r"stopped at iteration (\d+) of 100000 .*stopped by signal 1: exit status 129", stdout)
        self.assertIsNotNone(m, stdout)
        self.assertEqual(torch.load(os.path.join(out, "last.pt"))["iteration"], int(m.group(1)))

    def test_start_over_killed_resumes_nothing_old(self):
        # --no-resume over a finished run, killed before its own first checkpoint: the same
        # command without --no-resume starts over too (before the fix it resumed the old run's
        # last.pt under the new run's args.json and logs, saying nothing of the old arguments).
        out = self.run_train("over", "--iters", "2", "--seed", "5")

        def killed(a, it, elapsed=0.0):
            raise KeyboardInterrupt  # (a kill -9 before the first checkpoint)
        saved = [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)]
        try:
            with unittest.mock.patch.object(train_detector, "lr_at", killed), self.assertRaises(KeyboardInterrupt):
                train_detector.main(self.common + ["--out", out, "--iters", "1", "--no-resume"])
        finally:  # (the run's handlers, which it restores only when it ends)
            for sig, h in zip((signal.SIGINT, signal.SIGTERM, signal.SIGHUP), saved):
                signal.signal(sig, h)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            self.run_train("over", "--iters", "3")
        self.assertNotIn("resumed", buf.getvalue())
        self.assertEqual([r["iter"] for r in log_rows(out)], [1, 2, 3])

    def test_refused_start_over_keeps_the_old_run(self):
        # --no-resume refused at the start (here a --cocoeval that is not there) leaves the earlier
        # run's last.pt and args.json as they were: they were removed and replaced before those
        # checks, for a run that then trained nothing.
        out = self.run_train("kept", "--iters", "1", "--seed", "5")
        def files():
            got = []
            for n in ("last.pt", "args.json"):
                with open(os.path.join(out, n), "rb") as f:
                    got.append(f.read())
            return got
        before = files()
        with self.assertRaises(SystemExit) as e:
            train_detector.main(self.common + ["--out", out, "--iters", "1", "--no-resume", "--eval", "v=" + self.data,
                                               "--cocoeval", os.path.join(self.tmp.name, "none")])
        self.assertIn("not an executable file", str(e.exception))
        self.assertEqual(files(), before)

    def test_resume_knows_the_best_of_an_evaluation_its_checkpoint_missed(self):
        # Killed after an evaluation replaced best.bin but before the checkpoint recording its score
        # was written (here: the checkpoint's best taken back to None), the run resumes with the
        # score from evals.jsonl, so a worse evaluation later leaves best.bin alone (before the
        # fix, best None: the worse model replaced it).
        def report(ap50):
            path = os.path.join(self.tmp.name, "cocoeval-%g" % ap50)
            with open(path, "w") as f:
                f.write("#!/bin/sh\necho '%s'\n" % json.dumps({"stats": [ap50] * 12, "categories": [
                    {"name": "person", "stats": [ap50] * 12}]}))
            os.chmod(path, 0o755)
            return path
        out = self.run_train("best-after-kill", "--iters", "1", "--eval", "v=" + self.data, "--cocoeval", report(0.5))
        ckpt = os.path.join(out, "last.pt")
        ck = torch.load(ckpt)
        self.assertEqual(ck["best"], 0.5)
        ck["best"] = None
        torch.save(ck, ckpt)
        self.run_train("best-after-kill", "--iters", "2", "--eval", "v=" + self.data, "--cocoeval", report(0.3))
        self.assertTrue(train_detector.evaluated(os.path.join(out, "evals.jsonl"), 2))
        with open(os.path.join(out, "best.bin"), "rb") as f, open(os.path.join(out, "iter000001.bin"), "rb") as g:
            self.assertTrue(f.read() == g.read(), "best.bin is not the iteration-1 model (AP50 0.5) any more")
        self.assertEqual(torch.load(ckpt)["best"], 0.5)

    def test_resume_under_another_select_picks_best_bin_anew(self):
        # A run picking best.bin by AP50 resumed with --select ...:AP: best.bin becomes the best
        # evaluation so far by AP, and later ones are compared with its AP (before the fix the
        # checkpoint's best, an AP50, was compared with APs: best.bin stayed the iteration-1 model,
        # picked by AP50, and the iteration-3 one, second by AP, did not replace it either).
        ev = ["--eval", "v=" + self.data, "--cocoeval", self.ap_ap50_cocoeval(), "--eval-every", "1"]
        out = self.run_train("reselect", "--iters", "2", "--select", "v:all:AP50", *ev)

        self.assertBest(out, "iter000001.bin", 0.5, "v:all:AP50")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            self.run_train("reselect", "--iters", "3", "--select", "v:all:AP", *ev)
        self.assertIn("best.bin is now iter000002.bin (v:all:AP = 0.3000)", buf.getvalue())
        self.assertBest(out, "iter000002.bin", 0.3, "v:all:AP")

    def test_reselect_without_model_files(self):
        # The same resume with the evaluations' model files deleted (to save disk, say): with the
        # iteration-2 one gone, best.bin is the best by AP of those left (iteration 1, AP 0.1);
        # with none left, the old best.bin is moved aside, not deleted. Either way iteration 3
        # (AP 0.25) then beats it and writes best.bin.
        ev = ["--eval", "v=" + self.data, "--cocoeval", self.ap_ap50_cocoeval(), "--eval-every", "1"]
        for gone, want in ((["iter000002.bin"], "iter000001.bin (v:all:AP = 0.1000)"),
                           (["iter000001.bin", "iter000002.bin"], "no evaluation so far whose model file is here")):
            name = "reselect-gone-%d" % len(gone)
            out = self.run_train(name, "--iters", "2", "--select", "v:all:AP50", *ev)
            with open(os.path.join(out, "iter000001.bin"), "rb") as f:
                first = f.read()
            for g in gone:
                os.remove(os.path.join(out, g))
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                self.run_train(name, "--iters", "3", "--select", "v:all:AP", *ev)
            self.assertIn(want, buf.getvalue())
            with open(os.path.join(out, "best.bin"), "rb") as f, open(os.path.join(out, "iter000003.bin"), "rb") as g:
                self.assertEqual(f.read(), g.read(), "best.bin is not the iteration-3 model")
            if len(gone) == 2:
                with open(os.path.join(out, "best-v-all-AP50.bin"), "rb") as f:
                    self.assertEqual(f.read(), first, "the old best.bin (iteration 1, by AP50) was not kept aside")
            self.assertEqual(torch.load(os.path.join(out, "last.pt"))["best"], 0.25)

    def assertBest(self, out, model, best, select):
        """best.bin is out's model file model, and the checkpoint's best and --select are best and select."""
        with open(os.path.join(out, "best.bin"), "rb") as f, open(os.path.join(out, model), "rb") as g:
            self.assertTrue(f.read() == g.read(), "best.bin is not %s (%s %g)" % (model, select, best))
        ck = torch.load(os.path.join(out, "last.pt"))
        self.assertEqual((ck["best"], ck["select"]), (best, select))

    def ap_ap50_cocoeval(self):
        """A cocoeval stand-in: iteration 1 AP 0.1, AP50 0.5; 2: AP 0.3, AP50 0.2; later ones AP 0.25, AP50 0.1."""
        path = os.path.join(self.tmp.name, "cocoeval-ap-ap50")
        with open(path, "w") as f:
            f.write(r'''#!/bin/sh
case "$*" in *iter000001*) a=0.1 b=0.5;; *iter000002*) a=0.3 b=0.2;; *) a=0.25 b=0.1;; esac
s="$a, $b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0"
echo "{\"stats\": [$s], \"categories\": [{\"name\": \"person\", \"stats\": [$s]}]}"
''')
        os.chmod(path, 0o755)
        return path

    def test_reselect_killed_before_its_checkpoint(self):
        # Resumed under --select ...:AP, which made best.bin the iteration-2 model, and killed before
        # its first checkpoint (a kill -9, an out-of-memory): rerun under the first --select, AP50,
        # best.bin is the iteration-1 model again (before the fix the checkpoint still said AP50,
        # nothing was rescored, and best.bin stayed the model picked by AP).
        ev = ["--eval", "v=" + self.data, "--cocoeval", self.ap_ap50_cocoeval(), "--eval-every", "1"]
        out = self.run_train("reselect-killed", "--iters", "2", "--select", "v:all:AP50", *ev)

        def killed(a, it, elapsed=0.0):
            raise KeyboardInterrupt  # (a kill -9 before the resumed run's first checkpoint)
        saved = [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)]
        try:
            with unittest.mock.patch.object(train_detector, "lr_at", killed), self.assertRaises(KeyboardInterrupt):
                train_detector.main(self.common + ["--out", out, "--iters", "3", "--select", "v:all:AP", *ev])
        finally:  # (the run's handlers, which it restores only when it ends)
            for sig, h in zip((signal.SIGINT, signal.SIGTERM, signal.SIGHUP), saved):
                signal.signal(sig, h)
        self.run_train("reselect-killed", "--iters", "3", "--select", "v:all:AP50", *ev)
        self.assertBest(out, "iter000001.bin", 0.5, "v:all:AP50")

    def test_select_kept_through_a_resume_without_eval(self):
        # A run picking best.bin by AP50, resumed once without --eval (no --select: nothing is
        # scored), then under --select ...:AP: best.bin is rescored by AP (before the fix the
        # middle run's checkpoint recorded no --select, the last run took it for one written before
        # the key existed, and compared its APs with the AP50 best: best.bin stayed iteration 1's).
        ev = ["--eval", "v=" + self.data, "--cocoeval", self.ap_ap50_cocoeval(), "--eval-every", "1"]
        out = self.run_train("select-kept", "--iters", "2", "--select", "v:all:AP50", *ev)
        self.run_train("select-kept", "--iters", "3")
        self.assertEqual(torch.load(os.path.join(out, "last.pt"))["select"], "v:all:AP50")
        self.run_train("select-kept", "--iters", "4", "--select", "v:all:AP", *ev)
        self.assertBest(out, "iter000002.bin", 0.3, "v:all:AP")

    def test_resume_after_a_kill_before_best_bin_was_replaced(self):
        # Killed after an evaluation that beat best.bin, before best.bin was replaced: the resumed
        # run must not take that evaluation's score as best.bin's (evals.jsonl's row was written
        # first, and logged_best read it: best.bin kept the iteration-1 model, AP50 0.5, under a
        # best of 0.7, and the better iteration-3 model, 0.6, did not replace it).
        path = os.path.join(self.tmp.name, "cocoeval-by-iter")
        with open(path, "w") as f:
            f.write("#!/bin/sh\ncase \"$*\" in *iter000001*) s=0.5;; *iter000002*) s=0.7;; *) s=0.6;; esac\n"
                    "echo '{\"stats\": ['$s$(printf ', %s' $s $s $s $s $s $s $s $s $s $s $s)'], "
                    "\"categories\": [{\"name\": \"person\", \"stats\": ['$s$(printf ', %s' $s $s $s $s $s $s $s $s $s $s $s)']}]}'\n")
        os.chmod(path, 0o755)
        ev = ["--eval", "v=" + self.data, "--cocoeval", path, "--eval-every", "1"]

        class Killed(BaseException):
            pass
        copy = shutil.copyfile

        def killed_at_2(src, dst, *args, **kw):
            if "iter000002" in src:
                raise Killed()
            return copy(src, dst, *args, **kw)
        with unittest.mock.patch.object(train_detector.shutil, "copyfile", killed_at_2):
            with self.assertRaises(Killed):
                self.run_train("best-kill-before-copy", "--iters", "2", *ev)
        out = self.run_train("best-kill-before-copy", "--iters", "3", *ev)
        with open(os.path.join(out, "best.bin"), "rb") as f, open(os.path.join(out, "iter000002.bin"), "rb") as g:
            self.assertTrue(f.read() == g.read(), "best.bin is not the iteration-2 model (AP50 0.7)")
        self.assertEqual(torch.load(os.path.join(out, "last.pt"))["best"], 0.7)

    def test_group_signal_during_evaluation_stops(self):
        # SIGTERM to the process group during the final evaluation ends cocoeval too: the run stops
        # at that iteration with status 143 and its checkpoint, and the same command does that
        # evaluation first (before the fix the evaluation counted as a failed one: status 0, no
        # evals.jsonl, no best.bin, and a resume never did it).
        out = os.path.join(self.tmp.name, "eval-term")
        os.makedirs(out)
        mark = os.path.join(out, "evaluating")
        slow = os.path.join(self.tmp.name, "cocoeval-slow")
        with open(slow, "w") as f:
            # (the start's check that the engine loads the model, on no images, passes at once)
            f.write("#!/bin/sh\ncase \"$*\" in *start_images*) exit 0;; esac\ntouch %s\nexec sleep 120\n" % mark)
        os.chmod(slow, 0o755)
        argv = [sys.executable, os.path.join(REPO, "train", "train_detector.py")] + self.common + [
            "--iters", "1", "--out", out, "--eval", "v=" + self.data]
        p = subprocess.Popen(argv + ["--cocoeval", slow], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, start_new_session=True)

        def evaluating():
            deadline = time.time() + 300
            while not os.path.exists(mark):
                self.assertIsNone(p.poll(), "the run ended before its evaluation")
                self.assertLess(time.time(), deadline, "no evaluation in 300 s")
                time.sleep(0.2)
        stdout = term_group_when(p, evaluating)
        self.assertEqual(p.returncode, 128 + signal.SIGTERM, stdout)
        self.assertIn("evaluation at 1 stopped by signal 15", stdout)
        self.assertNotIn("failed", stdout)
        self.assertEqual(torch.load(os.path.join(out, "last.pt"))["iteration"], 1)
        self.assertFalse(train_detector.evaluated(os.path.join(out, "evals.jsonl"), 1))
        report = os.path.join(self.tmp.name, "cocoeval-report")
        with open(report, "w") as f:
            f.write("#!/bin/sh\necho '%s'\n" % json.dumps({"stats": [0.5] * 12, "categories": [
                {"name": "person", "stats": [0.5] * 12}]}))
        os.chmod(report, 0o755)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            status = train_detector.main(self.common + ["--iters", "1", "--out", out, "--eval", "v=" + self.data,
                                                        "--cocoeval", report])
        self.assertEqual(status, 0, buf.getvalue())
        self.assertTrue(train_detector.evaluated(os.path.join(out, "evals.jsonl"), 1))
        self.assertTrue(os.path.exists(os.path.join(out, "best.bin")))

    def test_truncated_image_stops_with_a_checkpoint(self):
        # A JPEG cut short passes the start's header check; when first drawn it stops the run naming
        # the file, the checkpoint written, with DataLoader workers too (before the fix: a chained
        # traceback from inside the DataLoader, and no checkpoint).
        images, ann = train_detector.parse_pair(self.data)
        with open(ann) as f:
            d = json.load(f)
        folder = os.path.join(self.tmp.name, "cut-images")
        os.makedirs(folder)
        for im in d["images"]:
            shutil.copy(os.path.join(images, im["file_name"]), folder)
        # (with the class's own two images, drawn third: seed 3's order is records 3, 0, 2, 1)
        cut = os.path.join(folder, min(d["images"], key=lambda im: im["id"])["file_name"])
        with open(cut, "r+b") as f:
            f.truncate(os.path.getsize(cut) // 2)
        for workers in ("0", "1"):
            out = os.path.join(self.tmp.name, "cut-" + workers)
            with self.assertRaises(SystemExit) as e:
                train_detector.main(self.common + ["--data", "%s:%s" % (folder, ann), "--batch", "1", "--iters", "4",
                                                   "--workers", workers, "--out", out])
            m = re.fullmatch(r"(.*): cannot decode image: image file is truncated .* \(drawn for iteration (\d)\); "
                             r"the checkpoint at iteration (\d) is written: replace the file, .*", str(e.exception))
            self.assertIsNotNone(m, str(e.exception))
            self.assertEqual(m.group(1), cut)
            self.assertEqual((m.group(2), m.group(3)), ("3", "2"))
            self.assertEqual(torch.load(os.path.join(out, "last.pt"))["iteration"], 2)
        # Every image cut: the first drawn stops a fresh run before any checkpoint, and the message
        # claims none.
        for im in d["images"]:
            path = os.path.join(folder, im["file_name"])
            with open(path, "r+b") as f:
                f.truncate(os.path.getsize(path) // 2)
        out = os.path.join(self.tmp.name, "cut-all")
        with self.assertRaises(SystemExit) as e:
            train_detector.main(self.common + ["--data", "%s:%s" % (folder, ann), "--batch", "1", "--iters", "4",
                                               "--workers", "0", "--out", out])
        self.assertRegex(str(e.exception), r"\(drawn for iteration 1\): replace the file, ")
        self.assertFalse(os.path.exists(os.path.join(out, "last.pt")))

    def test_polygons_only_for_copy_paste(self):
        coco128 = os.path.join(REPO, "..", "shared", "data", "coco128")
        images, ann = train_detector.parse_pair(tiny_coco(os.path.join(self.tmp.name, "np.json"), 4, coco128,
                                                          "annotations/instances_train2017.json", "train2017"))
        with_polygons = train_detector.label_records(train_detector.load_coco(images, ann)[0], [1])[0]
        records = train_detector.label_records(train_detector.load_coco(images, ann, polygons=False)[0], [1])[0]
        self.assertTrue(any(any(r["polygons"]) for r in with_polygons))
        self.assertEqual([r["boxes"] for r in records], [r["boxes"] for r in with_polygons])
        self.assertTrue(all(r["polygons"] == [[]] * len(r["boxes"]) for r in records))

    def test_copy_paste(self):
        """A pasted object lands inside the image with its class, cut out by its polygon: only
        pixels inside its new box change, and its box is the tight box of those pixels. An item is
        the same for the same seed, and most items gain a box."""
        # coco128's annotations have the polygons (coco-tiny's and coco-extra's only boxes).
        coco128 = os.path.join(REPO, "..", "shared", "data", "coco128")
        images, ann = train_detector.parse_pair(tiny_coco(os.path.join(self.tmp.name, "cp.json"), 4, coco128,
                                                          "annotations/instances_train2017.json", "train2017"))
        records = train_detector.label_records(train_detector.load_coco(images, ann)[0], [1])[0]
        self.assertTrue(all(len(r["polygons"]) == len(r["boxes"]) for r in records))
        cp = train_detector.Detections(records, 352, 587, flip=0, color=0, copy_paste=1.0)
        self.assertTrue(cp.objects)

        class One(random.Random):  # one object per paste
            def randint(self, a, b):
                return 1

        pasted = 0
        for seed in range(8):
            blank = torch.full((3, 240, 320), 0.45)
            img, boxes, labels = cp.paste(blank, torch.zeros((0, 4)), torch.zeros((0,), dtype=torch.int64), One(seed))
            changed = (img != blank).any(0)
            if len(boxes) == 0:
                self.assertFalse(bool(changed.any()))
                continue
            pasted += 1
            self.assertEqual(labels.tolist(), [1])
            x0, y0, x1, y1 = (int(v) for v in boxes[0].tolist())
            self.assertTrue(0 <= x0 < x1 <= 320 and 0 <= y0 < y1 <= 240, boxes)
            ys, xs = torch.nonzero(changed, as_tuple=True)
            self.assertEqual([xs.min().item(), ys.min().item(), xs.max().item() + 1, ys.max().item() + 1], [x0, y0, x1, y1])
        self.assertGreaterEqual(pasted, 6)
        grew = 0
        plain = train_detector.Detections(records, 352, 587, flip=0, color=0)
        for seed in range(8):
            img, t = cp[(0, seed)]
            again, t2 = cp[(0, seed)]
            self.assertTrue(torch.equal(img, again) and torch.equal(t["boxes"], t2["boxes"]))
            b, H, W = t["boxes"], img.shape[1], img.shape[2]
            self.assertTrue(bool(((b[:, 0] >= 0) & (b[:, 1] >= 0) & (b[:, 2] <= W) & (b[:, 3] <= H)).all()), b)
            grew += len(b) > len(plain[(0, seed)][1]["boxes"])
        self.assertGreaterEqual(grew, 5)

    def test_loss_goes_down(self):
        out = self.run_train("overfit", "--iters", "16")
        ls = losses(out)
        self.assertEqual(len(ls), 16)
        first, last = sum(ls[:3]) / 3, sum(ls[-3:]) / 3
        self.assertTrue(last < 0.8 * first, "loss %.3f -> %.3f: %s" % (first, last, ls))

    def test_resume_is_exact(self):
        straight = self.run_train("straight", "--iters", "4")
        cut = self.run_train("cut", "--iters", "4", "--stop-after", "2")
        self.assertEqual(torch.load(os.path.join(cut, "last.pt"))["iteration"], 2)
        self.run_train("cut", "--iters", "4")  # resumes from cut/last.pt
        a = torch.load(os.path.join(straight, "last.pt"))
        b = torch.load(os.path.join(cut, "last.pt"))
        self.assertEqual(a["iteration"], 4)
        self.assertEqual(b["iteration"], 4)
        self.assertEqual(losses(straight)[2:], losses(cut)[2:])
        for k, v in a["model"].items():
            self.assertTrue(torch.equal(v, b["model"][k]), k)

    def test_ema_resumes_and_is_exported(self):
        straight = self.run_train("ema-straight", "--iters", "4", "--ema", "0.9")
        cut = self.run_train("ema-cut", "--iters", "4", "--ema", "0.9", "--stop-after", "2")
        self.run_train("ema-cut", "--iters", "4", "--ema", "0.9")
        a = torch.load(os.path.join(straight, "last.pt"))
        b = torch.load(os.path.join(cut, "last.pt"))
        self.assertEqual(a["ema"]["updates"], 4)
        self.assertEqual(b["ema"]["updates"], 4)
        for k, v in a["ema"]["model"].items():
            self.assertTrue(torch.equal(v, b["ema"]["model"][k]), k)
        # The average is not the last weights, and it is what the .bin holds.
        w = "roi_heads.box_predictor.cls_score.weight"
        self.assertFalse(torch.equal(a["ema"]["model"][w], a["model"][w]))
        model = build_detector(read_bin(os.path.join(straight, "iter000004.bin"))[1])
        model.load_state_dict(a["ema"]["model"])
        exported = read_bin(os.path.join(straight, "iter000004.bin"))[0]
        for k, v in detector_state(model).items():
            self.assertTrue(torch.equal(v.float(), exported[k]), k)
        # --export-now writes the .bin of a stopped run's checkpoint: the same as the run's own
        # export at that iteration.
        self.run_train("ema-cut", "--iters", "4", "--ema", "0.9", "--export-now")
        now = read_bin(os.path.join(cut, "iter000004.bin"))[0]
        for k, v in read_bin(os.path.join(straight, "iter000004.bin"))[0].items():
            self.assertTrue(torch.equal(v, now[k]), k)
        stopped = self.run_train("ema-stopped", "--iters", "4", "--ema", "0.9", "--stop-after", "3")
        self.assertFalse(os.path.exists(os.path.join(stopped, "iter000003.bin")))
        self.run_train("ema-stopped", "--iters", "4", "--ema", "0.9", "--export-now")
        self.assertTrue(os.path.exists(os.path.join(stopped, "iter000003.bin")))
        # ... without reading --data: the checkpoint has the classes (COCO train's JSON is 450 MB,
        # and the data may have moved since)
        os.remove(os.path.join(stopped, "iter000003.bin"))
        gone = ["/nonexistent/images:/nonexistent/ann.json" if v == self.data else v for v in self.common]
        self.assertFalse(train_detector.main(gone + ["--out", stopped, "--iters", "4", "--ema", "0.9", "--export-now"]))
        self.assertTrue(os.path.exists(os.path.join(stopped, "iter000003.bin")))
        with self.assertRaises(SystemExit):
            self.run_train("ema-nothing", "--iters", "4", "--export-now")
        # A run without an average cannot be resumed as one.
        self.run_train("ema-none", "--iters", "4", "--stop-after", "1")
        with self.assertRaises(SystemExit):
            self.run_train("ema-none", "--iters", "4", "--ema", "0.9")

    def test_warmup_past_iters_is_noted(self):
        # The default --warmup 300 in a short run: the learning rate would rise for the whole run
        # and never decay, without a word.
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            self.run_train("warm", "--iters", "1", "--warmup", "300")
        self.assertIn("note: --warmup 300 is not under --iters 1: the learning rate rises for the whole run (to "
                      "0.001 of --lr) and never decays; give a --warmup under --iters", buf.getvalue())
        a = train_detector.parse_args(self.common + ["--out", "x", "--iters", "3", "--warmup", "2"])
        self.assertEqual(train_detector.schedule_notes(a), [])

    def test_step_schedule(self):
        # Detectron's 1x: warm-up, then x0.1 at 60000 and 80000 of 90000 iterations (2/3 and 8/9 of
        # them all, the warm-up included).
        a = train_detector.parse_args(self.common + ["--out", "x", "--iters", "90000", "--warmup", "1000",
                                                     "--schedule", "step", "--lr", "0.02"])
        for it, want in [(1000, 0.02), (59999, 0.02), (60000, 0.002), (79999, 0.002), (80000, 0.0002), (89999, 0.0002)]:
            self.assertAlmostEqual(train_detector.lr_at(a, it), want, delta=1e-12, msg="iteration %d" % it)

    def test_time_budget(self):
        # The schedule follows the clock: cosine from --lr to 0 over the budget, after the warm-up.
        a = train_detector.parse_args(self.common + ["--out", "x", "--iters", "100", "--time-budget", "60"])
        self.assertEqual(train_detector.lr_at(a, 1, 30.0), a.lr * (0.001 + 0.999 * 1 / 2))  # warm-up
        self.assertAlmostEqual(train_detector.lr_at(a, 50, 0.0), a.lr, delta=1e-12)
        self.assertAlmostEqual(train_detector.lr_at(a, 50, 30.0), a.lr / 2, delta=1e-12)
        self.assertEqual(train_detector.lr_at(a, 50, 60.0), 0.0)
        self.assertEqual(train_detector.lr_at(a, 50, 90.0), 0.0)
        # A run ends on its budget, long before --iters, with its model exported and checkpointed
        # at the iteration it reached; it does not resume.
        out = self.run_train("budget", "--iters", "100000", "--time-budget", "3")
        n = len(losses(out))
        self.assertTrue(0 < n < 100000)
        self.assertTrue(os.path.exists(os.path.join(out, "iter%06d.bin" % n)))
        self.assertEqual(torch.load(os.path.join(out, "last.pt"))["iteration"], n)
        with self.assertRaises(SystemExit):
            self.run_train("budget", "--iters", "100000", "--time-budget", "3")
        # Stopped by a signal before its budget, it exports its model all the same.
        stopped = os.path.join(self.tmp.name, "budget-stopped")
        with sigterm_after_first_iteration():
            status = train_detector.main(self.common + ["--out", stopped, "--iters", "100000", "--time-budget", "600"])
        n = len(losses(stopped))
        self.assertTrue(os.path.exists(os.path.join(stopped, "iter%06d.bin" % n)), os.listdir(stopped))
        self.assertEqual(status, 128 + signal.SIGTERM)

    def test_signal_in_the_last_iteration(self):
        # A signal that arrives during the run's last iteration (after the first of two is logged)
        # stops nothing: the run ends as planned, with status 0 (it said 143, as if unfinished;
        # with iterations to go the same signal stops it with 143: test_time_budget).
        out = os.path.join(self.tmp.name, "last")
        with sigterm_after_first_iteration():
            status = train_detector.main(self.common + ["--out", out, "--iters", "2", "--ckpt-every", "100"])
        self.assertEqual(status, 0)
        self.assertEqual(len(losses(out)), 2)

    def test_frozen_bn_stays(self):
        # Frozen BatchNorm keeps its statistics and affine. From scratch, the last BN of each
        # stride-1 unit's residual branch started at gamma 0 (zero-init residual) and, frozen,
        # stayed 0: the branch output 0 and got no gradient, so 13 of the 16 units never trained.
        # With --bn frozen it starts at 1, with a note.
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            out = self.run_train("frozen", "--iters", "2", "--bn", "frozen")
        model = load_bin(os.path.join(out, "iter000002.bin"))
        bn = model.trunk.features[5].branch_main_1[1]  # a stage-3 BatchNorm, as the fresh model has it
        self.assertTrue(torch.equal(bn.running_var, torch.ones_like(bn.running_var)))
        self.assertTrue(torch.equal(bn.running_mean, torch.zeros_like(bn.running_mean)))
        self.assertTrue(torch.equal(bn.weight, torch.ones_like(bn.weight)))
        units = [u for u in model.trunk.features if u.stride == 1]
        self.assertEqual(len(units), 13)
        for i, unit in enumerate(units):
            gamma = unit.branch_main_2[1].weight
            self.assertTrue(torch.equal(gamma, torch.ones_like(gamma)), "stride-1 unit %d: gamma %s" % (i, gamma[:4]))
        self.assertIn("note: --bn frozen from scratch: the BatchNorm layers keep their initial statistics", buf.getvalue())

    def test_init_from_bin(self):
        # --init: a new run starts from every weight of a finished run's .bin, and refuses a .bin
        # whose classes differ from the run's.
        out = self.run_train("init-src", "--iters", "2")
        path = os.path.join(out, "iter000002.bin")
        want = load_bin(path)
        cfg = want.shuffledet_config
        model = build_detector(cfg)
        train_detector.init_from_bin(model, path, cfg)
        got, ref = detector_state(model), detector_state(want)
        self.assertEqual(sorted(got), sorted(ref))
        for k, v in ref.items():
            self.assertTrue(torch.equal(got[k], v), k)
        # A class the .bin lacks (car) keeps the model's own fresh rows of the box predictor; the
        # background and person come from the .bin; a note names the class.
        other = dict(cfg, detector=dict(cfg["detector"], classes=[{"id": 1, "name": "person"}, {"id": 3, "name": "car"}]))
        model = build_detector(other)
        before = {k: v.clone() for k, v in detector_state(model).items()}
        notes = train_detector.init_from_bin(model, path, other)
        self.assertEqual(notes, ["--init %s: 3 (car) not among its classes: it learns from fresh weights" % path])
        got = detector_state(model)
        for k, v in ref.items():
            if k.startswith("roi_heads.box_predictor."):
                per = 1 if ".cls_score." in k else 4
                self.assertTrue(torch.equal(got[k][:2 * per], v), k)  # background, person
                self.assertTrue(torch.equal(got[k][2 * per:], before[k][2 * per:]), k)  # car: fresh
                self.assertFalse(torch.equal(before[k][:2 * per], v), k)  # (the fresh rows differ)
            else:
                self.assertTrue(torch.equal(got[k], v), k)
        # A subset of its classes: the predictor keeps the background's and those classes' rows.
        src = self.run_train("init-two", "--iters", "1", "--classes", "person,car")
        two = os.path.join(src, "iter000001.bin")
        model = build_detector(cfg)
        train_detector.init_from_bin(model, two, cfg)
        got, full = detector_state(model), detector_state(load_bin(two))
        for k, v in full.items():
            if k.startswith("roi_heads.box_predictor.cls_score"):
                v = v[:2]  # background, person
            elif k.startswith("roi_heads.box_predictor.bbox_pred"):
                v = v[:8]
            self.assertTrue(torch.equal(got[k], v), k)
        # Moved anchors (as many of them) keep every weight; a different number of them is refused.
        rpn = cfg["detector"]["rpn"]
        moved = dict(cfg, detector=dict(cfg["detector"], rpn=dict(rpn, anchor_sizes=[16, 32, 64, 128, 256])))
        model = build_detector(moved)
        train_detector.init_from_bin(model, path, moved)
        got = detector_state(model)
        for k, v in ref.items():
            self.assertTrue(torch.equal(got[k], v), k)
        fewer = dict(cfg, detector=dict(cfg["detector"], rpn=dict(rpn, anchor_sizes=[32, 64, 128, 256])))
        with self.assertRaises(SystemExit):
            train_detector.init_from_bin(build_detector(fewer), path, fewer)
        # Another input size (a fine-tune at 600 from a model trained at 300) keeps every weight;
        # another RoI output size (a setting a weight depends on) is still refused.
        larger = dict(cfg, detector=dict(cfg["detector"], min_size=600, max_size=1000))
        model = build_detector(larger)
        train_detector.init_from_bin(model, path, larger)
        got = detector_state(model)
        for k, v in ref.items():
            self.assertTrue(torch.equal(got[k], v), k)
        roi = cfg["detector"]["roi"]
        finer = dict(cfg, detector=dict(cfg["detector"], roi=dict(roi, output_size=7)))
        with self.assertRaises(SystemExit):
            train_detector.init_from_bin(build_detector(finer), path, finer)

    def test_average(self):
        # train/average.py: the mean of each tensor of runs of one architecture; another
        # architecture or class list is refused with the file named.
        one = os.path.join(self.run_train("avg-1", "--iters", "1"), "iter000001.bin")
        two = os.path.join(self.run_train("avg-2", "--iters", "2"), "iter000002.bin")
        out = os.path.join(self.tmp.name, "avg.bin")
        link = os.path.join(self.tmp.name, "avg-link.bin")
        open(out, "wb").close()
        os.symlink(out, link)
        average.main(["--out", link, one, two])  # written through the link, which stays one
        self.assertTrue(os.path.islink(link))
        got, cfg = read_bin(out)
        a, b = read_bin(one)[0], read_bin(two)[0]
        self.assertEqual(cfg, read_bin(one)[1])
        self.assertEqual(sorted(got), sorted(a))
        for k, v in got.items():
            self.assertTrue(torch.equal(v, ((a[k].double() + b[k].double()) / 2).float()), k)
        self.assertFalse(torch.equal(a["roi_heads.box_predictor.cls_score.weight"],
                                     b["roi_heads.box_predictor.cls_score.weight"]))
        other = os.path.join(self.run_train("avg-3", "--iters", "1", "--classes", "person,car"), "iter000001.bin")
        with self.assertRaisesRegex(SystemExit, "avg-3/iter000001.bin: its config differs"):
            average.main(["--out", out, one, other])
        # --classes cuts each model to those classes first (by name or id): the predictor keeps the
        # background's rows and theirs, so models of other class lists average.
        average.main(["--out", out, "--classes", "person", one, other])
        got, cfg = read_bin(out)
        self.assertEqual(cfg["detector"]["classes"], [{"id": 1, "name": "person"}])
        c = read_bin(other)[0]
        person = 1 + [k["id"] for k in read_bin(one)[1]["detector"]["classes"]].index(1)  # its row in one

        def rows(per, classes):
            return [r * per + j for r in classes for j in range(per)]
        for k, v in got.items():
            x, y = a[k], c[k]
            for part, per in (("cls_score", 1), ("bbox_pred", 4)):
                if k.startswith("roi_heads.box_predictor.%s." % part):
                    x, y = a[k][rows(per, [0, person])], c[k][rows(per, [0, 1])]
            self.assertTrue(torch.equal(v, ((x.double() + y.double()) / 2).float()), k)
        average.main(["--out", out, "--classes", "3", other])  # car, by id: its rows alone
        got, cfg = read_bin(out)
        self.assertEqual(cfg["detector"]["classes"], [{"id": 3, "name": "car"}])
        self.assertTrue(torch.equal(got["roi_heads.box_predictor.cls_score.bias"], c["roi_heads.box_predictor.cls_score.bias"][[0, 2]]))
        for spec, err in (("bus", "'bus' is neither the id nor the name of one of its classes"),
                          ("person,1", "'1' names class 1 \\(person\\) again"),
                          ("+-1", "'\\+-1' is neither the id nor the name of one of its classes")):
            with self.assertRaisesRegex(SystemExit, err):
                average.main(["--out", out, "--classes", spec, other])
        # --out a folder, or in a folder not there; --eval of a classifier: named (tracebacks:
        # IsADirectoryError, FileNotFoundError of OUT.tmp, an AttributeError on its null detector)
        classifier = os.path.join(self.tmp.name, "avg-classifier.bin")
        cfg = make_config({"groups": 3, "width": 0.5, "num_classes": 2})
        save_bin(ShuffleNetV1(cfg["backbone"]), classifier, cfg)
        for argv, err in (
                (["--out", self.tmp.name, one, two], "--out %s: a folder" % re.escape(self.tmp.name)),
                (["--out", os.path.join(self.tmp.name, "nowhere", "x.bin"), one, two], "--out .*x.bin: no such folder"),
                (["--out", os.path.join(one, "x.bin"), one, two], "--out .*x.bin: not a folder: %s" % re.escape(one)),
                (["--out", os.path.join(self.tmp.name, "avg-c.bin"), "--eval", "v=" + self.data, classifier],
                 "--eval scores a detector, whose config names its classes; this model has none")):
            with self.assertRaisesRegex(SystemExit, err):
                average.main(argv)

    def test_preset_the_engine_refuses(self):
        # A preset value the Go engine refuses and the recipes' ranges took (an image_std of
        # 1e-30, whose normalized pixels a float32 cannot hold; torchvision trains on it) went into
        # every .bin of the run, and every evaluation failed, each after its iterations. With --eval
        # the engine loads the run's model file first: the run stops before training, with the
        # engine's words; the same folder then runs when mended. (config_file now refuses that
        # value itself: the recipes here are without the engine's ranges, as they would be with a
        # new engine bound they lack.)
        with open(PRESET) as f:
            text = f.read()
        bad = os.path.join(self.tmp.name, "std.yaml")
        with open(bad, "w") as f:
            f.write(text.replace("image_std: [0.229,", "image_std: [1.0e-30,", 1))
        with open(bad) as f:
            self.assertIn("image_std: [1.0e-30,", f.read())
        out = os.path.join(self.tmp.name, "refused")
        evals = ["--eval", "set=" + self.data, "--cocoeval", go_cocoeval(), "--iters", "1"]
        with without_engine_ranges(), self.assertRaises(SystemExit) as e:
            train_detector.main(self.common + ["--out", out, "--config", bad] + evals)
        msg = str(e.exception)
        self.assertIn("the Go engine refuses this run's model file (its configuration: --config %s" % bad, msg)
        self.assertIn("channel 0 mean 0.485 std 1e-30: (v/255 - mean)/std is", msg)
        self.assertFalse(os.path.exists(os.path.join(out, "last.pt")))
        self.assertFalse(os.path.exists(os.path.join(out, "log.jsonl")))
        self.run_train("refused", *evals)  # the preset mended, the same folder
        self.assertTrue(os.path.exists(os.path.join(out, "iter000001.bin")))

    def test_export_runs_in_go(self):
        # The evaluation hook: export the .bin, run Go cocoeval -model on a held-out set.
        # Its ground truth knows no cars, the model predicts them: they are scored as pycocotools would
        # (a category without ground truth), not refused.
        images, ann = self.data.rsplit(":", 1)
        with open(ann) as f:
            d = json.load(f)
        # It names person "human": results and --select go by the model's names all the same.
        d["categories"] = [dict(c, name="human") for c in d["categories"] if c["id"] == 1]
        d["annotations"] = [a for a in d["annotations"] if a["category_id"] == 1]
        gt = os.path.join(self.tmp.name, "person_only.json")
        with open(gt, "w") as f:
            json.dump(d, f)
        out = self.run_train("eval", "--iters", "2", "--classes", "person,car", "--eval", "tiny=%s:%s" % (images, gt),
                             "--select", "tiny:person:AP50")
        with open(os.path.join(out, "evals.jsonl")) as f:
            rec = [json.loads(line) for line in f]
        self.assertEqual([r["iter"] for r in rec], [2])
        stats = rec[0]["eval"]["tiny"]["stats"]
        self.assertEqual(len(stats), 12)
        self.assertTrue(all(-1 <= s <= 1 for s in stats), stats)
        model = load_bin(os.path.join(out, rec[0]["bin"]))
        self.assertEqual(model.shuffledet_config["detector"]["classes"],
                         [{"id": 1, "name": "person"}, {"id": 3, "name": "car"}])
        self.assertEqual(sorted(rec[0]["eval"]["tiny"]["classes"]), ["car", "person"])
        self.assertEqual(rec[0]["eval"]["tiny"]["classes"]["car"][1], -1)
        self.assertTrue(os.path.exists(os.path.join(out, "best.bin")))
        # average.py --eval scores an average the same way: the average of a model with itself
        # is that model, so its 12 numbers per class are the run's.
        exported = os.path.join(out, rec[0]["bin"])
        soup = os.path.join(self.tmp.name, "soup.bin")
        average.main(["--out", soup, exported, exported, "--eval", "tiny=%s:%s" % (images, gt),
                      "--cocoeval", os.path.join(out, "cocoeval")])
        with open(os.path.join(self.tmp.name, "soup.evals.json")) as f:
            scored = json.load(f)
        self.assertEqual(scored["models"], [exported, exported])
        self.assertEqual(scored["eval"], rec[0]["eval"])


class ResumeNotes(unittest.TestCase):
    """The notes of a resumed run on arguments other than its start's (args.json), without training."""

    def test_every_argument_is_classified(self):
        # Each flag of either script changes what it trains (noted on resume), is the
        # checkpoint's (refused when another), is noted apart, or leaves the training as it is:
        # a new flag must be put in one of them (--label-smoothing, --min-scale and --size were
        # none of them).
        others = {
            train_detector: {"optimizer", "classes", "data", "trunk", "init", "no_zero_init_residual", "time_budget",
                             "out", "eval",
                             "workers", "cache", "no_cache", "threads", "log_every", "ckpt_every", "eval_every",
                             "eval_threads", "select", "cocoeval", "resume", "no_resume", "stop_after", "export_now",
                             "dist_timeout"},
            train_imagenet: {"groups", "width", "shallow", "se", "data", "val", "out", "workers", "threads", "log_every",
                             "ckpt_every", "export_every", "stop_after", "resume", "no_resume", "dist_timeout"}}
        for script, rest in others.items():
            flags = {act.dest for act in script.parser()._actions if act.dest != "help"}
            self.assertEqual(set(script.TRAINING_ARGS) & rest, set(), script.__name__)
            self.assertEqual(flags, set(script.TRAINING_ARGS) | rest, script.__name__)
        for k in ("label_smoothing", "min_scale", "size"):
            self.assertIn(k, train_imagenet.TRAINING_ARGS)

    def test_missing_entry_is_the_default(self):
        # An entry an older args.json lacks counts as the flag's default, with a note naming the
        # file and the flags (--init was compared with a missing entry and printed "None"); a
        # recorded null is "no --lr", not "None".
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "args.json")
            started = vars(train_imagenet.parse_args(["--data", "d", "--out", tmp, "--size", "64"]))
            del started["label_smoothing"], started["min_scale"]
            with open(path, "w") as f:
                json.dump(started, f)
            a = train_imagenet.parse_args(["--data", "d", "--out", tmp, "--size", "64", "--min-scale", "0.5",
                                           "--lr", "0.3"])
            notes = train_detector.changed_schedule(path, a, train_imagenet.TRAINING_ARGS, train_imagenet.parser())
            self.assertEqual(notes, [
                "%s records no --label-smoothing, --min-scale (written by an older version of the script): taken as "
                "the defaults, --label-smoothing 0.1; --min-scale 0.25" % path,
                "--lr 0.3, the run started with no --lr: it goes on under the new value",
                "--min-scale 0.5, the run started with 0.25: it goes on under the new value"])
            started = vars(train_detector.parse_args(["--config", "c.yaml", "--data", "i:j", "--out", tmp,
                                                      "--iters", "9"]))
            del started["init"], started["copy_paste"]
            with open(path, "w") as f:
                json.dump(started, f)
            a = train_detector.parse_args(["--config", "c.yaml", "--data", "i:j", "--out", tmp, "--iters", "9",
                                           "--init", "m.bin", "--copy-paste", "0.5", "--mosaic", "0.5"])
            notes = train_detector.changed_schedule(path, a, train_detector.TRAINING_ARGS, train_detector.parser())
            self.assertEqual(notes, [
                "%s records no --copy-paste, --init (written by an older version of the script): taken as the "
                "defaults, --copy-paste 0.0; no --init" % path,
                "--mosaic 0.5, the run started with 0.0: it goes on under the new value",
                "--copy-paste 0.5, the run started with 0.0: it goes on under the new value",
                "--init m.bin, the run started with no --init: not read, the weights are the checkpoint's"])
            # The same arguments: no note.
            a = train_detector.parse_args(["--config", "c.yaml", "--data", "i:j", "--out", tmp, "--iters", "9"])
            self.assertEqual(train_detector.changed_schedule(path, a, train_detector.TRAINING_ARGS,
                                                             train_detector.parser()), [
                "%s records no --copy-paste (written by an older version of the script): taken as the default, "
                "--copy-paste 0.0" % path])
            # --no-zero-init-residual on resume: only the start initialises, so it is noted as not
            # read (nothing was said); given at the start too, nothing to note.
            a = train_detector.parse_args(["--config", "c.yaml", "--data", "i:j", "--out", tmp, "--iters", "9",
                                           "--no-zero-init-residual"])
            self.assertEqual(train_detector.changed_schedule(path, a, train_detector.TRAINING_ARGS,
                                                             train_detector.parser())[1:], [
                "--no-zero-init-residual, the run started without it: not read, the weights are the checkpoint's"])
            started["no_zero_init_residual"] = True
            with open(path, "w") as f:
                json.dump(started, f)
            self.assertEqual(train_detector.changed_schedule(path, a, train_detector.TRAINING_ARGS,
                                                             train_detector.parser())[1:], [])
            # An older args.json without the --train-sizes it worked out (empty or missing): the
            # sizes the test size gives, as the resumed run records them, not a change to note.
            sizes = ",".join(str(v) for v in train_detector.default_train_sizes(300))
            a = train_detector.parse_args(["--config", "c.yaml", "--data", "i:j", "--out", tmp, "--iters", "9",
                                           "--no-zero-init-residual"])
            a.train_sizes = sizes
            for recorded in ("", None):
                if recorded is None:
                    del started["train_sizes"]
                else:
                    started["train_sizes"] = recorded
                with open(path, "w") as f:
                    json.dump(started, f)
                notes = train_detector.changed_schedule(path, a, train_detector.TRAINING_ARGS,
                                                        train_detector.parser(), {"train_sizes": sizes})
                self.assertEqual(notes, [
                    "%s records no --train-sizes, --copy-paste (written by an older version of the script): taken "
                    "as the defaults, --train-sizes %s; --copy-paste 0.0" % (path, sizes)] if recorded is None else [
                    "%s records no --copy-paste (written by an older version of the script): taken as the "
                    "default, --copy-paste 0.0" % path], recorded)
            # No args.json to compare with: one note naming it (nothing was said).
            os.remove(path)
            self.assertEqual(train_detector.changed_schedule(path, a, train_detector.TRAINING_ARGS,
                                                             train_detector.parser()), [
                "%s: missing or not a JSON object of arguments: the run's starting arguments are unknown, none "
                "compared with these" % path])


class WeightAverageFormula(unittest.TestCase):
    def test_update(self):
        # Each float tensor (weights and BN statistics) moves to d*avg + (1-d)*current with
        # d = min(decay, (1 + n) / (10 + n)) at update n; BN's counter is copied.
        model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
        avg = train_detector.WeightAverage(model, 0.25)
        want = {k: v.double().clone() for k, v in model.state_dict().items()}
        g = torch.Generator().manual_seed(4)
        for n in range(1, 4):
            with torch.no_grad():
                for v in model.state_dict().values():
                    if v.dtype.is_floating_point:
                        v.copy_(torch.randn(v.shape, generator=g))
                    else:
                        v.add_(1)
            avg.update(model)
            d = min(0.25, (1 + n) / (10 + n))  # 2/11 and 0.25, then the decay
            for k, v in model.state_dict().items():
                if v.dtype.is_floating_point:
                    want[k] = d * want[k] + (1 - d) * v.double()
                else:
                    want[k] = v.double().clone()
        self.assertEqual(avg.updates, 3)
        for k, v in avg.model.state_dict().items():
            err = (v.double() - want[k]).abs().max().item()
            self.assertTrue(err <= 1e-6, "%s: off by %r" % (k, err))


class ImageNetTraining(unittest.TestCase):
    def test_worker_error_ends_the_run(self):
        # An image a DataLoader worker cannot decode: the run prints the error and exits (before
        # the fix it printed it and hung for ever: the workers ignore SIGTERM, which Python's
        # multiprocessing sends its daemonic children at exit before waiting for them).
        with tempfile.TemporaryDirectory() as tmp:
            root = two_class_folders(os.path.join(tmp, "train"))
            with open(os.path.join(root, "c0", "broken.jpg"), "w") as f:
                f.write("not a picture")
            p = subprocess.Popen([sys.executable, os.path.join(REPO, "train", "train_imagenet.py"), "--data", root,
                                  "--groups", "3", "--width", "0.5", "--batch", "3", "--threads", "1", "--size", "64",
                                  "--iters", "2", "--workers", "1", "--out", os.path.join(tmp, "out")],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
            try:
                stdout, _ = p.communicate(timeout=240)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                stdout, _ = p.communicate()
                self.fail("the run hung after its worker's error:\n" + stdout)
            self.assertNotEqual(p.returncode, 0, stdout)
            # named in one line with the way on, as train_detector.py names one (it was the
            # DataLoader's RuntimeError traceback, the worker's inside it)
            self.assertIn("broken.jpg: cannot decode image: ", stdout)
            self.assertIn("replace the file, or move it out of its class folder, and run the same command again", stdout)
            self.assertNotIn("Traceback", stdout)

    def test_damaged_val_image_stops_the_export(self):
        # A --val image that cannot be decoded: at an export the run stops naming it, with the
        # checkpoint of that iteration written (--ckpt-every did not fall on it) and no .bin
        # under the export's name (it was the DataLoader's traceback, the .bin written before
        # its evaluation and no checkpoint: a rerun went on without ever logging it). Once the
        # file is moved, the same command exports and evaluates that iteration, then goes on.
        with tempfile.TemporaryDirectory() as tmp:
            root = two_class_folders(os.path.join(tmp, "train"))
            val = two_class_folders(os.path.join(tmp, "val"))
            broken = os.path.join(val, "c1", "broken.jpg")
            with open(broken, "w") as f:
                f.write("not a picture")
            out = os.path.join(tmp, "out")
            argv = ["--data", root, "--val", val, "--groups", "3", "--width", "0.5", "--batch", "2", "--threads", "1",
                    "--size", "64", "--iters", "2", "--export-every", "1", "--ckpt-every", "5", "--workers", "1",
                    "--out", out]
            with contextlib.redirect_stdout(io.StringIO()), self.assertRaises(SystemExit) as e:
                train_imagenet.main(argv)
            msg = str(e.exception)
            self.assertIn(broken + ": cannot decode image: ", msg)
            self.assertIn("(a --val image, evaluating iteration 1); the checkpoint at iteration 1 is written: replace "
                          "the file, or move it out of its class folder, and run the same command again", msg)
            self.assertNotIn("\n", msg)
            self.assertEqual(torch.load(os.path.join(out, "last.pt"))["iteration"], 1)
            self.assertEqual(sorted(f for f in os.listdir(out) if ".bin" in f), [])
            os.remove(broken)
            with contextlib.redirect_stdout(io.StringIO()):
                self.assertEqual(train_imagenet.main(argv), 0)
            with open(os.path.join(out, "log.jsonl")) as f:
                evals = [r["iter"] for r in map(json.loads, f) if "top1" in r]
            self.assertEqual(evals, [1, 2])
            self.assertTrue(os.path.exists(os.path.join(out, "iter000001.bin")))

    def test_failed_evaluation_leaves_no_tmp(self):
        # The export's .bin is written as .tmp and kept until its evaluation: an evaluation that
        # fails otherwise than on a --val image (out of memory, say) must not leave it behind.
        with tempfile.TemporaryDirectory() as tmp:
            root = two_class_folders(os.path.join(tmp, "train"))
            val = two_class_folders(os.path.join(tmp, "val"))
            out = os.path.join(tmp, "out")
            argv = ["--data", root, "--val", val, "--groups", "3", "--width", "0.5", "--batch", "2", "--threads", "1",
                    "--size", "64", "--iters", "1", "--out", out]
            with unittest.mock.patch.object(train_imagenet, "evaluate", side_effect=RuntimeError("out of memory")), \
                    contextlib.redirect_stdout(io.StringIO()), self.assertRaisesRegex(RuntimeError, "out of memory"):
                train_imagenet.main(argv)
            self.assertEqual(sorted(f for f in os.listdir(out) if ".bin" in f), [])

    def test_val_labels_follow_the_training_classes(self):
        # A validation folder without one of the training classes keeps the training set's
        # labels (it labelled dog 0, cat's label, and reported top-1 1.0); a folder of a class
        # the training set lacks, and a folder that is not there, are refused.
        with tempfile.TemporaryDirectory() as tmp:
            for split, names in (("train", ("cat", "dog")), ("val", ("dog",)), ("odd", ("dog", "emu"))):
                for c in names:
                    os.makedirs(os.path.join(tmp, split, c))
                    open(os.path.join(tmp, split, c, "a.jpg"), "w").close()
            classes, _ = train_imagenet.list_images(os.path.join(tmp, "train"))
            self.assertEqual(classes, ["cat", "dog"])
            _, val = train_imagenet.list_images(os.path.join(tmp, "val"), classes)
            self.assertEqual([k for _, k in val], [1])
            os.makedirs(os.path.join(tmp, "empty", "dog"))
            open(os.path.join(tmp, "empty", "dog", "a.gif"), "w").close()
            for root, want in (("odd", "class folders emu are not among the training set's 2 classes"),
                               ("absent", "no such folder"),
                               ("empty", "no images in its 1 class folders (.jpg, .jpeg, .png, in any case)")):
                with self.assertRaises(SystemExit) as e:
                    train_imagenet.list_images(os.path.join(tmp, root), classes)
                self.assertIn(want, str(e.exception))

    def test_data_and_val_folder_errors_name_the_flag(self):
        # A --data or --val folder that is not there, or has no class folders, is named with its
        # flag (it was "PATH: no such folder", which of the two not said), before --out is made.
        with tempfile.TemporaryDirectory() as tmp:
            root = two_class_folders(os.path.join(tmp, "train"))
            flat = os.path.join(tmp, "flat")
            os.makedirs(flat)
            open(os.path.join(flat, "a.jpg"), "w").close()
            absent = os.path.join(tmp, "absent")
            common = ["--groups", "3", "--width", "0.5", "--batch", "2", "--threads", "1", "--size", "64",
                      "--iters", "1", "--out", os.path.join(tmp, "out")]
            for args, want in (
                    (["--data", absent], "--data %s: no such folder" % absent),
                    (["--data", flat], "--data %s: no class folders" % flat),
                    (["--data", root, "--val", absent], "--val %s: no such folder" % absent),
                    (["--data", root, "--val", flat], "--val %s: no class folders" % flat)):
                with contextlib.redirect_stdout(io.StringIO()), self.assertRaises(SystemExit) as e:
                    train_imagenet.main(common + args + ["--no-resume"])
                self.assertIn(want, str(e.exception))
                # and leaves no empty run folder behind (it made --out first)
                self.assertFalse(os.path.exists(os.path.join(tmp, "out")), args)

    def test_resume_of_another_run_is_named(self):
        # OUT/last.pt of a run of another width: an error naming it, the run's args.json and the
        # ways out, not load_state_dict's traceback of every size mismatch.
        with tempfile.TemporaryDirectory() as tmp:
            root = two_class_folders(os.path.join(tmp, "train"))
            common = ["--data", root, "--groups", "3", "--batch", "2", "--threads", "1", "--size", "64",
                      "--iters", "1", "--out", os.path.join(tmp, "out")]
            train_imagenet.main(common + ["--width", "0.5"])
            with self.assertRaises(SystemExit) as e:
                train_imagenet.main(common + ["--width", "1.0", "--iters", "2"])
            msg = str(e.exception)
            self.assertIn(os.path.join(tmp, "out", "last.pt") + ": the checkpoint of another run", msg)
            self.assertIn(os.path.join(tmp, "out", "args.json"), msg)
            self.assertIn("size mismatch for first_conv", msg)
            self.assertNotIn("\n", msg)

    def test_resume_past_iters_and_changed_schedule(self):
        # A checkpoint past --iters stops the run, naming it (it said only "resumed at iteration 3"
        # and exited 0, training nothing); a resume with other schedule arguments or --data goes on
        # and notes them, as train_detector.py does.
        with tempfile.TemporaryDirectory() as tmp:
            root = two_class_folders(os.path.join(tmp, "train"))
            moved = os.path.join(tmp, "moved")
            os.symlink(root, moved)
            out = os.path.join(tmp, "out")
            common = ["--groups", "3", "--width", "0.5", "--batch", "2", "--threads", "1", "--size", "64",
                      "--out", out]
            self.assertFalse(train_imagenet.main(common + ["--data", root, "--iters", "3"]))
            with self.assertRaises(SystemExit) as e:
                train_imagenet.main(common + ["--data", root, "--iters", "2"])
            self.assertIn("%s: the checkpoint is at iteration 3, past --iters 2: nothing to train; give --iters "
                          "above 3" % os.path.join(out, "last.pt"), str(e.exception))
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                self.assertFalse(train_imagenet.main(common + ["--data", moved, "--iters", "4", "--wd", "1e-4"]))
            self.assertIn("note: --iters 4, the run started with 3: it goes on under the new value", buf.getvalue())
            self.assertIn("note: --wd 0.0001, the run started with 4e-05", buf.getvalue())
            self.assertIn("note: --data %s, the run started with %s: it goes on over the new data" % (moved, root),
                          buf.getvalue())
            self.assertEqual(torch.load(os.path.join(out, "last.pt"))["iteration"], 4)
            # The loss and the augmentation are the training's too (a resume with another
            # --label-smoothing, --min-scale or --size went on without a word in the log).
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                self.assertFalse(train_imagenet.main(common + ["--data", root, "--iters", "5", "--label-smoothing", "0.2",
                                                               "--min-scale", "0.5", "--size", "96"]))
            notes = [line for line in buf.getvalue().splitlines() if line.startswith("note: ")]
            self.assertEqual(notes, ["note: --iters 5, the run started with 3: it goes on under the new value",
                                     "note: --label-smoothing 0.2, the run started with 0.1: it goes on under the new value",
                                     "note: --size 96, the run started with 64: it goes on under the new value",
                                     "note: --min-scale 0.5, the run started with 0.25: it goes on under the new value"])

    def test_trains_resumes_exports(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = os.path.join(tmp, "imagenet", "train")
            imgs = sorted(os.listdir(os.path.join(DATA, "images")))[:8]
            for k, name in enumerate(imgs):
                cls_dir = os.path.join(root, "n%08d" % (k % 2))
                os.makedirs(cls_dir, exist_ok=True)
                os.symlink(os.path.join(DATA, "images", name), os.path.join(cls_dir, name))
            common = ["--data", root, "--groups", "3", "--width", "0.5", "--batch", "4", "--threads", "2",
                      "--size", "64", "--iters", "4", "--log-every", "1", "--seed", "1"]
            straight = os.path.join(tmp, "a")
            train_imagenet.main(common + ["--out", straight])
            cut = os.path.join(tmp, "b")
            train_imagenet.main(common + ["--out", cut, "--stop-after", "2"])
            train_imagenet.main(common + ["--out", cut])
            a = torch.load(os.path.join(straight, "last.pt"))["model"]
            b = torch.load(os.path.join(cut, "last.pt"))["model"]
            for k, v in a.items():
                self.assertTrue(torch.equal(v, b[k]), k)
            final = os.path.join(straight, "final.bin")
            classifier = load_bin(final)
            # Killed after the last checkpoint, before final.bin was written: the same command
            # writes it (before the fix it resumed at the last iteration and exited without it).
            with open(final, "rb") as f:
                written = f.read()
            os.remove(final)
            self.assertFalse(train_imagenet.main(common + ["--out", straight]))
            with open(final, "rb") as f:
                self.assertEqual(f.read(), written)
            self.assertEqual(classifier.classifier[0].out_features, 2)
            # The detector recipe starts from it (--trunk): with lr 0 its convolutions stay those of final.bin.
            out = os.path.join(tmp, "det")
            data = tiny_coco(os.path.join(tmp, "det.json"), 1)
            train_detector.main(["--config", PRESET, "--classes", "person", "--data", data, "--batch", "1",
                                 "--train-sizes", "224", "--iters", "1", "--lr", "0", "--trunk", final,
                                 "--eval-every", "0", "--out", out])
            det = build_detector(read_bin(os.path.join(out, "iter000001.bin"))[1])
            det.load_state_dict(torch.load(os.path.join(out, "last.pt"))["model"])
            det_state = detector_state(det)
            for k, v in classifier.state_dict().items():
                if v.ndim == 4:  # convolution weights
                    self.assertTrue(torch.equal(det_state[k], v), k)
            # A megvii-style checkpoint (.pth.tar, `module.` keys) of the same weights is converted
            # to our input convention on loading (shufflenet.megvii_to_ours); other tensors as they are.
            megvii = os.path.join(tmp, "megvii.pth.tar")
            torch.save({"state_dict": {"module." + k: v for k, v in classifier.state_dict().items()}}, megvii)
            out = os.path.join(tmp, "det-megvii")
            train_detector.main(["--config", PRESET, "--classes", "person", "--data", data, "--batch", "1",
                                 "--train-sizes", "224", "--iters", "1", "--lr", "0", "--trunk", megvii,
                                 "--eval-every", "0", "--out", out])
            det_state = detector_state(load_bin(os.path.join(out, "iter000001.bin")))
            want = megvii_to_ours(classifier.state_dict())
            for k in ("first_conv.0.weight", "features.0.branch_main_1.0.weight", "features.7.branch_main_2.0.weight"):
                self.assertTrue(torch.equal(det_state[k], want[k]), k)
            self.assertFalse(torch.equal(want["first_conv.0.weight"], classifier.state_dict()["first_conv.0.weight"]))


if __name__ == "__main__":
    unittest.main()
