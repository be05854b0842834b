"""A reviewer's findings (session 46, round 2): masked weighted metrics, Model subclasses with arguments of their
own, Muon's ``exclude_layers`` with a ``train_step`` of one's own, a loaded model's list of losses."""
import numpy as np
import pytest

from tinygradconv import Tensor, layers, metrics, models, saving
from tinygradconv.functional import Functional
from tinygradconv.layers.layer import set_keras_mask


def _masked_model():
    model = models.Sequential([layers.Input((6, 1)), layers.Masking(), layers.Dense(1, kernel_initializer="ones")])
    model.compile(loss="mse", weighted_metrics=["mse"])
    return model


def _masked_data():
    x = np.ones((4, 6, 1), "float32")
    x[:, 2:] = 0                                     # steps 2..5 masked (Masking(mask_value=0))
    x[1, 1:] = 0                                     # sample 1 keeps one step only
    y = np.arange(4.0, dtype="float32")[:, None, None] * np.ones((4, 6, 1), "float32")
    return x, y


def _weighted_mse_loop(predictions, x, y, sample_weight):
    """The documented rule, from the formula: sum(v * w * mask) / sum(w * mask), v the squared error of a step,
    mask 1 where a step has a non-zero feature, w the weight of the step's sample (or of the step itself)."""
    total = count = 0.0
    for i in range(x.shape[0]):
        for t in range(x.shape[1]):
            if np.all(x[i, t] == 0):
                continue
            w = sample_weight[i] if sample_weight.ndim == 1 else sample_weight[i, t]
            total += w * float(np.mean((predictions[i, t] - y[i, t]) ** 2))
            count += w
    return total / count


def test_weighted_metric_with_a_mask_weighs_each_step_by_its_samples_weight():
    x, y = _masked_data()                     # 4 samples of 6 steps: (batch,) weights once lined up with the steps
    weights = np.array([1.0, 2.0, 1.0, 0.0])
    model = _masked_model()
    predictions = np.asarray(model.predict(x, verbose=0))
    _, metric = model.evaluate(x, y, sample_weight=weights, verbose=0)
    assert metric == pytest.approx(_weighted_mse_loop(predictions, x, y, weights), rel=1e-6)


def test_reviewers_case_one_weight_per_sample_equals_the_weights_per_step():
    x = np.ones((4, 4, 1), "float32")
    x[:, 2:] = 0
    y = np.arange(4.0, dtype="float32")[:, None, None] * np.ones((4, 4, 1), "float32")
    model = models.Sequential([layers.Input((4, 1)), layers.Masking(), layers.Dense(1, kernel_initializer="ones")])
    model.compile(loss="mse", weighted_metrics=["mse"])
    per_sample = model.evaluate(x, y, sample_weight=np.array([1.0, 1, 1, 0]), verbose=0)
    per_step = model.evaluate(x, y, sample_weight=np.tile([[1.0, 1, 1, 0]], (4, 1)).T, verbose=0)
    # by hand: samples 0..2 weigh 1, their steps 0, 1 count; errors (1 - i)^2 = 1, 0, 1 -> 2 / 3
    assert per_sample[1] == pytest.approx(2 / 3) and per_step[1] == pytest.approx(2 / 3)


def _masked_predictions():
    predictions = Tensor(np.ones((4, 4, 1)))
    set_keras_mask(predictions, Tensor(np.ones((4, 4), bool)))
    return predictions


def test_a_mask_that_does_not_line_up_with_the_values_is_named_in_the_error():
    metric = metrics.MeanMetricWrapper(lambda y_true, y_pred: Tensor(np.ones(3)), name="own")
    with pytest.raises(ValueError, match=r"own: the mask of shape \(4, 4\) does not match values of shape \(3,\)"):
        metric.update_state(np.ones((4, 4, 1)), _masked_predictions())


def test_weights_that_line_up_with_the_mask_in_no_way_are_a_value_error_naming_both():
    metric = metrics.MeanMetricWrapper(metrics.mean_squared_error, name="mse")
    with pytest.raises(ValueError, match=r"`sample_weight`: of shape \(5,\).*mask of shape \(4, 4\)"):
        metric.update_state(np.ones((4, 4, 1)), _masked_predictions(), sample_weight=np.ones(5))


# ------------------------------------------------------------------ 2. a Model subclass's own arguments


@saving.register_keras_serializable(package="review_r2_s46")
class Scaled(models.Model):
    """The reviewer's class: an argument of its own after (inputs, outputs), written by get_config."""

    def __init__(self, inputs, outputs, scale=2.0, **kwargs):
        super().__init__(inputs, outputs, **kwargs)
        self.scale = scale

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


