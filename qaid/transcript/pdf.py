"""A transcript as a PDF a doctor can read or print (fpdf2, pure Python).

Header with the urgency, then the patient's contact and consent, symptoms, then each image (a
thumbnail, and beside it the overlay the patient was shown where a hospital outlined a lesion) with
its findings grouped under it (question, answer, how many independent models agree, how sure each
model was, in the inbox's words: :mod:`qaid.transcript.reading`), the conversation, and a "not a
diagnosis" footer on every page. Text comes from a patient and from models, so it is only ever drawn as text.

A Unicode TrueType font (DejaVu Sans, Debian's ``fonts-dejavu-core``) is used when present so names
keep their diacritics (ș, ț, ă); without it the built-in Helvetica is used and characters outside
Latin-1 are transliterated (``ș`` → ``s``), never dropped silently into "?".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from qaid.transcript import reading
from qaid.transcript.fhir import NOT_A_DIAGNOSIS, consensus_lines
from qaid.transcript.pdf_figures import Figure, draw_row, thumbnail
from qaid_contracts.transcript import DETAIL_MODEL_SHA256

# image id -> its bytes, as the caller verified them (the hub's image store, the inbox's kept copies);
# None: no bytes at all.
Images = Mapping[str, bytes] | None

_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
_URGENT_RGB = (198, 40, 40)
_GREY = (91, 107, 124)
# A PDF is for reading: a message longer than this is cut, and after this much conversation text the
# rest is only counted. Without a cap a transcript at the schema's limits (1,000 messages of 10,000
# characters) took half a minute of CPU to lay out; the JSON and FHIR renderings stay complete.
MAX_MESSAGE_CHARS = 2_000
MAX_CONVERSATION_CHARS = 60_000
HUB_UNAVAILABLE = "Image unavailable: the hub holds no verified copy (purged, or not this conversation's)."
# The height an image's heading and its row of figures need at most (pdf_figures: box and caption).
_IMAGE_BLOCK_MM = 100


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


def _unbroken(pdf: _Doc, text: str, size: float = 8) -> None:
    """One line that never wraps: a model version broken mid-word reads as two versions, so the
    font shrinks until the line fits the page width (the schema caps a version at 200 characters)."""
    text = pdf.clean(text)
    while size > 4 and pdf.get_string_width(text) > pdf.epw:
        size -= 0.5
        pdf.set_font(pdf.family, "", size)
    pdf.set_font(pdf.family, "", size)
    pdf.set_text_color(*_GREY)
    pdf.cell(0, 4, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)


def _model_line(f: dict[str, Any]) -> str:
    sha = (f.get("detail") or {}).get(DETAIL_MODEL_SHA256)
    version = f.get("model_version") or "version not stated"
    return f"{f['hospital_name']} · model {version}" + (f" · sha256 {str(sha)[:16]}…" if sha else "")


def _figures(
    n: int, image: dict[str, Any], findings: list[dict[str, Any]], store: Images, unavailable: str
) -> list[Figure]:
    missing = "Image not embedded in this copy: open the case page to see it."
    if store is not None:
        missing = unavailable
    got = store or {}
    out = [
        thumbnail(
            f"Image {n} as the patient shared it · {image['image_id']} · sha256 {image['sha256'][:16]}…",
            got.get(image["image_id"]),
            missing,
        )
    ]
    seen: set[str] = set()
    for f in findings:
        overlay = reading.overlay_of(f)
        if overlay and overlay["image_id"] not in seen:
            seen.add(overlay["image_id"])
            caption = f"Outline by {f['hospital_name']} over image {n}, as the patient saw it"
            out.append(
                thumbnail(caption, got.get(overlay["image_id"]), missing.replace("Image", "Outline", 1))
            )
    return out


def _answers(pdf: _Doc, findings: list[dict[str, Any]]) -> None:
    for a in reading.agreement(findings):
        pdf.set_font(pdf.family, "B", 10)
        line = f"{reading.question_of(a)} {a['answer']} — {reading.agreement_words(a)}"
        pdf.multi_cell(0, 5, pdf.clean(line), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for f in findings:
            if (f["kind"], f.get("question") or "") != (a["kind"], a["question"]):
                continue
            sure = reading.confidence_words(f)
            pdf.para(
                f"{f['hospital_name']}: {f['answer']}" + (f" · how sure: {sure}" if sure else ""), size=9
            )
            _unbroken(pdf, _model_line(f))
        pdf.ln(1)


def _images_and_findings(pdf: _Doc, t: dict[str, Any], store: Images, unavailable: str) -> None:
    pdf.heading("Images and findings (automated model output)")
    pdf.para(reading.CONFIDENCE_NOTE, size=8, colour=_GREY)
    groups = reading.per_image(t)
    if not groups:
        pdf.para("No images were shared and no model answered.")
    for n, (image, findings) in enumerate(groups, start=1):
        if image and pdf.get_y() + _IMAGE_BLOCK_MM > pdf.h - pdf.b_margin:
            pdf.add_page()  # an image's heading on the page of its picture, not alone at the bottom
        pdf.heading(f"Image {n}" if image else "Findings about an image the transcript does not list")
        if image:
            figures = _figures(n, image, findings, store, unavailable)
            for i in range(0, len(figures), 2):
                draw_row(pdf, figures[i : i + 2], pdf.family, pdf.clean)
        if findings:
            _answers(pdf, findings)
        else:
            pdf.para("No hospital answered about this image.")
    lines = consensus_lines(t)
    if lines:
        pdf.heading("What the patient was told about agreement")
        pdf.para("\n".join(lines))


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
    images: Images = None,
    unavailable: str = HUB_UNAVAILABLE,
) -> bytes:
    """The PDF of a transcript given as its JSON dict. ``images``: image id -> bytes, for the images
    and overlays the caller verified as this conversation's (the hub's image store, the inbox's kept
    copies); any other is drawn with the note ``unavailable`` (an outline's with "Outline" for
    "Image"). Never fetches anything."""
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
    _images_and_findings(pdf, t, images, unavailable)
    if t.get("definitions"):
        pdf.heading("Definitions shown to the patient")
        pdf.para("\n".join(t["definitions"]), size=9)
    _conversation(pdf, t)
    pdf.ln(4)
    pdf.para(NOT_A_DIAGNOSIS, size=10, colour=_URGENT_RGB)
    return bytes(pdf.output())
