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
