"""Tests for the downstream tasks' data (``data/fsdd/``, ``data/notes/``), their loaders
and folds (``randfb.tasks``), and the scripts that made the data.

``data/README.md`` lists the SHA-256 of each folder's manifest; the tests parse it
rather than repeating the values, check every shipped file against its manifest, and
regenerate the data where the sources are available.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import os
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile
from scipy.signal import resample_poly

import randfb
from randfb import recordings, tasks
from randfb.tasks import TaskData, load_digits, load_notes, task_folds

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
README = DATA / "README.md"
FSDD = DATA / "fsdd"
NOTES = DATA / "notes"
# A clone of the dataset's repository at v1.0.10, if any: $FSDD_CLONE, or a copy next to
# the repository (the tests that need it are skipped without one).
FSDD_CLONE = Path(os.environ.get("FSDD_CLONE", REPO.parent / "shared" / "datasets" / "fsdd"))
MAX_FILE_BYTES = 2 * 1024 * 1024  # every shipped file is smaller than 2 MiB

# Rows of data/README.md's manifest tables: | `folder/SHA256SUMS` | what | `sha` |
MANIFEST_ROW = re.compile(
    r"^\|\s*`(?P<file>[a-z0-9_]+/SHA256SUMS[.\w]*)`\s*\|[^|]*\|\s*`(?P<sha>[0-9a-f]{64})`\s*\|$"
)


def readme_manifests() -> dict[str, str]:
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        match = MANIFEST_ROW.match(line.strip())
        if match:
            rows[match["file"]] = match["sha"]
    return rows


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(path: Path) -> dict[str, str]:
    return {
        name: digest
        for digest, name in (
            line.split("  ", 1) for line in path.read_text(encoding="utf-8").splitlines()
        )
    }


def import_script(name: str):
    """A script of data/ imported as a module, writing no .pyc."""
    spec = importlib.util.spec_from_file_location(name, DATA / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    previous, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = previous
    return module


@pytest.fixture(scope="module")
def make_digits():
    yield import_script("make_digits")
    sys.modules.pop("make_digits", None)


@pytest.fixture(scope="module")
def make_notes():
    yield import_script("make_notes")
    sys.modules.pop("make_notes", None)
    sys.modules.pop("make_recordings", None)


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.fixture(scope="module")
def notes():
    return load_notes()


def notes_table() -> list[dict[str, str]]:
    with open(NOTES / "notes.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------------------
# data/fsdd/: the files, their manifests and data/README.md
# --------------------------------------------------------------------------------------


def test_readme_pins_the_manifests_that_the_loader_pins():
    rows = readme_manifests()
    assert set(rows) == {"fsdd/SHA256SUMS", "fsdd/SHA256SUMS.v1.0.10", "notes/SHA256SUMS"}
    assert rows["fsdd/SHA256SUMS.v1.0.10"] == tasks.FSDD_MANIFEST_SHA256
    assert rows["notes/SHA256SUMS"] == tasks.NOTES_MANIFEST_SHA256
    for name, digest in rows.items():
        assert sha256((DATA / name).read_bytes()) == digest, name


def test_fsdd_manifest_lists_every_shipped_file_with_its_checksum():
    manifest = read_manifest(FSDD / "SHA256SUMS")
    shipped = {
        str(p.relative_to(FSDD))
        for p in FSDD.rglob("*")
        if p.is_file() and not p.name.startswith("SHA256SUMS")
    }
    assert set(manifest) == shipped
    assert {"README.md", "COPYING"} <= shipped
    for name, digest in manifest.items():
        data = (FSDD / name).read_bytes()
        assert sha256(data) == digest, name
        assert len(data) < MAX_FILE_BYTES, name
    assert {p.name for p in FSDD.iterdir() if p.is_file()} == {
        "README.md", "COPYING", "SHA256SUMS", "SHA256SUMS.v1.0.10",
    }  # fmt: skip


def test_fsdd_subset_is_every_speaker_and_digit_takes_0_to_9(make_digits):
    wavs = sorted(p.name for p in (FSDD / "recordings").iterdir())
    assert wavs == make_digits.shipped_names(10)
    assert len(wavs) == 6 * 10 * 10
    full = read_manifest(FSDD / "SHA256SUMS.v1.0.10")
    assert len(full) == 3000
    shipped = read_manifest(FSDD / "SHA256SUMS")
    for name in wavs:  # the shipped recordings are the tag's, byte for byte
        assert shipped[f"recordings/{name}"] == full[f"recordings/{name}"]


def test_fsdd_licence_notice_names_the_licence_source_and_changes():
    notice = (FSDD / "COPYING").read_text(encoding="utf-8")
    for phrase in (
        "CC BY-SA 4.0",
        "https://creativecommons.org/licenses/by-sa/4.0/",
        "https://github.com/Jakobovski/free-spoken-digit-dataset",
        "v1.0.10",
        "Changes: none to the recordings",
    ):
        assert phrase in notice
    assert "Creative Commons Attribution-ShareAlike 4.0" in (FSDD / "README.md").read_text()


def test_fsdd_recordings_are_8khz_16bit_mono():
    for path in sorted((FSDD / "recordings").glob("*_0.wav")):
        rate, pcm = wavfile.read(path)
        assert (rate, pcm.dtype, pcm.ndim) == (8000, np.int16, 1)


@pytest.mark.skipif(not FSDD_CLONE.is_dir(), reason="no copy of FSDD v1.0.10 here")
def test_make_digits_regenerates_the_subset_byte_for_byte(tmp_path, make_digits):
    out = tmp_path / "fsdd"
    make_digits.main([str(FSDD_CLONE), "--out", str(out)])
    made = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    shipped = sorted(str(p.relative_to(FSDD)) for p in FSDD.rglob("*") if p.is_file())
    assert made == shipped
    for name in made:
        assert (out / name).read_bytes() == (FSDD / name).read_bytes(), name


@pytest.mark.skipif(not FSDD_CLONE.is_dir(), reason="no copy of FSDD v1.0.10 here")
def test_make_digits_names_a_changed_or_missing_recording(tmp_path, make_digits):
    clone = tmp_path / "clone"
    (clone / "recordings").mkdir(parents=True)
    shutil.copyfile(FSDD_CLONE / "README.md", clone / "README.md")
    for path in (FSDD_CLONE / "recordings").glob("*.wav"):
        (clone / "recordings" / path.name).symlink_to(path)
    changed = clone / "recordings" / "3_theo_17.wav"
    data = bytearray(changed.read_bytes())
    data[-1] ^= 1
    changed.unlink()
    changed.write_bytes(bytes(data))
    with pytest.raises(SystemExit) as error:
        make_digits.main([str(clone), "--out", str(tmp_path / "out")])
    assert str(error.value) == f"SHA-256 differs from v1.0.10: {changed}"
    changed.unlink()
    with pytest.raises(SystemExit) as error:
        make_digits.main([str(clone), "--out", str(tmp_path / "out")])
    assert str(error.value) == f"missing: {changed}"
    with pytest.raises(SystemExit, match="is not a folder"):
        make_digits.main([str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")])


# --------------------------------------------------------------------------------------
# load_digits
# --------------------------------------------------------------------------------------


def test_load_digits_shapes_labels_groups_and_order(digits):
    assert isinstance(digits, TaskData)
    assert digits.x.shape == (600, 8192) and digits.x.dtype == np.float64
    assert digits.sr == 8000 and digits.N == 8192 and len(digits) == 600
    assert digits.family is None
    assert digits.y.dtype == np.int64 and digits.lengths.dtype == np.int64
    speakers = ["george", "jackson", "lucas", "nicolas", "theo", "yweweler"]
    expected = [
        (f"{d}_{s}_{k}", d, s) for s in speakers for d in range(10) for k in range(10)
    ]
    assert digits.names == tuple(name for name, _, _ in expected)
    np.testing.assert_array_equal(digits.y, [d for _, d, _ in expected])
    np.testing.assert_array_equal(digits.groups, [s for _, _, s in expected])
    np.testing.assert_allclose(np.linalg.norm(digits.x, axis=1), 1.0, rtol=1e-13)


def test_load_digits_crop_and_pad_rule_against_the_files():
    data = load_digits(N=4096, normalize=False)
    raw = {}
    for name in data.names:
        rate, pcm = wavfile.read(FSDD / "recordings" / f"{name}.wav")
        raw[name] = pcm.astype(np.float64) / 32768.0
    lengths = np.array([raw[name].size for name in data.names])
    np.testing.assert_array_equal(data.lengths, lengths)
    long = [i for i, n in enumerate(lengths) if n > 4096 and (n - 4096) % 2 == 1]
    short = [i for i, n in enumerate(lengths) if n < 4096]
    assert long and short
    for i in long + short[:20]:
        clip = raw[data.names[i]]
        if clip.size > 4096:
            start = (clip.size - 4096) // 2  # centre crop, the extra sample at the end
            np.testing.assert_array_equal(data.x[i], clip[start : start + 4096])
        else:
            np.testing.assert_array_equal(data.x[i, : clip.size], clip)
            assert not np.any(data.x[i, clip.size :])


def test_load_digits_takes_select_and_match_the_full_load(digits):
    five = load_digits(takes=5)
    assert len(five) == 300
    assert all(name.rsplit("_", 1)[1] in "01234" for name in five.names)
    chosen = load_digits(takes=[9, 2])
    assert len(chosen) == 120
    assert {name.rsplit("_", 1)[1] for name in chosen.names} == {"2", "9"}
    position = {name: i for i, name in enumerate(digits.names)}
    for subset in (five, chosen):
        rows = [position[name] for name in subset.names]
        np.testing.assert_array_equal(subset.x, digits.x[rows])
        np.testing.assert_array_equal(subset.y, digits.y[rows])
        np.testing.assert_array_equal(subset.groups, digits.groups[rows])
    assert load_digits(takes=np.int64(1), N=np.int64(256)).x.shape == (60, 256)


def test_task_data_take_keeps_every_field(digits):
    theo = digits.take(digits.groups == "theo")
    assert len(theo) == 100 and set(theo.groups) == {"theo"}
    assert theo.names[0] == "0_theo_0" and theo.sr == 8000
    picked = digits.take([5, 0])
    assert picked.names == (digits.names[5], digits.names[0])
    np.testing.assert_array_equal(picked.lengths, digits.lengths[[5, 0]])
    with pytest.raises(ValueError, match="one entry per clip"):
        TaskData(x=np.zeros((2, 4)), y=np.zeros(3), groups=np.zeros(2), sr=1, names=("a", "b"))


@pytest.mark.skipif(not FSDD_CLONE.is_dir(), reason="no copy of FSDD v1.0.10 here")
def test_load_digits_from_a_clone_reads_all_takes(digits):
    full = load_digits(digits_dir=FSDD_CLONE, N=1024)
    assert len(full) == 3000
    shipped = load_digits(N=1024)
    position = {name: i for i, name in enumerate(full.names)}
    np.testing.assert_array_equal(full.x[[position[n] for n in shipped.names]], shipped.x)
    assert len(load_digits(digits_dir=str(FSDD_CLONE), takes=[49], N=64)) == 60


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"N": 0}, "N must be an integer >= 1 and <= 65536"),
        ({"N": 65537}, "N must be an integer >= 1 and <= 65536"),
        ({"N": 2.5}, "N must be an integer"),
        ({"N": True}, "N must be an integer"),
        ({"N": "8192"}, "N must be an integer"),
        ({"takes": 0}, "takes must be an integer between 1 and 10"),
        ({"takes": 11}, "takes must be an integer between 1 and 10"),
        ({"takes": True}, "takes must be None, an integer or a list"),
        ({"takes": 2.5}, "takes must be None, an integer or a list"),
        ({"takes": "3"}, "takes must be None, an integer or a list"),
        ({"takes": []}, "takes must not be an empty list"),
        ({"takes": [10]}, "takes must list integers between 0 and 9"),
        ({"takes": [-1]}, "takes must list integers between 0 and 9"),
        ({"takes": [1.0]}, "takes must list integers between 0 and 9"),
        ({"takes": [1, 1]}, "takes must not repeat a take"),
        ({"digits_dir": 3}, "digits_dir must be None or the path of a clone"),
        ({"digits_dir": "/nonexistent/fsdd"}, "digits_dir must be a clone"),
        ({"normalize": "yes"}, "normalize must be True or False"),
    ],
)
def test_load_digits_refuses_bad_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        load_digits(**kwargs)


def test_load_digits_refuses_a_folder_without_recordings(tmp_path):
    with pytest.raises(ValueError, match="digits_dir must be a clone.*recordings"):
        load_digits(digits_dir=tmp_path)


def test_load_digits_silent_clip_after_cropping_is_a_clear_error():
    # The centre sample of some clip is 0: at N = 1 that clip is silent.
    with pytest.raises(ValueError, match=r"clip '.*' is silent at N = 1 samples"):
        load_digits(N=1)
    assert load_digits(N=1, normalize=False).x.shape == (600, 1)


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of data/fsdd/ in a folder that RANDFB_DATA points at."""
    shutil.copytree(FSDD, tmp_path / "fsdd")
    monkeypatch.setenv(recordings.DATA_ENV_VAR, str(tmp_path))
    return tmp_path / "fsdd"


