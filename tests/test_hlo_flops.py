import jax
import jax.numpy as jnp
import pytest

from jax_zoo.bench.hlo_flops import MatmulFlops, matmul_flops


def compiled_text(function, *args) -> str:
    return jax.jit(function).lower(*args).compile().as_text()


def test_a_scan_counts_its_product_once_per_step():
    h, w = jnp.ones((4, 16)), jnp.ones((16, 32))

    def recurrent(h, w):
        return jax.lax.scan(lambda h, _: (jnp.tanh(h @ w)[:, :16], None), h, None, length=100)[0]

    flops = 100 * 2 * 4 * 16 * 32
    assert matmul_flops(compiled_text(recurrent, h, w)) == MatmulFlops(total=flops, in_loops=flops, exact=True)


def test_products_and_convolutions_count_output_times_contraction():
    a, b = jnp.ones((8, 24)), jnp.ones((24, 40))
    assert matmul_flops(compiled_text(jnp.matmul, a, b)) == MatmulFlops(2 * 8 * 40 * 24, 0, True)
    images, kernel = jnp.ones((2, 10, 10, 3)), jnp.ones((3, 3, 3, 5))

    def conv(x, k):
        return jax.lax.conv_general_dilated(x, k, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"))

    assert matmul_flops(compiled_text(conv, images, kernel)).total == 2 * (2 * 8 * 8 * 5) * (3 * 3 * 3)


def test_elementwise_work_and_loops_without_products_count_nothing():
    x = jnp.ones((64, 64))
    assert matmul_flops(compiled_text(lambda x: jax.lax.fori_loop(0, 9, lambda i, x: jnp.sin(x) * i, x), x)) == MatmulFlops(0, 0, True)


def test_text_that_is_not_a_module_is_refused():
    with pytest.raises(ValueError, match="expected an HLO module with an ENTRY computation"):
        matmul_flops("not hlo")
