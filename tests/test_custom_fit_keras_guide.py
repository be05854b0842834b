"""Keras 3's guide "Customizing what happens in fit()" and its custom metrics, run here and in Keras 3 (torch
backend) from the same starting weights: histories, evaluate's logs and the weights after fit are compared.

Found by a tester (2026-12-07): ``CustomModel(inputs, outputs)`` failed ("Argument `name` must be a string"),
``train_step`` took ``(x, y, sample_weight)`` where Keras' takes ``data``, ``compute_loss(y=..., y_pred=...)`` and
``compile_metrics.update_state`` did not exist, a model compiled without a loss could not train on ``add_loss``
nor with a loss tracker of its own, and a ``Metric`` of your own could not make its state with ``add_variable``.
"""
import copy

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import layers, losses, metrics, models, utils
from tinygradconv.functional import Functional

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
if keras.backend.backend() != "torch":        # (visible, as every skip here)
    pytest.skip("the Keras references run on its torch backend (KERAS_BACKEND=torch)", allow_module_level=True)

rs = np.random.RandomState(0)
X = rs.random_sample((96, 8)).astype("float32")
Y = rs.random_sample((96, 1)).astype("float32")
SW = rs.random_sample(96).astype("float32")


def _close(ours, theirs, rtol=2e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64),
                               rtol=rtol, atol=atol)


def _histories_agree(ours, theirs):
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        _close(ours[key], theirs[key])


def _weights_agree(model, kmodel):
    for ours, theirs in zip(model.get_weights(), kmodel.get_weights(), strict=True):
        _close(ours, theirs, rtol=1e-4, atol=1e-6)


# ------------------------------------------------------------------ the guide's models, ours and Keras'
class GuideModel(models.Model):
    """The guide's first example: a subclass made functional, with its own train_step."""

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        loss.backward()
        weights = self.trainable_weights
        with tg.no_grad():
            self.optimizer.apply([w.grad for w in weights], weights)
        self.seen = [metric.name for metric in self.metrics]
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


class KerasGuideModel(keras.Model):
    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        loss.backward()
        weights = self.trainable_weights
        with torch.no_grad():
            self.optimizer.apply([v.value.grad for v in weights], weights)
        self.seen = [metric.name for metric in self.metrics]
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def _pair(ours_class, keras_class, units=1):
    inputs = layers.Input((8,))
    model = ours_class(inputs, layers.Dense(units)(inputs))
    kinputs = keras.Input((8,))
    kmodel = keras_class(kinputs, keras.layers.Dense(units)(kinputs))
    kmodel.set_weights(model.get_weights())
    return model, kmodel


def test_a_subclass_made_with_inputs_and_outputs_is_functional_and_keeps_its_methods():
    model, kmodel = _pair(GuideModel, KerasGuideModel)
    assert type(model) is GuideModel and isinstance(model, Functional)
    assert isinstance(kmodel, keras.src.models.functional.Functional)     # Keras does the same
    assert type(model).__mro__.index(GuideModel) < type(model).__mro__.index(Functional)
    assert len(model.layers) == len(kmodel.layers) == 2
    _close(model.predict(X), kmodel.predict(X, verbose=0))
    again = GuideModel(model.inputs, model.outputs)       # the class, changed once, stays functional
    assert type(again) is GuideModel and again.layers[1] is model.layers[1]


def test_guide_train_step_with_compute_loss_and_the_metrics_loop_is_keras():
    model, kmodel = _pair(GuideModel, KerasGuideModel)
    for m in (model, kmodel):
        m.compile(optimizer="adam", loss="mse", metrics=["mae"])
    assert [m.name for m in model.metrics] == [m.name for m in kmodel.metrics] == ["loss", "compile_metrics"]
    history = model.fit(X, Y, epochs=3, batch_size=32, shuffle=False, verbose=0).history
    khistory = kmodel.fit(X, Y, epochs=3, batch_size=32, shuffle=False, verbose=0).history
    assert model.seen == kmodel.seen == ["loss", "compile_metrics"]
    _histories_agree(history, khistory)            # {'loss': [...], 'mae': [...]}: the nested dict flattened
    _weights_agree(model, kmodel)
    _close(model.metrics[1].result()["mae"], kmodel.metrics[1].result()["mae"])
    _close(model.evaluate(X, Y, verbose=0), kmodel.evaluate(X, Y, verbose=0))


