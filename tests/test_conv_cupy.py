"""The CUDA gather and overlap-add of ``ops/conv_cuda.py`` against the tap-by-tap slices of ``ops/conv.py``.

Two ways in: on a GPU, the kernels themselves on CuPy arrays (skipped, visibly, without one); everywhere a C++
compiler is, the kernels' bodies compiled for the CPU with a small stand-in for CuPy's array class (``CArray``:
a data pointer, a shape and byte strides) and run entry by entry, so that their index arithmetic is checked on the
machines without a GPU. The reference is the tap-by-tap slices of ``conv._gather`` / ``conv._scatter_add`` (one
strided slice per tap), written out here on NumPy, on zeros or, for the overlap-add, on random starting values.
"""
import ctypes
import shutil
import subprocess

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.backend import available_backends
from tinygradconv.ops import conv, conv_cuda

HAS_CUPY = "cupy" in available_backends()
needs_gpu = pytest.mark.skipif(not HAS_CUPY, reason="the cupy backend is not available here (needs CuPy and an "
                               "NVIDIA GPU); the kernels' bodies are still checked on the CPU below")
CXX = shutil.which("g++") or shutil.which("c++")
needs_cxx = pytest.mark.skipif(CXX is None, reason="no C++ compiler (g++ or c++) to build the kernels' bodies for "
                               "the CPU")

# (batch, long_len, valid long_len, channels, short_len, k, s, d, offset): the long signal v has `long_len` steps,
# of which the taps may meet the first `valid`; offsets that are negative, zero and beyond the signal.
CASES = [
    (2, 9, 9, 3, 4, 3, 2, 1, 0),
    (3, 10, 10, 2, 6, 3, 1, 2, 1),       # dilation, left padding
    (1, 7, 5, 4, 5, 4, 1, 1, 2),         # samples dropped at the right end
    (2, 6, 6, 1, 9, 2, 3, 1, 2),         # stride 3: most steps of v meet one tap or none
    (2, 5, 5, 3, 2, 5, 1, 3, -1),        # taps that meet no sample at all
    (1, 4, 4, 2, 3, 8, 4, 1, 5),         # k = 8, s = 4, a large crop
    (4, 1, 1, 2, 1, 1, 1, 1, 0),         # one step, one tap
    (2, 12, 12, 5, 0, 3, 2, 1, 0),       # no short steps
]


def _ranges(case):
    _, _, valid, _, short_len, k, s, d, offset = case
    return conv._tap_ranges(short_len, valid, k, s, d, offset)


def _reference_gather(v, short_len, k, ranges, s):
    cols = np.zeros((v.shape[0], short_len, k, v.shape[2]), dtype=v.dtype)
    for t, p0, p1, n0, n_stop in ranges:
        cols[:, p0:p1, t, :] = v[:, n0:n_stop:s, :]
    return cols


def _reference_scatter_add(cols, v, ranges, s):
    v = v.copy()
    for t, p0, p1, n0, n_stop in ranges:
        v[:, n0:n_stop:s, :] += cols[:, p0:p1, t, :]
    return v


def _inputs(case, dtype, rng, xp=np):
    """``v`` (a strided view: a window of the channels) and ``cols``, on ``xp`` (NumPy or CuPy)."""
    batch, long_len, _, c, short_len, k, _, _, _ = case
    v = xp.asarray(rng.standard_normal((batch, long_len, c + 2)).astype(dtype))[:, :, 1:c + 1]
    cols = xp.asarray(rng.standard_normal((batch, short_len, k, c)).astype(dtype))
    return v, cols


def test_tap_table_against_ranges():
    """Row ``t`` of the table reproduces tap ``t``'s partners ``n = p*s + shift`` and its range of steps."""
    for case in CASES:
        _, _, valid, _, short_len, k, s, d, offset = case
        table = conv_cuda.tap_table(_ranges(case), k, s).reshape(k, 3)
        for t in range(k):
            covered = [p for p in range(short_len) if 0 <= p * s + t * d - offset < valid]
            p0, p1, shift = table[t]
            assert list(range(p0, p1)) == covered, (case, t)
            if covered:
                assert shift == t * d - offset


