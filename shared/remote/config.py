"""How the HTTP transport is configured: flags for where it listens, environment variables for the rest (so a
container or a systemd unit sets them without a config file)."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field

from shared import profiles
from shared.remote.verify import OAuthConfig

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")

ALLOW_ENV = "ISMCP_ALLOW_CIDRS"  # + __PROFILE suffix: that profile's client networks, comma-separated
TRUSTED_PROXIES_ENV = "ISMCP_TRUSTED_PROXIES"  # proxies whose X-Forwarded-For is believed
ALLOWED_HOSTS_ENV = "ISMCP_ALLOWED_HOSTS"  # Host header values accepted (DNS-rebinding protection), e.g. mcp.example.com
PUBLIC_URL_ENV = "ISMCP_PUBLIC_URL"  # the URL clients use, e.g. https://mcp.example.com/mcp (OAuth metadata)
MAX_BODY_ENV = "ISMCP_HTTP_MAX_BODY_BYTES"
RATE_ENV = "ISMCP_HTTP_RATE_PER_MINUTE"
CONCURRENCY_ENV = "ISMCP_HTTP_MAX_CONCURRENT"
OAUTH_ISSUER_ENV = "ISMCP_OAUTH_ISSUER"
OAUTH_AUDIENCE_ENV = "ISMCP_OAUTH_AUDIENCE"
OAUTH_JWKS_ENV = "ISMCP_OAUTH_JWKS_URL"
OAUTH_PROFILE_CLAIM_ENV = "ISMCP_OAUTH_PROFILE_CLAIM"
OAUTH_SUBJECTS_ENV = "ISMCP_OAUTH_SUBJECT_PROFILES"  # sub=profile,... for tokens without the profile claim


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def networks(text: str, what: str) -> tuple[Network, ...]:
    out = []
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"{what}: {part!r} is not an IP address or CIDR network (e.g. 10.0.0.0/8)") from None
    return tuple(out)


@dataclass
class HttpConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    path: str = "/mcp"
    public_url: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    trusted_proxies: tuple[Network, ...] = ()
    max_body_bytes: int = 1024 * 1024
    rate_per_minute: int = 600
    max_concurrent: int = 8
    oauth: OAuthConfig | None = None
    allow: dict[str, tuple[Network, ...]] = field(default_factory=dict)  # profile -> networks; absent = anywhere

    @property
    def url(self) -> str:
        """Where clients reach the MCP endpoint."""
        if self.public_url:
            return self.public_url
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.path}"

    def allowed_networks(self, profile: str) -> tuple[Network, ...] | None:
        """The networks this profile's callers may come from (None: any). Read from ISMCP_ALLOW_CIDRS[__PROFILE]
        unless set in `allow`."""
        if profile in self.allow:
            return self.allow[profile] or None
        raw = os.environ.get(ALLOW_ENV + profiles.env_suffix(profile), "").strip()
        return networks(raw, ALLOW_ENV + profiles.env_suffix(profile)) or None

    @classmethod
    def from_env(cls, *, host: str | None = None, port: int | None = None, path: str | None = None) -> HttpConfig:
        env = os.environ.get
        oauth = None
        issuer, audience, jwks = (env(OAUTH_ISSUER_ENV, "").strip(), env(OAUTH_AUDIENCE_ENV, "").strip(),
                                  env(OAUTH_JWKS_ENV, "").strip())
        if issuer or audience or jwks:
            missing = [n for n, v in ((OAUTH_ISSUER_ENV, issuer), (OAUTH_AUDIENCE_ENV, audience),
                                      (OAUTH_JWKS_ENV, jwks)) if not v]
            if missing:
                raise ValueError(f"OAuth needs all three of {OAUTH_ISSUER_ENV}, {OAUTH_AUDIENCE_ENV} and "
                                 f"{OAUTH_JWKS_ENV}; missing: {', '.join(missing)}")
            oauth = OAuthConfig(issuer=issuer, audience=audience, jwks_url=jwks,
                                profile_claim=env(OAUTH_PROFILE_CLAIM_ENV, "").strip() or "ismcp_profile",
                                subject_profiles=_pairs(env(OAUTH_SUBJECTS_ENV, ""), OAUTH_SUBJECTS_ENV))
        path = path or "/mcp"
        return cls(
            host=host or "127.0.0.1", port=port or 8000, path=path if path.startswith("/") else "/" + path,
            public_url=env(PUBLIC_URL_ENV, "").strip() or None,
            allowed_hosts=tuple(h.strip() for h in env(ALLOWED_HOSTS_ENV, "").split(",") if h.strip()),
            trusted_proxies=networks(env(TRUSTED_PROXIES_ENV, ""), TRUSTED_PROXIES_ENV),
            max_body_bytes=int(env(MAX_BODY_ENV, "") or 1024 * 1024),
            rate_per_minute=int(env(RATE_ENV, "") or 600),
            max_concurrent=int(env(CONCURRENCY_ENV, "") or 8),
            oauth=oauth,
        )


def _pairs(text: str, what: str) -> tuple[tuple[str, str], ...]:
    out = []
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        sub, sep, profile = part.partition("=")
        if not sep or not sub.strip():
            raise ValueError(f"{what}: {part!r} is not subject=profile")
        out.append((sub.strip(), profiles.validate(profile)))
    return tuple(out)
