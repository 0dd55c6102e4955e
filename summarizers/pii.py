"""Reversible masking of personal data before text leaves the service.

Emails, phone numbers (international ``+CC …`` and US formats) and payment card numbers
(13-19 digits that pass the Luhn check) are replaced by placeholders such as
``[EMAIL_1]``. One :class:`PiiMapping` is shared by every string of a request, so the
same value always gets the same placeholder, and :func:`unmask` puts the originals back
into whatever the model wrote.

Deliberately *not* masked: dates (``2026-05-04``, ``05/04/2026``), ticket and order
numbers (``TCK-10234``, ``ORD-2024-000123``), amounts (``$188,100``) and bare digit runs
without a phone shape, because the copilot needs them to answer and they identify no
person.

Example:
    >>> masked, mapping = mask("Mail jo@example.com or call (415) 555-0100.")
    >>> masked
    'Mail [EMAIL_1] or call [PHONE_1].'
    >>> unmask(masked, mapping)
    'Mail jo@example.com or call (415) 555-0100.'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping

__all__ = ["PiiMapping", "luhn_valid", "mask", "unmask"]

# Not preceded by a word character, '-', '+' or '/', so identifiers such as TCK-415-555-0100
# or paths keep their digits.
_START = r"(?<![\w+/-])"
_END = r"(?![\w/-])"

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_CARD = re.compile(_START + r"\d(?:[ -]?\d){12,18}" + _END)
_PHONE_INTL = re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,5}){1,5}" + _END)
_PHONE_US = re.compile(
    _START
    + r"(?:1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}"
    + r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?"
    + _END
)
_PLACEHOLDER = re.compile(r"\[(EMAIL|PHONE|CARD)_(\d+)\]", re.IGNORECASE)

_MIN_INTL_DIGITS = 8
_MAX_INTL_DIGITS = 15  # E.164


class PiiMapping(Mapping[str, str]):
    """Placeholder -> original value, stable across every string masked with it.

    Example:
        >>> m = PiiMapping()
        >>> m.placeholder("EMAIL", "a@b.co"), m.placeholder("EMAIL", "a@b.co")
        ('[EMAIL_1]', '[EMAIL_1]')
        >>> dict(m)
        {'[EMAIL_1]': 'a@b.co'}
    """

    def __init__(self) -> None:
        self._originals: dict[str, str] = {}
        self._placeholders: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}

    def placeholder(self, kind: str, original: str) -> str:
        """The placeholder for ``original`` of ``kind``, allocating one if new."""
        key = (kind, original)
        found = self._placeholders.get(key)
        if found is not None:
            return found
        n = self._counts.get(kind, 0) + 1
        self._counts[kind] = n
        placeholder = f"[{kind}_{n}]"
        self._placeholders[key] = placeholder
        self._originals[placeholder] = original
        return placeholder

    def __getitem__(self, placeholder: str) -> str:
        return self._originals[placeholder]

    def __iter__(self) -> Iterator[str]:
        return iter(self._originals)

    def __len__(self) -> int:
        return len(self._originals)

    def __repr__(self) -> str:
        # Never print the originals: they are the personal data.
        return f"PiiMapping({len(self)} values)"


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn checksum used by payment cards.

    Example:
        >>> luhn_valid("4111111111111111"), luhn_valid("4111111111111112")
        (True, False)
    """
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _is_card(candidate: str) -> bool:
    digits = _digits(candidate)
    return 13 <= len(digits) <= 19 and luhn_valid(digits)


def _is_intl_phone(candidate: str) -> bool:
    return _MIN_INTL_DIGITS <= len(_digits(candidate)) <= _MAX_INTL_DIGITS


def mask(text: str, mapping: PiiMapping | None = None) -> tuple[str, PiiMapping]:
    """Replace emails, phone numbers and card numbers in ``text`` with placeholders.

    Args:
        text: Any string about to be sent to a model.
        mapping: The request's mapping; pass the same one for every string of a
            request so placeholders stay consistent. A new one is made if omitted.

    Returns:
        ``(masked_text, mapping)``; ``unmask(masked_text, mapping) == text``.
    """
    mapping = PiiMapping() if mapping is None else mapping

    def sub(
        kind: str,
        pattern: re.Pattern[str],
        text: str,
        accept: Callable[[str], bool] | None = None,
    ) -> str:
        def one(m: re.Match[str]) -> str:
            if accept is not None and not accept(m.group(0)):
                return m.group(0)
            return mapping.placeholder(kind, m.group(0))

        return pattern.sub(one, text)

    # Cards before phones: a spaced card number also has a phone-like shape.
    text = sub("EMAIL", _EMAIL, text)
    text = sub("CARD", _CARD, text, _is_card)
    text = sub("PHONE", _PHONE_INTL, text, _is_intl_phone)
    text = sub("PHONE", _PHONE_US, text)
    return text, mapping


def unmask(text: str, mapping: Mapping[str, str]) -> str:
    """Put the originals back for every placeholder of ``mapping`` found in ``text``.

    Placeholders are matched case-insensitively (models sometimes write ``[email_1]``);
    unknown placeholders are left as they are.
    """
    if not mapping:
        return text

    def one(m: re.Match[str]) -> str:
        key = f"[{m.group(1).upper()}_{m.group(2)}]"
        return mapping.get(key, m.group(0))

    return _PLACEHOLDER.sub(one, text)
