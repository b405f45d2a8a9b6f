"""Views that redraw in place: what a cell showed is updated after a save.

A notebook cell's view (``wb.cover()``, ``wb.status("data")``, a chart, a form) is a
``Live``: IPython shows it with a display id and it joins its ``Board``. After a save,
``Board.redraw()`` rebuilds each shown view from the state of the moment and sends it to
the same place on the screen (IPython's ``update_display``), so the cover and the tables
above a form never contradict the verdict under it.

Headless runs (papermill, nbconvert, nbval) get the same content as from the bare view,
as ``display_data``. Without IPython a Live is simply its view: ``repr``,
``_repr_html_``, ``_repr_mimebundle_`` and every attribute are the view's.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable
from typing import Any, Literal

log = logging.getLogger(__name__)

#: ``view``: rebuilt after every save; ``form``: rebuilt only when the notebook switches
#: to another record (a form redrawn after its own save would lose its draft and focus).
Kind = Literal["view", "form"]

#: One number per Board, so two initiatives opened in one kernel never share an id.
_boards = itertools.count(1)


class Live:
    """A view shown under a display id, rebuilt by its Board from ``make``."""

    def __init__(self, board: Board, name: str, make: Callable[[], Any], kind: Kind = "view"):
        self.board = board
        self.display_id = f"{board.prefix}-{name}"
        self.kind: Kind = kind
        self._make = make
        self.shown: Any = make()

    def rebuild(self) -> None:
        """Build the view again from the current state (what the next display shows)."""
        self.shown = self._make()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        self.board.register(self)
        display(self.shown, display_id=self.display_id)

    def update(self) -> None:
        """Send the view as it is now to every place it was shown."""
        from IPython.display import update_display

        update_display(self.shown, display_id=self.display_id)

    def __repr__(self) -> str:
        return repr(self.shown)

    def __add__(self, other: Any) -> Any:
        return self.shown + (other.shown if isinstance(other, Live) else other)

    def __getattr__(self, name: str) -> Any:
        # Only called for names a Live lacks: the view's own (html, text, layout,
        # _repr_html_...). The guard keeps a half-built Live from recursing.
        if name in ("shown", "_make", "board"):
            raise AttributeError(name)
        return getattr(self.shown, name)


class Board:
    """Every Live a notebook has shown, by display id; redraws them on demand."""

    def __init__(self) -> None:
        self.prefix = f"wb-{next(_boards)}"
        self.views: dict[str, Live] = {}

    def live(self, name: str, make: Callable[[], Any], kind: Kind = "view") -> Live:
        """A Live for the view ``make`` builds; ``name`` makes its display id."""
        return Live(self, name, make, kind)

    def register(self, view: Live) -> None:
        # The latest Live of a name wins: a cell run again shows the same view again.
        self.views[view.display_id] = view

    def redraw(
        self,
        kinds: Iterable[Kind] = ("view",),
        fallback: Callable[[Live, Exception], Any] | None = None,
    ) -> list[str]:
        """Rebuild and update every shown Live of ``kinds``; the display ids updated.

        A view that cannot be rebuilt shows ``fallback(live, exc)`` instead when given
        (else the exception propagates): one broken view must not freeze the others.
        """
        wanted = set(kinds)
        updated = []
        for view in list(self.views.values()):
            if view.kind not in wanted:
                continue
            try:
                view.rebuild()
            except Exception as exc:
                if fallback is None:
                    raise
                log.debug("view %s not rebuilt", view.display_id, exc_info=True)
                view.shown = fallback(view, exc)
            view.update()
            updated.append(view.display_id)
        return updated

    def show_instead(self, shown: Any, kinds: Iterable[Kind] = ("view",)) -> None:
        """Show ``shown`` in place of every shown Live of ``kinds`` (a stale verdict must
        not pass for the current one); the next ``redraw`` rebuilds them."""
        wanted = set(kinds)
        for view in list(self.views.values()):
            if view.kind in wanted:
                view.shown = shown
                view.update()
