"""make bench: shuffledet beside ONNX Runtime, OpenCV DNN and PyTorch / torchvision on the same
weights, in one run, as one table of medians and ratios.

  /usr/bin/python3 bench/peers.py --out out/bench --detect bin/detect [--detect-nocgo bin/detect-nocgo] --peak out/bench/peak --xcore out/bench/xcore [--quick]

The weights come from the PyTorch reference (train/): seeded random ShuffleNet g3 classifiers
(0.5x / 1x / 2x, BatchNorm statistics randomized: OpenCV DNN 4.6 cannot load BN layers whose
default statistics ONNX export merges into Identity nodes) and detectors from the presets. Each is
written once as a .bin (ours, torchvision) and, for the classifiers and the 1x trunk, exported to
ONNX (ONNX Runtime, OpenCV DNN). Every engine runs the same case back to back, so load from other
processes on the machine hits them alike; read the table as ratios.

Timing: warm-up runs, then timed runs; the median (and nearest-rank p90) of wall-clock time per
run, one input at a time. Ours: `detect bench -json`; ONNX Runtime: bench/ort.js (onnxruntime-node,
CPU; its wall time includes the Node binding's promise and its copy of the output into a new
buffer, which ours does not pay: a few percent on the smallest cases); OpenCV DNN: cv2.dnn
(default backend, CPU); PyTorch: eval mode under inference_mode, each BatchNorm folded into its
convolution (fold_bn: as ours folds them at load and the ONNX export does for the other two), its
BLAS capped at the row's threads; torchvision: FasterRCNN, folded alike, on the synthetic frame
that `detect bench` uses (internal/bench.Frame), from the BGR bytes to the final detections, as
ours. ncnn's benchncnn (its built-in 1x g3 `shufflenet`, weights of its own) is run where it has
been built, once, outside the rounds: set BENCHNCNN to the binary (its benchmark/ folder with
shufflenet.param beside it, or NCNN_PARAMS to that folder); it reports an average, not a median.
The machine's peak FMA throughput comes from bench/peak.c, run at the start and at the end (the
better of the two: a busy minute measures less).

The engines that run in this process (PyTorch, torchvision, OpenCV DNN) use the allocator it was
started with: bench/peers.sh preloads tcmalloc (LD_PRELOAD) where it is installed, as PyTorch's CPU
tuning guide advises, and the table says which. Every other engine runs as a child process
without LD_PRELOAD (child_env).

A peer that cannot run here (no node, onnxruntime-node not installed in bench/node_modules, no cv2)
or that fails on a case is left out with a line saying why, on standard error and under the table
("Not measured"); every other engine is still measured.

An engine in this process stops a call once its runs have taken MAX_CALL_S (in_process): a cell
left with fewer runs than asked is named under the table with its count (results.json: runs and
runs_asked). peak_rss_mb is ours only (detect bench's VmHWM): the peers' memory is not measured.

Writes OUT/results.json (every measurement) and OUT/table.md (printed too).
"""
import argparse
import ctypes
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "train"))

try:
    # PyTorch writes every model of the run (train/export.py), so without it nothing can be timed.
    import numpy as np
    import torch
    from detector import load_bin, read_bin, set_resolution
    import export
except ImportError as e:
    raise SystemExit("make bench: %s: the models are exported with the PyTorch reference, which needs "
                     "python3-torch, python3-torchvision and python3-numpy (scripts/setup installs them)" % e)

ORT_PACKAGE = os.path.join("bench", "node_modules", "onnxruntime-node", "package.json")
ENGINE_NAMES = {"onnxruntime": "ONNX Runtime", "opencv-dnn": "OpenCV DNN", "pytorch": "PyTorch"}


def missing_peers(root=ROOT):
    """{engine: why it cannot run here} for the peers that need more than PyTorch: ONNX Runtime
    (node, and onnxruntime-node in bench/node_modules) and OpenCV DNN (cv2)."""
    why = {}
    if not shutil.which("node"):
        why["onnxruntime"] = "node not found (scripts/setup installs nodejs and npm)"
    elif not os.path.isfile(os.path.join(root, ORT_PACKAGE)):
        why["onnxruntime"] = ("onnxruntime-node is not in bench/node_modules (bench/peers.sh installs it with "
                              "npm ci, which needs the network: run make bench again where it is reachable)")
    try:
        import cv2  # noqa: F401
    except ImportError as e:
        why["opencv-dnn"] = "%s (scripts/setup installs python3-opencv)" % e
    return why

WIDTHS = ["0.5", "1.0", "2.0"]
TABLE8 = [(224, 224), (480, 640), (720, 1280)]  # paper Table 8 input sizes, H x W
TRUNK = (608, 1024)  # the detector's real input at 600: 600x800..1000 padded to /32
FRAME = (480, 640)  # detector frame H x W
MAX_CALL_S = 4.0  # time box of one call of an in-process engine (after its first run)
NCNN_TIMEOUT_S = 300  # time box of one call of benchncnn (its 20 runs of the 1x classifier took 3.1-4.8 ms each in runs 9-11)


