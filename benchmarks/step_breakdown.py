"""Where SimpleCNN's train step spends its time: jitted pieces timed apart, JAX and PyTorch.

Run: ``python -m benchmarks.step_breakdown [--batch-size 128]`` (add ``XLA_FLAGS=...`` to
compare flags). Medians over rounds after one warm-up call; the PyTorch half (needs the
``torch`` extra) runs in a child process of its own, for the reason ``jax_zoo.bench.timing`` gives.
docs/performance.md lists what it found.
"""

import argparse
import functools
import multiprocessing
import statistics
import time
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jax_zoo.models import SimpleCNN
from jax_zoo.models.xla_cpu import max_pool_2x2

CONV_DIMENSIONS = ("NHWC", "HWIO", "NHWC")


def median_milliseconds(run: Callable[[], object], calls: int = 20, rounds: int = 5) -> float:
    jax.block_until_ready(run())
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            out = run()
        jax.block_until_ready(out)
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times) * 1e3


def jax_breakdown(batch_size: int, calls: int = 20) -> dict[str, float]:
    rng = np.random.default_rng(0)
    images = jnp.asarray(rng.uniform(size=(batch_size, 28, 28, 1)).astype(np.float32))
    labels = jnp.asarray(rng.integers(0, 10, batch_size).astype(np.int32))
    model = SimpleCNN()
    params = model.init(jax.random.key(0), images)["params"]
    optimizer = optax.adam(1e-3)
    opt_state = optimizer.init(params)

    # Every array is an argument: closed-over constants could be folded away at compile time.
    def loss(p, x, y):
        return optax.softmax_cross_entropy_with_integer_labels(model.apply({"params": p}, x), y).mean()

    @jax.jit
    def step(p, s, x, y):
        updates, s = optimizer.update(jax.grad(loss)(p, x, y), s, p)
        return optax.apply_updates(p, updates), s

    forward = jax.jit(lambda p, x: model.apply({"params": p}, x))
    gradient = jax.jit(jax.grad(loss))
    update = jax.jit(optimizer.update)
    grads = gradient(params, images, labels)

    def conv(a, w):
        return jax.lax.conv_general_dilated(a, w, (1, 1), "VALID", dimension_numbers=CONV_DIMENSIONS)

    conv1 = jax.jit(conv)
    conv1_kernel = jnp.ones((3, 3, 1, 32))
    weight_gradient = jax.jit(jax.grad(lambda w, a: conv(a, w).sum()))
    input_gradient = jax.jit(jax.grad(lambda a, w: conv(a, w).sum()))
    fc1 = jax.jit(lambda h, k: h @ k)
    fc1_input, fc1_kernel = jnp.ones((batch_size, 9216)), jnp.ones((9216, 128))
    conv2_input = jnp.ones((batch_size, 26, 26, 32))
    conv2_kernel = jnp.ones((3, 3, 32, 64))
    conv2 = jax.jit(conv)
    pooled = jnp.ones((batch_size, 24, 24, 64))
    pool_backward = jax.jit(jax.grad(lambda h: max_pool_2x2(h).sum()))
    dropout_mask = jax.jit(lambda key: jax.random.bernoulli(key, 0.75, (batch_size, 12, 12, 64)))
    time_it = functools.partial(median_milliseconds, calls=calls)
    return {
        "forward": time_it(lambda: forward(params, images)),
        "forward_backward": time_it(lambda: gradient(params, images, labels)),
        "adam_update": time_it(lambda: update(grads, opt_state, params)),
        "whole_step": time_it(lambda: step(params, opt_state, images, labels)),
        "conv1_forward": time_it(lambda: conv1(images, conv1_kernel)),
        "conv1_weight_gradient": time_it(lambda: weight_gradient(conv1_kernel, images)),
        "conv2_forward": time_it(lambda: conv2(conv2_input, conv2_kernel)),
        "conv2_weight_gradient": time_it(lambda: weight_gradient(conv2_kernel, conv2_input)),
        "conv2_input_gradient": time_it(lambda: input_gradient(conv2_input, conv2_kernel)),
        "fc1_forward": time_it(lambda: fc1(fc1_input, fc1_kernel)),
        "max_pool_backward": time_it(lambda: pool_backward(pooled)),
        "dropout_mask_pooled_features": time_it(lambda: dropout_mask(jax.random.key(1))),
    }


def torch_breakdown(batch_size: int, calls: int = 20) -> dict[str, float]:
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)
    images, labels = torch.rand(batch_size, 1, 28, 28), torch.randint(0, 10, (batch_size,))
    layers = [torch.nn.Conv2d(1, 32, 3), torch.nn.Conv2d(32, 64, 3), torch.nn.Linear(9216, 128), torch.nn.Linear(128, 10)]
    conv1, conv2, fc1, fc2 = layers
    params = [p for layer in layers for p in layer.parameters()]
    optimizer = torch.optim.Adam(params, 1e-3)

    def forward():
        return fc2(F.relu(fc1(torch.flatten(F.max_pool2d(conv2(F.relu(conv1(images))), 2), 1))))

    def no_grad_forward():
        with torch.no_grad():
            return forward()

    def forward_backward():
        for p in params:
            p.grad = None
        F.cross_entropy(forward(), labels).backward()

    def step():
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(forward(), labels).backward()
        optimizer.step()

    a = torch.ones(batch_size, 32, 26, 26, requires_grad=True)
    w = torch.ones(64, 32, 3, 3, requires_grad=True)
    time_it = functools.partial(median_milliseconds, calls=calls)
    return {
        "forward": time_it(no_grad_forward),
        "forward_backward": time_it(forward_backward),
        "whole_step": time_it(step),
        "conv2_forward_and_both_gradients": time_it(lambda: F.conv2d(a, w).sum().backward()),
    }


def _torch_child(connection, batch_size: int, calls: int) -> None:
    connection.send(torch_breakdown(batch_size, calls))


def torch_breakdown_in_child(batch_size: int, calls: int = 20) -> dict[str, float] | None:
    """``torch_breakdown`` in a spawned process; ``None`` without torch."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return None
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_torch_child, args=(child, batch_size, calls), daemon=True)
    process.start()
    result = parent.recv()
    process.join(timeout=30)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.step_breakdown", description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--calls", type=int, default=20, help="calls per timed round")
    args = parser.parse_args(argv)
    for name, timings in (("jax", jax_breakdown(args.batch_size, args.calls)),
                          ("torch", torch_breakdown_in_child(args.batch_size, args.calls))):
        if timings is None:
            print(f"{name}: not installed")
            continue
        print(f"{name} (ms per call, batch {args.batch_size}):")
        for piece, milliseconds in timings.items():
            print(f"  {piece:32s} {milliseconds:8.2f}")


if __name__ == "__main__":
    main()
