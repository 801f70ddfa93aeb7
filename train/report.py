"""Summarize a training run: the held-out AP50 (or --select's metric) against training time as a curve
(PNG; needs python3-matplotlib) and the evaluations as Markdown.

  /usr/bin/python3 train/report.py --run out/train-demo [--run out/stage2 ...] --png models/demo-curve.png [--iter N]

Reads RUN/log.jsonl (losses) and RUN/evals.jsonl (Go cocoeval's 12 numbers per held-out set and
class, written by train_detector.py). Several --run are stages of one model, in order (a stage
started with --init from the one before): their iterations and training times are counted on from
the previous stage's last logged iteration; RUN@HOURS starts a stage at HOURS instead (one started from
a weight average, whose ingredients' training came before it). Prints, for the evaluation at --iter (default: the
best by the run's selection metric), a Markdown table per held-out set.

The metric, curve and table follow --select NAME:CLASS:STAT (CLASS a class name or all; STAT AP,
AP50 or AP75), by default the run's own: the last --run's args.json --select, or where it gave
none, the trainer's default for best.bin (AP50 over all classes on its first --eval set); for a
folder without args.json, person AP50 on the first set where the set has a person class, else
AP50 over all classes.

--soup FILE@HOURS (repeatable) adds a weight average scored by average.py --eval (its
.evals.json) as a point at HOURS of training on the curve (stars) and a row of the table; the
best by the metric, run or soup, is the one tabulated.
"""
import argparse
import json
import os

from selection import check_select, metric

STATS = ["AP", "AP50", "AP75", "AP small", "AP medium", "AP large", "AR 1", "AR 10", "AR 100",
         "AR small", "AR medium", "AR large"]


def read_jsonl(path):
    """The rows of a JSON-lines file; SystemExit naming it where it cannot be read."""
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except OSError as e:
        raise SystemExit("%s: %s (--run: want a train_detector.py run folder)" % (path, e.strerror or e))
    except ValueError as e:
        raise SystemExit("%s: not JSON lines: %s" % (path, e))