def child_env(**extra):
    """The environment of an engine run as a child: this process's, less LD_PRELOAD (the allocator
    preloaded for the in-process engines), plus extra."""
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    env.update(extra)
    return env


def allocator():
    """The malloc the in-process engines run on: the library preloaded, or glibc's."""
    pre = os.environ.get("LD_PRELOAD", "").strip()
    return os.path.basename(pre) if pre else "glibc malloc"


def summarize(ms):
    ms = sorted(ms)
    k = len(ms)
    return {"runs": k, "median_ms": statistics.median(ms), "p90_ms": ms[max(math.ceil(0.9 * k), 1) - 1],
            "min_ms": ms[0]}


class Bench:
    def __init__(self, a):
        self.a = a
        self.out = a.out
        self.results = []
        self.node = shutil.which("node")
        # the peers left out, and why: those that cannot run here, then any that fails on a case
        self.skipped = missing_peers()
        for engine, why in sorted(self.skipped.items()):
            self.log("%s: not measured: %s" % (ENGINE_NAMES.get(engine, engine), why))
        # what PyTorch's OpenBLAS runs (bench/peers.sh unsets it: OpenBLAS picks for this CPU)
        self.openblas_coretype = os.environ.get("OPENBLAS_CORETYPE", "unset")
        # the instruction set of PyTorch's own CPU kernels, as torch reports it
        m = re.search(r"CPU capability usage: (\S+)", torch.__config__.show())
        self.torch_isa = m.group(1) if m else "unknown"

    def log(self, msg):
        print(msg, file=sys.stderr, flush=True)

    def can(self, engine):
        """Whether a peer is measured: it can run here and has not failed on an earlier case."""
        return engine not in self.skipped

    def record(self, r, **key):
        r = dict(r)
        r.update(key)
        self.results.append(r)
        self.log("  %-11s %-34s %2st %9.2f ms" % (r["engine"], r["case"], r["threads"], r["median_ms"]))
        return r

    def find(self, engine, case, threads):
        for r in self.results:
            if r["engine"] == engine and r["case"] == case and r["threads"] == threads:
                return r
        return None

    # ---- models ----

    def path(self, name):
        return os.path.join(self.out, name)

    @staticmethod
    def cached(path):
        """Whether a .bin from an earlier run is there and loads (one written before model files
        had a checksum does not: it is exported again, the same seeded weights)."""
        if not os.path.exists(path):
            return False
        try:
            read_bin(path)
            return True
        except ValueError:
            return False

    def export_models(self):
        torch.manual_seed(0)
        widths = ["0.5"] if self.a.quick else WIDTHS
        for w in widths:
            cls = self.path("cls-%s.bin" % w)
            if not self.cached(cls):
                export.main(["--out", cls, "--random", "--seed", "0", "--groups", "3", "--width", w])
            sizes = [(224, 224)] if self.a.quick else TABLE8
            model = None
            for h, wd in sizes:
                onnx = self.path("cls-%s-%dx%d.onnx" % (w, h, wd))
                if not os.path.exists(onnx):
                    if model is None:
                        model = load_bin(cls)
                    self.onnx(model, onnx, h, wd)
            det = self.path("det-%s.bin" % w)
            if not self.cached(det):
                preset = os.path.join(ROOT, "configs", "presets", "shufflenet-g3-%sx-600.yaml" % w)
                export.main(["--out", det, "--random", "--seed", "0", "--config", preset])
        trunk = self.path("trunk-1.0-%dx%d.onnx" % TRUNK)
        if not self.a.quick and not os.path.exists(trunk):
            self.onnx(Stage3(load_bin(self.path("cls-1.0.bin"))), trunk, *TRUNK)

    def onnx(self, model, path, h, w):
        x = torch.randn(1, 3, h, w)
        with torch.no_grad():
            torch.onnx.export(model.eval(), x, path + ".tmp", input_names=["input"], output_names=["output"],
                              opset_version=13, do_constant_folding=True)
        os.replace(path + ".tmp", path)
        self.log("wrote %s" % path)

    # ---- engines: each returns a runner, (runs, warmup) -> (times in ms, facts) ----

    def ours(self, model, size, stage=None, res=None, threads=1, exe=None, isa=None):
        """Our detect bench; isa caps the instruction sets (SHUFFLEDET_ISA)."""
        env = child_env(SHUFFLEDET_ISA=isa) if isa else child_env()

        def go(runs, warmup):
            cmd = [exe or self.a.detect, "bench", "-model", model, "-size", size, "-n", str(runs), "-warmup", str(warmup),
                   "-threads", str(threads), "-json"]
            if stage:
                cmd += ["-stage", str(stage)]
            if res:
                cmd += ["-res", str(res)]
            r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout)
            return r["times_ms"], {k: r[k] for k in ("macs", "gflops", "isa", "peak_rss_mb", "file_rss_mb")} | {"detail": r["case"]}
        return go

    def ort(self, onnx, h, w, threads):
        def go(runs, warmup):
            cmd = [self.node, os.path.join(ROOT, "bench", "ort.js"), onnx, "1,3,%d,%d" % (h, w), str(threads), str(runs),
                   str(warmup)]
            r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True, env=child_env()).stdout)
            return r["times_ms"], {"engine_version": r["engine"]}
        return go

    def opencv(self, onnx, h, w, threads):
        """OpenCV DNN's runner; the model is read on its first call, inside compare's guard, so a
        model OpenCV 4.6 cannot read leaves this peer out instead of ending the run."""
        net, blob = [], np.random.default_rng(1).standard_normal((1, 3, h, w)).astype(np.float32)

        def setup():
            import cv2
            if not net:
                net.append(cv2.dnn.readNetFromONNX(onnx))
                net[0].setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
                net[0].setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
            cv2.setNumThreads(threads)

        def run():
            net[0].setInput(blob)
            net[0].forward()
        return self.in_process(run, setup, lambda: "OpenCV " + __import__("cv2").__version__)

    def pytorch(self, model, x, threads):
        def run():
            with torch.inference_mode():
                model(x)

        def setup():
            torch.set_num_threads(threads)
            blas_threads(threads)
        return self.in_process(run, setup, "torch " + torch.__version__)

    def torchvision(self, model, res, frame, threads):
        def run():
            img = torch.from_numpy(np.ascontiguousarray(frame[:, :, ::-1])).permute(2, 0, 1).float().div_(255)
            with torch.inference_mode():
                model([img])

        def setup():
            torch.set_num_threads(threads)
            blas_threads(threads)
            set_resolution(model, res)
        return self.in_process(run, setup, "torchvision FasterRCNN, torch " + torch.__version__)

    @staticmethod
    def in_process(fn, setup, version):
        """A runner for an engine in this process: warm-up on its first call only. A call stops
        early (after one timed run) once its runs have taken MAX_CALL_S: on a loaded machine a
        multi-threaded engine can take seconds per run (spinning threads waiting for a core).
        version is the engine's version, or a function that gives it once setup has run."""
        warm = [False]

        def go(runs, warmup):
            setup()
            t = time.perf_counter()
            for _ in range(0 if warm[0] else warmup):
                fn()
                if time.perf_counter() - t > MAX_CALL_S:
                    break
            warm[0] = True
            ms = []
            start = time.perf_counter()
            for _ in range(runs):
                t0 = time.perf_counter()
                fn()
                t1 = time.perf_counter()
                ms.append((t1 - t0) * 1e3)
                if t1 - start > MAX_CALL_S:
                    break
            return ms, {"engine_version": version() if callable(version) else version}
        return go

    def compare(self, case, entries, rounds, runs, warmup):
        """Time every (engine, threads, runner[, runs]) of entries in turn, rounds times over, and
        pool each one's runs: load from other processes then falls on all of them alike."""
        entries = [e for e in entries if self.can(e[0])]
        times = [[] for _ in entries]
        facts = [{} for _ in entries]
        for _ in range(rounds):
            for i, (engine, threads, go, *n) in enumerate(entries):
                if not self.can(engine):  # (failed on an earlier entry)
                    continue
                try:
                    ms, f = go(n[0] if n else runs, warmup)
                except Exception as e:  # a peer that fails is left out; ours failing fails the run
                    if engine.startswith("shuffledet"):
                        raise
                    detail = getattr(e, "stderr", None) or str(e)
                    why = "failed on %s, %d thread%s: %s" % (case, threads, "s" if threads > 1 else "",
                                                             detail.strip().splitlines()[-1][:300] if detail.strip() else repr(e))
                    self.log("%s: %s; left out of the rest of the run" % (ENGINE_NAMES.get(engine, engine), why))
                    self.skipped.setdefault(engine, why)
                    continue
                times[i] += ms
                if "peak_rss_mb" in f or "peak_rss_mb" in facts[i]:  # (ours: the peers' memory is not measured)
                    f["peak_rss_mb"] = max(f.get("peak_rss_mb", 0), facts[i].get("peak_rss_mb", 0))
                facts[i].update(f)
        for (engine, threads, _, *n), ms, f in zip(entries, times, facts):
            if not ms:  # a peer that failed
                continue
            r = summarize(ms)
            r.update(f)
            r["runs_asked"] = rounds * (n[0] if n else runs)  # more than runs where in_process cut a call short
            if "gflops" in r:
                r["gflop_per_s"] = r["gflops"] / (r["median_ms"] / 1e3)
            self.record(r, engine=engine, case=case, threads=threads)

    def ncnn(self):
        """benchncnn's built-in 1x g3 shufflenet at 224, 1 and 2 threads, where it is built."""
        exe = os.environ.get("BENCHNCNN") or shutil.which("benchncnn")
        if not exe:
            self.skipped["ncnn"] = "benchncnn not built here (set BENCHNCNN=/path/to/benchncnn to include it)"
            self.log("ncnn: " + self.skipped["ncnn"])
            return
        # the build's benchmark/benchncnn beside the source's benchmark/ (models/ in ncnn since 2024)
        src = os.path.join(os.path.dirname(os.path.abspath(exe)), "..", "..", "benchmark")
        params = os.environ.get("NCNN_PARAMS") or next(
            (d for d in (os.path.join(src, "models"), src) if os.path.exists(os.path.join(d, "shufflenet.param"))), src)
        if not os.path.exists(os.path.join(params, "shufflenet.param")):
            self.skipped["ncnn"] = "no shufflenet.param in %s (set NCNN_PARAMS to ncnn's benchmark/ folder)" % params
            self.log("ncnn: " + self.skipped["ncnn"])
            return
        def run(cmd):
            """benchncnn's output, stdout and stderr; raises OSError where it cannot be started and
            TimeoutExpired where it hangs (its 20 runs of a 1x classifier take a second)."""
            out = subprocess.run(cmd, cwd=params, capture_output=True, text=True, env=child_env(),
                                 timeout=NCNN_TIMEOUT_S)
            return out.stdout + out.stderr
        for threads in (1, 2):
            # loop count, threads, powersave 0 (all cores), gpu -1 (none), cooling down 0
            cmd = [exe, "20", str(threads), "0", "-1", "0", "param=shufflenet.param", "shape=[224,224,3]"]
            try:
                text = run(cmd)
                m = re.search(r"shufflenet(?:\.param)?\s+min =\s*([\d.]+)\s+max =\s*([\d.]+)\s+avg =\s*([\d.]+)", text)
                if not m:
                    # benchncnn before 2023 takes no param= argument: run its whole list.
                    text = run(cmd[:5])
                    m = re.search(r"^\s*shufflenet\s+min =\s*([\d.]+)\s+max =\s*([\d.]+)\s+avg =\s*([\d.]+)", text, re.M)
            except (OSError, subprocess.TimeoutExpired) as e:
                self.skipped["ncnn"] = "benchncnn %s could not run (%d thread%s): %s" % (
                    exe, threads, "s" if threads > 1 else "", e)
                self.log("ncnn: " + self.skipped["ncnn"])
                return
            if not m:
                last = text.strip().splitlines()[-1][:300] if text.strip() else "nothing"
                self.skipped["ncnn"] = "benchncnn %s printed no shufflenet line (%d thread%s; its last line: %s)" % (
                    exe, threads, "s" if threads > 1 else "", last)
                self.log("ncnn: %s; its output:\n%s" % (self.skipped["ncnn"], text[-2000:]))
                return
            mn, mx, avg = map(float, m.groups())
            self.record({"runs": 20, "median_ms": avg, "max_ms": mx, "min_ms": mn, "average_not_median": True},
                        engine="ncnn", case="classifier 1.0x 224", threads=threads)

    # ---- the cases ----

    def run(self):
        os.makedirs(self.out, exist_ok=True)
        self.load = [loadavg()]
        # bench/peak.c at the start and again at the end: one run in a busy minute measured a third
        # of the machine's peak, and the table then put ours at 140% "of peak".
        self.peaks = [self.measure_peak()]
        self.peak = self.peaks[0]
        self.xcore = json.loads(subprocess.run([self.a.xcore], check=True, capture_output=True, text=True,
                                               env=child_env()).stdout)
        self.log("reads of 1 MiB written by the same / the other core: %s" % self.xcore)
        self.export_models()
        q = self.a.quick
        widths = ["0.5"] if q else WIDTHS
        rounds = 1 if q else 3
        self.log("classifiers at 224x224")
        for w in widths:
            cls, onnx = self.path("cls-%s.bin" % w), self.path("cls-%s-224x224.onnx" % w)
            model, x = fold_bn(load_bin(cls)), torch.randn(1, 3, 224, 224)
            entries = []
            if self.peak["isa"].startswith("avx512"):  # what a machine without AVX-512 runs
                entries.append(("shuffledet-avx2", 1, self.ours(cls, "224x224", isa="avx2")))
            for t in (1, 2):
                entries.append(("shuffledet", t, self.ours(cls, "224x224", threads=t)))
                entries.append(("onnxruntime", t, self.ort(onnx, 224, 224, t)))
                entries.append(("opencv-dnn", t, self.opencv(onnx, 224, 224, t)))
                entries.append(("pytorch", t, self.pytorch(model, x, t)))
            self.compare("classifier %sx 224" % w, entries, rounds, 10, 3)
        self.ncnn()
        if not q:
            self.log("trunk to stage 3 at %dx%d" % TRUNK)
            onnx = self.path("trunk-1.0-%dx%d.onnx" % TRUNK)
            self.compare("trunk 1.0x stage 3 %dx%d" % TRUNK, [
                ("shuffledet", 1, self.ours(self.path("cls-1.0.bin"), "%dx%d" % TRUNK, stage=3)),
                ("shuffledet", 2, self.ours(self.path("cls-1.0.bin"), "%dx%d" % TRUNK, stage=3, threads=2)),
                ("onnxruntime", 1, self.ort(onnx, TRUNK[0], TRUNK[1], 1)),
                ("onnxruntime", 2, self.ort(onnx, TRUNK[0], TRUNK[1], 2))], 2, 5, 2)
            self.log("paper Table 8 shapes")
            for w in widths:
                for h, wd in TABLE8[1:]:
                    self.compare("classifier %sx %dx%d" % (w, h, wd), [
                        ("shuffledet", 1, self.ours(self.path("cls-%s.bin" % w), "%dx%d" % (h, wd))),
                        ("onnxruntime", 1, self.ort(self.path("cls-%s-%dx%d.onnx" % (w, h, wd)), h, wd, 1))], 2, 3, 3)
        self.log("detectors on a %dx%d frame" % (FRAME[1], FRAME[0]))
        frame = self.frame()
        for w in widths:
            det = self.path("det-%s.bin" % w)
            model = fold_bn(load_bin(det))
            for res in (300, 600):
                # torchvision takes 2-4x as long as ours: fewer runs of it per round (but two at
                # 2x: three samples alone moved its median by a third from run to run).
                n = {"0.5": 3, "1.0": 2, "2.0": 2}[w]
                entries = [("shuffledet", 1, self.ours(det, "%dx%d" % (FRAME[1], FRAME[0]), res=res), 2 * n),
                           ("torchvision", 1, self.torchvision(model, res, frame, 1))]
                if self.a.detect_nocgo:  # the same engine without OpenCV: its memory
                    entries.append(("shuffledet-nocgo", 1, self.ours(det, "%dx%d" % (FRAME[1], FRAME[0]), res=res,
                                                                    exe=self.a.detect_nocgo), n))
                if (w, res) == ("1.0", 600):
                    entries += [("shuffledet", 2, self.ours(det, "%dx%d" % (FRAME[1], FRAME[0]), res=res, threads=2), 2 * n),
                                ("torchvision", 2, self.torchvision(model, res, frame, 2))]
                # Three rounds after two warm-up runs: torchvision's first runs at a resolution are
                # slow (its allocator), and two rounds of 1-3 runs left its cells noisy.
                self.compare("detector %sx %d" % (w, res), entries, 1 if q else 3, n, 2)
        self.finish()

    def finish(self):
        """After the measuring: bench/peak.c once more, then results.json and the table (a peak run
        that fails keeps the start's; every result is written all the same)."""
        self.load.append(loadavg())
        try:
            self.peaks.append(self.measure_peak())
        except (OSError, subprocess.CalledProcessError, ValueError) as e:  # (the results above are kept)
            self.skipped["peak at the end"] = "bench/peak.c failed (%s): the peak is its run at the start" % e
            self.log("bench/peak.c at the end: %s" % self.skipped["peak at the end"])
        self.peak = best_peak(self.peaks)
        with open(self.path("results.json"), "w") as f:
            json.dump({"peak": self.peak, "peak_runs": self.peaks, "xcore": self.xcore, "load_average": self.load,
                       "allocator": allocator(),
                       "openblas_coretype": self.openblas_coretype, "torch_cpu_capability": self.torch_isa,
                       "not_measured": self.skipped, "results": self.results}, f, indent=1)
        table = Report(self).markdown()
        with open(self.path("table.md"), "w") as f:
            f.write(table)
        print(table)

    def measure_peak(self):
        """One run of bench/peak.c: {"isa", "gflops_1t", "gflops_2t"}."""
        peak = json.loads(subprocess.run([self.a.peak], check=True, capture_output=True, text=True,
                                         env=child_env()).stdout)
        self.log("peak FMA throughput: %s" % peak)
        return peak

    def frame(self):
        """internal/bench.Frame: byte c of pixel (x, y) is (x*x + 3*y*y + x*y + 85*c) mod 256 (BGR)."""
        h, w = FRAME
        y, x = np.mgrid[0:h, 0:w].astype(np.int64)
        return np.stack([(x * x + 3 * y * y + x * y + 85 * c) % 256 for c in range(3)], axis=-1).astype(np.uint8)


