-- Typo-tolerant account names: "brackenrdige" finds "Brackenridge Foundry".
-- pg_trgm ships with PostgreSQL's contrib (the embedded server has it) and is a trusted
-- extension, so the database's owner may create it. retrieval/store/mentions.py
-- (accounts_named) compares a question's longer words with the first word of each
-- account name by trigram similarity when no name matched exactly.
--
-- A server without it still migrates: names are then matched as typed only, and
-- accounts_named skips the misspelling fallback (it checks that similarity() exists).
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available (%): misspelt account names will not resolve', SQLERRM;
END
$$;
