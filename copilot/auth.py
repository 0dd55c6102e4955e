"""Bearer credentials: user JWTs (HS256 or RS256), ingest credentials, and their checks.

A user token carries ``sub`` (user id), ``org`` (tenant) and ``exp``. Nothing else about
the caller comes from the request: the principals are read from the database per request.
"""

from __future__ import annotations

import hmac
import math
import os
import secrets
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from copilot.errors import ConfigError, CopilotError
from copilot.settings import Settings
from textkit.storable import storable_problem

__all__ = [
    "AuthError",
    "Caller",
    "ForbiddenError",
    "IngestCaller",
    "TokenService",
    "dev_secret",
    "parse_ttl",
    "secret_entropy_bits",
]

#: Secrets people paste from examples; refused outside --dev.
_PLACEHOLDERS = {
    "",
    "changeme",
    "change-me",
    "changethis",
    "change-this",
    "secret",
    "password",
    "jwt-secret",
    "your-secret",
    "your-secret-key",
    "test",
    "dev",
}
MIN_SECRET_CHARS = 32
#: Estimated entropy a secret must carry: its length times the Shannon entropy of its
#: characters. ``secrets.token_hex(16)`` (128 random bits) estimates ~115; ``"a" * 32``
#: estimates 0 and ``"k" * 16 + 16 hex digits`` ~92.
MIN_SECRET_BITS = 96
MAKE_A_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
INGEST_SCOPE = "ingest"


class AuthError(CopilotError):
    """Missing, expired, malformed or unknown credentials (HTTP 401)."""

    code = "unauthorized"


class ForbiddenError(CopilotError):
    """Valid credentials without the right to this operation (HTTP 403)."""

    code = "forbidden"


@dataclass(frozen=True)
class Caller:
    """An authenticated user: the only source of who is asking."""

    org: str
    user_id: str


@dataclass(frozen=True)
class IngestCaller:
    """An ingestion service. ``org`` is ``None`` for the static token (any tenant)."""

    org: str | None
    subject: str


def dev_secret(data_dir: Path) -> str:
    """A random secret kept in ``data_dir`` for ``--dev`` runs (created on first use)."""
    path = data_dir / "dev-jwt-secret"
    if path.exists() and path.read_text(encoding="utf-8").strip():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    # Created 0600 from the start: never readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secret)
    return secret


def parse_ttl(text: str) -> int:
    """``"90s"``, ``"15m"``, ``"1h"``, ``"7d"`` or plain seconds → seconds.

    Example:
        >>> parse_ttl("1h")
        3600
    """
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    value = text.strip().lower()
    scale = units.get(value[-1:])
    number = value[:-1] if scale else value
    if not number.isdigit() or int(number) <= 0:
        raise ValueError(f"ttl must look like 90s, 15m, 1h or 7d, got {text!r}")
    seconds = int(number) * (scale or 1)
    if seconds > MAX_TTL_S:
        # "99999999d" minted a token that never expires in practice.
        raise ValueError(f"ttl {text!r} is longer than 365 days; mint a new token instead")
    return seconds


#: The longest lifetime ``parse_ttl`` gives a token.
MAX_TTL_S = 365 * 86400