class LowLevel(models.Model):
    """The guide's "going lower-level": compile(optimizer) only, a loss tracker and a metric of its own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = metrics.Mean(name="loss")
        self.mae_metric = metrics.MeanAbsoluteError(name="mae")

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = tg.ops.mean((y_pred - tg.tensor(y)) ** 2)
        loss.backward()
        weights = self.trainable_weights
        with tg.no_grad():
            self.optimizer.apply([w.grad for w in weights], weights)
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_metric]


class KerasLowLevel(keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = keras.losses.mean_squared_error(y, y_pred).mean()
        loss.backward()
        weights = self.trainable_weights
        with torch.no_grad():
            self.optimizer.apply([v.value.grad for v in weights], weights)
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_metric]


def test_compile_without_a_loss_trains_a_step_of_your_own_and_its_metrics_reset_each_epoch():
    model, kmodel = _pair(LowLevel, KerasLowLevel)
    model.compile(optimizer="adam")
    kmodel.compile(optimizer="adam")
    history = model.fit(X, Y, epochs=3, batch_size=32, shuffle=False, verbose=0).history
    khistory = kmodel.fit(X, Y, epochs=3, batch_size=32, shuffle=False, verbose=0).history
    _histories_agree(history, khistory)
    _weights_agree(model, kmodel)
    assert model.loss_tracker.count == 3.0      # 3 batches of the last epoch: reset at its start, as in Keras


class WeightedModel(models.Model):
    """The guide's sample_weight example, unpacked with utils.unpack_x_y_sample_weight."""

    def train_step(self, data):
        x, y, sample_weight = utils.unpack_x_y_sample_weight(data)
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        loss.backward()
        weights = self.trainable_weights
        with tg.no_grad():
            self.optimizer.apply([w.grad for w in weights], weights)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)
        return {m.name: m.result() for m in self.metrics}


class KerasWeightedModel(keras.Model):
    def train_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        loss.backward()
        weights = self.trainable_weights
        with torch.no_grad():
            self.optimizer.apply([v.value.grad for v in weights], weights)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)
        return {m.name: m.result() for m in self.metrics}


def test_guide_sample_weight_step_is_keras():
    model, kmodel = _pair(WeightedModel, KerasWeightedModel)
    for m in (model, kmodel):
        m.compile(optimizer="sgd", loss="mse", weighted_metrics=["mae"])
    history = model.fit(X, Y, sample_weight=SW, epochs=2, batch_size=32, shuffle=False, verbose=0).history
    khistory = kmodel.fit(X, Y, sample_weight=SW, epochs=2, batch_size=32, shuffle=False, verbose=0).history
    _histories_agree(history, khistory)
    _weights_agree(model, kmodel)


class EvalModel(models.Model):
    """The guide's test_step override."""

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        for metric in self.metrics:
            if metric.name != "loss":
                metric.update_state(y, y_pred)
            else:
                metric.update_state(loss)
        return {m.name: m.result() for m in self.metrics}


class KerasEvalModel(keras.Model):
    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        for metric in self.metrics:
            if metric.name != "loss":
                metric.update_state(y, y_pred)
            else:
                metric.update_state(loss)
        return {m.name: m.result() for m in self.metrics}


def test_guide_test_step_is_keras():
    model, kmodel = _pair(EvalModel, KerasEvalModel)
    for m in (model, kmodel):
        m.compile(loss="mse", metrics=["mae"])
    ours, theirs = model.evaluate(X, Y, verbose=0, return_dict=True), kmodel.evaluate(X, Y, verbose=0,
                                                                                      return_dict=True)
    assert sorted(ours) == sorted(theirs) == ["loss", "mae"]
    for key in theirs:
        _close(ours[key], theirs[key])


def test_predict_step_of_your_own_is_what_predict_joins():
    class Doubled(models.Model):
        def predict_step(self, data):
            x, _, _ = utils.unpack_x_y_sample_weight(data)
            return self(x, training=False) * 2.0

    inputs = layers.Input((8,))
    model = Doubled(inputs, layers.Dense(1)(inputs))
    plain = models.Model(model.inputs, model.outputs)
    _close(model.predict(X, batch_size=32), 2.0 * plain.predict(X, batch_size=32))


