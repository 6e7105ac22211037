"""Non-neural baselines on the same splits as the text entries: ``python -m zoo.baselines {names,kjv}``."""
