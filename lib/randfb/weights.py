"""Read the first layer of a trained convnet from the files people have, safely.

:func:`load_weights` returns the filters of a first layer as a float64 array of shape
``(J, T)``, from

* a NumPy ``.npy`` file (``numpy.save``), read with ``allow_pickle=False``;
* a NumPy ``.npz`` archive: its one array, or the array named by ``layer``;
* a PyTorch checkpoint ``.pt`` / ``.pth`` in the zip format that ``torch.save`` writes
  since PyTorch 1.6 (a tensor, a state dict, or dicts of them, nested), read **without
  torch**;
* a ``.safetensors`` file.

Accepted layouts of the weight: ``(J, T)``, a ``Conv1d(1, J, T)`` weight ``(J, 1, T)``, or
a ``Conv2d`` weight ``(J, 1, T, 1)`` whose kernel runs along the first spatial axis (as
in CREPE); the singleton axes are dropped. Anything else (several input channels, a
legacy non-zip PyTorch file, an integer or unknown dtype, NaN or inf) is refused with a
one-line ``ValueError`` that says what was found and what is expected.

Why no dependency
-----------------
A pickle can run code when it is loaded: ``pickle.load`` of a checkpoint may call any
function the file names (``os.system``, ``eval``...). Following the idea of PyTorch's
``torch.load(weights_only=True)``, the checkpoint reader here is a restricted unpickler
that resolves only the names a state dict needs, ``torch._utils._rebuild_tensor_v2``
(and ``_rebuild_parameter``), the ``torch.*Storage`` types and
``collections.OrderedDict``, to inert stand-ins of its own. Every other global
(``argparse.Namespace`` of Lightning's ``hyper_parameters``, NumPy scalars, but also
``os.system``) is never imported, called or constructed: it becomes an inert
placeholder that only records what the pickle does with it, so the tensors of a real
training checkpoint can be read, and asking for an object built from such a global
(or a file holding nothing else) is refused, naming it. The tensor data are read from the zip's
``data/<key>`` entries, honouring the dtype, the storage offset, the sizes and the
strides of each tensor. The ``.safetensors`` format is documented and small (an 8-byte
little-endian header length, a JSON header giving each tensor's dtype, shape and byte
range, then the raw little-endian data), so it is read by a few lines here as well
rather than through the ``safetensors`` package: this project pins its dependencies
and installs nothing at run time, and neither torch (hundreds of megabytes) nor
safetensors is needed to read an array.

Used by: ``book/trained_layers.ipynb`` and ``randfb bounds`` (:mod:`randfb.cli`).
"""

from __future__ import annotations

import collections
import difflib
import json
import math
import os
import pickle
import struct
import zipfile
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

__all__ = ["TensorInfo", "describe_weights", "list_tensors", "load_weights"]

NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
#: Largest safetensors JSON header read (the format's own reference reader uses 100 MB).
SAFETENSORS_MAX_HEADER = 100_000_000
#: Largest tensor rebuilt from a checkpoint (a view with zero strides can claim any size).
MAX_ELEMENTS = 2**28
#: How many candidate tensors an error message lists before "and k more".
MAX_LISTED = 12

EXPECTED_LAYOUTS = "(J, T), Conv1d (J, 1, T) or Conv2d (J, 1, T, 1)"
FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")
FORMATS = ".npy, .npz, a PyTorch zip checkpoint (.pt/.pth) or .safetensors"

# dtype name -> (NumPy dtype without byte order, item size in bytes)
_DTYPES = {
    "float64": ("f8", 8), "float32": ("f4", 4), "float16": ("f2", 2),
    "bfloat16": ("u2", 2),  # read as raw 16-bit words, widened to float32
    "int64": ("i8", 8), "int32": ("i4", 4), "int16": ("i2", 2), "int8": ("i1", 1),
    "uint64": ("u8", 8), "uint32": ("u4", 4), "uint16": ("u2", 2), "uint8": ("u1", 1),
    "bool": ("b1", 1),
}
_TORCH_STORAGES = {
    "DoubleStorage": "float64", "FloatStorage": "float32", "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
    "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8",
    "BoolStorage": "bool", "UntypedStorage": "uint8",
}
_SAFETENSORS_DTYPES = {
    "F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16",
    "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8", "U64": "uint64",
    "U32": "uint32", "U16": "uint16", "U8": "uint8", "BOOL": "bool",
}


