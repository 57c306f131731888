"""Regenerate the recordings shipped in ``data/`` from their published sources.

Run from the repository root::

    python data/make_recordings.py            # writes data/*.wav and data/COPYING.*
    python data/make_recordings.py --out DIR  # writes them somewhere else

The output is byte-identical on every run: the samples are only selected, cut and
repeated (no arithmetic touches them), and the WAV files are written with the standard
library's ``wave`` module (a plain 44-byte PCM header, no metadata). Each input is
checked against its SHA-256 before it is used, so a changed upstream file is an error
rather than a silent change.

Sources (see ``data/README.md`` for licences and checksums):

* ``speech.wav``: the CMU ARCTIC utterance ``arctic_a0007.wav`` shipped inside the
  source distribution of ``pysptk`` 1.0.1 on PyPI, copied byte for byte. The script
  downloads the sdist with ``pip download`` unless ``--pysptk-sdist`` points at it.
* every other file: one recorded sample of the FluidR3 GM SoundFont, as installed by
  Debian's ``fluid-soundfont-gm`` package (``/usr/share/sounds/sf2/FluidR3_GM.sf2``).
  The SoundFont 2 file is read with the small RIFF parser below (no third-party
  SoundFont library). For a General MIDI preset (bank, program) and a MIDI key and
  velocity, the parser finds the instrument zones a SoundFont player would sound, and
  the script writes their sample data:

  - of a stereo pair (a left and a right sample, recorded with two microphones) only
    the left sample is written: mixing the two would comb-filter the spaced pairs
    (the flute's channels are 70 samples apart), and one channel is one real recording;
  - every file lasts at most ``SECONDS`` (2 s). One-shot samples (percussion: no loop
    in the zone's ``sampleModes``) are written from their start to their end, cut at
    2 s if longer (the crash cymbal) and left as they are if shorter (the snare);
  - looped samples (sustained notes) are written for exactly 2 s by playing the sample
    from its start and, whenever the loop end is reached, jumping back to the loop
    start, as a SoundFont player does while the key is held. No envelope, filter, pitch
    shift, reverb or chorus is applied: the samples are the recorded waveform.

  All samples are written at their native rate (44.1 kHz; 22.05 kHz for the organ).
* ``fire.wav``, ``birds.wav``, ``footsteps.wav`` (environmental sounds): three sound
  effects of the Debian package ``freedink-data`` 1.08.20190120-2, read from the
  ``.deb`` file itself (an ``ar`` archive holding ``data.tar.xz``; the script downloads
  it with ``apt-get download`` unless ``--freedink-deb`` points at it). Their samples
  are written unchanged with a plain header (the package's files carry metadata chunks);
  the birds are 8-bit stereo, of which the left channel is written as 16-bit by the
  exact integer map ``(u - 128) * 256``. The licence texts are the package's
  ``copyright`` file, its ``README-REPLACEMENTS.txt`` (the origin and licence of each
  sound, decompressed) and the GPL-2 text of Debian's ``base-files``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import lzma
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent

SF2_PATH = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
SF2_SHA256 = "74594e8f4250680adf590507a306655a299935343583256f3b722c48a1bc1cb0"
SF2_COPYRIGHT = Path("/usr/share/doc/fluid-soundfont-gm/copyright")
SF2_PACKAGE = "fluid-soundfont-gm 3.1-5.3 (Debian)"

PYSPTK_VERSION = "1.0.1"
PYSPTK_SDIST = f"pysptk-{PYSPTK_VERSION}.tar.gz"
PYSPTK_SDIST_SHA256 = "78b1c9338bf795a41cdc3ff03fcd4699c401c323f54630bb71a19710078d0b3f"
PYSPTK_AUDIO_DIR = f"pysptk-{PYSPTK_VERSION}/pysptk/example_audio_data"

FREEDINK_PACKAGE = "freedink-data"
FREEDINK_VERSION = "1.08.20190120-2"
FREEDINK_DEB = f"{FREEDINK_PACKAGE}_{FREEDINK_VERSION}_all.deb"
FREEDINK_DEB_SHA256 = "5c3f0c22958364460057d9df5318a9a2a0fb84b9174cab57a9d50ad03a73d66c"
FREEDINK_SOUND_DIR = "./usr/share/games/dink/dink/Sound"
FREEDINK_DOC_DIR = "./usr/share/doc/freedink-data"
GPL2_PATH = Path("/usr/share/common-licenses/GPL-2")
GPL2_SHA256 = "8177f97513213526df2cf6184d8ff986c675afb514d4e68a404010521b880643"

# Environmental sounds taken from freedink-data: output name -> file in Sound/ and its
# SHA-256 inside the package (each is checked before it is used).
FREEDINK_SOUNDS: dict[str, tuple[str, str]] = {
    # A fire burning (Berklee College of Music Sampling Archive, CC-BY 3.0).
    "fire": (
        "fire.wav",
        "ecac3b7ad3c7da8b6ab9652e1341bdfc0cff8696125e8e89acc53ea29ce4c02c",
    ),
    # Birds tweeting (from Battle for Wesnoth's ambient sounds, GPL-2+).
    "birds": (
        "bird1.wav",
        "48f283710cb76064b89d96cc7b29669fc7e0274b63b51e54a2c45e980537b0f8",
    ),
    # Footsteps on stairs (freesound.org 442770 by Anthousai and qubodup, public
    # domain).
    "footsteps": (
        "stairs.wav",
        "8ad164844a4f46609da8d3401208d237b313725f8d5450da441c193d32a6f6a6",
    ),
}

# Longest file cut from the SoundFont, in seconds (looped notes are extended to it).
SECONDS = 2.0

# Recordings cut from the SoundFont: General MIDI bank and program (0-based), MIDI key
# and velocity. Each melodic key is the root key of the sample it selects, so the file
# is the note as recorded.
SOUNDFONT_RECIPES: dict[str, dict] = {
    # GM program 73 "Flute", key 74 = D5 (587 Hz): the sample "Flute D5(L)".
    "flute": dict(bank=0, program=73, key=74, velocity=100),
    # GM percussion kit "Standard" (bank 128, program 0), key 38 = Acoustic Snare.
    "snare": dict(bank=128, program=0, key=38, velocity=100),
    # Extra signals beyond the paper's three.
    # GM program 42 "Cello", key 46 = A#2 (117 Hz): a low bowed string.
    "cello": dict(bank=0, program=42, key=46, velocity=100),
    # GM program 19 "Church Organ", key 60 = C4 (262 Hz): a steady, strongly periodic
    # tone.
    "organ": dict(bank=0, program=19, key=60, velocity=100),
    # GM percussion kit "Standard", key 49 = Crash Cymbal 1: broadband and noise-like.
    "cymbal": dict(bank=128, program=0, key=49, velocity=100),
}

# SoundFont 2.04 generator numbers used here.
GEN_START_OFFSET = 0
GEN_END_OFFSET = 1
GEN_LOOP_START_OFFSET = 2
GEN_LOOP_END_OFFSET = 3
GEN_START_COARSE = 4
GEN_END_COARSE = 12
GEN_INSTRUMENT = 41
GEN_KEY_RANGE = 43
GEN_VEL_RANGE = 44
GEN_LOOP_START_COARSE = 45
GEN_LOOP_END_COARSE = 50
GEN_SAMPLE_ID = 53
GEN_SAMPLE_MODES = 54
RANGE_GENERATORS = (GEN_KEY_RANGE, GEN_VEL_RANGE)

SAMPLE_TYPE_MONO = 1
SAMPLE_TYPE_RIGHT = 2
SAMPLE_TYPE_LEFT = 4


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 digest of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_sha256(path: Path, expected: str) -> None:
    """Raise ``RuntimeError`` if the file at ``path`` does not have the digest ``expected``."""
    actual = sha256_of(path)
    if actual != expected:
        raise RuntimeError(f"{path}: SHA-256 is {actual}, expected {expected}")


# --------------------------------------------------------------------------------------
# A minimal SoundFont 2 reader
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleHeader:
    """One ``shdr`` record. Positions are in sample points from the start of ``smpl``."""

    name: str
    start: int
    end: int
    loop_start: int
    loop_end: int
    sample_rate: int
    original_pitch: int
    pitch_correction: int
    sample_link: int
    sample_type: int


@dataclass(frozen=True)
class Zone:
    """An instrument zone that sounds for a given key and velocity."""

    instrument: str
    sample_index: int
    sample: SampleHeader
    generators: dict[int, int]  # instrument-level generators, global zone merged in

    def addresses(self) -> tuple[int, int, int, int]:
        """Sample start, end, loop start, loop end after the zone's address offsets."""
        g = self.generators
        s = self.sample
        start = (
            s.start + g.get(GEN_START_OFFSET, 0) + 32768 * g.get(GEN_START_COARSE, 0)
        )
        end = s.end + g.get(GEN_END_OFFSET, 0) + 32768 * g.get(GEN_END_COARSE, 0)
        loop_start = (
            s.loop_start
            + g.get(GEN_LOOP_START_OFFSET, 0)
            + 32768 * g.get(GEN_LOOP_START_COARSE, 0)
        )
        loop_end = (
            s.loop_end
            + g.get(GEN_LOOP_END_OFFSET, 0)
            + 32768 * g.get(GEN_LOOP_END_COARSE, 0)
        )
        return start, end, loop_start, loop_end

    @property
    def looped(self) -> bool:
        """True when ``sampleModes`` is 1 (loop) or 3 (loop, then play on at release)."""
        return self.generators.get(GEN_SAMPLE_MODES, 0) in (1, 3)


