"""The stability calculator: randfb.calculator and the command line ``randfb`` (randfb.cli).

The commands run in-process through ``main(argv)`` (and once as ``python -m randfb`` in a
subprocess). Their numbers are checked against the library on the same seeds and against
exact oracles: Dirac filterbanks are tight frames, and the dense analysis operator of
``conftest.py`` gives the frame bounds as extreme eigenvalues of ``Phi^T Phi``.
"""

from __future__ import annotations

import json
import math
import re
import shlex
import subprocess
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path

import numpy as np
import pytest

import randfb
from randfb import calculator
from randfb.calculator import (
    conv1d_filters,
    filterbank_bounds,
    quantile,
    random_layer_summary,
    smallest_J_for_kappa,
    summarize,
)
from randfb.cli import _fmt, main

# A small layer: fast to simulate, and a frame in every draw (J >> 4 ln T).
SMALL = ["--J", "16", "--T", "16", "--N", "128", "--draws", "200", "--search-draws", "60"]


def run(argv, capsys):
    """``main(argv)`` in-process: (exit status, stdout, stderr)."""
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def run_json(argv, capsys):
    status, out, err = run([*argv, "--json"], capsys)
    assert status == 0, err
    return json.loads(out)


def save(tmp_path, name, array):
    path = tmp_path / name
    np.save(path, array)
    return path


# ----------------------------------------------------------------- calculator helpers


def test_quantile_matches_numpy_on_finite_samples(rng):
    v = rng.standard_normal(37)
    for q in (0.0, 0.05, 0.5, 0.95, 1.0):
        assert quantile(v, q) == pytest.approx(np.quantile(v, q), rel=1e-12, abs=1e-15)


def test_quantile_is_inf_once_it_reaches_infinite_values():
    v = [1.0, 2.0, np.inf, np.inf]  # numpy.quantile gives NaN at 0.5 and 0.95 here
    assert quantile(v, 0.0) == 1.0
    assert quantile(v, 1 / 3) == 2.0
    assert quantile(v, 0.5) == math.inf
    assert quantile(v, 0.95) == math.inf


def test_summarize_mean_standard_error_and_infinite_samples(rng):
    v = rng.exponential(size=500)
    s = summarize(v)
    assert s.mean == pytest.approx(v.mean())
    assert s.standard_error == pytest.approx(v.std(ddof=1) / np.sqrt(v.size))
    assert s.q05 <= s.median <= s.q95
    s = summarize([1.0, np.inf, 3.0])
    assert s.mean == math.inf and math.isnan(s.standard_error) and s.median == 3.0


def test_random_layer_summary_is_the_simulators_output_summarised():
    N, J, T, n, seed = 128, 12, 16, 300, 7
    s = random_layer_summary(N, J, T, n, seed=seed)
    A, B = randfb.simulate_frame_bounds(N, J, T, n, rng=seed)
    assert s.A.mean == pytest.approx(A.mean(), rel=1e-12)
    assert s.B.median == pytest.approx(np.median(B), rel=1e-12)
    assert s.kappa.q95 == pytest.approx(np.quantile(B / A, 0.95), rel=1e-12)
    assert s.sigma == pytest.approx(1 / np.sqrt(J * T))
    assert s.kappa_tilde == pytest.approx(randfb.kappa_tilde(J, T)) or math.isnan(s.kappa_tilde)


# ------------------------------------------------------------------ the search over J


def test_search_brackets_the_target_and_is_logarithmic():
    N, T, target, n = 128, 16, 3.0, 80
    r = smallest_J_for_kappa(N, T, target, n_draws=n, seed=3)
    assert r.J is not None and r.J > 1
    # Bisection invariant: J meets the target, J - 1 does not (both were simulated).
    assert r.evaluations[r.J].mean <= target < r.evaluations[r.J - 1].mean
    # Doubling then bisection: at most about 2 log2(J) + 2 simulations.
    assert len(r.evaluations) <= 2 * math.log2(r.J) + 2
    # Each J has its own stream derived from (seed, J): the search path does not matter.
    rng = np.random.default_rng(np.random.SeedSequence([3, r.J]))
    A, B = randfb.simulate_frame_bounds(N, r.J, T, n, rng=rng)
    assert r.evaluations[r.J].mean == pytest.approx(np.mean(B / A), rel=1e-12)


def test_search_edge_cases():
    # A loose target is met at once by J = stride + 2, the smallest J with a finite mean.
    r = smallest_J_for_kappa(64, 4, 1e9, stride=2, n_draws=20, seed=0)
    assert r.J == 4 == r.J_start and list(r.evaluations) == [4]
    # A target out of reach below J_max: no answer, and J_max was tried.
    r = smallest_J_for_kappa(64, 8, 1.01, n_draws=20, seed=0, J_max=8)
    assert r.J is None and max(r.evaluations) == 8
    with pytest.raises(ValueError, match="target_kappa must be > 1"):
        smallest_J_for_kappa(64, 8, 1.0)


# --------------------------------------------------------------- a user's own filters


def test_filterbank_bounds_of_dirac_filterbanks_are_tight():
    # One unit Dirac at stride 1: ||Phi x|| = ||x||, so A = B = kappa = 1.
    r = filterbank_bounds(np.eye(1, 6), N=32)
    assert (r.A, r.B, r.kappa) == pytest.approx((1.0, 1.0, 1.0), abs=1e-12)
    # d Diracs at shifts 0..d-1 with stride d: a polyphase split, again A = B = 1.
    r = filterbank_bounds(np.eye(4), N=32, stride=4)
    assert (r.A, r.B, r.kappa) == pytest.approx((1.0, 1.0, 1.0), abs=1e-12)
    # Fewer filters than the stride, or filters shorter than it: A = 0, not a frame.
    r = filterbank_bounds(np.eye(3, 4), N=32, stride=4)
    assert r.A == 0 and r.kappa == math.inf and not r.is_frame
    r = filterbank_bounds(np.ones((8, 3)), N=32, stride=4)
    assert r.A == 0 and r.B > 0 and not r.is_frame


