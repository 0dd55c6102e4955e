"""Lead-n summaries: the first sentences of the text, the classic summarization baseline."""

from __future__ import annotations

from textkit.sentences import segment

__all__ = ["lead_sentence", "lead_sentences"]


def lead_sentences(text: str, n: int = 3) -> str:
    """The first ``n`` sentences of ``text``, rendered as the offline engine renders a
    summary: whitespace collapsed, and a speaker's label written once per run of their
    sentences, so lead-n and the system are scored on the same footing (DialogSum's
    references name speakers as ``#Person1#``).

    Sentences are cut by :func:`textkit.sentences.segment` (bullet markers left out).

    Raises:
        ValueError: ``n`` is below 1.

    Example:
        >>> lead_sentences("Ana: Hi Bo. I'll send the quote by Friday.\\nBo: Great. Bye.")
        "Ana: Hi Bo. I'll send the quote by Friday. Bo: Great."
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    parts: list[str] = []
    previous: str | None = None
    for s in segment(text)[:n]:
        sentence = " ".join(text[s.start : s.end].split())
        if s.speaker and s.speaker != previous:
            sentence = f"{s.speaker}: {sentence}"
        previous = s.speaker
        parts.append(sentence)
    return " ".join(parts)


def lead_sentence(text: str) -> str:
    """The first sentence as written (no speaker label): the baseline of a gist, which
    the system scores as its first cited quote.

    Example:
        >>> lead_sentence("Ana: Hi Bo. I'll send the quote by Friday.")
        'Hi Bo.'
    """
    sentences = segment(text)
    return text[sentences[0].start : sentences[0].end] if sentences else ""