class TokenService:
    """Mints and verifies tokens with one deployment's keys.

    Args:
        algorithm: ``HS256`` or ``RS256``.
        verify_key: The HS256 secret or the RS256 public key (PEM).
        signing_key: The HS256 secret or the RS256 private key (PEM); ``None`` if this
            process only verifies.
        ingest_token: The static ingest credential, if configured.
    """

    def __init__(
        self,
        *,
        algorithm: str,
        verify_key: str,
        signing_key: str | None,
        ingest_token: str | None = None,
        audience: str | None = None,
        issuer: str | None = None,
    ) -> None:
        if algorithm not in ("HS256", "RS256"):
            raise ValueError(f"algorithm must be HS256 or RS256, got {algorithm!r}")
        self.algorithm = algorithm
        self._verify_key = verify_key
        self._signing_key = signing_key
        self._ingest_token = ingest_token
        self.audience = audience
        self.issuer = issuer

    @classmethod
    def from_settings(
        cls, settings: Settings, *, dev: bool = False, private_key: str | None = None
    ) -> TokenService:
        """The deployment's token service; refuses weak or placeholder secrets unless ``dev``.

        Raises:
            ConfigError: No key configured, or a placeholder/short secret outside dev.
        """
        ingest = settings.ingest_token.get_secret_value() if settings.ingest_token else None
        if ingest is not None and not dev:
            _check_secret(ingest, "COPILOT_INGEST_TOKEN")
        if settings.metrics_token is not None and not dev:
            _check_secret(settings.metrics_token.get_secret_value(), "COPILOT_METRICS_TOKEN")
        common = {
            "ingest_token": ingest,
            "audience": settings.jwt_audience,
            "issuer": settings.jwt_issuer,
        }
        if settings.jwt_public_key_file is not None:
            try:
                public = settings.jwt_public_key_file.read_text(encoding="utf-8")
            except OSError as err:
                raise ConfigError(
                    f"COPILOT_JWT_PUBLIC_KEY_FILE {str(settings.jwt_public_key_file)!r}: {err}"
                ) from err
            return cls(algorithm="RS256", verify_key=public, signing_key=private_key, **common)
        secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
        if secret is None and dev:
            secret = dev_secret(settings.data_dir)
        if secret is None:
            raise ConfigError(
                "no token key: set COPILOT_JWT_SECRET (HS256) or COPILOT_JWT_PUBLIC_KEY_FILE "
                "(RS256), or run with --dev for a generated local secret"
            )
        if not dev:
            _check_secret(secret, "COPILOT_JWT_SECRET")
        return cls(algorithm="HS256", verify_key=secret, signing_key=secret, **common)

    def cursor_key(self, settings: Settings, *, dev: bool = False) -> bytes:
        """The key that signs pagination cursors.

        ``COPILOT_CURSOR_SECRET`` if set; else, for HS256, a key derived from the JWT
        secret (never the secret itself). An RS256 deployment has no private material to
        derive from (the public key is public), so it must set a cursor secret.
        """
        if settings.cursor_secret is not None:
            value = settings.cursor_secret.get_secret_value()
            if not dev:
                _check_secret(value, "COPILOT_CURSOR_SECRET")
            return value.encode()
        if self.algorithm == "HS256":
            return hmac.new(self._verify_key.encode(), b"copilot-cursor-v1", "sha256").digest()
        if dev:
            return secrets.token_bytes(32)
        raise ConfigError("RS256 deployments must set COPILOT_CURSOR_SECRET (>= 32 characters)")

    def mint(self, *, org: str, subject: str, ttl_s: int, scopes: tuple[str, ...] = ()) -> str:
        """A signed token for ``subject`` in ``org`` that expires in ``ttl_s`` seconds."""
        if self._signing_key is None:
            raise ConfigError("minting RS256 tokens needs the private key (--private-key)")
        if not org or not subject:
            raise ValueError("org and subject must not be empty")
        now = int(time.time())
        claims: dict[str, Any] = {"sub": subject, "org": org, "iat": now, "exp": now + ttl_s}
        if scopes:
            claims["scope"] = " ".join(scopes)
        if self.audience:
            claims["aud"] = self.audience
        if self.issuer:
            claims["iss"] = self.issuer
        return jwt.encode(claims, self._signing_key, algorithm=self.algorithm)

    def _claims(self, token: str) -> dict[str, Any]:
        try:
            claims = jwt.decode(
                token,
                self._verify_key,
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "sub", "org"]},
            )
        except jwt.ExpiredSignatureError as err:
            raise AuthError("token expired") from err
        except jwt.MissingRequiredClaimError as err:
            raise AuthError(f"token lacks the required claim {err.claim!r}") from err
        except jwt.InvalidTokenError as err:
            # Our own words: PyJWT's messages quote decoder internals and the token's bytes.
            raise AuthError(_auth_message(err, self.algorithm)) from err
        for claim in ("sub", "org"):
            value = claims.get(claim)
            if not isinstance(value, str) or not value or "\x00" in value:
                raise AuthError(f"token claim {claim!r} must be a non-empty string")
            problem = storable_problem(value)
            if problem is not None:  # a lone surrogate decodes from JSON
                raise AuthError(f"token claim {claim!r} {problem}")
        for claim in ("exp", "iat", "nbf"):
            # PyJWT takes int(value), so a string "exp" passed; the JWT spec says NumericDate.
            value = claims.get(claim)
            if claim in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise AuthError(f"token claim {claim!r} must be a number (seconds since 1970)")
        return claims

    def caller_key(self, token: str) -> str | None:
        """Who a bearer token is, as a key for per-caller rate limits; None if it does not
        verify (the caller is then known only by address)."""
        if self._ingest_token is not None and hmac.compare_digest(
            token.encode(), self._ingest_token.encode()
        ):
            return "ingest-token"
        try:
            claims = self._claims(token)
        except AuthError:
            return None
        return f"user:{claims['org']!r}:{claims['sub']!r}"

    def user(self, token: str) -> Caller:
        """The user a token names. Whether that user exists is checked per request."""
        claims = self._claims(token)
        return Caller(org=claims["org"], user_id=claims["sub"])

    def ingester(self, token: str) -> IngestCaller:
        """An ingest credential: the static token or a JWT with scope ``ingest``."""
        if self._ingest_token is not None and hmac.compare_digest(
            token.encode(), self._ingest_token.encode()
        ):
            return IngestCaller(org=None, subject="ingest-token")
        claims = self._claims(token)
        scopes = str(claims.get("scope", "")).split()
        if INGEST_SCOPE not in scopes:
            raise ForbiddenError("this endpoint needs an ingest credential (scope 'ingest')")
        return IngestCaller(org=claims["org"], subject=claims["sub"])