class TensorInfo(NamedTuple):
    """A tensor stored in a weights file: dotted ``name``, ``shape``, ``dtype`` name.

    ``name`` is ``""`` for a file that holds one unnamed array (``.npy``, a bare tensor);
    ``dtype`` is a NumPy-style name (``"float32"``, ``"bfloat16"``) or the file's own
    name of a type this reader does not know (``"ComplexFloatStorage"``, ``"F8_E4M3"``).
    """

    name: str
    shape: tuple
    dtype: str


class _Entry(NamedTuple):
    info: TensorInfo
    read: Callable[[], np.ndarray]


def _fail(message: str):
    raise ValueError(" ".join(str(message).split()))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _shape_text(shape) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _numpy_dtype(dtype_name: str, byteorder: str = "<") -> np.dtype:
    code, _ = _DTYPES[dtype_name]
    return np.dtype(code if code in ("i1", "u1", "b1") else byteorder + code)


def _widen_bfloat16(words: np.ndarray) -> np.ndarray:
    """bfloat16 words (uint16) to float32: the upper half of a float32 bit pattern."""
    return (words.astype(np.uint32) << 16).view(np.float32)


# ------------------------------------------------------------------ NumPy files


def _npy_entries(path: Path) -> list[_Entry]:
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        _fail(f"cannot read {path} as a .npy array: {_first_line(exc)}")
    dtype = "bool" if array.dtype == np.bool_ else array.dtype.name
    info = TensorInfo("", tuple(array.shape), dtype)
    return [_Entry(info, lambda: array)]


def _npz_entries(path: Path, names: list[str]) -> list[_Entry]:
    def read_member(member):
        try:
            with zipfile.ZipFile(path) as archive, archive.open(member) as fh:
                return np.lib.format.read_array(fh, allow_pickle=False)
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            _fail(f"cannot read array {member[:-4]!r} of {path}: {_first_line(exc)}")

    def header(archive, member):
        with archive.open(member) as fh:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                return np.lib.format.read_array_header_1_0(fh)[::2]
            if version == (2, 0):
                return np.lib.format.read_array_header_2_0(fh)[::2]
        array = read_member(member)  # other versions: read the array itself
        return array.shape, array.dtype

    entries = []
    with zipfile.ZipFile(path) as archive:
        for member in names:
            try:
                shape, dtype = header(archive, member)
            except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
                _fail(f"cannot read array {member[:-4]!r} of {path}: "
                      f"{_first_line(exc)}")
            if dtype.hasobject:
                dtype_name = "object"
            else:
                dtype_name = "bool" if dtype == np.bool_ else dtype.name
            info = TensorInfo(member[: -len(".npy")], tuple(shape), dtype_name)
            entries.append(_Entry(info, lambda member=member: read_member(member)))
    return entries


# ------------------------------------------------------------------ PyTorch checkpoints


class _Refused(pickle.UnpicklingError):
    """A persistent id that a weights file must not contain."""


class _Malformed(pickle.UnpicklingError):
    """A tensor record that cannot describe a tensor (negative stride, ...)."""


class _Placeholder:
    """Inert record of an object built from a global this reader does not resolve.

    A checkpoint may hold more than tensors: Lightning's ``hyper_parameters`` as an
    ``argparse.Namespace``, NumPy scalars, a training loop's own objects. Their globals
    (``argparse.Namespace``, ``numpy.core.multiarray.scalar``, ``os.system``...) are
    never imported, called or constructed: the unpickler hands out, for each such
    global, a subclass of this class (see :meth:`_RestrictedUnpickler.find_class`), and
    whatever the pickle does with it (call it, ``NEWOBJ``, ``BUILD``, append or set
    items) only records the arguments here. No code of the file runs. A tensor that
    needs one of these records is refused when it is asked for (``refused_globals``
    names them), and so is a file that holds no tensor at all.
    """

    global_name = "?"  # set on each subclass: "module.name" of the unresolved global

    def __new__(cls, *args, **kwargs):
        self = object.__new__(cls)
        object.__setattr__(self, "parts", [args, kwargs])
        return self

    def __init__(self, *args, **kwargs):  # the pickle's REDUCE calls the class: record
        pass

    def __call__(self, *args, **kwargs):  # a placeholder object called: record
        return type(self)(self, *args, **kwargs)

    def __setstate__(self, state):
        self.parts.append(state)

    def __setitem__(self, key, value):
        self.parts.append((key, value))

    def append(self, value):
        self.parts.append(value)

    def extend(self, values):
        self.parts.append(list(values))

    def __reduce__(self):  # pragma: no cover - never pickled
        raise TypeError("not picklable")


