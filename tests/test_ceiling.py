"""cdnotes.ceiling: a κ measured above a cutoff, and when it sits at the cutoff's ceiling."""
import math

import numpy as np
import pytest

from cdnotes.ceiling import at_ceiling, censored_median, ceiling
from cdnotes.conditioning import condition_number


def test_the_ceiling_is_one_over_the_cutoff_and_kappa_never_passes_it():
    assert ceiling(1e-10) == pytest.approx(1e10)
    rng = np.random.default_rng(0)
    # a continuum of eigenvalues down to 1e-14 of the largest: κ is set by where the cut falls
    ev = np.logspace(0, -14, 200)
    for cutoff in (1e-6, 1e-8, 1e-10):
        kappa = condition_number(ev, rtol=cutoff).kappa_nonzero
        assert kappa <= ceiling(cutoff)
        assert at_ceiling(kappa, cutoff)                 # it measures 1 / cutoff
    # a spectrum with a clear gap above the cutoff: κ is the matrix's, not the cutoff's
    gapped = np.concatenate([np.logspace(0, -4, 50), np.zeros(10) + 1e-16 * rng.random(10)])
    kappa = condition_number(gapped, rtol=1e-10).kappa_nonzero
    assert kappa == pytest.approx(1e4) and not at_ceiling(kappa, 1e-10)


def test_at_ceiling_by_the_slow_definition():
    # the smallest eigenvalue counted, λmax / κ, within `factor` of the cut cutoff · λmax
    for kappa in [1.0, 1e3, 9.9e7, 1.01e8, 9.99e8, 1.01e9, 5e9, 1e10, math.inf]:
        for factor in (1.0, 10.0, 100.0):
            smallest_counted = 1.0 / kappa                      # with λmax = 1
            slow = smallest_counted <= factor * 1e-10
            assert at_ceiling(kappa, 1e-10, factor) == slow, (kappa, factor)
    flags = at_ceiling([1e3, 2e9, 1e10], 1e-10)
    assert flags.tolist() == [False, True, True]
    assert isinstance(at_ceiling(1e3, 1e-10), bool)
    with pytest.raises(ValueError, match="NaN"):
        at_ceiling([1.0, math.nan], 1e-10)
    with pytest.raises(ValueError):
        at_ceiling(1.0, 0.0)
    with pytest.raises(ValueError):
        at_ceiling(1.0, 1e-10, factor=0.5)


def test_censored_median_is_known_only_while_fewer_than_half_are_at_the_ceiling():
    below = [1e3, 2e3, 3e3, 4e3, 5e3, 6e3]
    for n_top in range(0, 7):
        values = below[:6 - n_top] + [5e9] * n_top
        median, counted = censored_median(values, 1e-10)
        assert counted == n_top
        if n_top < 3:                       # the two middle values are both below the ceiling
            assert median == pytest.approx(np.median(values))
        else:
            assert median is None
    # odd size: the middle one decides
    assert censored_median([1.0, 2.0, 5e9], 1e-10) == (2.0, 1)
    assert censored_median([1.0, 5e9, 6e9], 1e-10) == (None, 2)
    with pytest.raises(ValueError):
        censored_median([], 1e-10)
