"""Independent units of a sweep (seeds x folds x banks) run through joblib.

A unit is any picklable object (a tuple of a bank name, a fold and a seed, say) and
``fn(unit)`` computes its result from the unit alone: every random draw inside comes
from a seed carried by the unit (e.g. from :func:`unit_seeds`), never from a global
state, so the results do not depend on how many workers run them or in which order.
:func:`run_parallel` returns them in the order of the units.

On a cluster, the same call runs through joblib's Dask backend (Dask is not a
dependency of randfb)::

    from dask.distributed import Client
    from joblib import parallel_config

    client = Client("tcp://scheduler:8786")  # Client() starts a local cluster
    with parallel_config(backend="dask"):
        results = run_parallel(fn, units, n_jobs=-1)

Used by: book/downstream.ipynb.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["run_parallel", "unit_seeds"]


def run_parallel(fn, units, *, n_jobs=1, verbose=0):
    """``[fn(u) for u in units]``, ``n_jobs`` units at a time (joblib), in order.

    Parameters
    ----------
    fn : callable
        Takes one unit; must be picklable for ``n_jobs != 1`` (a module-level function).
    units : iterable
    n_jobs : int, nonzero, default 1
        Workers (joblib's processes by default; ``-1``: all cores). ``1`` runs in this
        process, without joblib.
    verbose : int >= 0, default 0
        joblib's progress messages (``>= 10``: one per unit).

    Returns
    -------
    results : list

    Examples
    --------
    >>> from randfb import run_parallel
    >>> run_parallel(abs, [-2, 3, -4], n_jobs=1)
    [2, 3, 4]
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {fn!r}")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0:
        raise ValueError(f"n_jobs must be a nonzero integer (-1: all cores), got {n_jobs!r}")
    if isinstance(verbose, bool) or not isinstance(verbose, numbers.Integral) or verbose < 0:
        raise ValueError(f"verbose must be an integer >= 0, got {verbose!r}")
    units = list(units)
    if n_jobs == 1:
        return [fn(unit) for unit in units]
    from joblib import Parallel, delayed

    return list(Parallel(n_jobs=int(n_jobs), verbose=int(verbose))(
        delayed(fn)(unit) for unit in units))


def unit_seeds(seed, n_units):
    """``n_units`` independent ``SeedSequence`` children of ``SeedSequence(seed)``.

    Give unit ``i`` the seed ``unit_seeds(seed, n)[i]``: the draws of every unit come
    from one root seed, and unit ``i``'s draws do not depend on ``n`` or on the others.
    The children are the ones ``SeedSequence(seed).spawn(n)`` gives, but made from
    explicit spawn keys: unlike ``spawn``, this does not advance a counter in ``seed``,
    so a unit that derives its own seeds with ``unit_seeds(unit_seed, k)`` gets the same
    ones however often (and in whichever process) it runs.

    Parameters
    ----------
    seed : int >= 0 or numpy SeedSequence
    n_units : int >= 1

    Returns
    -------
    seeds : list of numpy.random.SeedSequence

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import unit_seeds
    >>> a, b = unit_seeds(0, 2)
    >>> bool(np.random.default_rng(a).integers(100) == np.random.default_rng(
    ...     unit_seeds(0, 5)[0]).integers(100))
    True
    """
    if isinstance(seed, np.random.SeedSequence):
        root = seed
    elif isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        root = np.random.SeedSequence(int(seed))
    else:
        raise ValueError(f"seed must be an integer >= 0 or a numpy SeedSequence, got {seed!r}")
    if isinstance(n_units, bool) or not isinstance(n_units, numbers.Integral) or n_units < 1:
        raise ValueError(f"n_units must be an integer >= 1, got {n_units!r}")
    # spawn() would advance root's counter; children by explicit spawn keys do not
    return [np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, i))
            for i in range(int(n_units))]
