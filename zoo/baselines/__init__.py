"""Non-neural baselines on the same splits as the text entries: ``python -m jax_zoo.baselines DATASET``;
``python -m jax_zoo.baselines.paired WORKDIR`` compares a trained names run with its baseline, name by
name, and ``python -m jax_zoo.baselines.paired_summaries WORKDIR`` a docstring_summary run, function by function."""

from pathlib import Path

PUBLISHED = Path(__file__).resolve().parents[1] / "published" / "baselines"
"""Where ``python -m jax_zoo.baselines`` writes each dataset's baseline results by default."""