def _one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message
    # No chained traceback from inside: raised fresh, or with `from None`.
    assert error.value.__cause__ is None
    assert error.value.__context__ is None or error.value.__suppress_context__
    return message


def test_missing_digit_file_names_it_and_the_command(data_copy):
    (data_copy / "recordings" / "4_lucas_7.wav").unlink()
    with pytest.raises(FileNotFoundError) as error:
        load_digits()
    message = _one_line(error)
    assert str(data_copy / "recordings" / "4_lucas_7.wav") in message
    assert "python data/make_digits.py PATH_TO_CLONE" in message
    assert len(load_digits(takes=[0, 1])) == 120  # other takes still load


def test_corrupt_digit_file_names_it_and_the_command(data_copy):
    path = data_copy / "recordings" / "0_george_0.wav"
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError) as error:
        load_digits()
    message = str(error.value)
    assert "\n" not in message
    assert f"{path} is corrupt" in message
    assert "python data/make_digits.py PATH_TO_CLONE" in message


def test_corrupt_or_missing_manifest_is_a_clear_error(data_copy):
    manifest = data_copy / "SHA256SUMS.v1.0.10"
    manifest.write_text(manifest.read_text().replace("a", "b", 1))
    with pytest.raises(ValueError, match=r"SHA256SUMS.v1.0.10 is corrupt .*make_digits"):
        load_digits()
    manifest.unlink()
    with pytest.raises(FileNotFoundError, match=r"SHA256SUMS.v1.0.10 is missing"):
        load_digits()


