"""Search filters compiled to ``psycopg.sql``.

Only whitelisted columns appear, values are always bound parameters, and a filter
can only narrow the permitted set: nothing here touches the access predicate.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from retrieval.models import SearchFilters

__all__ = ["compile_filters"]


def compile_filters(
    filters: SearchFilters, *, alias: str = "c"
) -> tuple[sql.Composable, dict[str, Any]]:
    """Compile filters to an ``AND …`` fragment and its parameters.

    Example:
        >>> frag, params = compile_filters(SearchFilters(kinds=("call",)))
        >>> params
        {'f_kinds': ['call']}
    """
    table = sql.Identifier(alias)
    clauses: list[sql.Composable] = []
    params: dict[str, Any] = {}
    if filters.kinds:
        clauses.append(sql.SQL("{}.kind = ANY(%(f_kinds)s)").format(table))
        params["f_kinds"] = list(filters.kinds)
    if filters.account_id is not None:
        clauses.append(sql.SQL("{}.account_id = %(f_account)s").format(table))
        params["f_account"] = filters.account_id
    if filters.date_from is not None:
        clauses.append(sql.SQL("{}.occurred_at >= %(f_from)s").format(table))
        params["f_from"] = filters.date_from
    if filters.date_to is not None:
        clauses.append(sql.SQL("{}.occurred_at <= %(f_to)s").format(table))
        params["f_to"] = filters.date_to
    if not clauses:
        return sql.SQL(""), params
    return sql.SQL(" AND ") + sql.SQL(" AND ").join(clauses), params
