"""``copilot ask``: a question answered from the records one user may see, as ``/v1/ask``.

Attached to the ``copilot`` command through the ``copilot.commands`` entry points. Only
typer and the settings are imported up front; the model loads when the command runs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from copilot.cli_common import (
    AccountOption,
    KindOption,
    SinceOption,
    UntilOption,
    explained,
    fail,
    hit_json,
    open_service,
    search_filters,
)
from copilot.errors import CopilotError
from copilot.settings import Settings

if TYPE_CHECKING:
    from copilot.generation import AskResult

__all__ = ["ask", "render"]


def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain words.")],
    org: Annotated[str, typer.Option(help="The caller's org (tenant).")],
    user: Annotated[
        str, typer.Option(help="The caller's user id; the answer reads only what they may see.")
    ],
    kind: KindOption = None,
    account: AccountOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    top_k: Annotated[int, typer.Option(min=1, max=20, help="Passages retrieved as evidence.")] = 8,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the answer as JSON (the /v1/ask fields).")
    ] = False,
) -> None:
    """Answer a question as one user, citing the records it comes from, or decline.

    Declining ("no answer") is a result, not an error: the records the user may see do
    not say, and the closest ones are listed instead. Exit code 2 on bad input (an
    unknown user, kind or date).
    """
    if not question.strip():
        fail("the question is empty", 2)
    filters = search_filters(kind, account, since, until)
    with open_service(Settings()) as cp:
        try:
            result = cp.assistant.ask(
                org=org, user_id=user, question=question, filters=filters, top_k=top_k
            )
        except CopilotError as err:
            fail(explained(err), 2)
    if json_out:
        body = result.answer.model_dump(mode="json")
        body["retrieved"] = [
            {k: v for k, v in hit_json(h).items() if k != "text"} for h in result.retrieved
        ]
        typer.echo(json.dumps(body, indent=2))
        return
    typer.echo(render(result))


def render(result: AskResult) -> str:
    """The answer as a person reads it: the text, then every source it cites.

    Example:
        >>> from copilot.generation import AskResult
        >>> from summarizers.models import Answer, SeeAlso
        >>> no = Answer(answer="", answered=False, confidence=0.31,
        ...             see_also=[SeeAlso(document_id="em-7", title="Renewal terms")])
        >>> print(render(AskResult(no, ())))
        No answer: the records you may see do not say (confidence 0.31).
        See also:
          em-7  Renewal terms
    """
    answer = result.answer
    if not answer.answered:
        lines = [
            f"No answer: the records you may see do not say (confidence {answer.confidence:.2f})."
        ]
        if answer.see_also:
            lines.append("See also:")
            lines += [f"  {s.document_id}  {s.title}" for s in answer.see_also]
        return "\n".join(lines)
    lines = [answer.answer, "", f"confidence {answer.confidence:.2f}, {answer.engine} engine"]
    sources = [f"  [{f.record_type}] {f.document_id}: {f.quote}" for f in answer.facts]
    sources += [
        f"  {c.document_id} [{c.start}:{c.end}]: {' '.join(c.quote.split())}"
        for c in answer.citations
    ]
    if sources:
        lines += ["Sources:", *sources]
    return "\n".join(lines)
