"""Summarize a training run: the AP50-against-training-time curve (PNG; needs python3-matplotlib) and the
evaluations as Markdown.

  /usr/bin/python3 train/report.py --run out/train-demo [--run out/stage2 ...] --png models/demo-curve.png [--iter N]

Reads RUN/log.jsonl (losses) and RUN/evals.jsonl (Go cocoeval's 12 numbers per held-out set and
class, written by train_detector.py). Several --run are stages of one model, in order (a stage
started with --init from the one before): their iterations and training times are counted on from
the previous stage's last logged iteration; RUN@HOURS starts a stage at HOURS instead (one started from
a weight average, whose ingredients' training came before it). Prints, for the evaluation at --iter (default: the
best person AP50 on the first held-out set), a Markdown table per held-out set.

--soup FILE@HOURS (repeatable) adds a weight average scored by average.py --eval (its
.evals.json) as a point at HOURS of training on the curve (stars) and a row of the table; the
best person AP50 on the first set, run or soup, is the one tabulated.
"""
import argparse
import json
import os

STATS = ["AP", "AP50", "AP75", "AP small", "AP medium", "AP large", "AR 1", "AR 10", "AR 100",
         "AR small", "AR medium", "AR large"]


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, action="append", metavar="RUN[@HOURS]",
                   help="a run folder; repeat for later stages; @HOURS: the stage starts at HOURS of training")
    p.add_argument("--png", help="write the curve here")
    p.add_argument("--iter", type=int, help="the evaluation to tabulate (default: best person AP50 on the first set)")
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

    def person_ap50(e, name=first):
        return e["eval"][name]["classes"].get("person", [-1] * 12)[1]

    pick = next((e for e in evals if e["iter"] == a.iter), None) if a.iter else max(evals + soups, key=person_ap50)
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
            line, = ax.plot(*curve(lambda e: person_ap50(e, name)), marker="o", label="person AP50, " + name)
            if soups:
                ax.plot([s["train_seconds"] / 3600 for s in soups], [person_ap50(s, name) for s in soups],
                        marker="*", markersize=12, linestyle="none", color=line.get_color())
        ax.plot(*curve(lambda e: e["eval"][first]["classes"].get("car", [-1] * 12)[1]), marker="s",
                linestyle="--", label="car AP50, " + first)
        for _, sec in starts:
            ax.axvline(sec / 3600, color="grey", lw=0.8, linestyle=":")
        ax.set_xlabel("training time (hours on the CPU; dotted: a new stage starts%s)" %
                      ("; stars: weight averages" if soups else ""))
        ax.set_ylabel("AP50 (Go cocoeval)")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_title("held-out AP50 against training time")
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
    print("| iteration | hours | " + " | ".join("person AP50 " + n for n in sets) + " |")
    print("|---" * (len(sets) + 2) + "|")
    for e in evals + soups:
        print("| %s | %.2f | " % (e.get("name", e.get("iter")), e["train_seconds"] / 3600) +
              " | ".join("%.3f" % person_ap50(e, n) for n in sets) + " |")


if __name__ == "__main__":
    main()
