"""Dense's LoRA arguments (a tester of session 45: ``Dense(lora_rank=2)`` was 'Unrecognized keyword arguments'):
Keras 3.15 implements LoRA; tinygradconv refuses it with a clear ValueError naming the argument, and accepts the
values that switch it off."""
import os

import numpy as np
import pytest

from tinygradconv.layers import Dense


def test_lora_rank_is_refused_with_a_clear_message_where_keras_builds_lora_weights():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="Keras 3 shows what lora_rank does")
    theirs = keras.layers.Dense(3, lora_rank=2)
    theirs.build((None, 4))
    assert [w.name for w in theirs.trainable_weights] == ["bias", "lora_kernel_a", "lora_kernel_b"]
    with pytest.raises(ValueError, match=r"Invalid value for argument `lora_rank`\. Expected None: tinygradconv "
                                         r"does not implement LoRA .* Received lora_rank=2"):
        Dense(3, lora_rank=2)
    with pytest.raises(ValueError, match=r"lora_rank=2 is not supported"):     # Keras' config, as the loaders
        Dense.from_config(theirs.get_config())


def test_the_off_values_are_accepted_and_enable_lora_is_refused():
    layer = Dense(3, lora_rank=None, lora_alpha=None)
    assert layer(np.ones((2, 4))).shape == (2, 3) and "lora_rank" not in layer.get_config()   # as Keras' config
    assert Dense(3, lora_alpha=8).lora_alpha == 8                    # kept, changing nothing, as in Keras
    with pytest.raises(ValueError, match=r"does not implement LoRA.*Received enable_lora\(rank=2\)"):
        layer.enable_lora(2)
    with pytest.raises(TypeError, match=r"Invalid type for argument `lora_alpha`"):
        Dense(3, lora_alpha="8")
