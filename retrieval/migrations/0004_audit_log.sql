-- The audit trail: one row per read of CRM content and per write, hash-chained per org.
--
-- Row n of an org stores the hash of row n-1 (`prev_hash`) and its own `hash`, computed
-- over every column but `query_text` (retrieval/store/audit.py, audit_entry_hash). The
-- chain covers the query through `query_sha256`, so an erasure can blank the text of a
-- query that named the erased person without breaking the chain.
--
-- `audit_chain` holds each org's head (last seq and hash) and the anchor left by pruning
-- (the hash of the last pruned row), so removing the newest or the oldest rows is as
-- detectable as editing one. Appends lock the org's head row (SELECT ... FOR UPDATE):
-- concurrent requests of one org are chained one after another, other orgs do not wait.
CREATE TABLE audit_chain (
    org                 text PRIMARY KEY,
    last_seq            bigint NOT NULL,
    last_hash           text NOT NULL,
    pruned_through_seq  bigint NOT NULL DEFAULT 0,
    pruned_hash         text NOT NULL
);

CREATE TABLE audit_log (
    org           text NOT NULL,
    seq           bigint NOT NULL,
    at            timestamptz NOT NULL,
    -- `user:<id>` for a user token, `ingest:<subject>` for an ingest credential,
    -- `cli:<login>` for operator commands (copilot erase, copilot retention).
    actor         text NOT NULL,
    request_id    text NOT NULL,
    endpoint      text NOT NULL,
    query_sha256  text,
    -- NULL when COPILOT_AUDIT_STORE_QUERIES=false, or blanked by an erasure.
    query_text    text,
    record_ids    text[] NOT NULL DEFAULT '{}',
    engine        text,
    status        integer NOT NULL,
    prev_hash     text NOT NULL,
    hash          text NOT NULL,
    PRIMARY KEY (org, seq)
);
CREATE INDEX audit_log_at_idx ON audit_log (org, at);
CREATE INDEX audit_log_actor_idx ON audit_log (org, actor, seq);

-- Append-only, enforced for every role (the owner included) short of disabling the
-- trigger, which only a superuser or the owner can do and which `copilot audit verify`
-- then detects. Allowed besides INSERT: blanking `query_text` (erasure) and deleting
-- rows inside a transaction that set copilot.audit_prune (retention, which records the
-- pruned anchor in audit_chain first).
CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF current_setting('copilot.audit_prune', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only: rows are removed only by retention';
    END IF;
    IF NEW.query_text IS NULL
        AND (NEW.org, NEW.seq, NEW.at, NEW.actor, NEW.request_id, NEW.endpoint,
             NEW.query_sha256, NEW.record_ids, NEW.engine, NEW.status, NEW.prev_hash, NEW.hash)
        IS NOT DISTINCT FROM
            (OLD.org, OLD.seq, OLD.at, OLD.actor, OLD.request_id, OLD.endpoint,
             OLD.query_sha256, OLD.record_ids, OLD.engine, OLD.status, OLD.prev_hash, OLD.hash)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: only query_text may be blanked';
END
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();

CREATE FUNCTION audit_log_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: TRUNCATE is refused';
END
$$;

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_no_truncate();

-- The service role (user reads) gets nothing here: entries are written and read through
-- the owner's pool, after the request's own checks (admins only for reads).
REVOKE ALL ON audit_log, audit_chain FROM copilot_service;