def _iter_chunks(buffer: bytes, offset: int, end: int):
    """Yield ``(chunk_id, data_offset, size)`` for the RIFF chunks in ``buffer[offset:end]``."""
    while offset + 8 <= end:
        chunk_id, size = struct.unpack_from("<4sI", buffer, offset)
        yield chunk_id, offset + 8, size
        offset += 8 + size + (size & 1)


def _name(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("latin-1").strip()


def _generators(records: list[tuple[int, int]]) -> dict[int, int]:
    """Decode ``(operator, raw amount)`` pairs. Ranges keep the raw 16 bits; others are signed."""
    out = {}
    for operator, amount in records:
        if operator in RANGE_GENERATORS:
            out[operator] = amount  # low byte = lo, high byte = hi
        else:
            out[operator] = amount - 65536 if amount >= 32768 else amount
    return out


def _in_range(generators: dict[int, int], operator: int, value: int) -> bool:
    if operator not in generators:
        return True
    raw = generators[operator]
    return (raw & 0xFF) <= value <= (raw >> 8)


class SoundFont:
    """Read the hydra (``pdta``) of a SoundFont 2 file and its 16-bit sample data on demand.

    Parameters
    ----------
    path : Path
        The ``.sf2`` file.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        with open(self.path, "rb") as handle:
            header = handle.read(12)
            riff, riff_size, form = struct.unpack("<4sI4s", header)
            if riff != b"RIFF" or form != b"sfbk":
                raise ValueError(f"{path} is not a SoundFont 2 file")
            # Walk the top-level LIST chunks without reading the sample data.
            lists = {}
            offset = 12
            while offset < 8 + riff_size:
                handle.seek(offset)
                chunk_id, size, kind = struct.unpack("<4sI4s", handle.read(12))
                if chunk_id == b"LIST":
                    lists[kind] = (offset + 12, size - 4)
                offset += 8 + size + (size & 1)
            sdta_offset, sdta_size = lists[b"sdta"]
            handle.seek(sdta_offset)
            sdta_head = handle.read(8)
            pdta_offset, pdta_size = lists[b"pdta"]
            handle.seek(pdta_offset)
            pdta = handle.read(pdta_size)
        chunk_id, smpl_size = struct.unpack("<4sI", sdta_head)
        if chunk_id != b"smpl":
            raise ValueError(f"{path}: expected the smpl chunk first in sdta")
        self._smpl_offset = sdta_offset + 8
        self._smpl_points = smpl_size // 2

        sub = {cid: (off, size) for cid, off, size in _iter_chunks(pdta, 0, len(pdta))}

        def records(tag: bytes, fmt: str) -> list[tuple]:
            off, size = sub[tag]
            width = struct.calcsize(fmt)
            return [
                struct.unpack_from(fmt, pdta, off + width * i)
                for i in range(size // width)
            ]

        self._phdr = records(b"phdr", "<20sHHHIII")
        self._pbag = records(b"pbag", "<HH")
        self._pgen = records(b"pgen", "<HH")
        self._inst = records(b"inst", "<20sH")
        self._ibag = records(b"ibag", "<HH")
        self._igen = records(b"igen", "<HH")
        self.samples = [
            SampleHeader(_name(r[0]), *r[1:]) for r in records(b"shdr", "<20sIIIIIBbHH")
        ]

    def presets(self) -> dict[tuple[int, int], str]:
        """Map ``(bank, program)`` to the preset name (the terminal ``EOP`` record excluded)."""
        return {(r[2], r[1]): _name(r[0]) for r in self._phdr[:-1]}

    @staticmethod
    def _zones(bags, gens, first_bag: int, last_bag: int, terminal: int):
        """Split bags ``first_bag..last_bag-1`` into (global generators, local zone list)."""
        global_gens: dict[int, int] = {}
        local = []
        for bag in range(first_bag, last_bag):
            gen_records = [
                (op, amount) for op, amount in gens[bags[bag][0] : bags[bag + 1][0]]
            ]
            decoded = _generators(gen_records)
            if gen_records and gen_records[-1][0] == terminal:
                local.append(decoded)
            elif bag == first_bag:
                global_gens = decoded
        return global_gens, local

    def resolve(self, bank: int, program: int, key: int, velocity: int) -> list[Zone]:
        """Instrument zones that sound for ``key`` at ``velocity`` on preset ``(bank, program)``."""
        index = next(
            (
                i
                for i, r in enumerate(self._phdr[:-1])
                if (r[2], r[1]) == (bank, program)
            ),
            None,
        )
        if index is None:
            raise KeyError(f"no preset bank={bank} program={program}")
        p_global, p_zones = self._zones(
            self._pbag,
            self._pgen,
            self._phdr[index][3],
            self._phdr[index + 1][3],
            GEN_INSTRUMENT,
        )
        zones = []
        for p_zone in p_zones:
            merged = {**p_global, **p_zone}
            if not (
                _in_range(merged, GEN_KEY_RANGE, key)
                and _in_range(merged, GEN_VEL_RANGE, velocity)
            ):
                continue
            inst = p_zone[GEN_INSTRUMENT]
            i_global, i_zones = self._zones(
                self._ibag,
                self._igen,
                self._inst[inst][1],
                self._inst[inst + 1][1],
                GEN_SAMPLE_ID,
            )
            for i_zone in i_zones:
                gens = {**i_global, **i_zone}
                if _in_range(gens, GEN_KEY_RANGE, key) and _in_range(
                    gens, GEN_VEL_RANGE, velocity
                ):
                    sample_index = gens[GEN_SAMPLE_ID]
                    zones.append(
                        Zone(
                            _name(self._inst[inst][0]),
                            sample_index,
                            self.samples[sample_index],
                            gens,
                        )
                    )
        return zones

    def read_points(self, start: int, end: int) -> np.ndarray:
        """Return sample points ``start..end-1`` of ``smpl`` as int16."""
        if not 0 <= start <= end <= self._smpl_points:
            raise ValueError(f"sample range {start}..{end} outside smpl")
        with open(self.path, "rb") as handle:
            handle.seek(self._smpl_offset + 2 * start)
            raw = handle.read(2 * (end - start))
        return np.frombuffer(raw, dtype="<i2").astype(np.int16)


def render_zone(font: SoundFont, zone: Zone, seconds: float) -> np.ndarray:
    """The raw waveform of one zone as int16, at most ``round(seconds * rate)`` points.

    One-shot zones give the sample from its start to its end, cut at that length. Looped
    zones give exactly that many points: the sample from its start, jumping back to the
    loop start each time the loop end is reached.
    """
    start, end, loop_start, loop_end = zone.addresses()
    n_points = round(seconds * zone.sample.sample_rate)
    if not zone.looped:
        return font.read_points(start, min(end, start + n_points))
    if not start <= loop_start < loop_end <= end:
        raise ValueError(f"zone {zone.sample.name!r} has inconsistent loop points")
    head = font.read_points(
        start, loop_end
    )  # attack plus the first pass through the loop
    if n_points <= head.size:
        return head[:n_points].copy()
    loop = font.read_points(loop_start, loop_end)
    repeats = -(-(n_points - head.size) // loop.size)
    return np.concatenate([head, np.tile(loop, repeats)])[:n_points]


def render_recipe(
    font: SoundFont, recipe: dict, seconds: float = SECONDS
) -> tuple[np.ndarray, int, Zone]:
    """Render one recipe to mono int16; returns (points, sample rate, zone used).

    The key and velocity must select one mono sample or one stereo pair; of a pair the
    left sample is used.
    """
    zones = font.resolve(
        recipe["bank"], recipe["program"], recipe["key"], recipe["velocity"]
    )
    types = sorted(zone.sample.sample_type for zone in zones)
    if types not in ([SAMPLE_TYPE_MONO], [SAMPLE_TYPE_RIGHT, SAMPLE_TYPE_LEFT]):
        names = [zone.sample.name for zone in zones]
        raise ValueError(f"expected one mono sample or one stereo pair, found {names}")
    zone = next(
        z for z in zones if z.sample.sample_type in (SAMPLE_TYPE_MONO, SAMPLE_TYPE_LEFT)
    )
    return render_zone(font, zone, seconds), zone.sample.sample_rate, zone


def write_wav(path: Path, points: np.ndarray, sample_rate: int) -> None:
    """Write mono 16-bit PCM with a plain 44-byte header (no metadata chunks)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(np.asarray(points, dtype="<i2").tobytes())
    path.write_bytes(buffer.getvalue())


# --------------------------------------------------------------------------------------
# The speech file
# --------------------------------------------------------------------------------------


def download_pysptk_sdist(directory: Path) -> Path:
    """Fetch the pysptk source distribution from PyPI with pip."""
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
        "--no-binary", "pysptk", f"pysptk=={PYSPTK_VERSION}", "-d", str(directory),
    ]  # fmt: skip
    subprocess.run(command, check=True)
    return directory / PYSPTK_SDIST


