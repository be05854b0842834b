"""``no_grad`` / ``enable_grad`` / ``set_grad_enabled`` as decorators of a generator function set the mode around
each resumption of the generator, as PyTorch's decorators do (``torch.autograd.grad_mode``), not only while the
generator object is made (which runs none of its body). Each case runs the same generator function under torch and
under tinygradconv and compares the modes seen inside and outside."""
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch", reason="PyTorch is the reference of the grad modes")


def _modes_seen(lib, decorate, outer_mode):
    """The grad modes a decorated generator sees at each step, and the caller's between the steps."""

    @decorate(lib)
    def steps():
        received = yield lib.is_grad_enabled()
        yield (received, lib.is_grad_enabled())
        try:
            yield lib.is_grad_enabled()
        except KeyError:
            yield ("thrown in", lib.is_grad_enabled())

    seen = []
    with lib.set_grad_enabled(outer_mode):
        generator = steps()
        seen.append(next(generator))
        seen.append(lib.is_grad_enabled())
        seen.append(generator.send("sent"))
        seen.append(lib.is_grad_enabled())
        seen.append(next(generator))
        seen.append(generator.throw(KeyError("k")))
        seen.append(lib.is_grad_enabled())
        generator.close()
        seen.append(lib.is_grad_enabled())
    seen.append(lib.is_grad_enabled())
    return seen


DECORATORS = {
    "no_grad()": lambda lib: lib.no_grad(),
    "no_grad": lambda lib: lib.no_grad,                      # without the call, as PyTorch 2 allows
    "enable_grad()": lambda lib: lib.enable_grad(),
    "set_grad_enabled(False)": lambda lib: lib.set_grad_enabled(False),
    "set_grad_enabled(True)": lambda lib: lib.set_grad_enabled(True),
}


@pytest.mark.parametrize("outer_mode", [True, False])
@pytest.mark.parametrize("name", DECORATORS)
def test_a_decorated_generator_runs_in_the_mode_at_each_step_as_torch(name, outer_mode):
    expected = _modes_seen(torch, DECORATORS[name], outer_mode)
    assert _modes_seen(tg, DECORATORS[name], outer_mode) == expected
    inside = not name.startswith("no_grad") and name != "set_grad_enabled(False)"
    assert expected[0] is inside and expected[1] is outer_mode      # (the reference says what we expect)


def test_a_decorated_generator_records_no_graph_in_no_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)

    @tg.no_grad()
    def doubled():
        yield x * 2
        yield x * 3

    assert [y.requires_grad for y in doubled()] == [False, False]
    assert (x * 2).requires_grad and tg.is_grad_enabled()


def test_return_value_and_name_of_a_decorated_generator():
    @tg.no_grad()
    def counted():
        yield 1
        return "done"

    generator = counted()
    assert next(generator) == 1
    with pytest.raises(StopIteration) as stop:
        next(generator)
    assert stop.value.value == "done" and counted.__name__ == "counted"
