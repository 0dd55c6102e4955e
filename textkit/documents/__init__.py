"""The structure of CRM documents, next to the renderers that write it.

* :mod:`~textkit.documents.calls`: a transcript's canonical text and its labelled lines
  (speaker turns, note headings, metadata);
* :mod:`~textkit.documents.tickets`: a ticket's canonical text and its comments;
* :mod:`~textkit.documents.emails`: where an email's own (authored) text is, without
  quoted replies, forwarded messages, signatures and sign-offs;
* :mod:`~textkit.documents.sides`: whose words a span is, ours or the customer's.
"""

from textkit.documents.calls import (
    METADATA_LABELS,
    SECTION_LABELS,
    is_speaker_label,
    label_line,
    label_line_starts,
    render_call_transcript,
)
from textkit.documents.emails import authored_end, authored_ranges
from textkit.documents.sides import Side, our_speaker_labels, spoken_sides
from textkit.documents.tickets import (
    comment_starts,
    last_comment,
    render_ticket,
    ticket_body_end,
    without_comment_headers,
)

__all__ = [
    "METADATA_LABELS",
    "SECTION_LABELS",
    "Side",
    "authored_end",
    "authored_ranges",
    "comment_starts",
    "is_speaker_label",
    "label_line",
    "last_comment",
    "label_line_starts",
    "our_speaker_labels",
    "render_call_transcript",
    "render_ticket",
    "spoken_sides",
    "ticket_body_end",
    "without_comment_headers",
]
