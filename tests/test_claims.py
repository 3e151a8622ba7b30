"""The claims table (cdnotes.claims): verbatim quotes, a verdict for every claim from a check or a
stated reason, and links that resolve in the built book."""
import json
import os
import re
from pathlib import Path

import pytest

from cdnotes.claims import (CLAIMS, PAPERS, SECTIONS, VERDICTS, Verdict, claim, counts, evaluate,
                            href, sentence, table)
from cdnotes.claims.core import CHECKS, Claim
from cdnotes.claims.quotes import find_quote, normalise_paper, quote_pattern

ROOT = Path(__file__).resolve().parents[1]


def papers_dir():
    """The shared papers: $CDNOTES_PAPERS, or ../shared/papers beside the checkout."""
    candidates = [os.environ.get("CDNOTES_PAPERS"), ROOT.parent / "shared" / "papers",
                  ROOT.parent.parent / "shared" / "papers"]
    for c in candidates:
        if c and (Path(c) / "cd-neural-networks.txt").exists():
            return Path(c)
    return None


PAPERS_DIR = papers_dir()
needs_papers = pytest.mark.skipif(PAPERS_DIR is None, reason="the papers' texts are not here "
                                  "(set CDNOTES_PAPERS to the shared papers/ directory)")


@pytest.fixture(scope="module")
def paper_texts():
    return {k: (PAPERS_DIR / name).read_text(encoding="utf-8") for k, (_, name) in PAPERS.items()}


# ------------------------------------------------------------------ the quote matcher itself

PAPER_LIKE = ("The CD\\-MLPB=4B=4has Hessian condition numberκ=1\\.9×104\\\\kappa=1\\.9\\\\times "
              "10^\\{4\\},310×310\\\\timessmaller than the dense baseline")


def test_quote_matches_escaped_text_with_formulas():
    q = r"The CD-MLP $B=4$ has Hessian condition number $\kappa=1.9\times 10^{4}$, $310\times$ smaller"
    assert find_quote(q, PAPER_LIKE)


@pytest.mark.parametrize("wrong", [
    r"The CD-MLP $B=4$ has Hessian condition number $\kappa=1.8\times 10^{4}$",   # a number
    r"The CD-MLP $B=8$ has Hessian condition number",                              # a formula
    r"The CD-MLP $B=4$ has a Hessian condition number",                            # a word
    r"The CD-MLP has Hessian condition number",                                    # a formula left out
])
def test_quote_matcher_refuses_a_misquote(wrong):
    assert not find_quote(wrong, PAPER_LIKE)


def test_ellipsis_leaves_out_words_in_order_only():
    text = "alpha beta gamma delta"
    assert find_quote("alpha … delta", text)
    assert not find_quote("delta … alpha", text)
    with pytest.raises(ValueError):
        quote_pattern("alpha …  … delta")


def test_normalise_removes_markdown_escapes_and_collapses_space():
    assert normalise_paper("97\\.50\\\\%\n  and\t\\(x\\)") == "97.50\\% and (x)"


# ------------------------------------------------------------------ the data

def test_there_are_about_a_hundred_claims_from_every_paper():
    assert len(CLAIMS) >= 100
    assert {c.paper for c in CLAIMS} == set(PAPERS)
    assert all(sum(c.paper == p for c in CLAIMS) >= 8 for p in PAPERS)


def test_claim_ids_are_unique_and_found():
    ids = [c.id for c in CLAIMS]
    assert len(ids) == len(set(ids))
    assert claim(ids[0]) is CLAIMS[0]
    with pytest.raises(KeyError, match="no-such"):
        claim("no-such")


@pytest.mark.parametrize("c", CLAIMS, ids=lambda c: c.id)
def test_every_claim_has_a_check_or_a_reason_and_a_link(c):
    assert isinstance(c, Claim)
    assert c.paper in PAPERS and c.section and c.quote.strip()
    assert c.link in SECTIONS, f"{c.id}: link {c.link!r} is not in SECTIONS"
    assert c.quote.count("$") % 2 == 0, f"{c.id}: an unclosed $ in the quote"
    if c.check is not None:
        assert c.check in CHECKS, f"{c.id}: no check {c.check!r}"
        assert c.verdict is None and c.reason is None, f"{c.id}: a computed verdict is typed too"
    else:
        assert c.verdict in VERDICTS and c.reason and len(c.reason) > 30, c.id