def _auth_message(err: jwt.InvalidTokenError, algorithm: str) -> str:
    messages: list[tuple[type[jwt.InvalidTokenError], str]] = [
        (
            jwt.InvalidSignatureError,
            "invalid token: the signature does not verify (signed with another secret? a new "
            "data directory has a new dev secret: mint the token again)",
        ),
        (jwt.InvalidAlgorithmError, f"invalid token: only {algorithm} tokens are accepted"),
        (jwt.InvalidAudienceError, "invalid token: audience not accepted"),
        (jwt.InvalidIssuerError, "invalid token: issuer not accepted"),
        (jwt.ImmatureSignatureError, "invalid token: not valid yet"),
        (jwt.InvalidIssuedAtError, "invalid token: 'iat' must be a past time"),
        (jwt.DecodeError, "invalid token: not a well-formed JWT (header.payload.signature)"),
    ]
    return next((m for t, m in messages if isinstance(err, t)), "invalid token")


def secret_entropy_bits(value: str) -> float:
    """Estimated entropy of a secret: its length times its characters' Shannon entropy.

    Example:
        >>> secret_entropy_bits("a" * 32), round(secret_entropy_bits("ab" * 16))
        (0.0, 32)
    """
    if not value:
        return 0.0
    counts = Counter(value)
    per_char = sum(n / len(value) * math.log2(len(value) / n) for n in counts.values())
    return len(value) * per_char


def _check_secret(value: str, name: str) -> None:
    how = f"generate one with: {MAKE_A_SECRET}"
    if value.strip().lower() in _PLACEHOLDERS:
        raise ConfigError(f"{name} is a placeholder; set a random secret ({how})")
    if len(value) < MIN_SECRET_CHARS:
        raise ConfigError(
            f"{name} is {len(value)} characters; use at least {MIN_SECRET_CHARS} random "
            f"ones ({how})"
        )
    bits = secret_entropy_bits(value)
    if bits < MIN_SECRET_BITS:
        raise ConfigError(
            f"{name} is too predictable: about {bits:.0f} bits of entropy from "
            f"{len(set(value))} distinct characters, and at least {MIN_SECRET_BITS} are "
            f"needed ({how})"
        )
