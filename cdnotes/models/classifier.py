"""``Classifier``: a :class:`~cdnotes.shfin.models.SequenceModel` that knows which of its
layers are block-circulant (CD) and which stay dense, and says so in its ``repr``."""
from __future__ import annotations

from ..shfin.models import SequenceModel

__all__ = ["Classifier"]


class Classifier(SequenceModel):
    """A chain of sequence layers ``(N, seq_len)`` -> ``(N, n_classes)`` with a note per layer.

    Trains with :func:`cdnotes.train.train` like every :class:`SequenceModel` (``n_in``,
    ``n_classes``, ``linear_layers`` — the layers with parameters —, ``forward_2d`` /
    ``backward_2d``, ``predict``).

    Parameters
    ----------
    layers : list of cdnotes layers
    seq_len, n_classes : int >= 1
    name : str
        The builder and its settings, the ``repr``'s first line
        (``"cnn_classifier(structure='cd', block_size=4)"``).
    notes : list of str, one per layer
        Each layer's structure: ``"cd (B=4)"``, ``"dense: the head onto n_classes"``, ``""``
        for a layer without parameters.

    Attributes
    ----------
    name : str
    notes : list of str
    structures : list of ``(layer, note)``
    """

    def __init__(self, layers, seq_len, n_classes, *, name, notes):
        super().__init__(layers, seq_len, n_classes)
        notes = [str(n) for n in notes]
        if len(notes) != len(self.layers):
            raise ValueError(f"notes must give one note per layer ({len(self.layers)}); "
                             f"got {len(notes)}")
        self.name = str(name)
        self.notes = notes

    @property
    def structures(self) -> list:
        """``[(layer, note), ...]`` in order."""
        return list(zip(self.layers, self.notes))

    def __repr__(self):
        width = max(map(len, self.notes))
        lines = [f"  {note or '-':<{width}}  {layer!r}" for layer, note in self.structures]
        return f"{self.name}: n_params={self.n_params}\n" + "\n".join(lines)
