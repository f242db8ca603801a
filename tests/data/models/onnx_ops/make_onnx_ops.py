"""Generates the small ONNX graphs of tests/data/models/onnx_ops/ (run from this folder).

Needs numpy, onnx and onnxruntime (pip install numpy onnx onnxruntime). Deterministic: the weights
and inputs come from numpy.random.RandomState(0); the expected outputs are onnxruntime's.

* ops.onnx: one graph through most of the supported op set (strided/dilated/grouped Conv,
  BatchNormalization, LeakyRelu, Elu, MaxPool with padding, AveragePool, Pad, x*sigmoid(x) (SiLU),
  Slice with a step, Transpose, Softmax, Split, Concat, ReduceSum, Shape/Gather/Unsqueeze/Concat/
  Expand shape arithmetic on a dynamic batch axis, Flatten, MatMul, Gemm with alpha/beta, Sub/Div by
  constants, Tanh); ops_X.npy is its float32 input (3, 4, 40), ops_y.npy onnxruntime's output.
* erf.onnx: Conv -> Erf -> ReduceMean; Erf is not a supported op.
* square.onnx: Conv -> Mul(h, h) -> ReduceMean; runs, but a product of two input-dependent
  tensors has no DeepLIFT rule.
"""

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

rng = np.random.RandomState(0)
L = 40


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def model(nodes, inits, out_shape):
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, ["batch", 4, L])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)
    graph = helper.make_graph(nodes, "g", [x], [y], initializer=inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def f32(*shape, scale=0.5):
    return (rng.randn(*shape) * scale).astype(np.float32)


N = helper.make_node
ops_nodes = [
    N("Conv", ["X", "w1", "b1"], ["c1"], name="conv_dilated", pads=[2, 2], dilations=[2], kernel_shape=[3]),
    N("BatchNormalization", ["c1", "bn_s", "bn_b", "bn_m", "bn_v"], ["bn"], name="bn", epsilon=1e-3),
    N("LeakyRelu", ["bn"], ["lr"], name="leaky", alpha=0.1),
    N("Conv", ["lr", "w2"], ["c2"], name="conv_grouped_strided", group=2, strides=[2], pads=[1, 1], kernel_shape=[3]),
    N("Elu", ["c2"], ["elu"], name="elu", alpha=0.7),
    N("MaxPool", ["elu"], ["mp"], name="maxpool", kernel_shape=[3], strides=[2], pads=[1, 1]),
    N("Sigmoid", ["mp"], ["sg"], name="sigmoid"),
    N("Mul", ["mp", "sg"], ["silu"], name="silu"),
    N("Pad", ["silu", "pads"], ["pd"], name="pad", mode="constant"),
    N("AveragePool", ["pd"], ["ap"], name="avgpool", kernel_shape=[2], strides=[1]),
    N("Slice", ["ap", "sl_start", "sl_end", "sl_axes", "sl_steps"], ["sl"], name="slice_step"),
    N("Transpose", ["sl"], ["tr"], name="transpose", perm=[0, 2, 1]),
    N("Softmax", ["tr"], ["sm"], name="softmax", axis=2),
    N("Split", ["sm", "split_sizes"], ["sp0", "sp1"], name="split", axis=2),
    N("Concat", ["sp1", "sp0"], ["cc"], name="concat", axis=2),
    N("ReduceSum", ["cc", "rs_axes"], ["rs"], name="reducesum", keepdims=1),
    N("Shape", ["X"], ["shp"], name="shape", start=0, end=1),
    N("Concat", ["shp", "exp_tail"], ["exp_shape"], name="concat_shape", axis=0),
    N("Expand", ["bias_row", "exp_shape"], ["bias_b"], name="expand"),
    N("Add", ["rs", "bias_b"], ["rsb"], name="add_expanded"),
    N("Flatten", ["rsb"], ["fl"], name="flatten", axis=1),
    N("MatMul", ["fl", "mm_w"], ["mm"], name="matmul"),
    N("Tanh", ["mm"], ["th"], name="tanh"),
    N("Gemm", ["th", "gm_w", "gm_b"], ["gm"], name="gemm", alpha=0.5, beta=2.0),
    N("Sub", ["gm", "one"], ["sb"], name="sub_scalar"),
    N("Div", ["sb", "divisor"], ["y"], name="div_vector"),
]
# Shapes: X (B,4,40) -> conv (B,6,40) -> grouped strided conv (B,4,20) -> maxpool (B,4,10)
# -> pad (B,4,13) -> avgpool (B,4,12) -> slice step 2 (B,4,6) -> transpose (B,6,4) -> split/concat
# -> reducesum axis 1 keepdims (B,1,4) -> + expanded bias (B,1,4) -> flatten (B,4) -> matmul (B,5)
# -> gemm (B,3).
ops_inits = [
    init("w1", f32(6, 4, 3)), init("b1", f32(6)),
    init("bn_s", f32(6) + 1), init("bn_b", f32(6)), init("bn_m", f32(6)), init("bn_v", np.abs(f32(6)) + 0.5),
    init("w2", f32(4, 3, 3)),
    init("pads", np.array([0, 0, 1, 0, 0, 2], dtype=np.int64)),
    init("sl_start", np.array([1], dtype=np.int64)), init("sl_end", np.array([-1], dtype=np.int64)),
    init("sl_axes", np.array([-1], dtype=np.int64)), init("sl_steps", np.array([2], dtype=np.int64)),
    init("split_sizes", np.array([1, 3], dtype=np.int64)),
    init("rs_axes", np.array([1], dtype=np.int64)),
    init("exp_tail", np.array([1, 4], dtype=np.int64)),
    init("bias_row", f32(1, 1, 4)),
    init("mm_w", f32(4, 5)),
    init("gm_w", f32(5, 3)), init("gm_b", f32(3)),
    init("one", np.array(1.0, dtype=np.float32)),
    init("divisor", np.array([2.0, -4.0, 0.5], dtype=np.float32)),
]

erf_nodes = [
    N("Conv", ["X", "w"], ["c"], name="conv", pads=[1, 1], kernel_shape=[3]),
    N("Erf", ["c"], ["e"], name="node_erf"),
    N("ReduceMean", ["e", "axes"], ["y"], name="mean", keepdims=0),
]
square_nodes = [
    N("Conv", ["X", "w"], ["c"], name="conv", pads=[1, 1], kernel_shape=[3]),
    N("Mul", ["c", "c"], ["sq"], name="node_square"),
    N("ReduceMean", ["sq", "axes"], ["y"], name="mean", keepdims=0),
]
small_inits = [init("w", f32(2, 4, 3)), init("axes", np.array([1, 2], dtype=np.int64))]

if __name__ == "__main__":
    ops = model(ops_nodes, ops_inits, ["batch", 3])
    onnx.save(ops, "ops.onnx")
    onnx.save(model(erf_nodes, small_inits, ["batch"]), "erf.onnx")
    onnx.save(model(square_nodes, small_inits, ["batch"]), "square.onnx")
    X = np.eye(4, dtype=np.float32)[rng.randint(0, 4, size=(3, L))].transpose(0, 2, 1).copy()
    y = ort.InferenceSession("ops.onnx").run(None, {"X": X})[0]
    np.save("ops_X.npy", X)
    np.save("ops_y.npy", y)
    print(y)
