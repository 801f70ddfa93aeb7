"""bench/peers.py (make bench) without some of its peers: a peer that cannot run here (no node, no
onnxruntime-node, no cv2) or that fails on a case is left out with the reason, in the log, in
results.json and under the table; every other engine is still measured. Before, a missing
onnxruntime-node or cv2 ended the whole run with a traceback and no table."""
import argparse
import contextlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location("bench_peers", os.path.join(ROOT, "bench", "peers.py"))
peers = importlib.util.module_from_spec(spec)
spec.loader.exec_module(peers)


def runner(ms):
    return lambda runs, warmup: ([ms] * runs, {"engine_version": "stand-in"})


def failing(runs, warmup):
    raise subprocess.CalledProcessError(1, ["node", "bench/ort.js"], stderr="Error: Cannot find module 'onnxruntime-node'\n")


class MissingPeers(unittest.TestCase):
    def test_no_node(self):
        with mock.patch.object(peers.shutil, "which", return_value=None):
            why = peers.missing_peers()
        self.assertIn("node not found", why["onnxruntime"])

    def test_no_onnxruntime_node(self):
        with tempfile.TemporaryDirectory() as root, mock.patch.object(peers.shutil, "which", return_value="/usr/bin/node"):
            why = peers.missing_peers(root)
        self.assertIn("onnxruntime-node is not in bench/node_modules", why["onnxruntime"])

    def test_no_cv2(self):
        with mock.patch.dict(sys.modules, {"cv2": None}):  # None: import cv2 raises ImportError
            why = peers.missing_peers()
        self.assertIn("python3-opencv", why["opencv-dnn"])


def make_bench(test, missing, **args):
    """A quick Bench writing under a folder test removes, missing its peers as missing says
    (args: more of its arguments), with a peak, xcore reads and loads of its own."""
    a = argparse.Namespace(out=tempfile.mkdtemp(), quick=True, **args)
    test.addCleanup(shutil.rmtree, a.out)
    with mock.patch.object(peers, "missing_peers", return_value=dict(missing)), \
            contextlib.redirect_stderr(io.StringIO()):
        b = peers.Bench(a)
    b.peak = {"isa": "avx2", "gflops_1t": 100.0, "gflops_2t": 200.0}
    b.peaks = [b.peak, b.peak]
    b.xcore = {"same_core_gbps": 30.0, "other_core_gbps": 20.0}
    b.load = [0.5, 0.5]
    return b