@needs_papers
@pytest.mark.parametrize("c", CLAIMS, ids=lambda c: c.id)
def test_every_quote_is_verbatim_in_its_paper(c, paper_texts):
    assert find_quote(c.quote, paper_texts[c.paper]), (
        f"{c.id}: the quote is not in {PAPERS[c.paper][1]} (after whitespace normalisation): "
        f"{c.quote!r}")


def test_every_check_is_used():
    assert set(CHECKS) == {c.check for c in CLAIMS if c.check}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_check_returns_an_allowed_verdict_with_evidence(name):
    v = CHECKS[name]()
    assert isinstance(v, Verdict) and v.verdict in VERDICTS
    assert len(v.evidence) > 30
    assert not re.search(r"\b(nan|None)\b", v.evidence), v.evidence


def test_verdict_refuses_unknown_words_and_empty_evidence():
    with pytest.raises(ValueError):
        Verdict("true", "because")
    with pytest.raises(ValueError):
        Verdict("holds", " ")


def test_evaluate_uses_the_check_not_a_typed_verdict(monkeypatch):
    c = next(c for c in CLAIMS if c.check)
    evaluate.cache_clear()
    monkeypatch.setitem(CHECKS, c.check, lambda: Verdict("fails", "a stand-in check, to see it run"))
    try:
        assert evaluate(c.id) == Verdict("fails", "a stand-in check, to see it run")
    finally:
        evaluate.cache_clear()


def test_table_counts_and_sentence_agree():
    rows = table()
    assert len(rows) == len(CLAIMS)
    total = counts()
    assert sum(sum(v.values()) for v in total.values()) == len(CLAIMS)
    for verdict in VERDICTS:
        assert sum(t[verdict] for t in total.values()) == sum(r["verdict"] == verdict for r in rows)
    r = rows[0]
    assert sentence(r["id"]) == f"**{r['verdict']}** — {r['evidence']}"
    assert all(r["computed"] == (claim(r["id"]).check is not None) for r in rows)


# ------------------------------------------------------------------ checks against the obvious

