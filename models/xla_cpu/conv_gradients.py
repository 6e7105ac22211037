"""``nn.Conv`` with its gradients written for XLA:CPU: the bias gradient as a product with ones,
the kernel gradient from a channels-major copy of the input, and the bias after pooling."""

import functools
from collections.abc import Callable
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp


@jax.custom_vjp
def add_channel_bias(y: jax.Array, bias: jax.Array) -> jax.Array:
    """``y + bias`` over the last axis: ``[..., channels] + [channels]``.

    The bias gradient, a sum over every other axis, is written as ``ones @ grad``: XLA:CPU
    lowers the plain sum over a large ``[batch, height, width, channels]`` gradient to a slow
    windowed reduction, the product to a matrix-vector multiply.
    """
    return y + bias


def _add_channel_bias_forward(y, bias):
    return y + bias, None


def _add_channel_bias_backward(_, grad):
    rows = grad.reshape(-1, grad.shape[-1])
    bias_grad = jnp.dot(jnp.ones(rows.shape[0], rows.dtype), rows, preferred_element_type=jnp.float32)
    return grad, bias_grad.astype(grad.dtype)


add_channel_bias.defvjp(_add_channel_bias_forward, _add_channel_bias_backward)

_NHWC = ("NHWC", "HWIO", "NHWC")


def _convolve(x: jax.Array, kernel: jax.Array, padding: str) -> jax.Array:
    return jax.lax.conv_general_dilated(x, kernel, window_strides=(1, 1), padding=padding, dimension_numbers=_NHWC)


@functools.partial(jax.custom_vjp, nondiff_argnums=(3,))
def convolve_with_chwn_input(x: jax.Array, x_chwn: jax.Array, kernel: jax.Array, padding: str) -> jax.Array:
    """The convolution of ``x`` ``[batch, height, width, in]``; its kernel gradient reads ``x_chwn``.

    ``x_chwn`` must hold the same values as ``x``, laid out ``[in, height, width, batch]``: the
    layout in which the kernel gradient (a convolution over the batch) takes its input. Without
    it XLA:CPU transposes ``x`` in every step, slowly; a caller that can produce the activations
    in that layout directly (``Conv.channels_major``) saves it. ``x_chwn`` gets no
    gradient: pass it through ``jax.lax.stop_gradient``. ``padding`` is ``"SAME"`` or ``"VALID"``.
    """
    _require_chwn_copy(x, x_chwn)
    return _convolve(x, kernel, padding)


def _convolve_with_chwn_input_forward(x, x_chwn, kernel, padding):
    _require_chwn_copy(x, x_chwn)
    return _convolve(x, kernel, padding), (x_chwn, kernel)


def _require_chwn_copy(x, x_chwn):
    expected = (x.shape[3], x.shape[1], x.shape[2], x.shape[0])
    if x_chwn.shape != expected or x_chwn.dtype != x.dtype:
        raise ValueError(
            f"convolve_with_chwn_input: expected x_chwn {x.dtype}{list(expected)} (x {x.dtype}{list(x.shape)} "
            f"laid out [in, height, width, batch]), got {x_chwn.dtype}{list(x_chwn.shape)}"
        )


def _convolve_with_chwn_input_backward(padding, residuals, grad):
    x_chwn, kernel = residuals
    channels, height, width, batch = x_chwn.shape
    (grad_x,) = jax.linear_transpose(
        lambda x: _convolve(x, kernel, padding), jax.ShapeDtypeStruct((batch, height, width, channels), x_chwn.dtype)
    )(grad)
    grad_kernel = jax.lax.conv_general_dilated(
        x_chwn, jnp.transpose(grad, (1, 2, 0, 3)), window_strides=(1, 1),
        padding=_spatial_pads(padding, kernel.shape[:2]), dimension_numbers=_NHWC,
    )  # [in, kh, kw, out]
    return grad_x, jnp.zeros_like(x_chwn), jnp.transpose(grad_kernel, (1, 2, 0, 3))