def best_peak(peaks):
    """The best of bench/peak.c's runs, each thread count's own: a run that shared the cores with
    other jobs measured less than the machine does."""
    return {"isa": peaks[0]["isa"], "gflops_1t": max(p["gflops_1t"] for p in peaks),
            "gflops_2t": max(p["gflops_2t"] for p in peaks)}


def fold_bn(model):
    """model with every BatchNorm that follows a convolution in a Sequential folded into it (the
    convolution's weights and a bias; the BatchNorm replaced by an identity), as our engine folds
    them at load and the ONNX export for ONNX Runtime and OpenCV DNN does: PyTorch and torchvision
    then run the same layers, not an extra pass over every convolution's output. Eval mode."""
    model.eval()
    for seq in [m for m in model.modules() if isinstance(m, torch.nn.Sequential)]:
        for i in range(len(seq) - 1):
            conv, bn = seq[i], seq[i + 1]
            if isinstance(conv, torch.nn.Conv2d) and isinstance(bn, torch.nn.BatchNorm2d):
                seq[i] = torch.nn.utils.fusion.fuse_conv_bn_eval(conv, bn)
                seq[i + 1] = torch.nn.Identity()
    return model


def blas_threads(n):
    """Caps the BLAS that Debian's torch calls for nn.Linear (OpenBLAS through libblas.so.3, which
    torch.set_num_threads does not reach) at n threads."""
    for name in ("libopenblas.so.0", "libblas.so.3"):
        try:
            ctypes.CDLL(name).openblas_set_num_threads(ctypes.c_int(n))
            return
        except (OSError, AttributeError):
            continue
    print("peers: no OpenBLAS to cap at %d threads: PyTorch's linear layers are not capped" % n, file=sys.stderr)


