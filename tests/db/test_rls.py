"""Row-level security: the database's own line behind every query's access filter.

User reads run as ``copilot_service``, a role that owns nothing, cannot bypass RLS and
may only SELECT. These tests read ``documents`` and ``chunks`` with *no* WHERE clause
and check that the policies alone return exactly what the sharing rules allow, that an
unscoped or badly scoped transaction sees nothing, and that the role cannot write or
switch the policies off.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import errors

from copilot.db import configure_connection
from copilot.service import Copilot
from retrieval import store
from retrieval.errors import RetrievalError
from retrieval.models import SearchFilters
from tests.db import crm_small
from tests.db.crm_small import ACME, ACME_DOCS, EXPECTED, GLOBEX

USERS = sorted(EXPECTED)


@pytest.fixture()
def loaded(copilot):  # type: ignore[no-untyped-def]
    report = copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    assert report.errors == []
    return copilot


@pytest.fixture()
def service_conn(settings, loaded) -> Iterator[psycopg.Connection[Any]]:  # type: ignore[no-untyped-def]
    """A raw login as ``copilot_service`` (not through the app's pools)."""
    with psycopg.connect(settings.service_database_url) as conn:
        configure_connection(conn)  # pgvector types, for the store's vector search
        conn.commit()
        yield conn


@pytest.fixture()
def owner_conn(settings, loaded) -> Iterator[psycopg.Connection[Any]]:  # type: ignore[no-untyped-def]
    with psycopg.connect(settings.database_url) as conn:
        yield conn


def unfiltered(conn: psycopg.Connection[Any]) -> tuple[set[str], set[str]]:
    """Document ids seen through ``chunks`` and ``documents`` with no WHERE clause."""
    chunk_docs = {r[0] for r in conn.execute("SELECT DISTINCT document_id FROM chunks")}
    docs = {r[0] for r in conn.execute("SELECT id FROM documents")}
    return chunk_docs, docs


def scope(conn: psycopg.Connection[Any], org: str, user: str) -> frozenset[str]:
    acl = Copilot.principals(conn, org=org, user_id=user)
    store.scope_to_caller(conn, org=org, acl=acl)
    return acl


# --------------------------------------------------------------------------- the test


@pytest.mark.parametrize(("org", "user"), USERS)
def test_unfiltered_select_as_service_role_sees_only_the_callers_rows(
    service_conn, owner_conn, org: str, user: str
) -> None:  # type: ignore[no-untyped-def]
    scope(service_conn, org, user)
    chunk_docs, docs = unfiltered(service_conn)
    assert chunk_docs == EXPECTED[(org, user)]
    assert docs == EXPECTED[(org, user)]
    # Every chunk of each permitted document, not just one of them.
    seen = service_conn.execute("SELECT count(*) FROM chunks").fetchone()
    total = owner_conn.execute(
        "SELECT count(*) FROM chunks WHERE org = %s AND document_id = ANY(%s)",
        (org, sorted(EXPECTED[(org, user)])),
    ).fetchone()
    assert seen == total


@pytest.mark.parametrize(("org", "user"), USERS)
def test_as_caller_connection_sees_only_permitted_rows_without_a_filter(
    loaded, org: str, user: str
) -> None:  # type: ignore[no-untyped-def]
    with loaded.as_caller(org=org, user_id=user) as (conn, _acl):
        assert conn.execute("SELECT current_user").fetchone() == (store.SERVICE_ROLE,)
        assert unfiltered(conn) == (EXPECTED[(org, user)], EXPECTED[(org, user)])


# --------------------------------------------------------------------------- fail closed


def test_service_role_without_scope_sees_nothing(service_conn, owner_conn) -> None:  # type: ignore[no-untyped-def]
    assert owner_conn.execute("SELECT count(*) FROM documents").fetchone()[0] > 0
    assert unfiltered(service_conn) == (set(), set())
    assert service_conn.execute("SELECT count(*) FROM chunks").fetchone() == (0,)


def test_app_caller_connection_without_scope_sees_nothing(loaded) -> None:  # type: ignore[no-untyped-def]
    with loaded.db.caller() as conn:
        assert unfiltered(conn) == (set(), set())


@pytest.mark.parametrize(
    ("org", "principals"),
    [
        (ACME, None),  # org only
        (None, "{role:admin,org}"),  # principals only
        (ACME, "{}"),  # an empty array
        (ACME, ""),  # an empty string (a reset setting reads as '')
        (ACME, "{nobody,user:ghost}"),  # principals that match no row
        ("", "{role:admin}"),  # empty org
    ],
    ids=["org-only", "principals-only", "empty-array", "empty-string", "no-match", "empty-org"],
)
def test_partial_or_empty_scope_sees_nothing(
    service_conn, org: str | None, principals: str | None
) -> None:  # type: ignore[no-untyped-def]
    if org is not None:
        service_conn.execute("SELECT set_config('copilot.org', %s, true)", (org,))
    if principals is not None:
        service_conn.execute("SELECT set_config('copilot.principals', %s, true)", (principals,))
    assert unfiltered(service_conn) == (set(), set())


def test_malformed_principals_setting_is_an_error_not_a_wider_view(service_conn) -> None:  # type: ignore[no-untyped-def]
    service_conn.execute("SELECT set_config('copilot.org', 'acme', true)")
    service_conn.execute("SELECT set_config('copilot.principals', 'role:admin', true)")
    with pytest.raises(psycopg.DataError):
        service_conn.execute("SELECT id FROM documents").fetchall()


def test_scope_to_caller_refuses_an_empty_acl(service_conn) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RetrievalError):
        store.scope_to_caller(service_conn, org=ACME, acl=frozenset())


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_scope_is_transaction_local(service_conn, end: str) -> None:  # type: ignore[no-untyped-def]
    scope(service_conn, ACME, "admin")
    assert unfiltered(service_conn)[1] == ACME_DOCS
    getattr(service_conn, end)()
    # A new transaction on the same (pooled) connection inherits nothing.
    assert unfiltered(service_conn) == (set(), set())
    row = service_conn.execute(
        "SELECT current_setting('copilot.org', true), current_setting('copilot.principals', true)"
    ).fetchone()
    assert row is not None and not row[0] and not row[1]