# ------------------------------------------------------------------------------------------- on the CPU (C++)
_HARNESS = """
#include <cstddef>
template <typename T, int N> struct CArray {
    T* data_;
    ptrdiff_t strides_[N];
    template <typename Int> T& operator[](const Int (&idx)[N]) const {
        char* at = reinterpret_cast<char*>(data_);
        for (int d = 0; d < N; ++d) at += strides_[d] * idx[d];
        return *reinterpret_cast<T*>(at);
    }
    T& operator[](ptrdiff_t i) const { return data_[i]; }
};
"""


def _parse_params(text):
    """``"raw T v, int64 k"`` -> ``[(True, "T", "v"), (False, "int64", "k")]``."""
    params = []
    for part in text.split(","):
        words = part.split()
        params.append((words[0] == "raw", words[-2], words[-1]))
    return params


def _c_function(source, ctype, raw_ndims, suffix):
    """C++ for ``source`` (a :class:`conv_cuda.KernelSource`) as a function running the body for every ``i``: raw
    arrays come as data pointer and byte strides, scalars as ``long long``, the output as a contiguous array."""
    ins = _parse_params(source.in_params)
    (_, _, out_name), = _parse_params(source.out_params)
    head = (f"extern \"C\" void {source.name}_{suffix}(void** data, const ptrdiff_t* strides, "
            "const long long* scalars, ptrdiff_t size) {")
    lines = [head, f"    typedef {ctype} T;"]
    for j, (raw, typ, name) in enumerate(ins):
        c_type = "T" if typ == "T" else "long long"
        if raw:
            n = raw_ndims[name]
            lines.append(f"    CArray<{c_type}, {n}> {name};")
            lines.append(f"    {name}.data_ = static_cast<{c_type}*>(data[{j}]);")
            lines.append(f"    for (int d = 0; d < {n}; ++d) {name}.strides_[d] = strides[{8 * j} + d];")
        else:
            lines.append(f"    const long long {name} = scalars[{j}];")
    lines.append(f"    T* out = static_cast<T*>(data[{len(ins)}]);")
    lines.append("    for (ptrdiff_t i = 0; i < size; ++i) {")
    lines.append(f"        T& {out_name} = out[i];")
    lines.append(source.operation)
    lines.append("    }\n}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def cpu_kernels(tmp_path_factory):
    """The two kernels' bodies compiled for the CPU, for float32 and float64: ``{(name, dtype): run}``, where
    ``run(out, *in_args)`` runs the body for every entry of the contiguous ``out``."""
    if CXX is None:
        pytest.skip("no C++ compiler (g++ or c++) to build the kernels' bodies for the CPU")
    folder = tmp_path_factory.mktemp("conv_cuda_cpu")
    raw_ndims = {"v": 3, "taps": 1, "cols": 4}
    parts = [_HARNESS]
    for source in (conv_cuda.GATHER, conv_cuda.SCATTER_ADD):
        for ctype in ("float", "double"):
            parts.append(_c_function(source, ctype, raw_ndims, ctype))
    (folder / "kernels.cpp").write_text("\n".join(parts))
    subprocess.run([CXX, "-std=c++14", "-O1", "-shared", "-fPIC",
                    "-o", str(folder / "kernels.so"), str(folder / "kernels.cpp")], check=True, capture_output=True,
                   text=True)
    library = ctypes.CDLL(str(folder / "kernels.so"))

    def runner(source, ctype):
        function = getattr(library, f"{source.name}_{ctype}")
        ins = _parse_params(source.in_params)

        def run(out, *args):
            assert out.flags.c_contiguous
            data = (ctypes.c_void_p * (len(ins) + 1))()
            strides = np.zeros(8 * len(ins), dtype=np.intp)
            scalars = np.zeros(len(ins), dtype=np.longlong)
            for j, ((raw, _, _), arg) in enumerate(zip(ins, args)):
                if raw:
                    data[j] = arg.ctypes.data
                    strides[8 * j:8 * j + arg.ndim] = arg.strides
                else:
                    scalars[j] = arg
            data[len(ins)] = out.ctypes.data
            function(data, strides.ctypes.data_as(ctypes.c_void_p), scalars.ctypes.data_as(ctypes.c_void_p),
                     ctypes.c_ssize_t(out.size))
            return out

        return run

    return {(source.name, dtype): runner(source, ctype)
            for source in (conv_cuda.GATHER, conv_cuda.SCATTER_ADD)
            for dtype, ctype in ((np.float32, "float"), (np.float64, "double"))}


@needs_cxx
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES)
def test_gather_body_on_cpu(cpu_kernels, case, dtype, rng):
    """The gather's body fills every entry, NaN-filled ``cols`` included: the covered ones from ``v``, the others
    with zeros, as the slices on zeros."""
    v, _ = _inputs(case, dtype, rng)
    _, _, _, c, short_len, k, s, _, _ = case
    ranges = _ranges(case)
    cols = np.full((v.shape[0], short_len, k, c), np.nan, dtype=dtype)
    run = cpu_kernels[(conv_cuda.GATHER.name, dtype)]
    run(cols, v, conv_cuda.tap_table(ranges, k, s), short_len, k, c, s)
    np.testing.assert_array_equal(cols, _reference_gather(v, short_len, k, ranges, s))


