"""Lead-n summaries: the first sentences of the text, the classic summarization baseline."""

from __future__ import annotations

from textkit.sentences import segment

__all__ = ["lead_sentences"]


def lead_sentences(text: str, n: int = 3) -> str:
    """The first ``n`` sentences of ``text`` (speaker labels and bullet markers left out,
    as :func:`textkit.sentences.segment` cuts them), joined by a space.

    Raises:
        ValueError: ``n`` is below 1.

    Example:
        >>> lead_sentences("Ana: Hi Bo. I'll send the quote by Friday.\\nBo: Great. Bye.")
        "Hi Bo. I'll send the quote by Friday. Great."
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    return " ".join(text[s.start : s.end] for s in segment(text)[:n])
