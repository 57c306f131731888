"""Regenerate ``data/fsdd/``, a subset of the Free Spoken Digit Dataset, from a clone.

Run from the repository root, with a clone of the dataset's repository at tag
``v1.0.10``::

    git clone https://github.com/Jakobovski/free-spoken-digit-dataset fsdd
    git -C fsdd checkout v1.0.10
    python data/make_digits.py fsdd              # writes data/fsdd/
    python data/make_digits.py fsdd --out DIR    # writes DIR/ instead

What it does, in order:

1. computes the SHA-256 of every recording in ``PATH/recordings/`` (3000 WAV files:
   6 speakers x 10 digits x 50 takes) and of ``PATH/README.md``, and requires them to be
   those of tag v1.0.10: the manifest of the 3000 recordings must have the SHA-256
   :data:`FULL_MANIFEST_SHA256`; a file that differs is named (one line per file);
2. copies the recordings of takes ``0 .. TAKES - 1`` (every speaker and digit, 600 files)
   byte for byte to ``OUT/recordings/`` and the dataset's ``README.md`` (which states
   its licence) to ``OUT/README.md``;
3. writes ``OUT/COPYING`` (attribution and licence notice, text below), the manifest of
   the 3000 recordings of the tag, ``OUT/SHA256SUMS.v1.0.10`` (so that the loader can
   check a full clone too), and the manifest of the shipped files, ``OUT/SHA256SUMS``
   (``cd data/fsdd && sha256sum -c SHA256SUMS`` checks them).

Nothing is decoded or re-encoded, so the output is byte-identical on every run; the
SHA-256 of both manifests are listed in ``data/README.md`` and pinned in
``randfb.tasks``.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import sys
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = DATA_DIR / "fsdd"

TAG = "v1.0.10"
COMMIT = "d6938f9bf1545aa66d8489fc9f1385a7abd64282"
REPOSITORY = "https://github.com/Jakobovski/free-spoken-digit-dataset"
SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
DIGITS = tuple(range(10))
TAKES_AT_TAG = 50
#: Takes shipped: 0 .. TAKES - 1 of every speaker and digit (600 files, 4.2 MB).
TAKES = 10

#: SHA-256 of ``SHA256SUMS.v1.0.10``, the manifest of the 3000 recordings at the tag.
FULL_MANIFEST_SHA256 = "04e1baae96c6a26e39c623f2b01d0182ddae627ba0ac02a3cdc17ba2af99fd9b"
#: SHA-256 of the tag's README.md (which states the licence).
README_SHA256 = "27dad915cd21a9b1445e45d9d251180037b1454c7e5605567a871c35e698b985"

NAME = re.compile(r"^(?P<digit>\d)_(?P<speaker>[a-z]+)_(?P<take>\d+)\.wav$")

COPYING = f"""\
Free Spoken Digit Dataset (FSDD), a subset
==========================================

The WAV files in recordings/ are recordings of the Free Spoken Digit Dataset by
Zohar Jackson and the contributors of its repository,
{REPOSITORY}
at git tag {TAG} (commit {COMMIT}).

Licence: Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0),
https://creativecommons.org/licenses/by-sa/4.0/
as stated in the "License" section of the dataset's README.md, copied unchanged
next to this file. You may share and adapt these recordings, also commercially,
provided you give appropriate credit, provide a link to the licence, indicate if
changes were made, and distribute your contributions under the same licence.

Changes: none to the recordings. This folder holds the takes 0 to {TAKES - 1} of every
speaker and digit ({len(SPEAKERS) * len(DIGITS) * TAKES} of the 3000 files), each copied
byte for byte; the files COPYING, SHA256SUMS and SHA256SUMS.{TAG} were added (they
carry the same licence). The script data/make_digits.py of the book's repository
made this folder from a clone of the dataset's repository.
"""


def sha256_of(path: Path) -> str:
    """Hex SHA-256 digest of the file at ``path``."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_text(digests: dict[str, str]) -> str:
    """``sha256sum`` format: one ``<digest>  <path>`` line per file, sorted by path."""
    return "".join(f"{digests[name]}  {name}\n" for name in sorted(digests))


