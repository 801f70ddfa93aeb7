"""scripts/get-coco's arguments, and its failed downloads from a stand-in server on this machine
(GET_COCO_BASE; the real downloads need the internet, which tests do not have)."""
import contextlib
import functools
import http.server
import os
import subprocess
import tempfile
import threading
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts", "get-coco")


class GetCocoArguments(unittest.TestCase):
    def run_script(self, *args, env=None):
        with tempfile.TemporaryDirectory() as tmp:
            p = subprocess.run([SCRIPT] + list(args), cwd=tmp, capture_output=True, text=True, timeout=60, env=env)
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


@contextlib.contextmanager
def stand_in_server(root):
    """An HTTP server on 127.0.0.1 serving the folder root (404 for what it lacks); yields its URL."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


class GetCocoDownloads(unittest.TestCase):
    def test_failed_downloads(self):
        # An archive the server does not have, and one shorter than COCO's: each stops the script
        # with status 1 and what to do, before anything is unpacked or marked verified.
        with tempfile.TemporaryDirectory() as served, tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
            with stand_in_server(served) as url:
                env["GET_COCO_BASE"] = url
                dest = os.path.join(tmp, "coco")
                run = [SCRIPT, dest, "--val-only"]
                p = subprocess.run(run, capture_output=True, text=True, timeout=60, env=env)
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn("get-coco: downloading %s/annotations/annotations_trainval2017.zip failed (curl exit 22)"
                              % url, p.stderr)
                os.makedirs(os.path.join(served, "annotations"))
                with open(os.path.join(served, "annotations", "annotations_trainval2017.zip"), "wb") as f:
                    f.write(b"PK" + bytes(1000))
                p = subprocess.run(run, capture_output=True, text=True, timeout=60, env=env)
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn("annotations_trainval2017.zip is 1002 bytes, want 252907541 (run again to resume)", p.stderr)
                self.assertEqual(sorted(os.listdir(os.path.join(dest, "zips"))), ["annotations_trainval2017.zip"])
                self.assertFalse(os.path.exists(os.path.join(dest, "annotations")))

    def test_server_without_byte_ranges(self):
        # A mirror that ignores Range (Python's own server, as this stand-in) cannot resume a
        # download cut short: curl stopped with exit 33 and "run again to resume", which failed the
        # same way every time. The archive is fetched again whole instead (here on to the size check).
        with tempfile.TemporaryDirectory() as served, tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
            os.makedirs(os.path.join(served, "annotations"))
            body = b"PK" + bytes(range(256)) * 20
            with open(os.path.join(served, "annotations", "annotations_trainval2017.zip"), "wb") as f:
                f.write(body)
            dest = os.path.join(tmp, "coco")
            os.makedirs(os.path.join(dest, "zips"))
            with open(os.path.join(dest, "zips", "annotations_trainval2017.zip"), "wb") as f:
                f.write(body[:1000])
            with stand_in_server(served) as url:
                env["GET_COCO_BASE"] = url
                p = subprocess.run([SCRIPT, dest, "--val-only"], capture_output=True, text=True, timeout=60, env=env)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("%s does not resume downloads (no byte ranges): fetching it again from the start" % url, p.stdout)
            self.assertIn("annotations_trainval2017.zip is %d bytes, want 252907541" % len(body), p.stderr)
            with open(os.path.join(dest, "zips", "annotations_trainval2017.zip"), "rb") as f:
                self.assertEqual(f.read(), body)


if __name__ == "__main__":
    unittest.main()