@needs_cxx
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES)
def test_scatter_add_body_on_cpu(cpu_kernels, case, dtype, rng):
    """The overlap-add's body gives the slices' sums bit for bit (same terms, same order), from random starting
    values of ``v``, with an inf and a NaN among the terms."""
    v, cols = _inputs(case, dtype, rng)
    _, _, _, c, _, k, s, _, _ = case
    if cols.size > 2:
        cols.flat[0], cols.flat[cols.size // 2] = np.inf, np.nan
    ranges = _ranges(case)
    expected = _reference_scatter_add(cols, v, ranges, s)
    out = v.copy()                                   # C-ordered (the body writes a contiguous output)
    run = cpu_kernels[(conv_cuda.SCATTER_ADD.name, dtype)]
    run(out, cols, conv_cuda.tap_table(ranges, k, s), v.shape[1], k, c, s)
    np.testing.assert_array_equal(out, expected)


# ------------------------------------------------------------------------------------------- on the GPU (CuPy)
@needs_gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES)
def test_cupy_gather_and_scatter_add_against_slices(case, dtype, rng):
    """On CuPy arrays: the kernels against the slices (on the GPU and on NumPy), bit for bit; ``rows`` picks a
    window of the batch, and ``v`` is a strided channel window."""
    import cupy

    v_gpu, cols_gpu = _inputs(case, dtype, rng, cupy)
    v, cols = cupy.asnumpy(v_gpu), cupy.asnumpy(cols_gpu)
    _, _, _, _, short_len, k, s, _, _ = case
    ranges = _ranges(case)
    rows = slice(1, None) if v.shape[0] > 1 else slice(None)
    expected_cols = _reference_gather(v[rows], short_len, k, ranges, s)
    got = conv_cuda.gather(v_gpu, cupy.full(expected_cols.shape, cupy.nan, dtype=dtype), ranges, s, rows)
    np.testing.assert_array_equal(cupy.asnumpy(got), expected_cols)

    n_rows = v[rows].shape[0]
    expected = v.copy()
    expected[rows] = _reference_scatter_add(cols[:n_rows], v[rows], ranges, s)
    conv_cuda.scatter_add(cols_gpu[:n_rows], v_gpu, ranges, s, rows)       # into the strided view, in place
    np.testing.assert_array_equal(cupy.asnumpy(v_gpu), expected)


@needs_gpu
@pytest.mark.parametrize("op", ["conv1d", "conv1d_transpose"])
@pytest.mark.parametrize("config", [{"strides": 2}, {"strides": 1, "dilation_rate": 2, "padding": "same"},
                                    {"strides": 4, "data_format": "channels_first"}])
def test_cupy_convolutions_fused_against_slices(op, config, rng, monkeypatch):
    """Forward and the three gradients on the GPU, with the fused kernels and with the slices: the same numbers."""
    batch, length, c_in, filters, k = 3, 17, 4, 5, 8 if config["strides"] == 4 else 3
    channels_first = config.get("data_format") == "channels_first"
    x_shape = (batch, c_in, length) if channels_first else (batch, length, c_in)
    w_shape = (k, c_in, filters) if op == "conv1d" else (k, filters, c_in)
    x_np, w_np = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b_np = rng.standard_normal(filters)
    function = getattr(conv, op)

    def run(fused):
        monkeypatch.setattr(conv_cuda, "FUSED_KERNELS", fused)
        x, w, b = (tg.tensor(a, requires_grad=True, backend="cupy") for a in (x_np, w_np, b_np))
        y = function(x, w, b, **config)
        (y * y).sum().backward()
        return [a.numpy() for a in (y, x.grad, w.grad, b.grad)]

    for fused, sliced in zip(run(True), run(False)):
        np.testing.assert_array_equal(fused, sliced)


