"""Small findings left by session 46's builders: the Conv1DTranspose length hints that printed the exercise's answer,
the connectivity matrix of a pooling layer asked for weights="model", BatchNormalization's training behaviour in
the connectivity pictures, Model subclasses revived by from_config and cloned by clone_model, and an optimizer shared
by two models."""
import pytest

from tinygradconv.exercises import check_output_length


def _report(checker, fn):
    with pytest.raises(AssertionError) as raised:
        checker(fn)
    return str(raised.value)


def test_output_padding_none_as_zero_hint_does_not_print_the_answer():
    """Keras' length for an integer output_padding, (L - 1) * s + k_eff - 2 * pad + output_padding, with None taken
    as 0 ("valid": (L - 1) * s + k). Keras' length with None, by hand for L = 1, k = 1, s = 2, "valid": 2 (one input
    step, given strides = 2 output steps)."""
    def fn(L, k, s, padding, output_padding, d):
        span = (k - 1) * d + 1
        pad = 0 if padding == "valid" else span // 2
        return (L - 1) * s + span - 2 * pad + (output_padding or 0)

    report = _report(check_output_length, fn)
    assert "expected: 2\n  received: 1" in report
    assert "max(" not in report and "L * strides for" not in report, report


def test_forward_conv_length_hint_does_not_print_the_answer():
    """The forward Conv1D's length, (L - k_eff) // s + 1, on "valid" (Keras' length elsewhere, from the op): the hint
    said "L * strides for "same" and (L - 1) * strides + max(k_eff, strides) for "valid""."""
    def fn(L, k, s, padding, output_padding, d):
        span = (k - 1) * d + 1
        if padding == "valid":
            return (L - span) // s + 1
        return L * s if output_padding is None else (L - 1) * s + span - 2 * (span // 2) + output_padding

    report = _report(check_output_length, fn)
    assert "is the forward convolution's length" in report
    assert "max(" not in report and "chooses the length itself: it gives each of the L input steps" in report
