"""Texts of one's own as datasets: labelled texts to classify, and pairs to translate or summarize.

Both read a table (``text_tables``: a TSV or CSV file, or a folder of ``train``/``test`` tables)
and split a single one with ``own_data.stratified_split`` (by label for labelled texts).

- Labelled texts (``text``, ``label``): ``inputs`` are ``<int32>[length]`` character ids
  (``char_vocabulary.CharVocabulary``: 0 padding, 1 unknown) right-padded to the longest train
  text (at most ``MAX_TEXT_CHARACTERS``; a longer validation or test text is cut), ``targets``
  the label's index among the train split's sorted labels. The characters are the train
  split's, or a given vocabulary's (an entry's own, to fine-tune it).
- Pairs (``source``, ``target``): tokenized the way an entry's dataset is
  (``text_pairs.TextPairTokenizers``): characters of the train split (source and target
  vocabularies), or sentencepiece subwords trained on the train split (``subwords``, at most
  the entry's sizes, one shared model when the entry's sides share one), or an entry's own
  fixed vocabularies. Packed by ``text_pairs.pack_pairs`` to the longest train source and
  target (at most ``MAX_SOURCE_TOKENS``, ``MAX_TARGET_TOKENS``): a longer train source is cut and
  a train pair with a longer target dropped; validation and test pairs are cut, their outputs
  scored against the whole target texts.

What was learnt from the train split (characters, subword sizes, lengths) is kept in the
record's ``details``, and trained subword models in the directory given (a run's
``tokenizers/``), so a run reads its data again exactly.
"""

import dataclasses
import os
from pathlib import Path

import numpy as np

from jax_zoo.core.errors import DataError, ZooError
from jax_zoo.datasets.char_vocabulary import BOS_ID, EOS_ID, CharVocabulary, padded_ids
from jax_zoo.datasets.own_data import SPLITS, OwnData, SplitRule, default_name, free_name, own_record, register_own, stratified_split
from jax_zoo.datasets.registry import DatasetInfo, dataset_info
from jax_zoo.datasets.subwords import BOS_ID as SUBWORD_BOS, EOS_ID as SUBWORD_EOS, SubwordTokenizer, load_tokenizer, train_tokenizer
from jax_zoo.datasets.text_pairs import TextPairTokenizers, pack_pairs, register_tokenizers
from jax_zoo.datasets.text_tables import Row, read_table, table_files

CLASS_COLUMNS, PAIR_COLUMNS = ("text", "label"), ("source", "target")
MAX_TEXT_CHARACTERS = 256
MAX_SOURCE_TOKENS, MAX_TARGET_TOKENS = 256, 128


def scan_text_classes(
    path: str | os.PathLike, rule: SplitRule, *, vocabulary: CharVocabulary | None = None, name: str | None = None,
) -> OwnData:
    """The record of a table of labelled texts: its rows per split, labels and characters."""
    files, rows = _split_rows(path, CLASS_COLUMNS, rule, stratify=True)
    class_names = sorted({row.second for row in rows["train"]})
    if len(class_names) < 2:
        raise DataError(f"{path}: one label ({class_names[0]!r}) in train; expected at least two labels to tell apart")
    symbols = vocabulary.symbols if vocabulary is not None else "".join(sorted({c for row in rows["train"] for c in row.first}))
    length = min(MAX_TEXT_CHARACTERS, max(len(row.first) for row in rows["train"]))
    return OwnData(
        name=name or default_name(path), kind="text_classes", source=str(Path(path).resolve()), split=rule,
        members=_members(rows), class_names=tuple(class_names),
        details={"files": files, "characters": symbols, "vocabulary": "given" if vocabulary else "train", "length": length},
    )


def register_text_classes(record: OwnData, directory: str | os.PathLike | None = None) -> DatasetInfo:
    """Reads ``record``'s rows again (from ``directory``, default where recorded) and registers them."""
    rows = _recorded_rows(record, CLASS_COLUMNS, directory)
    vocabulary, length = CharVocabulary(record.details["characters"]), record.details["length"]
    arrays = {
        split: {
            "inputs": padded_ids([row.first[:length] for row in split_rows], vocabulary, length),
            "targets": np.asarray([record.class_names.index(row.second) for row in split_rows], np.int32),
        }
        for split, split_rows in rows.items()
    }
    named = dataclasses.replace(record, name=free_name(record))
    register_own(named, arrays, num_classes=len(record.class_names),
                 description=f"labelled texts of {record.source} ({len(record.class_names)} labels)")
    return dataset_info(named.name)


