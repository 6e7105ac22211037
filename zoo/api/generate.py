"""``zoo generate``: text sampled from a trained character language model.

The prompt is right-padded to ``MAX_PROMPT_CHARACTERS`` and the continuation has a fixed
``length``, so one compiled function serves every prompt, seed and temperature of that length.
"""

import dataclasses
import functools
import math
import os
import sys
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from jax_zoo.models.rnn import lengths_from_padding, take_at
from jax_zoo.train.sampling import sample_continuation
from jax_zoo.datasets.char_vocabulary import PAD_ID, UNKNOWN_ID, CharVocabulary, padded_ids
from jax_zoo.datasets.kjv import VOCABULARY as KJV_VOCABULARY
from jax_zoo.datasets.python_source import VOCABULARY as PYTHON_SOURCE_VOCABULARY
from jax_zoo.core.errors import ConfigError, WorkdirError
from jax_zoo.api.pretrained import Pretrained, from_workdir

MAX_PROMPT_CHARACTERS = 256
VOCABULARIES: dict[str, CharVocabulary] = {"kjv": KJV_VOCABULARY, "python_source": PYTHON_SOURCE_VOCABULARY}
"""The character vocabulary of each dataset a language-model entry can be trained on."""


@dataclasses.dataclass(frozen=True)
class Generation:
    prompt: str
    continuation: str
    unknown_characters: list[str]
    """Prompt characters outside the vocabulary, read as the unknown symbol."""


@functools.lru_cache(maxsize=8)
def make_sampler(model, *, length: int, top_k: int) -> Callable:
    """A jitted ``(params, prompt_ids <int32>[1, MAX_PROMPT_CHARACTERS], key, temperature) ->
    <int32>[1, length]`` for a ``CharLanguageModel``-like ``model`` (``return_carries`` and
    ``initial_carries`` keywords). Padding and the unknown symbol are never sampled. Cached, so
    repeated calls with the same model, length and top-k reuse one compilation."""

    def allowed(logits):
        return logits.at[..., jnp.array([PAD_ID, UNKNOWN_ID])].set(-jnp.inf)

    def sample(params, prompt_ids, key, temperature):
        variables = {"params": params}
        logits, carries = model.apply(variables, prompt_ids, return_carries=True)
        first_logits = take_at(logits, lengths_from_padding(prompt_ids) - 1)

        def step_fn(carries, tokens):
            logits, carries = model.apply(variables, tokens[:, None], initial_carries=carries, return_carries=True)
            return carries, allowed(logits[:, 0])

        return sample_continuation(
            step_fn, carries, allowed(first_logits), key, length=length, temperature=temperature, top_k=top_k
        )

    return jax.jit(sample)


def check_request(prompt: str, length: int, temperature: float, top_k: int, seed: int = 0) -> None:
    """Raises ``ConfigError`` naming the bad value (before anything is restored)."""
    if not prompt:
        raise ConfigError("--prompt: expected at least one character, got an empty prompt")
    if len(prompt) > MAX_PROMPT_CHARACTERS:
        raise ConfigError(f"--prompt: expected at most {MAX_PROMPT_CHARACTERS} characters, got {len(prompt)}")
    if length < 1:
        raise ConfigError(f"--length: expected a positive number of characters, got {length}")
    if not (temperature > 0 and math.isfinite(temperature)):
        raise ConfigError(f"--temperature: expected a finite value > 0, got {temperature}")
    if top_k < 0:
        raise ConfigError(f"--top-k: expected 0 (no limit) or a positive number of characters, got {top_k}")
    if not 0 <= seed < 2**32:
        raise ConfigError(f"--seed: expected an integer in [0, 2**32), got {seed}")


def generate(
    workdir: str | os.PathLike,
    prompt: str,
    *,
    length: int,
    temperature: float = 1.0,
    top_k: int = 0,
    seed: int = 0,
    entry: str | None = None,
) -> Generation:
    """Continues ``prompt`` with ``length`` characters sampled from the model trained in ``workdir``
    (which must be ``entry``'s, when given). Same arguments, same text."""
    check_request(prompt, length, temperature, top_k, seed)
    return continue_prompt(
        from_workdir(workdir, entry), prompt, length=length, temperature=temperature, top_k=top_k, seed=seed
    )


def continue_prompt(
    trained: Pretrained, prompt: str, *, length: int, temperature: float = 1.0, top_k: int = 0, seed: int = 0
) -> Generation:
    """Continues ``prompt`` with ``length`` characters sampled from a trained character language
    model (a workdir's or shipped weights). Same arguments, same text."""
    check_request(prompt, length, temperature, top_k, seed)
    experiment = trained.experiment
    vocabulary = VOCABULARIES.get(experiment.dataset)
    if experiment.task != "language_modeling" or vocabulary is None:
        raise WorkdirError(
            f"{trained.source} holds entry {trained.entry!r} ({experiment.task} on {experiment.dataset!r}); "
            f"expected a character language model trained on one of {sorted(VOCABULARIES)}"
        )
    if top_k > vocabulary.size:
        raise ConfigError(f"--top-k: expected at most the vocabulary's {vocabulary.size} symbols, got {top_k}")
    sampler = make_sampler(trained.model, length=length, top_k=top_k)
    prompt_ids = padded_ids([prompt], vocabulary, MAX_PROMPT_CHARACTERS)
    tokens = sampler(trained.variables["params"], prompt_ids, jax.random.PRNGKey(seed), jnp.float32(temperature))
    return Generation(
        prompt=prompt,
        continuation=vocabulary.decode(np.asarray(tokens[0])),
        unknown_characters=vocabulary.unknown_characters(prompt),
    )


def print_generation(generation: Generation) -> None:
    """The prompt and its continuation on stdout; a note on stderr, once, for unknown characters."""
    if generation.unknown_characters:
        listed = ", ".join(repr(char) for char in generation.unknown_characters)
        print(f"zoo generate: note: {listed} not in the vocabulary, read as the unknown symbol", file=sys.stderr)
    print(generation.prompt + generation.continuation)