def test_filters_shorter_than_the_stride_miss_input_samples(dense_analysis, rng):
    # The dense operator has a zero column (an input sample never read): A = 0 exactly.
    w = rng.standard_normal((8, 3))
    Phi = dense_analysis(w, 32, 4)
    assert np.flatnonzero(~Phi.any(axis=0)).tolist() == list(range(1, 32, 4))
    assert filterbank_bounds(w, 32, 4).A == 0


@pytest.mark.parametrize(("N", "J", "T", "stride"), [(16, 3, 5, 1), (16, 3, 6, 2), (12, 5, 7, 3)])
def test_filterbank_bounds_match_the_dense_operator(N, J, T, stride, rng, dense_analysis):
    w = rng.standard_normal((J, T))
    Phi = dense_analysis(w, N, stride)
    eig = np.linalg.eigvalsh(Phi.T @ Phi)
    r = filterbank_bounds(w, N, stride)
    assert (r.A, r.B) == pytest.approx((eig[0], eig[-1]), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("stride", [1, 4])
def test_chunked_accumulation_equals_frame_bounds(stride, rng, monkeypatch):
    w = rng.standard_normal((37, 50))
    expected = randfb.frame_bounds(w, 256, stride)
    # A budget of 3 filters per chunk forces 13 chunks (stride 1: spectra of length L ~ 2T).
    per_filter = 16 * randfb.frames._lp_fft_length(50, 256) if stride == 1 else 32 * 256
    monkeypatch.setattr(calculator, "CHUNK_BUDGET_BYTES", 3 * per_filter)
    seen = []
    r = filterbank_bounds(w, 256, stride, progress=lambda done, total: seen.append(done))
    assert (r.A, r.B) == pytest.approx(tuple(map(float, expected)), rel=1e-10)
    assert len(seen) == 13 and seen[-1] == 37


def test_conv1d_filters_shapes():
    w = np.arange(24.0).reshape(4, 1, 6)
    np.testing.assert_array_equal(conv1d_filters(w), w[:, 0, :])
    for shape in [(4, 2, 6), (6,), (2, 2, 2, 2)]:
        with pytest.raises(ValueError, match=r"\(J, T\) or \(J, 1, T\)"):
            conv1d_filters(np.zeros(shape))


# ----------------------------------------------------------------- randfb init


def test_init_table(capsys):
    status, out, err = run(["init", *SMALL], capsys)
    assert status == 0 and err == ""  # stderr is not a terminal: no progress bar
    lines = out.splitlines()
    header = next(line for line in lines if "median" in line).split()
    assert header == ["mean", "median", "5", "%", "95", "%"]
    rows = {parts[0]: parts[1:] for parts in map(str.split, lines)
            if parts[:1] in (["A"], ["B"], ["kappa"]) and len(parts) == 5}
    A, B, kappa = (np.array(rows[k], dtype=float) for k in ("A", "B", "kappa"))
    assert A[2] <= A[1] <= A[3] < 1 < B[2] <= B[1] <= B[3] and 1 <= kappa[2] <= kappa[3]
    assert "frames: 200 of 200 draws (100 %)" in out
    assert f"kappa_tilde(J, T) = {_fmt(randfb.kappa_tilde(16, 16))}:" in out  # 16 > 4 ln 16
    assert "loose at moderate J" in out
    assert "smallest J with mean kappa <= 3: J = " in out


def test_init_json_fields_and_values(capsys):
    d = run_json(["init", *SMALL, "--seed", "5", "--kappa", "2.5"], capsys)
    assert d["command"] == "init" and d["layer"] == {
        "N": 128, "J": 16, "T": 16, "stride": 1, "sigma": pytest.approx(1 / 16)}
    assert d["draws"] == 200 and d["seed"] == 5 and d["frame_fraction"] == 1.0
    for name in ("A", "B", "kappa"):
        s = d[name]
        assert set(s) == {"mean", "median", "q05", "q95", "mean_standard_error"}
        assert s["q05"] <= s["median"] <= s["q95"]
    assert 0 < d["A"]["q95"] <= d["B"]["q05"] and d["kappa"]["q05"] >= 1
    # The same numbers as the simulator on the same seed.
    A, B = randfb.simulate_frame_bounds(128, 16, 16, 200, rng=5)
    assert d["A"]["mean"] == pytest.approx(A.mean(), rel=1e-12)
    assert d["kappa"]["mean"] == pytest.approx(np.mean(B / A), rel=1e-12)
    assert d["kappa_tilde"] == pytest.approx(float(randfb.kappa_tilde(16, 16)))
    # The search: the library's answer, bracketing the target.
    search = d["search"]
    expected = smallest_J_for_kappa(128, 16, 2.5, n_draws=60, seed=5)
    assert search["J"] == expected.J and search["target_kappa"] == 2.5
    means = {e["J"]: e["mean_kappa"] for e in search["evaluations"]}
    assert means[search["J"]] <= 2.5 < means[search["J"] - 1]


def test_init_fewer_filters_than_stride_is_not_a_frame(capsys):
    argv = ["init", "--J", "3", "--T", "8", "--N", "64", "--stride", "4", "--draws", "50",
            "--no-search"]
    status, out, _ = run(argv, capsys)
    assert status == 0
    assert "mean kappa: inf (not a frame: A = 0 in 50 of 50 draws; J = 3 < stride = 4" in out
    assert "frames: 0 of 50 draws (0 %)" in out
    assert "kappa_tilde(J, T) = undefined (J <= 4 ln T = 8.32)" in out
    d = run_json(argv, capsys)
    assert d["frame_fraction"] == 0.0 and d["kappa"]["mean"] is None  # inf -> null
    assert d["A"]["q95"] == 0.0 and d["kappa_tilde"] is None and d["search"] is None
    # Enough filters but shorter than the stride: not a frame either.
    argv = ["init", "--J", "8", "--T", "2", "--N", "64", "--stride", "4", "--draws", "50",
            "--no-search"]
    status, out, _ = run(argv, capsys)
    assert status == 0 and "T = 2 < stride = 4: filters shorter than the stride" in out
    assert run_json(argv, capsys)["frame_fraction"] == 0.0


def test_progress_bar_on_request(capsys):
    status, out, err = run(["init", *SMALL, "--progress"], capsys)
    assert status == 0 and "200/200 draws" in err and "#" in err and "median" in out


# ----------------------------------------------------------------- randfb bounds


def test_bounds_of_a_unit_dirac(tmp_path, capsys):
    path = save(tmp_path, "dirac.npy", np.eye(1, 8))
    status, out, err = run(["bounds", path, "--N", "64"], capsys)
    assert status == 0 and err == ""
    rows = [line.split() for line in out.splitlines() if "frame bound" in line
            or "condition number" in line]
    values = {parts[0]: parts[1] for parts in rows}
    assert values == {"A": "1.000", "B": "1.000", "kappa": "1.000"}
    d = run_json(["bounds", path, "--N", "64"], capsys)
    assert (d["A"], d["B"], d["kappa"], d["is_frame"]) == pytest.approx((1, 1, 1, True))
    assert d["filters"] == {"N": 64, "J": 1, "T": 8, "stride": 1}


@pytest.mark.parametrize("stride", [1, 4])
def test_bounds_of_a_conv1d_weight_equal_frame_bounds(stride, tmp_path, capsys, rng):
    w = rng.standard_normal((6, 1, 20)).astype(np.float32)  # Conv1d(1, 6, 20).weight
    A, B = randfb.frame_bounds(w[:, 0, :], 64, stride)
    d = run_json(["bounds", save(tmp_path, "conv.npy", w), "--N", "64", "--stride", stride],
                 capsys)
    assert d["stored_shape"] == [6, 1, 20] and d["filters"]["J"] == 6
    assert (d["A"], d["B"]) == pytest.approx((float(A), float(B)), rel=1e-5)
    assert d["kappa"] == pytest.approx(float(B / A), rel=1e-5) and d["kappa"] >= 1
    status, out, _ = run(["bounds", save(tmp_path, "c.npy", w), "--N", "64"], capsys)
    assert status == 0 and "Conv1d weight of shape (6, 1, 20)" in out


def test_bounds_of_a_filterbank_that_is_not_a_frame(tmp_path, capsys):
    path = save(tmp_path, "pair.npy", np.array([[1.0, 1.0]]))  # kills the Nyquist bin of N = 4
    d = run_json(["bounds", path, "--N", "4"], capsys)
    assert d["A"] == pytest.approx(0, abs=1e-12) and d["B"] == pytest.approx(4)
    assert d["kappa"] is None and d["is_frame"] is False
    status, out, _ = run(["bounds", path, "--N", "4"], capsys)
    assert status == 0 and "inf (not a frame)" in out


# ------------------------------------------------------------------ bad input


def _bad_files(tmp_path):
    text = tmp_path / "text.npy"
    text.write_text("not an array")
    full = save(tmp_path, "full.npy", np.ones((4, 100)))
    truncated = tmp_path / "truncated.npy"
    truncated.write_bytes(full.read_bytes()[:200])
    np.savez(tmp_path / "archive.npz", w=np.ones((2, 1, 3)), b=np.ones((3, 1, 4)),
             deep=np.ones((3, 2, 4)))
    (tmp_path / "zero_bytes.pt").write_bytes(b"")
    np.save(tmp_path / "objects.npy", np.array([[1.0, "a"]], dtype=object), allow_pickle=True)
    return {
        "missing": tmp_path / "missing.npy",
        "directory": tmp_path,
        "text": text,
        "truncated": truncated,
        "archive": tmp_path / "archive.npz",
        "objects": tmp_path / "objects.npy",
        "integers": save(tmp_path, "int.npy", np.ones((2, 3), dtype=np.int64)),
        "zip": _plain_zip(tmp_path / "other.zip"),
        "in_channels": save(tmp_path, "in2.npy", np.ones((4, 2, 5))),
        "one_d": save(tmp_path, "one.npy", np.ones(5)),
        "empty": save(tmp_path, "empty.npy", np.ones((0, 5))),
        "nan": save(tmp_path, "nan.npy", np.array([[1.0, np.nan]])),
        "complex": save(tmp_path, "complex.npy", np.ones((2, 3), complex)),
        "long": save(tmp_path, "long.npy", np.ones((2, 40))),
        "ok": save(tmp_path, "ok.npy", np.ones((2, 5))),
        "zero_bytes": tmp_path / "zero_bytes.pt",
        "tmp": tmp_path,
    }


def _plain_zip(path):
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "no weights here")
    return path