@pytest.mark.skipif(not FSDD_CLONE.is_dir(), reason="no copy of FSDD v1.0.10 here")
def test_corrupt_file_in_a_clone_says_how_to_restore_it(tmp_path):
    clone = tmp_path / "clone"
    (clone / "recordings").mkdir(parents=True)
    for path in (FSDD_CLONE / "recordings").glob("*_49.wav"):
        shutil.copyfile(path, clone / "recordings" / path.name)
    victim = clone / "recordings" / "9_nicolas_49.wav"
    victim.write_bytes(victim.read_bytes()[:-2])
    with pytest.raises(ValueError) as error:
        load_digits(digits_dir=clone, takes=[49])
    assert f"{victim} is corrupt" in str(error.value)
    assert f"git -C {clone} checkout v1.0.10" in str(error.value)
    with pytest.raises(FileNotFoundError, match=r"0_george_0.wav is missing"):
        load_digits(digits_dir=clone, takes=[0])


# --------------------------------------------------------------------------------------
# data/notes/: the files, notes.csv and the script
# --------------------------------------------------------------------------------------


def test_notes_manifest_lists_every_shipped_file_with_its_checksum():
    manifest = read_manifest(NOTES / "SHA256SUMS")
    shipped = {
        str(p.relative_to(NOTES)) for p in NOTES.rglob("*") if p.is_file()
    } - {"SHA256SUMS"}
    assert set(manifest) == shipped
    assert {"notes.csv", "COPYING", "COPYING.fluidr3", "COPYING.timgm6mb"} <= shipped
    for name, digest in manifest.items():
        data = (NOTES / name).read_bytes()
        assert sha256(data) == digest, name
        assert len(data) < MAX_FILE_BYTES, name