def _refused_globals(obj, limit=10_000) -> list[str]:
    """Names of the unresolved globals that ``obj`` was built from (bounded search)."""
    found, seen, stack = [], set(), [obj]
    while stack and len(seen) < limit:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, type) and issubclass(item, _Placeholder):
            name = item.global_name
        elif isinstance(item, _Placeholder):
            name = type(item).global_name
            stack.extend(reversed(item.parts))
        elif isinstance(item, _Tensor):
            stack.append(item.storage)
            continue
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
            continue
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
            continue
        else:
            continue
        if name is not None and name not in found:
            found.append(name)
    return found


class _StorageType:
    """Inert stand-in for a ``torch.<X>Storage`` class named in a checkpoint."""

    __slots__ = ("torch_name",)

    def __init__(self, torch_name):
        self.torch_name = torch_name

    def __reduce__(self):  # pragma: no cover - never pickled
        raise TypeError("not picklable")


class _Storage(NamedTuple):
    dtype: str  # a key of _DTYPES, or the torch name when unknown
    key: str
    numel: int


class _Tensor:
    """A tensor rebuilt from a checkpoint: where its data are, not the data themselves."""

    __slots__ = ("storage", "offset", "size", "stride")

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    def __setstate__(self, state):
        raise _Malformed("a tensor does not take a state")


class _UnresolvedTensor(_Placeholder):
    """A tensor whose storage, size or stride needs an unresolved global."""

    global_name = None  # not itself refused: the globals in its arguments are


def _int_tuple(value, what):
    if not isinstance(value, tuple) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in value
    ):
        raise _Malformed(f"tensor {what} must be a tuple of integers >= 0, got {value!r:.80}")
    return value


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    """Stand-in for ``torch._utils._rebuild_tensor_v2``: records, computes nothing."""
    if _refused_globals((storage, storage_offset, size, stride)):
        return _UnresolvedTensor(storage, storage_offset, size, stride)
    if not isinstance(storage, _Storage):
        raise _Malformed("a tensor must be rebuilt from a storage")
    if (not isinstance(storage_offset, int) or isinstance(storage_offset, bool)
            or storage_offset < 0):
        raise _Malformed(f"storage offset must be an integer >= 0, got {storage_offset!r:.80}")
    size = _int_tuple(size, "size")
    stride = _int_tuple(stride, "stride")
    if len(size) != len(stride):
        raise _Malformed(f"tensor size {size} and stride {stride} differ in length")
    return _Tensor(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None):
    """Stand-in for ``torch._utils._rebuild_parameter``: a Parameter is its tensor."""
    if isinstance(data, _Placeholder):
        return data
    if not isinstance(data, _Tensor):
        raise _Malformed("a parameter must wrap a tensor")
    return data


_ALLOWED_GLOBALS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
}


class _RestrictedUnpickler(pickle.Unpickler):
    """Resolve the names a state dict needs; record every other global as a placeholder.

    ``placeholders`` lists, in order of appearance, the ``module.name`` of each global
    that was not resolved: each is replaced by an inert :class:`_Placeholder` subclass.
    """

    def __init__(self, file):
        super().__init__(file)
        self.placeholders: dict[tuple, type] = {}

    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return _ALLOWED_GLOBALS[(module, name)]
        if module == "torch" and name.endswith("Storage") and name.isidentifier():
            return _StorageType(name)
        key = (str(module), str(name))
        if key not in self.placeholders:
            self.placeholders[key] = type("_Global", (_Placeholder,),
                                          {"global_name": f"{key[0]}.{key[1]}"})
        return self.placeholders[key]

    def persistent_load(self, pid):
        if (
            isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
            and isinstance(pid[1], _StorageType) and isinstance(pid[2], str)
            and isinstance(pid[3], str) and isinstance(pid[4], int) and pid[4] >= 0
        ):
            dtype = _TORCH_STORAGES.get(pid[1].torch_name, pid[1].torch_name)
            return _Storage(dtype, pid[2], pid[4])
        raise _Refused(f"refused the persistent id {pid!r:.80}")


