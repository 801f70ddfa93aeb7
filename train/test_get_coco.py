"""scripts/get-coco's arguments (its downloads need the internet, which tests do not have)."""
import os
import subprocess
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts", "get-coco")


class GetCocoArguments(unittest.TestCase):
    def run_script(self, *args):
        with tempfile.TemporaryDirectory() as tmp:
            p = subprocess.run([SCRIPT] + list(args), cwd=tmp, capture_output=True, text=True, timeout=60)
            return p, sorted(os.listdir(tmp))

    def test_a_second_folder_is_refused(self):
        # "val-only" without its dashes used to become the folder a 19 GB download went to.
        p, made = self.run_script("data/coco", "val-only")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("one DEST folder, got 'data/coco' and 'val-only'", p.stderr)
        self.assertEqual(made, [])

    def test_unknown_flag_and_help(self):
        p, made = self.run_script("--val-onyl")
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown flag --val-onyl", p.stderr)
        self.assertEqual(made, [])
        p, _ = self.run_script("--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("Usage: scripts/get-coco [DEST] [--val-only]", p.stdout)
        self.assertNotIn("set -euo pipefail", p.stdout)  # the comment only, not the script's first line


if __name__ == "__main__":
    unittest.main()