class Stage3(torch.nn.Module):
    """A ShuffleNetV1 up to the end of stage 3 (the detector's trunk)."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        n = self.net
        x = n.maxpool(n.first_conv(x))
        for i in range(n.stage_ranges[1][1]):
            x = n.features[i](x)
        return x


# Goals of the speed issue (this 2-core machine, 1 thread unless said), checked in the table.
GOALS = [
    ("classifier 0.5x 224", 1, 1.5), ("classifier 1.0x 224", 1, 2.5), ("classifier 1.0x 224", 2, 1.4),
    ("classifier 2.0x 224", 1, 6.5), ("trunk 1.0x stage 3 608x1024", 1, 30), ("trunk 1.0x stage 3 608x1024", 2, 17),
    ("detector 0.5x 300", 1, 100), ("detector 1.0x 600", 1, 250), ("detector 1.0x 600", 2, 140),
]
RSS_GOALS = [("detector 0.5x 300", 60), ("detector 1.0x 600", 100)]


class Report:
    def __init__(self, b):
        self.b = b

    def ms(self, engine, case, threads):
        r = self.b.find(engine, case, threads)
        if r is None:
            return None
        return r["median_ms"]

    def cell(self, engine, case, threads):
        """'median [min]' of a measurement, or '-'."""
        r = self.b.find(engine, case, threads)
        if r is None:
            return "-"
        if r.get("average_not_median"):
            return "%s (avg) [%s]" % (num(r["median_ms"]), num(r["min_ms"]))
        return "%s [%s]" % (num(r["median_ms"]), num(r["min_ms"]))

    @staticmethod
    def fmt(v):
        return "-" if v is None else num(v)

    def markdown(self):
        b = self.b
        pk = b.peak
        out = []
        p = out.append
        runs = "the better of its runs at the start and the end" if len(b.peaks) > 1 else "its run at the start"
        p("Machine: %s, %d cores; peak FMA throughput (bench/peak.c, %s, %s): %.0f GFLOP/s on 1 thread, %.0f on 2."
          % (cpu_name(), os.cpu_count(), pk["isa"], runs, pk["gflops_1t"], pk["gflops_2t"]))
        xc = b.xcore
        other = "%.0f" % xc["other_core_gbps"] if xc["other_core_gbps"] is not None else "(no second CPU)"
        p("Reading 1 MiB just written (bench/xcore.c): %.0f GB/s when the same core wrote it, %s when the other "
          "core did (what a layer on 2 threads pays for data the other thread wrote; on this project's virtual "
          "machines both figures move from hour to hour with the host's load, and 2-thread scaling with them)."
          % (xc["same_core_gbps"], other))
        p("1-minute load average %.1f at the start, %.1f at the end (other jobs share the machine). "
          "Cells: median [min] in ms per run, one input at a time. Ratios: peer median / our median (> 1: ours is "
          "faster); 2-thread ratios compare 2-thread runs. PyTorch, torchvision and OpenCV DNN ran on %s "
          "(bench/peers.sh preloads tcmalloc where it is installed); the other engines on their own. PyTorch "
          "runs eager, in NCHW (its defaults; docs/SPEED.md has a check of channels_last), its own kernels "
          "on %s, its BLAS on the kernels OpenBLAS picks for this CPU (OPENBLAS_CORETYPE %s)."
          % (tuple(b.load) + (allocator(), b.torch_isa, b.openblas_coretype)))
        if b.skipped:
            p("")
            p("Not measured (their cells are -): " + "; ".join(
                "%s: %s" % (ENGINE_NAMES.get(e, e), why) for e, why in sorted(b.skipped.items())) + ".")
        short = [r for r in b.results if r["runs"] < r.get("runs_asked", 0)]
        if short:
            p("")
            p("Fewer runs than asked (an engine in this process stops a call once its runs have taken %g s: "
              "threads waiting for a busy core; these cells rest on few runs): " % MAX_CALL_S + "; ".join(
                  "%s, %s, %d thread%s: %d of %d" % (ENGINE_NAMES.get(r["engine"], r["engine"]), r["case"], r["threads"],
                                                   "s" if r["threads"] > 1 else "", r["runs"], r["runs_asked"])
                  for r in short) + ".")
        p("")
        p("| classifier g3, 224x224 | threads | shuffledet | ONNX Runtime | OpenCV DNN | PyTorch | ncnn | ORT / ours | "
          "OpenCV / ours | PyTorch / ours | ncnn / ours | ours GFLOP/s (% of 1-thread peak) |")
        p("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for w in WIDTHS:
            case = "classifier %sx 224" % w
            ours = b.find("shuffledet", case, 1)
            if ours is None:
                continue
            for t in (1, 2):
                o = self.ms("shuffledet", case, t)
                row = ["%sx" % w, str(t), self.cell("shuffledet", case, t)]
                row += [self.cell(e, case, t) for e in ("onnxruntime", "opencv-dnn", "pytorch", "ncnn")]
                row += [ratio(self.ms(e, case, t), o) for e in ("onnxruntime", "opencv-dnn", "pytorch", "ncnn")]
                row.append(gflops(ours, pk) if t == 1 else "")
                p("| " + " | ".join(row) + " |")
        if b.find("ncnn", "classifier 1.0x 224", 1) is not None:
            p("")
            p("ncnn runs its own built-in `shufflenet.param`, the original Caffe ShuffleNet 1x g3 with weights of "
              "its own, whose first unit of each stage is narrower than ours (docs/SPEED.md counts both). Its "
              "figures are benchncnn's averages of 20 runs.")
        if any(b.find("shuffledet-avx2", "classifier %sx 224" % w, 1) is not None for w in WIDTHS):
            p("")
            p("Without AVX-512 (`SHUFFLEDET_ISA=avx2`: the AVX2+FMA kernels an AVX2 laptop or Zen 2/3 runs, timed "
              "here; the peers above are not capped alike: they use what this machine has, PyTorch's own kernels "
              "%s):" % b.torch_isa)
            p("")
            p("| classifier g3, 224x224, 1 thread | shuffledet AVX2 | shuffledet AVX-512 | AVX2 / AVX-512 time |")
            p("| --- | --- | --- | --- |")
            for w in WIDTHS:
                case = "classifier %sx 224" % w
                if b.find("shuffledet-avx2", case, 1) is not None:
                    p("| %sx | %s | %s | %s |" % (w, self.cell("shuffledet-avx2", case, 1), self.cell("shuffledet", case, 1),
                                               ratio(self.ms("shuffledet-avx2", case, 1), self.ms("shuffledet", case, 1))))
        trunk = "trunk 1.0x stage 3 %dx%d" % TRUNK
        o = b.find("shuffledet", trunk, 1)
        if o is not None:
            p("")
            p("| trunk g3 1x to stage 3, %dx%d | shuffledet | ONNX Runtime | ORT / ours | ours GFLOP/s (%% of 1-thread peak) |" % TRUNK)
            p("| --- | --- | --- | --- | --- |")
            for t in (1, 2):
                p("| %d thread%s | %s | %s | %s | %s |" % (
                    t, "s" if t > 1 else "", self.cell("shuffledet", trunk, t),
                    self.cell("onnxruntime", trunk, t), ratio(self.ms("onnxruntime", trunk, t), self.ms("shuffledet", trunk, t)),
                    gflops(o, pk) if t == 1 else ""))
        if b.find("shuffledet", "classifier 2.0x 720x1280", 1) is not None:
            macs = {w: b.find("shuffledet", "classifier %sx 224" % w, 1)["macs"] for w in WIDTHS}
            p("")
            p("Paper Table 8 shape (classifier g3, 1 thread, median ms, ours / ONNX Runtime). The paper finds each "
              "4x in FLOPs costs ~2.6x in time on its ARM phone; here FLOPs grow %.2fx from 0.5x to 1x and %.2fx "
              "from 1x to 2x." % (macs["1.0"] / macs["0.5"], macs["2.0"] / macs["1.0"]))
            p("")
            p("| input | 0.5x | 1x | 2x | time 1x / 0.5x: ours (ORT) | time 2x / 1x: ours (ORT) |")
            p("| --- | --- | --- | --- | --- | --- |")
            for h, w in TABLE8:
                row = ["%dx%d" % (h, w)]
                t = {}
                for wd in WIDTHS:
                    case = "classifier %sx %s" % (wd, "224" if (h, w) == (224, 224) else "%dx%d" % (h, w))
                    t[wd] = (self.ms("shuffledet", case, 1), self.ms("onnxruntime", case, 1))
                    row.append("%s / %s" % (self.fmt(t[wd][0]), self.fmt(t[wd][1])))
                for lo, hi in (("0.5", "1.0"), ("1.0", "2.0")):
                    row.append("%s (%s)" % (ratio(t[hi][0], t[lo][0]), ratio(t[hi][1], t[lo][1])))
                p("| " + " | ".join(row) + " |")
        p("")
        p("| detector g3, %dx%d frame | shuffledet | torchvision | torchvision / ours | GFLOP per frame (box head at "
          "the frame's proposals, 300 at these sizes) | ours GFLOP/s (%% of 1-thread peak) | ours peak RSS (MiB): with OpenCV / pure Go |" % (FRAME[1], FRAME[0]))
        p("| --- | --- | --- | --- | --- | --- | --- |")
        for w in WIDTHS:
            for res in (300, 600):
                case = "detector %sx %d" % (w, res)
                o = b.find("shuffledet", case, 1)
                if o is None:
                    continue
                ours, tv = self.cell("shuffledet", case, 1), self.cell("torchvision", case, 1)
                rat = ratio(self.ms("torchvision", case, 1), o["median_ms"])
                if b.find("shuffledet", case, 2) is not None:
                    ours += "; 2 threads %s" % self.cell("shuffledet", case, 2)
                    tv += "; 2 threads %s" % self.cell("torchvision", case, 2)
                    rat += "; 2 threads %s" % ratio(self.ms("torchvision", case, 2), self.ms("shuffledet", case, 2))
                pure = b.find("shuffledet-nocgo", case, 1)
                p("| %sx at %d | %s | %s | %s | %.2f | %s | %.0f / %s |" % (
                    w, res, ours, tv, rat,
                    o["gflops"], gflops(o, pk), o["peak_rss_mb"], "%.0f" % pure["peak_rss_mb"] if pure else "-"))
        p("")
        p("| goal (speed issue; ours, this machine) | measured | met |")
        p("| --- | --- | --- |")
        for case, t, goal in GOALS:
            o = self.ms("shuffledet", case, t)
            if o is None:
                continue
            p("| %s%s: <= %g ms | %s ms (%sx the goal) | %s |" % (
                case, ", 2 threads" if t == 2 else "", goal, beside(num(o), o, goal), multiple(o, goal),
                "yes" if o <= goal else "no"))
        for case in ("classifier 1.0x 224", "trunk 1.0x stage 3 %dx%d" % TRUNK, "detector 1.0x 600"):
            one, two = self.ms("shuffledet", case, 1), self.ms("shuffledet", case, 2)
            if one is not None and two is not None:
                p("| %s: 2 threads >= 1.8x faster than 1 | %sx | %s |" % (
                    case, beside("%.2f" % (one / two), one / two, 1.8), "yes" if one / two >= 1.8 else "no"))
        for case, goal in RSS_GOALS:
            o, pure = b.find("shuffledet", case, 1), b.find("shuffledet-nocgo", case, 1)
            if o is not None:
                mb = o["peak_rss_mb"] * 1.048576
                p("| %s, detect with OpenCV (cgo): peak RSS <= %g MB | %s MB (%.0f MB of it file-backed: the executable, "
                  "OpenCV and the other shared libraries) | %s |" % (
                      case, goal, beside("%.0f" % mb, mb, goal), o.get("file_rss_mb", 0) * 1.048576,
                      "yes" if mb <= goal else "no"))
            if pure is not None:
                mb = pure["peak_rss_mb"] * 1.048576
                p("| %s, detect in pure Go (CGO_ENABLED=0: images, the library): peak RSS <= %g MB | %s MB "
                  "(%.0f MB file-backed) | %s |" % (
                      case, goal, beside("%.0f" % mb, mb, goal), pure.get("file_rss_mb", 0) * 1.048576,
                      "yes" if mb <= goal else "no"))
        return "\n".join(out) + "\n"


def det_order(case):
    _, w, res = case.split()
    return (float(w.rstrip("x")), int(res))


def num(v):
    return "%.1f" % v if v >= 10 else "%.2f" % v


def beside(shown, v, goal):
    """shown (v rounded for the table), with v to 5 significant digits after it where shown reads as
    the goal itself but v is not: "2.50 ms" against a goal of 2.5 ms, met "no", looks wrong; "2.50
    (2.5031)" does not."""
    if float(shown) == goal and v != goal:
        return "%s (%.5g)" % (shown, v)
    return shown


