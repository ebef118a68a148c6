"""What the chartkit process gives the command it runs.

- `head_start`: the helm runs the program started before the command was parsed
  (chartkit.tools.head_start), None in-process (tests) and for commands without a plan;
- `hold(...)`: objects left for the process exit to drop. The program ends with os._exit
  once its output is flushed; freeing the compiled schemas one by one first takes longer
  than checking a release does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chartkit.tools.head_start import HeadStart


class ProcessScope:
    def __init__(self, head_start: HeadStart | None = None) -> None:
        self.head_start = head_start
        self._held: list[object] = []

    def hold(self, *objects: object) -> None:
        self._held.extend(objects)
