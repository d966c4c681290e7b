"""Build THRML Ising chains and the net bias of the drive/constraint model."""

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np
from thrml.block_management import Block
from thrml.models.ising import IsingEBM, IsingSamplingProgram
from thrml.pgm import SpinNode

from helpers._checks import check_chain_length

# The reference system of the collection: 16 spins in an open chain with a weak
# ferromagnetic coupling J = 0.02 / K, at which sigma(2 beta b) is within 5e-4 of exact.
K_REFERENCE = 16
J_REFERENCE = 0.02 / K_REFERENCE


class Chain(NamedTuple):
    """An open Ising chain in THRML with its two-colour blocking.

    **Fields:**

    - `model`: the `IsingEBM` with K biases and K - 1 nearest-neighbour couplings.
    - `program`: the `IsingSamplingProgram` that updates even sites, then odd sites.
    - `nodes`: the K `SpinNode`s in chain order.
    - `free_blocks`: `[even sites, odd sites]`. Sites of one colour share no edge,
      so each block is sampled in parallel, exactly.
    """

    model: IsingEBM
    program: IsingSamplingProgram
    nodes: list
    free_blocks: list


def build_chain(b, J, K, beta=1.0):
    """Build an open chain of K spins with bias b and coupling J in THRML.

    Works on concrete numbers and inside `jax.jit` or `jax.vmap` on traced ones,
    so one traced build serves every condition of a batched call.

    **Arguments:**

    - `b`: bias per spin, dimensionless (energy in units of 1/beta); a scalar or shape (K,).
    - `J`: nearest-neighbour coupling; a scalar or shape (K - 1,). J > 0 favours alignment.
    - `K`: number of spins, at least 2.
    - `beta`: inverse temperature.

    **Returns:** a `Chain`.
    """
    K = check_chain_length(K)
    nodes = [SpinNode() for _ in range(K)]
    edges = list(zip(nodes[:-1], nodes[1:]))
    biases = jnp.broadcast_to(jnp.asarray(b, dtype=jnp.float32), (K,))
    weights = jnp.broadcast_to(jnp.asarray(J, dtype=jnp.float32), (K - 1,))
    model = IsingEBM(nodes, edges, biases, weights, jnp.asarray(beta, dtype=jnp.float32))
    free_blocks = [Block(nodes[0::2]), Block(nodes[1::2])]
    program = IsingSamplingProgram(model, free_blocks, clamped_blocks=[])
    return Chain(model, program, nodes, free_blocks)


def net_bias(b_alpha, b_gamma, c):
    """Return the net bias b = b_alpha - c * b_gamma in float64, broadcast over arrays.

    b_alpha is the drive (pushes spins to +1), b_gamma the constraint (pushes them
    to -1 when positive) and c in [0, 1] the constraint strength.
    """
    return np.asarray(b_alpha, dtype=np.float64) - np.asarray(c, dtype=np.float64) * np.asarray(
        b_gamma, dtype=np.float64
    )