def shipped_names(takes: int = TAKES) -> list[str]:
    """File names of the subset: every speaker and digit, takes ``0 .. takes - 1``."""
    return sorted(
        f"{digit}_{speaker}_{take}.wav"
        for speaker in SPEAKERS
        for digit in DIGITS
        for take in range(takes)
    )


def check_clone(clone: Path) -> dict[str, str]:
    """SHA-256 of the 3000 recordings of the clone, after checking they are the tag's.

    Raises ``SystemExit`` with one line per problem: a missing or unexpected file, or a
    file whose SHA-256 differs from the shipped manifest ``SHA256SUMS.v1.0.10``.
    """
    recordings = clone / "recordings"
    if not recordings.is_dir():
        raise SystemExit(
            f"{recordings} is not a folder: give the path of a clone of {REPOSITORY} "
            f"checked out at {TAG}"
        )
    expected_names = {
        f"{digit}_{speaker}_{take}.wav"
        for speaker in SPEAKERS
        for digit in DIGITS
        for take in range(TAKES_AT_TAG)
    }
    found = {p.name for p in recordings.iterdir() if NAME.match(p.name)}
    problems = [f"missing: {recordings / n}" for n in sorted(expected_names - found)]
    problems += [f"not in {TAG}: {recordings / n}" for n in sorted(found - expected_names)]
    if problems:
        raise SystemExit("\n".join(problems))
    digests = {
        f"recordings/{name}": sha256_of(recordings / name) for name in sorted(found)
    }
    text = manifest_text(digests)
    if hashlib.sha256(text.encode()).hexdigest() != FULL_MANIFEST_SHA256:
        reference = DEFAULT_OUT / f"SHA256SUMS.{TAG}"
        lines = []
        if reference.is_file():
            expected = dict(
                reversed(line.split("  ", 1))
                for line in reference.read_text().splitlines()
            )
            lines = [
                f"SHA-256 differs from {TAG}: {clone / name}"
                for name, digest in digests.items()
                if expected.get(name) != digest
            ]
        raise SystemExit(
            "\n".join(lines)
            or f"the recordings of {clone} are not those of {TAG} (manifest differs)"
        )
    readme = clone / "README.md"
    if not readme.is_file() or sha256_of(readme) != README_SHA256:
        raise SystemExit(f"SHA-256 differs from {TAG} (or missing): {readme}")
    return digests


def make_subset(clone: Path, out: Path) -> dict[str, str]:
    """Write the subset, its licence notice and both manifests; return the manifest."""
    digests = check_clone(clone)
    (out / "recordings").mkdir(parents=True, exist_ok=True)
    stale = {p.name for p in (out / "recordings").iterdir()} - set(shipped_names())
    if stale:
        raise SystemExit(
            f"{out / 'recordings'} holds files that are not part of the subset: "
            f"{sorted(stale)[:5]}; remove them first"
        )
    shipped = {}
    for name in shipped_names():
        shutil.copyfile(clone / "recordings" / name, out / "recordings" / name)
        shipped[f"recordings/{name}"] = digests[f"recordings/{name}"]
    shutil.copyfile(clone / "README.md", out / "README.md")
    (out / "COPYING").write_text(COPYING, encoding="utf-8")
    (out / f"SHA256SUMS.{TAG}").write_text(manifest_text(digests), encoding="utf-8")
    for extra in ("README.md", "COPYING"):
        shipped[extra] = sha256_of(out / extra)
    (out / "SHA256SUMS").write_text(manifest_text(shipped), encoding="utf-8")
    # Read back: every written file has the digest its manifest gives.
    for name, digest in shipped.items():
        if sha256_of(out / name) != digest:
            raise SystemExit(f"SHA-256 of the written {out / name} differs")
    return shipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clone", type=Path, help=f"a clone of {REPOSITORY} at {TAG}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    shipped = make_subset(args.clone, args.out)
    print(
        f"{len(shipped) - 2} recordings (takes 0-{TAKES - 1}), README.md and COPYING "
        f"written to {args.out}; all 3000 recordings of {args.clone} match {TAG}"
    )
    for name in ("SHA256SUMS", f"SHA256SUMS.{TAG}"):
        print(f"{sha256_of(args.out / name)}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
