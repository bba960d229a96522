"""The hit log and the stats history of a chaos run, checked against dnsgate's counters:

- hit log: every record made (one per verdict) is a whole line in a file, or counted as
  lost (written + lost writing + not queued == verdicts), whole lines == written, and no
  two records glued on one line;
- history: the intervals stored sum to the queries counted (an interval that could not be
  stored stays open and goes into the next one)."""
import glob
import os

from appliance import history_sum, hitlog_lines


def sections(cx, d, interval=1, log=None, history=None, appliance="chaos", stats=""):
    """[filter], [log] and [stats] (with @p stats lines) for a run whose outputs go to @p d
    (or @p log, @p history)."""
    return f"""[filter]
list = native {cx.list}
[log]
file = {log or os.path.join(d, 'hits.log')}
[stats]
history = {history or os.path.join(d, 'history.db')}
interval = {interval}
appliance = {appliance}
{stats}
"""


def check(cx, label, s, d, logs=None, history=None, appliance="chaos"):
    """Check the outputs of a run that stopped with summary @p s. @return the table's
    state cell."""
    logs = logs if logs is not None else sorted(glob.glob(os.path.join(d, "hits.log*")))
    history = history or os.path.join(d, "history.db")
    good, cut, glued = hitlog_lines(logs)
    h = s["hitlog"]
    made = sum(s["verdict"].values())
    unaccounted = made - h["written"] - h["failed"] - h["not_queued"]
    cx.check(good == h["written"], f"{label}: hit log whole lines {good} == written "
                                   f"{h['written']}")
    cx.check(unaccounted == 0, f"{label}: hit log records {made} == written {h['written']} + "
                               f"lost writing {h['failed']} + not queued {h['not_queued']}")
    cx.check(glued == 0, f"{label}: no hit log lines glued together ({glued}); {cut} cut short")
    n, q = history_sum(history, appliance)
    missing = s["queries"] - q
    cx.check(missing == 0, f"{label}: history sums to {q} queries over {n} intervals == "
                           f"counted {s['queries']}")
    hl = f"hit log: **{unaccounted + abs(good - h['written'])}** unaccounted"
    if h["failed"] or h["not_queued"]:
        hl += f" ({h['failed']:,} of {made:,} lost to the disk, {h['not_queued']:,} to full " \
              f"rings, all counted)"
    if cut:
        hl += f", {cut} cut line"
    return f"{hl}; history: **{missing}** queries missing"
