-- principal_counts kept by the database, in the transaction of every write to chunks.
--
-- Before this, the indexer recounted an org's chunks per principal after a run, in a
-- transaction of its own: a run that failed half way (600 emails with a bad one at
-- #301) left the counts stale (1,154 counted against 1,410 real chunks for one team),
-- and every recount scanned the whole org. Statement-level triggers with transition
-- tables apply only the change, once per statement (one bulk INSERT of a batch's chunks
-- is one delta), and commit or roll back with the write itself. Deletes cascaded from
-- documents fire them too, so erasure, retention, tombstones and prune stay counted.
CREATE FUNCTION principal_counts_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Transition tables exist only for the operation that fired, hence the branches.
    -- Rows are changed in key order, so two writers never lock them in opposite orders.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO principal_counts AS pc (org, principal, chunks)
        SELECT org, p, count(*) FROM new_chunks, unnest(access) AS p
        GROUP BY org, p ORDER BY org, p
        ON CONFLICT (org, principal) DO UPDATE SET chunks = pc.chunks + EXCLUDED.chunks;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE principal_counts AS pc SET chunks = pc.chunks - d.n
        FROM (SELECT org, p, count(*) AS n FROM old_chunks, unnest(access) AS p
              GROUP BY org, p ORDER BY org, p) AS d
        WHERE pc.org = d.org AND pc.principal = d.p;
        DELETE FROM principal_counts
        WHERE chunks <= 0 AND org IN (SELECT DISTINCT org FROM old_chunks);
    ELSE
        INSERT INTO principal_counts AS pc (org, principal, chunks)
        SELECT org, p, sum(n) FROM (
            SELECT org, p, 1 AS n FROM new_chunks, unnest(access) AS p
            UNION ALL
            SELECT org, p, -1 FROM old_chunks, unnest(access) AS p
        ) AS x
        GROUP BY org, p HAVING sum(n) <> 0 ORDER BY org, p
        ON CONFLICT (org, principal) DO UPDATE SET chunks = pc.chunks + EXCLUDED.chunks;
        DELETE FROM principal_counts
        WHERE chunks <= 0 AND org IN (SELECT DISTINCT org FROM old_chunks);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER chunks_count_insert AFTER INSERT ON chunks
    REFERENCING NEW TABLE AS new_chunks
    FOR EACH STATEMENT EXECUTE FUNCTION principal_counts_apply();
CREATE TRIGGER chunks_count_delete AFTER DELETE ON chunks
    REFERENCING OLD TABLE AS old_chunks
    FOR EACH STATEMENT EXECUTE FUNCTION principal_counts_apply();
CREATE TRIGGER chunks_count_update AFTER UPDATE ON chunks
    REFERENCING OLD TABLE AS old_chunks NEW TABLE AS new_chunks
    FOR EACH STATEMENT EXECUTE FUNCTION principal_counts_apply();

-- TRUNCATE fires no row or DELETE triggers; it empties chunks, so it empties the counts.
CREATE FUNCTION principal_counts_clear() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM principal_counts;
    RETURN NULL;
END
$$;
CREATE TRIGGER chunks_count_truncate AFTER TRUNCATE ON chunks
    FOR EACH STATEMENT EXECUTE FUNCTION principal_counts_clear();

-- Start from the truth, whatever an earlier failed run left behind.
DELETE FROM principal_counts;
INSERT INTO principal_counts (org, principal, chunks)
SELECT org, p, count(*) FROM chunks, unnest(access) AS p GROUP BY org, p;
