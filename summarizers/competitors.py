"""Competitor mentions: a configurable list of names plus competitive phrasing.

A list entry is a canonical name, optionally followed by aliases after ``|``:
``"Microsoft Dynamics|Dynamics 365|MS Dynamics"`` reports every alias as "Microsoft
Dynamics". Names are matched on word boundaries, case-insensitively, except names that
are also ordinary English words ("Close", "Copper", "Outreach", "Gong"): those must be
written capitalised and not open a sentence, unless a competitive phrase ("we're also
evaluating Close") vouches for them.

Names not on the list are found only in unambiguous competitive phrasing: "we're also
evaluating X", "we will evaluate X instead", "X quoted us", "X is offering a free pilot",
"switching to X", "moved off X", "versus X", "a bake-off with X", "renewing with X".
Tools customers integrate with (Slack, Okta, NetSuite, ...), months, weekdays and
acronyms are never reported.

Example:
    >>> text = "We're also evaluating Acmeforce. HubSpot quoted us less. Close the loop."
    >>> [(m.name, text[m.start:m.end]) for m in find_competitors(text)]
    [('Acmeforce', 'Acmeforce'), ('HubSpot', 'HubSpot')]
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from textkit.tokens import wordlist

__all__ = [
    "DEFAULT_COMPETITORS",
    "CompetitorMention",
    "find_competitors",
    "load_competitors",
    "parse_competitors",
    "parse_competitors_toml",
]


DEFAULT_COMPETITORS: tuple[str, ...] = (
    "Salesforce|SFDC|Sales Cloud|Service Cloud",
    "HubSpot",
    "Zendesk",
    "Pipedrive",
    "Freshworks|Freshdesk|Freshsales",
    "Zoho|Zoho CRM|Zoho Desk",
    "Microsoft Dynamics|Dynamics 365|Dynamics CRM|MS Dynamics|D365",
    "monday.com|monday CRM|monday sales CRM",
    "ServiceNow",
    "SugarCRM|Sugar CRM",
    "Oracle CX|Oracle Sales Cloud|Oracle CRM",
    "SAP Sales Cloud|SAP CX|SAP CRM",
    "Insightly",
    "Copper",
    "Close",
    "Nutshell",
    "Keap|Infusionsoft",
    "Creatio",
    "Attio",
    "Intercom",
    "Gorgias",
    "Kustomer",
    "Help Scout",
    "Gong",
    "Clari",
    "Outreach",
    "Salesloft",
    "Apollo.io",
)

# Single-word names that are also everyday words: matched only when capitalised and not
# sentence-initial, or when a competitive phrase vouches for them.
_COMMON_WORDS = frozenset(
    wordlist(
        """close copper outreach gong nutshell intercom front apollo chorus seismic affinity
        nimble notion pipeline streak folk sugar act people monday dynamics teams zoom
        oracle freshworks attention highspot keap"""
    )
)

# Never competitors: what customers integrate with, calendar words, roles and acronyms.
_NOT_COMPETITORS = frozenset(
    wordlist(
        """slack jira okta snowflake netsuite workday sap marketo google gmail outlook excel
        word powerpoint teams zoom aws azure gcp docusign tableau looker confluence github
        gitlab microsoft apple linkedin spreadsheets spreadsheet sheets email phone delaware
        london america europe january february march april may june july august september
        october november december monday tuesday wednesday thursday friday saturday sunday
        q1 q2 q3 q4 fy option plan phase tier pro enterprise premium standard basic annual
        monthly legal finance procurement security engineering leadership sales marketing
        support it hr the our your their its this that these those we you they i a an it us
        them him her he she my his me one two three next last new old other another option
        today tomorrow version v1 v2 year month week quarter product team board ceo cfo cro
        coo cio cto vp"""
    )
)
_INTEGRATION_USE = re.compile(
    r"(?:['\u2019]s)?\s+(?:sync|syncs|integration|integrations|connector|connectors|api|apis|plugin"
    r"|plug-in|app|package|export|exports|import|imports|field|fields|object|objects|webhook"
    r"|webhooks|connection|instance|data|records)\b",
    re.I,
)
_STOP_FIRST_WORDS = frozenset(wordlist("the our your their a an this that my his her its"))


@dataclass(frozen=True, slots=True)
class CompetitorMention:
    """One mention: ``text[start:end]`` names the competitor ``name`` (its canonical name)."""

    name: str
    start: int
    end: int


def parse_competitors(lines: Iterable[str]) -> tuple[str, ...]:
    """Entries of a competitor list: blank lines and ``#`` comments dropped, duplicates too.

    Raises:
        ValueError: An entry has an empty name or alias (it quotes the entry).

    Example:
        >>> parse_competitors(["# CRM", "Acme CRM | Acme  # old name", "", "acme crm"])
        ('Acme CRM|Acme',)
    """
    out: dict[str, str] = {}
    for raw in lines:
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        names = [" ".join(part.split()) for part in line.split("|")]
        if not all(names):
            raise ValueError(f"competitor entry {raw.strip()!r} has an empty name or alias")
        out.setdefault(names[0].lower(), "|".join(names))
    return tuple(out.values())


def parse_competitors_toml(text: str) -> tuple[str, ...]:
    """Entries of a TOML competitor list.

    It holds ``competitors = ["Acme", "Initech|Initrode"]``, or tables ``[[competitors]]``
    with a ``name`` and optional ``aliases``.

    Raises:
        ValueError: Not TOML, or not such a list; the message quotes the bad entry.

    Example:
        >>> parse_competitors_toml('competitors = [{name = "Initech", aliases = ["Initrode"]}]')
        ('Initech|Initrode',)
    """
    try:
        entries = tomllib.loads(text).get("competitors")
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"not valid TOML ({err})") from None
    if not isinstance(entries, list):
        raise ValueError(f"expected a 'competitors' list, got {type(entries).__name__}")
    lines = []
    for entry in entries:
        if isinstance(entry, str):
            names = [entry]
        elif isinstance(entry, dict) and isinstance(entry.get("name"), str):
            aliases = entry.get("aliases", [])
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise ValueError(f"aliases of {entry['name']!r} must be a list of strings")
            names = [entry["name"], *aliases]
        else:
            raise ValueError(f"competitor entry {entry!r} is not a name or a table")
        if any("#" in name or "|" in name for name in names):
            raise ValueError(f"competitor entry {entry!r} has a '#' or '|' in a name")
        lines.append("|".join(names))
    return parse_competitors(lines)


def load_competitors(path: str | Path) -> tuple[str, ...]:
    """Read a competitor list so deployments can configure their own.

    A ``.toml`` file is read by :func:`parse_competitors_toml`; any other file holds one
    entry per line (``Name`` or ``Name|Alias|Alias``) with ``#`` comments, read by
    :func:`parse_competitors`.

    Raises:
        ValueError: The file is malformed; the message names the file.
        OSError: The file cannot be read.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "competitors.txt"
        >>> _ = p.write_text("# ours\\nAcme CRM|Acme\\nInitech\\n")
        >>> load_competitors(p)
        ('Acme CRM|Acme', 'Initech')
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".toml":
            return parse_competitors_toml(text)
        return parse_competitors(text.splitlines())
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


