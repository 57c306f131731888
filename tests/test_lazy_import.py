"""``import randfb`` is cheap and lazy, and every public name still works.

The package's ``__init__`` maps each public name to its module (one line per module,
``_EXPORTS``) and imports the module on first use (PEP 562 ``__getattr__``).
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import randfb

LIB = str(Path(__file__).resolve().parent.parent / "lib")


def _python(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": LIB}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, check=True).stdout


def test_import_randfb_loads_no_submodule_nor_numpy():
    loaded = _python("import sys, randfb; print(sorted(m for m in sys.modules "
                     "if m.startswith(('randfb', 'numpy', 'scipy', 'matplotlib'))))")
    assert loaded.strip() == "['randfb']", (
        "import randfb loaded more than the package: a plain 'from .x import ...' in "
        "lib/randfb/__init__.py? Add the module's names as one line of _EXPORTS instead")


@pytest.mark.parametrize("name", randfb.__all__)
def test_every_public_name_is_its_modules_object(name):
    module = importlib.import_module(f"randfb.{randfb._MODULE_OF[name]}")
    assert getattr(randfb, name) is getattr(module, name)


def test_all_dir_star_import_and_submodules():
    names = {name for names in randfb._EXPORTS.values() for name in names.split()}
    assert set(randfb.__all__) == names and len(randfb.__all__) == len(names)
    assert names <= set(dir(randfb)) and "__version__" in dir(randfb)
    namespace: dict = {}
    exec("from randfb import *", namespace)
    assert names <= set(namespace)
    exec("from randfb import frame_bounds, Checks", namespace)
    assert namespace["frame_bounds"] is importlib.import_module("randfb.frames").frame_bounds
    assert randfb.calculator is importlib.import_module("randfb.calculator")
    assert randfb.weights.load_weights is randfb.load_weights


def test_unknown_names_raise_attribute_and_import_errors():
    with pytest.raises(AttributeError, match="module 'randfb' has no attribute 'nope'"):
        randfb.nope  # noqa: B018
    assert not hasattr(randfb, "frame_bound")
    with pytest.raises(ImportError):
        exec("from randfb import frame_bound", {})


def test_version_is_fast_and_imports_no_scipy():
    """``randfb --version`` (python -m randfb) in < 0.3 s, without NumPy or SciPy; the
    fastest of three runs counts, as the machine may be busy."""
    env = {**os.environ, "PYTHONPATH": LIB}
    times = []
    for _ in range(3):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "randfb", "--version"], env=env,
                             capture_output=True, text=True, check=True).stdout
        times.append(time.perf_counter() - start)
    assert out.strip() == f"randfb {randfb.__version__}"
    assert min(times) < 0.3, times
    loaded = _python("import sys; from randfb.cli import main; main(['--version']); "
                     "print(sorted({m.split('.')[0] for m in sys.modules} & "
                     "{'numpy', 'scipy', 'matplotlib'}))")
    assert loaded.strip().endswith("[]"), loaded
