"""FLOPs of the matrix products and convolutions in an optimized HLO module, loops included.

XLA's cost analysis counts a while loop's body once, whatever its trip count, so for a step with
a ``lax.scan`` over time (an RNN) it misses almost all of the work. Here every ``dot`` and
``convolution`` is counted (2 x output elements x contraction length), inside fusions and calls
too, and a loop body is counted as many times as XLA's ``known_trip_count`` says. Elementwise
work is left out: for the networks here it is a small share of the FLOPs.
"""

import dataclasses
import math
import re

_HEADER = re.compile(r"^(?:ENTRY )?%?([\w.\-]+) \(")
_INSTRUCTION = re.compile(r"^\s*(?:ROOT )?%?([\w.\-]+) = (\w+)\[([\d,]*)\]\S* ([\w\-]+)\((.*)$")
_OPERAND = re.compile(r"%([\w.\-]+)")


def _split_computations(hlo: str) -> dict[str, list[str]]:
    computations: dict[str, list[str]] = {}
    name = None
    for line in hlo.splitlines():
        header = _HEADER.match(line)
        if header and not line.startswith(" "):
            name = header.group(1)
            computations[name] = []
        elif name is not None:
            computations[name].append(line)
    return computations


def _dims(text: str) -> list[int]:
    return [int(size) for size in text.split(",") if size]


def _operands(arguments: str) -> list[str]:
    depth, end = 1, 0
    for end, character in enumerate(arguments):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0:
            break
    return _OPERAND.findall(arguments[:end])


def _own_flops(opcode: str, output: list[int], operands: list[list[int]], rest: str) -> float:
    if opcode == "dot":
        contracting = re.search(r"lhs_contracting_dims=\{([\d,]*)\}", rest)
        length = math.prod(operands[0][int(d)] for d in _dims(contracting.group(1))) if contracting else 1
        return 2.0 * math.prod(output) * length
    if opcode == "convolution":
        labels = re.search(r"dim_labels=\w+_(\w+)->", rest)
        kernel, kernel_labels = operands[1], labels.group(1) if labels else ""
        window = math.prod(size for size, label in zip(kernel, kernel_labels) if label.isdigit() or label == "i")
        return 2.0 * math.prod(output) * window
    return 0.0


@dataclasses.dataclass(frozen=True)
class MatmulFlops:
    """``total`` FLOPs of products and convolutions, ``in_loops`` of them inside while loops;
    ``exact`` is False when a loop holding products had no known trip count (counted once)."""

    total: float
    in_loops: float
    exact: bool


def matmul_flops(hlo: str) -> MatmulFlops:
    """Counts the products and convolutions of an optimized HLO module (``compiled.as_text()``)."""
    computations = _split_computations(hlo)
    entry = next((line for line in hlo.splitlines() if line.startswith("ENTRY")), None)
    if entry is None:
        raise ValueError("matmul_flops: expected an HLO module with an ENTRY computation")
    memo: dict[str, float] = {}
    exact = True

    def flops(name: str) -> float:
        if name in memo:
            return memo[name]
        memo[name] = 0.0  # guards against recursion
        shapes: dict[str, list[int]] = {}
        total = 0.0
        for line in computations.get(name, []):
            match = _INSTRUCTION.match(line)
            if not match:
                continue
            result, _, dims, opcode, rest = match.groups()
            shapes[result] = _dims(dims)
            operands = [shapes.get(operand, []) for operand in _operands(rest)]
            if opcode in ("dot", "convolution") and all(operands[:2]):
                total += _own_flops(opcode, shapes[result], operands, rest)
            for callee in re.findall(r"(?:calls|to_apply)=%([\w.\-]+)", rest):
                total += flops(callee)
        memo[name] = total
        return total

    def with_loops(name: str, seen: set[str]) -> float:
        # While loops carry tuples, which _INSTRUCTION skips: find them by their body.
        nonlocal exact
        total = 0.0
        for line in computations.get(name, []):
            body = re.search(r" while\(.*?body=%([\w.\-]+)", line)
            if body and body.group(1) not in seen:
                trips = re.search(r'"known_trip_count":\{"n":"(\d+)"\}', line)
                inner = flops(body.group(1)) + with_loops(body.group(1), seen | {body.group(1)})
                if inner and not trips:
                    exact = False
                total += inner * (int(trips.group(1)) if trips else 1)
            for callee in re.findall(r"(?:calls|to_apply)=%([\w.\-]+)", line):
                if callee not in seen:
                    total += with_loops(callee, seen | {callee})
        return total

    name = _HEADER.match(entry).group(1)
    in_loops = with_loops(name, {name})
    return MatmulFlops(total=flops(name) + in_loops, in_loops=in_loops, exact=exact)
