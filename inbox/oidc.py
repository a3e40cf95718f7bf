"""Sign-in through the hospital's OpenID Connect provider: the Authorization Code flow with PKCE.

OpenID Connect Core 1.0 and Discovery 1.0. The provider's discovery document
(``<issuer>/.well-known/openid-configuration``, whose ``issuer`` must equal the configured one
exactly) names its endpoints and its keys (``jwks_uri``). Every server-side request to it is plain
HTTPS (http only to 127.0.0.1/localhost, for tests), follows no redirect, ignores proxy settings from
the environment and is bounded in time and size. The ID token is checked with PyJWT: signature
against the provider's keys (RS256 or ES256 only: never ``none``, never HS* with a guessable key),
``iss``, ``aud`` (and ``azp``), ``exp``, ``iat`` and the ``nonce`` of this sign-in.

A started sign-in (state, nonce, PKCE verifier, the page to return to) is kept in this process only,
for ``oidc_pending_ttl_s``, bound to the browser by a random cookie whose hash it stores: a callback
from another browser (login CSRF) or a second use of a state is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
import jwt

from inbox.settings import WorkbenchSettings

# The ID token algorithms accepted, with the key type each needs.
ALGORITHMS = {"RS256": "RSA", "ES256": "EC"}
SCOPE = "openid email profile"
CALLBACK_PATH = "/auth/oidc/callback"
START_PATH = "/auth/oidc/start"
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class OidcError(Exception):
    """A sign-in through the provider failed: the message is the reason (shown and audited)."""


class OidcConfigError(ValueError):
    """The OpenID Connect settings are incomplete or unsafe: the message names the setting."""


def check_url(url: str, what: str) -> str:
    """``url`` if it is https, or http to the local machine (tests); OidcConfigError otherwise."""
    parts = urlsplit(url)
    if not parts.hostname or not (
        parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
    ):
        raise OidcConfigError(f"{what} must be an https URL (http only for 127.0.0.1/localhost): {url!r}")
    return url


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class Pending:
    browser_sha: str
    nonce: str
    verifier: str
    next_path: str
    started: float


@dataclass
class Provider:
    """The configured provider of one inbox: discovery, keys, the code exchange and the ID token."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    ws: WorkbenchSettings
    _meta: dict[str, Any] = field(default_factory=dict)
    _meta_at: float = -1e18
    _jwks: jwt.PyJWKSet | None = None
    _jwks_at: float = -1e18
    _pending: dict[str, Pending] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        check_url(self.issuer, "QAID_INBOX_OIDC_ISSUER")
        check_url(self.redirect_uri, "QAID_INBOX_PUBLIC_URL")
        if not self.client_id:
            raise OidcConfigError(
                "QAID_INBOX_OIDC_CLIENT_ID is not set (the inbox's client id at the provider)"
            )

    # --- server-side requests -------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        return httpx.Client(timeout=self.ws.oidc_timeout_s, follow_redirects=False, trust_env=False)

    def _json(self, response: httpx.Response, what: str) -> dict[str, Any]:
        if response.status_code != 200:
            raise OidcError(f"the provider's {what} answered HTTP {response.status_code}")
        if len(response.content) > self.ws.oidc_max_bytes:
            raise OidcError(f"the provider's {what} answer is too large")
        try:
            body = response.json()
        except ValueError as exc:
            raise OidcError(f"the provider's {what} answer is not JSON") from exc
        if not isinstance(body, dict):
            raise OidcError(f"the provider's {what} answer is not a JSON object")
        return body

    def _get(self, url: str, what: str) -> dict[str, Any]:
        try:
            with self._client() as client:
                return self._json(client.get(url, headers={"Accept": "application/json"}), what)
        except httpx.HTTPError as exc:
            raise OidcError(f"the provider's {what} could not be reached ({type(exc).__name__})") from exc

    def metadata(self) -> dict[str, Any]:
        """The discovery document (cached for ``oidc_discovery_ttl_s``), checked."""
        if time.monotonic() - self._meta_at < self.ws.oidc_discovery_ttl_s:
            return self._meta
        meta = self._get(self.issuer.rstrip("/") + "/.well-known/openid-configuration", "discovery document")
        if meta.get("issuer") != self.issuer:
            raise OidcError("the provider's discovery document names another issuer")
        try:
            for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                check_url(str(meta.get(name) or ""), name)
        except OidcConfigError as exc:
            raise OidcError(f"the provider's discovery document: {exc}") from exc
        self._meta, self._meta_at = meta, time.monotonic()
        return meta

    def _keys(self, refresh: bool = False) -> jwt.PyJWKSet:
        stale = time.monotonic() - self._jwks_at
        if self._jwks is not None and stale < self.ws.oidc_discovery_ttl_s:
            if not refresh or stale < self.ws.oidc_jwks_refresh_s:
                return self._jwks
        body = self._get(str(self.metadata()["jwks_uri"]), "key set")
        try:
            self._jwks = jwt.PyJWKSet.from_dict(body)
        except jwt.PyJWTError as exc:
            raise OidcError("the provider's key set has no usable key") from exc
        self._jwks_at = time.monotonic()
        return self._jwks

    def _key(self, kid: object, alg: str) -> Any:
        """The provider's signing key the token names (a fresh key set once if unknown: a rotation)."""
        for refresh in (False, True):
            for jwk in self._keys(refresh):
                usable = jwk.key_type == ALGORITHMS[alg] and jwk.public_key_use in (None, "sig")
                if usable and jwk._jwk_data.get("alg") in (None, alg) and (kid is None or jwk.key_id == kid):
                    return jwk.key
        raise OidcError("the ID token is signed with a key the provider does not publish")

    # --- the flow -------------------------------------------------------------------------------

    def start(self, next_path: str) -> tuple[str, str]:
        """(the provider's authorization URL, the browser-binding cookie value) for a new sign-in."""
        meta = self.metadata()
        state, nonce, verifier, browser = (secrets.token_urlsafe(32) for _ in range(4))
        now = time.monotonic()
        with self._lock:
            for key in [k for k, p in self._pending.items() if now - p.started > self.ws.oidc_pending_ttl_s]:
                del self._pending[key]
            if len(self._pending) >= self.ws.oidc_pending_max:
                raise OidcError("too many sign-ins are under way: try again in a few minutes")
            self._pending[state] = Pending(_sha(browser), nonce, verifier, next_path, now)
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": SCOPE,
            "state": state,
            "nonce": nonce,
            "code_challenge": _b64(hashlib.sha256(verifier.encode()).digest()),
            "code_challenge_method": "S256",
        }
        endpoint = str(meta["authorization_endpoint"])
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}", browser

    def take(self, state: str, browser: str) -> Pending:
        """The sign-in ``state`` started in this browser, removed (each state is used once)."""
        with self._lock:
            pending = self._pending.pop(state, None) if state else None
        if pending is None or time.monotonic() - pending.started > self.ws.oidc_pending_ttl_s:
            raise OidcError("the sign-in is unknown or has expired (state mismatch): start again")
        if not hmac.compare_digest(pending.browser_sha, _sha(browser)):
            raise OidcError("the sign-in was started in another browser (state mismatch)")
        return pending

    def exchange(self, code: str, pending: Pending) -> dict[str, Any]:
        """The checked ID token claims for the authorization ``code`` of ``pending``."""
        meta = self.metadata()
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                "code_verifier": pending.verifier}  # fmt: skip
        headers = {"Accept": "application/json"}
        methods = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        if self.client_secret and "client_secret_basic" in methods:
            # RFC 6749 2.3.1: both parts form-encoded before the Basic encoding.
            pair = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form["client_id"] = self.client_id
            if self.client_secret:
                form["client_secret"] = self.client_secret
        try:
            with self._client() as client:
                body = self._json(
                    client.post(str(meta["token_endpoint"]), data=form, headers=headers), "token endpoint"
                )
        except httpx.HTTPError as exc:
            raise OidcError(
                f"the provider's token endpoint could not be reached ({type(exc).__name__})"
            ) from exc
        token = body.get("id_token")
        if not isinstance(token, str):
            raise OidcError("the provider's token answer has no ID token")
        return self.validate(token, pending.nonce)

    def validate(self, token: str, nonce: str) -> dict[str, Any]:
        """The claims of ``token`` once signature, issuer, audience, times and nonce check out."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise OidcError("the ID token is malformed") from exc
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise OidcError(f"the ID token's algorithm {str(alg)[:16]!r} is refused (RS256 or ES256 only)")
        key = self._key(header.get("kid"), alg)
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=[alg], audience=self.client_id, issuer=self.issuer,
                leeway=self.ws.oidc_leeway_s, options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )  # fmt: skip
        except jwt.InvalidSignatureError as exc:
            raise OidcError("the ID token's signature does not verify") from exc
        except jwt.ExpiredSignatureError as exc:
            raise OidcError("the ID token has expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise OidcError("the ID token is for another client (wrong audience)") from exc
        except jwt.InvalidIssuerError as exc:
            raise OidcError("the ID token is from another issuer (wrong issuer)") from exc
        except jwt.PyJWTError as exc:
            raise OidcError(f"the ID token is invalid ({type(exc).__name__})") from exc
        audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if (len(audience) > 1 or "azp" in claims) and claims.get("azp") != self.client_id:
            raise OidcError("the ID token was issued to another client (azp)")
        if time.time() - float(claims["iat"]) > self.ws.oidc_max_age_s + self.ws.oidc_leeway_s:
            raise OidcError("the ID token was issued too long ago")
        if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"], nonce):
            raise OidcError("the ID token's nonce does not match this sign-in")
        return claims
