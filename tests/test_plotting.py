"""The book's figure style: every text readable at the size the page shows it."""
import pytest

mpl = pytest.importorskip("matplotlib")

from cdnotes.plotting import COLUMN_WIDTH_PX, MAX_FIGURE_WIDTH_IN, MIN_FONT_PT, style  # noqa: E402

SIZE_KEYS = ["font.size", "axes.titlesize", "axes.labelsize", "figure.titlesize",
             "xtick.labelsize", "ytick.labelsize", "legend.fontsize", "legend.title_fontsize"]


def test_style_sets_explicit_readable_font_sizes():
    with mpl.rc_context():
        style()
        for key in SIZE_KEYS:                     # numbers, not "small"/"medium"
            assert isinstance(mpl.rcParams[key], float), (key, mpl.rcParams[key])
            assert mpl.rcParams[key] >= MIN_FONT_PT, (key, mpl.rcParams[key])
        width_in = mpl.rcParams["figure.figsize"][0]
        assert width_in <= MAX_FIGURE_WIDTH_IN    # the default figure is shown at its real size
        assert width_in * mpl.rcParams["figure.dpi"] <= COLUMN_WIDTH_PX
        assert mpl.rcParams["savefig.dpi"] == mpl.rcParams["figure.dpi"]
        assert not mpl.rcParams["figure.constrained_layout.use"]   # chapters call tight_layout()


def test_a_styled_multi_panel_figure_has_readable_text():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with mpl.rc_context():
        style()
        fig = Figure()
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, 2, sharey=True)
        for ax in axes:
            ax.plot([1, 10, 100], [1, 2, 3], label="a curve")
            ax.set_xscale("log")
            ax.set_xlabel("block size B")
            ax.set_title("panel")
        legend = axes[0].legend(title="widths")
        fig.suptitle("two panels")
        fig.tight_layout()
        fig.canvas.draw()
        texts = [t for ax in axes for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]
        texts += [ax.xaxis.label for ax in axes] + [ax.title for ax in axes]
        texts += legend.get_texts() + [legend.get_title(), fig._suptitle]
        small = {t.get_text(): t.get_fontsize() for t in texts if t.get_fontsize() < MIN_FONT_PT}
        assert len(texts) > 10 and not small, small
        # tight_layout kept the two panels apart: no overlap between their tick labels' boxes
        renderer = fig.canvas.get_renderer()
        left = axes[0].get_tightbbox(renderer)
        right = axes[1].get_position().x0 * fig.bbox.width
        assert left.x1 <= right + 1