# ------------------------------------------------------------------ a loss from add_loss only
class LogisticEndpoint(layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = losses.BinaryCrossentropy(from_logits=True)

    def call(self, targets, logits, sample_weights=None):
        self.add_loss(self.loss_fn(targets, logits, sample_weights))
        return tg.ops.sigmoid(logits)


class KerasLogisticEndpoint(keras.layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def call(self, targets, logits, sample_weights=None):
        self.add_loss(self.loss_fn(targets, logits, sample_weights))
        return keras.ops.sigmoid(logits)


def test_a_model_whose_loss_comes_from_add_loss_trains_with_compile_optimizer_only_as_keras():
    inputs, targets = layers.Input((3,), name="inputs"), layers.Input((10,), name="targets")
    logits = layers.Dense(10)(inputs)
    model = models.Model([inputs, targets], LogisticEndpoint(name="predictions")(targets, logits))
    kinputs, ktargets = keras.Input((3,), name="inputs"), keras.Input((10,), name="targets")
    klogits = keras.layers.Dense(10)(kinputs)
    kmodel = keras.Model([kinputs, ktargets], KerasLogisticEndpoint(name="predictions")(ktargets, klogits))
    kmodel.set_weights(model.get_weights())
    data = {"inputs": rs.random_sample((6, 3)).astype("float32"),
            "targets": rs.random_sample((6, 10)).astype("float32")}
    model.compile(optimizer="adam")
    kmodel.compile(optimizer="adam")
    history = model.fit(data, epochs=2, batch_size=3, shuffle=False, verbose=0).history
    khistory = kmodel.fit(data, epochs=2, batch_size=3, shuffle=False, verbose=0).history
    _histories_agree(history, khistory)            # {'loss': [...]}
    _weights_agree(model, kmodel)
    _close(model.evaluate(data, verbose=0), kmodel.evaluate(data, verbose=0))


def test_nothing_to_compute_is_keras_error_at_the_first_step():
    inputs = layers.Input((3,))
    model = models.Model(inputs, layers.Dense(1)(inputs))
    model.compile(optimizer="sgd")
    kinputs = keras.Input((3,))
    kmodel = keras.Model(kinputs, keras.layers.Dense(1)(kinputs))
    kmodel.compile(optimizer="sgd")
    data = (np.ones((4, 3), "float32"), np.ones((4, 1), "float32"))
    with pytest.raises(ValueError, match="No loss to compute") as theirs:
        kmodel.fit(*data, verbose=0)
    for run in (lambda: model.fit(*data, verbose=0), lambda: model.evaluate(*data)):
        with pytest.raises(ValueError) as ours:
            run()
        assert str(ours.value) == str(theirs.value)


def test_a_compiled_loss_still_needs_its_targets():
    inputs = layers.Input((3,))
    model = models.Model(inputs, layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="needs both inputs `x` and targets `y`"):
        model.fit(np.ones((4, 3)), verbose=0)


def test_a_step_with_the_old_signature_is_a_clear_type_error():
    class Old(models.Model):
        def train_step(self, x, y, sample_weight=None):
            return super().train_step((x, y))

    inputs = layers.Input((3,))
    model = Old(inputs, layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match=r"Invalid type for Old.train_step: expected the signature "
                                        r"train_step\(self, data\)"):
        model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0)


def test_compute_loss_without_training_argument_is_called_as_keras_calls_it():
    class Own(models.Model):
        def compute_loss(self, x, y, y_pred, sample_weight):        # (no `training`: Keras < 3.3)
            self.called_with = (x.shape, sample_weight)
            return super().compute_loss(x, y, y_pred, sample_weight)

    inputs = layers.Input((3,))
    model = Own(inputs, layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0)
    assert model.called_with == ((4, 3), None)


@pytest.mark.parametrize("data", [np.ones(2), (np.ones(2),), (np.ones(2), np.zeros(2)), [1, 2, 3]])
def test_unpack_and_pack_are_keras_utils(data):
    ours, theirs = utils.unpack_x_y_sample_weight(data), keras.utils.unpack_x_y_sample_weight(data)
    assert len(ours) == len(theirs) == 3
    for a, b in zip(ours, theirs):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a, b)
    packed, kpacked = utils.pack_x_y_sample_weight(*ours), keras.utils.pack_x_y_sample_weight(*theirs)
    assert type(packed) is type(kpacked)
    with pytest.raises(ValueError, match="Data is expected to be in format"):
        utils.unpack_x_y_sample_weight((1, 2, 3, 4))


