"""The precomputed explorer grid: one frame per setting, the numbers of explorer_state, offline HTML."""
import itertools
import json
import re

import numpy as np
import pytest

pytest.importorskip("IPython")

from cdnotes.explorer import explorer_grid, explorer_grid_data, explorer_state  # noqa: E402

SMALL = dict(block_sizes=[4, 8], whitenings=["none", "spectral", "zca"], n_samples=[16, 256])


def embedded_data(page: str, uid: str) -> dict:
    """The JSON a grid embeds, read back from its HTML."""
    blob = re.search(rf'<script type="application/json" id="{uid}-data">(.*?)</script>', page, re.S)
    return json.loads(blob.group(1).replace("<\\/", "</"))


def grid_ids(page: str) -> list[str]:
    return re.findall(r'<div class="cdx-explorer" id="([^"]+)"', page)


@pytest.fixture(scope="module")
def small_grid():
    return explorer_grid(**SMALL, rho=[0.5, 0.8], initial=dict(whitening="zca")).data


def test_one_frame_per_combination_in_c_order(small_grid):
    (uid,) = grid_ids(small_grid)
    data = embedded_data(small_grid, uid)
    assert [a["key"] for a in data["axes"]] == ["B", "whitening", "N", "rho"]
    combos = list(itertools.product(SMALL["block_sizes"], SMALL["whitenings"], SMALL["n_samples"],
                                    [0.5, 0.8]))
    assert [tuple(f["setting"].values()) for f in data["frames"]] == combos
    assert len(data["frames"]) == 2 * 3 * 2 * 2


@pytest.mark.parametrize("index", [0, 5, 17, 23])
def test_frame_numbers_are_those_of_explorer_state(small_grid, index):
    (uid,) = grid_ids(small_grid)
    data = embedded_data(small_grid, uid)
    frame = data["frames"][index]
    s = frame["setting"]
    state = explorer_state(s["B"], s["whitening"], s["N"], s["rho"])
    for key in ("cd", "theorem1", "dense"):
        c = state["kappa_" + key]
        if np.isfinite(c.kappa):
            assert frame["kappa"][key] == pytest.approx(c.kappa, rel=1e-12)
        else:
            assert frame["kappa"][key] is None and c.n_zero > 0
        assert frame["n_zero"][key] == c.n_zero
        values = state[key]
        m = min(values.size, 128)
        thinned = values[np.round(np.linspace(0, values.size - 1, m)).astype(int)]
        curve = frame["curves"][key]
        assert len(curve) == m
        zero = np.array([v is None for v in curve])
        np.testing.assert_array_equal(zero, thinned <= c.zero_threshold)
        np.testing.assert_allclose([10 ** v for v in curve if v is not None], thinned[~zero],
                                   rtol=2e-3)                     # 3 decimals of log10


def test_zero_eigenvalues_are_marked_and_axes_fixed():
    data = explorer_grid_data(block_sizes=[8], whitenings=["zca"], n_samples=[16, 4096])
    few, many = data["frames"]
    assert few["kappa"]["dense"] is None and few["n_zero"]["dense"] > 0      # N = 16 < n_in
    assert few["curves"]["dense"].count(None) > 0 and "zeros" in few["kappa_text"]["dense"]
    assert many["kappa"]["dense"] is not None and None not in many["curves"]["dense"]
    lo, hi = data["ylim_log10"]
    finite = [v for f in data["frames"] for c in f["curves"].values() for v in c if v is not None]
    assert lo <= min(finite) and max(finite) <= hi and float(lo).is_integer()


def test_ids_are_unique_across_calls():
    pages = [explorer_grid(block_sizes=[8], whitenings=["zca"], n_samples=[64]).data for _ in range(2)]
    ids = [re.findall(r'\bid="([^"]+)"', p) for p in pages]
    names = [re.findall(r'\bname="([^"]+)"', p) for p in pages]
    assert ids[0] and not set(ids[0]) & set(ids[1])
    assert not set(names[0]) & set(names[1])
    for p in pages:
        uid, = grid_ids(p)
        assert all(i == uid or i.startswith(uid + "-") for i in re.findall(r'\bid="([^"]+)"', p))
        assert f"#{uid} " in p and f'getElementById("{uid}")' in p   # style and script scoped