INIT = ["init", "--J", "8", "--T", "8", "--N", "64"]
BAD_INPUT = [
    # (arguments, a phrase the one-line message must contain)
    (["bounds", "{missing}", "--N", "64"], "not found"),
    (["bounds", "{directory}", "--N", "64"], "is a directory"),
    (["bounds", "{text}", "--N", "64"], "unrecognised file format"),
    (["bounds", "{truncated}", "--N", "64"], "cannot read"),
    (["bounds", "{archive}", "--N", "64"], "holds 2 tensors that can be a first layer"),
    (["bounds", "{archive}", "--N", "64", "--layer", "x"], "no tensor named 'x'"),
    (["bounds", "{archive}", "--N", "64", "--layer", "wx"], "did you mean 'w'?"),
    (["bounds", "{zero_bytes}", "--N", "64"], "zero_bytes.pt is an empty file (0 bytes)"),
    (["bounds", "{ok}", "--N", "64", "--plot", "{tmp}/bounds.txt"],
     "--plot must name a .png, .pdf, .svg file"),
    (["bounds", "{ok}", "--N", "64", "--plot", "{tmp}/no/such/folder/b.png"],
     "the folder"),
    (["bounds", "{ok}", "--N", "64", "--sr", "-16000"], "sample rate must be a finite"),
    (["bounds", "{ok}", "--N", "64", "--sr", "nan"], "sample rate must be a finite"),
    (["bounds", "{objects}", "--N", "64"], "Python objects (dtype object), not numbers"),
    (["bounds", "{integers}", "--N", "64"], "expected floating-point weights"),
    (["bounds", "{zip}", "--N", "64"], "neither a .npz"),
    (["bounds", "{in_channels}", "--N", "64"], "shape (4, 2, 5) (in_channels = 2 > 1"),
    (["bounds", "{one_d}", "--N", "64"], "shape (5,)"),
    (["bounds", "{empty}", "--N", "64"], "J >= 1 filters"),
    (["bounds", "{nan}", "--N", "64"], "finite"),
    (["bounds", "{complex}", "--N", "64"], "dtype complex128"),
    (["bounds", "{long}", "--N", "32"], "T = 40 (last axis of weights) must be <= N = 32"),
    (["bounds", "{ok}", "--N", "64", "--stride", "5"], "stride must divide N = 64"),
    (["bounds", "{ok}"], "required: --N"),
    (["bounds", "--N", "64"], "required: weights"),
    (["bounds", "{ok}", "--N", "6.4e1"], "N (signal length in samples) must be an integer"),
    (["init", "--J", "8", "--T", "128", "--N", "64"], "T (filter length) must be <= N"),
    ([*INIT, "--stride", "3"], "stride must divide N = 64"),
    (["init", "--J", "0", "--T", "8", "--N", "64"], "J (number of filters) must be an integer"),
    (["init", "--J", "4.5", "--T", "8", "--N", "64"], "got '4.5'"),
    (["init", "--J", "8", "--T", "eight", "--N", "64"], "T (filter length) must be an integer"),
    ([*INIT, "--stride", "2.0"], "stride must be an integer"),
    ([*INIT, "--kappa", "1"], "finite number > 1"),
    ([*INIT, "--kappa", "0.5"], "finite number > 1"),
    ([*INIT, "--kappa", "inf"], "finite number > 1"),
    ([*INIT, "--draws", "0"], "number of draws must be an integer >= 1"),
    ([*INIT, "--search-draws", "0"], "search draws must be an integer >= 1"),
    ([*INIT, "--seed", "-1"], "seed must be an integer >= 0"),
    ([*INIT, "--stride", "4", "--max-J", "5"], "--max-J must be >= stride + 2 = 6"),
    (["init", "--J", "8", "--T", "8"], "required: --N"),
    ([], "choose a command"),
    (["frobnicate"], "invalid choice"),
]