# ------------------------------------------------------------------ metrics of your own, as in the guide
class CategoricalTruePositives(metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = y_pred.argmax(1).reshape(-1, 1)
        values = (tg.tensor(np.asarray(y_true)).astype("int32") == y_pred.astype("int32")).astype("float32")
        if sample_weight is not None:
            values = values * tg.tensor(np.asarray(sample_weight)).astype("float32").reshape(-1, 1)
        self.true_positives.assign_add(values.sum())

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0.0)


class KerasCategoricalTruePositives(keras.metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        ops = keras.ops
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(ops.cast(y_true, "int32") == ops.cast(y_pred, "int32"), "float32")
        if sample_weight is not None:
            values = ops.multiply(values, ops.reshape(ops.cast(sample_weight, "float32"), (-1, 1)))
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0.0)


def test_guide_categorical_true_positives_in_fit_is_keras():
    labels = rs.randint(0, 4, size=(96, 1))
    inputs = layers.Input((8,))
    model = models.Model(inputs, layers.Dense(4, activation="softmax")(inputs))
    kinputs = keras.Input((8,))
    kmodel = keras.Model(kinputs, keras.layers.Dense(4, activation="softmax")(kinputs))
    kmodel.set_weights(model.get_weights())
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=[CategoricalTruePositives()])
    kmodel.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                   metrics=[KerasCategoricalTruePositives()])
    history = model.fit(X, labels, epochs=3, batch_size=32, shuffle=False, verbose=0).history
    khistory = kmodel.fit(X, labels, epochs=3, batch_size=32, shuffle=False, verbose=0).history
    _histories_agree(history, khistory)
    _weights_agree(model, kmodel)


