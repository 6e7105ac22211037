"""Deep ensembles: several independently initialised copies of one network, evaluated as one."""

import flax.linen as nn
import jax


class _Member(nn.Module):
    """Calls ``member`` with ``train`` as a keyword: ``nn.vmap`` passes positional arguments only."""

    member: nn.Module

    def __call__(self, inputs: jax.Array, train: bool) -> jax.Array:
        return self.member(inputs, train=train)


class Ensemble(nn.Module):
    """``size`` copies of ``member`` with their own parameters and dropout masks; their
    log-probabilities averaged.

    ``member`` is any classifier module returning ``<float32>[batch, num_classes]`` logits; the
    copies run side by side through ``nn.vmap`` (one batched computation, not a Python loop), so
    their parameters carry a leading ``[size]`` axis. Returns ``<float32>[batch, num_classes]``:
    the mean over members of ``log_softmax(logits)``, a product of experts. Trained with
    cross-entropy on that output, the loss is the members' mean cross-entropy less a term that
    grows when members disagree away from the label, so the copies stay diverse.
    """

    member: nn.Module
    size: int = 4

    @nn.compact
    def __call__(self, inputs: jax.Array, *, train: bool = False) -> jax.Array:
        if self.size < 1:
            raise ValueError(f"size: expected a positive number of members, got {self.size}")
        members = nn.vmap(
            _Member,
            variable_axes={"params": 0, "batch_stats": 0},
            split_rngs={"params": True, "dropout": True},
            in_axes=None,
            axis_size=self.size,
        )(self.member.clone(parent=None), name="members")
        logits = members(inputs, train)  # [size, batch, num_classes]
        return jax.nn.log_softmax(logits, axis=-1).mean(axis=0)
