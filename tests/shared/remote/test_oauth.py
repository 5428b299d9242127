"""OAuth 2.1 resource server: JWTs from an external authorization server are verified against its JWKS (a
server on loopback, with keys this test makes), its issuer and our audience; a claim names the profile and the
scopes name the role; RFC 9728 metadata tells clients where to get a token."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from shared.asgi import BackgroundServer
from shared.remote.verify import OAuthConfig
from tests.shared.remote.support import client, serve, tool_names

ISSUER = "https://auth.example.test"
AUDIENCE = "https://mcp.example.test/mcp"


def _key() -> tuple[Any, dict[str, Any]]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    return private, public


@pytest.fixture
def authz() -> Iterator[tuple[Any, str]]:
    """(signing key, JWKS URL): an authorization server's published keys, on loopback."""
    private, public = _key()
    public.update({"kid": "k1", "use": "sig", "alg": "RS256"})

    async def jwks(_request: Any) -> JSONResponse:
        return JSONResponse({"keys": [public]})

    with BackgroundServer(Starlette(routes=[Route("/jwks.json", jwks)])) as srv:
        yield private, srv.url + "/jwks.json"


def _jwt(key: Any, *, kid: str = "k1", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-1", "iat": now, "exp": now + 300,
            "ismcp_profile": "acme", "scope": "ismcp:operate", **claims}
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm="RS256", headers={"kid": kid})


def _served(jwks_url: str, **oauth: Any) -> Any:
    return serve(auth=True, public_url=AUDIENCE,
                 oauth=OAuthConfig(issuer=ISSUER, audience=AUDIENCE, jwks_url=jwks_url, **oauth))


INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}


def _post(url: str, token: str | None) -> httpx.Response:
    headers = {"Accept": "application/json, text/event-stream", **({"Authorization": f"Bearer {token}"} if token else {})}
    return httpx.post(url, json=INIT, headers=headers, timeout=30)


async def test_valid_jwt_works_and_its_scope_sets_the_role(authz: tuple[Any, str]) -> None:
    key, jwks_url = authz
    with _served(jwks_url) as s:
        async with client(s.url, _jwt(key)) as c:
            names = await tool_names(c)
            assert "sync_now" in names and "forget_contact" not in names  # ismcp:operate
        async with client(s.url, _jwt(key, scope="openid ismcp:read")) as c:
            assert "sync_now" not in await tool_names(c)


async def test_protected_resource_metadata_and_www_authenticate_point_to_the_issuer(authz: tuple[Any, str]) -> None:
    _key_, jwks_url = authz
    with _served(jwks_url) as s:
        meta = httpx.get(s.base + "/.well-known/oauth-protected-resource/mcp").json()
        assert meta["resource"] == AUDIENCE and meta["authorization_servers"] == [ISSUER]
        assert meta["bearer_methods_supported"] == ["header"]
        res = _post(s.url, None)
        assert res.status_code == 401
        assert 'resource_metadata="https://mcp.example.test/.well-known/oauth-protected-resource/mcp"' in \
            res.headers["www-authenticate"]


async def test_wrong_audience_issuer_key_expired_or_no_profile_get_401(authz: tuple[Any, str]) -> None:
    key, jwks_url = authz
    other_key, _ = _key()
    now = int(time.time())
    bad = {
        "audience": _jwt(key, aud="https://someone-else.test/mcp"),
        "issuer": _jwt(key, iss="https://evil.test"),
        "expired": _jwt(key, iat=now - 3600, exp=now - 600),
        "other key": _jwt(other_key),
        "unknown kid": _jwt(other_key, kid="k2"),
        "no profile": _jwt(key, ismcp_profile=None),
        "bad profile": _jwt(key, ismcp_profile="Not A Profile!"),
    }
    with _served(jwks_url) as s:
        assert _post(s.url, _jwt(key)).status_code == 200
        for what, token in bad.items():
            res = _post(s.url, token)
            assert res.status_code == 401, what
            assert res.headers["www-authenticate"].startswith("Bearer "), what


async def test_subject_mapped_to_profile_when_no_profile_claim(authz: tuple[Any, str]) -> None:
    key, jwks_url = authz
    with _served(jwks_url, subject_profiles=(("user-7", "beta"),)) as s:
        assert _post(s.url, _jwt(key, sub="user-7", ismcp_profile=None)).status_code == 200
        assert _post(s.url, _jwt(key, sub="user-8", ismcp_profile=None)).status_code == 401


def test_oauth_configuration_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.remote.config import HttpConfig

    monkeypatch.setenv("ISMCP_OAUTH_ISSUER", ISSUER)
    with pytest.raises(ValueError, match="missing: ISMCP_OAUTH_AUDIENCE, ISMCP_OAUTH_JWKS_URL"):
        HttpConfig.from_env()
    monkeypatch.setenv("ISMCP_OAUTH_AUDIENCE", AUDIENCE)
    monkeypatch.setenv("ISMCP_OAUTH_JWKS_URL", "https://auth.example.test/jwks.json")
    monkeypatch.setenv("ISMCP_OAUTH_SUBJECT_PROFILES", "user-7=beta, user-9=acme")
    cfg = HttpConfig.from_env(host="0.0.0.0", port=9000)
    assert cfg.oauth is not None and cfg.oauth.subject_profiles == (("user-7", "beta"), ("user-9", "acme"))
    assert cfg.url == "http://0.0.0.0:9000/mcp"