def extract_speech(sdist: Path, out_dir: Path) -> None:
    """Copy ``arctic_a0007.wav`` and its licence (``COPYING``) out of the pysptk sdist."""
    check_sha256(sdist, PYSPTK_SDIST_SHA256)
    with tarfile.open(sdist, "r:gz") as archive:
        for member, target in (
            ("arctic_a0007.wav", "speech.wav"),
            ("COPYING", "COPYING.cmu_arctic"),
        ):
            handle = archive.extractfile(f"{PYSPTK_AUDIO_DIR}/{member}")
            if handle is None:
                raise RuntimeError(f"{PYSPTK_AUDIO_DIR}/{member} missing from {sdist}")
            (out_dir / target).write_bytes(handle.read())


def extract_soundfont(sf2: Path, out_dir: Path, verbose: bool = False) -> None:
    """Write one WAV per SoundFont recipe, and the SoundFont's licence."""
    check_sha256(sf2, SF2_SHA256)
    font = SoundFont(sf2)
    for name, recipe in SOUNDFONT_RECIPES.items():
        points, rate, zone = render_recipe(font, recipe)
        write_wav(out_dir / f"{name}.wav", points, rate)
        if verbose:
            preset = font.presets()[(recipe["bank"], recipe["program"])]
            start, end, loop_start, loop_end = zone.addresses()
            print(
                f"{name}.wav: preset {preset!r}, instrument {zone.instrument!r}, sample "
                f"{zone.sample.name!r} (shdr #{zone.sample_index}, {end - start} points, "
                f"loop {loop_start - start}..{loop_end - start} "
                f"{'used' if zone.looped else 'not used'}), wrote {points.size} points "
                f"at {rate} Hz"
            )
    if not SF2_COPYRIGHT.is_file():
        raise RuntimeError(f"{SF2_COPYRIGHT} (the SoundFont's licence) is missing")
    shutil.copyfile(SF2_COPYRIGHT, out_dir / "COPYING.fluidr3")