def test_notes_licence_files():
    # The FluidR3 notice is the one already shipped for the recordings, byte for byte.
    assert (NOTES / "COPYING.fluidr3").read_bytes() == (DATA / "COPYING.fluidr3").read_bytes()
    assert "License: GPL-2" in (NOTES / "COPYING.timgm6mb").read_text(encoding="utf-8")
    notice = (NOTES / "COPYING").read_text(encoding="utf-8")
    for phrase in ("MIT", "General Public License", "data/COPYING.gpl2", "Changes"):
        assert phrase in notice
    assert "GNU GENERAL PUBLIC LICENSE" in (DATA / "COPYING.gpl2").read_text()


def test_notes_table_labels_files_and_balance():
    rows = notes_table()
    assert len(rows) == 240
    assert len({row["name"] for row in rows}) == 240
    files = {str(p.relative_to(NOTES)) for p in NOTES.glob("*/*.wav")}
    assert files == {f"{row['font']}/{row['name']}.wav" for row in rows}
    for font in ("fluidr3", "timgm6mb"):
        mine = [row for row in rows if row["font"] == font]
        counts = np.bincount([int(row["pitch_class"]) for row in mine], minlength=12)
        np.testing.assert_array_equal(counts, 10)  # 10 notes per pitch class and font
        assert len({row["family"] for row in mine}) >= 10
    for row in rows:
        root, pitch_class = int(row["root_key"]), int(row["pitch_class"])
        assert pitch_class == root % 12 and 36 <= root <= 96
        assert row["name"] == (
            f"{row['font']}_p{int(row['program']):03d}_k{root:03d}"
            f"_s{int(row['sample_index']):04d}"
        )
        assert abs(int(row["pitch_correction_cents"])) <= 50
    # No sample of one font is a sample of the other, byte for byte.
    raw = {font: {r["raw_sha256"] for r in rows if r["font"] == font} for font in tasks.NOTES_FONTS}
    assert not raw["fluidr3"] & raw["timgm6mb"]


