"""Objections and risks: phrase patterns by category, outside conditionals and negations."""

from __future__ import annotations

import re
from collections.abc import Iterable

from summarizers.models import Item
from summarizers.offline.action_items import _ACTION_SECTIONS
from summarizers.offline.analysis import _CONDITIONAL, _MAX_CITATIONS, _Call, _Unit
from summarizers.offline.rendering import _sentence_text, _trimmed_span

_MAX_OBJECTIONS = 6

_CATEGORY = list[tuple[str, re.Pattern[str]]]


def _categories(pairs: Iterable[tuple[str, str]]) -> _CATEGORY:
    return [(name, re.compile(pattern, re.I)) for name, pattern in pairs]


_NT = r"(?:n['\u2019]?t|\s+not)"
_OBJECTIONS = _categories(
    (
        (
            "Pricing",
            r"\btoo\s+(?:expensive|pricey|costly|high)|\b(?:is|are|feels?|seems?|looks?)\s+"
            r"(?:\w+\s+)?(?:expensive|pricey|steep)|\bexpensive\b|\boverpriced\b"
            r"|\bover\s+(?:our\s+)?budget|\bsharpen\s+the\s+pencil"
            r"|\bhigher\s+than\s+(?:what\s+)?(?:we|I)\s+(?:had\s+)?budgeted"
            r"|\blower\s+(?:per[- ]seat\s+)?(?:price|figure|rate|number|cost)"
            r"|\bprice\s+came\s+down|\b\d+\s*%\s+off\b|\bdiscount|\bcheaper\b|\bbetter\s+(?:rate"
            r"|price|deal)|\bca" + _NT + r"\s+afford|\bprice\s+(?:is|was)\s+(?:a\s+)?(?:problem"
            r"|issue|concern)",
        ),
        (
            "Budget / timing",
            r"\bno\s+budget\b(?!\s+(?:concerns?|issues?|problems?))"
            r"|\bbudget\s+(?:got\s+|was\s+|has\s+been\s+)?(?:cut|frozen|slashed)"
            r"|\b(?:spending|hiring|budget)\s+freeze|\bfroze\b|\bfrozen\b|\bnot\s+a\s+priority"
            r"|\btiming\s+is\s+(?:uncertain|tough|bad|tight)|\bnot\s+(?:the\s+)?right\s+time"
            r"|\bbudget\s+is\s+(?:tight|limited|gone)|\bCFO\s+approval"
            r"|\bCFO\s+has\s+to\s+approve|\bevery\s+purchase\b",
        ),
        (
            "Competition",
            r"\balso\s+(?:evaluating|looking\s+at|talking\s+to|considering)|\bfree\s+pilot"
            r"|\btheir\s+demo\s+was|\breason\s+to\s+pick\s+you|\bwhy\s+(?:should|would)\s+we"
            r"\s+(?:pick|choose)\s+you|\bside-by-side|\bbake-off|\balready\s+uses?\s+[A-Z]"
            r"|\bcompetitor|\bquoted\s+us\b|\bswitch(?:ing)?\s+(?:over\s+)?to\s+[A-Z]",
        ),
        (
            "Switching cost",
            r"\bswitching\s+costs?|\bmigration\s+(?:effort|risk|cost)|\brip\s+and\s+replace",
        ),
        (
            "Security / compliance",
            r"\bca" + _NT + r"\s+sign\s+until|\bcannot\s+sign\s+until|\bholding\s+up\s+"
            r"(?:the\s+)?signature|\bsecurity\s+(?:questionnaire|review|team)|\binfosec\b"
            r"|\bSOC\s?2\b|\bpen(?:etration)?\s+test|\bDPA\b|\bsub-?processors|\bdata\s+residency"
            r"|\bGDPR\b|\bHIPAA\b|\bencryption\b",
        ),
        (
            "Legal terms",
            r"\bredlines?\b|\b(?:ca|wo)" + _NT + r"\s+accept|\bcannot\s+accept|\bliability\b"
            r"|\bindemni\w+|\bauto-?renew\w*\s+clause|\bgoverning\s+law|\btermination\b",
        ),
        (
            "Value / adoption",
            r"\bquestion(?:ing)?\s+(?:the\s+)?value|\bnot\s+seeing\s+(?:the\s+|much\s+)?value"
            r"|\badoption\s+(?:has\s+been|is|was)\s+(?:low|poor|slow)|\blow\s+adoption|\bnot\s+sure"
            r"\s+we['\u2019]?(?:ll|\s+will)\s+(?:continue|renew)|\bwent\s+back\s+to\s+"
            r"(?:spreadsheets|excel)|\blist\s+to\s+cut|\bhard\s+to\s+justify|\bnot\s+worth"
            r"|\bonly\s+a\s+handful",
        ),
        (
            "Product gap",
            r"\b(?:does|do)" + _NT + r"\s+(?:support|have|offer|integrate)|\bmissing\s+(?:a\s+)?"
            r"(?:feature|capability|functionality)|\bno\s+way\s+to\b|\bwould\s+really\s+help\s+if"
            r"|\bany\s+plan\s+to\s+support|\bon\s+the\s+roadmap\?|\bfor\s+compliance;"
            r"|\black(?:s|ing)?\b|\b(?:users|admins|agents|reps|team)\s+keep\s+asking\s+for\b"
            r"|\broadmap\s+question|\bfeature\s+request|\bwants?\s+[\w -]{3,40}?\s+before"
            r"\s+expanding\b",
        ),
        (
            "Implementation effort",
            r"\bhow\s+long\s+does\s+(?:the\s+)?implementation|\btoo\s+(?:long|complex|complicated)"
            r"|\btied\s+up\s+until|\b(?:no|limited)\s+(?:bandwidth|resources|capacity)"
            r"|\blearning\s+curve|\bhard\s+to\s+use",
        ),
        (
            "Decision process",
            r"\bneeds?\s+(?:to\s+get\s+)?(?:sign-?off|approval)\s+from|\bboard\s+(?:expects|needs"
            r"|wants)|\bleadership\s+(?:asked|wants|needs)|\brun\s+it\s+by\b",
        ),
    )
)
_RISKS = _categories(
    (
        (
            "Budget freeze",
            r"\bfroze\b|\bfrozen\b|\bfreeze\b|\bbudget\s+(?:got\s+|was\s+|has\s+been\s+)?(?:cut"
            r"|slashed|reduced|pulled)"
            r"|\bno\s+budget\b(?!\s+(?:concerns?|issues?|problems?|constraints?))"
            r"|\bCFO\s+has\s+to\s+approve|\bneeds?\s+CFO"
            r"\s+(?:approval|sign-?off)|\bevery\s+purchase\s+over|\bspend(?:ing)?\s+(?:is\s+)?on"
            r"\s+hold|\bCFO\s+(?:sign-?off|approval)|\bbudget\s+is\s+(?:tight|limited|gone)",
        ),
        (
            "Timeline slip",
            r"\bslipp(?:ed|ing)\b|\bslips?\b|\bdelay(?:ed|s)?\b|\bpostpon\w+|\bpush(?:ed)?\s+"
            r"(?:back|out|to)\b|\btied\s+up\s+until|\bbehind\s+schedule|\b(?:wo|ca)"
            + _NT
            + r"\s+make\s+(?:the|that)\s+(?:date|deadline)|\btiming\s+is\s+uncertain"
            r"|\bon\s+hold\b|\bstall(?:ed|ing)?\b|\brollout\s+pushed",
        ),
        (
            "Legal blocker",
            r"\bredlin\w+|\b(?:ca|wo)" + _NT + r"\s+accept|\bcannot\s+accept|\bliability\s+cap"
            r"|\bindemni\w+|\bin\s+legal\s+review|\bcounsel\s+(?:rejected|wants)\b"
            r"|\bgoverning\s+law|\bauto-?renew\w*\s+clause",
        ),
        (
            "Security blocker",
            r"\bca" + _NT + r"\s+sign\s+until|\bcannot\s+sign\s+until|\bholding\s+up\s+"
            r"(?:the\s+)?signature|\bblocked\s+on\s+(?:their\s+|the\s+|our\s+)?security"
            r"|\bsecurity\s+review\b[^.]*\b(?:still\s+)?(?:open|outstanding|pending)"
            r"|\bquestions\s+outstanding",
        ),
        (
            "Champion leaving",
            r"\bI['\u2019]?m\s+leaving|\b(?:is|are)\s+leaving\b|\blast\s+day\b|\bmoving\s+on\b"
            r"|\bresign(?:ed|ing|s)?\b|\bstepping\s+down|\bdeparts?\b|\bdeparting\b"
            r"|\bsuccessor\b|\bwho\s+owns\s+it\s+now|\bchampion\b[^.]*\bleaving",
        ),
        (
            "Churn risk",
            r"\bnot\s+sure\s+we['\u2019]?(?:ll|\s+will)\s+(?:continue|renew)|\b(?:wo"
            + _NT
            + r"|will\s+not|not\s+going\s+to)\s+renew|\bcancel\w*|\bchurn\w*|\blist\s+to\s+cut"
            r"|\bquestion(?:ing)?\s+(?:the\s+)?value|\blow\s+adoption|\badoption\s+(?:has\s+been"
            r"|is|was)\s+(?:low|poor)|\bwent\s+back\s+to\s+(?:spreadsheets|excel)"
            r"|\breviewing\s+every\s+tool|\bat[- ]risk\b|\bonly\s+a\s+handful\s+of\s+people"
            r"|\bdowngrad\w+|\breduc\w+\s+(?:seats|licenses)|\bactive\s+users\s+down",
        ),
        (
            "Competitive threat",
            r"\balso\s+(?:evaluating|talking\s+to|looking\s+at|considering)|\bfree\s+pilot"
            r"|\btheir\s+demo\s+was\s+strong|\breason\s+to\s+pick\s+you|\bbake-off|\bshortlisted"
            r"|\baggressive\s+(?:pilot\s+)?offer|\bquoted\s+us\b|\boffered\s+us\b"
            r"|\bswitch(?:ing)?\s+(?:over\s+)?to\s+[A-Z]",
        ),
        (
            "Decision-maker change",
            r"\bnew\s+(?:CRO|CFO|CEO|CIO|CTO|COO|VP|head\s+of|leadership)\b|\breorg\w*"
            r"|\bacqui(?:red|sition)\b|\bmerger\b|\brestructur\w+",
        ),
        (
            "Service issue",
            r"\boutage\b|\bdown\s+for\b|\b(?:has\s+been|is|was|went)\s+down\b|\bdowntime\b"
            r"|\bincident\b|\bfailing\b|\bfailed\b|\b500\s+error|\btimes?\s+out\b|\blatency\b"
            r"|\bextremely\s+slow|\blost\s+(?:about\s+)?\w+\s+hours|\bduplicate\s+(?:contacts"
            r"|records)|\bbroken\b|\bnot\s+working\b|\bbugs?\b",
        ),
        (
            "Billing dispute",
            r"\bcharged\s+twice|\bdouble[- ]charged|\bovercharg\w+|\bduplicate\s+charge"
            r"|\blate\s+fee|\b(?:wrong|incorrect)\s+(?:PO|invoice|seat\s+count)|\bPO\s+number"
            r"\s+on\s+the\s+invoice\s+is\s+wrong|\bdisput\w+|\bcredit\s+memo",
        ),
    )
)
#: The patterns by category name, for answers that look for a category's sentences
#: (:mod:`summarizers.answer.topics`, :mod:`summarizers.answer.gaps`).
OBJECTION_CATEGORIES: dict[str, re.Pattern[str]] = dict(_OBJECTIONS)
RISK_CATEGORIES: dict[str, re.Pattern[str]] = dict(_RISKS)
#: A customer's sentence saying the product lacks something they want ("It would really
#: help if we had an offline mode"): also what a product-gap question is answered with.
PRODUCT_GAP = OBJECTION_CATEGORIES["Product gap"]
_OBJECTION_TEST = re.compile("|".join(f"(?:{p.pattern})" for _, p in _OBJECTIONS), re.I)
_RISK_TEST = re.compile("|".join(f"(?:{p.pattern})" for _, p in _RISKS), re.I)