# --------------------------------------------------------------------------------------
# The environmental sounds (freedink-data)
# --------------------------------------------------------------------------------------


def read_deb_data(deb: Path) -> dict[str, bytes]:
    """Return ``{path: bytes}`` for the regular files of a ``.deb``'s ``data.tar.xz``.

    A ``.deb`` is a Unix ``ar`` archive: an 8-byte magic, then members, each with a
    60-byte header (name, ..., decimal size, 2-byte terminator) and its data padded to
    an even length.
    """
    blob = deb.read_bytes()
    if blob[:8] != b"!<arch>\n":
        raise ValueError(f"{deb} is not a Debian package (no ar magic)")
    offset, payload = 8, None
    while offset + 60 <= len(blob):
        header = blob[offset : offset + 60]
        name = header[:16].decode("ascii").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        if name == "data.tar.xz":
            payload = blob[offset + 60 : offset + 60 + size]
            break
        offset += 60 + size + (size & 1)
    if payload is None:
        raise ValueError(f"{deb} has no data.tar.xz member")
    files = {}
    with tarfile.open(
        fileobj=io.BytesIO(lzma.decompress(payload)), mode="r:"
    ) as archive:
        for member in archive.getmembers():
            if member.isfile():
                files[member.name] = archive.extractfile(member).read()
    return files


