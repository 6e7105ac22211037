"""Ensembles: several independently initialised copies of one network, evaluated as one."""

import flax.linen as nn
import jax
import jax.numpy as jnp


class _Member(nn.Module):
    """Calls ``member`` with ``train`` as a keyword: ``nn.vmap`` passes positional arguments only."""

    member: nn.Module

    def __call__(self, inputs: jax.Array, train: bool) -> jax.Array:
        return self.member(inputs, train=train)


class Ensemble(nn.Module):
    """``size`` copies of ``member`` with their own parameters and dropout masks.

    ``member`` is any classifier module returning ``<float32>[batch, num_classes]`` logits; the
    copies run side by side through ``nn.vmap`` (one batched computation, not a Python loop), so
    their parameters carry a leading ``[size]`` axis. They read the same batches; initialisation
    and dropout masks are what differ between them.

    ``independent=False`` (a product of experts, trained jointly): the output, in training too,
    is the mean over members of ``log_softmax(logits)``. Trained with cross-entropy on it, the
    loss is the members' mean cross-entropy less a term that grows when members disagree away
    from the label, so the copies stay diverse.

    ``independent=True`` (a deep ensemble, Lakshminarayanan et al. 2017): in training the output
    is every member's logits, ``<float32>[batch, size, num_classes]``, for a loss and metrics
    wrapped in ``jax_zoo.train.member_mean`` (each member then learns from its own loss alone); at
    inference it is the log of the members' mean probabilities, ``[batch, num_classes]``.
    """

    member: nn.Module
    size: int = 4
    independent: bool = False

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
        log_probs = jax.nn.log_softmax(logits, axis=-1)
        if not self.independent:
            return log_probs.mean(axis=0)
        if train:
            return jnp.moveaxis(logits, 0, 1)
        return jax.nn.logsumexp(log_probs, axis=0) - jnp.log(float(self.size))