class LeftOut(unittest.TestCase):
    def bench(self, missing):
        return make_bench(self, missing)

    def test_missing_peer_is_not_run_and_the_table_says_why(self):
        b = self.bench({"opencv-dnn": "No module named 'cv2' (scripts/setup installs python3-opencv)"})
        ran = []

        def opencv(runs, warmup):
            ran.append(1)
            return [1.0], {}
        case = "classifier 0.5x 224"
        with contextlib.redirect_stderr(io.StringIO()):
            b.compare(case, [("shuffledet", 1, runner(2.0)), ("opencv-dnn", 1, opencv), ("pytorch", 1, runner(8.0))],
                      2, 3, 0)
        self.assertEqual(ran, [])
        self.assertEqual(sorted(r["engine"] for r in b.results), ["pytorch", "shuffledet"])
        b.results[[r["engine"] for r in b.results].index("shuffledet")].update(gflop_per_s=50.0, macs=1)
        table = peers.Report(b).markdown()
        self.assertIn("Not measured (their cells are -): OpenCV DNN: No module named 'cv2'", table)
        row = next(line for line in table.splitlines() if line.startswith("| 0.5x | 1 |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        # shuffledet, ORT, OpenCV, PyTorch, ncnn; then the ratios
        self.assertEqual(cells[2:7], ["2.00 [2.00]", "-", "-", "8.00 [8.00]", "-"])
        self.assertEqual(cells[7:11], ["-", "-", "4.00", "-"])

    def test_a_peer_that_fails_is_left_out_of_the_rest(self):
        b = self.bench({})
        log = io.StringIO()
        with contextlib.redirect_stderr(log):
            b.compare("classifier 0.5x 224", [("shuffledet", 1, runner(2.0)), ("onnxruntime", 1, failing),
                                              ("onnxruntime", 2, failing)], 2, 3, 0)
            b.compare("trunk", [("shuffledet", 1, runner(3.0)), ("onnxruntime", 1, runner(1.0))], 1, 3, 0)
        self.assertEqual([(r["engine"], r["case"]) for r in b.results],
                         [("shuffledet", "classifier 0.5x 224"), ("shuffledet", "trunk")])
        self.assertIn("Cannot find module 'onnxruntime-node'", b.skipped["onnxruntime"])
        self.assertIn("ONNX Runtime: failed on classifier 0.5x 224, 1 thread", log.getvalue())

    def test_a_model_opencv_cannot_read_leaves_it_out(self):
        # OpenCV 4.6 refuses some ONNX exports: its runner read the model when it was built,
        # outside compare's guard, so the whole run ended there.
        b = self.bench({})
        with tempfile.NamedTemporaryFile(suffix=".onnx") as bad:
            bad.write(b"not an ONNX model")
            bad.flush()
            with contextlib.redirect_stderr(io.StringIO()):
                entry = ("opencv-dnn", 1, b.opencv(bad.name, 8, 8, 1))  # (builds without reading it)
                b.compare("classifier 0.5x 224", [("shuffledet", 1, runner(2.0)), entry], 1, 1, 0)
        self.assertEqual([r["engine"] for r in b.results], ["shuffledet"])
        self.assertIn("failed on classifier 0.5x 224", b.skipped["opencv-dnn"])

    def test_ncnn_not_built_is_named_under_the_table(self):
        b = self.bench({})
        with mock.patch.dict(os.environ, {"BENCHNCNN": ""}), mock.patch.object(peers.shutil, "which", return_value=None), \
                contextlib.redirect_stderr(io.StringIO()):
            b.ncnn()
        self.assertIn("benchncnn not built here", b.skipped["ncnn"])

    def test_ncnn_that_fails_is_named_under_the_table(self):
        # A benchncnn that could not be started ended the whole run with a traceback after
        # minutes of measuring; one that printed no shufflenet line was only logged, and the
        # table then showed ncnn's cells as - with no reason under its header.
        b = self.bench({})
        with tempfile.TemporaryDirectory() as params:
            open(os.path.join(params, "shufflenet.param"), "w").close()
            for exe, why in ((os.path.join(params, "no-such-benchncnn"), "could not run"),
                             (shutil.which("true"), "no shufflenet line")):
                b.skipped.pop("ncnn", None)
                with mock.patch.dict(os.environ, {"BENCHNCNN": exe, "NCNN_PARAMS": params}), \
                        contextlib.redirect_stderr(io.StringIO()):
                    b.ncnn()
                self.assertIn(why, b.skipped.get("ncnn", ""))
                self.assertEqual(b.results, [])
        b.results.append({"engine": "shuffledet", "case": "classifier 0.5x 224", "threads": 1, "runs": 1,
                          "median_ms": 1.0, "min_ms": 1.0, "gflop_per_s": 50.0, "macs": 1})
        self.assertIn("ncnn: benchncnn", peers.Report(b).markdown())

    def test_ours_failing_fails_the_run(self):
        b = self.bench({})
        with self.assertRaises(subprocess.CalledProcessError), contextlib.redirect_stderr(io.StringIO()):
            b.compare("classifier 0.5x 224", [("shuffledet", 1, failing)], 1, 1, 0)


class Measured(unittest.TestCase):
    def test_a_peer_has_no_peak_rss(self):
        # results.json gave every peer "peak_rss_mb": 0, a figure nothing measured; ours keeps the
        # largest of its rounds.
        b = make_bench(self, {})
        rss = iter([80.0, 95.0])

        def ours(runs, warmup):
            return [2.0] * runs, {"peak_rss_mb": next(rss), "gflops": 1.0}
        with contextlib.redirect_stderr(io.StringIO()):
            b.compare("classifier 0.5x 224", [("shuffledet", 1, ours), ("onnxruntime", 1, runner(3.0))], 2, 3, 0)
        got = {r["engine"]: r for r in b.results}
        self.assertEqual(got["shuffledet"]["peak_rss_mb"], 95.0)
        self.assertNotIn("peak_rss_mb", got["onnxruntime"])

    def test_a_call_cut_short_is_named_under_the_table(self):
        # PyTorch's 2x classifier on 2 busy cores gave 11 runs of the 30 asked (in_process stops a
        # call after MAX_CALL_S), a median of 1868 ms and a ratio of 232, with nothing to say so.
        b = make_bench(self, {})
        with contextlib.redirect_stderr(io.StringIO()):
            b.compare("classifier 0.5x 224", [("shuffledet", 1, runner(2.0)), ("pytorch", 2, runner(8.0)),
                                              ("pytorch", 1, lambda runs, warmup: ([9.0], {}))], 3, 10, 0)
        got = {(r["engine"], r["threads"]): r for r in b.results}
        self.assertEqual((got["pytorch", 1]["runs"], got["pytorch", 1]["runs_asked"]), (3, 30))
        self.assertEqual((got["pytorch", 2]["runs"], got["pytorch", 2]["runs_asked"]), (30, 30))
        b.results[[r["engine"] for r in b.results].index("shuffledet")].update(gflop_per_s=50.0, macs=1)
        table = peers.Report(b).markdown()
        self.assertIn("Fewer runs than asked", table)
        self.assertIn("PyTorch, classifier 0.5x 224, 1 thread: 3 of 30.", table)
        self.assertNotIn("2 threads: 30 of 30", table)


class Beside(unittest.TestCase):
    def test_rounding_onto_the_goal_shows_more_digits(self):
        # 2.503 ms against <= 2.5 ms printed "2.50 ms ... | no"
        self.assertEqual(peers.beside(peers.num(2.503), 2.503, 2.5), "2.50 (2.503)")
        self.assertEqual(peers.beside("%.2f" % 1.7997, 1.7997, 1.8), "1.80 (1.7997)")
        self.assertEqual(peers.beside(peers.num(2.5), 2.5, 2.5), "2.50")
        self.assertEqual(peers.beside(peers.num(2.61), 2.61, 2.5), "2.61")

    def test_goal_multiple_that_rounds_to_one_shows_more_digits(self):
        # make bench printed "2.62 ms (1.0x the goal) | no" for 2.62 ms against <= 2.5 ms.
        b = make_bench(self, {})
        for ms, shown in ((2.62, "2.62 ms (1.048x the goal) | no"), (2.4, "2.40 ms (0.96x the goal) | yes"),
                          (2.5, "2.50 ms (1.0x the goal) | yes"), (5.0, "5.00 ms (2.0x the goal) | no")):
            b.results = [{"engine": "shuffledet", "case": "classifier 1.0x 224", "threads": 1, "runs": 1,
                          "median_ms": ms, "min_ms": ms, "gflop_per_s": 50.0, "macs": 1}]
            table = peers.Report(b).markdown()
            self.assertIn("| classifier 1.0x 224: <= 2.5 ms | " + shown, table)
        self.assertEqual(peers.multiple(2.503, 2.5), "1.0012")
        self.assertEqual(peers.multiple(0.863, 1), "0.9")


class Peak(unittest.TestCase):
    def test_the_better_of_the_peak_runs(self):
        # One bench/peak.c run in a busy minute measured 76 GFLOP/s where the machine does 221,
        # and the table put ours at 140% of that peak.
        peaks = [{"isa": "avx512f", "gflops_1t": 76.1, "gflops_2t": 140.0},
                 {"isa": "avx512f", "gflops_1t": 221.4, "gflops_2t": 54.7}]
        self.assertEqual(peers.best_peak(peaks), {"isa": "avx512f", "gflops_1t": 221.4, "gflops_2t": 140.0})
        self.assertEqual(peers.gflops({"gflop_per_s": 106.6}, peers.best_peak(peaks)), "106.6 (48%)")

    def test_a_failed_run_at_the_end_keeps_the_results(self):
        # peak.c failing after every engine was measured raised, and results.json was never written.
        b = make_bench(self, {}, peak="/nonexistent/peak")
        start = b.peak
        b.peaks, b.load, b.results = [start], [0.5], []
        with mock.patch.object(peers.Bench, "measure_peak", side_effect=subprocess.CalledProcessError(1, "peak")), \
                contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            b.finish()
        with open(os.path.join(b.out, "results.json")) as f:
            self.assertEqual(json.load(f)["peak"], start)
        self.assertIn("bench/peak.c failed", b.skipped["peak at the end"])
        self.assertIn("(bench/peak.c, avx2, its run at the start)", peers.Report(b).markdown())


if __name__ == "__main__":
    unittest.main()