@needs_cxx
def test_both_bodies_on_random_cases(cpu_kernels, rng):
    """300 random geometries (strides, dilations, offsets of either sign, dropped samples), float64."""
    gather = cpu_kernels[(conv_cuda.GATHER.name, np.float64)]
    scatter = cpu_kernels[(conv_cuda.SCATTER_ADD.name, np.float64)]
    for _ in range(300):
        long_len, short_len, k = (int(n) for n in rng.integers(1, 12, size=3))
        s, d = (int(n) for n in rng.integers(1, 5, size=2))
        case = (int(rng.integers(1, 4)), long_len, int(rng.integers(0, long_len + 1)), int(rng.integers(1, 4)),
                short_len, k, s, d, int(rng.integers(-4, 3 * k)))
        v, cols = _inputs(case, np.float64, rng)
        c, ranges = case[3], _ranges(case)
        table = conv_cuda.tap_table(ranges, k, s)
        got = gather(np.full(cols.shape, np.nan), v, table, short_len, k, c, s)
        np.testing.assert_array_equal(got, _reference_gather(v, short_len, k, ranges, s), err_msg=str(case))
        expected = _reference_scatter_add(cols, v, ranges, s)
        got = scatter(v.copy(), cols, table, long_len, k, c, s)          # a C-ordered copy, added to in place
        np.testing.assert_array_equal(got, expected, err_msg=str(case))


@needs_cxx
def test_wrappers_pass_shapes_rows_and_table_as_the_kernels_expect(cpu_kernels, monkeypatch, rng):
    """``gather`` and ``scatter_add`` themselves, with each CuPy kernel replaced by its body compiled for the CPU
    and the table kept on the host: a window of the batch (``rows``), a strided signal, an empty signal."""
    monkeypatch.setattr(conv_cuda, "_taps_on_device", lambda v, ranges, k, s: conv_cuda.tap_table(ranges, k, s))

    def kernel_on_cpu(source):
        def call(*args):
            *inputs, out = args
            contiguous = np.ascontiguousarray(out)
            cpu_kernels[(source.name, out.dtype.type)](contiguous, *inputs)
            out[...] = contiguous                  # (a window of the output: the body writes a contiguous one)
        return call

    monkeypatch.setattr(conv_cuda, "_kernel", kernel_on_cpu)
    for batch, length, c, short_len, k, s, d, offset in [(4, 11, 3, 5, 3, 2, 1, 1), (3, 6, 2, 9, 4, 3, 2, -2),
                                                         (3, 0, 2, 2, 3, 1, 1, 2)]:
        long = rng.standard_normal((batch, length, c + 1))[:, :, 1:]
        ranges, rows = conv._tap_ranges(short_len, length, k, s, d, offset), slice(1, 3)
        got = conv_cuda.gather(long, np.full((2, short_len, k, c), np.nan), ranges, s, rows)
        np.testing.assert_array_equal(got, _reference_gather(long[rows], short_len, k, ranges, s))
        cols = rng.standard_normal((2, short_len, k, c))
        expected = long.copy()
        expected[rows] = _reference_scatter_add(cols, long[rows], ranges, s)
        assert conv_cuda.scatter_add(cols, long, ranges, s, rows) is long
        np.testing.assert_array_equal(long, expected)


@pytest.mark.parametrize("cols_shape, ranges", [
    ((2, 4, 3, 5), ((0, 0, 4, 0, 4),)),          # 5 channels against the signal's 2
    ((3, 4, 3, 2), ((0, 0, 4, 0, 4),)),          # 3 samples against 2
    ((2, 4, 3, 2), ((3, 0, 4, 0, 4),)),          # tap 3 of 3 taps
    ((2, 4, 3, 2), ((0, 0, 5, 0, 5),)),          # steps beyond cols
    ((2, 9, 3, 2), ((0, 0, 9, 0, 9),)),          # steps beyond the signal's 6
])
def test_wrappers_refuse_shapes_and_ranges_that_do_not_fit(cols_shape, ranges):
    """A clear ValueError before any kernel runs, where the slices would have raised (or read out of bounds)."""
    with pytest.raises(ValueError, match="do not fit together"):
        conv_cuda.gather(np.zeros((2, 6, 2)), np.zeros(cols_shape), ranges, 1)
    with pytest.raises(ValueError, match="do not fit together"):
        conv_cuda.scatter_add(np.zeros(cols_shape), np.zeros((2, 6, 2)), ranges, 1)
