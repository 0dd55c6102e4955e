"""What the model fills in: LLM-facing schemas that carry quotes instead of offsets.

The engine turns each quote into a verified :class:`~summarizers.models.Citation`
(:mod:`summarizers.llm.grounding`); the model never writes an offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

__all__ = [
    "LLMActionClaim",
    "LLMAnswer",
    "LLMAnswerSentence",
    "LLMCallSummary",
    "LLMClaim",
    "LLMCompetitor",
    "LLMSentiment",
    "LLMStats",
    "StructuredMethod",
]

StructuredMethod = Literal["json_schema", "function_calling", "json_prompt"]

# ----------------------------------------------------------- LLM-facing schemas
# Every field is required (nullable where optional) so the same schema works as an
# OpenAI strict ``json_schema`` and as prompt instructions for local models.

_QUOTE = (
    "Verbatim text copied character for character from the document that supports this "
    "item: one sentence or phrase, not paraphrased, no ellipses."
)


class LLMClaim(BaseModel):
    """One statement and the verbatim span of the source that supports it."""

    text: str = Field(description="The statement, in your own words.")
    quote: str = Field(description=_QUOTE)


class LLMActionClaim(LLMClaim):
    owner: str | None = Field(description="Who committed to it, as named in the document.")
    due: str | None = Field(
        description="Due date as YYYY-MM-DD, relative dates resolved against the call date."
    )


class LLMSentiment(BaseModel):
    label: Literal["positive", "neutral", "negative"]
    score: float = Field(ge=-1.0, le=1.0, description="-1 very negative .. +1 very positive")
    quote: str = Field(description=_QUOTE)


class LLMCompetitor(BaseModel):
    name: str = Field(description="A competing vendor or product named in the document.")
    quote: str = Field(description=_QUOTE)


class LLMCallSummary(BaseModel):
    """What the model fills in for a call; offsets are computed here, not by the model."""

    summary: list[LLMClaim] = Field(description="2-4 sentences summarizing the call.")
    key_points: list[LLMClaim]
    action_items: list[LLMActionClaim] = Field(description="Commitments: who does what.")
    next_steps: list[LLMClaim]
    sentiment: LLMSentiment = Field(description="The customer's sentiment.")
    objections: list[LLMClaim]
    competitors: list[LLMCompetitor]
    risks: list[LLMClaim]


class LLMAnswerSentence(BaseModel):
    text: str = Field(description="One sentence of the answer.")
    document_id: str = Field(description="The id attribute of the document quoted.")
    quote: str = Field(description=_QUOTE)


class LLMAnswer(BaseModel):
    answered: bool = Field(description="false when the documents do not answer the question.")
    sentences: list[LLMAnswerSentence]


# --------------------------------------------------------------------- stats


@dataclass(frozen=True)
class LLMStats:
    """What one engine call cost and how much of the model's output survived checking.

    ``retries`` counts re-asks after invalid output; transport retries (timeouts,
    connection errors, 429/5xx) are done inside the chat model's client.
    """

    dropped_claims: int
    kept_claims: int
    latency_ms: float
    retries: int