_NEGATED = re.compile(
    r"\b(?:not|no|never|without|n['\u2019]?t|cannot)\s+(?:\w+\s+)?$|n['\u2019]t\s+(?:\w+\s+)?$",
    re.I,
)


def _categories_of(call: _Call, u: _Unit, categories: _CATEGORY) -> list[str]:
    """Categories whose pattern matches outside a conditional clause and not negated.

    "If kickoff slips" and "the project doesn't stall" raise nothing.
    """
    out = []
    for name, pattern in categories:
        for m in pattern.finditer(call.content, u.start, u.end):
            conditional = _CONDITIONAL.search(call.content, u.start, m.start())
            negated = _NEGATED.search(call.content, max(u.start, m.start() - 24), m.start())
            if not (conditional or negated):
                out.append(name)
                break
    return out


def _objections(call: _Call) -> list[Item]:
    out = []
    for u in call.customer_units():
        if u.filler or u.title or u.section in _ACTION_SECTIONS:
            continue
        names = _categories_of(call, u, _OBJECTIONS)
        if names:
            start, end = _trimmed_span(call, u)
            text = f"{names[0]}: {_sentence_text(call, start, end)}"
            out.append(Item(text=text, citations=[call.cite(start, end)]))
    return out[:_MAX_OBJECTIONS]


def _risks(call: _Call) -> list[Item]:
    """One item per risk category, citing the sentences that raised it (up to three).

    Categories come in a fixed order (budget, timeline, legal, security, champion, churn,
    competition, decision maker, service, billing), not in order of mention.
    """
    by_category: dict[str, list[_Unit]] = {}
    for u in call.customer_units():
        if u.filler or u.title:
            continue
        for name in _categories_of(call, u, _RISKS):
            by_category.setdefault(name, []).append(u)
    out = []
    for name, _ in _RISKS:
        units = by_category.get(name)
        if not units:
            continue
        first = units[0]
        start, end = _trimmed_span(call, first)
        text = f"{name}: {_sentence_text(call, start, end)}"
        citations = [call.cite(*_trimmed_span(call, u)) for u in units[:_MAX_CITATIONS]]
        out.append(Item(text=text, citations=citations))
    return out