@saving.register_keras_serializable(package="review_r2_s46")
class ScaledByName(models.Model):
    """Keras' own functional-like constructor (inputs, outputs, name), the argument read from **kwargs."""

    def __init__(self, inputs, outputs, name=None, **kwargs):
        self.scale = kwargs.pop("scale", 2.0)
        super().__init__(inputs, outputs, name=name, **kwargs)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def _scaled(cls):
    x = layers.Input((4,))
    return cls(x, layers.Dense(2)(x), scale=5.0)


@pytest.mark.parametrize("cls", [Scaled, ScaledByName])
def test_a_model_subclass_keeps_its_own_arguments_through_save_clone_json_and_from_config(cls, tmp_path):
    model = _scaled(cls)
    model.save(tmp_path / "s.keras")
    rebuilt = [models.load_model(tmp_path / "s.keras"), models.clone_model(model),
               models.model_from_json(model.to_json()), cls.from_config(model.get_config())]
    # 5.0 given, the default 2.0 (Keras 3.15 gives 5.0 for ScaledByName's from_config, load and to_json)
    assert [(type(m), m.scale) for m in rebuilt] == [(cls, 5.0)] * 4


def test_a_config_entry_the_constructor_does_not_take_is_a_type_error_not_dropped():
    class Strict(models.Model):
        def __init__(self, inputs, outputs, name=None, trainable=True):
            super().__init__(inputs, outputs, name=name, trainable=trainable)

        def get_config(self):
            return {**super().get_config(), "scale": 5.0}

    x = layers.Input((4,))
    model = Strict(x, layers.Dense(2)(x))
    with pytest.raises(TypeError, match="scale"):
        Strict.from_config(model.get_config())
    # clone_model does what Keras 3.15 does (session 46, a reviewer): this constructor is not of Keras'
    # functional_like_constructor kind, so the clone is a plain functional model of the same name
    clone = models.clone_model(model)
    assert type(clone) is Functional and clone.name == model.name


# ------------------------------------------------------------------ 3. Muon's exclude_layers, a train_step of one's own

def _own_step_model(framework):
    """The reviewer's model: a Sequential named "seq" whose train_step applies the optimizer itself."""
    L, M = framework.layers, framework.models

    class MySeq(M.Sequential):
        def train_step(self, data):
            x, y = data
            self.zero_grad()
            loss = self.compute_loss(x=x, y=y, y_pred=self(x, training=True))
            loss.backward()
            grads = [getattr(w, "value", w).grad for w in self.trainable_weights]    # (Keras: the torch tensor's)
            self.optimizer.apply(grads, self.trainable_weights)
            return {"loss": loss}

    return MySeq([L.Input((3,)), L.Dense(4, name="hidden", kernel_initializer="ones"),
                  L.Dense(1, kernel_initializer="ones")], name="seq")


def test_muon_excludes_layers_by_their_keras_path_in_a_train_step_of_ones_own():
    keras = pytest.importorskip("keras")
    import tinygradconv

    results = []
    for framework in (keras, tinygradconv):
        model = _own_step_model(framework)
        optimizer = framework.optimizers.Muon(exclude_layers=["seq/hidden"])
        model.compile(optimizer=optimizer, loss="mse")
        model.fit(np.ones((4, 3), "float32"), np.zeros((4, 1), "float32"), epochs=2, verbose=0)
        kernel = model.trainable_weights[0]
        uses_adamw = (optimizer._should_use_adamw(kernel) if framework is keras else optimizer.uses_adamw(kernel))
        results.append((uses_adamw, np.asarray(keras.ops.convert_to_numpy(kernel) if framework is keras
                                               else kernel.numpy())))
    (keras_adamw, keras_kernel), (our_adamw, our_kernel) = results
    assert keras_adamw is True and our_adamw is True
    np.testing.assert_allclose(our_kernel, keras_kernel, rtol=1e-5)


# ------------------------------------------------------------------ 4. a loaded model's per-output losses

@pytest.mark.parametrize("as_dict", [False, True])
def test_a_loaded_models_per_output_losses_are_loss_objects_and_names_as_keras_loads_them(as_dict, tmp_path):
    keras = pytest.importorskip("keras")
    import tinygradconv

    held = []
    for framework in (keras, tinygradconv):
        x = framework.layers.Input((3,))
        model = framework.models.Model(x, [framework.layers.Dense(1, name="a")(x),
                                           framework.layers.Dense(1, name="b")(x)])
        loss = [framework.losses.MeanSquaredError(), "mae"]
        model.compile(optimizer="sgd", loss=dict(zip("ab", loss)) if as_dict else loss)
        model.save(tmp_path / f"{framework.__name__}.keras")
        loaded = framework.models.load_model(tmp_path / f"{framework.__name__}.keras").loss
        entries = list(loaded.values()) if as_dict else loaded
        held.append([e if isinstance(e, str) else (type(e).__name__, isinstance(e, framework.losses.Loss))
                     for e in entries])
    assert held[0] == [("MeanSquaredError", True), "mae"]           # Keras 3.15's loaded model.loss
    assert held[1] == held[0]
