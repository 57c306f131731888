"""Regenerate ``data/notes/``: pitched notes from two SoundFonts, at one rate and band.

Run from the repository root (Debian: ``apt-get install fluid-soundfont-gm
timgm6mb-soundfont``)::

    python data/make_notes.py            # writes data/notes/
    python data/make_notes.py --out DIR  # writes DIR/ instead

The notes are the recorded samples of two General MIDI SoundFonts, FluidR3 GM (MIT) and
TimGM6mb (GPL-2), read with the SoundFont reader of ``data/make_recordings.py`` (no
synthesiser: no envelope, filter, pitch shift or effect). For each font:

1. **Candidates.** Every sample that a melodic General MIDI preset (bank 0, programs
   0-111 except the synth effects 96-103) sounds at velocity 100 for some key, once
   (the first program that uses it), of a stereo pair the left sample. Its label is the
   pitch class of its **root key** (the zone's ``overridingRootKey`` if set, else the
   sample header's ``byOriginalPitch``: the key at which a player sounds the sample
   unshifted, i.e. the pitch it was recorded at), its family the General MIDI family of
   the program. A candidate is kept only if its root key is in 36-96 (C2-C7, 65 Hz -
   2.1 kHz), its pitch correction is within +-50 cents and the zone does not retune it
   (no ``coarseTune``/``fineTune``), its rate gives a resampling ratio to 11025 Hz with
   numerator and denominator <= 2000 (this leaves out 2 TimGM6mb samples at odd rates),
   it lasts >= 0.25 s (one-shot) or has a loop of >= 32 points, its raw data is not
   already a candidate's, and its spectrum confirms the label (step 3).
2. **Processing** (the only arithmetic): the raw 16-bit sample at its native rate, one
   second long (looped samples repeat their loop, one-shot samples are cut at 1 s, as
   ``make_recordings.render_zone`` does), scaled to [-1, 1), resampled to 11025 Hz with
   ``scipy.signal.resample_poly`` (exact rational ratio, its default Kaiser filter),
   then **band-limited** with one linear-phase FIR low-pass for both fonts
   (:data:`LOWPASS`: Kaiser window, -6 dB at 4.5 kHz, flat to 4.25 kHz, >= 65 dB down
   above 4.75 kHz, zero delay), so that no note has content above 4.75 kHz whatever
   its native rate (TimGM6mb has samples at 12 kHz, FluidR3 mostly at 32-44.1 kHz):
   a model cannot tell the fonts apart by bandwidth. Finally scaled to a peak of
   :data:`PEAK` and rounded to 16 bits.
3. **Pitch check**: the label must be the strongest of the 12 candidate pitches within
   half an octave of the root key, by a harmonic sum (1/h-weighted peak magnitudes of
   the harmonics below 4.25 kHz, within half a semitone) of the processed note's
   spectrum; inharmonic or mislabelled samples (bells, some mis-rooted samples) fail.
4. **Selection**: for each pitch class, up to :data:`PER_CLASS` candidates, taken in
   turn from each family (round robin over families; within a family, the root keys
   nearest F#4 first, ties in program order), so that every font has the 12 classes
   equally often, spreads them over its families, and both fonts draw from the same
   register.

The script checks the SHA-256 of both SoundFonts and licence files, that **no sample of
one font equals a sample of the other byte for byte** (all samples, not only those
kept), and prints the largest normalised cross-correlation between a note of one font
and a note of the other. It writes one WAV per note (``<font>/<name>.wav``, 11025 Hz,
mono, 16-bit, plain 44-byte header), ``notes.csv`` (one row per note: font, family,
program, preset, sample, root key, pitch class, ...), the licence texts and
``SHA256SUMS``. The output is byte-identical on every run with the pinned NumPy and
SciPy; a changed file is reported against the shipped manifest.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import shutil
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy.signal import firwin, kaiserord, resample_poly

DATA_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = DATA_DIR / "notes"

sys.dont_write_bytecode = True  # importing the sibling script writes no .pyc
sys.path.insert(0, str(DATA_DIR))
import make_recordings as soundfont  # noqa: E402  (the SoundFont reader)

sys.path.pop(0)

#: The two fonts: short name -> (SoundFont, its SHA-256, licence file, its SHA-256,
#: Debian package).
FONTS = {
    "fluidr3": (
        soundfont.SF2_PATH,
        soundfont.SF2_SHA256,
        soundfont.SF2_COPYRIGHT,
        "f2f5e6358fc7c1fe62aafc6c8229c4c5898e5afb0d4ce1322b15362a8cbd600e",
        "fluid-soundfont-gm 3.1-5.3",
    ),
    "timgm6mb": (
        Path("/usr/share/sounds/sf2/TimGM6mb.sf2"),
        "c5378b62028c920cb11e4803327983fee2f2cdff5dc89c708e39da417e51c854",
        Path("/usr/share/doc/timgm6mb-soundfont/copyright"),
        "6ef01652619cf29b289a9403cd2ab59550fa3e2c30844c67292eea5421f993e9",
        "timgm6mb-soundfont 1.3-5",
    ),
}

#: Output rate (Hz) and length of every note before resampling (s).
SR = 11025
SECONDS = 1.0
VELOCITY = 100
#: Root keys kept: C2 (65 Hz) to C7 (2093 Hz).
KEY_RANGE = (36, 96)
MAX_PITCH_CORRECTION = 50  # cents
MAX_RATIO_TERM = 2000
MIN_ONE_SHOT_SECONDS = 0.25
MIN_LOOP_POINTS = 32
#: Selection prefers root keys near this one (F#4, the middle of KEY_RANGE).
MIDDLE_KEY = 66
#: Notes per pitch class and font.
PER_CLASS = 10
#: Peak of every written note, in 16-bit units (0.9 of full scale).
PEAK = 29491

#: The common low-pass at 11025 Hz: -6 dB at 4.5 kHz, transition 4.25-4.75 kHz, Kaiser
#: window designed by scipy.signal.kaiserord for 65 dB (89 taps; measured: >= 65.6 dB
#: down above 4.75 kHz, flat within 0.006 dB up to 4.25 kHz).
LOWPASS_CUTOFF = 4500.0
LOWPASS_WIDTH = 500.0
LOWPASS_ATTENUATION_DB = 65.0
LOWPASS_TAPS, LOWPASS_BETA = kaiserord(LOWPASS_ATTENUATION_DB, LOWPASS_WIDTH / (SR / 2))
LOWPASS = firwin(LOWPASS_TAPS, LOWPASS_CUTOFF, window=("kaiser", LOWPASS_BETA), fs=SR)

#: General MIDI families (program // 8); the synth effects (12), percussive (14) and
#: sound effects (15) families are left out.
FAMILIES = (
    "piano", "chromatic percussion", "organ", "guitar", "bass", "strings",
    "ensemble", "brass", "reed", "pipe", "synth lead", "synth pad",
    "synth effects", "ethnic", "percussive", "sound effects",
)  # fmt: skip
KEPT_FAMILIES = tuple(i for i in range(14) if i != 12)

GEN_COARSE_TUNE = 51
GEN_FINE_TUNE = 52
GEN_OVERRIDING_ROOT_KEY = 58
PITCH_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

CSV_FIELDS = (
    "name", "font", "family", "program", "preset", "sample_index", "sample_name",
    "native_rate", "root_key", "pitch_class", "pitch", "pitch_correction_cents",
    "looped", "points", "raw_sha256",
)  # fmt: skip

NOTICE = """\
Pitched notes from two SoundFonts
=================================

