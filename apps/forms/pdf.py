"""A filled-out form as a PDF (``generateChartingPdf``), laid out with fpdf2.

Text only, in the PDF core fonts (Helvetica): nothing to embed or install. Those fonts cover
Latin-1; other characters print as "?".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import XPos, YPos

MARGIN_MM = 20
LINE_MM = 5
INDENT_MM = 4


@dataclass(frozen=True)
class Section:
    """One filled-out form: its title, header facts, question/answer pairs and addenda."""

    title: str
    facts: Sequence[tuple[str, str]]
    answers: Sequence[tuple[str, str]]
    addenda: Sequence[str] = ()


def _printable(text: str) -> str:
    # Control characters would end up in the content stream; the core fonts know Latin-1 only.
    shown = "".join(ch if ch >= " " or ch == "\n" else " " for ch in (text or "").replace("\r\n", "\n"))
    return shown.encode("latin-1", errors="replace").decode("latin-1")


def _block(document: FPDF, text: str, *, bold: bool = False, size: int = 10, indent: float = 0) -> None:
    document.set_font("Helvetica", "B" if bold else "", size)
    document.set_x(document.l_margin + indent)
    document.multi_cell(0, LINE_MM if size <= 10 else LINE_MM + 2, _printable(text),
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render(sections: Iterable[Section]) -> bytes:
    """The PDF bytes of ``sections``, one after the other, paginated (A4)."""
    document = FPDF(format="A4")
    document.set_margins(MARGIN_MM, MARGIN_MM)
    document.set_auto_page_break(True, margin=MARGIN_MM)
    document.add_page()
    for number, section in enumerate(sections):
        if number:
            document.ln(LINE_MM * 2)
        _block(document, section.title, bold=True, size=13)
        for label, value in section.facts:
            _block(document, f"{label}: {value}")
        document.ln(LINE_MM)
        for question, answer in section.answers:
            _block(document, question or "(untitled question)", bold=True)
            _block(document, answer or "-", indent=INDENT_MM)
        if section.addenda:
            document.ln(LINE_MM)
            _block(document, "Addenda", bold=True)
            for addendum in section.addenda:
                _block(document, addendum, indent=INDENT_MM)
    return bytes(document.output())