# --------------------------------------------------------------------------- matching

# A name starts a word and its words are taken whole (possessive quantifiers): otherwise a
# long run of letters with capitals (a pasted key, CamelCase) is tried from every capital
# and at every length, quadratic time that held the interpreter for minutes. Nor does it
# start after a joiner inside a word ("A.A.A…", "X-Y-Z…"): each joined piece was a new
# start that ran to the end of the run (100k characters of "A." took 30 s).
_NAME = (
    r"(?P<name>(?<![A-Za-z0-9])(?<![A-Za-z0-9][.&-])[A-Z][A-Za-z0-9]*+(?:[.&-][A-Za-z0-9]++)*+"
    r"(?:[ \t]+[A-Z][A-Za-z0-9]*+){0,2})"
)
_CONTEXT_BEFORE = re.compile(
    r"(?i:\b(?:(?:also|currently|already|been|are|were|be)\s+)?"
    r"(?:evaluating|evaluated|trialing|trialling|trialed|trialled|piloting|piloted|demoing"
    r"|demoed|considering|shortlisted"
    # "otherwise we will evaluate X instead", "we plan to trial X", "might go with X"
    r"|(?:will|would|[’']ll|[’']d|to|might|may|could)\s+(?:also\s+)?"
    r"(?:evaluate|trial|pilot|go\s+with)"
    r"|talking\s+to|looking\s+at|comparing\s+(?:you|your\s+\w+|us|it|them)\s+(?:with|to|against)"
    r"|benchmarking\s+against|switch(?:ing|ed)?\s+(?:over\s+)?(?:to|from)"
    r"|mov(?:e|ed|ing)\s+(?:off(?:\s+of)?|away\s+from)|migrat(?:e|ed|ing)\s+(?:to|from|off)"
    r"|replac(?:e|ed|ing)\s+(?:you|us|it)\s+with|went\s+with|signed\s+with|leaving\s+(?:us\s+)?for"
    r"|renew(?:ing|ed)?\s+with|versus|vs\.?|compared\s+(?:to|with)|side-by-side\s+with"
    r"|bake-off\s+(?:with|against|between\s+(?:us|you)\s+and)|incumbent(?:\s+is|,)?"
    r"|(?:have|has|had|having|getting|got|scheduled|booked)\s+a\s+demo\s+(?:with|from))\s+)" + _NAME
)
_CONTEXT_AFTER = re.compile(
    _NAME + r"(?i:\s+(?:(?:has\s+|have\s+)?(?:re-?)?quoted\s+us|(?:is|are|was|were|has\s+been"
    r"|have\s+been)\s+(?:offering|quoting|pitching|undercutting|discounting)|came\s+in\s+"
    r"(?:[\w-]+\s+){0,3}?(?:at|with|lower|cheaper|under|below)|offered\s+us|undercut\s+you)"
    r"|(?:'s|\u2019s|\s+has)\s+been\s+out\s+(?:to|on)\s+(?:site|see\s+them))\b"
)


