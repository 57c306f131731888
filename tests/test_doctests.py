"""Run the Examples of every docstring of ``randfb`` (they are part of the documentation).

Every module of the package is found at collection time, so a new module's examples run
without touching this file. Modules that need an optional dependency (matplotlib for the
plotting style) are skipped when it is missing; ``__main__`` is not imported (it runs the
command-line tool).
"""

import doctest
import importlib
import os
import pkgutil
import sys

import pytest

import randfb

os.environ.setdefault("MPLBACKEND", "Agg")  # plotting examples draw off-screen

OPTIONAL = {"matplotlib", "seaborn"}
MODULES = ["randfb"] + sorted(
    f"randfb.{info.name}"
    for info in pkgutil.iter_modules(randfb.__path__)
    if info.name != "__main__"
)


def test_every_module_is_collected():
    assert {"randfb.filterbank", "randfb.gchisq", "randfb.simulate"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and error.name.split(".")[0] in OPTIONAL:
            pytest.skip(f"{name} needs the optional dependency {error.name}")
        raise
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures = []
    try:
        for test in finder.find(module, name):
            runner.run(test, out=failures.append)
    finally:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
    results = runner.summarize(verbose=False)
    assert results.failed == 0, "".join(failures)
