"""What ``fit`` prints: a progress bar per epoch where someone is watching, one line per epoch
everywhere, a final summary — and nothing with ``progress=False``.

A bar redraws itself many times per epoch; in a log file or a CI job every redraw is kept (a
15-epoch demo wrote 763 redraws, 63 KB). So the bar is shown only when stderr is a terminal or
a Jupyter kernel's stream; elsewhere the per-epoch lines alone tell the story.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterable, Iterator, Sized
from typing import Any, Literal, cast

from ._optional import need

ProgressMode = bool | Literal["bar", "epochs"]


def _interactive(stream: Any) -> bool:
    """A terminal, or a Jupyter kernel's output stream (where tqdm draws a widget)."""
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
    return type(stream).__module__.startswith("ipykernel")


class Progress:
    """``mode``: True shows a bar when stderr is interactive, and per-epoch lines; "bar" always
    shows the bar; "epochs" only the lines; False nothing."""

    def __init__(self, mode: ProgressMode, epochs: int) -> None:
        if mode not in (True, False, "bar", "epochs"):
            raise ValueError(f"fit: progress must be True, False, 'bar' or 'epochs', got {mode!r}")
        self.lines = mode is not False
        self.bar = mode == "bar" or (mode is True and _interactive(sys.stderr))
        self.epochs = epochs
        self._tqdm: Any = None

    def batches(
        self, loader: Iterable[Any], epoch: int, done: int = 0, skip: bool = False
    ) -> Iterator[Any]:
        """The loader's batches, through a bar when one is shown. ``done``: batches of this epoch
        run before a resume; ``skip``: drop that many from the start (a plain iterable, which
        cannot restore its own position as a DataLoader does)."""
        batches = iter(loader)  # once: a DataLoader draws its epoch's order here
        if skip:
            batches = itertools.islice(batches, done, None)
        if not self.bar:
            return batches
        tqdm = need("tqdm.auto", "nn.training.fit(progress='bar')").tqdm  # only for a bar

        # tqdm gets the iterator, never the loader: tqdm.auto's class calls iter() on what it is
        # given and then iterates it again, which made a loader draw two orders per epoch
        total = len(cast(Sized, loader)) if hasattr(loader, "__len__") else None
        self._tqdm = tqdm(
            batches, desc=f"epoch {epoch}/{self.epochs}", total=total, initial=done, leave=False
        )
        return iter(self._tqdm)

    def running(self, loss: float, acc: float) -> None:
        if self._tqdm is not None:
            self._tqdm.set_postfix(loss=f"{loss:.4f}", acc=f"{acc:.3f}")

    def end_epoch(self) -> None:
        if self._tqdm is not None:
            self._tqdm.close()
            self._tqdm = None

    def say(self, text: str) -> None:
        if not self.lines:
            return
        if self.bar:
            need("tqdm.auto", "nn.training.fit(progress='bar')").tqdm.write(text)  # above the bar
        else:
            print(text, flush=True)

    def epoch_line(self, epoch: int, history: dict[str, list[float]], seconds: float) -> None:
        shown = " ".join(f"{k}={v[-1]:.4f}" for k, v in history.items() if k != "lr")
        self.say(f"epoch {epoch}/{self.epochs} {shown} ({seconds:.1f} s)")

    def summary(self, history: dict[str, list[float]], seconds: float, first: int) -> None:
        """One closing line: epochs run (in this call) and time, the final figures, and the best
        validation accuracy or loss and its epoch."""
        n = len(history["train_loss"])
        ran = n - first + 1
        final = " ".join(f"{k}={v[-1]:.4f}" for k, v in history.items() if k != "lr")
        text = f"fit: {ran} epoch{'s' if ran != 1 else ''} in {seconds:.1f} s; final {final}"
        for key, pick in (("val_acc", max), ("val_loss", min)):
            if key in history:
                best = pick(history[key])
                text += f"; best {key} {best:.4f} (epoch {history[key].index(best) + 1})"
                break
        self.say(text)
