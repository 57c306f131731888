"""Real recordings shipped in ``data/``: load one second, resampled and at unit energy.

The paper's real-world signals are one second each of a snare drum, speech and a flute
at 22.05 kHz (N = 22050), normalised to unit energy. The book ships redistributable
recordings of the same kinds, a few more instruments (a cello, a church organ, a crash
cymbal) and three environmental sounds (a fire, birds, footsteps), in the repository's
``data/`` folder; ``data/README.md`` gives each file's source, licence, the script that
made it (``data/make_recordings.py``) and its SHA-256.

Used by: book/real_signals.ipynb (the recordings); :func:`data_dir` also by
book/trained_layers.ipynb (checkpoint files).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

__all__ = [
    "available_recordings",
    "load_recording",
    "recording_info",
    "recordings_of_kind",
    "data_dir",
]

#: Environment variable naming the folder of the recordings (overrides the default).
DATA_ENV_VAR = "RANDFB_DATA"

#: Where a clone of the repository keeps its data, relative to ``lib/randfb/``.
_PACKAGE_DIR = Path(__file__).resolve().parent

#: The kinds of sound, in the order the book shows them.
KINDS = ("speech", "music", "environmental")

#: Onset detection: frame length in seconds and threshold relative to the loudest frame.
ONSET_FRAME_SECONDS = 0.01
ONSET_THRESHOLD_DB = -20.0


@dataclass(frozen=True)
class RecordingInfo:
    """Where a shipped recording comes from (details and checksums: data/README.md)."""

    name: str
    filename: str
    description: str
    source: str
    licence: str
    kind: str  # one of KINDS


_FLUIDR3 = "FluidR3 GM SoundFont (Debian package fluid-soundfont-gm 3.1-5.3)"
_FREEDINK = "FreeDink sound effects (Debian package freedink-data 1.08.20190120-2)"
_RECORDINGS: dict[str, RecordingInfo] = {
    info.name: info
    for info in (
        RecordingInfo(
            "speech",
            "speech.wav",
            "male English speech, CMU ARCTIC speaker awb, utterance arctic_a0007 (4 s)",
            "pysptk 1.0.1 source distribution (PyPI), pysptk/example_audio_data/",
            "CMU ARCTIC licence (free use with notice; see data/COPYING.cmu_arctic)",
            "speech",
        ),
        RecordingInfo(
            "flute",
            "flute.wav",
            "flute, sustained D5 (587 Hz), sample 'Flute D5(L)', loop repeated to 2 s",
            _FLUIDR3,
            "MIT (see data/COPYING.fluidr3)",
            "music",
        ),
        RecordingInfo(
            "snare",
            "snare.wav",
            "acoustic snare drum hit, sample 'Std Snr 1(L)' (0.47 s)",
            _FLUIDR3,
            "MIT (see data/COPYING.fluidr3)",
            "music",
        ),
        RecordingInfo(
            "cello",
            "cello.wav",
            "cello, sustained A#2 (117 Hz), sample 'Cello A#3(L)', "
            "loop repeated to 2 s",
            _FLUIDR3,
            "MIT (see data/COPYING.fluidr3)",
            "music",
        ),
        RecordingInfo(
            "organ",
            "organ.wav",
            "church organ, sustained C4 (262 Hz), sample 'Church Organ C3' (first 2 s)",
            _FLUIDR3,
            "MIT (see data/COPYING.fluidr3)",
            "music",
        ),
        RecordingInfo(
            "cymbal",
            "cymbal.wav",
            "crash cymbal hit, sample 'Crsh 1(L)' (first 2 s of 8.5 s)",
            _FLUIDR3,
            "MIT (see data/COPYING.fluidr3)",
            "music",
        ),
        RecordingInfo(
            "fire",
            "fire.wav",
            "a fire burning, Berklee College of Music Sampling Archive (7.8 s)",
            _FREEDINK,
            "CC-BY 3.0 (see data/COPYING.freedink and data/COPYING.freedink_sounds)",
            "environmental",
        ),
        RecordingInfo(
            "birds",
            "birds.wav",
            "birds tweeting, from Battle for Wesnoth's ambient sounds (2.1 s)",
            _FREEDINK,
            "GPL-2 or later (see data/COPYING.gpl2 and data/COPYING.freedink_sounds)",
            "environmental",
        ),
        RecordingInfo(
            "footsteps",
            "footsteps.wav",
            "footsteps on stairs, freesound.org 442770 (Anthousai, qubodup) (1.0 s)",
            _FREEDINK,
            "public domain (see data/COPYING.freedink_sounds)",
            "environmental",
        ),
    )
}


def available_recordings() -> list[str]:
    """Names of the recordings that :func:`load_recording` accepts.

    Returns
    -------
    list of str
        The names, sorted.

    Examples
    --------
    >>> from randfb import available_recordings
    >>> available_recordings()  # doctest: +NORMALIZE_WHITESPACE
    ['birds', 'cello', 'cymbal', 'fire', 'flute', 'footsteps', 'organ', 'snare',
     'speech']
    """
    return sorted(_RECORDINGS)


def recordings_of_kind(kind: str) -> list[str]:
    """Names of the recordings of one kind: speech, music or environmental sound.

    Parameters
    ----------
    kind : str
        One of ``randfb.recordings.KINDS``.

    Returns
    -------
    list of str
        The names of that kind, sorted.

    Raises
    ------
    ValueError
        If ``kind`` is not one of the kinds.

    Examples
    --------
    >>> from randfb.recordings import recordings_of_kind
    >>> recordings_of_kind("environmental")
    ['birds', 'fire', 'footsteps']
    """
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}, got {kind!r}")
    return sorted(name for name, info in _RECORDINGS.items() if info.kind == kind)


def _check_name(name: object) -> RecordingInfo:
    if not isinstance(name, str) or name not in _RECORDINGS:
        raise ValueError(f"name must be one of {available_recordings()}, got {name!r}")
    return _RECORDINGS[name]


def recording_info(name: str) -> RecordingInfo:
    """Description, source and licence of one recording.

    Parameters
    ----------
    name : str
        One of :func:`available_recordings`.

    Returns
    -------
    RecordingInfo
        Fields ``name``, ``filename``, ``description``, ``source``, ``licence``.

    Raises
    ------
    ValueError
        If ``name`` is not a known recording.

    Examples
    --------
    >>> from randfb.recordings import recording_info
    >>> recording_info("snare").filename
    'snare.wav'
    """
    return _check_name(name)


def data_dir() -> Path:
    """The folder holding the recordings (and the other data files of the book).

    It is ``$RANDFB_DATA`` when that environment variable is set, else the ``data/``
    folder of the clone that ``randfb`` was installed from (``lib/randfb/../../data``,
    which exists only for an editable install, ``pip install -e .``).

    Returns
    -------
    pathlib.Path
        An existing folder.

    Raises
    ------
    FileNotFoundError
        If the folder does not exist: the message says which path was tried, why, and
        that ``RANDFB_DATA`` must be set to the ``data/`` folder of a clone of the
        book's repository (the case of a non-editable install, ``pip install .``, whose
        package lives in ``site-packages`` without the data).

    Examples
    --------
    >>> from randfb.recordings import data_dir
    >>> (data_dir() / "README.md").is_file()
    True
    """
    override = os.environ.get(DATA_ENV_VAR)
    if override:
        folder = Path(override).expanduser()
        if not folder.is_dir():
            raise FileNotFoundError(
                f"{DATA_ENV_VAR}={override!r} is not a folder: set "
                f"{DATA_ENV_VAR} to the "
                f"data/ folder of a clone of the book's repository, e.g. "
                f"{DATA_ENV_VAR}=/path/to/clone/data"
            )
        return folder
    folder = _PACKAGE_DIR.parent.parent / "data"
    if not folder.is_dir():
        raise FileNotFoundError(
            f"randfb cannot find its data folder: {DATA_ENV_VAR} is not set, and "
            f"{folder} (the data/ folder of a clone, two levels above the package at "
            f"{_PACKAGE_DIR}) does not exist, as after a non-editable install "
            f"(pip install .). Set {DATA_ENV_VAR}=<clone>/data, the data/ folder of a "
            f"clone of the book's repository "
            f"(export {DATA_ENV_VAR}=/path/to/clone/data), "
            f"or install the clone editable (pip install -e .)"
        )
    return folder


def _onset_index(x: np.ndarray, sr: int) -> int:
    """First sample of the first frame whose RMS is within 20 dB of the loudest."""
    frame = max(1, round(ONSET_FRAME_SECONDS * sr))
    n_frames = -(-x.size // frame)
    padded = np.zeros(n_frames * frame)
    padded[: x.size] = x
    rms = np.sqrt(np.mean(padded.reshape(n_frames, frame) ** 2, axis=1))
    threshold = rms.max() * 10.0 ** (ONSET_THRESHOLD_DB / 20.0)
    return int(np.argmax(rms >= threshold)) * frame


def _check_sr(sr: object) -> int:
    if isinstance(sr, bool) or not isinstance(sr, Integral) or sr <= 0:
        raise ValueError(f"sr must be a positive integer (Hz), got {sr!r}")
    return int(sr)


def _check_seconds(value: object, parameter: str, allow_zero: bool) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, Real)
        or not math.isfinite(value)
    ):
        raise ValueError(
            f"{parameter} must be a finite number of seconds, got {value!r}"
        )
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{parameter} must be {bound} seconds, got {value!r}")
    return float(value)


def load_recording(
    name: str, *, sr: int = 22050, duration: float = 1.0, offset: float | None = None
) -> np.ndarray:
    """Load a shipped recording as a unit-energy excerpt, as the paper prepared its own.

    Steps: read the WAV file (16-bit mono), scale to [-1, 1), resample the whole file
    from its native rate to ``sr`` with :func:`scipy.signal.resample_poly` (polyphase
    filter, exact rational ratio ``sr / native``), cut ``N = round(sr * duration)``
    samples starting at the onset (or at ``offset``), append zeros if the recording ends
    earlier (the snare lasts 0.47 s: the rest of its second is silence), and divide by
    the norm:

    .. math:: x = \\frac{s[n_0 : n_0 + N]}{\\lVert s[n_0 : n_0 + N] \\rVert_2},
              \\qquad \\lVert x \\rVert_2 = 1.

    The onset :math:`n_0` is the first sample of the first 10 ms frame whose RMS is
    within 20 dB of the loudest 10 ms frame of the resampled recording; it skips the
    leading silence of the speech file (0.42 s) and is 0 for the instrument notes.

    Parameters
    ----------
    name : str
        One of :func:`available_recordings`: the paper's ``'snare'``, ``'speech'``,
        ``'flute'``, the instruments ``'cello'``, ``'organ'``, ``'cymbal'``, and the
        environmental sounds ``'fire'``, ``'birds'``, ``'footsteps'``.
    sr : int, default 22050
        Sample rate of the result in Hz, > 0.
    duration : float, default 1.0
        Length of the excerpt in seconds, > 0; the result has ``round(sr * duration)``
        samples (at least one).
    offset : float or None, default None
        Start of the excerpt in seconds from the beginning of the file, >= 0 and before
        its end; ``None`` starts at the detected onset.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(round(sr * duration),)``, unit Euclidean norm.

    Raises
    ------
    ValueError
        If ``name`` is unknown (the message lists the known names), if ``sr``,
        ``duration`` or ``offset`` is out of range, or if the excerpt is silent.
    FileNotFoundError
        If the data folder or the file is missing (see :func:`data_dir`).

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import load_recording
    >>> x = load_recording("flute")
    >>> x.shape, x.dtype
    ((22050,), dtype('float64'))
    >>> bool(np.isclose(np.sum(x**2), 1.0))
    True
    """
    info = _check_name(name)
    sr = _check_sr(sr)
    duration = _check_seconds(duration, "duration", allow_zero=False)
    if offset is not None:
        offset = _check_seconds(offset, "offset", allow_zero=True)
    n_samples = round(sr * duration)
    if n_samples < 1:
        raise ValueError(
            f"duration must give at least one sample at sr={sr} Hz "
            f"(>= {0.5 / sr:g} s), "
            f"got {duration!r}"
        )

    path = data_dir() / info.filename
    if not path.is_file():
        origin = (
            f"{DATA_ENV_VAR}={os.environ[DATA_ENV_VAR]!r}"
            if os.environ.get(DATA_ENV_VAR)
            else "the clone's data/ folder"
        )
        raise FileNotFoundError(
            f"recording {name!r}: file {path} is missing (looked in "
            f"{path.parent}, from {origin}); set {DATA_ENV_VAR}=<clone>/data, the "
            f"data/ folder of a clone of "
            f"the book's repository, which holds {info.filename}"
        )
    native_sr, pcm = wavfile.read(path)
    if pcm.ndim != 1 or pcm.dtype != np.int16:
        raise ValueError(
            f"{path} must be 16-bit mono PCM, found {pcm.dtype} {pcm.shape}"
        )
    signal = pcm.astype(np.float64) / 32768.0
    ratio = Fraction(sr, int(native_sr))
    if ratio != 1:
        signal = resample_poly(signal, ratio.numerator, ratio.denominator)

    if offset is None:
        start = _onset_index(signal, sr)
    else:
        start = round(offset * sr)
        if start >= signal.size:
            raise ValueError(
                f"offset must be < {signal.size / sr:g} s, the length of {name!r}, "
                f"got {offset!r}"
            )
    excerpt = np.zeros(n_samples)
    piece = signal[start : start + n_samples]
    excerpt[: piece.size] = piece
    norm = np.linalg.norm(excerpt)
    if norm == 0.0:
        raise ValueError(
            f"the excerpt of {name!r} starting at {start / sr:g} s is silent"
        )
    return excerpt / norm