def test_app_pool_connection_carries_no_scope_into_the_next_request(settings, embedder) -> None:  # type: ignore[no-untyped-def]
    # One pooled connection, so the second block reuses the first block's connection.
    one = settings.model_copy(update={"pool_max_size": 1})
    with Copilot.open(one, embedder=embedder) as cp:
        assert cp.indexer(progress=False).ingest_dicts(crm_small.records()).errors == []
        with cp.as_caller(org=ACME, user_id="admin") as (conn, _acl):
            first = conn.info.backend_pid
            assert unfiltered(conn)[1] == ACME_DOCS
        with cp.db.caller() as conn:
            assert conn.info.backend_pid == first
            assert unfiltered(conn) == (set(), set())


# --------------------------------------------------------------------------- tenant pinning


def test_other_orgs_principals_see_nothing_of_acme_even_with_admin(service_conn) -> None:  # type: ignore[no-untyped-def]
    acl = Copilot.principals(service_conn, org=GLOBEX, user_id="g-admin")
    wide = acl | {"role:admin", "org", "owner:rep-e1", "user:rep-e2", "team:t-east"}
    store.scope_to_caller(service_conn, org=GLOBEX, acl=wide)
    chunk_docs, docs = unfiltered(service_conn)
    assert chunk_docs == docs == {"g-doc"}
    # Even asking for acme explicitly: the policy pins the tenant from copilot.org.
    assert service_conn.execute("SELECT id FROM documents WHERE org = 'acme'").fetchall() == []
    assert store.get_document(service_conn, org=ACME, acl=wide, id="d-org") is None


def test_acme_admin_scope_sees_nothing_of_globex(service_conn) -> None:  # type: ignore[no-untyped-def]
    acl = scope(service_conn, ACME, "admin")
    assert unfiltered(service_conn)[1] == ACME_DOCS
    assert (
        store.get_document(service_conn, org=GLOBEX, acl=acl | {"role:admin"}, id="g-doc") is None
    )


# --------------------------------------------------------------------------- the role itself