def test_notes_are_band_limited_alike_and_their_pitch_is_confirmed(make_notes):
    fractions = {}
    wrong_rejected = 0
    rows = notes_table()
    for row in rows:
        rate, pcm = wavfile.read(NOTES / row["font"] / f"{row['name']}.wav")
        assert (rate, pcm.dtype, pcm.ndim) == (11025, np.int16, 1)
        assert pcm.size == int(row["points"]) <= 11025
        assert np.abs(pcm).max() == make_notes.PEAK
        x = pcm / 32768.0
        power = np.abs(np.fft.rfft(x)) ** 2
        freqs = np.fft.rfftfreq(x.size, 1 / rate)
        fractions.setdefault(row["font"], []).append(power[freqs > 4750].sum() / power.sum())
        root = int(row["root_key"])
        assert make_notes.pitch_confirmed(x, root), row["name"]
        wrong_rejected += not make_notes.pitch_confirmed(x, root + 1)
    # Above the common stop band: at most -40 dB of each note's energy in both fonts
    # (measured: -47 dB at worst; what remains is the leakage of the clips' edges).
    for font, values in fractions.items():
        assert max(values) < 1e-4, font
    # The pitch check tells a semitone apart (measured: every note rejects root + 1).
    assert wrong_rejected >= 0.95 * len(rows)


def test_common_lowpass_meets_its_specification(make_notes):
    from scipy.signal import freqz

    freqs, response = freqz(make_notes.LOWPASS, worN=1 << 14, fs=make_notes.SR)
    gain_db = 20 * np.log10(np.abs(response) + 1e-300)
    assert np.all(np.abs(gain_db[freqs <= 4250]) < 0.006)
    assert np.all(gain_db[freqs >= 4750] < -65.0)
    np.testing.assert_allclose(make_notes.LOWPASS, make_notes.LOWPASS[::-1])  # linear phase


