"""Renamed :mod:`cdnotes.layer_hessian.explicit`;
``cdnotes.hessian.explicit`` re-exports its names.
"""
from __future__ import annotations

from ..layer_hessian.explicit import (cdlinear_jacobian, cdlinear_hessian, dense_hessian)

__all__ = ["cdlinear_jacobian", "cdlinear_hessian", "dense_hessian"]