def wav_points(data: bytes) -> tuple[np.ndarray, int]:
    """Mono int16 points and the rate of a PCM WAV file (left channel of a stereo one).

    16-bit samples are returned unchanged; 8-bit samples (unsigned, offset 128) are
    mapped to 16 bits exactly by ``(u - 128) * 256``.
    """
    with wave.open(io.BytesIO(data), "rb") as handle:
        channels, width = handle.getnchannels(), handle.getsampwidth()
        rate, frames = handle.getframerate(), handle.readframes(handle.getnframes())
    if width == 2:
        points = np.frombuffer(frames, dtype="<i2").astype(np.int16)
    elif width == 1:
        points = (np.frombuffer(frames, dtype=np.uint8).astype(np.int16) - 128) * 256
        points = points.astype(np.int16)
    else:
        raise ValueError(f"unexpected sample width {width} bytes")
    return points.reshape(-1, channels)[:, 0].copy(), rate


def download_freedink_deb(directory: Path) -> Path:
    """Fetch the freedink-data package with apt (``apt-get update`` may be needed first)."""
    command = ["apt-get", "download", f"{FREEDINK_PACKAGE}={FREEDINK_VERSION}"]
    subprocess.run(command, check=True, cwd=directory)
    return directory / FREEDINK_DEB