def test_service_login_is_the_unprivileged_role(service_conn, owner_conn) -> None:  # type: ignore[no-untyped-def]
    row = service_conn.execute(
        "SELECT current_user, session_user, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb"
        " FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    assert row == (store.SERVICE_ROLE, store.SERVICE_ROLE, False, False, False, False)
    tables = owner_conn.execute(
        "SELECT c.relname, pg_get_userbyid(c.relowner), c.relrowsecurity FROM pg_class c"
        " WHERE c.relname IN ('documents', 'chunks') AND c.relnamespace = 'public'::regnamespace"
        " ORDER BY 1"
    ).fetchall()
    assert [(name, rls) for name, _owner, rls in tables] == [("chunks", True), ("documents", True)]
    assert all(owner != store.SERVICE_ROLE for _name, owner, _rls in tables)


WRITES = [
    "INSERT INTO documents (org, id) VALUES ('acme', 'd-new')",
    "UPDATE documents SET title = 'x'",
    "UPDATE documents SET access = '{org}' WHERE id = 'd-private'",
    "DELETE FROM documents",
    "TRUNCATE documents CASCADE",
    "INSERT INTO chunks (org, document_id, ord) VALUES ('acme', 'd-org', 99)",
    "UPDATE chunks SET access = '{org}'",
    "DELETE FROM chunks",
    "TRUNCATE chunks",
    "UPDATE users SET role = 'admin' WHERE id = 'rep-w1'",
    "INSERT INTO users (org, id, name, email, role) VALUES ('acme', 'x', 'x', 'x@x', 'admin')",
    "DELETE FROM principal_counts",
]


@pytest.mark.parametrize("statement", WRITES)
@pytest.mark.parametrize("scoped", [False, True], ids=["unscoped", "scoped-as-admin"])
def test_service_role_cannot_write(service_conn, owner_conn, statement: str, scoped: bool) -> None:  # type: ignore[no-untyped-def]
    if scoped:
        scope(service_conn, ACME, "admin")
    with pytest.raises(errors.InsufficientPrivilege):
        service_conn.execute(statement)
    service_conn.rollback()
    assert owner_conn.execute("SELECT count(*) FROM documents").fetchone() == (6,)


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE documents DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE chunks DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE chunks NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY documents_caller ON documents",
        "ALTER POLICY chunks_caller ON chunks USING (true)",
        "CREATE POLICY open_door ON documents FOR SELECT USING (true)",
        "ALTER ROLE copilot_service BYPASSRLS",
    ],
)
def test_service_role_cannot_switch_the_policies_off(service_conn, statement: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(errors.InsufficientPrivilege):
        service_conn.execute(statement)


def test_service_role_cannot_grant_itself_writes(service_conn) -> None:  # type: ignore[no-untyped-def]
    # Without the grant option PostgreSQL only warns "no privileges were granted".
    service_conn.execute("GRANT INSERT, UPDATE, DELETE ON documents, chunks TO copilot_service")
    with pytest.raises(errors.InsufficientPrivilege):
        service_conn.execute("DELETE FROM chunks")


def test_service_role_cannot_become_the_owner(service_conn, owner_conn) -> None:  # type: ignore[no-untyped-def]
    owner = owner_conn.execute("SELECT current_user").fetchone()[0]
    for role in sorted({owner, "postgres"}):
        with pytest.raises(errors.InsufficientPrivilege):
            service_conn.execute(f'SET ROLE "{role}"')
        service_conn.rollback()
    with pytest.raises(errors.InsufficientPrivilege):
        service_conn.execute(f'SET SESSION AUTHORIZATION "{owner}"')
    service_conn.rollback()
    assert service_conn.execute("SELECT current_user").fetchone() == (store.SERVICE_ROLE,)


def test_row_security_off_is_an_error_not_a_bypass(service_conn) -> None:  # type: ignore[no-untyped-def]
    scope(service_conn, ACME, "rep-w1")
    service_conn.execute("SET LOCAL row_security = off")
    with pytest.raises(errors.InsufficientPrivilege):
        service_conn.execute("SELECT id FROM documents").fetchall()


# --------------------------------------------------------------------------- independence


def test_rls_blocks_what_a_widened_explicit_filter_would_allow(service_conn, loaded) -> None:  # type: ignore[no-untyped-def]
    admin_acl = Copilot.principals(service_conn, org=ACME, user_id="admin")
    scope(service_conn, ACME, "rep-w1")
    assert "d-private" not in EXPECTED[(ACME, "rep-w1")]
    # The store's own filter admits everything for admin_acl; the policies do not.
    assert store.get_document(service_conn, org=ACME, acl=admin_acl, id="d-private") is None
    assert store.get_document(service_conn, org=ACME, acl=admin_acl, id="d-org") is not None
    hits = store.keyword_search(
        service_conn,
        org=ACME,
        acl=admin_acl,
        query="Initech discount Falcon pricing",
        filters=SearchFilters(),
        limit=50,
    )
    assert hits == []
    nearest = store.vector_search_exact(
        service_conn,
        org=ACME,
        acl=admin_acl,
        query_embedding=loaded.embedder.embed_query("Initech discount on Falcon pricing"),
        filters=SearchFilters(),
        limit=50,
    )
    assert {h.document_id for h in nearest} == EXPECTED[(ACME, "rep-w1")]


def test_explicit_filter_still_applies_under_a_wider_rls_scope(service_conn) -> None:  # type: ignore[no-untyped-def]
    rep_acl = Copilot.principals(service_conn, org=ACME, user_id="rep-w1")
    scope(service_conn, ACME, "admin")
    assert store.get_document(service_conn, org=ACME, acl=rep_acl, id="d-private") is None
    assert store.get_document(service_conn, org=ACME, acl=rep_acl, id="d-org") is not None


# --------------------------------------------------------------------------- SET ROLE fallback


def test_without_a_service_url_the_owner_login_drops_to_the_service_role(
    settings, embedder
) -> None:  # type: ignore[no-untyped-def]
    fallback = settings.model_copy(update={"service_database_url": None})
    with Copilot.open(fallback, embedder=embedder) as cp:
        assert cp.indexer(progress=False).ingest_dicts(crm_small.records()).errors == []
        for _ in range(2):  # the role survives the end of a transaction on a pooled connection
            with cp.db.caller() as conn:
                assert conn.execute("SELECT current_user").fetchone() == (store.SERVICE_ROLE,)
                assert unfiltered(conn) == (set(), set())
                scope(conn, ACME, "rep-e2")
                assert unfiltered(conn) == (EXPECTED[(ACME, "rep-e2")],) * 2
                with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
                    conn.execute("DELETE FROM documents")
        with cp.as_caller(org=ACME, user_id="rep-w1") as (conn, _acl):
            assert unfiltered(conn) == (EXPECTED[(ACME, "rep-w1")],) * 2
        # Search through the app path obeys both lines too.
        hits = cp.search(org=ACME, user_id="rep-w1", query="Initech discount", top_k=50).hits
        assert {h.document_id for h in hits} == EXPECTED[(ACME, "rep-w1")]
