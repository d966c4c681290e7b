import numpy as np
import pytest

from helpers import build_chain, net_bias


def test_build_chain_sizes_and_parameters():
    chain = build_chain(0.3, -0.2, 5, beta=2.0)
    assert len(chain.nodes) == 5
    assert len(chain.model.edges) == 4
    np.testing.assert_allclose(chain.model.biases, np.full(5, 0.3))
    np.testing.assert_allclose(chain.model.weights, np.full(4, -0.2))
    assert float(chain.model.beta) == 2.0


def test_build_chain_blocks_do_not_share_edges():
    chain = build_chain(0.0, 1.0, 7)
    even, odd = (set(block.nodes) for block in chain.free_blocks)
    assert len(even) == 4
    assert len(odd) == 3
    for left, right in chain.model.edges:
        assert (left in even) != (right in even)


def test_build_chain_rejects_short_chain():
    with pytest.raises(ValueError, match="K must be at least 2"):
        build_chain(0.0, 0.0, 1)


def test_net_bias_broadcasts():
    c = np.array([0.0, 0.5, 1.0])
    np.testing.assert_allclose(net_bias(0.7, 2.5, c), [0.7, -0.55, -1.8])
