"""Who is calling: the SDK's `TokenVerifier` for our API tokens (looked up by hash in the store) and for JWTs from
an external OAuth 2.1 authorization server (signature from its JWKS, issuer, audience, expiry). Either way the
caller becomes an `AccessToken` whose claims name exactly one profile and one role."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import jwt
from mcp.server.auth.provider import AccessToken

from shared import profiles
from shared.remote.roles import ROLES, validate_role
from shared.store.tokens import PREFIX, TokenBook

log = logging.getLogger(__name__)


def _access(token: str, *, client_id: str, profile: str, role: str, expires_at: float | None, kind: str,
            subject: str | None = None, resource: str | None = None) -> AccessToken:
    return AccessToken(token=token, client_id=client_id, scopes=[role], expires_at=int(expires_at) if expires_at else None,
                       subject=subject or profile, resource=resource,
                       claims={"ismcp_profile": profile, "ismcp_role": role, "ismcp_kind": kind})


class ApiTokenVerifier:
    """Tokens made by `tokens create`: one indexed read per request, so a revocation holds at once."""

    def __init__(self, book: TokenBook | None) -> None:
        self.book = book

    async def verify_token(self, token: str) -> AccessToken | None:
        if self.book is None:
            return None
        try:
            record = await self.book.lookup(token)
        except Exception:  # noqa: BLE001 - a store hiccup refuses the request (401), never lets it through
            log.warning("token lookup failed", exc_info=True)
            return None
        if record is None:
            return None
        return _access(token, client_id=record.id, profile=record.profile, role=record.role,
                       expires_at=record.expires_at, kind="api_token")


@dataclass(frozen=True)
class OAuthConfig:
    issuer: str
    audience: str
    jwks_url: str
    profile_claim: str = "ismcp_profile"  # the claim naming the profile; else `subject_profiles` maps `sub`
    role_claim: str = "ismcp_role"  # else the role comes from scopes `ismcp:<role>`; else "read"
    subject_profiles: tuple[tuple[str, str], ...] = ()
    algorithms: tuple[str, ...] = ("RS256", "ES256", "PS256", "EdDSA")


class JwtVerifier:
    """JWT access tokens from an external authorization server (RFC 9068 style): verified against the server's
    JWKS (fetched, cached and refetched on an unknown key id by PyJWT's PyJWKClient), its issuer, our audience
    and the expiry. A token without a profile, or naming an invalid one, is refused."""

    def __init__(self, config: OAuthConfig) -> None:
        self.config = config
        self.jwks = jwt.PyJWKClient(config.jwks_url, cache_keys=True, lifespan=300, timeout=10)

    async def verify_token(self, token: str) -> AccessToken | None:
        try:
            key = await asyncio.to_thread(self.jwks.get_signing_key_from_jwt, token)
            claims: dict[str, Any] = jwt.decode(
                token, key.key, algorithms=list(self.config.algorithms), audience=self.config.audience,
                issuer=self.config.issuer, options={"require": ["exp", "iss", "aud", "sub"]}, leeway=30)
        except (jwt.PyJWTError, OSError) as exc:
            log.info("JWT refused: %s", type(exc).__name__)
            return None
        profile = self._profile(claims)
        if profile is None:
            return None
        scopes = str(claims.get("scope", "")).split()
        role = claims.get(self.config.role_claim) or next(
            (s.split(":", 1)[1] for s in reversed(scopes) if s.startswith("ismcp:") and s.split(":", 1)[1] in ROLES),
            "read")
        try:
            role = validate_role(str(role))
        except ValueError:
            return None
        return _access(token, client_id=str(claims.get("client_id") or claims.get("azp") or claims["sub"]),
                       profile=profile, role=role, expires_at=float(claims["exp"]), kind="oauth",
                       subject=str(claims["sub"]), resource=self.config.audience)

    def _profile(self, claims: dict[str, Any]) -> str | None:
        raw = claims.get(self.config.profile_claim) or dict(self.config.subject_profiles).get(str(claims["sub"]))
        if not raw:
            return None
        try:
            return profiles.validate(str(raw))
        except Exception:  # noqa: BLE001 - an invalid profile name is a refused token
            return None


class ChainVerifier:
    """Our API tokens (recognised by their prefix) first, then JWTs when OAuth is configured."""

    def __init__(self, api: ApiTokenVerifier | None, oauth: JwtVerifier | None) -> None:
        self.api, self.oauth = api, oauth

    async def verify_token(self, token: str) -> AccessToken | None:
        if token.startswith(PREFIX):
            return await self.api.verify_token(token) if self.api else None
        if self.oauth is not None:
            access = await self.oauth.verify_token(token)
            if access is not None and access.expires_at is not None and access.expires_at < time.time():
                return None
            return access
        return None