def extract_freedink(
    deb: Path, out_dir: Path, gpl2: Path = GPL2_PATH, verbose: bool = False
) -> None:
    """Write the environmental sounds and their licence texts from the package."""
    check_sha256(deb, FREEDINK_DEB_SHA256)
    check_sha256(gpl2, GPL2_SHA256)
    files = read_deb_data(deb)
    for name, (member, expected) in FREEDINK_SOUNDS.items():
        data = files[f"{FREEDINK_SOUND_DIR}/{member}"]
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected:
            raise RuntimeError(
                f"{member} in {deb}: SHA-256 is {actual}, expected {expected}"
            )
        points, rate = wav_points(data)
        write_wav(out_dir / f"{name}.wav", points, rate)
        if verbose:
            print(
                f"{name}.wav: {member} from {FREEDINK_DEB}, {points.size} points at {rate} Hz"
            )
    (out_dir / "COPYING.freedink").write_bytes(files[f"{FREEDINK_DOC_DIR}/copyright"])
    replacements = gzip.decompress(
        files[f"{FREEDINK_DOC_DIR}/README-REPLACEMENTS.txt.gz"]
    )
    (out_dir / "COPYING.freedink_sounds").write_bytes(replacements)
    shutil.copyfile(gpl2, out_dir / "COPYING.gpl2")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output folder")
    parser.add_argument("--sf2", type=Path, default=SF2_PATH, help="FluidR3_GM.sf2")
    parser.add_argument(
        "--pysptk-sdist", type=Path, default=None,
        help=f"{PYSPTK_SDIST} (downloaded with pip when omitted)",
    )  # fmt: skip
    parser.add_argument(
        "--freedink-deb", type=Path, default=None,
        help=f"{FREEDINK_DEB} (downloaded with apt-get when omitted)",
    )  # fmt: skip
    parser.add_argument("--gpl2", type=Path, default=GPL2_PATH, help="the GPL-2 text")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    extract_soundfont(args.sf2, args.out, verbose=True)
    if args.freedink_deb is not None:
        extract_freedink(args.freedink_deb, args.out, args.gpl2, verbose=True)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            deb = download_freedink_deb(Path(tmp))
            extract_freedink(deb, args.out, args.gpl2, verbose=True)
    if args.pysptk_sdist is not None:
        extract_speech(args.pysptk_sdist, args.out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            extract_speech(download_pysptk_sdist(Path(tmp)), args.out)
    print("speech.wav: arctic_a0007.wav from", PYSPTK_SDIST)
    for path in sorted(args.out.glob("*.wav")):
        print(f"{sha256_of(path)}  {path.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
