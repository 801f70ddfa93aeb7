"""scripts/two-at-once (make race): each command's line and output in the order given, whatever
order they end in; a failed or killed command fails the run, naming it; and Ctrl-C (SIGINT to
the process group, as a terminal sends it) ends the commands running, not only the script: a
shell's background commands start with SIGINT ignored, and a command that does not take it back
(anything but Go, whose runtime does) ran on after make had returned."""
import os
import signal
import subprocess
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "scripts", "two-at-once")


def default_signals():
    # as a terminal's shell starts make: SIGINT and SIGQUIT at their defaults, in a group of its own
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)
    os.setsid()


class TwoAtOnce(unittest.TestCase):
    def test_order_and_failures(self):
        p = subprocess.run([SCRIPT, "sleep 0.5; echo a", "echo b; exit 3", "echo c", "kill -9 $$"],
                           capture_output=True, text=True, timeout=60, preexec_fn=default_signals)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertEqual(p.stdout, "sleep 0.5; echo a\na\necho b; exit 3\nb\necho c\nc\nkill -9 $$\n")
        self.assertIn("two-at-once: failed: echo b; exit 3 (exit status 3)\n", p.stderr)
        self.assertIn("two-at-once: failed: kill -9 $$ (exit status 137)\n", p.stderr)
        p = subprocess.run([SCRIPT, "true", "echo x"], capture_output=True, text=True, timeout=60)
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, "true\necho x\nx\n", ""))

    def test_interrupt_ends_the_commands(self):
        with tempfile.TemporaryDirectory() as tmp:
            marks = [os.path.join(tmp, n) for n in ("a", "b", "c")]
            cmds = ["sleep 2; touch '%s'" % marks[0], "sleep 2; touch '%s'" % marks[1], "touch '%s'" % marks[2]]
            p = subprocess.Popen([SCRIPT] + cmds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 preexec_fn=default_signals)
            time.sleep(0.5)
            os.killpg(p.pid, signal.SIGINT)
            self.assertEqual(p.wait(timeout=30), -signal.SIGINT)
            time.sleep(2.5)
            ran = [m for m in marks if os.path.exists(m)]
            self.assertEqual(ran, [], "commands still ran after Ctrl-C")
            self.assertEqual(subprocess.run(["pgrep", "-g", str(p.pid)], capture_output=True).stdout, b"",
                             "processes of the run left after Ctrl-C")


if __name__ == "__main__":
    unittest.main()