The WAV files in fluidr3/ and timgm6mb/ are recorded samples of two General MIDI
SoundFonts, processed by the script data/make_notes.py of the book's repository
(notes.csv names each note's source sample):

* fluidr3/: samples of the FluidR3 GM SoundFont by Frank Wen (Debian package
  fluid-soundfont-gm 3.1-5.3, file FluidR3_GM.sf2). Licence: MIT; the notice is
  COPYING.fluidr3 (a copy of the package's copyright file).
* timgm6mb/: samples of the TimGM6mb SoundFont by Tim Brechbill (Debian package
  timgm6mb-soundfont 1.3-5, file TimGM6mb.sf2). Licence: GNU General Public License
  version 2; the notice is COPYING.timgm6mb (a copy of the package's copyright file),
  the licence text is data/COPYING.gpl2 of the book's repository. The source of these
  files is the SoundFont named above and the script data/make_notes.py.

Changes (as the licences ask to mark them): each sample was cut or looped to one
second, resampled to 11025 Hz, low-pass filtered (4.5 kHz), scaled to a common peak
and rounded to 16 bits. The licences above cover these files only.
"""


def sha256_of(path: Path) -> str:
    """Hex SHA-256 digest of the file at ``path``."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Candidate:
    """A sample of a font that may become a note."""

    font: str
    program: int
    preset: str
    zone: soundfont.Zone
    root_key: int

    @property
    def family(self) -> str:
        return FAMILIES[self.program // 8]

    @property
    def pitch_class(self) -> int:
        return self.root_key % 12

    @property
    def name(self) -> str:
        return f"{self.font}_p{self.program:03d}_k{self.root_key:03d}_s{self.zone.sample_index:04d}"


def raw_points(font: soundfont.SoundFont, zone: soundfont.Zone) -> np.ndarray:
    """The sample's whole raw data (start to end), as int16."""
    start, end, _, _ = zone.addresses()
    return font.read_points(start, end)


def candidates(name: str, font: soundfont.SoundFont) -> tuple[list[Candidate], dict]:
    """The font's candidate samples (step 1 without the pitch check) and why others left."""
    presets = font.presets()
    seen: set[int] = set()
    found: list[Candidate] = []
    dropped: dict[str, int] = {}

    def drop(reason: str) -> None:
        dropped[reason] = dropped.get(reason, 0) + 1

    for program in range(112):
        if program // 8 not in KEPT_FAMILIES or (0, program) not in presets:
            continue
        for key in range(128):
            for zone in font.resolve(0, program, key, VELOCITY):
                sample = zone.sample
                if zone.sample_index in seen or sample.sample_type not in (
                    soundfont.SAMPLE_TYPE_MONO,
                    soundfont.SAMPLE_TYPE_LEFT,
                ):
                    continue
                seen.add(zone.sample_index)
                gens = zone.generators
                root = gens.get(GEN_OVERRIDING_ROOT_KEY, sample.original_pitch)
                start, end, loop_start, loop_end = zone.addresses()
                ratio = Fraction(SR, sample.sample_rate) if sample.sample_rate else None
                if not KEY_RANGE[0] <= root <= KEY_RANGE[1]:
                    drop("root key outside C2-C7")
                elif gens.get(GEN_COARSE_TUNE, 0) % 12:
                    drop("retuned by its zone (coarseTune not whole octaves)")
                elif (
                    abs(sample.pitch_correction) + abs(gens.get(GEN_FINE_TUNE, 0))
                    > MAX_PITCH_CORRECTION
                ):
                    drop("pitch correction + fineTune > 50 cents")
                elif ratio is None or max(ratio.numerator, ratio.denominator) > MAX_RATIO_TERM:
                    drop("odd sample rate")
                elif zone.looped and loop_end - loop_start < MIN_LOOP_POINTS:
                    drop("loop too short")
                elif not zone.looped and end - start < MIN_ONE_SHOT_SECONDS * sample.sample_rate:
                    drop("one-shot shorter than 0.25 s")
                else:
                    found.append(
                        Candidate(name, program, presets[(0, program)], zone, root)
                    )
    return found, dropped


def process(points: np.ndarray, rate: int) -> np.ndarray:
    """Step 2 up to the scaling: float at 11025 Hz, band-limited by :data:`LOWPASS`."""
    x = points.astype(np.float64) / 32768.0
    ratio = Fraction(SR, rate)
    if ratio != 1:
        x = resample_poly(x, ratio.numerator, ratio.denominator)
    delay = (LOWPASS.size - 1) // 2
    return np.convolve(x, LOWPASS)[delay : delay + x.size]


def to_pcm(x: np.ndarray) -> np.ndarray:
    """Scale to a peak of :data:`PEAK` and round to int16."""
    return np.round(x * (PEAK / np.max(np.abs(x)))).astype(np.int16)


def pitch_confirmed(x: np.ndarray, root_key: int) -> bool:
    """True when the root key wins the harmonic sum among the 12 pitches around it."""
    n_fft = 1 << 16
    spectrum = np.abs(np.fft.rfft(x[:SR] * np.hanning(min(x.size, SR)), n_fft))
    freqs = np.fft.rfftfreq(n_fft, 1 / SR)
    half_step = 2 ** (0.5 / 12)
    scores = []
    for offset in range(-6, 6):
        f0 = 440.0 * 2 ** ((root_key + offset - 69) / 12)
        score = 0.0
        for h in range(1, int((LOWPASS_CUTOFF - LOWPASS_WIDTH / 2) // f0) + 1):
            band = (freqs >= h * f0 / half_step) & (freqs <= h * f0 * half_step)
            score += spectrum[band].max() / h
        scores.append(score)
    return int(np.argmax(scores)) == 6


def select(notes: list[tuple[Candidate, np.ndarray]]) -> list[tuple[Candidate, np.ndarray]]:
    """Step 4: up to PER_CLASS notes per pitch class, round robin over the families."""
    chosen = []
    for pitch_class in range(12):
        by_family: dict[str, list] = {}
        for note in notes:
            if note[0].pitch_class == pitch_class:
                by_family.setdefault(note[0].family, []).append(note)
        # Within a family, the notes nearest the middle of the key range first, so that
        # both fonts draw from the same register.
        queues = [
            sorted(by_family[f], key=lambda note: abs(note[0].root_key - MIDDLE_KEY))
            for f in FAMILIES
            if f in by_family
        ]
        picked = []
        while len(picked) < PER_CLASS and any(queues):
            for queue in queues:
                if queue and len(picked) < PER_CLASS:
                    picked.append(queue.pop(0))
        chosen.extend(picked)
    return sorted(chosen, key=lambda note: note[0].name)


def write_wav(path: Path, pcm: np.ndarray) -> None:
    soundfont.write_wav(path, pcm, SR)


def cross_font_similarity(pcms: dict[str, list[np.ndarray]]) -> float:
    """Largest normalised cross-correlation (any lag) between notes of different fonts."""
    (a_name, a), (b_name, b) = pcms.items()
    n_fft = 2 * SR

    def spectra(notes):
        out = []
        for pcm in notes:
            x = pcm.astype(np.float64)
            out.append(np.fft.rfft(x / np.linalg.norm(x), n_fft))
        return np.array(out)

    fa, fb = spectra(a), spectra(b)
    best = 0.0
    for row in fa:
        corr = np.fft.irfft(row[None, :] * np.conj(fb), n_fft, axis=1)
        best = max(best, float(np.abs(corr).max()))
    return best


def make_notes(out: Path, verbose: bool = True) -> dict[str, str]:
    """Write the notes, notes.csv, the licence texts and SHA256SUMS; return the manifest."""
    fonts = {}
    for name, (sf2, sf2_sha, licence, licence_sha, _) in FONTS.items():
        if not sf2.is_file():
            raise SystemExit(f"{sf2} is missing: apt-get install the Debian package "
                             f"{FONTS[name][4].split()[0]}")
        soundfont.check_sha256(sf2, sf2_sha)
        soundfont.check_sha256(licence, licence_sha)
        fonts[name] = soundfont.SoundFont(sf2)

    # No sample is shared byte for byte between the fonts (all samples, not only kept).
    digests = {}
    for name, font in fonts.items():
        digests[name] = {
            hashlib.sha256(font.read_points(s.start, s.end).tobytes()).hexdigest()
            for s in font.samples[:-1]
            if s.end > s.start
        }
    shared = set.intersection(*digests.values())
    if shared:
        raise SystemExit(f"{len(shared)} samples are shared byte for byte between fonts")
    if verbose:
        sizes = ", ".join(f"{n}: {len(d)}" for n, d in digests.items())
        print(f"distinct samples ({sizes}); none shared byte for byte between the fonts")

    rows, pcms, manifest = [], {}, {}
    for name, font in fonts.items():
        found, dropped = candidates(name, font)
        notes, raw_seen = [], set()
        for cand in found:
            raw = raw_points(font, cand.zone)
            raw_sha = hashlib.sha256(raw.tobytes()).hexdigest()
            if raw_sha in raw_seen:
                dropped["same data as another candidate"] = (
                    dropped.get("same data as another candidate", 0) + 1
                )
                continue
            raw_seen.add(raw_sha)
            x = process(
                soundfont.render_zone(font, cand.zone, SECONDS), cand.zone.sample.sample_rate
            )
            if not pitch_confirmed(x, cand.root_key):
                dropped["pitch check"] = dropped.get("pitch check", 0) + 1
                continue
            notes.append((cand, x, raw_sha))
        chosen = select([(c, (x, s)) for c, x, s in notes])
        counts = np.bincount([c.pitch_class for c, _ in chosen], minlength=12)
        if counts.min() < PER_CLASS:
            raise SystemExit(f"{name}: too few notes for some pitch class: {counts}")
        if verbose:
            families = {
                family: sum(c.family == family for c, _ in chosen)
                for family in FAMILIES
                if any(c.family == family for c, _ in chosen)
            }
            print(
                f"{name}: {len(found)} candidates, dropped {dropped}, "
                f"{len(notes)} confirmed, {len(chosen)} kept; families {families}"
            )
        (out / name).mkdir(parents=True, exist_ok=True)
        stale = {p.name for p in (out / name).iterdir()} - {
            f"{c.name}.wav" for c, _ in chosen
        }
        if stale:
            raise SystemExit(f"{out / name} holds other files: {sorted(stale)[:5]}; remove them")
        pcms[name] = []
        for cand, (x, raw_sha) in chosen:
            pcm = to_pcm(x)
            pcms[name].append(pcm)
            relative = f"{name}/{cand.name}.wav"
            write_wav(out / relative, pcm)
            manifest[relative] = sha256_of(out / relative)
            rows.append(
                {
                    "name": cand.name,
                    "font": name,
                    "family": cand.family,
                    "program": cand.program,
                    "preset": cand.preset,
                    "sample_index": cand.zone.sample_index,
                    "sample_name": cand.zone.sample.name,
                    "native_rate": cand.zone.sample.sample_rate,
                    "root_key": cand.root_key,
                    "pitch_class": cand.pitch_class,
                    "pitch": f"{PITCH_NAMES[cand.pitch_class]}{cand.root_key // 12 - 1}",
                    "pitch_correction_cents": cand.zone.sample.pitch_correction,
                    "looped": int(cand.zone.looped),
                    "points": pcm.size,
                    "raw_sha256": raw_sha,
                }
            )

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (out / "notes.csv").write_text(buffer.getvalue(), encoding="utf-8")
    (out / "COPYING").write_text(NOTICE, encoding="utf-8")
    for name, (_, _, licence, _, _) in FONTS.items():
        shutil.copyfile(licence, out / f"COPYING.{name}")
    for extra in ("notes.csv", "COPYING", *(f"COPYING.{n}" for n in FONTS)):
        manifest[extra] = sha256_of(out / extra)
    text = "".join(f"{manifest[k]}  {k}\n" for k in sorted(manifest))
    (out / "SHA256SUMS").write_text(text, encoding="utf-8")
    if verbose:
        similarity = cross_font_similarity(pcms)
        print(f"largest normalised cross-correlation between the fonts' notes: {similarity:.3f}")
    return manifest


def compare_with_shipped(manifest: dict[str, str]) -> list[str]:
    """Files whose SHA-256 differs from (or is absent in) the shipped manifest."""
    shipped_path = DEFAULT_OUT / "SHA256SUMS"
    if not shipped_path.is_file():
        return []
    shipped = dict(
        reversed(line.split("  ", 1)) for line in shipped_path.read_text().splitlines()
    )
    names = sorted(set(shipped) | set(manifest))
    return [n for n in names if shipped.get(n) != manifest.get(n)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = make_notes(args.out)
    if args.out.resolve() != DEFAULT_OUT.resolve():
        differ = compare_with_shipped(manifest)
        for name in differ:
            print(f"differs from the shipped data/notes/: {name}")
        if differ:
            return 1
    print(f"{sha256_of(args.out / 'SHA256SUMS')}  SHA256SUMS")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
