"""A filled-out form as a PDF (``generateChartingPdf``).

No PDF library is installed in this project's environment, so this module writes a small,
standards-conforming PDF 1.4 itself: text only, the built-in Helvetica fonts (no embedding),
WinAnsi encoding (characters outside it print as "?"), A4 pages with wrapped lines. Swapping
in a maintained library (reportlab, fpdf2) only needs ``render`` to keep its signature.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 56
LINE_HEIGHT = 14
WRAP_AT = 90  # characters per line of 10pt Helvetica across the text width
LINES_PER_PAGE = (PAGE_HEIGHT - 2 * MARGIN) // LINE_HEIGHT


@dataclass(frozen=True)
class Line:
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Section:
    """One filled-out form: its title, header facts, question/answer pairs and addenda."""

    title: str
    facts: Sequence[tuple[str, str]]
    answers: Sequence[tuple[str, str]]
    addenda: Sequence[str] = ()


def _escape(text: str) -> bytes:
    encoded = text.encode("cp1252", errors="replace")
    return encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _wrap(text: str, bold: bool = False, indent: str = "") -> list[Line]:
    out: list[Line] = []
    for paragraph in (text or "").replace("\r\n", "\n").split("\n"):
        clean = "".join(ch if ch >= " " else " " for ch in paragraph)
        chunks = textwrap.wrap(clean, WRAP_AT, initial_indent=indent, subsequent_indent=indent) or [indent]
        out.extend(Line(chunk, bold) for chunk in chunks)
    return out


def layout(sections: Iterable[Section]) -> list[Line]:
    lines: list[Line] = []
    for number, section in enumerate(sections):
        if number:
            lines.append(Line(""))
        lines.extend(_wrap(section.title, bold=True))
        for label, value in section.facts:
            lines.extend(_wrap(f"{label}: {value}"))
        lines.append(Line(""))
        for question, answer in section.answers:
            lines.extend(_wrap(question or "(untitled question)", bold=True))
            lines.extend(_wrap(answer or "-", indent="  "))
        if section.addenda:
            lines.append(Line(""))
            lines.append(Line("Addenda", bold=True))
            for addendum in section.addenda:
                lines.extend(_wrap(addendum, indent="  "))
    return lines


def _page_stream(lines: Sequence[Line]) -> bytes:
    parts = [b"BT", f"{MARGIN} {PAGE_HEIGHT - MARGIN} Td".encode(), f"{LINE_HEIGHT} TL".encode()]
    for line in lines:
        parts.append(b"/F2 10 Tf" if line.bold else b"/F1 10 Tf")
        parts.append(b"(" + _escape(line.text) + b") Tj T*")
    parts.append(b"ET")
    return b"\n".join(parts)


def render(sections: Iterable[Section]) -> bytes:
    """The PDF bytes of ``sections``, one after the other, paginated."""
    lines = layout(sections)
    pages = [lines[i:i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled in once the page object numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    ]
    kids = []
    for page in pages:
        stream = _page_stream(page)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content_number = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>" % (PAGE_WIDTH, PAGE_HEIGHT, content_number))
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
