"""Tables of results, as text.

Input: a list of :class:`~.outcomes.ProgramResult`.  Output: :func:`summary_table`
(statuses per check, points compared / skipped, share of the CPU time) and
:func:`tag_table` (the constructs of the programs by failure rate).

Imports: :mod:`.outcomes`.
"""
import collections

from .outcomes import FAIL, FIRST_ORDER


def tag_table(results):
    """Constructs (tags) by failure rate: which features the failing programs share."""
    n = collections.Counter()
    f1 = collections.Counter()
    fa = collections.Counter()
    for r in results:
        first = any(r.status.get(c) in FAIL for c in FIRST_ORDER)
        for t in r.prog.tags:
            n[t] += 1
            f1[t] += first
            fa[t] += r.failed
    tot = len(results) or 1
    base1 = sum(1 for r in results if any(r.status.get(c) in FAIL for c in FIRST_ORDER)) / tot
    rows = ["construct (tag)                 programs  fail 1st-order  fail any   "
            "(baseline 1st-order %.0f%%)" % (100 * base1)]
    for t in sorted(n, key=lambda t: (-f1[t] / n[t], -n[t])):
        rows.append("%-30s %9d %9d (%3.0f%%) %9d" % (t, n[t], f1[t], 100.0 * f1[t] / n[t],
                                                      fa[t]))
    return "\n".join(rows)


def summary_table(results, checks):
    cols = ["ok", "refused", "crash", "wrong", "mutated", "skipped", "n/a"]
    tab = {c: collections.Counter() for c in checks}
    pts = {c: collections.Counter() for c in checks}
    for r in results:
        for c in checks:
            tab[c][r.status.get(c, "n/a")] += 1   # not run: n/a
            pts[c]["ok"] += r.points[(c, "ok")]
            pts[c]["skip"] += r.points[(c, "skip")]
    cpu = collections.Counter()
    for r in results:
        cpu.update(r.check_cpu)
    total = sum(cpu.values()) or 1.0
    out = ["%-8s " % "check" + " ".join("%8s" % c for c in cols) +
           "   points ok/skipped   CPU share"]
    for c in checks:
        out.append("%-8s " % c + " ".join("%8d" % tab[c][k] for k in cols) +
                   "   %8d/%-8d %5.1f%%" % (pts[c]["ok"], pts[c]["skip"],
                                            100.0 * cpu[c] / total))
    return "\n".join(out)
