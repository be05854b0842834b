"""What a PyTorch user writes first, found by a tester porting PyTorch code (s47): torch's keyword names for the
convolutions and logsumexp, and torch's F.pad order for tg.ops.pad. The references are torch and Keras run here."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")
F = torch.nn.functional


# ------------------------------------------------------------------------------------- logsumexp's dim/keepdim
@pytest.mark.parametrize("dim", [0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp_takes_torch_dim_and_keepdim(dim, keepdim):
    x = np.random.default_rng(0).normal(size=(3, 4))
    t = tg.tensor(x, requires_grad=True)
    y = tg.ops.logsumexp(t, dim=dim, keepdim=keepdim)
    tx = torch.tensor(x, requires_grad=True)
    ref = torch.logsumexp(tx, dim=dim, keepdim=keepdim)
    np.testing.assert_allclose(y.numpy(), ref.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_logsumexp_refuses_both_spellings_and_a_dim_out_of_range():
    x = np.zeros((2, 3))
    with pytest.raises(TypeError, match="both `axis` and `dim`"):
        tg.ops.logsumexp(x, axis=1, dim=1)
    with pytest.raises(TypeError, match="both `keepdims` and `keepdim`"):
        tg.ops.logsumexp(x, keepdims=True, keepdim=True)
    with pytest.raises(IndexError, match="dim=5"):           # torch: IndexError "Dimension out of range"
        tg.ops.logsumexp(x, dim=5)
    with pytest.raises(IndexError):
        torch.logsumexp(torch.zeros(2, 3), dim=5)


# ------------------------------------------------------------------------------------ the convolutions' keywords
def test_conv1d_torch_keywords_say_the_keras_names():
    x, w = np.ones((1, 8, 2), "float32"), np.ones((3, 2, 4), "float32")
    with pytest.raises(TypeError, match=r"got an unexpected keyword argument 'stride': PyTorch's stride=2 is "
                                        r"strides=2 here"):
        tg.ops.conv1d(x, w, stride=2)
    with pytest.raises(TypeError, match=r"'dilation': PyTorch's dilation=2 is dilation_rate=2 here"):
        tg.ops.conv1d(x, w, dilation=2)
    with pytest.raises(TypeError, match=r"'padding_mode': only zero padding"):
        tg.ops.conv1d(x, w, padding_mode="reflect")
    with pytest.raises(TypeError, match=r"^conv1d\(\) got an unexpected keyword argument 'foo'$"):
        tg.ops.conv1d(x, w, foo=1)


def test_conv1d_transpose_torch_keywords_say_the_keras_names_and_refuse_groups():
    x, w = np.ones((1, 8, 4), "float32"), np.ones((3, 2, 4), "float32")
    with pytest.raises(TypeError, match=r"'dilation': PyTorch's dilation=1 is dilation_rate=1 here"):
        tg.ops.conv1d_transpose(x, w, dilation=1)
    with pytest.raises(TypeError, match=r"'stride': PyTorch's stride=2 is strides=2 here"):
        tg.ops.conv1d_transpose(x, w, stride=2)
    with pytest.raises(TypeError, match=r"'groups': conv1d_transpose has no groups.*tg\.ops\.split"):
        tg.ops.conv1d_transpose(x, w, groups=2)


def test_the_translations_the_messages_give_match_torch():
    """stride -> strides, dilation -> dilation_rate, weight.permute(2, 1, 0) -> kernel: the same outputs."""
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.normal(size=(2, 4, 11)))
    w = torch.tensor(rng.normal(size=(6, 2, 3)))
    ref = F.conv1d(x, w, stride=2, dilation=2, groups=2)
    got = tg.ops.conv1d(x.numpy(), w.permute(2, 1, 0).numpy(), strides=2, dilation_rate=2, groups=2,
                        data_format="channels_first")
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-10, atol=1e-12)
    wt = torch.tensor(rng.normal(size=(4, 3, 5)))
    ref = F.conv_transpose1d(x, wt, stride=2, dilation=2)
    got = tg.ops.conv1d_transpose(x.numpy(), wt.permute(2, 1, 0).numpy(), strides=2, dilation_rate=2,
                                  data_format="channels_first")
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------------------------------- pad
def test_one_pair_pads_every_axis_as_numpy_where_torch_pads_the_last():
    x = np.arange(24.0).reshape(2, 3, 4)
    assert tg.ops.pad(tg.tensor(x), (1, 2)).shape == np.pad(x, (1, 2)).shape == (5, 6, 7)
    assert tuple(F.pad(torch.tensor(x), (1, 2)).shape) == (2, 3, 7)                 # torch: the last axis only
    np.testing.assert_array_equal(tg.ops.pad(tg.tensor(x), 2).numpy(), np.pad(x, 2))
    np.testing.assert_array_equal(tg.ops.pad(tg.tensor(x), ((1, 2),)).numpy(), np.pad(x, ((1, 2),)))
    # the translation the docstring gives for F.pad(x, (1, 2))
    np.testing.assert_array_equal(tg.ops.pad(tg.tensor(x), ((0, 0),) * 2 + ((1, 2),)).numpy(),
                                  F.pad(torch.tensor(x), (1, 2)).numpy())


def test_torchs_flat_tuple_is_refused_with_its_translation():
    x = np.arange(24.0).reshape(2, 3, 4)
    with pytest.raises(ValueError, match=r"Invalid value for argument `pad_width`.*Received pad_width=\(1, 2, 0, 1\)"
                                         r".*pad_width=\(\(0, 0\), \(0, 1\), \(1, 2\)\) here"):
        tg.ops.pad(tg.tensor(x), (1, 2, 0, 1))
    translated = tg.ops.pad(tg.tensor(x), ((0, 0), (0, 1), (1, 2)))              # what the message says
    np.testing.assert_array_equal(translated.numpy(), F.pad(torch.tensor(x), (1, 2, 0, 1)).numpy())
    with pytest.raises(ValueError, match="it names 4 axes, and x has 3"):
        tg.ops.pad(tg.tensor(x), (1, 2, 0, 1, 0, 0, 3, 3))


@pytest.mark.parametrize("mode", ["reflect", "symmetric"])
@pytest.mark.parametrize("widths", [((0, 0), (2, 1)), ((1, 1), (0, 3)), ((3, 4), (5, 7)), ((1, 0), (0, 0))])
def test_mirror_modes_match_numpy_and_their_gradient_sums_the_copies(mode, widths):
    x = np.random.default_rng(2).normal(size=(2, 4))
    t = tg.tensor(x, requires_grad=True)
    y = tg.ops.pad(t, widths, mode=mode)
    np.testing.assert_array_equal(y.numpy(), np.pad(x, widths, mode=mode))
    upstream = np.random.default_rng(3).normal(size=y.shape)
    (y * tg.tensor(upstream)).sum().backward()
    # reference: the gradient of the linear map x -> np.pad(x), column by column of its matrix
    expected = np.zeros(x.size)
    for k in range(x.size):
        unit = np.zeros(x.size)
        unit[k] = 1.0
        expected[k] = (np.pad(unit.reshape(x.shape), widths, mode=mode) * upstream).sum()
    np.testing.assert_allclose(t.grad.numpy(), expected.reshape(x.shape), rtol=1e-12)


def test_reflect_matches_torch_values_and_gradients():
    x = np.random.default_rng(4).normal(size=(2, 3, 5))
    t, tx = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ref = tg.ops.pad(t, ((0, 0), (0, 0), (3, 2)), mode="reflect"), F.pad(tx, (3, 2), mode="reflect")
    np.testing.assert_array_equal(y.numpy(), ref.detach().numpy())
    (y * y).sum().backward()
    (ref * ref).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_mirror_modes_match_keras():
    keras = pytest.importorskip("keras")
    x = np.arange(12.0).reshape(3, 4)
    got = tg.ops.pad(tg.tensor(x), ((1, 2), (2, 3)), mode="reflect").numpy()
    np.testing.assert_array_equal(got, keras.ops.convert_to_numpy(keras.ops.pad(x, ((1, 2), (2, 3)), "reflect")))


def test_pad_mode_errors_say_what_is_supported():
    x = tg.tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Invalid value for argument `mode`.*\('constant', 'reflect', 'symmetric'\)"
                                         r".*Received mode='replicate'"):
        tg.ops.pad(x, 1, mode="replicate")
    with pytest.raises(TypeError, match=r"Invalid type for argument `value`.*write mode='reflect'"):
        tg.ops.pad(x, 1, "reflect")
    with pytest.raises(ValueError, match=r"Invalid value for argument `pad_width`.*mode='reflect' takes widths of 0"):
        tg.ops.pad(x, ((0, 0), (-1, 1)), mode="reflect")
    with pytest.raises(ValueError, match=r"Invalid value for argument `value`.*mode='constant' only"):
        tg.ops.pad(x, 1, value=2.0, mode="symmetric")
    with pytest.raises(ValueError, match="axes of at least one element"):
        tg.ops.pad(tg.tensor(np.ones((2, 0))), 1, mode="reflect")
    with pytest.raises(ValueError):                                             # numpy refuses it too
        np.pad(np.ones((2, 0)), 1, mode="reflect")


# ------------------------------------------------------------------- optimizers: what docs/keras_compatibility.md
# says in "Optimizers: porting a PyTorch loop", each checked against torch.optim (float64, a quartic loss)
W0 = np.random.default_rng(5).normal(size=5)
TARGET = np.random.default_rng(6).normal(size=5)


def tg_steps(opt, steps=5, l2=0.0):
    w = tg.tensor(W0.copy(), dtype="float64", requires_grad=True)
    for _ in range(steps):
        w.grad = None
        loss = ((w - tg.tensor(TARGET, dtype="float64")) ** 4).sum() + l2 / 2 * (w * w).sum()
        loss.backward()
        opt.apply([w.grad], [w])
    return w.numpy()


def torch_steps(cls, steps=5, **kwargs):
    w = torch.tensor(W0.copy(), requires_grad=True)
    opt = cls([w], **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        ((w - torch.tensor(TARGET)) ** 4).sum().backward()
        opt.step()
    return w.detach().numpy()


O = tg.optimizers
AGREE = {   # ours, torch's: the same steps
    "sgd_momentum": (lambda: tg_steps(O.SGD(0.01, momentum=0.9)),
                     lambda: torch_steps(torch.optim.SGD, lr=0.01, momentum=0.9)),
    "sgd_decay_without_momentum": (lambda: tg_steps(O.SGD(0.01, weight_decay=0.1)),
                                   lambda: torch_steps(torch.optim.SGD, lr=0.01, weight_decay=0.1)),
    "sgd_l2_in_the_loss": (lambda: tg_steps(O.SGD(0.01, momentum=0.9), l2=0.1),
                           lambda: torch_steps(torch.optim.SGD, lr=0.01, momentum=0.9, weight_decay=0.1)),
    "adam_l2_in_the_loss": (lambda: tg_steps(O.Adam(0.01, epsilon=1e-30), l2=0.1),
                            lambda: torch_steps(torch.optim.Adam, lr=0.01, weight_decay=0.1, eps=1e-30)),
    "adam_decay_is_adamw": (lambda: tg_steps(O.Adam(0.01, weight_decay=0.1, epsilon=1e-30)),
                            lambda: torch_steps(torch.optim.AdamW, lr=0.01, weight_decay=0.1, eps=1e-30)),
    "adamw_torch_default_decay": (lambda: tg_steps(O.AdamW(0.01, weight_decay=0.01, epsilon=1e-30)),
                                  lambda: torch_steps(torch.optim.AdamW, lr=0.01, eps=1e-30)),
    "rmsprop_rho_099": (lambda: tg_steps(O.RMSprop(0.01, rho=0.99, epsilon=1e-30)),
                        lambda: torch_steps(torch.optim.RMSprop, lr=0.01, alpha=0.99, eps=1e-30)),
    "adagrad_from_zero": (lambda: tg_steps(O.Adagrad(0.01, initial_accumulator_value=0.0, epsilon=1e-30)),
                          lambda: torch_steps(torch.optim.Adagrad, lr=0.01, eps=1e-30)),
    "nadam_momentum_decay_1": (lambda: tg_steps(O.Nadam(0.001, epsilon=1e-30), steps=200),
                               lambda: torch_steps(torch.optim.NAdam, steps=200, lr=0.001, eps=1e-30,
                                                   momentum_decay=1.0)),
}
DIFFER = {  # the same numbers given to both, as a port writes them: different steps
    "sgd_momentum_decay": (lambda: tg_steps(O.SGD(0.01, momentum=0.9, weight_decay=0.1)),
                           lambda: torch_steps(torch.optim.SGD, lr=0.01, momentum=0.9, weight_decay=0.1)),
    "adam_decay": (lambda: tg_steps(O.Adam(0.01, weight_decay=0.1, epsilon=1e-30)),
                   lambda: torch_steps(torch.optim.Adam, lr=0.01, weight_decay=0.1, eps=1e-30)),
    "adamw_defaults": (lambda: tg_steps(O.AdamW(0.01, epsilon=1e-30)),
                       lambda: torch_steps(torch.optim.AdamW, lr=0.01, eps=1e-30)),
    "rmsprop_defaults": (lambda: tg_steps(O.RMSprop(0.01)), lambda: torch_steps(torch.optim.RMSprop, lr=0.01)),
    "rmsprop_epsilon_place": (lambda: tg_steps(O.RMSprop(0.01, rho=0.99, epsilon=1e-8)),
                              lambda: torch_steps(torch.optim.RMSprop, lr=0.01, alpha=0.99, eps=1e-8)),
    "adagrad_defaults": (lambda: tg_steps(O.Adagrad(0.01)), lambda: torch_steps(torch.optim.Adagrad, lr=0.01)),
    "nadam_defaults": (lambda: tg_steps(O.Nadam(0.01, epsilon=1e-30)),
                       lambda: torch_steps(torch.optim.NAdam, lr=0.01, eps=1e-30)),
}


@pytest.mark.parametrize("case", sorted(AGREE))
def test_the_documented_translations_give_torchs_steps(case):
    ours, theirs = AGREE[case]
    np.testing.assert_allclose(ours(), theirs(), rtol=0, atol=1e-9)


@pytest.mark.parametrize("case", sorted(DIFFER))
def test_the_documented_differences_are_real(case):
    ours, theirs = DIFFER[case]
    assert np.abs(ours() - theirs()).max() > 1e-6
