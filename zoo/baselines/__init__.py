"""Non-neural baselines on the same splits as the text entries: ``python -m jax_zoo.baselines {names,kjv}``;
``python -m jax_zoo.baselines.paired WORKDIR`` compares a trained names run with its baseline, name by name."""

from pathlib import Path

PUBLISHED = Path(__file__).resolve().parents[1] / "published" / "baselines"
"""Where ``python -m jax_zoo.baselines`` writes each dataset's baseline results by default."""
