-- Row-level security: a second, independent line behind the access filter that every
-- query in retrieval/store.py already carries.
--
-- The API reads as `copilot_service`, a role that owns nothing, cannot bypass RLS and
-- may only SELECT. Each request's transaction sets `copilot.org` and
-- `copilot.principals` (SET LOCAL, through set_config(..., true)); the policies below
-- admit a row only if it is in that org and its access list overlaps those principals.
-- Unset settings compare as NULL, so a transaction that forgot to set them sees nothing.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'copilot_service') THEN
        IF NOT (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
            RAISE EXCEPTION 'role copilot_service does not exist and % cannot create it; '
                'ask a DBA: CREATE ROLE copilot_service LOGIN NOSUPERUSER NOBYPASSRLS', current_user;
        END IF;
        CREATE ROLE copilot_service LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO copilot_service;
GRANT SELECT ON teams, users, accounts, contacts, deals, documents, chunks,
    principal_counts, index_state, schema_migrations TO copilot_service;

ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE chunks ENABLE ROW LEVEL SECURITY;

-- The policies name no role: they bind every role that is not the table owner or a
-- superuser. The indexer writes as the owner.
--
-- Not `(SELECT current_setting(...))`: as an InitPlan parameter it hides the value from
-- the planner, which then sent HNSW queries of VPs and admins to the access GIN index
-- (14 ms -> 556 ms p50 on the 100k-chunk bench corpus).
CREATE POLICY documents_caller ON documents FOR SELECT USING (
    org = current_setting('copilot.org', true)
    AND access && nullif(current_setting('copilot.principals', true), '')::text[]
);
CREATE POLICY chunks_caller ON chunks FOR SELECT USING (
    org = current_setting('copilot.org', true)
    AND access && nullif(current_setting('copilot.principals', true), '')::text[]
);

-- Under RLS, PostgreSQL may use a query's own condition as an index condition only if
-- its function is LEAKPROOF. `&&` on text[] and `@@` on tsvector are not marked so, which
-- took the full-text GIN index away from the keyword leg (VP: 5 ms -> 1.9 s p50). Both
-- are pure comparisons that raise no value-dependent errors, so marking them is safe;
-- it needs a superuser (the embedded server's owner is one). Elsewhere search still works
-- with the same results, only the keyword leg is slower, and this notice says why.
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        ALTER FUNCTION pg_catalog.arrayoverlap(anyarray, anyarray) LEAKPROOF;
        ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) LEAKPROOF;
    ELSE
        RAISE NOTICE 'not a superuser: arrayoverlap and ts_match_vq stay non-LEAKPROOF; '
            'keyword search under row-level security will not use the full-text index';
    END IF;
END
$$;
