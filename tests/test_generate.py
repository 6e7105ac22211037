"""``zoo generate``: deterministic samples from a saved language model, clear errors otherwise."""

import pytest

import zoo
from harness_helpers import save_untrained_run
from zoo.cli import main
from zoo.jobs.generate import MAX_PROMPT_CHARACTERS, generate, make_sampler


@pytest.fixture(scope="module")
def lm_workdir(tmp_path_factory):
    return save_untrained_run(tmp_path_factory.mktemp("lm"), "kjv_char_lstm", {"hidden_size": 8, "embed_dim": 4})


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

    from zoo.datasets.char_vocabulary import padded_ids
    from zoo.datasets.kjv import VOCABULARY

    trained = zoo.restore(lm_workdir)
    sampler = make_sampler(trained.experiment.model, length=12, top_k=0)
    for seed, prompt in enumerate(["And", "In the beginning God", "Jesus wept."]):
        ids = padded_ids([prompt], VOCABULARY, MAX_PROMPT_CHARACTERS)
        sampler(trained.state.params, ids, jax.random.PRNGKey(seed), jnp.float32(1.0 + seed))
    assert sampler._cache_size() == 1


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
