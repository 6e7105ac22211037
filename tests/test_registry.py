import pytest

import jax_zoo as zoo
from jax_zoo import ConfigError, Experiment, UnknownNameError
from jax_zoo.core.config import parse_assignments


def test_the_default_entry_is_registered_with_its_config():
    assert "digits_cnn" in zoo.list_entries()
    assert zoo.list_entries("digits_*") == ["digits_cnn"]
    config = zoo.default_config("digits_cnn")
    assert config["batch_size"] == 32 and isinstance(config["learning_rate"], float)
    assert isinstance(zoo.get("digits_cnn")(), Experiment)


def test_users_register_their_own_entry_from_their_own_code(own_registrations):
    import optax

    from jax_zoo.models import SimpleCNN
    from jax_zoo.train import softmax_cross_entropy

    @zoo.register(name="my_digits_sgd")
    def my_entry(*, learning_rate: float = 0.05, epochs: int = 1) -> Experiment:
        return Experiment(
            model=SimpleCNN(num_classes=10), optimizer=optax.sgd(learning_rate, momentum=0.9),
            loss=softmax_cross_entropy, dataset="digits", batch_size=64, epochs=epochs,
        )

    assert "my_digits_sgd" in zoo.list_entries()
    experiment = zoo.get("my_digits_sgd")(**zoo.resolve_config("my_digits_sgd", {"learning_rate": "0.1"}))
    assert experiment.epochs == 1


def test_unknown_entry_suggests_close_names():
    with pytest.raises(UnknownNameError, match=r"unknown entry 'digit_cnn'\. Did you mean 'digits_cnn'\?"):
        zoo.get("digit_cnn")


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"learning_rte": "0.1"}, r"unknown config key 'learning_rte' for entry 'digits_cnn'\. Did you mean 'learning_rate'"),
        ({"epochs": "ten"}, r"epochs: expected int, got 'ten'"),
        ({"epochs": "2.5"}, r"epochs: expected int, got '2.5'"),
        ({"relu_after_conv2": "maybe"}, r"relu_after_conv2: expected bool, got 'maybe'"),
        ({"epochs": 2.0}, r"epochs: expected int, got float 2.0"),
    ],
)
def test_bad_overrides_name_what_was_expected(overrides, message):
    with pytest.raises((ConfigError, UnknownNameError), match=message):
        zoo.resolve_config("digits_cnn", overrides)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"learning_rate": "-0.1"}, r"learning_rate: expected a value > 0, got -0.1"),
        ({"epochs": "0"}, r"epochs: expected a value > 0, got 0"),
        ({"batch_size": "-4"}, r"batch_size: expected a value > 0, got -4"),
        ({"label_smoothing": "1.5"}, r"label_smoothing: expected a value in \[0, 1\), got 1.5"),
    ],
)
def test_out_of_range_values_are_rejected_when_the_entry_is_built(overrides, message):
    with pytest.raises(ConfigError, match=message):
        zoo.build("digits_cnn", overrides)


def test_typed_overrides_and_text_overrides_agree():
    assert zoo.resolve_config("digits_cnn", {"learning_rate": 1}) == zoo.resolve_config(
        "digits_cnn", parse_assignments(["learning_rate=1"])
    )
    with pytest.raises(ConfigError, match="name=value"):
        parse_assignments(["epochs"])


def test_entry_functions_must_declare_typed_keyword_defaults():
    with pytest.raises(TypeError, match="expected a default value"):
        @zoo.register
        def no_default(*, epochs: int) -> Experiment: ...

    with pytest.raises(TypeError, match="expected an annotation among int, float, bool, str"):
        @zoo.register
        def untyped(*, epochs=3) -> Experiment: ...


@pytest.mark.parametrize(
    "split, message",
    [
        ("train+valid", r"unknown split 'valid' of dataset 'digits'"),
        ("train+train", r"split 'train\+train' of dataset 'digits': expected each split at most once"),
    ],
)
def test_joined_splits_name_each_part(split, message):
    with pytest.raises(zoo.ZooError, match=message):
        zoo.split_size("digits", split)
    with pytest.raises(zoo.ZooError, match=message):
        zoo.load_dataset("digits", split)


@pytest.mark.parametrize(
    "splits, message",
    [
        ({"train_split": "train+test"}, r"train_split: expected a split or splits joined by '\+', never 'test', got 'train\+test'"),
        ({"train_split": "train", "eval_split": "train"}, r"eval_split: expected a split the model is not trained on \('train'\), got 'train'"),
    ],
)
def test_an_experiment_never_trains_on_what_it_evaluates(splits, message):
    import optax

    from jax_zoo.models import SimpleCNN
    from jax_zoo.train import softmax_cross_entropy

    with pytest.raises(ConfigError, match=message):
        Experiment(
            model=SimpleCNN(num_classes=10), optimizer=optax.sgd(0.1), loss=softmax_cross_entropy,
            dataset="digits", batch_size=32, epochs=1, **splits,
        )


def test_a_config_saved_before_a_key_existed_restores_as_it_was_trained(tmp_path):
    from jax_zoo.api.restore import saved_config
    from jax_zoo.core import registry

    old = {key: value for key, value in zoo.default_config("docstring_summary").items()
           if key not in {"beam_size", "length_penalty", "no_repeat_ngram", "ema_decay", "ema_start_epoch"}}
    config = saved_config(tmp_path, {"entry": "docstring_summary", "config": old})
    assert {key: config[key] for key in ("beam_size", "no_repeat_ngram", "ema_decay", "ema_start_epoch")} == {
        "beam_size": 4, "no_repeat_ngram": 0, "ema_decay": 0.0, "ema_start_epoch": 0,
    }
    assert zoo.default_config("docstring_summary")["beam_size"] == 2  # what a new run takes
    assert registry.saved_config_values("digits_cnn", {"epochs": 3}) == {"epochs": 3}
    def not_an_entry(*, epochs: int = 1):
        return None

    with pytest.raises(TypeError, match=r"saved_before names \['no_such_key'\], expected config keys"):
        zoo.register(not_an_entry, saved_before={"no_such_key": 1})
    assert "not_an_entry" not in zoo.list_entries()