@pytest.mark.parametrize(("argv", "phrase"), BAD_INPUT, ids=[" ".join(a) for a, _ in BAD_INPUT])
def test_bad_input_is_one_line_and_exit_status_2(argv, phrase, tmp_path, capsys):
    files = _bad_files(tmp_path)
    status, out, err = run([a.format(**files) for a in argv], capsys)
    assert status == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("randfb: error: ") and phrase in err, err
    assert "Traceback" not in err


# ------------------------------------------------------------------ entry points


def test_help_version_and_console_script(capsys):
    status, out, _ = run(["bounds", "--help"], capsys)
    text = " ".join(out.split())
    assert status == 0 and "(J, 1, T)" in text and "Conv1d" in text and "--layer" in text
    assert ".safetensors" in text and "--layer conv1.weight --N 1024 --stride 4" in text
    status, out, _ = run(["--version"], capsys)
    assert status == 0 and out.strip() == f"randfb {randfb.__version__}"
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "randfb"]
    assert script.value == "randfb.cli:main"


def test_python_dash_m_randfb(tmp_path):
    path = save(tmp_path, "dirac.npy", np.eye(1, 4))
    done = subprocess.run([sys.executable, "-m", "randfb", "bounds", str(path), "--N", "16",
                           "--json"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and json.loads(done.stdout)["kappa"] == pytest.approx(1.0)


# ------------------------------------------------------------- the documented commands

README = Path(__file__).resolve().parents[1] / "README.md"
BOOK_PAGE = Path(__file__).resolve().parents[1] / "book" / "calculator.ipynb"


def documented_commands():
    """The ``randfb ...`` lines of the README's calculator section (the book page runs
    its own commands when it is built, and checks what they print)."""
    section = README.read_text().split("## Stability calculator", 1)[1].split("\n## ")[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    return [line.split("#")[0].strip() for block in blocks
            for line in block.splitlines() if line.startswith("randfb ")]


def test_the_book_page_runs_its_commands_and_shows_their_output():
    """The page is a notebook: each command runs at build time in a cell whose input is
    removed and whose output (the command and what it printed) is shown."""
    cells = json.loads(BOOK_PAGE.read_text())["cells"]
    shown = [c for c in cells if c["cell_type"] == "code"
             and "randfb_command(" in "".join(c["source"])
             and "remove-input" in c["metadata"].get("tags", [])]
    assert len(shown) >= 9
    sources = "".join("".join(c["source"]) for c in shown)
    for phrase in ("init --J 40 --T 1024 --N 1024", "--N {N_long}", "--plot", "--json",
                   "status=2"):
        assert phrase in sources, phrase


def test_the_readme_calculator_commands_run(tmp_path, monkeypatch, capsys, rng):
    commands = documented_commands()
    assert len(commands) >= 4 and {c.split()[1] for c in commands} == {"init", "bounds"}
    monkeypatch.chdir(tmp_path)
    np.save("weights.npy", rng.standard_normal((32, 1, 64)))  # a Conv1d(1, 32, 64) weight
    (tmp_path / "data").symlink_to(Path(__file__).resolve().parents[1] / "data")
    for command in commands:
        argv = shlex.split(command)[1:]
        if argv[0] == "init":  # the same command, with fewer draws to keep the test fast
            argv += ["--draws", "50", "--search-draws", "20"]
        status, out, err = run(argv, capsys)
        assert status == 0 and out and err == "", (command, err)


# ------------------------------------- what init may report (issue: moments of kappa)


def _mean_line(out):
    return next(line for line in out.splitlines() if "mean kappa:" in line)


def test_init_at_J_equal_to_the_stride_is_a_frame_with_infinite_mean(capsys):
    # J = d = 8: a frame almost surely (float32 alone rounds some A to 0 here), p* = 1/2.
    argv = ["init", "--J", "8", "--T", "64", "--N", "1024", "--stride", "8", "--draws", "300",
            "--no-search"]
    status, out, _ = run(argv, capsys)
    assert status == 0 and "not a frame" not in out
    assert "frames: 300 of 300 draws (100 %)" in out
    line = _mean_line(out)
    assert "mean kappa: inf. E[kappa] is infinite for J <= stride + 1 = 9" in line
    assert "+-" not in line and "median" in line
    assert "computed in float64" in out
    d = run_json(argv, capsys)
    assert d["kappa"]["mean"] is None and d["kappa"]["mean_standard_error"] is None
    assert d["kappa"]["median"] > 1 and d["precision"] == "float64"
    assert d["kappa_moments"] == {"threshold": 0.5, "mean_finite": False,
                                  "variance_finite": False}


def test_init_with_infinite_mean_at_stride_1(capsys):
    argv = ["init", "--J", "2", "--T", "64", "--N", "512", "--draws", "200", "--no-search"]
    status, out, _ = run(argv, capsys)
    rows = {p[0]: p[1:] for p in map(str.split, out.splitlines()) if p[:1] == ["kappa"]}
    assert status == 0 and rows["kappa"][0] == "inf" and float(rows["kappa"][1]) > 1
    assert "E[kappa] is infinite for J <= stride + 1 = 2" in _mean_line(out)


def test_init_with_infinite_variance_prints_no_standard_error(capsys):
    argv = ["init", "--J", "4", "--T", "64", "--N", "512", "--draws", "200", "--no-search"]
    status, out, _ = run(argv, capsys)
    line = _mean_line(out)
    assert status == 0 and "+-" not in line and "no standard error" in line
    assert "Var[kappa] is infinite for J <= stride + 3 = 4" in line
    d = run_json(argv, capsys)
    A, B = randfb.simulate_frame_bounds(512, 4, 64, 200, rng=0)
    assert d["kappa"]["mean"] == pytest.approx(np.mean(B / A), rel=1e-12)
    assert d["kappa"]["mean_standard_error"] is None
    # One more filter than the threshold: a finite variance, and a standard error.
    argv[2] = "5"
    assert "+-" in _mean_line(run(argv, capsys)[1])


def test_init_where_the_moments_are_not_established(capsys):
    argv = ["init", "--J", "8", "--T", "30", "--N", "240", "--stride", "4", "--draws", "100",
            "--no-search"]
    status, out, _ = run(argv, capsys)
    line = _mean_line(out)
    assert status == 0 and "+-" not in line and "not established" in line


def test_sigma_is_called_energy_preserving_only_when_the_stride_divides_T(capsys):
    base = ["init", "--N", "240", "--stride", "4", "--J", "8", "--draws", "20", "--no-search"]
    out = run([*base, "--T", "32"], capsys)[1]
    assert "energy-preserving: E||Phi x||^2 = ||x||^2 for every x" in out
    out = run([*base, "--T", "30"], capsys)[1]
    assert "not energy-preserving for every x" in out
    eig = np.linalg.eigvalsh(randfb.strided.expected_polyphase_matrix(8, 30, 4))
    assert f"ranges over [{_fmt(eig[0])}, {_fmt(eig[-1])}]" in out


def test_one_draw_has_no_standard_error(capsys):
    status, out, _ = run(["init", "--J", "16", "--T", "16", "--N", "128", "--draws", "1",
                          "--no-search"], capsys)
    assert status == 0 and "1 draw," in out and "1 draws" not in out
    assert "(one draw: no standard error)" in _mean_line(out) and "+- 0" not in out


def test_search_output_when_the_given_J_meets_the_target(capsys):
    # The given layer (J = 40) meets kappa <= 3; --max-J 10 must not make it "not reached".
    argv = ["init", "--J", "40", "--T", "16", "--N", "128", "--draws", "200",
            "--search-draws", "40", "--max-J", "10"]
    status, out, _ = run(argv, capsys)
    assert status == 0 and "not reached" not in out
    found = int(re.search(r"mean kappa <= 3: J = (\d+)", out).group(1))
    assert 3 <= found <= 40
    assert "from J = 3 = stride + 2" in out


def test_init_help_shows_single_percent_signs(capsys):
    status, out, _ = run(["init", "--help"], capsys)
    text = " ".join(out.split())
    assert status == 0 and "5 % and 95 %" in text and "%%" not in out


def test_number_formatting_keeps_four_significant_digits(tmp_path, capsys):
    assert [_fmt(x) for x in (3e5, 2.227e5, 1.0, 0.0001336, 3717.0, 0.0)] == [
        "3.000e+05", "2.227e+05", "1.000", "0.0001336", "3717", "0"]
    path = save(tmp_path, "scaled.npy", np.sqrt(3e5) * np.eye(1, 4))  # A = B = 3e5
    out = run(["bounds", path, "--N", "16"], capsys)[1]
    assert "3.000e+05" in out and "3e+05" not in out


# ---------------------------------------------- memory, time, pipes (a robust calculator)


def _one_line_error(status, out, err, phrase):
    assert status == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith("randfb: error: ") and phrase in err and "Traceback" not in err


def test_huge_N_is_refused_in_seconds(tmp_path, capsys):
    path = save(tmp_path, "w.npy", np.ones((4, 8)))
    start = time.perf_counter()
    # At stride 1 with T << N nothing has length N (randfb.lp_extremes): a strided
    # layer at N = 10**12 is what cannot fit.
    for argv in (["init", "--J", "8", "--T", "64", "--N", str(10**12), "--stride", "2"],
                 ["bounds", path, "--N", str(10**12), "--stride", "2"],
                 ["init", "--J", "8", "--T", "64", "--N", "1024", "--draws", str(10**12)]):
        _one_line_error(*run(argv, capsys), "would need about")
    assert time.perf_counter() - start < 10


def test_refusal_says_how_much_it_would_need(monkeypatch, capsys):
    monkeypatch.setattr(calculator, "available_memory", lambda: 10**6)
    status, out, err = run(["init", *SMALL], capsys)
    need = calculator.estimate_simulation(128, 16, 16, 200, 1, np.float32).bytes
    _one_line_error(status, out, err, f"would need about {calculator.format_bytes(need)}")
    assert "more than the 1.00 MB available" in err


def test_memory_error_during_the_computation_is_one_line(monkeypatch, capsys):
    def exhausted(*args, **kwargs):
        raise MemoryError("Unable to allocate 7.45 GiB for an array with shape (1000, 10**9)")

    monkeypatch.setattr(calculator, "random_layer_summary", exhausted)
    status, out, err = run(["init", *SMALL], capsys)
    _one_line_error(status, out, err, "out of memory: Unable to allocate")
    assert "--draws" in err


def test_bounds_out_of_memory_does_not_mention_draws(tmp_path, monkeypatch, capsys):
    """randfb bounds has no draws: its advice is about N only (a mutant that printed the
    init advice for both commands fails here)."""
    path = save(tmp_path, "w.npy", np.ones((4, 8)))

    def exhausted(*args, **kwargs):
        raise MemoryError("Unable to allocate 7.45 GiB")

    monkeypatch.setattr(calculator, "filterbank_bounds", exhausted)
    status, out, err = run(["bounds", path, "--N", "64"], capsys)
    _one_line_error(status, out, err, "out of memory: Unable to allocate 7.45 GiB; reduce --N")
    assert "draws" not in err.replace("need no draws", "")
    monkeypatch.setattr(calculator, "available_memory", lambda: 10**3)
    status, out, err = run(["bounds", path, "--N", "64"], capsys)
    _one_line_error(status, out, err, "would need about")
    assert "draws" not in err.replace("need no draws", "")


def test_progress_from_the_first_chunk_and_estimate_announced(monkeypatch, capsys):
    status, out, err = run(["init", *SMALL, "--no-search", "--progress"], capsys)
    assert status == 0 and "0/200 draws" in err and "200/200 draws" in err
    assert "of memory (estimated)" in err
    # A long run is announced even without a progress bar.
    monkeypatch.setattr(randfb.cli, "ANNOUNCE_SECONDS", 0.0)
    status, out, err = run(["init", *SMALL, "--no-search"], capsys)
    assert status == 0 and "about" in err and "--progress shows its progress" in err


def test_closed_stdout_exits_quietly(tmp_path):
    path = save(tmp_path, "w.npy", np.ones((4, 8)))
    for args in (["bounds", str(path), "--N", "1024"], ["init", *SMALL]):
        proc = subprocess.Popen([sys.executable, "-m", "randfb", *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.close()  # the reader has gone before the first line is written
        err = proc.stderr.read().decode()
        proc.wait(timeout=120)
        assert err == "" and proc.returncode == 0, err


def test_zero_weights_are_a_zero_layer_not_an_infinite_kappa(tmp_path, capsys):
    path = save(tmp_path, "zero.npy", np.zeros((4, 1, 8)))
    status, out, _ = run(["bounds", path, "--N", "64"], capsys)
    assert status == 0 and "The layer is zero" in out and "0/0" in out
    assert "inf" not in out and "not a frame" not in out
    d = run_json(["bounds", path, "--N", "64"], capsys)
    assert d["A"] == d["B"] == 0 and d["kappa"] is None and d["is_zero"] is True


# -------------------------------------------- bounds on the files people have (issue 11)

DATA = Path(__file__).resolve().parents[1] / "data"


def test_bounds_of_crepe_tiny_conv1(capsys):
    path = DATA / "crepe-tiny.pth"
    argv = ["bounds", path, "--layer", "conv1.weight", "--N", "1024", "--stride", "4"]
    d = run_json(argv, capsys)
    w = randfb.load_weights(path, layer="conv1.weight")
    A, B = randfb.frame_bounds(w, 1024, 4)
    assert d["layer"] == "conv1.weight" and d["stored_shape"] == [128, 1, 512, 1]
    assert d["filters"] == {"N": 1024, "J": 128, "T": 512, "stride": 4}
    assert (d["A"], d["B"]) == pytest.approx((float(A), float(B)), rel=1e-9)
    assert 1e3 < d["kappa"] < 1e4  # a trained layer: three orders above its random init
    status, out, _ = run(argv, capsys)
    assert status == 0 and "[conv1.weight]" in out and "Conv2d weight of shape" in out
    # Without --layer: conv2...conv6 read several channels, conv1.weight is the one
    # tensor that can be a first layer, and it is read.
    status, out, err = run(["bounds", path, "--N", "1024", "--stride", "4"], capsys)
    assert status == 0 and "[conv1.weight]" in out
    status, out, err = run([*argv[:2], "--layer", "conv2.wieght", *argv[4:]], capsys)
    _one_line_error(status, out, err, "did you mean 'conv2.weight'?")
    offered = err.split("first layer:")[1]
    assert "conv1.weight (128, 1, 512, 1)" in offered and "conv2" not in offered


def test_bounds_of_an_npz_with_layer(tmp_path, capsys, rng):
    w = rng.standard_normal((6, 1, 20))
    np.savez(tmp_path / "model.npz", frontend=w, bias=np.zeros(6), other=np.ones((3, 4)))
    d = run_json(["bounds", tmp_path / "model.npz", "--layer", "frontend", "--N", "64"],
                 capsys)
    A, B = randfb.frame_bounds(w[:, 0, :], 64)
    assert (d["A"], d["B"]) == pytest.approx((float(A), float(B)), rel=1e-12)
    assert d["layer"] == "frontend" and d["stored_shape"] == [6, 1, 20]


def _write_safetensors(path, tensors):
    """The documented format: 8-byte little-endian header length, JSON header, raw data."""
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    path.write_bytes(len(text).to_bytes(8, "little") + text + b"".join(blobs))
    return path


def test_bounds_of_a_safetensors_file(tmp_path, capsys, rng):
    w = rng.standard_normal((5, 1, 16)).astype(np.float32)
    path = _write_safetensors(tmp_path / "layer.safetensors",
                              {"conv.weight": w, "conv.bias": np.zeros(5, np.float32)})
    d = run_json(["bounds", path, "--layer", "conv.weight", "--N", "32", "--stride", "2"],
                 capsys)
    A, B = randfb.frame_bounds(w[:, 0, :].astype(np.float64), 32, 2)
    assert (d["A"], d["B"]) == pytest.approx((float(A), float(B)), rel=1e-9)
    assert d["stored_shape"] == [5, 1, 16]


def test_search_says_no_J_helps_filters_shorter_than_the_stride(capsys):
    status, out, _ = run(["init", "--J", "20", "--T", "2", "--N", "64", "--stride", "4",
                          "--draws", "10"], capsys)
    assert status == 0 and "none: filters shorter than the stride are never a frame" in out
    assert "kappa_tilde(J, T) = " in out and "to be read as a trend" in out


# ------------------------------------------- where A and B are reached, the plot, the verdict


def test_where_A_and_B_are_reached_at_stride_1(tmp_path, capsys, rng):
    """The bins are those of the smallest and largest Littlewood-Paley value (oracle:
    randfb.littlewood_paley on all N bins); w = [1, 1/2] has LP = 5/4 + cos(omega):
    largest at bin 0, smallest at the Nyquist bin N/2."""
    path = save(tmp_path, "w.npy", np.array([[1.0, 0.5]]))
    d = run_json(["bounds", path, "--N", "64", "--sr", "16000"], capsys)
    assert (d["A"], d["B"]) == pytest.approx((0.25, 2.25))
    assert d["A_at"] == {"bin": 32, "cycles_per_sample": 0.5, "hz": 8000.0}
    assert d["B_at"] == {"bin": 0, "cycles_per_sample": 0.0, "hz": 0.0}
    status, out, _ = run(["bounds", path, "--N", "64", "--sr", "16000"], capsys)
    assert "A is reached at bin 32 of N = 64 (0.500 cycles/sample, 8000 Hz)" in out
    assert "B is reached at bin 0 of N = 64 (0 cycles/sample, 0 Hz)" in out
    w = rng.standard_normal((5, 12))
    path = save(tmp_path, "r.npy", w)
    d = run_json(["bounds", path, "--N", "90"], capsys)
    lp = randfb.littlewood_paley(w, 90)[: 90 // 2 + 1]
    assert d["A_at"] == {"bin": int(lp.argmin()), "cycles_per_sample": lp.argmin() / 90,
                         "hz": None}
    assert d["B_at"]["bin"] == int(lp.argmax())
    assert (lp[d["A_at"]["bin"]], lp[d["B_at"]["bin"]]) == pytest.approx((d["A"], d["B"]))


@pytest.mark.parametrize("stride", [2, 3, 4])
def test_where_A_and_B_are_reached_at_stride_d(stride, tmp_path, capsys, rng):
    """At stride d the reported m is a polyphase frequency whose matrix P(m) (oracle:
    randfb.polyphase_matrices) has A as its smallest and B as its largest eigenvalue."""
    N, w = 48, rng.standard_normal((6, 10))
    d = run_json(["bounds", save(tmp_path, "w.npy", w), "--N", N, "--stride", stride,
                  "--sr", "8000"], capsys)
    P = randfb.polyphase_matrices(w, N, stride)
    eig = np.linalg.eigvalsh(P)
    mA, mB = d["A_at"]["bin"], d["B_at"]["bin"]
    assert 0 <= mA <= N // (2 * stride) and 0 <= mB <= N // (2 * stride)
    assert eig[mA, 0] == pytest.approx(d["A"], rel=1e-10)
    assert eig[mB, -1] == pytest.approx(d["B"], rel=1e-10)
    assert d["A_at"]["aliased_bins"] == [mA + r * N // stride for r in range(stride)]
    assert d["A_at"]["hz"] == pytest.approx(mA * 8000 / N)
    status, out, _ = run(["bounds", save(tmp_path, "w.npy", w), "--N", N, "--stride",
                          stride], capsys)
    assert f"A is reached at polyphase frequency m = {mA} of N/d = {N // stride}:" in out


def test_no_place_is_named_for_A_of_a_layer_that_cannot_be_a_frame(tmp_path, capsys):
    d = run_json(["bounds", save(tmp_path, "w.npy", np.ones((2, 8))), "--N", "64",
                  "--stride", "4"], capsys)
    assert d["A"] == 0 and d["A_at"] is None and d["B_at"] is not None


@pytest.mark.parametrize(("weights", "stride", "verdict"), [
    (np.zeros((3, 8)), 1, "zero layer"),
    (np.ones((2, 8)), 4, "not a frame"),
    ("mean-removed", 1, "numerically not a frame"),
    (np.eye(1, 4), 1, "frame"),
])
def test_table_and_json_give_one_verdict(weights, stride, verdict, tmp_path, capsys, rng):
    """float32 filters whose mean was removed have A at round-off level: the JSON says
    is_frame false, as the table says 'numerically not a frame'."""
    if isinstance(weights, str):
        weights = rng.standard_normal((16, 1, 64)).astype(np.float32)
        weights -= weights.mean(axis=-1, keepdims=True)
    path = save(tmp_path, "w.npy", weights)
    d = run_json(["bounds", path, "--N", "256", "--stride", stride], capsys)
    assert d["verdict"] == verdict and d["is_frame"] is (verdict == "frame")
    status, out, _ = run(["bounds", path, "--N", "256", "--stride", stride], capsys)
    opening = {"zero layer": "The layer is zero", "not a frame": "Not a frame:",
               "numerically not a frame": "Numerically not a frame: A is at round-off",
               "frame": "A frame: every signal keeps"}
    for name, text in opening.items():
        assert (text in out) is (name == verdict), (name, out)
    if verdict == "numerically not a frame":
        assert d["kappa"] > calculator.NUMERICALLY_SINGULAR and d["A_at"]["bin"] == 0


def test_plot_draws_the_bounds(tmp_path, capsys, rng):
    path = save(tmp_path, "w.npy", rng.standard_normal((6, 1, 16)))
    for stride in (1, 4):
        figure = tmp_path / f"bounds{stride}.png"
        status, out, err = run(["bounds", path, "--N", "64", "--stride", stride, "--plot",
                                figure, "--sr", "16000"], capsys)
        assert status == 0, err
        assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"Plot of the bounds against frequency: {figure}" in out
    d = run_json(["bounds", path, "--N", "64", "--plot", tmp_path / "b.svg"], capsys)
    assert d["plot"] == str(tmp_path / "b.svg") and (tmp_path / "b.svg").stat().st_size


def test_plot_without_matplotlib_is_one_clear_line(tmp_path, capsys, monkeypatch):
    path = save(tmp_path, "w.npy", np.ones((2, 5)))
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    status, out, err = run(["bounds", path, "--N", "64", "--plot", tmp_path / "b.png"],
                           capsys)
    _one_line_error(status, out, err, "--plot needs matplotlib, which is not installed")


def test_matplotlib_is_imported_only_for_plot(tmp_path):
    path = save(tmp_path, "w.npy", np.ones((2, 5)))
    code = ("import sys; from randfb.cli import main; main(['bounds', {!r}, '--N', '64'"
            "{}]); print('matplotlib' in sys.modules)")
    env = {**__import__("os").environ, "PYTHONPATH": str(Path(randfb.__file__).parents[1])}
    for extra, expected in (("", "False"), (f", '--plot', {str(tmp_path / 'p.png')!r}",
                                            "True")):
        out = subprocess.run([sys.executable, "-c", code.format(str(path), extra)],
                             capture_output=True, text=True, env=env, check=True).stdout
        assert out.strip().splitlines()[-1] == expected


def test_search_runs_when_filters_are_as_long_as_the_stride(capsys):
    """T = d can be a frame (T < d cannot): the search must run and report a J."""
    status, out, err = run(["init", "--J", "8", "--T", "4", "--N", "64", "--stride", "4",
                            "--kappa", "10", "--draws", "50", "--search-draws", "40"],
                           capsys)
    assert status == 0, err
    assert re.search(r"smallest J with mean kappa <= 10: J = \d+\n", out), out
    assert "none: filters shorter than the stride" not in out


def test_where_A_and_B_are_reached_for_long_signals(rng):
    """T << N: the bounds come from a fine grid and a certified refinement; the bins they
    report hold A and B exactly (oracle: the N-point Littlewood-Paley sum), and at
    N = 10**9 the LP sum evaluated directly at the reported bins gives A and B."""
    for T, N in [(8, 4096), (16, 2**15), (64, 2**16 + 1), (5, 10**5)]:
        w = rng.standard_normal((6, T))
        assert calculator.use_fine_grid(T, N)
        r = filterbank_bounds(w, N)
        lp = randfb.littlewood_paley(w, N)[: N // 2 + 1]
        assert lp[r.A_bin] == pytest.approx(lp.min(), rel=1e-12, abs=1e-12 * lp.max())
        assert lp[r.B_bin] == pytest.approx(lp.max(), rel=1e-12)
    w = rng.standard_normal((4, 32))
    N = 10**9
    r = filterbank_bounds(w, N)
    t = np.arange(32)
    for k, value in ((r.A_bin, r.A), (r.B_bin, r.B)):
        phase = np.exp(-2j * np.pi * ((k * t) % N) / N)
        assert np.sum(np.abs(w @ phase) ** 2) == pytest.approx(value, rel=1e-9)
    f, curves = calculator.bound_curves(w, N)
    assert f.size < 10**5 and curves.min() >= r.A * (1 - 1e-9)
    assert curves.max() <= r.B * (1 + 1e-9)