def test_html_is_self_contained(small_grid):
    assert "http://" not in small_grid and "https://" not in small_grid
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\(", small_grid)
    assert small_grid.count("<script") == 2                          # the data and the code


def test_controls_offer_every_value_and_open_on_the_chosen_setting(small_grid):
    (uid,) = grid_ids(small_grid)
    for key, values in [("B", SMALL["block_sizes"]), ("whitening", SMALL["whitenings"]),
                        ("rho", [0.5, 0.8])]:
        radios = re.findall(rf'<input type="radio" name="{uid}-{key}" data-axis="{key}" value="(\d+)"',
                            small_grid)
        assert radios == [str(i) for i in range(len(values))]
    checked = dict(re.findall(r'data-axis="(\w+)" value="(\d+)" checked', small_grid))
    assert checked == {"B": "1", "whitening": "2", "rho": "1"}       # B = 8, zca, ρ = 0.8
    slider = re.search(r'<input type="range" id="[^"]+" data-axis="N" min="0" max="(\d)" step="1" '
                       r'value="(\d)"', small_grid)
    assert slider.groups() == ("1", "0")                              # 1024 absent: first N


def test_default_grid_matches_the_live_explorer_choices():
    from cdnotes.explorer import DEFAULT_SETTING, N_CHOICES
    from cdnotes.conditioning import WHITENING_NAMES

    data = explorer_grid_data(whitenings=["zca"], n_samples=[1024])
    assert data["axes"][0]["values"] == [1, 2, 4, 8, 16, 32]
    assert data["axes"][3]["values"] == [DEFAULT_SETTING["rho"]]
    assert 1024 in N_CHOICES and DEFAULT_SETTING["whitening"] in WHITENING_NAMES


@pytest.mark.parametrize("kwargs, message", [
    (dict(block_sizes=[3]), "does not divide"),
    (dict(whitenings=["sphere"]), "unknown whitening 'sphere'"),
    (dict(n_samples=[0]), "positive integers"),
    (dict(rho=1.0), r"\(-1, 1\)"),
    (dict(block_sizes=[]), "must not be empty"),
    (dict(whitenings=["zca", "zca"]), "repeated"),
])
def test_bad_arguments_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        explorer_grid_data(**{"n_samples": [64], "whitenings": ["zca"], **kwargs})


def test_initial_setting_must_be_in_the_grid():
    with pytest.raises(ValueError, match="not in the grid"):
        explorer_grid(block_sizes=[8], whitenings=["zca"], n_samples=[64], initial={"n_samples": 128})


def test_kappa_text_reports_the_non_zero_part_with_the_zero_count():
    from cdnotes.conditioning import condition_number
    from cdnotes.explorer import kappa_text

    regular = condition_number(np.array([0.5, 1.0, 2.0]))
    assert kappa_text(regular) == "4"
    singular = condition_number(np.array([0.0, 0.0, 0.5, 2.0]))
    assert np.isinf(singular.kappa)
    assert kappa_text(singular) == "4 on the non-zero part (2 zeros)"
    data = explorer_grid_data(block_sizes=[8], whitenings=["zca"], n_samples=[16])
    (frame,) = data["frames"]
    state = explorer_state(8, "zca", 16, 0.8)
    expected = f"{state['kappa_dense'].kappa_nonzero:.3g} on the non-zero part "
    assert frame["kappa_text"]["dense"] == expected + f"({state['kappa_dense'].n_zero} zeros)"


def test_dense_curve_is_drawn_last_and_dotted():
    """At B = 1 the dense and CD curves coincide: the dense one must stay visible on top."""
    page = explorer_grid(block_sizes=[1, 8], whitenings=["zca"], n_samples=[64]).data
    order = re.findall(r'<path data-curve="(\w+)"', page)
    assert order[-1] == "dense" and sorted(order) == ["cd", "dense", "theorem1"]
    dense = re.search(r'<path data-curve="dense"[^>]*>', page).group(0)
    assert "stroke-dasharray" in dense and 'stroke-linecap="round"' in dense


def _chromium():
    import shutil

    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


# Clicks two controls once the page has loaded, then reports the URL hash they left.
_CLICK = """<pre id="probe"></pre><script>
window.addEventListener("load", function () {
  if (location.hash) { document.getElementById("probe").textContent = "opened"; return; }
  var root = document.querySelector(".cdx-explorer");
  var radio = root.querySelector('input[data-axis="whitening"][value="2"]');
  radio.checked = true;
  radio.dispatchEvent(new Event("change", {bubbles: true}));
  var slider = root.querySelector('input[data-axis="N"]');
  slider.value = 1;
  slider.dispatchEvent(new Event("input", {bubbles: true}));
  document.getElementById("probe").textContent = location.hash;
});
</script>"""


@pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed")
def test_controls_write_the_url_hash_and_the_hash_reopens_the_setting(tmp_path):
    import subprocess

    grid = explorer_grid(**SMALL).data
    (uid,) = grid_ids(grid)
    data = embedded_data(grid, uid)
    page = tmp_path / "grid.html"
    page.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{grid}"
                    f"{_CLICK}</body></html>")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--proxy-server=127.0.0.1:9", "--virtual-time-budget=5000",
             f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom"]

    def dom(fragment=""):
        out = subprocess.run([_chromium(), *flags, page.as_uri() + fragment],
                             capture_output=True, text=True, timeout=120).stdout
        probe = re.search(r'<pre id="probe">([^<]*)</pre>', out).group(1)
        root = re.search(rf'<div class="cdx-explorer" id="{uid}"[^>]*>', out).group(0)
        selection = re.search(r'data-selection="([^"]*)"', root).group(1).replace("&amp;", "&")
        return probe.replace("&amp;", "&"), selection, int(re.search(r'data-frame="(\d+)"',
                                                                      root).group(1))

    hash_, selection, frame = dom()            # opened on B = 8, spectral, N = 16; then clicked
    assert selection == "B=8&whitening=zca&N=256&rho=0.8"
    assert hash_ == "#" + selection            # the controls wrote the setting into the hash
    assert data["frames"][frame]["setting"] == {"B": 8, "whitening": "zca", "N": 256,
                                                "rho": 0.8}
    probe, reopened, frame2 = dom(hash_)       # the hash, opened as a link, gives it back
    assert probe == "opened" and reopened == selection and frame2 == frame
