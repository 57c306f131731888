"""Two small classification tasks on raw audio: spoken digits and pitched notes.

* **Spoken digits**: the Free Spoken Digit Dataset (FSDD, git tag v1.0.10, CC BY-SA
  4.0), 6 speakers x 10 digits, 8 kHz. The book ships takes 0-9 of every speaker and
  digit (600 clips) in ``data/fsdd/``; a clone of the dataset's repository at that tag
  gives all 50 takes (``digits_dir``). Groups are the speakers: the folds of
  :func:`task_folds` are leave-one-speaker-out.
* **Pitched notes**: raw samples of two General MIDI SoundFonts, FluidR3 GM (MIT) and
  TimGM6mb (GPL-2), labelled by pitch class (12 classes) and instrument family,
  resampled to 11025 Hz and band-limited to the same band. Groups are the fonts: the
  folds are font -> font, both ways.

Every file is checked against its SHA-256 when it is read (the manifests in
``data/fsdd/`` and ``data/notes/``, whose own SHA-256 are pinned below and listed in
``data/README.md``); a missing or changed file is a one-line error naming the file and
the command that regenerates it. The data folder is found as for the recordings
(:func:`randfb.recordings.data_dir`: ``$RANDFB_DATA`` or the clone's ``data/``).

Used by: book/downstream.ipynb (the downstream tasks).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral
from pathlib import Path

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

from ._validation import check_int
from .recordings import data_dir

__all__ = ["TaskData", "load_digits", "load_notes", "task_folds"]

#: Sample rate of the FSDD recordings, in Hz.
DIGITS_SR = 8000
#: The six speakers of FSDD v1.0.10, sorted.
DIGITS_SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
#: Takes of every speaker and digit shipped in ``data/fsdd/`` (0 .. 9), and at the tag.
DIGITS_TAKES_SHIPPED = 10
DIGITS_TAKES_AT_TAG = 50
#: The dataset's repository and tag.
FSDD_REPOSITORY = "https://github.com/Jakobovski/free-spoken-digit-dataset"
FSDD_TAG = "v1.0.10"
#: Manifest of the 3000 recordings at the tag (``sha256sum`` format), and its SHA-256.
FSDD_MANIFEST = "SHA256SUMS.v1.0.10"
FSDD_MANIFEST_SHA256 = "04e1baae96c6a26e39c623f2b01d0182ddae627ba0ac02a3cdc17ba2af99fd9b"

#: Sample rate of the shipped notes (Hz), and the two fonts (short names, sorted).
NOTES_SR = 11025
NOTES_FONTS = ("fluidr3", "timgm6mb")
#: Manifest of ``data/notes/`` (``sha256sum`` format), and its SHA-256.
NOTES_MANIFEST = "SHA256SUMS"
NOTES_MANIFEST_SHA256 = "e4470288814c4e09dec1a2fd50447de7caa47e949d991e6a852ae53db73b80d7"

#: Longest clip length accepted (samples): far beyond every clip (digits <= 2.3 s at
#: 8 kHz, notes <= 1 s at 11025 Hz); a larger N would only add zeros.
MAX_N = 65536

_MAKE_DIGITS = "python data/make_digits.py PATH_TO_CLONE"
_MAKE_NOTES = "python data/make_notes.py"
_DIGIT_NAME = re.compile(r"^(?P<digit>\d)_(?P<speaker>[a-z]+)_(?P<take>\d+)$")


@dataclass(frozen=True)
class TaskData:
    """The clips of a task at a fixed length, with their labels and groups.

    Attributes
    ----------
    x : numpy.ndarray
        float64, shape ``(n_clips, N)``: the clips, cropped or zero-padded to ``N``
        samples (the rule is the loader's) and, by default, at unit Euclidean norm.
    y : numpy.ndarray
        int64, shape ``(n_clips,)``: the class, the digit 0-9 or the pitch class 0-11
        (C = 0, C# = 1, ..., B = 11).
    groups : numpy.ndarray
        str, shape ``(n_clips,)``: the speaker (digits) or the font (notes) of each clip;
        the folds of :func:`task_folds` never share a group between train and test.
    sr : int
        Sample rate in Hz.
    names : tuple of str
        Each clip's source file name without folder or extension, e.g. ``"7_jackson_3"``.
    family : numpy.ndarray or None
        str, shape ``(n_clips,)``: the instrument family of each note (General MIDI
        family names); ``None`` for the digits.
    lengths : numpy.ndarray or None
        int64, shape ``(n_clips,)``: each clip's length in samples at ``sr`` before it
        was cropped or padded to ``N``.
    """

    x: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    sr: int
    names: tuple[str, ...]
    family: np.ndarray | None = None
    lengths: np.ndarray | None = None

    def __post_init__(self):
        n = self.x.shape[0]
        fields = {"y": self.y, "groups": self.groups, "names": self.names}
        if self.family is not None:
            fields["family"] = self.family
        if self.lengths is not None:
            fields["lengths"] = self.lengths
        if self.x.ndim != 2:
            raise ValueError(f"x must have shape (n_clips, N), got {self.x.shape}")
        for name, value in fields.items():
            if len(value) != n:
                raise ValueError(
                    f"{name} must have one entry per clip ({n}), got {len(value)}"
                )

    def __len__(self) -> int:
        return self.x.shape[0]

    @property
    def N(self) -> int:  # noqa: N802 (the book's symbol)
        """Length of every clip, in samples."""
        return self.x.shape[1]

    def take(self, indices) -> TaskData:
        """The clips at ``indices`` (an integer index array or a boolean mask).

        Examples
        --------
        >>> from randfb import load_digits
        >>> data = load_digits(N=1024)
        >>> len(data.take(data.groups == "theo"))
        100
        """
        index = np.arange(len(self))[np.asarray(indices)]
        return TaskData(
            x=self.x[index],
            y=self.y[index],
            groups=self.groups[index],
            sr=self.sr,
            names=tuple(self.names[i] for i in index),
            family=None if self.family is None else self.family[index],
            lengths=None if self.lengths is None else self.lengths[index],
        )


# --------------------------------------------------------------------------------------
# Checked reading
# --------------------------------------------------------------------------------------


def _read_manifest(path: Path, expected_sha256: str, remedy: str) -> dict[str, str]:
    """``{relative path: SHA-256}`` of a ``sha256sum`` manifest, after checking its own."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; regenerate it with: {remedy}")
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != expected_sha256:
        raise ValueError(
            f"{path} is corrupt (its SHA-256 differs from the one pinned in "
            f"randfb.tasks); regenerate it with: {remedy}"
        )
    entries = {}
    for line in raw.decode("utf-8").splitlines():
        digest, name = line.split("  ", 1)
        entries[name] = digest
    return entries


def _read_checked_wav(path: Path, expected_sha256: str, remedy: str) -> tuple[int, np.ndarray]:
    """Sample rate and int16 samples of a mono WAV file whose SHA-256 is checked."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} is missing; {remedy}") from None
    if hashlib.sha256(raw).hexdigest() != expected_sha256:
        raise ValueError(f"{path} is corrupt (SHA-256 differs from its manifest); {remedy}")
    rate, pcm = wavfile.read(io.BytesIO(raw))
    return int(rate), pcm


def _fit_length(clips: list[np.ndarray], N: int, *, centre: bool) -> np.ndarray:
    """Stack clips at length ``N``: crop (centred or from the start), zero-pad at the end."""
    x = np.zeros((len(clips), N))
    for i, clip in enumerate(clips):
        start = (clip.size - N) // 2 if centre and clip.size > N else 0
        piece = clip[start : start + N]
        x[i, : piece.size] = piece
    return x


def _unit_energy(x: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1)
    silent = np.flatnonzero(norms == 0.0)
    if silent.size:
        raise ValueError(
            f"clip {names[silent[0]]!r} is silent at N = {x.shape[1]} samples and cannot "
            f"be normalised: use a larger N, or normalize=False"
        )
    return x / norms[:, None]


def _check_int(value, name: str, minimum: int, maximum: int) -> int:
    """``check_int`` of ``_validation``, with every refusal a ``ValueError``."""
    try:
        return check_int(value, name, minimum=minimum, maximum=maximum)
    except TypeError as error:
        raise ValueError(f"{error} (an integer between {minimum} and {maximum})") from None


def _check_bool(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


# --------------------------------------------------------------------------------------
# Spoken digits
# --------------------------------------------------------------------------------------


def _check_takes(takes, available: int) -> list[int]:
    if takes is None:
        return list(range(available))
    if isinstance(takes, (bool, np.bool_)):
        raise ValueError(f"takes must be None, an integer or a list of takes, got {takes!r}")
    if isinstance(takes, Integral):
        if not 1 <= takes <= available:
            raise ValueError(
                f"takes must be an integer between 1 and {available} (the takes 0 .. "
                f"takes - 1 of every speaker and digit), got {takes}"
            )
        return list(range(int(takes)))
    if isinstance(takes, (str, bytes)) or not isinstance(takes, Iterable):
        raise ValueError(f"takes must be None, an integer or a list of takes, got {takes!r}")
    chosen = list(takes)
    if not chosen:
        raise ValueError("takes must not be an empty list")
    for take in chosen:
        if (
            isinstance(take, (bool, np.bool_))
            or not isinstance(take, Integral)
            or not 0 <= take < available
        ):
            raise ValueError(
                f"takes must list integers between 0 and {available - 1}, got {take!r}"
            )
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"takes must not repeat a take, got {chosen}")
    return sorted(int(take) for take in chosen)


def _digits_folder(digits_dir) -> tuple[Path, int, str]:
    """The recordings folder, the number of takes it holds, and how to repair it."""
    if digits_dir is None:
        folder = data_dir() / "fsdd" / "recordings"
        return folder, DIGITS_TAKES_SHIPPED, f"regenerate data/fsdd/ with: {_MAKE_DIGITS}"
    if isinstance(digits_dir, bool) or not isinstance(digits_dir, (str, os.PathLike)):
        raise ValueError(
            f"digits_dir must be None or the path of a clone of {FSDD_REPOSITORY} "
            f"at {FSDD_TAG}, got {digits_dir!r}"
        )
    root = Path(digits_dir).expanduser()
    folder = root / "recordings"
    if not folder.is_dir():
        raise ValueError(
            f"digits_dir must be a clone of {FSDD_REPOSITORY} at {FSDD_TAG} (a folder "
            f"holding recordings/), but {folder} is not a folder"
        )
    remedy = (
        f"digits_dir must be a clone at {FSDD_TAG}: restore it with "
        f"git -C {root} checkout {FSDD_TAG} -- recordings"
    )
    return folder, DIGITS_TAKES_AT_TAG, remedy


def load_digits(
    *,
    N: int = 8192,  # noqa: N803 (the book's symbol)
    takes=None,
    digits_dir=None,
    normalize: bool = True,
) -> TaskData:
    """The spoken digits of FSDD v1.0.10 at a fixed length: 6 speakers x 10 digits.

    Each clip (8 kHz, 16-bit, trimmed by the dataset's authors to the spoken word,
    0.14-2.3 s) is scaled to [-1, 1) and brought to ``N`` samples:

    * longer than ``N`` (at N = 8192, 6 of the 600 shipped clips, 17 of the 3000):
      **centre-cropped**, samples ``(L - N) // 2 .. (L - N) // 2 + N - 1`` of a clip
      of length ``L``;
    * shorter: **zero-padded at the end** (the word starts at sample 0);

    then, with ``normalize`` (the default), divided by its Euclidean norm, as the
    book's other signals: ``x[i] = c_i / ||c_i||_2``. Every file's SHA-256 is checked
    against the manifest of the tag (``data/fsdd/SHA256SUMS.v1.0.10``). Loading the
    600 shipped clips takes well under a second.

    Parameters
    ----------
    N : int, default 8192
        Length of every clip in samples, 1 <= N <= 65536 (8192 is 1.02 s).
    takes : None, int or list of int, default None
        Which takes of every speaker and digit: ``None`` for all those available (0-9
        in the shipped subset, 0-49 in a clone), an integer ``k`` for takes
        ``0 .. k - 1``, or a list of distinct take numbers. The dataset's own test set
        is takes 0-4.
    digits_dir : None or path, default None
        ``None`` reads the subset shipped in ``data/fsdd/``; a path reads a clone of
        the dataset's repository at tag v1.0.10 (its ``recordings/`` folder, 3000
        clips).
    normalize : bool, default True
        Divide every clip (after cropping or padding) by its Euclidean norm.

    Returns
    -------
    TaskData
        ``x`` (n_clips, N), ``y`` the digit, ``groups`` the speaker, ``sr`` = 8000,
        ``names`` such as ``"7_jackson_3"``, ``lengths`` the clips' own lengths. Clips
        are sorted by speaker, then digit, then take.

    Raises
    ------
    ValueError
        If an argument is out of range (the message names it and the allowed values),
        if a file's SHA-256 differs from the tag's (the message names the file and the
        command that regenerates it), or if a clip is silent after cropping.
    FileNotFoundError
        If a file is missing (the message names it and the command that regenerates
        it).

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import load_digits
    >>> data = load_digits(N=8192, takes=5)
    >>> data.x.shape, data.sr, data.names[0]
    ((300, 8192), 8000, '0_george_0')
    >>> sorted(set(data.groups)) == ['george', 'jackson', 'lucas', 'nicolas', 'theo',
    ...                              'yweweler']
    True
    >>> bool(np.allclose(np.linalg.norm(data.x, axis=1), 1.0))
    True
    """
    N = _check_int(N, "N", 1, MAX_N)  # noqa: N806
    normalize = _check_bool(normalize, "normalize")
    folder, available, remedy = _digits_folder(digits_dir)
    chosen = _check_takes(takes, available)
    manifest = _read_manifest(
        data_dir() / "fsdd" / FSDD_MANIFEST,
        FSDD_MANIFEST_SHA256,
        f"{_MAKE_DIGITS} (writes data/fsdd/{FSDD_MANIFEST})",
    )
    names = tuple(
        f"{digit}_{speaker}_{take}"
        for speaker in DIGITS_SPEAKERS
        for digit in range(10)
        for take in chosen
    )
    clips = []
    for name in names:
        path = folder / f"{name}.wav"
        rate, pcm = _read_checked_wav(path, manifest[f"recordings/{name}.wav"], remedy)
        if rate != DIGITS_SR or pcm.dtype != np.int16 or pcm.ndim != 1:
            raise ValueError(f"{path} is not 8 kHz 16-bit mono PCM; {remedy}")
        clips.append(pcm.astype(np.float64) / 32768.0)
    x = _fit_length(clips, N, centre=True)
    if normalize:
        x = _unit_energy(x, names)
    parsed = [_DIGIT_NAME.match(name) for name in names]
    return TaskData(
        x=x,
        y=np.array([int(m["digit"]) for m in parsed], dtype=np.int64),
        groups=np.array([m["speaker"] for m in parsed]),
        sr=DIGITS_SR,
        names=names,
        lengths=np.array([clip.size for clip in clips], dtype=np.int64),
    )


# --------------------------------------------------------------------------------------
# Pitched notes
# --------------------------------------------------------------------------------------


def _check_fonts(fonts) -> list[str]:
    if fonts is None:
        return list(NOTES_FONTS)
    chosen = [fonts] if isinstance(fonts, str) else fonts
    if not isinstance(chosen, Iterable) or isinstance(chosen, bytes):
        raise ValueError(
            f"fonts must be None, a font name or a list of {list(NOTES_FONTS)}, got {fonts!r}"
        )
    chosen = list(chosen)
    if not chosen:
        raise ValueError(f"fonts must name at least one of {list(NOTES_FONTS)}")
    for font in chosen:
        if not isinstance(font, str) or font not in NOTES_FONTS:
            raise ValueError(f"fonts must be names among {list(NOTES_FONTS)}, got {font!r}")
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"fonts must not repeat a font, got {chosen}")
    return [font for font in NOTES_FONTS if font in chosen]


def load_notes(
    *,
    N: int = 8192,  # noqa: N803 (the book's symbol)
    sr: int = NOTES_SR,
    fonts=None,
    normalize: bool = True,
) -> TaskData:
    """Pitched notes of two SoundFonts at a fixed length, labelled by pitch class.

    The notes (``data/notes/``, made by ``data/make_notes.py``; details in
    ``data/README.md``) are 120 recorded samples of each of the General MIDI SoundFonts
    FluidR3 GM (MIT) and TimGM6mb (GPL-2), 10 per pitch class, spread over the General
    MIDI instrument families (13 in FluidR3, 12 in TimGM6mb): one second of the raw
    sample (looped samples repeat their loop), resampled to 11025 Hz and band-limited
    by one low-pass for both fonts (flat to 4.25 kHz, >= 65 dB down above 4.75 kHz),
    so that a model cannot tell the fonts apart by their bandwidth. The label is the
    pitch class of the sample's root key (the key at which a SoundFont player sounds it
    unshifted), confirmed by its spectrum.

    Each note is scaled to [-1, 1), resampled to ``sr`` if that is not 11025 Hz
    (:func:`scipy.signal.resample_poly`, exact rational ratio), and brought to ``N``
    samples: **cropped from the start** if longer (the first ``N`` samples, the attack
    kept), **zero-padded at the end** if shorter; then, with ``normalize`` (the
    default), divided by its Euclidean norm. Every file's SHA-256 is checked against
    ``data/notes/SHA256SUMS``, whose own SHA-256 is pinned here.

    Parameters
    ----------
    N : int, default 8192
        Length of every clip in samples, 1 <= N <= 65536 (8192 is 0.74 s at 11025 Hz;
        every note lasts at most 1 s).
    sr : int, default 11025
        Sample rate of the result in Hz, 1 <= sr <= 11025 (the shipped rate; a higher
        rate would add no band).
    fonts : None, str or list of str, default None
        ``None`` for both fonts, or the fonts to load among ``'fluidr3'`` and
        ``'timgm6mb'``.
    normalize : bool, default True
        Divide every clip (after cropping or padding) by its Euclidean norm.

    Returns
    -------
    TaskData
        ``x`` (n_clips, N), ``y`` the pitch class (C = 0, ..., B = 11), ``groups`` the
        font, ``family`` the General MIDI instrument family, ``sr``, ``names`` such as
        ``"fluidr3_p040_k067_s0123"`` (font, program, root key, sample index),
        ``lengths`` the notes' own lengths at ``sr``. Sorted by font, then name.

    Raises
    ------
    ValueError
        If an argument is out of range (the message names it and the allowed values),
        if a file's SHA-256 differs from the manifest (the message names the file and
        the command that regenerates it), or if a clip is silent after cropping.
    FileNotFoundError
        If a file is missing (the message names it and the command that regenerates
        it).

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import load_notes
    >>> notes = load_notes(N=4096)
    >>> notes.x.shape, notes.sr, np.unique(notes.groups).tolist()
    ((240, 4096), 11025, ['fluidr3', 'timgm6mb'])
    >>> np.bincount(notes.y[notes.groups == "timgm6mb"]).tolist()
    [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]
    """
    N = _check_int(N, "N", 1, MAX_N)  # noqa: N806
    sr = _check_int(sr, "sr", 1, NOTES_SR)
    chosen = _check_fonts(fonts)
    normalize = _check_bool(normalize, "normalize")
    folder = data_dir() / "notes"
    remedy = f"regenerate data/notes/ with: {_MAKE_NOTES}"
    manifest = _read_manifest(folder / NOTES_MANIFEST, NOTES_MANIFEST_SHA256, _MAKE_NOTES)
    table = folder / "notes.csv"
    try:
        raw_table = table.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"{table} is missing; {remedy}") from None
    if hashlib.sha256(raw_table).hexdigest() != manifest["notes.csv"]:
        raise ValueError(f"{table} is corrupt (SHA-256 differs from its manifest); {remedy}")
    rows = [
        row
        for row in csv.DictReader(io.StringIO(raw_table.decode("utf-8")))
        if row["font"] in chosen
    ]
    rows.sort(key=lambda row: (NOTES_FONTS.index(row["font"]), row["name"]))
    ratio = Fraction(sr, NOTES_SR)
    clips = []
    for row in rows:
        relative = f"{row['font']}/{row['name']}.wav"
        path = folder / relative
        rate, pcm = _read_checked_wav(path, manifest[relative], remedy)
        if rate != NOTES_SR or pcm.dtype != np.int16 or pcm.ndim != 1:
            raise ValueError(f"{path} is not 11025 Hz 16-bit mono PCM; {remedy}")
        clip = pcm.astype(np.float64) / 32768.0
        if ratio != 1:
            clip = resample_poly(clip, ratio.numerator, ratio.denominator)
        clips.append(clip)
    names = tuple(row["name"] for row in rows)
    x = _fit_length(clips, N, centre=False)
    if normalize:
        x = _unit_energy(x, names)
    return TaskData(
        x=x,
        y=np.array([int(row["pitch_class"]) for row in rows], dtype=np.int64),
        groups=np.array([row["font"] for row in rows]),
        sr=sr,
        names=names,
        family=np.array([row["family"] for row in rows]),
        lengths=np.array([clip.size for clip in clips], dtype=np.int64),
    )


# --------------------------------------------------------------------------------------
# Folds
# --------------------------------------------------------------------------------------


def task_folds(groups) -> list[tuple[np.ndarray, np.ndarray]]:
    """Leave-one-group-out folds: each group in turn is the test set.

    For the digits (groups = speakers) these are the six leave-one-speaker-out folds;
    for the notes of two fonts, the two folds are exactly font -> font, both ways
    (train on one font, test on the other). The folds are those of scikit-learn's
    ``LeaveOneGroupOut`` (groups in sorted order), without needing scikit-learn.

    Parameters
    ----------
    groups : array_like, shape (n_clips,)
        The group of every clip (e.g. ``TaskData.groups``), at least two distinct.

    Returns
    -------
    list of (numpy.ndarray, numpy.ndarray)
        One ``(train_idx, test_idx)`` pair of sorted int64 index arrays per group, in
        the sorted order of the groups; ``test_idx`` holds exactly the clips of that
        group, ``train_idx`` all the others.

    Raises
    ------
    ValueError
        If ``groups`` is not one-dimensional, or holds fewer than two distinct groups.

    Examples
    --------
    >>> from randfb import task_folds
    >>> for train, test in task_folds(["a", "b", "a", "c"]):
    ...     print(train.tolist(), test.tolist())
    [1, 3] [0, 2]
    [0, 2, 3] [1]
    [0, 1, 2] [3]
    """
    if isinstance(groups, (str, bytes)):
        raise ValueError(f"groups must be a 1-D array of group labels, got {groups!r}")
    labels = np.asarray(groups)
    if labels.ndim != 1:
        raise ValueError(
            f"groups must be a 1-D array of group labels, got shape {labels.shape}"
        )
    unique, codes = np.unique(labels, return_inverse=True)
    if unique.size < 2:
        raise ValueError(
            f"groups must hold at least 2 distinct groups, got {unique.size} "
            f"({unique.tolist()})"
        )
    index = np.arange(labels.size, dtype=np.int64)
    return [(index[codes != g], index[codes == g]) for g in range(unique.size)]
