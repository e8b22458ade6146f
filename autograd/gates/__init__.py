"""Every differentiable operation, one family per file, each forward beside its gradient rule.

The registry of all gates is ``autograd.graph.GATES``; importing this package fills it.
"""

from .activation import gelu
from .conv import (
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    conv_transpose1d,
    conv_transpose2d,
    lp_pool1d,
    lp_pool2d,
    max_pool1d,
    max_pool2d,
)
from .distance import cdist, cosine_similarity, normalize, pairwise_distance
from .elementwise import (
    abs,
    add,
    cast,
    clip,
    clone,
    div,
    exp,
    leaky_relu,
    log,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    relu,
    sigmoid,
    softplus,
    sqrt,
    sub,
    tanh,
    where,
)
from .linalg import dot, linear, matmul
from .neural import (
    batch_norm_composed,
    batch_norm_train,
    binary_cross_entropy,
    embedding,
    log_softmax,
    softmax,
)
from .padding import pad
from .recurrent import lstm_composed, lstm_states
from .reduce import amax, amin, argmax, argmin, logsumexp, max, mean, min, std, sum, var
from .resample import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    interpolate,
    pixel_shuffle,
    pixel_unshuffle,
)
from .shape import (
    broadcast_to,
    cat,
    chunk,
    concatenate,
    expand,
    flatten,
    flip,
    getitem,
    index_put,
    permute,
    repeat_interleave,
    reshape,
    scatter_add,
    split,
    squeeze,
    stack,
    swapaxes,
    tile,
    transpose,
    unsqueeze,
)
from .unfold import fold, unfold

__all__ = [
    "amax", "amin", "index_put", "abs", "add", "batch_norm_composed", "batch_norm_train", "binary_cross_entropy", "argmax", "argmin", "avg_pool1d", "avg_pool2d", "broadcast_to", "cast", "cat",
    "chunk", "clip", "clone", "concatenate", "conv1d", "conv2d", "div", "dot", "embedding", "exp",
    "expand", "flatten", "flip", "getitem", "leaky_relu", "linear", "log", "log_softmax", "logsumexp", "lstm_composed", "lstm_states",
    "lp_pool1d", "lp_pool2d", "matmul", "max", "max_pool1d", "max_pool2d", "maximum", "mean",
    "min", "minimum", "mul", "neg", "pad", "permute", "pow", "relu", "repeat_interleave",
    "reshape", "scatter_add", "sigmoid", "softmax", "softplus", "split", "sqrt", "squeeze",
    "stack", "std", "sub", "sum", "swapaxes", "tanh", "tile", "transpose", "unsqueeze", "var",
    "where",
    # neural: convolutions, pooling, resampling, padding modes, distances, GELU
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "cdist", "conv_transpose1d", "conv_transpose2d", "cosine_similarity", "fold", "gelu",
    "interpolate", "normalize", "pairwise_distance", "pixel_shuffle", "pixel_unshuffle",
    "unfold",
]  # fmt: skip
