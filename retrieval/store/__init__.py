"""All SQL of the project, one module per concern.

Functions take a psycopg connection plus keyword-only arguments and return plain values
or dataclasses. The caller owns the transaction. Every function that reads documents or
chunks for a user takes that user's ``acl`` (a non-empty set of principals) and pins the
tenant ``org``; there is no way to call them without either.

Modules:
    ``migrations``: scratch databases and the versioned ``.sql`` migrations.
    ``principals``: users, the manager chain, and binding a transaction to a caller.
    ``crm``: teams, users, accounts, contacts and deals (entity writes, account reads).
    ``mentions``: names in a question resolved to records the caller may see.
    ``documents``: document writes, access re-stamps and visible-document reads.
    ``chunks``: chunk writes, re-embedding and the vector column's dimension.
    ``counts``: chunks per principal, for the search planner (kept by triggers).
    ``prune``: records absent from a full export of an org.
    ``search``: exact and HNSW vector search, keyword search, the permitted chunks.
    ``summaries``: the summary cache.
    ``session``: the role a connection acts as, and a transaction's statement time limit.
    ``status``: index state, sizes and ``db status`` counts.
    ``audit``: the hash-chained audit trail.
    ``privacy``: erasure and retention (records of a person, or of a period).

Callers import the package (``from retrieval import store; store.get_document(...)``);
the names below are its public surface.
"""

from retrieval.models import AccountRow, ContactRow, DealRow, UserRow
from retrieval.store.audit import (
    GENESIS_HASH,
    AuditEntry,
    AuditRecord,
    ChainHead,
    append_audit,
    audit_chain_head,
    audit_entry_hash,
    audit_orgs,
    begin_snapshot,
    commit_without_flush,
    iter_audit,
    prune_audit,
    redact_audit_queries,
)
from retrieval.store.chunks import (
    chunk_count_for_model,
    embedding_dimension,
    finish_rechunk,
    iter_chunks_for_embedding,
    rechunk_progress,
    replace_chunks,
    set_embedding_dimension,
    update_chunk_embeddings,
    write_chunks,
)
from retrieval.store.counts import (
    counted_principals,
    lock_principal_counts,
    permitted_chunk_estimate,
    recounted_principals,
    refresh_principal_counts,
)
from retrieval.store.crm import (
    ENTITY_COLUMNS,
    account_contacts,
    account_deals,
    contacts_by_email,
    delete_entity,
    existing_ids,
    get_account,
    get_deal,
    upsert_entity,
    visible_account,
)
from retrieval.store.documents import (
    DocumentVoices,
    account_documents,
    delete_document,
    document_state,
    document_text,
    document_voices,
    documents_owned_by,
    documents_without_chunks,
    get_document,
    has_visible_document,
    set_document_access,
    upsert_document,
    upsert_documents,
)
from retrieval.store.mentions import (
    accounts_named,
    colleagues_named,
    contacts_named,
    tickets_named,
)
from retrieval.store.migrations import apply_migrations, pending_migrations, recreate_database
from retrieval.store.principals import (
    SERVICE_ROLE,
    caller_principals,
    get_user,
    principal_reports,
    scope_to_caller,
    users_by_id,
)
from retrieval.store.privacy import (
    delete_contacts,
    delete_documents,
    documents_naming,
    documents_older_than,
    find_contacts,
)
from retrieval.store.prune import (
    ENTITY_DELETION_ORDER,
    absent_records,
    add_seen_records,
    delete_absent_records,
    references,
    start_seen_records,
)
from retrieval.store.search import (
    keyword_search,
    permitted_chunks,
    unwritten_words,
    vector_search_exact,
    vector_search_hnsw,
)
from retrieval.store.session import act_as_service_role, limit_statement_time
from retrieval.store.status import get_index_state, index_size, set_index_state, status_counts
from retrieval.store.summaries import get_cached_summary, put_cached_summary

__all__ = [
    "GENESIS_HASH",
    "act_as_service_role",
    "limit_statement_time",
    "AuditEntry",
    "AuditRecord",
    "ChainHead",
    "append_audit",
    "audit_chain_head",
    "audit_entry_hash",
    "audit_orgs",
    "begin_snapshot",
    "commit_without_flush",
    "delete_contacts",
    "delete_documents",
    "documents_naming",
    "documents_older_than",
    "find_contacts",
    "iter_audit",
    "prune_audit",
    "redact_audit_queries",
    "ENTITY_COLUMNS",
    "SERVICE_ROLE",
    "AccountRow",
    "ContactRow",
    "DealRow",
    "UserRow",
    "account_contacts",
    "accounts_named",
    "colleagues_named",
    "contacts_named",
    "tickets_named",
    "account_deals",
    "account_documents",
    "apply_migrations",
    "caller_principals",
    "chunk_count_for_model",
    "contacts_by_email",
    "delete_document",
    "delete_entity",
    "document_state",
    "document_text",
    "document_voices",
    "DocumentVoices",
    "documents_owned_by",
    "documents_without_chunks",
    "embedding_dimension",
    "existing_ids",
    "finish_rechunk",
    "get_account",
    "get_cached_summary",
    "get_deal",
    "get_document",
    "get_index_state",
    "get_user",
    "has_visible_document",
    "index_size",
    "iter_chunks_for_embedding",
    "keyword_search",
    "pending_migrations",
    "permitted_chunk_estimate",
    "permitted_chunks",
    "principal_reports",
    "put_cached_summary",
    "rechunk_progress",
    "recreate_database",
    "refresh_principal_counts",
    "replace_chunks",
    "scope_to_caller",
    "set_document_access",
    "set_embedding_dimension",
    "set_index_state",
    "status_counts",
    "update_chunk_embeddings",
    "upsert_document",
    "upsert_entity",
    "users_by_id",
    "unwritten_words",
    "vector_search_exact",
    "vector_search_hnsw",
    "visible_account",
    "counted_principals",
    "lock_principal_counts",
    "recounted_principals",
    "write_chunks",
    "upsert_documents",
    "absent_records",
    "add_seen_records",
    "ENTITY_DELETION_ORDER",
    "delete_absent_records",
    "references",
    "start_seen_records",
]