def _walk(obj, prefix, out, seen):
    """Collect ``(dotted name, _Tensor or _Placeholder)`` pairs from dicts and lists.

    In file order; every object is visited once (a dict that contains itself, or two
    names for one dict, do not recurse or repeat).
    """
    if isinstance(obj, (_Tensor, _Placeholder)):
        out.append((prefix, obj))
        return
    if isinstance(obj, (dict, list, tuple)):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        items = obj.items() if isinstance(obj, dict) else enumerate(obj)
        for key, value in items:
            if isinstance(key, (str, int)) and not isinstance(key, bool):
                _walk(value, f"{prefix}.{key}" if prefix else str(key), out, seen)


def _refusal(path, names) -> str:
    """One line: the unresolved globals ``names`` and why they are refused."""
    listed = ", ".join(names[:MAX_LISTED]) + (
        f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")
    return (f"{path}: refused to load the global {listed}: a checkpoint may only hold "
            "tensors, storages and (ordered) dicts, since unpickling anything else can "
            "run code; save the weights with torch.save(model.state_dict(), path) or "
            "numpy.save")


def _torch_entries(path: Path, names: list[str], pickle_name: str):
    with zipfile.ZipFile(path) as archive:
        return _torch_entries_of(path, archive, set(names), pickle_name)


def _torch_entries_of(path, archive, names, pickle_name):
    prefix = pickle_name[: -len("data.pkl")]
    if prefix + "constants.pkl" in names:
        _fail(f"{path} is a TorchScript archive (torch.jit.save), not a checkpoint; "
              "expected a file saved with torch.save(model.state_dict(), path)")
    byteorder = "<"
    if prefix + "byteorder" in names:
        order = archive.read(prefix + "byteorder").decode("ascii", "replace").strip()
        if order not in ("little", "big"):
            _fail(f"{path}: unknown byte order {order!r} in the checkpoint; "
                  "expected 'little' or 'big'")
        byteorder = "<" if order == "little" else ">"
    try:
        with archive.open(pickle_name) as fh:
            unpickler = _RestrictedUnpickler(fh)
            root = unpickler.load()
        refused = [f"{m}.{n}" for m, n in unpickler.placeholders]
    except _Refused as exc:
        _fail(f"{path}: {exc}: a checkpoint may only hold tensors, storages and "
              "(ordered) dicts, since unpickling anything else can run code; save the "
              "weights with torch.save(model.state_dict(), path) or numpy.save")
    except _Malformed as exc:
        _fail(f"cannot read {path} as a PyTorch checkpoint: malformed tensor ({exc})")
    except RecursionError:
        _fail(f"cannot read {path} as a PyTorch checkpoint: malformed data.pkl "
              "(nested too deeply)")
    except Exception as exc:  # malformed pickle: any error of the unpickler
        _fail(f"cannot read {path} as a PyTorch checkpoint: malformed data.pkl "
              f"({type(exc).__name__}: {_first_line(exc)})")
    everything = []
    _walk(root, "", everything, set())
    found = [(name, obj) for name, obj in everything if isinstance(obj, _Tensor)]
    unresolved = {name: _refused_globals(obj) for name, obj in everything
                  if isinstance(obj, _Placeholder)}
    if not found and refused:
        _fail(_refusal(path, refused))

    def reader(name, tensor):
        what = f"tensor {name!r}" if name else "the tensor"

        def read():
            storage = tensor.storage
            if storage.dtype not in _DTYPES:
                _fail(f"{path}: {what} has the unknown dtype "
                      f"{storage.dtype}; expected one of {', '.join(FLOAT_DTYPES)}")
            entry = f"{prefix}data/{storage.key}"
            if entry not in names:
                _fail(f"{path}: the storage of {what} is missing "
                      f"(no zip entry {entry})")
            with zipfile.ZipFile(path) as again:
                raw = again.read(entry)
            dtype = _numpy_dtype(storage.dtype, byteorder)
            if len(raw) < storage.numel * dtype.itemsize:
                _fail(f"{path}: storage {entry} holds {len(raw)} bytes, expected "
                      f"{storage.numel} elements of {dtype.itemsize} bytes")
            flat = np.frombuffer(raw, dtype=dtype, count=storage.numel)
            size, stride, offset = tensor.size, tensor.stride, tensor.offset
            if math.prod(size) > MAX_ELEMENTS:
                _fail(f"{path}: {what} of size {size} has more than "
                      f"{MAX_ELEMENTS} elements; expected a first layer")
            if math.prod(size) > 0:
                last = offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True))
                if last >= storage.numel:
                    _fail(f"{path}: {what} (offset {offset}, size {size}, "
                          f"stride {stride}) reaches past its storage of "
                          f"{storage.numel} elements")
            view = np.lib.stride_tricks.as_strided(
                flat[offset:] if math.prod(size) > 0 else flat[:0],
                shape=size, strides=[s * dtype.itemsize for s in stride],
                writeable=False)
            array = np.array(view, dtype=dtype.newbyteorder("="))
            return _widen_bfloat16(array) if storage.dtype == "bfloat16" else array
        return read

    def needs(name, globals_):
        def read():
            _fail(_refusal(path, globals_).replace(
                f"{path}: ", f"{path}: {name!r} is not a tensor but an object that needs "
                "unresolved globals; ", 1))
        return read

    entries = [_Entry(TensorInfo(name, tensor.size, tensor.storage.dtype),
                      reader(name, tensor)) for name, tensor in found]
    # Objects built from unresolved globals: named, so that asking for one says why.
    entries += [_Entry(TensorInfo(name, None, "object"), needs(name, globals_))
                for name, globals_ in unresolved.items()]
    return entries


