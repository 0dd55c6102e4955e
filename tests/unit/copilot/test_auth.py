"""Tokens and TTLs (``copilot.auth``): HS256 and RS256 round trips, refusals, dev secrets.

No database and no network; ``tmp_path`` holds the dev secret and RS256 key files.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import stat
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from copilot.auth import (
    AuthError,
    Caller,
    ForbiddenError,
    IngestCaller,
    TokenService,
    dev_secret,
    parse_ttl,
    secret_entropy_bits,
)
from copilot.errors import ConfigError
from copilot.settings import Settings

SECRET = "unit-secret-0123456789abcdef0123456789abcdef"
INGEST = "unit-ingest-0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def _no_copilot_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Settings reads COPILOT_* variables; a developer's shell must not change these tests.
    for name in list(os.environ):
        if name.startswith("COPILOT_"):
            monkeypatch.delenv(name)


def _settings(tmp_path: Path, **values: object) -> Settings:
    defaults: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "jwt_secret": None,
        "jwt_public_key_file": None,
        "ingest_token": None,
        "jwt_audience": None,
        "jwt_issuer": None,
    }
    return Settings(**(defaults | values))  # type: ignore[arg-type]


def _hs256(**kwargs: object) -> TokenService:
    return TokenService(algorithm="HS256", verify_key=SECRET, signing_key=SECRET, **kwargs)  # type: ignore[arg-type]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _hmac_token(claims: dict[str, object], key: bytes) -> str:
    """An HS256 JWT built by hand (PyJWT refuses PEM-looking HMAC keys)."""
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims).encode())
    tag = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(tag)}"


def _raw_token(claims: dict[str, object], key: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def test_hs256_mint_and_verify_round_trip() -> None:
    tokens = _hs256()
    token = tokens.mint(org="acme", subject="rep-1", ttl_s=60)
    assert tokens.user(token) == Caller(org="acme", user_id="rep-1")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 60 and "scope" not in claims


def test_audience_and_issuer_are_minted_and_required() -> None:
    tokens = _hs256(audience="crm", issuer="https://idp.example")
    token = tokens.mint(org="acme", subject="rep-1", ttl_s=60)
    assert tokens.user(token) == Caller("acme", "rep-1")
    bare = _hs256().mint(org="acme", subject="rep-1", ttl_s=60)
    with pytest.raises(AuthError):
        tokens.user(bare)
    wrong_aud = _hs256(audience="other", issuer="https://idp.example")
    with pytest.raises(AuthError):
        tokens.user(wrong_aud.mint(org="acme", subject="rep-1", ttl_s=60))


def test_expired_token_is_refused() -> None:
    tokens = _hs256()
    with pytest.raises(AuthError, match="expired"):
        tokens.user(tokens.mint(org="acme", subject="rep-1", ttl_s=-5))


def test_token_signed_with_another_secret_is_refused() -> None:
    other = TokenService(algorithm="HS256", verify_key="o" * 40, signing_key="o" * 40)
    with pytest.raises(AuthError):
        _hs256().user(other.mint(org="acme", subject="rep-1", ttl_s=60))


NOW = int(time.time())
BAD_CLAIMS = {
    "no-exp": {"sub": "rep-1", "org": "acme"},
    "no-sub": {"org": "acme", "exp": NOW + 600},
    "no-org": {"sub": "rep-1", "exp": NOW + 600},
    "empty-sub": {"sub": "", "org": "acme", "exp": NOW + 600},
    "empty-org": {"sub": "rep-1", "org": "", "exp": NOW + 600},
    "int-org": {"sub": "rep-1", "org": 7, "exp": NOW + 600},
    "list-org": {"sub": "rep-1", "org": ["acme"], "exp": NOW + 600},
    "string-exp": {"sub": "rep-1", "org": "acme", "exp": "never"},
    "numeric-string-exp": {"sub": "rep-1", "org": "acme", "exp": str(NOW + 30 * 86400)},
    "bool-exp": {"sub": "rep-1", "org": "acme", "exp": True},
    "string-iat": {"sub": "rep-1", "org": "acme", "exp": NOW + 30 * 86400, "iat": str(NOW)},
}


MALFORMED = "invalid token: not a well-formed JWT (header.payload.signature)"
#: Far enough ahead that a long test session never reaches it (NOW is import time).
LATER = NOW + 30 * 86400


def test_a_string_exp_is_refused_with_a_clear_message() -> None:
    # PyJWT takes int(exp), so "exp": "<digits>" used to pass.
    token = _raw_token({"sub": "rep-1", "org": "acme", "exp": str(LATER)})
    with pytest.raises(AuthError, match="'exp' must be a number"):
        _hs256().user(token)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("not-a-jwt", MALFORMED),
        ("\u00ff\u00fe.e30.x", MALFORMED),
        ("eyJhbGciOiJIUzI1NiJ9.eyJ.x", MALFORMED),
        (
            _raw_token({"sub": "u", "org": "o", "exp": LATER}, key="o" * 40),
            "invalid token: the signature does not verify (signed with another secret? a "
            "new data directory has a new dev secret: mint the token again)",
        ),
        (
            _raw_token({"sub": "u", "org": "o", "exp": LATER}, key="o" * 40, algorithm="HS512"),
            "invalid token: only HS256 tokens are accepted",
        ),
        (
            _raw_token({"sub": "u", "org": "o", "exp": LATER, "nbf": LATER - 60}),
            "invalid token: not valid yet",
        ),
    ],
    ids=["garbage", "latin1-header", "bad-payload", "signature", "algorithm", "nbf"],
)
def test_401_messages_are_ours_not_pyjwt_internals(token: str, message: str) -> None:
    with pytest.raises(AuthError) as err:
        _hs256().user(token)
    assert str(err.value) == message
    for leak in ("codec", "utf-8", "Invalid header", "Invalid payload", "padding"):
        assert leak not in str(err.value)


def test_caller_key_names_a_verified_caller_only() -> None:
    tokens = _hs256(ingest_token=INGEST)
    assert tokens.caller_key(tokens.mint(org="acme", subject="rep-1", ttl_s=60)) == (
        "user:'acme':'rep-1'"
    )
    assert tokens.caller_key(INGEST) == "ingest-token"
    forged = _raw_token({"sub": "rep-1", "org": "acme", "exp": LATER}, key="o" * 40)
    assert tokens.caller_key(forged) is None
    assert tokens.caller_key("garbage") is None


@pytest.mark.parametrize("claims", list(BAD_CLAIMS.values()), ids=list(BAD_CLAIMS))
def test_token_with_missing_or_bad_claims_is_refused(claims: dict[str, object]) -> None:
    with pytest.raises(AuthError):
        _hs256().user(_raw_token(claims))


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-jwt",
        "a.b.c",
        # alg "none": unsigned claims must never be accepted.
        jwt.encode({"sub": "rep-1", "org": "acme", "exp": NOW + 600}, None, algorithm="none"),  # type: ignore[arg-type]
    ],
    ids=["empty", "garbage", "three-parts", "alg-none"],
)
def test_malformed_token_is_refused(token: str) -> None:
    with pytest.raises(AuthError):
        _hs256().user(token)


def test_mint_refuses_empty_org_or_subject() -> None:
    with pytest.raises(ValueError):
        _hs256().mint(org="", subject="rep-1", ttl_s=60)
    with pytest.raises(ValueError):
        _hs256().mint(org="acme", subject="", ttl_s=60)


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(ValueError, match="HS512"):
        TokenService(algorithm="HS512", verify_key=SECRET, signing_key=SECRET)


@pytest.fixture(scope="module")
def rsa_pems() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def _rs256(tmp_path: Path, public_pem: str, private_pem: str | None) -> TokenService:
    path = tmp_path / "jwt.pub.pem"
    path.write_text(public_pem, encoding="utf-8")
    return TokenService.from_settings(
        _settings(tmp_path, jwt_public_key_file=path), private_key=private_pem
    )


def test_rs256_round_trip_with_a_public_key_file(tmp_path: Path, rsa_pems) -> None:  # type: ignore[no-untyped-def]
    private, public = rsa_pems
    minter = _rs256(tmp_path, public, private)
    verifier = _rs256(tmp_path, public, None)
    assert minter.algorithm == verifier.algorithm == "RS256"
    token = minter.mint(org="acme", subject="rep-1", ttl_s=60, scopes=("ingest",))
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert verifier.user(token) == Caller("acme", "rep-1")
    assert verifier.ingester(token) == IngestCaller(org="acme", subject="rep-1")
    with pytest.raises(ConfigError, match="private key"):
        verifier.mint(org="acme", subject="rep-1", ttl_s=60)


def test_rs256_refuses_other_keys_and_hs256_confusion(tmp_path: Path, rsa_pems) -> None:  # type: ignore[no-untyped-def]
    private, public = rsa_pems
    verifier = _rs256(tmp_path, public, None)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_pem = other.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    with pytest.raises(AuthError):
        verifier.user(_raw_token({"sub": "u", "org": "acme", "exp": NOW + 600}, other_pem, "RS256"))
    # An HS256 token whose HMAC key is the (public) PEM must not pass as RS256.
    forged = _hmac_token({"sub": "u", "org": "acme", "exp": NOW + 600}, public.encode())
    with pytest.raises(AuthError):
        verifier.user(forged)


def test_rs256_missing_key_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="COPILOT_JWT_PUBLIC_KEY_FILE"):
        TokenService.from_settings(_settings(tmp_path, jwt_public_key_file=tmp_path / "nope.pem"))


def test_ingester_accepts_the_static_token() -> None:
    tokens = _hs256(ingest_token=INGEST)
    assert tokens.ingester(INGEST) == IngestCaller(org=None, subject="ingest-token")
    with pytest.raises(AuthError):
        tokens.ingester(INGEST[:-1])
    with pytest.raises(AuthError):
        tokens.user(INGEST)  # the static token is not a user


@pytest.mark.parametrize(
    ("scopes", "allowed"),
    [
        (("ingest",), True),
        (("read", "ingest"), True),
        ((), False),
        (("read",), False),
        (("ingestion",), False),
        (("INGEST",), False),
    ],
)
def test_ingester_accepts_only_jwts_with_the_ingest_scope(
    scopes: tuple[str, ...], allowed: bool
) -> None:
    tokens = _hs256(ingest_token=INGEST)
    token = tokens.mint(org="acme", subject="etl", ttl_s=60, scopes=scopes)
    if allowed:
        assert tokens.ingester(token) == IngestCaller(org="acme", subject="etl")
    else:
        with pytest.raises(ForbiddenError):
            tokens.ingester(token)


def test_ingester_without_static_token_still_checks_jwts() -> None:
    tokens = _hs256()
    with pytest.raises(AuthError):
        tokens.ingester(INGEST)
    with pytest.raises(AuthError):
        tokens.ingester(tokens.mint(org="acme", subject="etl", ttl_s=-5, scopes=("ingest",)))


def test_from_settings_uses_the_configured_secret(tmp_path: Path) -> None:
    settings = _settings(tmp_path, jwt_secret=SECRET, ingest_token=INGEST)
    tokens = TokenService.from_settings(settings)
    assert tokens.algorithm == "HS256"
    assert _hs256().user(tokens.mint(org="acme", subject="u", ttl_s=60)) == Caller("acme", "u")
    key = tokens.cursor_key(settings)
    assert key != SECRET.encode() and len(key) == 32
    assert tokens.cursor_key(settings) == key  # stable: every worker signs alike


def test_rs256_needs_an_explicit_cursor_secret(tmp_path: Path, rsa_pems) -> None:  # type: ignore[no-untyped-def]
    _, public_pem = rsa_pems
    key_file = tmp_path / "pub.pem"
    key_file.write_text(public_pem)
    settings = _settings(tmp_path, jwt_public_key_file=key_file)
    tokens = TokenService.from_settings(settings)
    # The public key is public: a cursor key derived from it would be forgeable.
    with pytest.raises(ConfigError, match="COPILOT_CURSOR_SECRET"):
        tokens.cursor_key(settings)
    with pytest.raises(ConfigError, match="placeholder"):
        tokens.cursor_key(
            _settings(tmp_path, jwt_public_key_file=key_file, cursor_secret="changeme")
        )
    explicit = _settings(tmp_path, jwt_public_key_file=key_file, cursor_secret=SECRET)
    assert tokens.cursor_key(explicit) == SECRET.encode()


@pytest.mark.parametrize(
    "secret",
    [None, "", "changeme", "CHANGEME", " secret ", "change-this", "your-secret-key", "x" * 31],
    ids=["none", "empty", "changeme", "upper", "padded", "change-this", "your-secret", "short"],
)
def test_from_settings_refuses_weak_secrets_outside_dev(tmp_path: Path, secret: str | None) -> None:
    with pytest.raises(ConfigError):
        TokenService.from_settings(_settings(tmp_path, jwt_secret=secret))
    assert not (tmp_path / "data" / "dev-jwt-secret").exists()


@pytest.mark.parametrize("ingest", ["changeme", "short-token"])
def test_from_settings_refuses_a_weak_ingest_token_outside_dev(tmp_path: Path, ingest: str) -> None:
    with pytest.raises(ConfigError, match="COPILOT_INGEST_TOKEN"):
        TokenService.from_settings(_settings(tmp_path, jwt_secret=SECRET, ingest_token=ingest))
    assert TokenService.from_settings(
        _settings(tmp_path, jwt_secret=SECRET, ingest_token=ingest), dev=True
    ).ingester(ingest) == IngestCaller(None, "ingest-token")


def test_from_settings_accepts_a_32_character_random_secret(tmp_path: Path) -> None:
    for _ in range(20):  # token_hex(16): 128 random bits in 32 characters
        TokenService.from_settings(_settings(tmp_path, jwt_secret=secrets.token_hex(16)))
    TokenService.from_settings(_settings(tmp_path, jwt_secret=secrets.token_urlsafe(48)))


@pytest.mark.parametrize(
    "secret",
    ["a" * 32, "k" * 64, "ab" * 16, "0123" * 10, "k" * 16 + "7f3c2a9e4b1d8f6a"],
    ids=["a*32", "k*64", "ab*16", "0123*10", "half-constant"],
)
def test_from_settings_refuses_long_but_predictable_secrets(tmp_path: Path, secret: str) -> None:
    # Length alone let "a" * 32 through; the check now estimates entropy.
    with pytest.raises(ConfigError, match="too predictable") as err:
        TokenService.from_settings(_settings(tmp_path, jwt_secret=secret))
    assert "secrets.token_urlsafe(48)" in str(err.value)
    assert secret not in str(err.value)
    with pytest.raises(ConfigError, match="COPILOT_INGEST_TOKEN"):
        TokenService.from_settings(_settings(tmp_path, jwt_secret=SECRET, ingest_token=secret))


def test_secret_entropy_estimates() -> None:
    assert secret_entropy_bits("") == 0.0
    assert secret_entropy_bits("a" * 32) == 0.0
    assert secret_entropy_bits("ab" * 16) == pytest.approx(32.0)
    assert secret_entropy_bits(SECRET) > 150 and secret_entropy_bits(INGEST) > 150


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("secret", ["changeme", "short"])
def test_dev_mode_allows_weak_configured_secrets(tmp_path: Path, secret: str) -> None:
    tokens = TokenService.from_settings(_settings(tmp_path, jwt_secret=secret), dev=True)
    assert tokens.user(tokens.mint(org="o", subject="u", ttl_s=60)) == Caller("o", "u")


def test_dev_mode_creates_a_persistent_private_secret(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first = TokenService.from_settings(settings, dev=True)
    path = tmp_path / "data" / "dev-jwt-secret"
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secret = path.read_text(encoding="utf-8").strip()
    assert len(secret) >= 32
    second = TokenService.from_settings(settings, dev=True)
    token = first.mint(org="o", subject="u", ttl_s=60)
    assert second.user(token) == Caller("o", "u")
    assert dev_secret(tmp_path / "data") == secret
    # Another data dir gets another secret.
    assert dev_secret(tmp_path / "elsewhere") != secret


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("1h", 3600),
        ("7d", 604_800),
        ("3600", 3600),
        ("1", 1),
        (" 2H ", 7200),
        ("10M", 600),
        ("365d", 31_536_000),
    ],
)
def test_parse_ttl_accepts(text: str, seconds: int) -> None:
    assert parse_ttl(text) == seconds


@pytest.mark.parametrize(
    "text",
    [
        *["", " ", "0", "0s", "-5", "-5m", "+5", "1.5h", "h", "s", "10w", "abc", "1 h", "1hh"],
        *["1e3", "366d", "99999999d"],  # a token that never expires in practice
    ],
)
def test_parse_ttl_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="ttl"):
        parse_ttl(text)
