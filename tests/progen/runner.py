"""Checking many programs of a seed, in worker processes.

Input: a seed, program indices, the options of :func:`~.checker.check_program`, the
number of ``jobs``.  Output: :func:`run_many` yields one
:class:`~.outcomes.ProgramResult` per index, in order (``jobs > 1``: forked worker
processes; a lost worker is reported as a crash of its program);
:func:`checks_for` names the checks that reproduce a failure of one check.

Imports: :mod:`.program`, :mod:`.loading`, :mod:`.outcomes`, :mod:`.checker`.
"""
from .checker import check_program
from .loading import _reset_moddir, module_dir
from .outcomes import CHECKS, FIRST_ORDER, PointFailure, ProgramResult
from .program import program_for


def _work(job):
    seed, k, npoints, checks, timeout, cfg, every = job
    prog = program_for(seed, k, cfg)
    if every and k % every:
        checks = [c for c in (checks or CHECKS) if c in FIRST_ORDER]
    res = check_program(prog, npoints=npoints, checks=checks, timeout=timeout)
    return res


def run_many(seed, ks, npoints=4, checks=None, jobs=1, timeout=120.0, progress=None,
             cfg=None, second_order_every=None):
    """Check programs ``ks`` of seed ``seed``; yields ProgramResults in order.
    ``jobs > 1`` forks worker processes (each has its own module dir).  With
    ``second_order_every=m`` only programs ``k % m == 0`` get the second-order checks
    (they cost about half of the CPU time)."""
    work = [(seed, k, npoints, checks, timeout, cfg, second_order_every) for k in ks]
    if jobs <= 1:
        for w in work:
            r = _work(w)
            if progress:
                progress(r)
            yield r
        return
    import multiprocessing as mp
    module_dir()          # the workers' module dirs go inside this one
    ctx = mp.get_context("fork")
    with ctx.Pool(jobs, initializer=_reset_moddir, maxtasksperchild=100) as pool:
        pending = [pool.apply_async(_work, (w,)) for w in work]
        for w, ar in zip(work, pending):
            try:
                # every program has its own deadline in the worker; this only catches
                # a worker that died (its task is lost, the pool replaces the worker)
                r = ar.get(timeout=10 * timeout + 300)
            except Exception as e:  # noqa: BLE001
                prog = program_for(w[0], w[1], cfg)
                r = ProgramResult(prog, "?")
                for c in checks or CHECKS:
                    r.status[c] = "n/a"
                c = (checks or CHECKS)[0]
                r.status[c] = "crash"
                r.failures[c] = PointFailure("crash", c, "worker lost", [],
                                             "worker process lost: %r" % (e,),
                                             "%s: crash: worker process lost" % c)
            if progress:
                progress(r)
            yield r


def checks_for(check):
    """The checks to run to reproduce a failure of ``check`` (grad feeds others)."""
    return [check] if check == "grad" else ["grad", check]