def test_metric_variables_behave_as_keras():
    class Both(metrics.Metric):
        def __init__(self, name="both", **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_weight(name="total", initializer="ones")
            self.vector = self.add_variable(shape=(2,), initializer="ones", name="v", dtype="float64")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.total.assign_add(float(np.sum(y_pred)))
            self.vector.assign(self.vector * 2)

        def result(self):
            return self.total

    class KerasBoth(keras.metrics.Metric):
        def __init__(self, name="both", **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_weight(name="total", initializer="ones")
            self.vector = self.add_variable(shape=(2,), initializer="ones", name="v", dtype="float64")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.total.assign_add(float(np.sum(y_pred)))
            self.vector.assign(self.vector * 2)

        def result(self):
            return self.total

    ours, theirs = Both(), KerasBoth()
    for m in (ours, theirs):
        m.update_state(None, np.ones(3))
    _close(ours.result(), keras.ops.convert_to_numpy(theirs.result()))
    assert [str(v.dtype) for v in ours.variables] == [v.dtype for v in theirs.variables] == ["float32", "float64"]
    _close(ours.vector, keras.ops.convert_to_numpy(theirs.vector))
    ours.reset_state()
    theirs.reset_state()       # Keras' default reset_state: zeros, not the initializer
    for a, b in zip(ours.variables, theirs.variables, strict=True):
        _close(a, keras.ops.convert_to_numpy(b))
    assert float(ours.total) == 0.0


def _counter_classes():
    """A metric that counts calls in a default (float32) variable and in int32/int64 ones, ours and Keras'."""

    def make(base):
        class Count(base):
            def __init__(self, name="count", **kwargs):
                super().__init__(name=name, **kwargs)
                self.n = self.add_variable(shape=(), initializer="zeros", name="n")
                self.i = self.add_variable(shape=(), initializer="zeros", name="i", dtype="int32")
                self.j = self.add_variable(shape=(2,), initializer="ones", name="j", dtype="int64")

            def update_state(self, *args):
                self.n.assign_add(1.0)
                self.i.assign_add(1)
                self.j.assign_add(np.array([1, 2]))

            def result(self):
                return self.n

        return Count

    return make(metrics.Metric), make(keras.metrics.Metric)


def test_metric_variables_default_to_floatx_take_integer_dtypes_and_are_named_as_keras():
    """``add_variable`` without a dtype is float32 (floatx) whatever the metric's dtype, as Keras' (a float16
    metric's counter stopped at 2048); ``int32``/``int64`` counters are made (they were refused); the variable's
    ``name`` is the one given and its ``path`` ``"<metric>/<name>"`` (``name`` was the path); ``get_config`` of a
    metric of your own writes its ``dtype`` (Keras' float32 by default)."""
    Count, KerasCount = _counter_classes()
    ours, theirs = Count(dtype="float16"), KerasCount(dtype="float16")
    for _ in range(3000):
        ours.update_state()
        theirs.update_state()
    for a, b in zip(ours.variables, theirs.variables, strict=True):
        assert (str(a.dtype), a.name, a.path) == (b.dtype, b.name, b.path)
        np.testing.assert_array_equal(a.numpy(), keras.ops.convert_to_numpy(b))
    assert float(ours.n) == 3000.0
    ours.i.assign(7.9)
    theirs.i.assign(7.9)                       # truncated in both
    assert int(ours.i) == int(keras.ops.convert_to_numpy(theirs.i)) == 7
    ours.reset_state()
    theirs.reset_state()
    for a, b in zip(ours.variables, theirs.variables, strict=True):
        assert str(a.dtype) == b.dtype
        np.testing.assert_array_equal(a.numpy(), keras.ops.convert_to_numpy(b))
    assert ours.get_config() == theirs.get_config() == {"name": "count", "dtype": "float16"}
    assert Count().get_config() == KerasCount().get_config() == {"name": "count", "dtype": "float32"}
    assert copy.deepcopy(ours).j.path == "count/j"
    with pytest.raises(TypeError, match="Invalid type for argument `dtype`.*'int64'.*Received dtype='bool'"):
        ours.add_variable((), "zeros", dtype="bool")


def test_a_metric_without_reset_state_is_made_and_reset_as_keras():
    class Counter(metrics.Metric):
        def __init__(self, name="counter", **kwargs):
            super().__init__(name=name, **kwargs)
            self.t = 0.0

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.t += 1

        def result(self):
            return self.t

    counter = Counter()
    counter.update_state(None, None)
    counter.reset_state()              # no variables: nothing to reset, as in Keras
    assert counter.result() == 1.0 and counter.variables == []


def test_add_variable_before_super_init_is_keras_runtime_error():
    class Forgot(metrics.Metric):
        def __init__(self):
            self.t = self.add_variable((), "zeros")

    with pytest.raises(RuntimeError, match=r"You forgot to call `super\(\).__init__\(\)`"):
        Forgot()
    with pytest.raises(ValueError, match="Invalid value for argument `initializer`"):
        metrics.Mean().add_weight(name="x")


def test_metric_subclass_without_result_says_so():
    with pytest.raises(NotImplementedError, match="has no result"):
        metrics.Metric(name="x").result()


def test_metrics_held_in_attributes_are_listed_reset_and_logged_as_keras():
    class Holder(models.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.tracker = metrics.Mean(name="mine")

    class KerasHolder(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.tracker = keras.metrics.Mean(name="mine")

    model, kmodel = _pair(Holder, KerasHolder)
    assert [m.name for m in model.metrics] == [m.name for m in kmodel.metrics] == ["mine"]
    for m in (model, kmodel):
        m.compile("sgd", "mse", metrics=["mae"])
        m.tracker.update_state(5.0)             # reset by fit at the start of the epoch, as in Keras
    assert [m.name for m in model.metrics] == [m.name for m in kmodel.metrics] == ["loss", "compile_metrics",
                                                                                   "mine"]
    history = model.fit(X, Y, batch_size=32, shuffle=False, verbose=0).history
    khistory = kmodel.fit(X, Y, batch_size=32, shuffle=False, verbose=0).history
    _histories_agree(history, khistory)         # {'loss', 'mae', 'mine': [0.0]}
    assert history["mine"] == [0.0]


def test_from_config_of_a_functional_config_on_a_fresh_subclass_gives_that_subclass_as_keras():
    class Fresh(models.Model):          # never made with (inputs, outputs) before
        def train_step(self, data):
            return super().train_step(data)

    class KerasFresh(keras.Model):
        pass

    inputs = layers.Input((3,))
    config = models.Model(inputs, layers.Dense(2)(inputs)).get_config()
    kinputs = keras.Input((3,))
    kconfig = keras.Model(kinputs, keras.layers.Dense(2)(kinputs)).get_config()
    assert type(KerasFresh.from_config(kconfig)) is KerasFresh
    rebuilt = Fresh.from_config(config)
    assert type(rebuilt) is Fresh and isinstance(rebuilt, Functional)
    assert [layer.name for layer in rebuilt.layers] == [item["name"] for item in config["layers"]]


def test_a_list_of_targets_for_dict_outputs_goes_in_sorted_key_order_as_keras():
    x = rs.random_sample((8, 3)).astype("float32")
    y_q, y_p = rs.random_sample((8, 1)).astype("float32"), 10 * rs.random_sample((8, 2)).astype("float32")
    inputs = layers.Input((3,))
    model = models.Model(inputs, {"q": layers.Dense(1, name="q")(inputs), "p": layers.Dense(2, name="p")(inputs)})
    kinputs = keras.Input((3,))
    kmodel = keras.Model(kinputs, {"q": keras.layers.Dense(1, name="q")(kinputs),
                                   "p": keras.layers.Dense(2, name="p")(kinputs)})
    kmodel.set_weights(model.get_weights())
    for m in (model, kmodel):
        m.compile("sgd", "mse")
    ours = model.evaluate(x, [y_p, y_q], return_dict=True)        # "p" < "q": written {"q", "p"}
    theirs = kmodel.evaluate(x, [y_p, y_q], verbose=0, return_dict=True)
    assert sorted(ours) == sorted(theirs) == ["loss", "p_loss", "q_loss"]
    for key in theirs:
        _close(ours[key], theirs[key])
    by_dict = model.evaluate(x, {"q": y_q, "p": y_p}, return_dict=True)
    assert by_dict == ours


class OwnLoss(models.Model):
    """Keras' ``compute_loss`` docstring example: the loss, and its tracker, of the model's own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = metrics.Mean(name="loss")

    def compute_loss(self, x, y, y_pred, sample_weight, training=True):
        loss = tg.ops.mean((y_pred - tg.tensor(y)) ** 2)
        self.loss_tracker.update_state(loss)
        return loss

    def reset_metrics(self):
        self.loss_tracker.reset_state()

    @property
    def metrics(self):
        return [self.loss_tracker]


class KerasOwnLoss(keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def compute_loss(self, x, y, y_pred, sample_weight, training=True):
        loss = keras.ops.mean((y_pred - y) ** 2)        # (its `+= ops.sum(self.losses)` fails on torch: no losses)
        self.loss_tracker.update_state(loss)
        return loss

    def reset_metrics(self):
        self.loss_tracker.reset_state()

    @property
    def metrics(self):
        return [self.loss_tracker]


def test_a_compute_loss_and_metrics_of_your_own_make_the_default_steps_logs_as_keras():
    model, kmodel = _pair(OwnLoss, KerasOwnLoss)
    for m in (model, kmodel):
        m.compile(optimizer="sgd", loss="mse", metrics=["mae"])      # not in `metrics`: not logged, as Keras
    # batches of 40, 40 and 16: the tracker's mean of the batch losses, unweighted, as Keras logs it
    history = model.fit(X, Y, epochs=2, batch_size=40, shuffle=False, verbose=0).history
    khistory = kmodel.fit(X, Y, epochs=2, batch_size=40, shuffle=False, verbose=0).history
    _histories_agree(history, khistory)
    _weights_agree(model, kmodel)
    _close(model.evaluate(X, Y, batch_size=40), kmodel.evaluate(X, Y, batch_size=40, verbose=0))
    _close(model.get_metrics_result()["loss"], keras.ops.convert_to_numpy(kmodel.get_metrics_result()["loss"]))


def test_targets_missing_for_a_compiled_loss_or_metrics_inside_a_step_are_named():
    inputs = layers.Input((3,))
    model = models.Model(inputs, layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"Invalid value for argument `y`: None, but model '.*' was compiled with "
                                         r"a loss"):
        model.train_step(np.ones((4, 3), "float32"))
    variable = metrics.Mean().add_variable((2,), "zeros", name="v")
    kvariable = keras.Variable(np.zeros(2, "float32"))
    for value in (np.ones(3), 1.5):     # Keras refuses another shape, a number for two values too
        with pytest.raises(ValueError, match="must match"):
            kvariable.assign(value)
        with pytest.raises(ValueError, match=r"Invalid value for argument `value` of mean/v.assign: expected the "
                                             r"variable's shape \(2,\)"):
            variable.assign(value)
    variable.assign_add(1.5)            # broadcasts, as Keras'
    kvariable.assign_add(1.5)
    assert variable.tolist() == keras.ops.convert_to_numpy(kvariable).tolist() == [1.5, 1.5]