# ------------------------------------------------------------------ safetensors


def _safetensors_entries(path: Path, size: int) -> list[_Entry]:
    with open(path, "rb") as fh:
        head = fh.read(8)
        if len(head) < 8:
            _fail(f"{path} is too short for a .safetensors file ({size} bytes)")
        (header_length,) = struct.unpack("<Q", head)
        if header_length > min(size - 8, SAFETENSORS_MAX_HEADER):
            _fail(f"{path} is not a .safetensors file: its header length "
                  f"{header_length} exceeds the file ({size} bytes)")
        try:
            header = json.loads(fh.read(header_length).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            _fail(f"{path} is not a .safetensors file: bad JSON header "
                  f"({_first_line(exc)})")
    if not isinstance(header, dict):
        _fail(f"{path}: the .safetensors header must be a JSON object")
    data_start = 8 + header_length
    data_size = size - data_start
    entries = []
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype_code, shape, (begin, end) = spec["dtype"], spec["shape"], \
                spec["data_offsets"]
            shape = tuple(int(n) for n in shape)
            begin, end = int(begin), int(end)
            if not isinstance(dtype_code, str) or any(n < 0 for n in shape):
                raise ValueError
        except (KeyError, TypeError, ValueError):
            _fail(f"{path}: bad .safetensors header entry for {name!r}: expected "
                  "dtype, shape and data_offsets")
        if not 0 <= begin <= end <= data_size:
            _fail(f"{path}: tensor {name!r} has data_offsets [{begin}, {end}] outside "
                  f"the {data_size} data bytes")
        dtype_name = _SAFETENSORS_DTYPES.get(dtype_code, dtype_code)
        if dtype_name in _DTYPES and end - begin != math.prod(shape) * _DTYPES[
                dtype_name][1]:
            _fail(f"{path}: tensor {name!r} of shape {_shape_text(shape)} and dtype "
                  f"{dtype_code} needs {math.prod(shape) * _DTYPES[dtype_name][1]} "
                  f"bytes, its data_offsets give {end - begin}")

        def read(name=name, dtype_name=dtype_name, shape=shape, begin=begin, end=end):
            if dtype_name not in _DTYPES:
                _fail(f"{path}: tensor {name!r} has the unknown dtype {dtype_name}; "
                      f"expected one of F16, BF16, F32, F64")
            with open(path, "rb") as fh:
                fh.seek(data_start + begin)
                raw = fh.read(end - begin)
            array = np.frombuffer(raw, dtype=_numpy_dtype(dtype_name, "<"))
            array = array.reshape(shape).astype(array.dtype.newbyteorder("="))
            return _widen_bfloat16(array) if dtype_name == "bfloat16" else array

        entries.append(_Entry(TensorInfo(name, shape, dtype_name), read))
    return entries


# ------------------------------------------------------------------ dispatch


def _check_path(path) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file name (str or os.PathLike), got "
                        f"{type(path).__name__}")
    p = Path(path)
    if not p.exists():
        _fail(f"weights file not found: {path}")
    if p.is_dir():
        _fail(f"{path} is a directory, not a weights file ({FORMATS})")
    return p


