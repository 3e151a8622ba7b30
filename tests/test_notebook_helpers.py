"""cdnotes.notebook: tables that are always tables, glued sentences, and the book's palette."""
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from cdnotes.notebook import markdown_table, table_cell
from cdnotes.plotting import PALETTE, color, series_colors

ROOT = Path(__file__).resolve().parents[1]


def parse_markdown_table(text):
    """The cells of a Markdown table, split only at unescaped pipes (what markdown-it does)."""
    rows = []
    for line in text.splitlines():
        cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
        rows.append([c.strip().replace("\\|", "|") for c in cells])
    return rows


def test_a_label_with_a_pipe_stays_in_its_cell():
    md = markdown_table(["ratio", "value"], [["max|λ| / median|λ|", 2.5], ["|x|", 3]]).data
    rows = parse_markdown_table(md)
    assert rows[0] == ["ratio", "value"]
    assert rows[2] == ["max|λ| / median|λ|", "2.5"]
    assert rows[3] == ["|x|", "3"]
    assert all(len(r) == 2 for r in rows)


def test_a_pipe_in_the_header_is_escaped():
    rows = parse_markdown_table(markdown_table(["a|b", "c"], [[1, 2]]).data)
    assert rows[0] == ["a|b", "c"]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -np.inf, np.float32("nan"), None,
                                 {"a": 1}, [1, 2], (1,), np.ones(2), "nan", "inf"])
def test_a_raw_value_is_refused_with_the_row_and_column_named(bad):
    with pytest.raises(ValueError, match=r"row 0 \(x\), column 'b'"):
        markdown_table(["a", "b"], [["x", bad]])


def test_numbers_are_formatted_and_words_kept():
    assert table_cell(0.000123456) == "0.000123"
    assert table_cell(np.float64(2.0) / 3, ".2f") == "0.67"
    assert table_cell(np.int64(7)) == "7"
    assert table_cell(True) == "yes"
    assert table_cell("none in grid") == "none in grid"


def test_a_row_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="row 0 has 1 cells, the header 2"):
        markdown_table(["a", "b"], [["x"]])


def test_every_palette_entry_is_a_distinct_hex_colour_per_model():
    for name, hexcolor in PALETTE.items():
        assert re.fullmatch(r"#[0-9a-f]{6}", hexcolor), name
    models = ["dense", "cd4", "cd8", "low_rank", "toeplitz", "kronecker", "monarch", "acdc",
              "sparse", "fourier_mixing", "shfin", "cnn"]
    assert len({color(m) for m in models}) == len(models)
    optimizers = {color(o) for o in ("sgd", "adam", "kfac")}
    assert len(optimizers) == 3 and not optimizers & {color(m) for m in models}


def test_color_knows_the_library_names_and_refuses_others():
    from cdnotes.experiments.shfin import VARIANTS
    from cdnotes.experiments.spectral_training import REGIMES
    from cdnotes.mlp import PAPER_MODELS
    from cdnotes.structured import STRUCTURES

    for name in [*PAPER_MODELS, *STRUCTURES, *REGIMES, *VARIANTS]:
        assert color(name).startswith("#"), name
    assert color("CD8") == color("cd8") == color("cd_mlp")
    with pytest.raises(KeyError, match="known names: .*dense"):
        color("no such model")
    with pytest.raises(TypeError):
        color(3)


def test_series_colors_are_ordered_and_distinct():
    c = series_colors([256, 512, 1024])
    assert list(c) == [256, 512, 1024] and len(set(c.values())) == 3
    with pytest.raises(ValueError, match="distinct"):
        series_colors([1, 1])


COLOUR_LITERAL = re.compile(r"""\b(?:colou?rs?|c|mfc|mec|facecolor|edgecolor)\s*=\s*(?:f?["'][^"']*["']|\[)"""
                            r"""|["']C\d["']|f["']C\{|["']#[0-9a-fA-F]{3,6}["']|["']tab:\w+["']""")


@pytest.mark.parametrize("path", sorted((ROOT / "book").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_take_their_colours_from_the_palette(path):
    """No colour literal in a chapter: every colour comes from cdnotes.plotting (color(),
    series_colors()), so a model has one colour across the book."""
    nb = json.loads(path.read_text())
    found = [m.group(0) for c in nb["cells"] if c["cell_type"] == "code"
             for m in COLOUR_LITERAL.finditer("".join(c["source"]))]
    assert not found, f"{path.name}: colour literals {sorted(set(found))}"


def test_glue_markdown_refuses_a_non_string_and_prints_outside_a_book(monkeypatch, capsys):
    import builtins

    from cdnotes.notebook import glue_markdown
    with pytest.raises(TypeError, match="takes a str"):
        glue_markdown("x", 3.0)
    real_import = builtins.__import__

    def no_myst_nb(name, *args, **kwargs):          # as in Colab: myst_nb not installed
        if name == "myst_nb":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_myst_nb)
    glue_markdown("ch_x", "CD-B8 is $1.3\\times$ dense")
    assert capsys.readouterr().out == "ch_x = CD-B8 is $1.3\\times$ dense\n"


def test_only_a_short_single_token_glued_value_is_kept_on_one_line():
    import importlib.util
    spec = importlib.util.spec_from_file_location("page_style",
                                                  ROOT / "book" / "_ext" / "page_style.py")
    page_style = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(page_style)
    for number in ("1.0e-14", "−0.58", "3.2×", "[0.75,2.1]"):
        assert page_style.is_glued_number(number), number
    for sentence in ("holds in all six settings", "", "x" * (page_style.MAX_NUMBER_CHARS + 1)):
        assert not page_style.is_glued_number(sentence), sentence
