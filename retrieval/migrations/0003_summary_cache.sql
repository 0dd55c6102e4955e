-- Cached call summaries, one per (document, engine), valid while the document's content
-- hash is unchanged. Row-level security ties each row to its document: the service role
-- reads and writes a summary only when the caller may see the document it summarizes.
CREATE TABLE summaries (
    org           text NOT NULL,
    document_id   text NOT NULL,
    engine        text NOT NULL,
    content_hash  text NOT NULL,
    summary       jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org, document_id, engine),
    FOREIGN KEY (org, document_id) REFERENCES documents (org, id) ON DELETE CASCADE
);

GRANT SELECT, INSERT, UPDATE ON summaries TO copilot_service;
ALTER TABLE summaries ENABLE ROW LEVEL SECURITY;

-- The subquery on documents is itself filtered by documents' policy for the caller.
CREATE POLICY summaries_caller ON summaries FOR ALL
    USING (EXISTS (SELECT 1 FROM documents d WHERE d.org = summaries.org AND d.id = summaries.document_id))
    WITH CHECK (EXISTS (SELECT 1 FROM documents d WHERE d.org = summaries.org AND d.id = summaries.document_id));