def _entries(path) -> list[_Entry]:
    p = _check_path(path)
    try:
        size = p.stat().st_size
        with open(p, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror or exc}")
    if size == 0:
        _fail(f"{path} is an empty file (0 bytes); expected {FORMATS}")
    if head.startswith(NPY_MAGIC):
        return _npy_entries(p)
    if head.startswith(ZIP_MAGICS):
        try:
            with zipfile.ZipFile(p) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError) as exc:
            _fail(f"cannot read {path} as a zip archive: {_first_line(exc)}")
        pickles = [n for n in names if n == "data.pkl"
                   or (n.endswith("/data.pkl") and n.count("/") == 1)]
        if len(pickles) == 1:
            return _torch_entries(p, names, pickles[0])
        if len(pickles) > 1:
            _fail(f"{path} holds {len(pickles)} data.pkl entries; expected one "
                  "PyTorch checkpoint per file")
        if names and all(n.endswith(".npy") for n in names):
            return _npz_entries(p, names)
        _fail(f"{path} is a zip archive but neither a .npz (only .npy members) nor a "
              f"PyTorch checkpoint (a data.pkl entry); expected {FORMATS}")
    if p.suffix.lower() == ".safetensors" or head[8:9] == b"{":
        return _safetensors_entries(p, size)
    if head[:1] == b"\x80":
        _fail(f"{path} is a plain pickle, e.g. a legacy (non-zip) PyTorch file saved "
              "before PyTorch 1.6 or with _use_new_zipfile_serialization=False; only zip "
              "checkpoints are read: re-save it with torch.save(model.state_dict(), "
              "path) in PyTorch >= 1.6, or save the weight with numpy.save")
    _fail(f"{path}: unrecognised file format; expected {FORMATS}")


def _is_first_layer(info: TensorInfo) -> bool:
    """Whether a tensor has a first layer's layout and a floating-point dtype.

    ``(J, T)``, ``(J, 1, T)`` or ``(J, 1, T, 1)``: one input channel (a convolution with
    ``in_channels > 1`` reads the output of another layer, not the signal).
    """
    shape = info.shape
    if shape is None or info.dtype not in FLOAT_DTYPES or 0 in shape:
        return False
    return (len(shape) == 2 or (len(shape) == 3 and shape[1] == 1)
            or (len(shape) == 4 and shape[1] == 1 and shape[3] == 1))


def _sort_key(info: TensorInfo):
    """Convolution-shaped first: first-layer layouts, other convolutions, matrices."""
    shape = info.shape
    if len(shape) in (3, 4):
        first_layer = shape[1] == 1 and (len(shape) == 3 or shape[3] == 1)
        return 0 if first_layer else 1
    return 2 if len(shape) == 2 else 3


def _listing(infos) -> str:
    ordered = sorted(infos, key=_sort_key)  # stable: file order within each group
    parts = [f"{info.name} {_shape_text(info.shape)}" for info in ordered[:MAX_LISTED]]
    if len(ordered) > MAX_LISTED:
        parts.append(f"and {len(ordered) - MAX_LISTED} more")
    return ", ".join(parts)


