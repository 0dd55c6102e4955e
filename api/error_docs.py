"""The error responses each route is documented with in OpenAPI, in the one error shape.

What a route can answer is derived from what it depends on (a body, a caller, the
service, cursors), so a new route is documented as it behaves. The handlers that give
these answers are in :mod:`api.errors`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from api import deps
from api.schemas import ErrorResponse

__all__ = ["document_error_responses"]

#: Why each error status happens, as OpenAPI describes it.
_WHY = {
    400: "Malformed request: body not JSON, empty ingest body, bad or expired cursor, "
    "inverted date range, missing org.",
    401: "Missing, malformed or expired token, or an unknown user.",
    403: "Valid credentials without the right to this operation.",
    404: "Missing or not visible (the same answer either way).",
    409: "Index built with another embedding model (run `copilot reindex`).",
    413: "Request body over the size limit.",
    422: "A field out of range or malformed; `field` names it.",
    429: "Rate limit exceeded; see `Retry-After`.",
    503: "Database unavailable; retry after `Retry-After` seconds.",
}
_CONVERTER = re.compile(r":\w+}")


def _calls(dependant: Any) -> set[Any]:
    found = {dependant.call}
    for dep in dependant.dependencies:
        found |= _calls(dep)
    return found


def _statuses(route: APIRoute) -> set[int]:
    # Derived from what the route depends on, so a new route is documented as it behaves.
    calls = _calls(route.dependant)
    params = route.dependant.path_params + route.dependant.query_params
    raw_body = "requestBody" in (route.openapi_extra or {})
    statuses = {429}
    if params or route.body_field is not None or raw_body:
        statuses.add(422)
    if route.body_field is not None or raw_body:
        statuses |= {400, 413}
    if deps._copilot in calls:
        statuses.add(503)
    if calls & {deps._caller, deps._ingester, deps._metrics_reader}:
        statuses.add(401)
    if deps._ingester in calls:
        statuses |= {400, 403}
    if deps._cursors in calls:
        statuses.add(400)
    if raw_body and deps._ingester in calls:
        statuses.add(409)
    return statuses


def document_error_responses(
    app: FastAPI, routes: list[Any], *, open_paths: frozenset[str] = frozenset()
) -> None:
    """List in OpenAPI the error responses each route really returns, in the one error
    shape (FastAPI documents only 422, and with its own validation-error schema).

    ``open_paths`` need no credentials in this deployment (``/metrics`` without a
    metrics token): their security requirement and 401 are left out.
    """
    wanted = {
        (_CONVERTER.sub("}", route.path), method.lower()): _statuses(route)
        for route in routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = generate()
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        defs = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(defs.pop("$defs", {}))
        schemas["ErrorResponse"] = defs
        ref = {"$ref": "#/components/schemas/ErrorResponse"}
        for (path, method), statuses in wanted.items():
            operation = spec.get("paths", {}).get(path, {}).get(method)
            if operation is None:
                continue
            if path in open_paths:
                operation.pop("security", None)
                statuses = statuses - {401}
            for status in sorted(statuses):
                entry = operation["responses"].setdefault(str(status), {})
                entry.setdefault("description", _WHY[status])
                entry["content"] = {"application/json": {"schema": ref}}
        if "#/components/schemas/HTTPValidationError" not in json.dumps(spec["paths"]):
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
