"""A sequence classifier: an RNN, LSTM or GRU over the sequence, a linear head on the last state."""

from __future__ import annotations

from autograd import Tensor

from .._random import GeneratorLike
from ..layers.embedding import Embedding
from ..layers.linear import Linear
from ..layers.recurrent import GRU, LSTM, RNN
from ..module import Module
from ._seed import shared_generator

_CELLS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


class SequenceClassifier(Module):
    """(N, T, input_size) floats — or (N, T) token ids when ``vocab_size`` is given, embedded
    into ``input_size`` dimensions — to (N, num_classes) scores: a linear head on the top layer's
    hidden state after the last step. ``cell`` is "rnn" (tanh), "lstm" or "gru"."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_classes: int,
        *,
        cell: str = "lstm",
        num_layers: int = 1,
        vocab_size: int | None = None,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        if cell not in _CELLS:
            raise ValueError(
                f"SequenceClassifier: cell must be one of {sorted(_CELLS)}, got {cell!r}"
            )
        generator = shared_generator(generator)
        self.embed = Embedding(vocab_size, input_size, generator=generator) if vocab_size else None
        self.rnn = _CELLS[cell](
            input_size, hidden_size, num_layers=num_layers, batch_first=True, generator=generator
        )
        self.head = Linear(hidden_size, num_classes, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        if self.embed is not None:
            x = self.embed(x)
        output, _ = self.rnn(x)
        return self.head(output[:, -1])