def _candidates(infos) -> list[TensorInfo]:
    """The tensors that can be a first layer: convolutions with one input channel, or,
    when there is none, ``(J, T)`` matrices."""
    usable = [info for info in infos if _is_first_layer(info)]
    convolutions = [info for info in usable if len(info.shape) > 2]
    return convolutions or usable


def _select(entries: list[_Entry], layer, path) -> _Entry:
    if layer is not None and not isinstance(layer, str):
        raise TypeError(f"layer must be a tensor name (str) or None, got "
                        f"{type(layer).__name__}")
    tensors = [entry for entry in entries if entry.info.shape is not None]
    infos = [entry.info for entry in tensors]
    if layer is not None:
        for entry in entries:
            if entry.info.name == layer:
                if entry.info.shape is None:
                    entry.read()  # an object built from unresolved globals: refused
                return entry
        if len(tensors) == 1 and tensors[0].info.name == "":
            _fail(f"{path} holds one unnamed array of shape "
                  f"{_shape_text(infos[0].shape)}; omit layer (--layer)")
        if not tensors:
            _fail(f"no tensor named {layer!r} in {path}: it holds no tensor")
        candidates = _candidates(infos)
        close = difflib.get_close_matches(layer, [i.name for i in infos], n=1)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else "."
        offer = (f" Tensors that can be a first layer: {_listing(candidates)}"
                 if candidates else f" None can be a first layer; it holds: "
                 f"{_listing(infos)}")
        _fail(f"no tensor named {layer!r} in {path}{hint}{offer}")
    if not tensors:
        _fail(f"{path} holds no tensor; expected a weight of shape {EXPECTED_LAYOUTS}")
    if len(tensors) == 1:
        return tensors[0]
    candidates = _candidates(infos)
    if len(candidates) == 1:
        return next(e for e in tensors if e.info is candidates[0])
    if not candidates:
        _fail(f"{path} holds no tensor that can be a first layer (shape "
              f"{EXPECTED_LAYOUTS}, floating point); it holds: {_listing(infos)}")
    _fail(f"{path} holds {len(candidates)} tensors that can be a first layer; name one "
          f"with layer (--layer NAME): {_listing(candidates)}")


def _as_filterbank(array: np.ndarray, info: TensorInfo, path) -> np.ndarray:
    what = f"tensor {info.name!r}" if info.name else "the array"
    shape = tuple(array.shape)
    if info.dtype not in FLOAT_DTYPES:
        _fail(f"{path}: {what} has dtype {info.dtype}; expected floating-point weights "
              f"({', '.join(FLOAT_DTYPES)})")
    if len(shape) == 2:
        filters = array
    elif len(shape) == 3 and shape[1] == 1:
        filters = array[:, 0, :]
    elif len(shape) == 4 and shape[1] == 1 and shape[3] == 1:
        filters = array[:, 0, :, 0]
    else:
        hint = ""
        if len(shape) in (3, 4) and shape[1] != 1:
            hint = f" (in_channels = {shape[1]} > 1: not a first layer on one signal)"
        elif len(shape) == 4:
            hint = f" (a Conv2d kernel of {shape[2]} x {shape[3]}, not T x 1)"
        elif len(shape) == 1:
            hint = " (one filter or a bias: give one filter the shape (1, T))"
        _fail(f"{path}: {what} has shape {_shape_text(shape)}{hint}; expected "
              f"{EXPECTED_LAYOUTS}")
    if filters.shape[0] == 0 or filters.shape[1] == 0:
        _fail(f"{path}: {what} has shape {_shape_text(shape)}; expected J >= 1 filters "
              "of length T >= 1")
    filters = np.array(filters, dtype=np.float64)
    if not np.all(np.isfinite(filters)):
        _fail(f"{path}: {what} contains NaN or inf; expected finite weights")
    return filters