SOUNDFONTS = [
    Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    Path("/usr/share/sounds/sf2/TimGM6mb.sf2"),
]


@pytest.mark.slow
@pytest.mark.skipif(
    not all(p.is_file() for p in SOUNDFONTS),
    reason="apt-get install fluid-soundfont-gm timgm6mb-soundfont",
)
def test_make_notes_regenerates_the_notes_byte_for_byte(tmp_path, make_notes):
    out = tmp_path / "notes"
    out.mkdir()
    manifest = make_notes.make_notes(out, verbose=False)
    assert make_notes.compare_with_shipped(manifest) == []
    made = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    shipped = sorted(str(p.relative_to(NOTES)) for p in NOTES.rglob("*") if p.is_file())
    assert made == shipped
    for name in made:
        assert (out / name).read_bytes() == (NOTES / name).read_bytes(), name


# --------------------------------------------------------------------------------------
# load_notes
# --------------------------------------------------------------------------------------


def test_load_notes_shapes_labels_groups_and_order(notes):
    rows = {row["name"]: row for row in notes_table()}
    assert notes.x.shape == (240, 8192) and notes.sr == 11025 and len(notes) == 240
    assert notes.names[:120] == tuple(sorted(n for n in rows if n.startswith("fluidr3")))
    assert notes.names[120:] == tuple(sorted(n for n in rows if n.startswith("timgm6mb")))
    np.testing.assert_array_equal(notes.groups, ["fluidr3"] * 120 + ["timgm6mb"] * 120)
    np.testing.assert_array_equal(notes.y, [int(rows[n]["pitch_class"]) for n in notes.names])
    np.testing.assert_array_equal(notes.family, [rows[n]["family"] for n in notes.names])
    np.testing.assert_array_equal(notes.lengths, [int(rows[n]["points"]) for n in notes.names])
    np.testing.assert_allclose(np.linalg.norm(notes.x, axis=1), 1.0, rtol=1e-13)


def test_load_notes_crop_pad_and_resampling_rule_against_the_files():
    for sr, N in ((11025, 4096), (11025, 11025 + 7), (8000, 6000)):
        data = load_notes(N=N, sr=sr, fonts="fluidr3", normalize=False)
        for i in (0, 57, 119):
            rate, pcm = wavfile.read(NOTES / "fluidr3" / f"{data.names[i]}.wav")
            clip = pcm / 32768.0
            if sr != rate:
                clip = resample_poly(clip, 320, 441)  # 8000 / 11025
            assert data.lengths[i] == clip.size
            kept = min(N, clip.size)
            np.testing.assert_array_equal(data.x[i, :kept], clip[:kept])  # from the start
            assert not np.any(data.x[i, kept:])  # zeros at the end


def test_load_notes_font_selection(notes):
    for fonts in ("timgm6mb", ["timgm6mb"], ("fluidr3", "timgm6mb"), ["timgm6mb", "fluidr3"]):
        data = load_notes(fonts=fonts)
        chosen = [fonts] if isinstance(fonts, str) else list(fonts)
        assert set(data.groups) == set(chosen)
        rows = [i for i, g in enumerate(notes.groups) if g in chosen]
        np.testing.assert_array_equal(data.x, notes.x[rows])


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"N": 0}, "N must be an integer >= 1 and <= 65536"),
        ({"N": 1.5}, "N must be an integer"),
        ({"sr": 0}, "sr must be an integer >= 1 and <= 11025"),
        ({"sr": 22050}, "sr must be an integer >= 1 and <= 11025"),
        ({"sr": "8000"}, "sr must be an integer"),
        ({"sr": True}, "sr must be an integer"),
        ({"fonts": "fluid"}, "fonts must be names among"),
        ({"fonts": [3]}, "fonts must be names among"),
        ({"fonts": 3}, "fonts must be None, a font name or a list"),
        ({"fonts": []}, "fonts must name at least one"),
        ({"fonts": ["fluidr3", "fluidr3"]}, "fonts must not repeat a font"),
        ({"normalize": 1}, "normalize must be True or False"),
    ],
)
def test_load_notes_refuses_bad_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        load_notes(**kwargs)