def multiple(v, goal):
    """v / goal to one decimal, or to 5 significant digits where one decimal reads as 1.0 but v is
    not the goal: "2.62 ms (1.0x the goal)", met "no", looks wrong; "1.048x" does not."""
    m = v / goal
    shown = "%.1f" % m
    return "%.5g" % m if float(shown) == 1 and v != goal else shown


def ratio(peer, ours):
    if peer is None or ours is None or not ours > 0:
        return "-"
    return "%.2f" % (peer / ours)


def gflops(r, peak):
    if r is None:
        return "-"
    return "%.1f (%.0f%%)" % (r["gflop_per_s"], 100 * r["gflop_per_s"] / peak["gflops_1t"])


def loadavg():
    """The 1-minute load average (other processes share the machine)."""
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--detect-nocgo", help="detect built with CGO_ENABLED=0 (its memory without OpenCV)")
    p.add_argument("--out", default=os.path.join(ROOT, "out", "bench"), help="models, results.json, table.md")
    p.add_argument("--detect", default=os.path.join(ROOT, "bin", "detect"), help="the detect binary")
    p.add_argument("--peak", required=True, help="the compiled bench/peak.c")
    p.add_argument("--xcore", required=True, help="the compiled bench/xcore.c")
    p.add_argument("--quick", action="store_true", help="0.5x only, few runs: checks that every engine runs")
    a = p.parse_args(argv)
    Bench(a).run()


if __name__ == "__main__":
    main()
