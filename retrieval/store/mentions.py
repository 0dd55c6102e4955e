"""Mentions in a question resolved to CRM records the caller may see."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from psycopg import Connection

from retrieval.acl import require_principals
from retrieval.models import AccountRow, ColleagueRow, ContactRow, StoredDocument
from retrieval.store.crm import caller_sees_account

__all__ = ["accounts_named", "colleagues_named", "contacts_named", "tickets_named"]

# Name tokens too generic to identify an account on their own ("Acme Software": the
# question "which software do they use?" names no account).
_GENERIC = (
    "the",
    "and",
    "inc",
    "llc",
    "ltd",
    "corp",
    "co",
    "group",
    "company",
    "software",
    "systems",
    "solutions",
    "technologies",
    "tech",
    "labs",
    "global",
    "international",
    "services",
    "partners",
    "holdings",
    "retail",
    "bank",
    "health",
    "industries",
)


def _phrases(words: Sequence[str], longest: int = 4) -> list[str]:
    """Runs of 2..``longest`` consecutive words: the full names a question may spell."""
    return [
        " ".join(words[i : i + n]) for n in range(2, longest + 1) for i in range(len(words) - n + 1)
    ]


def _initials(words: Sequence[str]) -> set[str]:
    """The letters of words written as initials joined by "&" ("l&v" -> "lv")."""
    out = set()
    for w in words:
        letters = w.replace("&", "")
        if (
            "&" in w
            and 2 <= len(letters) <= 4
            and letters.isalpha()
            and len(letters) == len([p for p in w.split("&") if p])
        ):
            out.add(letters)
    return out


def _folded(column: str) -> str:
    """``column`` as :func:`textkit.tokens.fold` reads a word: lower case, accents
    dropped, compatibility forms (full-width letters) plain, so "zurich" names Zürich AG."""
    return rf"regexp_replace(normalize(lower({column}), NFKD), '[\u0300-\u036f]', '', 'g')"


def accounts_named(
    conn: Connection[Any],
    *,
    org: str,
    acl: frozenset[str],
    words: Sequence[str],
    acronyms: Sequence[str] = (),
) -> list[AccountRow]:
    """Accounts of ``org`` the caller may see whose name ``words`` mention.

    A name is mentioned when its first token (not a generic word such as "The", at
    least 3 characters) is among ``words``, so the informal "Harborview" resolves to
    "Harborview Software", when ``words`` spell the whole name, when a word is its
    leading initials joined by "&" ("L&V" for "Lumen & Vale Hospitality"), when an
    acronym is all of its initials, or when two words joined spell its first token
    ("fern castle"). When none matches, a longer word that misspells a first token
    ("brackenrdige") is matched by trigram similarity (pg_trgm). Visibility is
    :func:`retrieval.acl.account_visible`: an account the caller may not see is never
    returned, whatever the question says.

    Args:
        words: The question's words, lowercased.
        acronyms: Words the question writes in capitals ("MBCU"): an account whose
            words' initials they spell, all of them ("Morrow Bay Credit Union").

    Example:
        >>> words = ["harborview", "renew"]
        >>> accounts_named(conn, org="acme", acl=acl, words=words)  # doctest: +SKIP
        [AccountRow(id='a-7', name='Harborview Software', ...)]
    """
    # A name typed in two words is its first token too ("fern castle": "Ferncastle").
    joined = {a + b for a, b in zip(words, words[1:], strict=False) if a.isalpha() and b.isalpha()}
    wanted = sorted({w for w in [*words, *joined] if len(w) >= 3 and w not in _GENERIC})
    patterns = sorted(
        {f"{i}%" for i in _initials(words)}
        | {a.lower() for a in acronyms if a.isalpha() and 3 <= len(a) <= 5}
    )
    if not (wanted or patterns):
        return []
    # The first token identifies ("Harborview" of "Harborview Software"); a later one
    # is often an industry word ("Orchard Robotics": "robotics" names no account).
    # Initials joined by "&" ("L&V") are the leading words' first letters ("Lumen & Vale
    # Hospitality"); only then is every name's initials computed.
    by_initials = (
        " OR (SELECT string_agg(left(w, 1), '' ORDER BY n) FROM"
        "  regexp_split_to_table(" + _folded("a.name") + ", '[^[:alnum:]]+')"
        "  WITH ORDINALITY AS t(w, n)"
        "  WHERE w <> '') LIKE ANY(%(initials)s)"
        if patterns
        else ""
    )
    rows = conn.execute(
        "SELECT id, name, owner_id, industry, attributes FROM accounts a WHERE org = %(org)s"
        " AND ((regexp_split_to_array(" + _folded("a.name") + ", '[^[:alnum:]]+'))[1]"
        "  = ANY(%(wanted)s) OR " + _folded("a.name") + " = ANY(%(phrases)s)" + by_initials + ")"
        " ORDER BY id LIMIT 20",
        {
            "org": org,
            "wanted": wanted,
            "phrases": _phrases(words),
            "initials": patterns,
        },
    ).fetchall()
    accounts = [AccountRow(*row) for row in rows]
    if not accounts:
        accounts = _accounts_spelled_like(conn, org=org, words=words)
    return [a for a in accounts if caller_sees_account(conn, org=org, acl=acl, account=a)]


#: Trigram similarity (pg_trgm) a misspelt word needs with an account's first word:
#: one transposed or dropped letter in a name of 10+ letters ("harborveiw" 0.47 of
#: "harborview", "brackenrdige" 0.53, "copperlef" 0.62) passes, a different word of
#: similar letters ("harbour" 0.36 of "harborview", "northern" 0.36 of "northgate",
#: "contract" 0.31 of "contoso") does not.
_SPELLED_LIKE = 0.45
#: Only words this long are read as misspelt names: shorter ones differ by a letter
#: from too many ordinary words.
_SPELLED_MIN = 7


def _has_trigrams(conn: Connection[Any]) -> bool:
    """Whether pg_trgm's similarity() is installed (migration 0005 creates it where the
    server has the extension; without it names match only as typed)."""
    row = conn.execute("SELECT to_regprocedure('similarity(text,text)') IS NOT NULL").fetchone()
    return bool(row and row[0])


def _accounts_spelled_like(
    conn: Connection[Any], *, org: str, words: Sequence[str], limit: int = 2
) -> list[AccountRow]:
    """Accounts whose first word a longer word of the question misspells, most alike
    first: the fallback of :func:`accounts_named` when no name matched exactly."""
    typed = sorted(
        {w for w in words if len(w) >= _SPELLED_MIN and w.isalpha() and w not in _GENERIC}
    )
    if not typed or not _has_trigrams(conn):
        return []
    rows = conn.execute(
        "SELECT id, name, owner_id, industry, attributes FROM ("
        " SELECT a.*, (SELECT max(similarity(first, w)) FROM unnest(%(typed)s::text[]) w) AS s"
        " FROM (SELECT *, (regexp_split_to_array(" + _folded("name") + ", '[^[:alnum:]]+'))[1]"
        "  AS first"
        "  FROM accounts WHERE org = %(org)s) a"
        " WHERE length(a.first) >= %(min)s - 1) m"
        " WHERE s >= %(at_least)s ORDER BY s DESC, id LIMIT %(limit)s",
        {
            "org": org,
            "typed": typed,
            "min": _SPELLED_MIN,
            "at_least": _SPELLED_LIKE,
            "limit": limit,
        },
    ).fetchall()
    return [AccountRow(*row) for row in rows]


def contacts_named(
    conn: Connection[Any], *, org: str, acl: frozenset[str], words: Sequence[str], limit: int = 5
) -> list[tuple[ContactRow, AccountRow]]:
    """Contacts whose full name ``words`` spell ("uma zhang"), each with its account, for
    accounts the caller may see only: a contact is visible exactly when its account is
    (:func:`retrieval.acl.account_visible`).

    Args:
        words: The question's words, lowercased.
    """
    rows = _full_name_rows(
        conn,
        "SELECT c.id, c.account_id, c.name, c.email, c.title, c.attributes,"
        " a.id, a.name, a.owner_id, a.industry, a.attributes"
        " FROM contacts c JOIN accounts a ON a.org = c.org AND a.id = c.account_id"
        " WHERE c.org = %(org)s AND lower(c.name) = ANY(%(phrases)s)"
        " ORDER BY c.id LIMIT %(limit)s",
        org=org,
        words=words,
        limit=limit,
    )
    found = [(ContactRow(*r[:6]), AccountRow(*r[6:])) for r in rows]
    return [(c, a) for c, a in found if caller_sees_account(conn, org=org, acl=acl, account=a)]


def colleagues_named(
    conn: Connection[Any], *, org: str, words: Sequence[str], limit: int = 5
) -> list[ColleagueRow]:
    """Users of ``org`` whose full name ``words`` spell: the people on our side, whom
    anyone in the org may look up (as an account's owner is named to whoever sees it).

    Args:
        words: The question's words, lowercased.
    """
    rows = _full_name_rows(
        conn,
        "SELECT u.id, u.name, u.email, u.role, u.attributes->>'title', t.name"
        " FROM users u LEFT JOIN teams t ON t.org = u.org AND t.id = u.team_id"
        " WHERE u.org = %(org)s AND lower(u.name) = ANY(%(phrases)s)"
        " ORDER BY u.id LIMIT %(limit)s",
        org=org,
        words=words,
        limit=limit,
    )
    return [ColleagueRow(*r) for r in rows]


def _full_name_rows(
    conn: Connection[Any], sql: str, *, org: str, words: Sequence[str], limit: int
) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (parameters ``org``, ``phrases``, ``limit``) for the full names
    ``words`` may spell; none when they spell no two-word run."""
    phrases = _phrases(words)
    if not phrases:
        return []
    params = {"org": org, "phrases": phrases, "limit": limit}
    return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


_DOCUMENT_COLUMNS = ", ".join(f.name for f in fields(StoredDocument))


def tickets_named(
    conn: Connection[Any], *, org: str, acl: frozenset[str], codes: Sequence[str], limit: int = 3
) -> list[StoredDocument]:
    """Tickets the caller may see whose id is one of ``codes`` or whose title names one
    ("TCK-10234 SSO login fails"), by the document access predicate like every read.

    Args:
        codes: Ticket numbers as written in a question (case-insensitive).

    Example:
        >>> tickets_named(conn, org="acme", acl=acl, codes=["TCK-10234"])  # doctest: +SKIP
        [StoredDocument(id='TCK-10234', kind='ticket', ...)]
    """
    wanted = sorted({c.lower() for c in codes if c})
    if not wanted:
        return []
    patterns = [f"%{c.replace('%', '').replace('_', '')}%" for c in wanted]
    rows = conn.execute(
        f"SELECT {_DOCUMENT_COLUMNS} FROM documents"
        " WHERE org = %(org)s AND kind = 'ticket' AND access && %(acl)s"
        " AND (lower(id) = ANY(%(wanted)s) OR lower(title) LIKE ANY(%(patterns)s))"
        " ORDER BY occurred_at DESC, id LIMIT %(limit)s",
        {
            "org": org,
            "acl": require_principals(acl),
            "wanted": wanted,
            "patterns": patterns,
            "limit": limit,
        },
    ).fetchall()
    return [StoredDocument(*r) for r in rows]
