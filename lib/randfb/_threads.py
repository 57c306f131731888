"""One thread-pool controller for the package, reused by every call that limits BLAS.

``threadpoolctl.threadpool_limits`` builds a new controller on each call, inspecting
every loaded native library (measured here: about 0.4-1 ms per call); limiting through
one controller built once costs about 0.02 ms. The controller is built at first use,
after NumPy and SciPy's linear algebra (and their BLAS libraries) are loaded.
"""

from __future__ import annotations

import functools

import numpy  # noqa: F401  (loads NumPy's BLAS before the controller looks for it)
import scipy.linalg  # noqa: F401  (and SciPy's)
from threadpoolctl import ThreadpoolController


@functools.cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


def single_blas_thread():
    """Context manager: BLAS runs on one thread inside (``threadpool_limits(1, "blas")``)."""
    return _controller().limit(limits=1, user_api="blas")


def single_thread():
    """Context manager: every native thread pool on one thread (``threadpool_limits(1)``)."""
    return _controller().limit(limits=1)
