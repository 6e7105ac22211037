"""``Experiment.final_eval_model``: dearer inference for the trained variables, paid once, after training."""

import optax
import pytest

import jax_zoo as zoo
from jax_zoo.models import FlipAveraged, SimpleCNN
from jax_zoo.train import accuracy, evaluate, softmax_cross_entropy
from jax_zoo import ConfigError, Experiment


def digits_experiment(model, final_eval_model) -> Experiment:
    return Experiment(
        model=model, final_eval_model=final_eval_model, optimizer=optax.adam(3e-3), loss=softmax_cross_entropy,
        metrics={"accuracy": accuracy}, dataset="digits", batch_size=64, epochs=1,
    )


# Shifted and mirrored digits only exercise the mechanism: mirrors change a digit's meaning.
@zoo.register(name="views_on_digits")
def views_on_digits(*, shift: int = 1) -> Experiment:
    network = SimpleCNN(num_classes=10)
    return digits_experiment(FlipAveraged(network), FlipAveraged(network, shift=shift))


@zoo.register(name="mismatched_final_eval_model")
def mismatched_final_eval_model() -> Experiment:
    network = SimpleCNN(num_classes=10)
    return digits_experiment(network, FlipAveraged(network))


@pytest.mark.slow
def test_the_test_split_is_evaluated_by_the_final_eval_model(tmp_path):
    results = zoo.train_and_evaluate("views_on_digits", tmp_path, progress=False)
    by_final_eval_model = zoo.evaluate_workdir("views_on_digits", tmp_path, "test")
    assert results["test"]["loss"] == pytest.approx(by_final_eval_model["loss"], rel=1e-5)
    # The same variables through the per-epoch model (two views, not ten) read otherwise.
    trained = zoo.restore(tmp_path)
    two_views = evaluate(trained.eval_step, trained.state, zoo.load_dataset("digits", "test"), 512)
    assert two_views["loss"] != pytest.approx(by_final_eval_model["loss"], rel=1e-4)


def test_a_final_eval_model_over_other_variables_is_named():
    with pytest.raises(ConfigError, match=r"mismatched_final_eval_model: final_eval_model must take the variables of model "
                                          r"\(SimpleCNN\), but FlipAveraged's differ"):
        zoo.build("mismatched_final_eval_model")