def run_select(run, first, evals):
    """The NAME:CLASS:STAT that picks a run's best evaluation: its args.json's --select, or the
    trainer's default where it gave none; without args.json, person AP50 where the first set
    has a person class, else AP50 over all classes."""
    try:
        with open(os.path.join(run, "args.json")) as f:
            args = json.load(f)
    except (OSError, ValueError):
        args = None
    if isinstance(args, dict):
        if args.get("select"):
            return args["select"]
        if args.get("eval"):
            return args["eval"][0].split("=", 1)[0] + ":all:AP50"
    return first + (":person:AP50" if "person" in evals[0]["eval"][first]["classes"] else ":all:AP50")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, action="append", metavar="RUN[@HOURS]",
                   help="a run folder; repeat for later stages; @HOURS: the stage starts at HOURS of training")
    p.add_argument("--png", help="write the curve here")
    p.add_argument("--iter", type=int, help="the evaluation to tabulate (default: the best by --select)")
    p.add_argument("--select", metavar="NAME:CLASS:STAT", help="the metric of the curve, the table and the best "
                   "evaluation, e.g. val128:person:AP50 (default: the run's, as train_detector.py picks best.bin)")
    p.add_argument("--soup", action="append", default=[], metavar="FILE@HOURS",
                   help="a weight average's .evals.json (average.py --eval) and the training hours it stands for")
    a = p.parse_args(argv)
    soups = []
    for spec in a.soup:
        path, sep, hours = spec.rpartition("@")
        if not sep:
            raise SystemExit("--soup %r: want FILE@HOURS" % spec)
        with open(path) as f:
            soups.append(dict(json.load(f), name=os.path.basename(path), train_seconds=float(hours) * 3600))
    evals, log, starts = [], [], []
    it0 = sec0 = 0
    for spec in a.run:
        run, sep, hours = spec.rpartition("@")
        if sep:
            sec0 = float(hours) * 3600
        else:
            run = spec
        run_log = read_jsonl(os.path.join(run, "log.jsonl"))
        run_evals = read_jsonl(os.path.join(run, "evals.jsonl"))
        if not run_evals:
            raise SystemExit("%s: no evaluations yet" % run)
        if not any(e.get("eval") for e in run_evals):
            # (a run without --eval logs its exports with no sets: it was an IndexError)
            raise SystemExit("%s: its evaluations score no held-out set (a run without --eval): nothing to report; "
                             "score its iterNNNNNN.bin files with bin/cocoeval -model (COCO minival: make minival)" % run)
        for r in run_log + run_evals:
            r["iter"] += it0
            r["train_seconds"] += sec0
        if sep:
            run_evals[0]["after_gap"] = True  # the curve is not drawn across the jump
        if evals:
            starts.append((it0, sec0))
        log += run_log
        evals += run_evals
        it0, sec0 = run_log[-1]["iter"], run_log[-1]["train_seconds"]
    sets = list(evals[0]["eval"])
    first = sets[0]
    select = a.select or run_select(a.run[-1].rpartition("@")[0] or a.run[-1], first, evals)
    chosen, cls, stat = check_select(select, sets)
    label = "%s %s" % ("all classes" if cls == "all" else cls, stat)

    def score(e, name=chosen):  # -1 where the evaluation lacks the class
        return metric(e["eval"], "%s:%s:%s" % (name, cls, stat))

    pick = next((e for e in evals if e["iter"] == a.iter), None) if a.iter else max(evals + soups, key=score)
    if pick is None:
        raise SystemExit("%s: no evaluation at iteration %d" % (", ".join(a.run), a.iter))

    if a.png:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 4.5))
        def curve(value):  # (hours, values), NaN where a stage starts at --run's @HOURS
            xs, ys = [], []
            for e in evals:
                if e.get("after_gap"):
                    xs.append(float("nan"))
                    ys.append(float("nan"))
                xs.append(e["train_seconds"] / 3600)
                ys.append(value(e))
            return xs, ys

        for name in sets:
            line, = ax.plot(*curve(lambda e: score(e, name)), marker="o", label="%s, %s" % (label, name))
            if soups:
                ax.plot([s["train_seconds"] / 3600 for s in soups], [score(s, name) for s in soups],
                        marker="*", markersize=12, linestyle="none", color=line.get_color())
        others = [c for c in evals[0]["eval"][chosen]["classes"] if c != cls]
        for c in others if len(others) <= 3 else []:  # (a few classes' own curves, dashed)
            ax.plot(*curve(lambda e: metric(e["eval"], "%s:%s:%s" % (chosen, c, stat))),
                    marker="s", linestyle="--", label="%s %s, %s" % (c, stat, chosen))
        for _, sec in starts:
            ax.axvline(sec / 3600, color="grey", lw=0.8, linestyle=":")
        ax.set_xlabel("training time (hours on the CPU; dotted: a new stage starts%s)" %
                      ("; stars: weight averages" if soups else ""))
        ax.set_ylabel("%s (Go cocoeval)" % stat)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_title("held-out %s against training time" % stat)
        bx.plot([r["iter"] for r in log], [r["loss"] for r in log], lw=0.8, label="total")
        for k in ("loss_classifier", "loss_box_reg", "loss_objectness", "loss_rpn_box_reg"):
            bx.plot([r["iter"] for r in log], [r[k] for r in log], lw=0.6, label=k)
        for it, _ in starts:
            bx.axvline(it, color="grey", lw=0.8, linestyle=":")
        bx.set_xlabel("optimizer step (counted on across stages)")
        bx.set_ylabel("training loss (mean over 20 iterations)")
        bx.set_yscale("log")
        bx.grid(alpha=0.3)
        bx.legend(fontsize=8)
        bx.set_title("training losses")
        fig.tight_layout()
        fig.savefig(a.png, dpi=110)

    if "models" in pick:
        print("Evaluation of %s (%.2f h of training):\n" % (pick["name"], pick["train_seconds"] / 3600))
    else:
        print("Evaluation at iteration %d (%.2f h of training):\n" % (pick["iter"], pick["train_seconds"] / 3600))
    for name in sets:
        r = pick["eval"][name]
        classes = [c for c in r["classes"] if r["classes"][c][0] != -1]
        print("**%s**\n" % name)
        print("| | " + " | ".join(STATS) + " |")
        print("|---" * (len(STATS) + 1) + "|")
        print("| all classes | " + " | ".join("%.3f" % v for v in r["stats"]) + " |")
        for c in classes:
            print("| %s | " % c + " | ".join("%.3f" % v for v in r["classes"][c]) + " |")
        print()
    print("| iteration | hours | " + " | ".join("%s %s" % (label, n) for n in sets) + " |")
    print("|---" * (len(sets) + 2) + "|")
    for e in evals + soups:
        print("| %s | %.2f | " % (e.get("name", e.get("iter")), e["train_seconds"] / 3600) +
              " | ".join("%.3f" % score(e, n) for n in sets) + " |")


if __name__ == "__main__":
    main()
