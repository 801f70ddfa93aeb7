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


def check_select(select, names, classes=None):
    """Split select (NAME:CLASS:STAT) into its three parts, or stop saying why no evaluation can
    give it: NAME one of names (the evaluated sets), CLASS 'all' or, where classes (the model's class
    names) is given, one of them, STAT AP, AP50 or AP75."""
    parts = select.split(":")
    if len(parts) != 3:
        raise SystemExit("--select %r: want NAME:CLASS:STAT, e.g. val128:person:AP50" % select)
    name, cls, stat = parts
    if name not in names:
        raise SystemExit("--select %r: %r is not an --eval set (%s)" % (select, name, ", ".join(names) or "none given"))
    if classes is not None and cls != "all" and cls not in classes:
        raise SystemExit("--select %r: %r is not one of the model's classes (%s, or all)" % (
            select, cls, ", ".join(classes)))
    if stat not in SELECT_STATS:
        raise SystemExit("--select %r: %r is not AP, AP50 or AP75" % (select, stat))
    return name, cls, stat
