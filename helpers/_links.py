"""Link functions for binomial fits: theta = F(eta), evaluated stably in log space.

Each link gives, per row, log F(eta) and log(1 - F(eta)) with their first and
second derivatives in eta. The fit needs nothing else: the log-likelihood, the
score, the observed information and the expected information follow from them.
"""

from typing import NamedTuple

import numpy as np
from scipy.special import expit


class LinkTerms(NamedTuple):
    """log F, log(1 - F) and their derivatives in eta, each with the shape of eta."""

    theta: np.ndarray
    log_theta: np.ndarray
    log_one_minus_theta: np.ndarray
    d_log_theta: np.ndarray
    d_log_one_minus_theta: np.ndarray
    d2_log_theta: np.ndarray
    d2_log_one_minus_theta: np.ndarray


def _logit_terms(eta):
    theta = expit(eta)
    variance = theta * expit(-eta)
    return LinkTerms(
        theta=theta,
        log_theta=-np.logaddexp(0.0, -eta),
        log_one_minus_theta=-np.logaddexp(0.0, eta),
        d_log_theta=expit(-eta),
        d_log_one_minus_theta=-theta,
        d2_log_theta=-variance,
        d2_log_one_minus_theta=-variance,
    )


def _cloglog_terms(eta):
    # theta = 1 - exp(-u) with u = e^eta, so log(1 - theta) = -u exactly. Clipping
    # eta to [-700, 700] keeps u and expm1(u) finite and non-zero, as the ratios
    # below need, and changes theta only where it is within 1e-304 of 0 or 1.
    u = np.exp(np.clip(eta, -700.0, 700.0))
    with np.errstate(over="ignore"):
        d_log_theta = u / np.expm1(u)
        d2_log_theta = d_log_theta * (1.0 - u / -np.expm1(-u))
    return LinkTerms(
        theta=-np.expm1(-u),
        log_theta=np.log(-np.expm1(-u)),
        log_one_minus_theta=-u,
        d_log_theta=d_log_theta,
        d_log_one_minus_theta=-u,
        d2_log_theta=d2_log_theta,
        d2_log_one_minus_theta=-u,
    )


def _loglog_terms(eta):
    # The mirror image of cloglog: F_loglog(eta) = 1 - F_cloglog(-eta).
    mirror = _cloglog_terms(-eta)
    return LinkTerms(
        theta=1.0 - mirror.theta,
        log_theta=mirror.log_one_minus_theta,
        log_one_minus_theta=mirror.log_theta,
        d_log_theta=-mirror.d_log_one_minus_theta,
        d_log_one_minus_theta=-mirror.d_log_theta,
        d2_log_theta=mirror.d2_log_one_minus_theta,
        d2_log_one_minus_theta=mirror.d2_log_theta,
    )


# The function that returns the `LinkTerms` of each supported link, by name.
LINKS = {
    "logit": _logit_terms,  # theta = 1 / (1 + exp(-eta))
    "cloglog": _cloglog_terms,  # theta = 1 - exp(-exp(eta))
    "loglog": _loglog_terms,  # theta = exp(-exp(-eta))
}


def link_terms(link, eta):
    """Return the `LinkTerms` of the named link at eta (float64 array)."""
    return LINKS[link](np.asarray(eta, dtype=np.float64))


def check_link(link):
    """Return link unchanged, or raise ValueError unless it names a supported link."""
    if link not in LINKS:
        raise ValueError(f"link must be one of {sorted(LINKS)}, got link={link!r}.")
    return link
