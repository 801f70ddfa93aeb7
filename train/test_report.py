"""train/report.py: stages chained in time, a weight average (--soup) plotted and tabulated
when it beats every evaluation of the runs, the run's selection metric followed."""
import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import report  # noqa: E402


def evaluation(person_ap50):
    stats = [0.1] * 12
    stats[1] = person_ap50
    return {"set": {"stats": stats, "classes": {"person": stats}}}


class Report(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, name, lines):
        path = os.path.join(self.tmp.name, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("".join(json.dumps(x) + "\n" for x in lines))
        return path

    def run_report(self, *argv):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            report.main(list(argv))
        return out.getvalue()

    def test_run_without_evaluations_is_named(self):
        # A folder that is no run, and a run trained without --eval (its evals.jsonl rows score no
        # set): an error naming it, not a FileNotFoundError or an IndexError traceback.
        absent = os.path.join(self.tmp.name, "absent")
        with self.assertRaises(SystemExit) as e:
            self.run_report("--run", absent)
        self.assertEqual(str(e.exception), "%s: No such file or directory (--run: want a train_detector.py run "
                         "folder)" % os.path.join(absent, "log.jsonl"))
        run = os.path.join(self.tmp.name, "noeval")
        self.write("noeval/log.jsonl", [{"iter": 2, "train_seconds": 5, "loss": 1}])
        self.write("noeval/evals.jsonl", [{"iter": 2, "train_seconds": 5, "bin": "iter000002.bin", "eval": {}}])
        with self.assertRaises(SystemExit) as e:
            self.run_report("--run", run)
        self.assertIn("%s: its evaluations score no held-out set (a run without --eval): nothing to report" % run,
                      str(e.exception))

    def test_soup_beats_the_runs(self):
        loss = {"loss": 1, "loss_classifier": 1, "loss_box_reg": 1, "loss_objectness": 1, "loss_rpn_box_reg": 1}
        for stage, (best, seconds) in {"a": (0.10, 100), "b": (0.15, 200)}.items():
            self.write(stage + "/log.jsonl", [dict(loss, iter=10, train_seconds=seconds)])
            self.write(stage + "/evals.jsonl", [{"iter": 10, "train_seconds": seconds, "eval": evaluation(best)}])
        runs = ["--run", os.path.join(self.tmp.name, "a"), "--run", os.path.join(self.tmp.name, "b")]
        text = self.run_report(*runs)
        # Stage b's iteration and time are counted on from stage a's last logged ones.
        self.assertIn("Evaluation at iteration 20 (0.08 h of training)", text)
        soup = self.write("soup.evals.json", [{"models": ["x.bin", "y.bin"], "eval": evaluation(0.2)}])
        text = self.run_report(*runs, "--soup", soup + "@1.5")
        self.assertIn("Evaluation of soup.evals.json (1.50 h of training)", text)
        self.assertIn("| soup.evals.json | 1.50 | 0.200 |", text)
        worse = self.write("worse.evals.json", [{"models": ["x.bin"], "eval": evaluation(0.05)}])
        self.assertIn("Evaluation at iteration 20", self.run_report(*runs, "--soup", worse + "@1"))
        # A stage started from a weight average starts at the hours given, not at the last run's end.
        text = self.run_report(*runs[:3], runs[3] + "@1", "--soup", worse + "@1")
        self.assertIn("| 20 | 1.06 | 0.150 |", text)
        with self.assertRaisesRegex(SystemExit, "want FILE@HOURS"):
            self.run_report(*runs, "--soup", soup)

    def test_follows_the_run_selection(self):
        # A run on other classes than person: the best evaluation and the table follow its
        # --select (args.json), or the trainer's default, AP50 over all classes (person AP50 was
        # -1 everywhere and the pick arbitrary).
        loss = {"loss": 1, "loss_classifier": 1, "loss_box_reg": 1, "loss_objectness": 1, "loss_rpn_box_reg": 1}
        run = os.path.join(self.tmp.name, "cars")
        self.write("cars/log.jsonl", [dict(loss, iter=20, train_seconds=200)])
        rows = []
        for it, (car, dog) in ((10, (0.3, 0.1)), (20, (0.2, 0.4))):
            stats = [0.1] * 12
            stats[1] = (car + dog) / 2 + (0.2 if it == 10 else 0)  # all classes: best at 10
            rows.append({"iter": it, "train_seconds": it * 10, "eval": {"val": {"stats": stats, "classes": {
                "car": [0.1, car] + [0.1] * 10, "dog": [0.1, dog] + [0.1] * 10}}}})
        self.write("cars/evals.jsonl", rows)
        text = self.run_report("--run", run)
        self.assertIn("Evaluation at iteration 10", text)
        self.assertIn("| iteration | hours | all classes AP50 val |", text)
        self.assertIn("| 10 | 0.03 | 0.400 |", text)
        with open(os.path.join(run, "args.json"), "w") as f:
            json.dump({"select": "val:dog:AP50", "eval": ["val=a:b"]}, f)
        text = self.run_report("--run", run)
        self.assertIn("Evaluation at iteration 20", text)
        self.assertIn("| 20 | 0.06 | 0.400 |", text)
        self.assertIn("Evaluation at iteration 10", self.run_report("--run", run, "--select", "val:car:AP50"))
        with self.assertRaisesRegex(SystemExit, "'minival' is not an --eval set \\(val\\)"):
            self.run_report("--run", run, "--select", "minival:car:AP50")


if __name__ == "__main__":
    unittest.main()
