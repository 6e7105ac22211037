"""Early stopping and best-checkpoint tracking on an evaluation metric, over flax's ``EarlyStopping``."""

import dataclasses
from typing import Any

from flax.training.early_stopping import EarlyStopping


@dataclasses.dataclass(frozen=True)
class EarlyStoppingPolicy:
    """Stop when ``metric`` (a key of the epoch record, e.g. ``eval_accuracy``) has not improved by
    more than ``min_delta`` for ``patience`` evaluations.

    With ``restore_best`` the parameters returned (and saved as final) are those of the best
    evaluation, not the last one.
    """

    metric: str = "eval_loss"
    mode: str = "min"
    patience: int = 5
    min_delta: float = 0.0
    restore_best: bool = True

    def __post_init__(self):
        if self.mode not in ("min", "max"):
            raise ValueError(f"early stopping mode must be 'min' or 'max', got {self.mode!r}")
        if self.patience < 0 or self.min_delta < 0:
            raise ValueError(
                f"early stopping needs patience >= 0 and min_delta >= 0, got {self.patience} and {self.min_delta}"
            )


class MetricWatch:
    """Tracks the best value of one metric; its state is plain JSON so it survives a resume."""

    def __init__(self, policy: EarlyStoppingPolicy, saved: dict[str, Any] | None = None):
        self.policy = policy
        self._stopper = EarlyStopping(min_delta=policy.min_delta, patience=policy.patience)
        self.best_step: int | None = None
        self.best_value: float | None = None
        if saved:
            self._stopper = self._stopper.replace(
                best_metric=saved["best_metric"], patience_count=saved["patience_count"],
                should_stop=saved["should_stop"], has_improved=saved["has_improved"],
            )
            self.best_step, self.best_value = saved["best_step"], saved["best_value"]

    def update(self, record: dict[str, Any]) -> bool:
        """Feeds an epoch record; True when it is the best so far."""
        value = float(record[self.policy.metric])
        self._stopper = self._stopper.update(value if self.policy.mode == "min" else -value)
        if self._stopper.has_improved:
            self.best_step, self.best_value = record["step"], value
        return bool(self._stopper.has_improved)

    @property
    def should_stop(self) -> bool:
        return bool(self._stopper.should_stop)

    def state_dict(self) -> dict[str, Any]:
        return {
            "best_metric": float(self._stopper.best_metric),
            "patience_count": int(self._stopper.patience_count),
            "should_stop": bool(self._stopper.should_stop),
            "has_improved": bool(self._stopper.has_improved),
            "best_step": self.best_step,
            "best_value": self.best_value,
        }
