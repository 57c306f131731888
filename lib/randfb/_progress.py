"""A minimal progress reporter for long simulations (no third-party dependency)."""

from __future__ import annotations

import sys
import time


class Progress:
    """Report ``done / total`` draws to stderr, or to a callable ``progress(done, total)``.

    ``progress=False`` (the default of every simulator) reports nothing; ``True`` prints a
    single updating line to stderr, starting at ``0/total`` before the first chunk, so that
    a long computation shows at once that it has started; a callable receives each update.
    """

    def __init__(self, total: int, label: str, progress=False):
        if not (isinstance(progress, bool) or callable(progress)):
            raise TypeError("progress must be True, False or a callable progress(done, total)")
        self.total, self.label, self.progress = total, label, progress
        self.done = 0
        self.start = time.perf_counter()
        self._last_print = 0.0
        if progress is True:
            self._write(time.perf_counter())

    def _write(self, now: float) -> None:
        pct = 100.0 * self.done / self.total
        end = "\n" if self.done >= self.total else ""
        sys.stderr.write(
            f"\r{self.label}: {self.done}/{self.total} draws ({pct:5.1f} %), "
            f"{now - self.start:.1f} s{end}"
        )
        sys.stderr.flush()

    def update(self, n: int) -> None:
        self.done += n
        if callable(self.progress):
            self.progress(self.done, self.total)
        elif self.progress:
            now = time.perf_counter()
            if now - self._last_print > 0.2 or self.done >= self.total:
                self._last_print = now
                self._write(now)
