"""A transcript as a PDF a doctor can read or print (fpdf2, pure Python).

Header with the urgency, then the patient's contact and consent, symptoms, a findings table (one
row per hospital answer) with the consensus, the conversation, and a "not a diagnosis" footer on
every page. Text comes from a patient and from models, so it is only ever drawn as text.

A Unicode TrueType font (DejaVu Sans, Debian's ``fonts-dejavu-core``) is used when present so names
keep their diacritics (ș, ț, ă); without it the built-in Helvetica is used and characters outside
Latin-1 are transliterated (``ș`` → ``s``), never dropped silently into "?".
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from qaid.transcript.fhir import NOT_A_DIAGNOSIS, consensus_lines

_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
_URGENT_RGB = (198, 40, 40)
_GREY = (91, 107, 124)
# A PDF is for reading: a message longer than this is cut, and after this much conversation text the
# rest is only counted. Without a cap a transcript at the schema's limits (1,000 messages of 10,000
# characters) took half a minute of CPU to lay out; the JSON and FHIR renderings stay complete.
MAX_MESSAGE_CHARS = 2_000
MAX_CONVERSATION_CHARS = 60_000


def _when(value: str) -> str:
    """An ISO timestamp as ``2025-11-30 10:00 UTC`` (as given if it does not parse)."""
    try:
        return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        return str(value)


def _unicode_font() -> tuple[Path, Path] | None:
    for d in _FONT_DIRS:
        regular, bold = d / "DejaVuSans.ttf", d / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            return regular, bold
    return None


class _Doc(FPDF):
    def __init__(self, footer_text: str, unicode_font: bool):
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.family = "Helvetica"
        self.latin1_only = True
        found = _unicode_font() if unicode_font else None
        if found:
            self.add_font("DejaVu", "", str(found[0]))
            self.add_font("DejaVu", "B", str(found[1]))
            self.family, self.latin1_only = "DejaVu", False
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(15, 15, 15)

    def clean(self, value: Any) -> str:
        text = "" if value is None else str(value)
        if not self.latin1_only:
            return text
        text = (
            text.replace("\u2014", "-").replace("\u2013", "-").replace("\u201c", '"').replace("\u201d", '"')
        )
        text = text.replace("\u2018", "'").replace("\u2019", "'")
        out = []
        for ch in text:
            if ord(ch) < 256:
                out.append(ch)
            else:
                base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
                out.append(base or "?")
        return "".join(out)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(self.family, "", 8)
        self.set_text_color(*_GREY)
        self.cell(0, 5, self.clean(f"{self.footer_text}   Page {self.page_no()}/{{nb}}"), align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font(self.family, "B", 12)
        self.cell(0, 7, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.family, "", 10)

    def para(self, text: str, size: int = 10, colour: tuple[int, int, int] | None = None) -> None:
        self.set_font(self.family, "", size)
        if colour:
            self.set_text_color(*colour)
        self.multi_cell(0, 5, self.clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)


def _header(pdf: _Doc, t: dict[str, Any], hospital_name: str | None, meta: str) -> None:
    urgent = t["urgency"] == "urgent"
    pdf.set_fill_color(*(_URGENT_RGB if urgent else (224, 231, 239)))
    pdf.set_text_color(*((255, 255, 255) if urgent else (29, 39, 51)))
    pdf.set_font(pdf.family, "B", 14)
    pdf.cell(0, 10, pdf.clean(f"  {t['urgency'].upper()}"), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_font(pdf.family, "B", 16)
    title = "Q&Aid patient transcript" + (f" for {hospital_name}" if hospital_name else "")
    pdf.cell(0, 10, pdf.clean(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.para(
        f"Conversation {t['conversation_id']} · started {_when(t['created_at'])} · ended: {t['ended_reason']}"
        + (f" · {meta}" if meta else ""),
        size=8,
        colour=_GREY,
    )


def _patient(pdf: _Doc, t: dict[str, Any]) -> None:
    pdf.heading("Patient")
    contact = t.get("contact") or {}
    lines = [f"{k}: {v}" for k, v in contact.items() if v] or ["The patient shared no contact details."]
    loc = t.get("location")
    if loc:
        lines.append(f"location: {loc.get('name') or ''} ({loc['lat']}, {loc['lon']})")
    pdf.para("\n".join(lines))
    c = t["consent"]
    pdf.para(
        f"Consent given {_when(c['at'])} to share with: {', '.join(c['hospitals'])}. "
        f'Statement: "{c["statement"]}"',
        size=9,
        colour=_GREY,
    )


def _findings(pdf: _Doc, t: dict[str, Any]) -> None:
    findings = t.get("findings", [])
    pdf.heading("Findings (automated model output)")
    if not findings:
        pdf.para("No model findings.")
    else:
        pdf.set_font(pdf.family, "", 8)
        widths = (38, 14, 52, 40, 16, 20)
        heading = FontFace(emphasis="BOLD", fill_color=(224, 231, 239))
        with pdf.table(
            col_widths=widths, text_align="LEFT", line_height=4.5, headings_style=heading
        ) as table:
            table.row([pdf.clean(h) for h in ("hospital", "kind", "question", "answer", "conf.", "model")])
            for f in findings:
                table.row(
                    [
                        pdf.clean(f["hospital_name"]),
                        pdf.clean(f["kind"]),
                        pdf.clean(f.get("question") or "-"),
                        pdf.clean(f["answer"]),
                        f"{float(f['confidence']):.0%}",
                        pdf.clean(f.get("model_version") or "-"),
                    ]
                )
    lines = consensus_lines(t)
    if lines:
        pdf.heading("Consensus")
        pdf.para("\n".join(lines))
    if t.get("images"):
        pdf.heading("Images")
        pdf.para("\n".join(f"{i['image_id']}  sha256 {i['sha256']}" for i in t["images"]), size=8)


def _conversation(pdf: _Doc, t: dict[str, Any]) -> None:
    pdf.heading("Conversation")
    messages = t.get("messages", [])
    if not messages:
        pdf.para("(no messages)")
    budget = MAX_CONVERSATION_CHARS
    for i, m in enumerate(messages):
        if budget <= 0:
            pdf.para(
                f"... {len(messages) - i} more messages are not printed here; "
                "the JSON and FHIR transcripts hold the whole conversation.",
                size=9,
                colour=_GREY,
            )
            break
        pdf.set_font(pdf.family, "B", 9)
        pdf.cell(0, 5, pdf.clean(f"{m['sender']}  {_when(m['at'])}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        text = m["text"]
        if len(text) > MAX_MESSAGE_CHARS:
            text = text[:MAX_MESSAGE_CHARS] + f" ... [{len(text) - MAX_MESSAGE_CHARS} more characters]"
        budget -= len(text)
        suffix = f" [image {m['image_id']}]" if m.get("image_id") else ""
        pdf.para(text + suffix, size=9)


def render(
    t: dict[str, Any],
    *,
    hospital_name: str | None = None,
    meta: str = "",
    compress: bool = True,
    unicode_font: bool = True,
) -> bytes:
    """The PDF of a transcript given as its JSON dict."""
    pdf = _Doc(NOT_A_DIAGNOSIS, unicode_font)
    pdf.set_compression(compress)
    pdf.set_title(f"Transcript {t['conversation_id']}")
    pdf.set_creator("Q&Aid transcripts")
    pdf.add_page()
    _header(pdf, t, hospital_name, meta)
    _patient(pdf, t)
    if t.get("symptoms"):
        pdf.heading("Symptoms")
        pdf.para(", ".join(t["symptoms"]))
    _findings(pdf, t)
    if t.get("definitions"):
        pdf.heading("Definitions shown to the patient")
        pdf.para("\n".join(t["definitions"]), size=9)
    _conversation(pdf, t)
    pdf.ln(4)
    pdf.para(NOT_A_DIAGNOSIS, size=10, colour=_URGENT_RGB)
    return bytes(pdf.output())
