"""Writes the seed corpus of the fuzz targets (seeds/<target>/); run from fuzz/.

Only the standard library: the .npy, safetensors and torch (zip + pickle) seeds are built by
hand, small on purpose (a few hundred bytes each).
"""

import io
import json
import pickle
import shutil
import struct
import sys
import types
import zipfile
from pathlib import Path

SEEDS = Path("seeds")


def put(target, name, data):
    path = SEEDS / target / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())


# BED: plain, header lines, narrowPeak with summits, CRLF.
put("bed", "plain.bed", "chr1\t100\t200\nchr2\t0\t10\tname\n")
put("bed", "header.bed", "#chrom\tstart\tend\ntrack name=x\nbrowser position chr1\nchr1\t5\t15\n")
put("bed", "narrowpeak.bed", "chr1\t100\t200\tp\t0\t.\t1\t2\t3\t30\nchr1\t300\t360\tq\t0\t+\t1\t2\t3\t0\n")
put("bed", "crlf.bed", "chr1\t1\t2\r\nchr1\t3\t4\r\n")
put("bed", "big.bed", "chr1\t9223372036854775000\t9223372036854775800\t.\t0\t.\t0\t0\t0\t100\n")

# FASTA (`<fasta>` or `<fasta>\0<fai>`).
fa = ">chr1 first\nACGTACGTAC\nGTNNacgtAC\nACG\n>chr2\nTTTTGGGGCC\nAA\n"
put("fasta", "plain.fa", fa)
put("fasta", "indexed.fa", fa + "\0chr1\t23\t12\t10\t11\nchr2\t12\t44\t10\t11\n")
put("fasta", "crlf.fa", ">x\r\nACGT\r\nTTGG\r\nCC\r\n")

# MEME.
put(
    "meme",
    "jaspar.meme",
    "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\nBackground letter frequencies\n"
    "A 0.25 C 0.25 G 0.25 T 0.25\n\nMOTIF MA0004.1 Arnt\n"
    "letter-probability matrix: alength= 4 w= 3 nsites= 20 E= 0\n"
    " 0.200000  0.800000  0.000000  0.000000\n 0.950000  0.000000  0.050000  0.000000\n"
    " 0.000000  1.000000  0.000000  0.000000\nURL http://jaspar.genereg.net/matrix/MA0004.1\n\n"
    "MOTIF b\nletter-probability matrix: w=1\n0.25 0.25 0.25 0.25\n",
)


def npy(descr, shape, payload):
    header = repr({"descr": descr, "fortran_order": False, "shape": tuple(shape)})
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload


put("npy", "onehot_i1.npy", npy("|i1", (1, 4, 3), bytes([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0])))
put("npy", "attr_f4.npy", npy("<f4", (1, 4, 2), struct.pack("<8f", *[0.5, -1, 0, 0, 0, 0, 2, 0])))
put("npy", "idx_i8.npy", npy("<i8", (3,), struct.pack("<3q", 3, 1, 2)))
put("npy", "mask_b1.npy", npy("|b1", (2, 2), bytes([1, 0, 0, 1])))
put("npy", "counts_u4.npy", npy("<u4", (2, 2), struct.pack("<4I", 3, 0, 1, 2)))

# ONNX: the small op-coverage models of the test data.
for name in ["ops.onnx", "square.onnx", "erf.onnx"]:
    shutil.copy(Path("../tests/data/models/onnx_ops") / name, SEEDS / "onnx" / name)

# safetensors: 8-byte header length, JSON header, raw data.
def safetensors(tensors, metadata=None):
    header, data = {}, b""
    for key, (dtype, shape, raw) in tensors.items():
        header[key] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


put(
    "safetensors",
    "two.safetensors",
    safetensors(
        {"conv.weight": ("F32", [1, 4, 1], struct.pack("<4f", 1, 2, 3, 4)), "b": ("F64", [1], struct.pack("<d", 0.5))},
        {"architecture": '{"n_filters": 1}'},
    ),
)
put("safetensors", "i64.safetensors", safetensors({"n": ("I64", [2], struct.pack("<2q", 7, -1))}))


# torch.save(state_dict) zip: data.pkl (an OrderedDict of _rebuild_tensor_v2 calls whose
# storages are persistent ids), data/<key>, version.
def torch_zip(tensors):
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args):
        raise NotImplementedError

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2

    class FloatStorage:
        pass

    FloatStorage.__module__ = "torch"
    FloatStorage.__qualname__ = "FloatStorage"
    torch.FloatStorage = FloatStorage
    torch._utils = utils
    sys.modules["torch"], sys.modules["torch._utils"] = torch, utils

    class Storage:
        def __init__(self, key, numel):
            self.key, self.numel = key, numel

    class Tensor:
        def __init__(self, key, shape):
            self.storage = Storage(key, int(__import__("math").prod(shape)))
            self.shape = shape

        def __reduce__(self):
            stride, s = [], 1
            for d in reversed(self.shape):
                stride.insert(0, s)
                s *= d
            from collections import OrderedDict

            return (_rebuild_tensor_v2, (self.storage, 0, tuple(self.shape), tuple(stride), False, OrderedDict()))

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, Storage):
                return ("storage", FloatStorage, obj.key, "cpu", obj.numel)
            return None

    from collections import OrderedDict

    state = OrderedDict((k, Tensor(str(i), shape)) for i, (k, (shape, _)) in enumerate(tensors.items()))
    buf = io.BytesIO()
    P(buf, protocol=2).dump(state)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", buf.getvalue())
        for i, (_, (shape, values)) in enumerate(tensors.items()):
            z.writestr(f"archive/data/{i}", struct.pack(f"<{len(values)}f", *values))
        z.writestr("archive/version", "3\n")
    return out.getvalue()


put("torch", "two.pt", torch_zip({"conv.weight": ([1, 4, 1], [1, 2, 3, 4]), "conv.bias": ([1], [0.5])}))
