"""Choosers: the one interface the generator takes its decisions from.

Input: a seed (:class:`RandomChooser`), a recorded choice sequence
(:class:`ReplayChooser`) or hypothesis' ``draw`` (:class:`HypothesisChooser`).
Output: ints in ``[lo, hi]`` from :meth:`Chooser.int`, and :meth:`~Chooser.bool`,
:meth:`~Chooser.choice`, :meth:`~Chooser.weighted` built on them; every chooser keeps
the offsets ``v - lo`` it gave in ``record`` (a program is replayed and shrunk from
them).  The smallest value of a decision means "the simplest thing".

Imports: the standard library (hypothesis lazily, in :class:`HypothesisChooser`).
"""
import random


class Chooser:
    """Source of decisions for the generator: every decision is an int in [lo, hi]."""

    def int(self, lo, hi):
        raise NotImplementedError

    def bool(self, p):
        """True with probability ``p`` (under a uniform chooser); 0 means False."""
        return self.int(0, 99) >= int(round(100 * (1.0 - p)))

    def choice(self, seq):
        return seq[self.int(0, len(seq) - 1)]

    def weighted(self, pairs):
        """``pairs`` is a list of (int weight, value); earlier entries shrink first."""
        pairs = [(w, v) for w, v in pairs if w > 0]
        total = sum(w for w, _ in pairs)
        r = self.int(0, total - 1)
        for w, v in pairs:
            if r < w:
                return v
            r -= w
        return pairs[-1][1]


class RandomChooser(Chooser):
    """Uniform choices from a seeded ``random.Random``; records what it chose."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.record = []

    def int(self, lo, hi):
        v = self.rng.randint(lo, hi)
        self.record.append(v - lo)
        return v


class ReplayChooser(Chooser):
    """Replays a recorded sequence (offsets from ``lo``); past its end, always ``lo``."""

    def __init__(self, values):
        self.values = list(values)
        self.i = 0
        self.record = []

    def int(self, lo, hi):
        if self.i < len(self.values):
            v = lo + min(max(self.values[self.i], 0), hi - lo)
        else:
            v = lo
        self.i += 1
        self.record.append(v - lo)
        return v


class HypothesisChooser(Chooser):
    """Draws every decision from hypothesis (inside ``st.composite`` / ``st.data()``)."""

    _cache = {}

    def __init__(self, draw):
        self.draw = draw
        self.record = []

    def int(self, lo, hi):
        from hypothesis import strategies as st
        key = (lo, hi)
        s = self._cache.get(key)
        if s is None:
            s = self._cache[key] = st.integers(lo, hi)
        v = self.draw(s)
        self.record.append(v - lo)
        return v

    def weighted(self, pairs):
        # sampled_from is closer to uniform than integers() (which favours small
        # values), so the weights keep their meaning; it still shrinks to the start.
        from hypothesis import strategies as st
        pairs = [(w, v) for w, v in pairs if w > 0]
        key = tuple(w for w, _ in pairs)
        s = self._cache.get(key)
        if s is None:
            idx = []
            for i, w in enumerate(key):
                idx.extend([i] * w)
            s = self._cache[key] = st.sampled_from(idx)
        i = self.draw(s)
        self.record.append(i)
        return pairs[i][1]
