"""Progress of a chapter's execution, in Chinese: code cells done / total and the current section.

On a terminal one line is redrawn in place; otherwise (a log, CI) one line is printed per section,
so a long run shows where it is without flooding the log. Messages go to stderr, so the command's
results on stdout stay clean.
"""

from __future__ import annotations

import sys


def _section_titles(nb) -> list[str]:
    """For each cell, the title of the ``## `` section it sits in (the chapter title before the first)."""
    titles, current = [], ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            lines = cell.source.lstrip().splitlines()
            first = lines[0] if lines else ""
            if first.startswith("## "):
                current = first[3:].strip()
            elif first.startswith("# ") and not current:
                current = "开始"
        titles.append(current or "准备")
    return titles


class CellProgress:
    """Call with a cell index as each cell starts; :meth:`close` ends the display."""

    def __init__(self, nb, label: str, stream=None):
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.titles = _section_titles(nb)
        self.code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
        self.done_before = {index: n for n, index in enumerate(self.code)}
        self.last_title = None
        self.width = 0

    @classmethod
    def for_notebook(cls, path, label: str, stream=None) -> CellProgress:
        import nbformat

        return cls(nbformat.read(str(path), as_version=4), label, stream)

    def __call__(self, index: int) -> None:
        if index not in self.done_before:
            return
        done, total, title = self.done_before[index], len(self.code), self.titles[index]
        line = f"{self.label}  [{done}/{total} 个代码单元]  {title}"
        if self.tty:
            pad = max(self.width - _display_width(line), 0)
            self.stream.write("\r" + line + " " * pad)
            self.width = _display_width(line)
            self.stream.flush()
        elif title != self.last_title:
            self.stream.write(line + "\n")
            self.stream.flush()
        self.last_title = title

    def close(self) -> None:
        if self.tty and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def _display_width(text: str) -> int:
    """Terminal columns of ``text``: CJK characters take two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