def class_text_ids(dataset: str, texts: list[str]) -> np.ndarray:
    """``<int32>[len(texts), length]`` ids of texts to classify with a model trained on
    ``dataset`` (labelled texts of one's own); ``ZooError`` for a long text or unknown characters."""
    record = own_record(dataset)
    vocabulary, length = CharVocabulary(record.details["characters"]), record.details["length"]
    for text in texts:
        if not text.strip():
            raise ZooError(f"text {text!r}: expected at least one character, got an empty text")
        if len(text) > length:
            raise ZooError(f"text {text!r}: expected at most {length} characters (the longest in training), got {len(text)}")
        unknown = vocabulary.unknown_characters(text)
        if unknown:
            raise ZooError(f"text {text!r}: {', '.join(map(repr, unknown))} never seen in the training texts")
    return padded_ids(list(texts), vocabulary, length)


def scan_text_pairs(
    path: str | os.PathLike, rule: SplitRule, *, like: TextPairTokenizers, tokenizers_dir: str | os.PathLike,
    fixed: bool = False, name: str | None = None,
) -> OwnData:
    """The record of a table of text pairs, tokenized as ``like`` (an entry's dataset's
    tokenizers): ``fixed`` keeps them, else characters or subwords are learnt from the train
    split (subword models written into ``tokenizers_dir``)."""
    files, rows = _split_rows(path, PAIR_COLUMNS, rule, stratify=False)
    sources, targets = [row.first for row in rows["train"]], [row.second for row in rows["train"]]
    if fixed or isinstance(like.source, CharVocabulary):
        tokenizers = {
            "kind": "fixed" if fixed else "characters",
            "source": like.source.symbols if fixed else "".join(sorted(set("".join(sources)))),
            "target": like.target.symbols if fixed else "".join(sorted(set("".join(targets)))),
        }
    else:
        tokenizers = {"kind": "subwords"} | _trained_subwords(like, sources, targets, Path(tokenizers_dir))
    record = OwnData(
        name=name or default_name(path), kind="text_pairs", source=str(Path(path).resolve()), split=rule,
        members=_members(rows), details={"files": files, "tokenizers": tokenizers},
    )
    encoded = _tokenizers(record, 1, 1, Path(tokenizers_dir))
    source_length = min(MAX_SOURCE_TOKENS, max(len(encoded.source.encode(text)) for text in sources))
    target_length = min(MAX_TARGET_TOKENS, max(len(encoded.target.encode(text)) for text in targets) + 1)
    return dataclasses.replace(record, details=record.details | {"source_length": source_length, "target_length": target_length})


def register_text_pairs(
    record: OwnData, tokenizers_dir: str | os.PathLike, directory: str | os.PathLike | None = None,
) -> DatasetInfo:
    """Reads ``record``'s pairs again, encodes them with its tokenizers (subword models read from
    ``tokenizers_dir``) and registers them, with their tokenizers and raw target texts."""
    rows = _recorded_rows(record, PAIR_COLUMNS, directory)
    tokenizers = _tokenizers(record, record.details["source_length"], record.details["target_length"], Path(tokenizers_dir))
    arrays, references = {}, {}
    for split, split_rows in rows.items():
        source_ids = [tokenizers.source.encode(row.first)[: tokenizers.source_length] for row in split_rows]
        target_ids = [tokenizers.target.encode(row.second) for row in split_rows]
        kept = [i for i, ids in enumerate(target_ids) if split != "train" or len(ids) < tokenizers.target_length]
        arrays[split] = pack_pairs(
            [source_ids[i] for i in kept], [target_ids[i][: tokenizers.target_length - 1] for i in kept], tokenizers,
        )
        references[split] = [split_rows[i].second for i in kept]
    named = dataclasses.replace(record, name=free_name(record))
    register_own(named, arrays, description=f"text pairs of {record.source}")
    trained = record.details["tokenizers"]["kind"] == "subwords"
    declared = tokenizers if not trained else dataclasses.replace(
        tokenizers, source=dataclasses.replace(tokenizers.source, directory=None),
        target=dataclasses.replace(tokenizers.target, directory=None),
    )
    register_tokenizers(named.name, declared, references=lambda split, _: references[split],
                        directory=tokenizers_dir if trained else None)
    return dataset_info(named.name)


