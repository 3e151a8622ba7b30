"""Every claim of the three papers, one record each (see :class:`cdnotes.claims.core.Claim`).

Two tables, kept apart on purpose:

* :data:`SECTIONS` — where the book measures something: a key -> (chapter page, heading anchor,
  words for the link). It is the ONE place to retarget links (e.g. to a label a chapter adds).
* :data:`CLAIMS` — the claims (written in :mod:`cdnotes.claims.cd_paper` and
  :mod:`cdnotes.claims.other_papers`), each with its verbatim quote, the key of its section,
  and either a ``check`` (a function of :mod:`cdnotes.claims.checks` that computes the
  verdict) or a ``verdict`` with its ``reason`` (not testable here, or stated in a chapter's
  prose).
"""
from __future__ import annotations

from .cd_paper import CD_CLAIMS
from .core import NT  # noqa: F401  (was defined here)
from .other_papers import OTHER_CLAIMS

SECTIONS = {
    # key: (page stem, anchor id on that page, what the link says); the anchors are the chapters'
    # MyST labels ``(chN-name)=`` (stable under heading edits); the book test checks every one.
    "ch1-diag": ("01_circulant_dft", "ch1-diagonalise", "ch. 1, why the DFT diagonalises"),
    "ch1-convention": ("01_circulant_dft", "ch1-convention", "ch. 1, the convention"),
    "ch2-params": ("02_cdlinear", "ch2-parameters", "ch. 2, parameter counts"),
    "ch2-construction": ("02_cdlinear", "ch2-construction", "ch. 2, construction"),
    "ch2-forward": ("02_cdlinear", "ch2-forward", "ch. 2, forward pass"),
    "ch2-backward": ("02_cdlinear", "ch2-backward", "ch. 2, backward passes"),
    "ch2-fd": ("02_cdlinear", "ch2-gradcheck", "ch. 2, finite differences"),
    "ch3-explicit": ("03_theorem1", "ch3-explicit", "ch. 3, the explicit Hessian"),
    "ch3-exact": ("03_theorem1", "ch3-exact-spectrum", "ch. 3, the exact spectrum"),
    "ch3-where": ("03_theorem1", "ch3-exact-case", "ch. 3, where it is exact"),
    "ch3-cost": ("03_theorem1", "ch3-cost", "ch. 3, what it costs"),
    "ch4-whitening": ("04_theorem2", "ch4-whitening", "ch. 4, which whitening"),
    "ch4-finite": ("04_theorem2", "ch4-finite-samples", "ch. 4, finite samples"),
    "ch4-fair": ("04_theorem2", "ch4-dense", "ch. 4, a fair comparison"),
    "ch5-table1": ("05_digits", "ch5-table1", "ch. 5, Table 1"),
    "ch5-seeds": ("05_digits", "ch5-twenty-seeds", "ch. 5, twenty seeds"),
    "ch5-baselines": ("05_digits", "ch5-baselines", "ch. 5, baselines"),
    "ch5-fig1": ("05_digits", "ch5-figure1", "ch. 5, Figure 1"),
    "ch5-early": ("05_digits", "ch5-early-epochs", "ch. 5, the early epochs"),
    "ch5-fig2": ("05_digits", "ch5-figure2", "ch. 5, Figure 2"),
    "ch5-kappa": ("05_digits", "ch5-kappa", "ch. 5, which κ"),
    "ch5-depth": ("05_digits", "ch5-depth", "ch. 5, depth"),
    "ch5-time": ("05_digits", "ch5-time", "ch. 5, time per epoch"),
    "ch6-dropout": ("06_regularizers", "ch6-dropout", "ch. 6, Shannon dropout"),
    "ch6-fisher": ("06_regularizers", "ch6-fisher", "ch. 6, the Fisher penalty"),
    "ch6-parseval": ("06_regularizers", "ch6-parseval", "ch. 6, Parseval"),
    "ch6-eq8": ("06_regularizers", "ch6-eq8", "ch. 6, Eq. 8"),
    "ch7-cpu": ("07_performance", "ch7-cpu-block-size", "ch. 7, CPU time"),
    "ch7-small-ffts": ("07_performance", "ch7-small-ffts", "ch. 7, why small FFTs lose"),
    "ch7-gpu": ("07_performance", "ch7-gpu", "ch. 7, on a GPU"),
    "ch7-digits": ("07_performance", "ch7-digits-epoch", "ch. 7, training on digits"),
    "ch8-paper-kappa": ("08_network_hessian", "ch8-paper-kappa", "ch. 8, the paper's κ"),
    "ch8-ceiling": ("08_network_hessian", "ch8-ceiling", "ch. 8, the ceiling"),
    "ch8-verdict": ("08_network_hessian", "ch8-verdict", "ch. 8, verdict"),
    "ch8-whitened": ("08_network_hessian", "ch8-whitened", "ch. 8, whitened inputs"),
    "ch9-operator": ("09_spectral_training", "ch9-operator", "ch. 9, the operator"),
    "ch9-retraction": ("09_spectral_training", "ch9-retraction", "ch. 9, retraction"),
    "ch9-regimes": ("09_spectral_training", "ch9-regimes", "ch. 9, the four regimes"),
    "ch9-input-eigenvalues": ("09_spectral_training", "ch9-input-eigenvalues",
                              "ch. 9, input eigenvalues"),
    "ch9-compact-form": ("09_spectral_training", "ch9-compact-form", "ch. 9, the (2I + Φ)⁻¹ form"),
    "ch9-overfitting": ("09_spectral_training", "ch9-overfitting", "ch. 9, overfitting"),
    "ch9-weights": ("09_spectral_training", "ch9-weights", "ch. 9, weight distributions"),
    "ch9-holds": ("09_spectral_training", "ch9-summary", "ch. 9, what holds"),
    "ch10-express": ("10_structured", "ch10-expressivity", "ch. 10, structures"),
    "ch10-accuracy": ("10_structured", "ch10-accuracy", "ch. 10, accuracy"),
    "ch10-speed": ("10_structured", "ch10-speed", "ch. 10, speed"),
    "ch10-conditioning": ("10_structured", "ch10-conditioning", "ch. 10, conditioning"),
    "ch10-verdict": ("10_structured", "ch10-verdict", "ch. 10, verdict"),
    "ch11-verdict": ("11_conditioning_training", "ch11-verdict", "ch. 11, verdict"),
    "ch12-block": ("12_shfin", "ch12-block", "ch. 12, the block"),
    "ch12-mnist1d": ("12_shfin", "ch12-mnist1d", "ch. 12, MNIST-1D"),
    "ch12-ablations": ("12_shfin", "ch12-ablations", "ch. 12, ablations"),
    "ch12-longer": ("12_shfin", "ch12-longer", "ch. 12, 30 epochs"),
    "ch12-masks": ("12_shfin", "ch12-mask", "ch. 12, learned masks"),
    "ch12-cost": ("12_shfin", "ch12-cost", "ch. 12, cost"),
    "ch12-verdict": ("12_shfin", "ch12-verdict", "ch. 12, verdict"),
    "ch13-layers": ("13_cd_architectures", "ch13-layers", "ch. 13, the layers"),
    "ch13-conv": ("13_cd_architectures", "ch13-conv-interpretation",
                  "ch. 13, CDLinear as a convolution"),
    "ch13-fair": ("13_cd_architectures", "ch13-fair", "ch. 13, fair comparison"),
    "ch13-shfin": ("13_cd_architectures", "ch13-shfin", "ch. 13, SHFIN restated"),
    "ch13-curvature": ("13_cd_architectures", "ch13-curvature", "ch. 13, curvature"),
    "here-measured": ("claims", "measured-on-this-page", "this page, measured here"),
    "here-untestable": ("claims", "what-this-book-cannot-test", "this page, not testable"),
}


CLAIMS = CD_CLAIMS + OTHER_CLAIMS
