"""Tutorial 09's exercise, one step of ``torch.optim.SGD`` ported: its checker agrees with PyTorch itself (an
answer that runs ``torch.optim.SGD`` passes), the docs' solution passes, and typical wrong answers fail with a
report that names the slip."""
import re
from pathlib import Path

import numpy as np
import pytest

from tinygradconv.exercises import EXERCISES, check_torch_sgd_step

PAGE = Path(__file__).resolve().parents[1] / "docs" / "exercises.md"


def right(param, grad, buffer, learning_rate, momentum, weight_decay, nesterov):
    g = grad + weight_decay * param
    buffer = g if buffer is None else momentum * buffer + g
    step = g + momentum * buffer if nesterov else buffer
    return param - learning_rate * step, buffer


def report_of(fn):
    with pytest.raises(AssertionError) as info:
        check_torch_sgd_step(fn)
    return str(info.value)


def test_an_answer_that_runs_torch_optim_sgd_passes():
    """The reference (Keras' SGD given PyTorch's gradient, its velocity over -lr as the buffer) is PyTorch's step:
    an answer that is torch.optim.SGD itself, its momentum buffer carried between calls, passes every case."""
    torch = pytest.importorskip("torch")

    def torch_step(param, grad, buffer, learning_rate, momentum, weight_decay, nesterov):
        p = torch.tensor(param, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.SGD([p], lr=learning_rate, momentum=momentum, weight_decay=weight_decay,
                              nesterov=nesterov)
        if buffer is not None:
            opt.state[p]["momentum_buffer"] = torch.tensor(buffer, dtype=torch.float64)
        p.grad = torch.tensor(grad, dtype=torch.float64)
        opt.step()
        return p.detach().numpy(), opt.state[p]["momentum_buffer"].numpy()

    assert check_torch_sgd_step(torch_step, cases=30, steps=6, seed=3)


def test_the_first_step_of_torch_starts_the_buffer_as_the_gradient():
    """By hand, PyTorch's documented first step: buffer = g, not (1 - dampening) * g nor momentum * 0 + g."""
    param, grad = np.array([1.0, -2.0]), np.array([0.5, 0.25])
    new_param, buffer = right(param, grad, None, 0.1, 0.9, 0.1, True)
    g = grad + 0.1 * param                              # [0.6, 0.05]
    np.testing.assert_allclose(buffer, g)
    np.testing.assert_allclose(new_param, param - 0.1 * (g + 0.9 * g))


def test_the_solution_on_the_docs_page_passes():
    text = PAGE.read_text(encoding="utf-8")
    section = text[text.index("### Port a PyTorch optimizer step"):]
    code = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL).group(1)
    exec(compile(code, str(PAGE), "exec"), {"__name__": "solution"})  # noqa: S102 - the docs' own solution
    assert check_torch_sgd_step(right)


def test_the_task_is_listed_for_tutorial_09():
    (title, task, checker), = EXERCISES["09"]
    assert title == "Port a PyTorch optimizer step"
    assert checker is check_torch_sgd_step and "torch.optim.SGD" in task
    assert "`fn(param, grad, buffer, learning_rate, momentum, weight_decay, nesterov)`" in task


def test_a_buffer_of_none_used_as_zeros_is_told_that_the_first_step_has_no_buffer():
    def none_as_zeros(param, grad, buffer, learning_rate, momentum, weight_decay, nesterov):
        g = grad + weight_decay * param
        buffer = momentum * buffer + g
        return param - learning_rate * buffer, buffer

    report = report_of(none_as_zeros)
    assert "raised TypeError" in report and "buffer=None" in report
    assert "at the first step buffer is None" in report and "buffer = g" in report


def test_keras_velocity_as_the_buffer_is_named():
    def keras_velocity(param, grad, buffer, learning_rate, momentum, weight_decay, nesterov):
        g = grad + weight_decay * param
        velocity = -learning_rate * g if buffer is None else momentum * buffer - learning_rate * g
        return (param + momentum * velocity - learning_rate * g if nesterov else param + velocity), velocity

    report = report_of(keras_velocity)
    assert "(the new buffer, at step 1)" in report
    assert "this is Keras' velocity" in report and "leaves out the learning rate and the sign" in report


@pytest.mark.parametrize("slip, words, where", [
    ("no decay", "the weight decay is missing", "(the new parameter, at step 1)"),
    # decoupled decay equals L2 at the first step without Nesterov; the buffer then shows it
    ("decoupled", "the buffer leaves out the weight decay", "(the new buffer, at step 1)"),
    ("no look-ahead", "PyTorch looks ahead along the buffer just updated", "(the new parameter, at step 1)"),
    # the same formula as stepping along the new buffer (momentum * old + g), so the same hint, naming both
    ("old look-ahead", "which is also a look-ahead along the old one", "(the new parameter, at step 2)"),
    ("no momentum", "this step forgets the momentum", "(the new parameter, at step 2)"),
])
def test_typical_slips_are_named(slip, words, where):
    def answer(param, grad, buffer, learning_rate, momentum, weight_decay, nesterov):
        decay = 0.0 if slip in ("no decay", "decoupled") else weight_decay
        g = grad + decay * param
        new = g if buffer is None else momentum * buffer + g
        if slip == "no look-ahead":
            step = new
        elif slip == "old look-ahead" and nesterov:
            # a student who keeps the first step right (buffer = g) but looks ahead along the old buffer after
            step = g + momentum * (new if buffer is None else buffer)
        elif slip == "no momentum" and buffer is not None:
            step = g
        else:
            step = g + momentum * new if nesterov else new
        shrink = 1 - learning_rate * weight_decay if slip == "decoupled" else 1.0
        return param * shrink - learning_rate * step, new

    report = report_of(answer)
    assert words in report and where in report, report
    assert report.startswith("check_torch_sgd_step: your function disagrees with the framework on this case.")


def test_a_near_miss_gets_no_formula_hint():
    """Off by a relative 1e-6: the values print alike, so the report says why they differ, not a wrong rule."""
    def off(param, grad, buffer, learning_rate, momentum, weight_decay, nesterov):
        new_param, buffer = right(param, grad, buffer, learning_rate, momentum, weight_decay, nesterov)
        return new_param * (1 + 1e-6), buffer

    report = report_of(off)
    assert "torch.optim.SGD: g = grad" not in report and "is missing" not in report
