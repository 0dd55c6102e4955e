"""The search benchmark's sizes, mixes and fixed texts."""

from __future__ import annotations

from bench.common import OUT_DIR

ORG = "bench"
DB_NAME = "copilot_bench"
META_KEY = "bench_meta"
N_TEAMS = 25
REPS_PER_TEAM = 8
TEAMS_PER_DIRECTOR = 5
VISIBILITY_WEIGHTS = {"private": 60, "team": 37, "org": 2}
SHARED_FRACTION = 0.03
MANAGER_OWNED_FRACTION = 0.10
CHUNKS_PER_DOC_GUESS = 1.1  # sample documents make ~1.1 chunks each at 200 tokens
MAX_DOCS_PER_INGEST = 4096
REAL_DOCS_PER_INGEST = 128
SWEEP_SIZES = (1_000, 2_500, 5_000, 10_000, 20_000, 40_000, 100_000)
TOP_K = 10
WARMUP_QUERIES = 5
EF_SEARCH_SWEEP = (40, 100, 200, 400, 800)
EF_SEARCH_ROLES = ("director", "admin")
NAIVE_EF_SEARCH = 40
JSON_PATH = OUT_DIR / "search.json"

DERIVED_NOTE = (
    "Only the first {real} chunks carry real all-MiniLM-L6-v2 embeddings. The other "
    "{derived} chunks carry DERIVED vectors: normalize(e_i + 0.5*e_j + 0.25*noise), e_i/e_j "
    "real chunk embeddings chosen by a hash of the text, noise Gaussian (expected norm 1) "
    "seeded by the hash. This keeps the real embedding distribution's cluster structure; "
    "the semantics of those texts are NOT meaningful. Recall is measured against exact "
    "search on the same vectors."
)

# Varied CRM phrasings, next to the sample generator's own questions.
CRM_PHRASES = (
    "customer pushing back on price, asking for a bigger discount",
    "renewal at risk, champion left the company",
    "security questionnaire and SOC 2 report before signing",
    "SSO login failing after SAML redirect",
    "integration sync errors with the connector",
    "dashboards loading slowly, performance complaints",
    "expansion opportunity: more seats for another department",
    "legal redlines on the master services agreement",
    "onboarding and training for new admins",
    "outage root cause analysis and service credit",
    "competitor evaluation, they are looking at alternatives",
    "budget freeze, procurement delaying the purchase order",
    "executive sponsor meeting next week",
    "data export and API rate limits",
    "invoice dispute and billing error",
    "pilot success criteria and proof of concept",
    "multi-year contract with auto-renewal clause",
    "GDPR data processing agreement",
    "feature request roadmap timeline",
    "churn risk low usage adoption",
    "quote revision sent by Friday",
    "who is the decision maker on the buying committee",
    "support ticket escalated to engineering",
    "upgrade to the enterprise plan",
    "implementation timeline slipped",
    "CFO wants ROI numbers",
    "call notes about pricing tiers",
    "reference customer request",
    "termination for convenience notice period",
    "webinar follow-up interested in a demo",
)
