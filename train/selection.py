"""The metric that picks a training run's best evaluation (train_detector.py --select NAME:CLASS:STAT),
read the same way by the trainer and by report.py; no torch."""

# The stats --select can name, by their index in cocoeval's 12.
SELECT_STATS = {"AP": 0, "AP50": 1, "AP75": 2}


def metric(res, select):
    """The number select (NAME:CLASS:STAT; CLASS a class name or all; STAT AP, AP50 or AP75) names in
    res, an evaluation's {set name: cocoeval -json report}; -1 where the set has no such class."""
    name, cls, stat = select.split(":")
    r = res[name]
    return (r["stats"] if cls == "all" else r["classes"].get(cls, [-1] * 12))[SELECT_STATS[stat]]
