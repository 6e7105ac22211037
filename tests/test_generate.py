"""``zoo generate``: deterministic samples from a saved language model, clear errors otherwise."""

import pytest

import jax_zoo as zoo
from harness_helpers import save_untrained_run
from jax_zoo.train import Checkpoints
from jax_zoo.train.records import write_json_atomic
from jax_zoo.cli import main
from jax_zoo.api.generate import MAX_PROMPT_CHARACTERS, generate, make_sampler


@pytest.fixture(scope="module")
def lm_workdir(tmp_path_factory):
    return save_untrained_run(tmp_path_factory.mktemp("lm"), "kjv_char_lstm", {"hidden_size": 8, "embed_dim": 4})


@pytest.mark.slow
def test_same_seed_same_text(lm_workdir):
    first = generate(lm_workdir, "In the beginning", length=40, temperature=0.8, top_k=10, seed=1)
    again = generate(lm_workdir, "In the beginning", length=40, temperature=0.8, top_k=10, seed=1)
    other = generate(lm_workdir, "In the beginning", length=40, temperature=0.8, top_k=10, seed=2)
    assert first == again and len(first.continuation) == 40
    assert first.continuation != other.continuation
    assert "\ufffd" not in first.continuation, "the unknown symbol is never sampled"


def test_one_compilation_for_every_prompt_and_seed(lm_workdir):
    import jax
    import jax.numpy as jnp

    from jax_zoo.datasets.char_vocabulary import padded_ids
    from jax_zoo.datasets.kjv import VOCABULARY

    trained = zoo.restore(lm_workdir)
    sampler = make_sampler(trained.experiment.model, length=12, top_k=0)
    for seed, prompt in enumerate(["And", "In the beginning God", "Jesus wept."]):
        ids = padded_ids([prompt], VOCABULARY, MAX_PROMPT_CHARACTERS)
        sampler(trained.state.params, ids, jax.random.PRNGKey(seed), jnp.float32(1.0 + seed))
    assert sampler._cache_size() == 1


@pytest.mark.slow
def test_unknown_prompt_characters_are_reported_once(lm_workdir, capsys):
    assert main(["generate", "kjv_char_lstm", "--workdir", str(lm_workdir), "--prompt", "Zebra #1 #2", "--length", "5"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Zebra #1 #2") and len(out.rstrip("\n")) == len("Zebra #1 #2") + 5
    assert err.count("not in the vocabulary") == 1 and "'#', '1', '2'" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--prompt", ""], "--prompt: expected at least one character, got an empty prompt"),
        (["--prompt", "a" * (MAX_PROMPT_CHARACTERS + 1)], f"expected at most {MAX_PROMPT_CHARACTERS} characters"),
        (["--prompt", "And", "--length", "0"], "--length: expected a positive number of characters, got 0"),
        (["--prompt", "And", "--temperature", "0"], "--temperature: expected a finite value > 0, got 0.0"),
        (["--prompt", "And", "--top-k", "1000"], "--top-k: expected at most the vocabulary's"),
    ],
)
def test_bad_requests_are_one_clear_line(lm_workdir, args, message, capsys):
    code = main(["generate", "kjv_char_lstm", "--workdir", str(lm_workdir), *args])
    _, err = capsys.readouterr()
    assert code == 2 and message in err and "Traceback" not in err


def test_a_workdir_of_another_entry_is_refused(tmp_path, capsys):
    workdir = save_untrained_run(tmp_path, "digits_cnn", {})
    assert main(["generate", "kjv_char_lstm", "--workdir", str(workdir), "--prompt", "And"]) == 2
    assert "was trained for entry 'digits_cnn', not 'kjv_char_lstm'" in capsys.readouterr().err
    assert main(["generate", "digits_cnn", "--workdir", str(workdir), "--prompt", "And"]) == 2
    assert "expected a character language model" in capsys.readouterr().err


@pytest.mark.slow
def test_a_trained_model_continues_each_prompt_in_its_own_pattern(tmp_path, capsys):
    """Trained in the test on two repeating texts until it tells them apart: the continuation
    follows the prompt's pattern, so a sampler that ignored the prompt would fail here."""
    import numpy as np

    from jax_zoo.datasets.kjv import VOCABULARY, WINDOW

    patterns = {"abc ": "abc abc abc ", "xy.": "xy.xy.xy.xy."}
    overrides = {"hidden_size": 32, "embed_dim": 16, "learning_rate": 0.01}
    built = zoo.build("kjv_char_lstm", overrides)
    rng = np.random.default_rng(0)

    def batch(size=16):
        rows = []
        for _ in range(size):
            pattern = list(patterns)[rng.integers(2)]
            text = (pattern * (2 * WINDOW // len(pattern) + 2))[rng.integers(len(pattern)):][: WINDOW + 1]
            rows.append(VOCABULARY.encode(text))
        ids = np.stack(rows).astype(np.int32)
        return {"inputs": ids[:, :-1], "targets": ids[:, 1:]}

    def continuations(workdir):
        return {prompt: generate(workdir, prompt * 3, length=12, top_k=1).continuation for prompt in patterns}

    state = built.state
    for attempt in range(10):
        for _ in range(50):
            state, _ = built.train_step(state, batch())
        workdir = tmp_path / f"after_{attempt}"
        write_json_atomic(workdir / "config.json", {"entry": "kjv_char_lstm", "config": built.config})
        with Checkpoints(workdir / "checkpoints") as checkpoints:
            checkpoints.save(int(state.step), state, {"entry": "kjv_char_lstm", "config": built.config})
        if continuations(workdir) == {prompt: expected for prompt, expected in patterns.items()}:
            break
    assert continuations(workdir) == patterns, f"not learned after {int(state.step)} steps"
    prompt = "xy.xy.xy."
    assert main(["generate", "kjv_char_lstm", "--workdir", str(workdir), "--prompt", prompt, "--length", "12", "--top-k", "1"]) == 0
    assert capsys.readouterr().out == prompt + patterns["xy."] + "\n"
