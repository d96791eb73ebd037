"""The command line: ``python tests/progen --n 500 --seed 1 --out DIR`` (``--help``).

Input: the arguments (:func:`main`).  Output: the summary of the run on stdout (timing,
:func:`~.tables.summary_table`, the failure groups; with ``--show``, ``--tags``,
``--shrink`` more), failing and shrunk programs written to ``--out``, exit status 1 if
a program fails.  :func:`program_header` and :func:`load_program_file` write and read
the ``# progen:`` header of a program file (``--check FILE`` re-checks one).

Imports: :mod:`.grammar`, :mod:`.program`, :mod:`.loading`, :mod:`.outcomes`,
:mod:`.checker`, :mod:`.runner`, :mod:`.shrink`, :mod:`.tables`.
"""
import argparse
import collections
import os
import re
import sys
import textwrap
import time

from .checker import check_program, point_seed
from .grammar import DEFAULT_CONFIG, Config
from .loading import _slug, module_dir
from .outcomes import CHECKS, FAIL, _fmt
from .program import Program, program_for
from .runner import checks_for, run_many
from .shrink import shrink
from .tables import summary_table, tag_table


def program_header(prog, res=None, check=None):
    import json
    meta = {"label": prog.label, "params": [[n, list(k) if k != "float" else k]
                                            for n, k in prog.params],
            "has_aux": prog.has_aux, "point_seed": point_seed(prog)}
    lines = ["# progen: " + json.dumps(meta)]
    if res is not None:
        shown = 0
        for c in ([check] if check else CHECKS):
            f = res.failures.get(c)
            if f is None or f.status not in FAIL:
                continue
            shown += 1
            if shown > 3:
                lines.append("# check %s: %s -- %s" % (c, f.status, f.group))
                continue
            lines.append("# check %s: %s -- %s" % (c, f.status, f.group))
            for dl in f.detail.splitlines()[:8]:
                lines.append("#   " + dl[:200])
            if f.point:
                lines.append("#   point: " + ", ".join(
                    "%s=%s" % (n, _fmt(a).replace("\n", " ")) for (n, _), a in
                    zip(prog.params, f.point)))
    lines.append("# re-check: python tests/progen --check THIS_FILE")
    return "\n".join(lines) + "\n"


