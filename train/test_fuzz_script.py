"""scripts/fuzz (make fuzz, make fuzz-long): a target the package does not have fails the run.
go test -fuzz with a pattern that matches no fuzz test passes ("no fuzz tests to fuzz"), so a
renamed target or a misspelt FUZZ_TARGETS entry went unfuzzed with status 0."""
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


if __name__ == "__main__":
    unittest.main()