def test_parameter_claims_against_a_direct_count():
    """The paper's digits models, counted by hand: 64·64 + 64 twice, then 64·10 + 10 (dense);
    the same weights divided by B with the last layer 12 or 16 wide (CD)."""
    dense = 2 * (64 * 64 + 64) + 64 * 10 + 10
    cd4 = 2 * (64 * 64 // 4 + 64) + 64 * 12 // 4 + 12
    cd8 = 2 * (64 * 64 // 8 + 64) + 64 * 16 // 8 + 16
    from cdnotes.claims.checks import paper_params
    assert paper_params() == {"dense": dense, "cd4": cd4, "cd8": cd8}
    assert evaluate("cd-sum-params").verdict == ("holds" if round(dense / cd4, 1) == 3.8 else "fails")


# ------------------------------------------------------------------ one number for one quantity
# Each check that a chapter measures must agree with that chapter's function on the same data;
# these tests recompute from the committed files (or run the chapter's own cells) and compare.

def _digits_twenty_text(v):
    return "chapter 5's twenty live seeds" in v.evidence


def test_saturation_is_chapter5s_on_its_committed_baselines():
    from cdnotes.experiments.verdicts import saturation_verdict
    from cdnotes.measurements import load_measurement
    d = load_measurement("digits_baselines")
    runs = {}
    for r in d["records"]:                       # the obvious twin of baseline_accuracies
        runs.setdefault(d["config"]["classifiers"][r["name"]], []).append(r["accuracy"])
    means = {k: sum(v) / len(v) for k, v in runs.items()}
    v = evaluate("cd-abs-saturates")
    assert v.evidence.startswith(saturation_verdict(means))
    near = sum(abs(m - 98) <= 1 for m in means.values())
    assert v.verdict == ("holds" if near == len(means) else "partly" if near else "fails")
    assert claim("cd-abs-saturates").link == "ch5-baselines"


def test_depth_verdict_is_chapter5s_gap_growth():
    import math
    import numpy as np
    from scipy import stats
    from cdnotes.measurements import load_measurement
    rec = load_measurement("depth_digits")["records"]
    k = {(r["model"], r["depth"], r["seed"]): math.log10(r["kappa_weights"]) for r in rec}
    depths = sorted({r["depth"] for r in rec})
    seeds = sorted({r["seed"] for r in rec})
    v = evaluate("cd-vii-depth")
    words = []
    for m in ("cd4", "cd8"):
        g = np.array([(k["dense", depths[-1], s] - k[m, depths[-1], s])
                      - (k["dense", depths[0], s] - k[m, depths[0], s]) for s in seeds])
        half = stats.t.ppf(0.975, len(g) - 1) * g.std(ddof=1) / np.sqrt(len(g))
        low, high = g.mean() - half, g.mean() + half
        assert f"a factor {10 ** g.mean():.2f}, 95 % CI {10 ** low:.2f} to {10 ** high:.2f}" \
            in v.evidence
        words.append("grows" if low > 0 else "shrinks" if high < 0 else "other")
    n = words.count("grows")
    assert v.verdict == ("holds" if n == 2 else "partly" if n else "fails")
    assert claim("cd-vii-depth").link == "ch5-depth"


def test_convergence_claims_use_chapter5s_depth2_runs_and_epoch_counts():
    import numpy as np
    from scipy import stats
    from cdnotes.claims.checks import convergence_runs
    from cdnotes.measurements import load_measurement
    rec = [r for r in load_measurement("depth_digits")["records"] if r["depth"] == 2]
    runs = convergence_runs()
    assert {r.n_params for r in runs} == {8970, 2380, 1296}          # the paper's models
    assert len({r.seed for r in runs}) == 10
    assert sorted(tuple(r.train_loss) for r in runs) == sorted(tuple(r["train_loss"])
                                                               for r in rec)
    loss = {(r["model"], r["seed"]): np.log10(r["train_loss"]) for r in rec}
    seeds = sorted({r["seed"] for r in rec})
    lower = {}
    for m in ("cd4", "cd8"):                     # dense − CD per epoch, t interval below 0
        d = np.array([loss["dense", s] - loss[m, s] for s in seeds])
        half = stats.t.ppf(0.975, len(seeds) - 1) * d.std(0, ddof=1) / np.sqrt(len(seeds))
        lower[m] = int(np.sum((d.mean(0) + half)[:10] < 0))
    v = evaluate("cd-vi-early-advantage")
    assert f"at {lower['cd4']} of epochs 1–10 against CD-B4 and at {lower['cd8']}" in v.evidence
    for cid in ("cd-vi-early-advantage", "cd-vi-epoch20", "cd-vi-converge-similar",
                "cd-vi-plateau"):
        assert claim(cid).link == "ch5-early"
        assert ("10 committed seeds (chapter 5's depth run, depth 2); chapter 5's early-epoch "
                "section trains 20 seeds live") in evaluate(cid).evidence


def test_parseval_is_chapter6s_check_on_the_training_digits():
    import numpy as np
    from cdnotes.claims.checks import sci
    from cdnotes.data import digits_split
    from cdnotes.seeds import seed
    X = digits_split(seed(0))[0]
    worst = 0.0
    for B in (4, 8):                             # the obvious twin: Σ|FFT|² / (B‖x‖²) − 1
        blocks = X.reshape(-1, B)
        sq = (blocks ** 2).sum(1)
        nz = sq > 0
        eta = (np.abs(np.fft.fft(blocks[nz], axis=1)) ** 2).sum(1)
        worst = max(worst, float(np.max(np.abs(eta - B * sq[nz]) / (B * sq[nz]))))
    zero4 = int(np.sum((X.reshape(-1, 4) ** 2).sum(1) == 0))
    v = evaluate("cd-iii-parseval")
    assert f"Σ_k η_k = B‖X_j‖² to {sci(worst)}" in v.evidence
    assert f"{zero4:,} zero blocks" in v.evidence
    assert claim("cd-iii-parseval").link == "ch6-parseval"


def test_eq8_is_chapter6s_cases_against_the_explicit_trace():
    from cdnotes.claims.checks import EQ8_EPS, chapter6_eq8
    from cdnotes.experiments.identities import eq8_trace, fisher_trace_dense
    from cdnotes.experiments.report import range_text
    import numpy as np
    from cdnotes.seeds import seed
    cases = chapter6_eq8()
    assert len(cases) == (4 + 6) * len(EQ8_EPS)
    rng = np.random.default_rng(seed(0))          # chapter 6's random blocks, redrawn
    first = 0.5 * rng.standard_normal((1, 1, 4))
    assert cases[0].eq8 == pytest.approx(eq8_trace(first, EQ8_EPS[0]))
    multi = [c for c in cases if not c.n_out_blocks == c.n_in_blocks == 1]
    # the exact trace of every case against the inverse of the explicit matrix
    rng = np.random.default_rng(seed(0))
    for (ko, ki), c in zip(((1, 1), (4, 1), (1, 4), (4, 4)), cases[::len(EQ8_EPS)]):
        C = 0.5 * rng.standard_normal((ko, ki, 4))
        assert c.exact == pytest.approx(fisher_trace_dense(C, c.eps), rel=1e-9)
    v = evaluate("cd-iv-eq8")
    assert range_text([c.ratio for c in multi], ".2g") in v.evidence
    assert claim("cd-iv-eq8").link == claim("cd-viii-fisher-exact").link == "ch6-eq8"


def test_kappa_medians_are_chapter8s_weights_reading():
    from cdnotes.claims.checks import paper_kappa_reading, sci
    from cdnotes.experiments import network_hessian_summary as nhs
    from cdnotes.measurements import load_measurement
    records = load_measurement("network_hessian_digits")["records"]
    k = paper_kappa_reading()
    for m in ("dense", "cd4", "cd8"):
        assert k[m, "weights_sv"] == nhs.paper_reading(records, m)
    assert f"gives {sci(nhs.paper_reading(records, 'dense').median)}" in \
        evaluate("cd-vi-kappa-dense").evidence
    assert "the weights reading" in evaluate("cd-vi-kappa-dense").evidence.lower()
    assert "the paper's CD definition" in evaluate("cd-vi-kappa-cd8").evidence


def test_accuracy_claims_link_chapter10_and_name_both_seed_sets():
    for c in CLAIMS:
        if c.check in ("accuracy_dense", "accuracy_cd4", "accuracy_cd8", "accuracy_gap_b4",
                       "accuracy_gap_b8", "accuracy_gap_within_std"):
            assert c.link == "ch10-accuracy", c.id
            v = evaluate(c.id)
            assert "chapter 10's committed runs" in v.evidence and _digits_twenty_text(v)


# ---- chapter 9: its own cells, run on its committed data, against the checks

def _chapter9(*markers):
    """Run chapter 9's import cell and the code cells containing each marker, in order, with
    glue captured (``{name: value}``) and figures off; the namespace."""
    import matplotlib
    matplotlib.use("Agg")
    nb = json.loads((ROOT / "book" / "09_spectral_training.ipynb").read_text())
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    glued = {}
    ns = {"__name__": "chapter9"}
    exec(next(c for c in code if "from cdnotes.experiments.spectral_training import" in c), ns)
    ns["glue"] = ns["glue_markdown"] = lambda name, value, *a, **k: glued.__setitem__(name, value)
    ns["markdown_table"] = lambda *a, **k: None
    for marker in markers:
        cells = [c for c in code if marker in c]
        assert len(cells) == 1, f"chapter 9: {len(cells)} cells contain {marker!r}"
        exec(cells[0], ns)
    ns["glued"] = glued
    import matplotlib.pyplot as plt
    plt.close("all")
    return ns


@pytest.fixture(scope="module")
def chapter9():
    return _chapter9('data = load_measurement("spectral_training")',
                     "= variant_verdicts(records,", '= variant_verdicts(by_variant["trained"]',
                     "layer = SpectralLinear(40, 10", "= compact_form(records,",
                     "gapd = overfit_runs(", "= overfit_table(gapd)",
                     "= weight_distances(data)")


def test_spectral_orderings_are_chapter9s_paired_counts(chapter9):
    from cdnotes.claims.checks import _paired_counts
    from cdnotes.experiments.spectral_training import ARCHITECTURES
    for variant in ("fixed", "trained"):
        counts_ch9 = chapter9[f"{variant}_verdicts"]
        for short, a, b in (("lc", "eigenvalues", "constrained"),
                            ("pu", "eigenvalues+eigenvectors", "unconstrained")):
            up = sum(counts_ch9[short, ds][0] for ds in ("digits", "mnist1d"))
            down = sum(counts_ch9[short, ds][1] for ds in ("digits", "mnist1d"))
            n = sum(counts_ch9[short, ds][2] for ds in ("digits", "mnist1d"))
            assert _paired_counts(variant, a, b, ARCHITECTURES) == (up, down, n)
    ev = evaluate("sp-levers").evidence
    assert "input eigenvalues fixed" in ev and "input eigenvalues trained" in ev


def test_spectral_overfitting_is_chapter9s(chapter9):
    from cdnotes.claims.checks import spectral_overfit_summary
    from cdnotes.report.spectral_training import ci
    o = spectral_overfit_summary()
    assert o["widths"][-1] == chapter9["glued"]["ch9_over_hi"]
    for ds in ("digits", "mnist1d"):
        top = o[ds][0]
        assert ci(top) in chapter9["glued"][f"ch9_over_{ds}"]
        assert ci(o[ds][1]) in chapter9["glued"][f"ch9_over_{ds}"]
    smaller = sum(o[ds][0].low > 0 for ds in ("digits", "mnist1d"))
    larger = sum(o[ds][0].high < 0 for ds in ("digits", "mnist1d"))
    words = {0: "neither of the two", 1: "one of the two", 2: "both"}
    assert (words[smaller], words[larger]) == (chapter9["glued"]["ch9_over_smaller"],
                                               chapter9["glued"]["ch9_over_larger"])
    assert claim("sp-overfitting").link == "ch9-overfitting"


def test_spectral_operator_compact_form_and_retraction_are_chapter9s(chapter9):
    from cdnotes.claims.checks import chapter9_operator, spectral_compact_changes
    assert chapter9_operator() == (chapter9["inverse_error"], chapter9["block_error"],
                                   chapter9["eigen_error"])
    changes = spectral_compact_changes()
    assert set(changes) == set(chapter9["changes"])
    from cdnotes.experiments.report import count_words
    assert (count_words(sum(e.low > 0 for e in changes.values()), len(changes)),
            count_words(sum(e.high < 0 for e in changes.values()), len(changes))) == (
        chapter9["glued"]["ch9_compact_up"], chapter9["glued"]["ch9_compact_down"])
    assert max(abs(e.mean) for e in changes.values()) == chapter9["glued"]["ch9_compact_max"]
    from cdnotes.claims.checks import sci
    assert sci(chapter9["glued"]["ch9_worst_retraction"]) in evaluate("sp-retract").evidence
    assert f"{chapter9['glued']['ch9_n_runs']} committed runs" in evaluate("sp-retract").evidence


# ------------------------------------------------------------------ links

def test_every_link_target_page_is_in_the_table_of_contents():
    from test_book import toc_files
    pages = set(toc_files())
    for key, (page, anchor, text) in SECTIONS.items():
        assert f"book/{page}" in pages, f"{key}: {page} is not in _toc.yml"
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", anchor), f"{key}: {anchor!r}"
        assert text.strip()
    assert href("ch5-table1") == "05_digits.html#ch5-table1"
    assert href("here-measured").startswith("#")


@pytest.fixture(scope="session")
def built_html(tmp_path_factory):
    """The built book's HTML: the one tests/test_book.py's ``built_book`` wrote in this session
    if it ran first (importing that fixture here would build the book a second time), else a
    build of its own, the same command."""
    import subprocess
    import sys

    for html in sorted(tmp_path_factory.getbasetemp().glob("book*/_build/html")):
        if (html / "book" / "claims.html").exists():
            return html
    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", str(ROOT), "--all", "-W", "-n", "--keep-going",
                           "--path-output", str(out)], capture_output=True, text=True, timeout=1800)
    html = out / "_build" / "html"
    assert (html / "book" / "claims.html").exists(), (proc.stdout + proc.stderr)[-5000:]
    return html


