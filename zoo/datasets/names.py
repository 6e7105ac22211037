"""Surname -> country, from the PyPI package ``names-dataset`` (its ``v3/last_names.pkl.gz``)."""

import collections
import gzip
import pickle
import unicodedata
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import jax
import numpy as np

from jax_zoo.datasets.char_vocabulary import CharVocabulary, padded_ids
from jax_zoo.datasets.registry import Arrays, register_dataset
from jax_zoo.datasets.tfds_local import prepare, read_split

COUNTRIES = ("CZ", "DE", "ES", "FI", "FR", "GB", "HU", "IE", "IT", "NL", "PL", "PT", "SE", "TR")
"""Fourteen countries whose surnames are written in Latin script, one per language (English: GB;
Irish: IE), like the classic tutorial's languages minus the non-Latin scripts."""
COUNTRY_NAMES = {
    "CZ": "Czechia", "DE": "Germany", "ES": "Spain", "FI": "Finland", "FR": "France", "GB": "United Kingdom",
    "HU": "Hungary", "IE": "Ireland", "IT": "Italy", "NL": "Netherlands", "PL": "Poland", "PT": "Portugal",
    "SE": "Sweden", "TR": "Turkey",
}
TOP_N = 3000
"""Surnames per country: 3,000 make a test split of 3,325 names, where 1,000 (dataset 1.0.0) made
one of 1,159, too few to tell two models 1-2 points apart."""
MAX_LENGTH = 20
BEYOND_LAST_RANK = 4000
"""``surnames_beyond_lists`` reads ranks ``TOP_N + 1`` to this: about 12,000 unseen surnames."""
SPLIT_SEED = 0
VALIDATION_FRACTION = TEST_FRACTION = 0.1
VOCABULARY = CharVocabulary(
    " -ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzÁÂÄÅÇÉÓÖÚÜßàáâãäåçèéêëìíñòóôõöùúüýą"
    "ĆćČčĎďęěğİıŁłńňŐőŘřŚśŞşŠšťůűźŻżŽžầễ"
)
"""The 124 characters of the selected surnames."""


def is_latin(name: str) -> bool:
    """True when every character is a Latin letter, a space or a hyphen."""
    return all(char in " -" or unicodedata.name(char, "").startswith("LATIN") for char in name)


def select_surnames(
    last_names: Mapping[str, Mapping], countries=COUNTRIES, top_n: int = TOP_N
) -> list[tuple[str, str]]:
    """``[(surname, country)]`` sorted: each country's ``top_n`` surnames by rank, keeping only
    surnames in Latin script, of at most ``MAX_LENGTH`` characters, that are in the top
    ``top_n`` of exactly one of ``countries`` (a surname common in two countries has no label).

    ``last_names`` is names-dataset's dict: surname -> ``{"rank": {country: rank}, ...}``.
    """
    return _labelled(_ranked_in(last_names, countries, 0, top_n))


def surnames_beyond_lists(
    last_names: Mapping[str, Mapping], countries=COUNTRIES, top_n: int = TOP_N, last_rank: int = BEYOND_LAST_RANK
) -> list[tuple[str, str]]:
    """``[(surname, country)]`` sorted, of surnames the dataset does not hold: ranked
    ``top_n + 1``-``last_rank`` in exactly one of ``countries`` and in none's top ``top_n``,
    labelled and filtered by ``select_surnames``' rule. They test how a model reads surnames it
    never saw, as a user's are."""
    listed = _ranked_in(last_names, countries, 0, top_n)
    beyond = _ranked_in(last_names, countries, top_n, last_rank)
    return _labelled({surname: places for surname, places in beyond.items() if surname not in listed})


def _ranked_in(last_names: Mapping[str, Mapping], countries, after: int, last: int) -> dict[str, list[str]]:
    """surname -> the ``countries`` where its rank is in ``after + 1``..``last``."""
    owners = collections.defaultdict(list)
    for surname, info in last_names.items():
        for country, rank in (info.get("rank") or {}).items():
            if country in countries and rank is not None and after < rank <= last:
                owners[surname].append(country)
    return owners


def _labelled(owners: Mapping[str, list[str]]) -> list[tuple[str, str]]:
    return sorted(
        (surname, places[0]) for surname, places in owners.items()
        if len(places) == 1 and is_latin(surname) and 0 < len(surname) <= MAX_LENGTH
    )


def load_last_names() -> dict:
    """names-dataset's surname table (about a gigabyte in memory: read once, to prepare the dataset)."""
    path = resources.files("names_dataset") / "v3" / "last_names.pkl.gz"
    with path.open("rb") as raw, gzip.open(raw) as file:
        return pickle.load(file)


def split_names(split: str, directory: Path) -> tuple[list[str], np.ndarray]:
    """The surnames of ``split`` in selection order and their ``<int32>`` country labels."""
    from jax_zoo.datasets.builders.names import Surnames  # imports TFDS, only when data is read

    records = read_split(prepare(Surnames, directory), split, order_key="index")
    return [name.decode("utf-8") for name in records["name"]], records["country"].astype(np.int32)


@register_dataset(
    "names",
    example_spec={
        "inputs": jax.ShapeDtypeStruct((MAX_LENGTH,), np.int32),
        "targets": jax.ShapeDtypeStruct((), np.int32),
    },
    split_sizes={"train": 26598, "validation": 3325, "test": 3325},
    num_classes=len(COUNTRIES),
    class_names=COUNTRIES,
)
def load_names_split(split: str, directory: Path) -> Arrays:
    """Surname -> one of 14 countries (33,248 surnames, 80/10/10); character ids right-padded to 20 with 0."""
    names, labels = split_names(split, directory)
    return names_arrays(names, labels)


def names_arrays(names: list[str], labels: np.ndarray) -> Arrays:
    """The model's arrays of surnames and their labels: character ids right-padded to
    ``MAX_LENGTH`` with 0, characters outside ``VOCABULARY`` read as the unknown symbol."""
    return {"inputs": padded_ids(names, VOCABULARY, MAX_LENGTH), "targets": np.asarray(labels, np.int32)}