def list_tensors(path) -> list[TensorInfo]:
    """Every tensor a weights file holds, in file order, without reading their data.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.npy``, ``.npz``, PyTorch zip checkpoint (``.pt``/``.pth``) or
        ``.safetensors`` file.

    Returns
    -------
    tensors : list of TensorInfo
        ``(name, shape, dtype)`` of each tensor; the names are dotted paths into nested
        dicts (``"conv1.weight"``), ``""`` for a single unnamed array.

    Raises
    ------
    ValueError
        A missing, unreadable, unsafe or malformed file (one line).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from randfb.weights import list_tensors
    >>> path = os.path.join(tempfile.mkdtemp(), "layer.npz")
    >>> np.savez(path, weight=np.ones((4, 1, 8)), bias=np.zeros(4))
    >>> [(t.name, t.shape) for t in list_tensors(path)]
    [('weight', (4, 1, 8)), ('bias', (4,))]
    """
    return [entry.info for entry in _entries(path) if entry.info.shape is not None]


def describe_weights(path, layer=None) -> TensorInfo:
    """The tensor that :func:`load_weights` would read: its name, stored shape and dtype.

    Same rules as :func:`load_weights` for choosing the tensor, without reading its data
    or checking its layout.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from randfb.weights import describe_weights
    >>> path = os.path.join(tempfile.mkdtemp(), "layer.npz")
    >>> np.savez(path, weight=np.ones((4, 1, 8), dtype=np.float32), bias=np.zeros(4))
    >>> describe_weights(path)
    TensorInfo(name='weight', shape=(4, 1, 8), dtype='float32')
    """
    return _select(_entries(path), layer, path).info


def load_weights(path, layer=None) -> np.ndarray:
    """Read a first layer's filters from a weights file, as a float64 ``(J, T)`` array.

    The stored weight ``w`` may have the layout ``(J, T)``, ``(J, 1, T)`` (the weight of
    ``torch.nn.Conv1d(1, J, T)``) or ``(J, 1, T, 1)`` (``Conv2d(1, J, (T, 1))``, as in
    CREPE); filter ``j`` is ``w[j, 0, :, 0]``. Its values are returned unchanged
    (float16, bfloat16 and float32 widen exactly to float64). PyTorch layers compute a
    cross-correlation, the book's filterbank a convolution: reversing every filter maps
    one onto the other without changing ``|w_hat|``, hence without changing the frame
    bounds.

    Parameters
    ----------
    path : str or os.PathLike
        ``.npy``; ``.npz``; a PyTorch zip checkpoint (``.pt``/``.pth``, any suffix:
        the format is recognised from the content) holding a tensor or a state dict,
        possibly nested; or ``.safetensors``. PyTorch checkpoints are read without
        torch, by a restricted unpickler that resolves only the tensor, storage and
        ``OrderedDict`` rebuilders and records every other global as an inert
        placeholder, never called: loading a file runs no code from it.
    layer : str or None
        Name of the tensor in a file that holds several: a key of the ``.npz`` or of
        the ``.safetensors`` header, or a dotted key into a (nested) state dict such as
        ``"conv1.weight"`` or ``"model.conv1.weight"``. With None, a file with one
        tensor, or one tensor that can be a first layer (a convolution with one input
        channel or, if there is none, a matrix ``(J, T)``), gives that one; several are
        refused with their names and shapes (at most 12, then "and k more"). A name
        that is not in the file gets the closest one as a suggestion.

    Returns
    -------
    filters : ndarray of float64, shape (J, T)

    Raises
    ------
    ValueError
        One line saying what was found and what is expected: a missing or unreadable
        file, an unknown format, a legacy (non-zip) or TorchScript PyTorch file, a
        requested object (or a file of nothing but objects) built from a global other
        than the tensor rebuilders (e.g. ``os.system``), a tensor name not in the file,
        several candidates without ``layer``, another layout (e.g.
        ``in_channels > 1``), a non-float or unknown dtype, NaN or inf.
    TypeError
        ``path`` is not a file name, or ``layer`` not a string.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from randfb import load_weights
    >>> path = os.path.join(tempfile.mkdtemp(), "conv1d.npy")
    >>> np.save(path, np.arange(12, dtype=np.float32).reshape(3, 1, 4))
    >>> load_weights(path)
    array([[ 0.,  1.,  2.,  3.],
           [ 4.,  5.,  6.,  7.],
           [ 8.,  9., 10., 11.]])
    """
    entries = _entries(path)
    entry = _select(entries, layer, path)
    return _as_filterbank(entry.read(), entry.info, path)