@pytest.mark.book
def test_every_link_resolves_in_the_built_book(built_html):
    html = built_html
    page = (html / "book" / "claims.html").read_text()
    for key, (stem, anchor, _) in SECTIONS.items():
        target = (html / "book" / f"{stem}.html").read_text()
        assert f'id="{anchor}"' in target, f"{key}: no #{anchor} in {stem}.html"
    used = {claim(c.id).link for c in CLAIMS}
    for key in used:
        assert f'href="{href(key)}"' in page, f"the claims page has no link to {href(key)}"


@pytest.mark.book
def test_claims_page_shows_every_claim(built_html):
    html = built_html
    page = (html / "book" / "claims.html").read_text()
    rows = re.findall(r"<tr[^>]*>", page)
    assert len(rows) >= len(CLAIMS)



def test_spectral_weight_distributions_are_chapter9s(chapter9):
    holds = chapter9["holds"]
    for cid, arch in (("sp-weights", "perceptron"), ("sp-deep-weights", "deep")):
        ev = evaluate(cid).evidence
        keys = [k for k in holds if k[1] == arch]
        assert keys
        for k in keys:
            e = holds[k]
            assert f"Λ only {e['eigenvalues']['w1']:.3f} ({e['eigenvalues']['w1'] / e['floor']:.1f}× " \
                   f"the floor), constrained {e['constrained']['w1']:.3f}" in ev
