"""environment.yml pins exactly what requirements.txt pins."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _requirements() -> list[str]:
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_requirements_are_exact_pins():
    loose = [line for line in _requirements() if "==" not in line]
    assert not loose, f"requirements.txt: not pinned with ==: {loose}"


def test_environment_yml_has_the_same_pins():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "python=3.11" in environment["dependencies"]
    pip_sections = [
        d["pip"] for d in environment["dependencies"] if isinstance(d, dict)
    ]
    assert len(pip_sections) == 1, "environment.yml needs exactly one pip section"
    pinned = sorted(line for line in pip_sections[0] if "==" in line)
    assert pinned == sorted(_requirements()), (
        "environment.yml and requirements.txt differ: "
        f"only in environment.yml {sorted(set(pinned) - set(_requirements()))}, "
        f"only in requirements.txt {sorted(set(_requirements()) - set(pinned))}"
    )


def test_the_tools_the_makefile_runs_are_pinned():
    """make book, make test and make lab run these from .venv: a clone must get them."""
    names = {line.split("==")[0].lower() for line in _requirements()}
    needed = {"jupyter-book", "papermill", "pytest", "ruff", "playwright", "jupyterlab"}
    assert needed <= names, f"requirements.txt lacks {sorted(needed - names)}"
