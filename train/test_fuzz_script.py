"""scripts/fuzz (make fuzz, make fuzz-long): a target the package does not have fails the run.
go test -fuzz with a pattern that matches no fuzz test passes ("no fuzz tests to fuzz"), so a
renamed target or a misspelt FUZZ_TARGETS entry went unfuzzed with status 0.

A run whose only failure is Go 1.26's bare "context deadline exceeded" at the end of its time
(golang/go#75804) passes; the same message with a crasher (written, being minimized, or a new
file in testdata/fuzz), a panic (anywhere in a long log), a test failure, a short run or an
execution count fails. Those cases run the script on a stand-in go that prints a recorded log."""
import os
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "scripts", "fuzz")


class FuzzScript(unittest.TestCase):
    def test_unknown_target_fails(self):
        env = dict(os.environ, PATH="/usr/local/go/bin:" + os.environ.get("PATH", ""), FUZZ_WORKERS="1")
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "fuzz.log")
            p = subprocess.run([SCRIPT, "./internal/kernels", "FuzzNoSuchTarget", "1s", log], cwd=ROOT,
                               capture_output=True, text=True, timeout=600, env=env)
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
            self.assertIn("./internal/kernels has no fuzz test FuzzNoSuchTarget", p.stderr)
            with open(log) as f:
                self.assertIn("no fuzz tests to fuzz", f.read())


# The log of CI's FuzzReadJPEG run that met golang/go#75804 (its time: 8 s).
DEADLINE_LOG = """fuzz: elapsed: 0s, gathering baseline coverage: 0/94 completed
fuzz: elapsed: 1s, gathering baseline coverage: 94/94 completed, now fuzzing with 1 workers
fuzz: elapsed: 3s, execs: 3482 (1161/sec), new interesting: 1 (total: 95)
fuzz: elapsed: 8s, execs: 20876 (3242/sec), new interesting: 3 (total: 97)
--- FAIL: FuzzReadJPEG (8.12s)
    context deadline exceeded
FAIL
exit status 1
FAIL	github.com/shuffledet/shuffledet/cvimage	8.446s
"""


class DeadlineBug(unittest.TestCase):
    def run_script(self, log_text, duration="8s", writes_crasher=False):
        """scripts/fuzz on a stand-in go that prints log_text and exits 1, in a package folder of
        its own, into whose testdata/fuzz/FuzzReadJPEG it writes a failing input if
        writes_crasher."""
        with tempfile.TemporaryDirectory() as tmp:
            recorded = os.path.join(tmp, "recorded.log")
            with open(recorded, "w") as f:
                f.write(log_text)
            pkg = os.path.join(tmp, "pkg")
            crashers = os.path.join(pkg, "testdata", "fuzz", "FuzzReadJPEG")
            os.makedirs(crashers)
            with open(os.path.join(crashers, "seed"), "w") as f:
                f.write("go test fuzz v1\n[]byte(\"\")\n")
            fake = os.path.join(tmp, "go")
            with open(fake, "w") as f:
                f.write("#!/bin/sh\n%scat '%s'\nexit 1\n" % (
                    "touch '%s'\n" % os.path.join(crashers, "1f2e3d") if writes_crasher else "", recorded))
            os.chmod(fake, 0o755)
            log = os.path.join(tmp, "fuzz.log")
            return subprocess.run([SCRIPT, pkg, "FuzzReadJPEG", duration, log], cwd=ROOT,
                                  capture_output=True, text=True, timeout=60, env=dict(os.environ, GO=fake))

    def test_bare_deadline_at_the_end_passes(self):
        p = self.run_script(DEADLINE_LOG)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("golang/go#75804", p.stderr)
        # The edge: a FAIL line at exactly the run's time is the end of it.
        self.assertEqual(self.run_script(DEADLINE_LOG.replace("(8.12s)", "(8.00s)")).returncode, 0)
        self.assertEqual(self.run_script(DEADLINE_LOG, duration="0m8s").returncode, 0)

    def test_anything_more_fails(self):
        cases = {
            "a crasher": DEADLINE_LOG.replace("FAIL\nexit", "    Failing input written to testdata/fuzz/FuzzReadJPEG/1\nFAIL\nexit"),
            "a panic": DEADLINE_LOG.replace("FAIL\nexit", "panic: runtime error\nFAIL\nexit"),
            "a test failure": DEADLINE_LOG.replace("    context", "    read_test.go:40: wrong size\n    context"),
            "a hung worker": DEADLINE_LOG.replace("FAIL\nexit", "    fuzzing process hung or terminated unexpectedly\nFAIL\nexit"),
            "a short run": DEADLINE_LOG.replace("(8.12s)", "(7.99s)"),
            "two failures": DEADLINE_LOG.replace("--- FAIL", "--- FAIL: FuzzReadJPEG (9.00s)\n--- FAIL"),
            "no FAIL line": DEADLINE_LOG.replace("--- FAIL: FuzzReadJPEG (8.12s)\n", ""),
            # the deadline met while a crasher was minimized: its "Failing input written" is then
            # not printed, though the input is written
            "a crasher being minimized": DEADLINE_LOG.replace("--- FAIL", "fuzz: minimizing 49-byte failing input file\n"
                                                              "fuzz: elapsed: 8s, minimizing\n--- FAIL"),
            # a panic at the top of a long log (grep -q leaving a pipe early made it a pass)
            "a panic in a long log": "panic: runtime error: index out of range\n" + "a line of output\n" * 20000 + DEADLINE_LOG,
        }
        for name, text in cases.items():
            with self.subTest(name):
                p = self.run_script(text)
                self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
                self.assertNotIn("golang/go#75804", p.stderr)
        # a failing input written where the log names none
        p = self.run_script(DEADLINE_LOG, writes_crasher=True)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        for duration in ("1000x", "8", "8q", ""):
            with self.subTest(duration=duration):
                self.assertEqual(self.run_script(DEADLINE_LOG, duration=duration).returncode, 1)


if __name__ == "__main__":
    unittest.main()
