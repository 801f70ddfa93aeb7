"""Minimal safetensors reader/writer (no safetensors package needed).

Layout: 8-byte little-endian header length N, N bytes of JSON header padded
with spaces so that N is a multiple of 8, then the raw little-endian tensor
data. Tensors are written sorted by name, contiguous, with data_offsets
relative to the start of the data section.
"""
import json
import struct
import zlib

import numpy as np
import torch

_DTYPES = {
    "F32": (torch.float32, np.dtype("<f4")),
    "F64": (torch.float64, np.dtype("<f8")),
    "F16": (torch.float16, np.dtype("<f2")),
    "I64": (torch.int64, np.dtype("<i8")),
    "I32": (torch.int32, np.dtype("<i4")),
    "I16": (torch.int16, np.dtype("<i2")),
    "I8": (torch.int8, np.dtype("i1")),
    "U8": (torch.uint8, np.dtype("u1")),
    "BOOL": (torch.bool, np.dtype("?")),
}
_TORCH_TO_NAME = {v[0]: k for k, v in _DTYPES.items()}


def encode(tensors):
    """Header entries and data blobs of tensors (name -> torch.Tensor), in name order, as
    write_safetensors writes them."""
    entries = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        if not isinstance(t, torch.Tensor):
            t = torch.as_tensor(t)
        t = t.detach().cpu()
        if t.dtype not in _TORCH_TO_NAME:
            t = t.float()
        dname = _TORCH_TO_NAME[t.dtype]
        arr = t.contiguous().numpy().astype(_DTYPES[dname][1], copy=False)
        data = arr.tobytes(order="C")
        entries[name] = {
            "dtype": dname,
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    return entries, blobs


def blobs_crc32(blobs):
    """The CRC-32 (zlib's) of the data section made of blobs (encode's)."""
    crc = 0
    for b in blobs:
        crc = zlib.crc32(b, crc)
    return crc


def write_safetensors(path, tensors, metadata=None, encoded=None):
    """Write tensors (name -> torch.Tensor) and metadata (str -> str); encoded, when given, is
    encode(tensors), already made.

    Float tensors of any float dtype other than F64/F16 are written as F32
    (the shuffledet .bin contract is F32 only); other dtypes keep theirs.
    """
    header = {}
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError("metadata must map str to str (%r: %r)" % (k, v))
        header["__metadata__"] = dict(metadata)
    entries, blobs = encoded or encode(tensors)
    header.update(entries)
    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hbytes += b" " * ((8 - len(hbytes) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for b in blobs:
            f.write(b)


def read_safetensors(path, with_crc32=False):
    """Return (tensors: dict name -> torch.Tensor, metadata: dict), and with with_crc32 the
    CRC-32 (zlib's) of the data section as read."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError("%s: too short for a safetensors file" % path)
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError("%s: header length %d exceeds file size %d" % (path, n, len(raw)))
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = memoryview(raw)[8 + n:]
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, info in header.items():
        dname = info["dtype"]
        if dname not in _DTYPES:
            raise ValueError("%s: tensor %r: unsupported dtype %s" % (path, name, dname))
        tdtype, npdtype = _DTYPES[dname]
        b, e = info["data_offsets"]
        shape = info["shape"]
        count = int(np.prod(shape)) if shape else 1
        if not (0 <= b <= e <= len(data)) or e - b != count * npdtype.itemsize:
            raise ValueError("%s: tensor %r: bad data_offsets %r for shape %r" % (path, name, [b, e], shape))
        arr = np.frombuffer(data[b:e], dtype=npdtype).reshape(shape).copy()
        tensors[name] = torch.from_numpy(arr).to(tdtype)
    if with_crc32:
        return tensors, metadata, zlib.crc32(data)
    return tensors, metadata