def load_program_file(path):
    import json
    text = open(path).read()
    m = re.search(r"^# progen: (.*)$", text, re.M)
    if not m:
        raise SystemExit("%s has no '# progen:' header" % path)
    meta = json.loads(m.group(1))
    params = [(n, tuple(k) if k != "float" else k) for n, k in meta["params"]]
    return Program(text, params, meta["has_aux"], meta["label"], []), meta["point_seed"]


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python tests/progen",
        description="Differential testing of s2sad on generated programs.",
        epilog=textwrap.dedent("""\
            Shrinking: --shrink N shrinks the smallest failing program of each of the N
            biggest failure groups (zeroing blocks of its choice sequence, then deleting
            statements / inlining blocks / replacing expressions by sub-expressions in
            its source; the shrunk program still fails in the same group, at the same
            points) and prints it and writes OUT/shrunk_<group>.py.  Under pytest,
            tests/test_generated.py::test_hypothesis_programs uses hypothesis' own
            shrinking.  Re-check a written program: --check FILE.  --tags shows which
            constructs the failing programs share."""),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="number of programs")
    ap.add_argument("--seed", default="1", help="seed of the program sequence")
    ap.add_argument("--start", type=int, default=0, help="first program index")
    ap.add_argument("--out", default=None, help="write failing programs into this dir")
    ap.add_argument("--points", type=int, default=4, help="points per program")
    ap.add_argument("--checks", default=",".join(CHECKS), help="comma-separated checks")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=float, default=120.0,
                    help="CPU seconds per program (then: crash: timeout)")
    ap.add_argument("--shrink", type=int, default=0, metavar="N",
                    help="shrink one program of each of the N biggest failure groups")
    ap.add_argument("--shrink-seconds", type=float, default=120.0)
    ap.add_argument("--show", type=int, default=0, metavar="K",
                    help="print the full report of the smallest program of K groups")
    ap.add_argument("--check", metavar="FILE", help="re-check one written program file")
    ap.add_argument("--tags", action="store_true",
                    help="print how often each construct occurs in failing programs")
    ap.add_argument("--print", dest="print_k", type=int, metavar="K",
                    help="print program K of --seed and exit")
    ap.add_argument("--max-stmts", type=int, default=DEFAULT_CONFIG.max_stmts,
                    help="top-level statements of f at most (program size)")
    ap.add_argument("--max-helpers", type=int, default=DEFAULT_CONFIG.max_helpers)
    ap.add_argument("--second-order-every", type=int, default=None, metavar="M",
                    help="run hessian/hvp/grad2 only on programs k with k %% M == 0")
    a = ap.parse_args(argv)
    checks = [c for c in a.checks.split(",") if c]
    cfg = Config(max_stmts=a.max_stmts, max_helpers=a.max_helpers)
    # keep s2sad's generated modules out of ~/.cache while fuzzing
    os.environ.setdefault("S2SAD_CACHE_DIR", os.path.join(module_dir(), "s2sad_cache"))
    if a.print_k is not None:
        print(program_for(a.seed, a.print_k, cfg).source)
        return 0
    if a.check:
        prog, seed = load_program_file(a.check)
        r = check_program(prog, npoints=a.points, checks=checks, seed=seed,
                          timeout=a.timeout)
        print(summary_table([r], checks))
        print(r.report())
        return 1 if r.failed else 0

    t0 = time.perf_counter()
    results = []
    done = [0]

    def progress(r):
        done[0] += 1
        if done[0] % 50 == 0:
            print("... %d programs, %.1fs" % (done[0], time.perf_counter() - t0),
                  file=sys.stderr, flush=True)

    for r in run_many(a.seed, range(a.start, a.start + a.n), a.points, checks, a.jobs,
                      a.timeout, progress, cfg, a.second_order_every):
        results.append(r)
    wall = time.perf_counter() - t0
    cpu = sum(r.cpu for r in results)
    print("%d programs (seed %s) in %.1fs wall, %.3fs per program (%.3fs CPU per program,"
          " %d jobs)" % (len(results), a.seed, wall, wall / max(len(results), 1),
                         cpu / max(len(results), 1), a.jobs))
    slow = sorted(results, key=lambda r: -r.cpu)[:5]
    cpus = sorted(r.cpu for r in results)
    if cpus:
        print("CPU per program: median %.2fs, 90%% %.2fs, max %.2fs (slowest: %s)" % (
            cpus[len(cpus) // 2], cpus[int(len(cpus) * 0.9)], cpus[-1],
            ", ".join("%s %.1fs" % (r.prog.label.split("k=")[-1], r.cpu) for r in slow)))
    print()
    print(summary_table(results, checks))
    const = [r for r in results if r.max_fd_grad is not None and r.max_fd_grad < 1e-10]
    print("\n%d of %d programs have a zero gradient at every point (f constant there)" % (
        len(const), len(results)))
    invalid = [r for r in results if r.invalid]
    if invalid:
        print("\n%d INVALID programs (generator bugs), e.g. %s: %s" % (
            len(invalid), invalid[0].prog.label, invalid[0].invalid))
    groups = collections.OrderedDict()
    for r in results:
        for g in r.groups():
            groups.setdefault(g, []).append(r)
    nfail = sum(1 for r in results if r.failed)
    print("\n%d of %d programs fail; %d failure groups (check: outcome: first line):" % (
        nfail, len(results), len(groups)))
    order = sorted(groups, key=lambda g: -len(groups[g]))
    for g in order:
        rs = groups[g]
        smallest = min(rs, key=lambda r: len(r.prog.source))
        print("%5d  %s   [smallest: %s]" % (len(rs), g, smallest.prog.label))
    if a.tags:
        print("\n" + tag_table(results))
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        for r in results:
            if not r.failed and not r.invalid:
                continue
            name = "fail_%s_%s.py" % (_slug(a.seed), r.prog.label.split("k=")[-1])
            with open(os.path.join(a.out, name), "w") as fh:
                fh.write(program_header(r.prog, r))
                if r.invalid:
                    fh.write("# INVALID: %s\n" % r.invalid.replace("\n", " "))
                fh.write(r.prog.source)
        with open(os.path.join(a.out, "summary.txt"), "w") as fh:
            fh.write(summary_table(results, checks) + "\n\n")
            for g in order:
                fh.write("%5d  %s\n" % (len(groups[g]), g))
                fh.write("       %s\n" % " ".join(r.prog.label.split("k=")[-1]
                                                 for r in groups[g][:40]))
        print("\nfailing programs written to %s (summary.txt lists the groups)" % a.out)
    for g in order[: a.show]:
        smallest = min(groups[g], key=lambda r: len(r.prog.source))
        print("\n" + "=" * 78 + "\n" + g + "\n" + smallest.report())
    # one shrink per bug: the same error under several checks is shrunk once
    distinct, seen_bugs = [], set()
    for g in order:
        bug = g.split(": ", 1)[1] if ": " in g else g
        if bug not in seen_bugs:
            seen_bugs.add(bug)
            distinct.append(g)
    for g in distinct[: a.shrink]:
        smallest = min(groups[g], key=lambda r: len(r.prog.source))
        check = g.split(":")[0]
        print("\nshrinking %s (%d lines) for: %s" % (
            smallest.prog.label, len(smallest.prog.source.splitlines()), g), flush=True)
        small = shrink(smallest.prog, g, check, budget_seconds=a.shrink_seconds,
                       npoints=a.points, log=lambda m: print(m, flush=True))
        r = check_program(small, npoints=a.points, checks=checks_for(check),
                          seed=point_seed(smallest.prog))
        # keep the original points' seed in the header: the failure is reproducible
        hdr = program_header(small, r, check).replace(
            '"point_seed": %d' % point_seed(small),
            '"point_seed": %d' % point_seed(smallest.prog))
        print(hdr + small.source)
        if a.out:
            with open(os.path.join(a.out, "shrunk_%s.py" % _slug(g)[:60]), "w") as fh:
                fh.write(hdr + small.source)
    return 1 if nfail else 0