@pytest.fixture
def notes_copy(tmp_path, monkeypatch):
    """A copy of data/notes/ in a folder that RANDFB_DATA points at."""
    shutil.copytree(NOTES, tmp_path / "notes")
    monkeypatch.setenv(recordings.DATA_ENV_VAR, str(tmp_path))
    return tmp_path / "notes"


@pytest.mark.parametrize("target", ["timgm6mb/first.wav", "notes.csv", "SHA256SUMS"])
def test_missing_note_file_names_it_and_the_command(notes_copy, target):
    if target == "timgm6mb/first.wav":
        target = f"timgm6mb/{sorted(p.name for p in (notes_copy / 'timgm6mb').iterdir())[0]}"
    (notes_copy / target).unlink()
    with pytest.raises(FileNotFoundError) as error:
        load_notes()
    message = _one_line(error)
    assert f"{notes_copy / target} is missing" in message
    assert "python data/make_notes.py" in message


@pytest.mark.parametrize("target", ["fluidr3/last.wav", "notes.csv", "SHA256SUMS"])
def test_corrupt_note_file_names_it_and_the_command(notes_copy, target):
    if target == "fluidr3/last.wav":
        target = f"fluidr3/{sorted(p.name for p in (notes_copy / 'fluidr3').iterdir())[-1]}"
    path = notes_copy / target
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x10
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError) as error:
        load_notes()
    message = str(error.value)
    assert "\n" not in message
    assert f"{path} is corrupt" in message
    assert "python data/make_notes.py" in message


# --------------------------------------------------------------------------------------
# task_folds
# --------------------------------------------------------------------------------------


def test_digit_folds_leave_one_speaker_out(digits):
    folds = task_folds(digits.groups)
    assert len(folds) == 6
    seen = []
    for train, test in folds:
        speakers_test = set(digits.groups[test])
        assert len(speakers_test) == 1
        assert speakers_test.isdisjoint(digits.groups[train])  # no shared speaker
        assert np.intersect1d(train, test).size == 0
        assert train.size + test.size == 600 and test.size == 100
        assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0)
        seen.extend(test.tolist())
    assert sorted(seen) == list(range(600))  # every clip is tested exactly once


def test_note_folds_are_font_to_font_both_ways(notes):
    folds = task_folds(notes.groups)
    assert len(folds) == 2
    (train_a, test_a), (train_b, test_b) = folds
    assert set(notes.groups[train_a]) == {"timgm6mb"} and set(notes.groups[test_a]) == {"fluidr3"}
    assert set(notes.groups[train_b]) == {"fluidr3"} and set(notes.groups[test_b]) == {"timgm6mb"}
    np.testing.assert_array_equal(train_a, test_b)
    np.testing.assert_array_equal(train_b, test_a)


def test_folds_equal_scikit_learns_leave_one_group_out(digits):
    model_selection = pytest.importorskip("sklearn.model_selection")
    ours = task_folds(digits.groups)
    theirs = list(
        model_selection.LeaveOneGroupOut().split(digits.x, digits.y, digits.groups)
    )
    assert len(ours) == len(theirs)
    for (a, b), (c, d) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


@pytest.mark.parametrize(
    ("groups", "pattern"),
    [
        (["a", "a"], "at least 2 distinct groups"),
        ([], "at least 2 distinct groups"),
        ([["a", "b"], ["b", "a"]], "1-D array"),
        ("ab", "1-D array"),
    ],
)
def test_task_folds_refuses_bad_groups(groups, pattern):
    with pytest.raises(ValueError, match=pattern):
        task_folds(groups)


def test_package_exports_the_task_names():
    for name in ("TaskData", "load_digits", "load_notes", "task_folds"):
        assert getattr(randfb, name) is getattr(tasks, name)
        assert name in randfb.__all__
