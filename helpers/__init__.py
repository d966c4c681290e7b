"""Helpers shared by the notebooks: model building, exact values, sampling, fitting, data.

Sign convention everywhere: THRML's Ising energy is
E(s) = -beta * (sum_i b_i s_i + sum_<ij> J_ij s_i s_j) with s_i in {-1, +1},
stored as booleans (True = +1). A positive bias b favours +1 and a positive
coupling J favours aligned neighbours. theta is the mean fraction of +1 spins.
"""

from helpers.chain_fit import (
    LEARNING_SCHEDULE,
    ChainFit,
    chain_fisher_information,
    fit_chain,
    nn_correlation_bounds,
)
from helpers.data import DATA_DIR, ConditionTable, load_conditions, load_reference_targets
from helpers.exact import brute_force_theta, exact_moments, exact_theta
from helpers.fitting import BinomialFit, MeanFieldFit, fit_binomial, fit_mean_field
from helpers.meanfield import mean_field_theta, uncoupled_theta
from helpers.model import J_REFERENCE, K_REFERENCE, build_chain, net_bias
from helpers.plotting import plot_with_band, save_figure
from helpers.sampling import REFERENCE_SCHEDULE, sample_configurations, sample_theta
from helpers.versions import print_versions

__all__ = [
    "DATA_DIR",
    "J_REFERENCE",
    "K_REFERENCE",
    "LEARNING_SCHEDULE",
    "REFERENCE_SCHEDULE",
    "BinomialFit",
    "ChainFit",
    "ConditionTable",
    "MeanFieldFit",
    "brute_force_theta",
    "build_chain",
    "chain_fisher_information",
    "exact_moments",
    "exact_theta",
    "fit_binomial",
    "fit_chain",
    "fit_mean_field",
    "load_conditions",
    "load_reference_targets",
    "mean_field_theta",
    "net_bias",
    "nn_correlation_bounds",
    "plot_with_band",
    "print_versions",
    "sample_configurations",
    "sample_theta",
    "save_figure",
    "uncoupled_theta",
]