@lru_cache(maxsize=32)
def _alias_patterns(names: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str], bool], ...]:
    """``(canonical, pattern, is_common_word)`` for every alias, longest aliases first."""
    aliases: list[tuple[str, str]] = []
    for entry in names:
        parts = [p.strip() for p in entry.split("|") if p.strip()]
        aliases.extend((parts[0], alias) for alias in parts)
    aliases.sort(key=lambda a: (-len(a[1]), a[1]))
    out = []
    for canonical, alias in aliases:
        common = alias.lower() in _COMMON_WORDS
        body = r"\s+".join(re.escape(word) for word in alias.split())
        pattern = rf"(?<![\w@/.-]){body}(?![\w-]|\.\w)"
        # Everyday words keep their case ("Close", not "close"); other names ignore it.
        out.append((canonical, re.compile(pattern, 0 if common else re.I), common))
    return tuple(out)


def _sentence_initial(text: str, start: int) -> bool:
    before = text[max(0, start - 4) : start].rstrip(" \t\"'(*-\u2022")
    return not before or before[-1] in ".!?:\n#"


def _plausible_unknown(name: str, excluded: frozenset[str]) -> bool:
    first = name.split()[0].lower()
    lowered = name.lower()
    if first in _STOP_FIRST_WORDS or lowered in _NOT_COMPETITORS or first in _NOT_COMPETITORS:
        return False
    if lowered in excluded or first in excluded:
        return False
    # All-caps acronyms (SSO, MSA, IT) are too often not vendors.
    return not (name.isupper() and len(name) <= 5)


def find_competitors(
    text: str,
    names: Sequence[str] = DEFAULT_COMPETITORS,
    *,
    start: int = 0,
    end: int | None = None,
    exclude: Iterable[str] = (),
) -> list[CompetitorMention]:
    """Competitor mentions in ``text[start:end]``, listed names and competitive phrasing.

    Args:
        text: The text to search.
        names: List entries, ``"Name"`` or ``"Name|Alias|..."``.
        start: Where to start looking.
        end: Where to stop looking; the end of ``text`` when None.
        exclude: Words never to report from phrasing alone, such as the speakers' names.

    Returns:
        Non-overlapping mentions in text order; listed names carry their canonical name,
        others the name as written.

    Example:
        >>> find_competitors("They're switching to Initech.", ["Acme"])[0].name
        'Initech'
    """
    stop = len(text) if end is None else end
    excluded = frozenset(e.lower() for e in exclude)
    vouched: list[tuple[int, int, str]] = []
    for pattern in (_CONTEXT_BEFORE, _CONTEXT_AFTER):
        for m in pattern.finditer(text, start, stop):
            name = _trim_name(m.group("name"))
            vouched.append((m.start("name"), m.start("name") + len(name), name))

    found: list[CompetitorMention] = []

    def free(s: int, e: int) -> bool:
        return all(e <= f.start or f.end <= s for f in found)

    for canonical, pattern, common in _alias_patterns(tuple(names)):
        for m in pattern.finditer(text, start, stop):
            s, e = m.span()
            if not free(s, e):
                continue
            if common:
                is_vouched = any(vs <= s and e <= ve for vs, ve, _ in vouched)
                if not is_vouched and (
                    not text[s].isupper() or _sentence_initial(text, s) or text[s:e].isupper()
                ):
                    continue
            if _INTEGRATION_USE.match(text, e) and not any(vs <= s for vs, _, _ in vouched):
                continue  # "the Salesforce sync is failing": a system they connect, not a rival
            found.append(CompetitorMention(canonical, s, e))
    for s, e, name in vouched:
        if free(s, e) and _plausible_unknown(name, excluded):
            found.append(CompetitorMention(name, s, e))
    found.sort(key=lambda f: f.start)
    return found


def _trim_name(name: str) -> str:
    """Drop trailing words that are not part of a vendor name ("Initech Today" -> "Initech")."""
    parts = name.split()
    while len(parts) > 1 and parts[-1].lower() in _NOT_COMPETITORS:
        parts.pop()
    return " ".join(parts)