def _spatial_pads(padding: str, kernel_size: tuple[int, int]) -> list[tuple[int, int]]:
    if padding == "VALID":
        return [(0, 0), (0, 0)]
    return [((size - 1) // 2, size // 2) for size in kernel_size]  # SAME, stride 1


convolve_with_chwn_input.defvjp(_convolve_with_chwn_input_forward, _convolve_with_chwn_input_backward)


class Conv(nn.Module):
    """``nn.Conv(features, kernel_size, padding=...)`` for ``[batch, height, width, channels]`` inputs.

    Same parameter names, shapes and initialisers as ``nn.Conv`` (``kernel``
    ``[kh, kw, in, features]``, LeCun normal; ``bias`` ``[features]``, zeros), so checkpoints
    and ``nn.Conv`` are interchangeable, and the same outputs up to rounding; only gradients
    are computed differently, each to suit XLA:CPU. Stride 1, no dilation;
    ``padding`` is ``"SAME"`` or ``"VALID"``.

    - The bias gradient is a matrix product (see ``add_channel_bias``).
    - ``pool`` (e.g. ``max_pool_2x2``) is applied to the convolution before the bias is added,
      so the bias, and its gradient, touch the pooled array instead of the 4x larger full one.
      That is ``pool(conv(x) + bias)`` exactly for max pooling (adding a constant commutes with
      the maximum, and rounding preserves order), up to rounding for average pooling.
    - ``input_chwn``: the input again, laid out ``[in, height, width, batch]``, from which the
      kernel gradient is computed (see ``convolve_with_chwn_input``); ``channels_major`` of
      the layer before makes it cheaply when that layer reads the image.
    """

    features: int
    kernel_size: tuple[int, int] = (3, 3)
    padding: str = "SAME"
    dtype: Any = None
    pool: Callable[[jax.Array], jax.Array] | None = None

    @nn.compact
    def __call__(self, x: jax.Array, input_chwn: jax.Array | None = None) -> jax.Array:
        if self.padding not in ("SAME", "VALID"):
            raise ValueError(f"Conv: expected padding 'SAME' or 'VALID', got {self.padding!r}")
        kernel = self.param(
            "kernel", nn.initializers.lecun_normal(), (*self.kernel_size, x.shape[-1], self.features), jnp.float32
        )
        bias = self.param("bias", nn.initializers.zeros_init(), (self.features,), jnp.float32)
        x, kernel, bias = nn.dtypes.promote_dtype(x, kernel, bias, dtype=self.dtype)
        if input_chwn is None:
            y = _convolve(x, kernel, self.padding)
        else:
            input_chwn = jax.lax.stop_gradient(input_chwn).astype(x.dtype)
            y = convolve_with_chwn_input(x, input_chwn, kernel, self.padding)
        if self.pool is not None:
            y = self.pool(y)
        return add_channel_bias(y, bias)

    def channels_major(self, x: jax.Array) -> jax.Array:
        """This layer's output (convolution + bias) laid out ``[features, height, width, batch]``.

        Computed from image patches, ``kernel^T @ patches``, so no activation is ever
        transposed; only ``x`` is, which is cheap when it has few channels (an image, against
        the layer's many feature maps). Call after
        ``__call__`` has created the parameters.
        """
        kernel, bias = self.get_variable("params", "kernel"), self.get_variable("params", "bias")
        if kernel is None:
            raise ValueError("Conv.channels_major: the layer has no parameters yet; call the layer itself first")
        x, kernel, bias = nn.dtypes.promote_dtype(x, kernel, bias, dtype=self.dtype)
        kh, kw, channels, features = kernel.shape
        image = jnp.transpose(x, (1, 2, 3, 0))  # [height, width, in, batch]
        if self.padding == "SAME":
            pads = _spatial_pads("SAME", (kh, kw))
            image = jnp.pad(image, (*pads, (0, 0), (0, 0)))
        height, width = image.shape[0] - kh + 1, image.shape[1] - kw + 1
        patches = jnp.stack([image[i : i + height, j : j + width] for i in range(kh) for j in range(kw)])
        patches = jnp.moveaxis(patches, 3, 1).reshape(kh * kw * channels, height, width, x.shape[0])
        y = jax.lax.dot_general(kernel.reshape(kh * kw * channels, features), patches, (((0,), (0,)), ((), ())))
        return y + bias[:, None, None, None]
