"""Interleaved timing for the small benchmark scripts: every version runs once per
round, so the shared machine's noise hits all of them alike."""
import time

import numpy as np


def interleaved_medians(runs, repeats):
    """``{name: median seconds}`` of the callables in ``runs`` over ``repeats`` rounds."""
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}
