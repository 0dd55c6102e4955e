-- Core schema. Every table carries the tenant column `org` and leads its key with it,
-- so no query can reach a row without naming the tenant.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE teams (
    org         text NOT NULL,
    id          text NOT NULL,
    name        text NOT NULL,
    attributes  jsonb NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org, id)
);

CREATE TABLE users (
    org         text NOT NULL,
    id          text NOT NULL,
    name        text NOT NULL,
    email       text NOT NULL,
    team_id     text,
    manager_id  text,
    role        text NOT NULL CHECK (role IN ('rep', 'manager', 'admin')),
    attributes  jsonb NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org, id)
);
CREATE INDEX users_manager_idx ON users (org, manager_id);

CREATE TABLE accounts (
    org         text NOT NULL,
    id          text NOT NULL,
    name        text NOT NULL,
    owner_id    text NOT NULL,
    industry    text,
    attributes  jsonb NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org, id)
);

CREATE TABLE contacts (
    org         text NOT NULL,
    id          text NOT NULL,
    account_id  text NOT NULL,
    name        text NOT NULL,
    email       text NOT NULL,
    title       text,
    attributes  jsonb NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org, id)
);
CREATE INDEX contacts_email_idx ON contacts (org, lower(email));

CREATE TABLE deals (
    org         text NOT NULL,
    id          text NOT NULL,
    account_id  text NOT NULL,
    owner_id    text NOT NULL,
    name        text NOT NULL,
    stage       text NOT NULL,
    amount      numeric NOT NULL,
    close_date  date NOT NULL,
    attributes  jsonb NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org, id)
);

-- Emails, calls and tickets. `content` is the canonical text that chunk offsets index.
CREATE TABLE documents (
    org           text NOT NULL,
    id            text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('email', 'call', 'ticket')),
    account_id    text,
    contact_id    text,
    deal_id       text,
    owner_id      text NOT NULL,
    visibility    text NOT NULL CHECK (visibility IN ('private', 'team', 'org')),
    shared_with   text[] NOT NULL DEFAULT '{}',
    occurred_at   timestamptz NOT NULL,
    title         text NOT NULL,
    content       text NOT NULL,
    fields        jsonb NOT NULL DEFAULT '{}',
    attributes    jsonb NOT NULL DEFAULT '{}',
    content_hash  text NOT NULL,
    access        text[] NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org, id)
);
CREATE INDEX documents_owner_idx ON documents (org, owner_id);

CREATE TABLE chunks (
    org          text NOT NULL,
    document_id  text NOT NULL,
    ord          integer NOT NULL,
    kind         text NOT NULL,
    account_id   text,
    occurred_at  timestamptz NOT NULL,
    char_start   integer NOT NULL,
    char_end     integer NOT NULL CHECK (char_end > char_start),
    text         text NOT NULL,
    -- Prefixed principals (user:…, team:…, org, role:admin) copied from the document;
    -- re-stamped in place when sharing changes, never by re-embedding.
    access       text[] NOT NULL,
    model_id     text NOT NULL,
    -- halfvec: half the bytes of vector for the same ranking at this precision, so exact
    -- scans touch half the pages and the HNSW index is ~40% smaller (measured in bench/).
    embedding    halfvec(384) NOT NULL,
    tsv          tsvector NOT NULL,
    PRIMARY KEY (org, document_id, ord),
    FOREIGN KEY (org, document_id) REFERENCES documents (org, id) ON DELETE CASCADE
);
CREATE INDEX chunks_access_idx ON chunks USING gin (access);
CREATE INDEX chunks_tsv_idx ON chunks USING gin (tsv);
-- Keep vectors inline: out-of-line (TOASTed) vectors made exact scans ~3.5x slower.
ALTER TABLE chunks ALTER COLUMN embedding SET STORAGE PLAIN;
CREATE INDEX chunks_embedding_hnsw ON chunks USING hnsw (embedding halfvec_cosine_ops)
    WITH (m = 16, ef_construction = 64);

-- How many chunks each principal can reach, per org. The search planner sums these to
-- bound the size of a caller's permitted set without scanning it.
CREATE TABLE principal_counts (
    org        text NOT NULL,
    principal  text NOT NULL,
    chunks     bigint NOT NULL,
    PRIMARY KEY (org, principal)
);

CREATE TABLE index_state (
    key    text PRIMARY KEY,
    value  text NOT NULL
);
