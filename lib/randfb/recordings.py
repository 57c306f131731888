"""Real recordings shipped in ``data/``: load one second, resampled and at unit energy.

The paper's real-world signals are one second each of a snare drum, speech and a flute at
22.05 kHz (N = 22050), normalised to unit energy. The book ships redistributable
recordings of the same kinds, and a few more (a cello, a church organ, a crash cymbal),
in the repository's ``data/`` folder; ``data/README.md`` gives each file's source,
licence, the script that made it (``data/make_recordings.py``) and its SHA-256.

Used by the chapter on real-world signals.
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

__all__ = ["available_recordings", "load_recording", "recording_info", "data_dir"]

#: Environment variable naming the folder that holds the recordings (overrides the default).
DATA_ENV_VAR = "RANDFB_DATA"

#: Onset detection: frame length in seconds and threshold relative to the loudest frame.
ONSET_FRAME_SECONDS = 0.01
ONSET_THRESHOLD_DB = -20.0


@dataclass(frozen=True)
class RecordingInfo:
    """Where a shipped recording comes from (details and checksums in ``data/README.md``)."""

    name: str
    filename: str
    description: str
    source: str
    licence: str


_FLUIDR3 = "FluidR3 GM SoundFont (Debian package fluid-soundfont-gm 3.1-5.3)"
_RECORDINGS: dict[str, RecordingInfo] = {
    info.name: info
    for info in (
        RecordingInfo(
            "speech",
            "speech.wav",
            "male English speech, CMU ARCTIC speaker awb, utterance arctic_a0007 (4 s)",
            "pysptk 1.0.1 source distribution (PyPI), pysptk/example_audio_data/",
            "CMU ARCTIC licence (free use with notice; see data/COPYING.cmu_arctic)",
        ),
        RecordingInfo(
            "flute",
            "flute.wav",
            "flute, sustained D5 (587 Hz), sample 'Flute D5(L)', loop repeated to 2 s",
            _FLUIDR3,
            "MIT (see data/COPYING.fluidr3)",
        ),
        RecordingInfo(
            "snare",
            "snare.wav",
            "acoustic snare drum hit, sample 'Std Snr 1(L)' (0.47 s)",
            _FLUIDR3,
            "MIT (see data/COPYING.fluidr3)",
        ),
        RecordingInfo(
            "cello",
            "cello.wav",
            "cello, sustained A#2 (117 Hz), sample 'Cello A#3(L)', loop repeated to 2 s",
            _FLUIDR3,
            "MIT (see data/COPYING.fluidr3)",
        ),
        RecordingInfo(
            "organ",
            "organ.wav",
            "church organ, sustained C4 (262 Hz), sample 'Church Organ C3' (first 2 s)",
            _FLUIDR3,
            "MIT (see data/COPYING.fluidr3)",
        ),
        RecordingInfo(
            "cymbal",
            "cymbal.wav",
            "crash cymbal hit, sample 'Crsh 1(L)' (first 2 s of 8.5 s)",
            _FLUIDR3,
            "MIT (see data/COPYING.fluidr3)",
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
    >>> available_recordings()
    ['cello', 'cymbal', 'flute', 'organ', 'snare', 'speech']
    """
    return sorted(_RECORDINGS)


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
    """The folder holding the recordings.

    It is ``$RANDFB_DATA`` when that environment variable is set, else the repository's
    ``data/`` folder (``lib/randfb/../../data``).

    Returns
    -------
    pathlib.Path
        An existing folder.

    Raises
    ------
    FileNotFoundError
        If the folder does not exist (for instance when ``randfb`` is installed without
        the repository): the message says how to point ``RANDFB_DATA`` at it.
    """
    override = os.environ.get(DATA_ENV_VAR)
    if override:
        folder = Path(override).expanduser()
        origin = f"the environment variable {DATA_ENV_VAR}"
    else:
        folder = Path(__file__).resolve().parent.parent.parent / "data"
        origin = "the repository layout (lib/randfb/../../data)"
    if not folder.is_dir():
        raise FileNotFoundError(
            f"recordings folder {folder} (from {origin}) does not exist; set "
            f"{DATA_ENV_VAR} to the data/ folder of the randfb repository"
        )
    return folder


def _onset_index(x: np.ndarray, sr: int) -> int:
    """First sample of the first frame whose RMS is within 20 dB of the loudest frame."""
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
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"{parameter} must be a finite number of seconds, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{parameter} must be {bound} seconds, got {value!r}")
    return float(value)


def load_recording(
    name: str, *, sr: int = 22050, duration: float = 1.0, offset: float | None = None
) -> np.ndarray:
    """Load a shipped recording as a unit-energy excerpt, as the paper prepared its signals.

    Steps: read the WAV file (16-bit mono), scale to [-1, 1), resample the whole file from
    its native rate to ``sr`` with :func:`scipy.signal.resample_poly` (polyphase filter,
    exact rational ratio ``sr / native``), cut ``N = round(sr * duration)`` samples
    starting at the onset (or at ``offset``), append zeros if the recording ends earlier
    (the snare lasts 0.47 s: the rest of its second is silence), and divide by the norm:

    .. math:: x = \\frac{s[n_0 : n_0 + N]}{\\lVert s[n_0 : n_0 + N] \\rVert_2},
              \\qquad \\lVert x \\rVert_2 = 1.

    The onset :math:`n_0` is the first sample of the first 10 ms frame whose RMS is within
    20 dB of the loudest 10 ms frame of the resampled recording; it skips the leading
    silence of the speech file (0.42 s) and is 0 for the instrument notes.

    Parameters
    ----------
    name : str
        One of :func:`available_recordings`: the paper's ``'snare'``, ``'speech'``,
        ``'flute'``, and ``'cello'``, ``'organ'``, ``'cymbal'``.
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
            f"duration must give at least one sample at sr={sr} Hz (>= {0.5 / sr:g} s), "
            f"got {duration!r}"
        )

    path = data_dir() / info.filename
    if not path.is_file():
        raise FileNotFoundError(f"recording {name!r}: file {path} is missing")
    native_sr, pcm = wavfile.read(path)
    if pcm.ndim != 1 or pcm.dtype != np.int16:
        raise ValueError(f"{path} must be 16-bit mono PCM, found {pcm.dtype} {pcm.shape}")
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
                f"offset must be < {signal.size / sr:g} s, the length of {name!r}, got {offset!r}"
            )
    excerpt = np.zeros(n_samples)
    piece = signal[start : start + n_samples]
    excerpt[: piece.size] = piece
    norm = np.linalg.norm(excerpt)
    if norm == 0.0:
        raise ValueError(f"the excerpt of {name!r} starting at {start / sr:g} s is silent")
    return excerpt / norm