def _trained_subwords(like: TextPairTokenizers, sources: list[str], targets: list[str], directory: Path) -> dict:
    """Subword models like ``like``'s (sizes, a shared one or two) trained on the train texts."""
    sides = {"source": (like.source, sources), "target": (like.target, targets)}
    shared = like.source.name == like.target.name
    trained = {}
    for side, (tokenizer, texts) in sides.items():
        if tokenizer.name not in trained:
            model_texts = sources + targets if shared else texts
            path = train_tokenizer(model_texts, tokenizer.size, directory / tokenizer.name, at_most=True)
            trained[tokenizer.name] = load_tokenizer(path).get_piece_size()
    return {side: {"name": tokenizer.name, "size": trained[tokenizer.name]} for side, (tokenizer, _) in sides.items()}


def _tokenizers(record: OwnData, source_length: int, target_length: int, directory: Path) -> TextPairTokenizers:
    spec = record.details["tokenizers"]
    if spec["kind"] == "subwords":
        source, target = (SubwordTokenizer(spec[side]["name"], spec[side]["size"]).bound_to(directory) for side in ("source", "target"))
        bos_id, eos_id = SUBWORD_BOS, SUBWORD_EOS
    else:
        source, target = CharVocabulary(spec["source"]), CharVocabulary(spec["target"], sequence_markers=True)
        bos_id, eos_id = BOS_ID, EOS_ID
    return TextPairTokenizers(source, target, bos_id, eos_id, source_length, target_length)


def _split_rows(path, columns: tuple[str, str], rule: SplitRule, *, stratify: bool) -> tuple[dict, dict[str, list[Row]]]:
    """``({file name: digest}, {split: rows})``: the given split tables, or one table split by ``rule``."""
    tables = table_files(path)
    read = {split: read_table(file, columns) for split, file in tables.items()}
    files = {tables[split].name: digest for split, (_, digest) in read.items()}
    if None in read:
        rows = read[None][0]
        labels = np.asarray([row.second for row in rows]) if stratify else np.zeros(len(rows))
        if stratify:
            values, counts = np.unique(labels, return_counts=True)
            lonely = [repr(str(value)) for value, count in zip(values, counts) if count < 2]
            if lonely:
                raise DataError(f"{path}: label {', '.join(lonely[:5])} on a single line; expected at least 2 rows per label")
        positions = stratified_split(labels, rule)
        split_rows = {split: [rows[i] for i in positions[split]] for split in SPLITS if len(positions[split])}
        if "test" not in split_rows:
            raise DataError(f"{path}: {len(rows)} rows leave no test row at test fraction {rule.test}; expected more rows")
        return files, split_rows
    split_rows = {split: rows for split, (rows, _) in read.items()}
    if stratify:
        seen = {row.second for row in split_rows["train"]}
        for split in ("validation", "test"):
            unseen = sorted({row.second for row in split_rows.get(split, [])} - seen)
            if unseen:
                raise DataError(
                    f"{tables[split]}: label(s) {', '.join(map(repr, unseen[:5]))} never seen in {tables['train'].name}: "
                    f"a model cannot learn a label its training rows never show"
                )
    return files, split_rows


def _members(rows: dict[str, list[Row]]) -> dict[str, list[list]]:
    return {split: [[row.file, row.line] for row in split_rows] for split, split_rows in rows.items()}


def _recorded_rows(record: OwnData, columns: tuple[str, str], directory) -> dict[str, list[Row]]:
    """The rows ``record`` lists, read again from its tables (which must be unchanged)."""
    root = Path(directory or record.source)
    paths = {name: (root if root.is_file() else root / name) for name in record.details["files"]}
    by_place = {}
    for name, path in paths.items():
        if not path.is_file():
            raise DataError(f"{path}: gone; the run's data was read from it (pass --data with the table it was trained on)")
        rows, digest = read_table(path, columns)
        if digest != record.details["files"][name]:
            raise DataError(f"{path}: changed since the run read it; expected the table it was trained on")
        by_place |= {(name, row.line): row for row in rows}
    return {split: [by_place[tuple(member)] for member in members] for split, members in record.members.items()}
