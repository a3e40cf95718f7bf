"""A small but real OpenID Connect provider for the inbox's sign-in tests, on 127.0.0.1.

It serves discovery, its key set (one RSA and one EC key), an authorize endpoint that sends the
browser straight back with a code, and a token endpoint that checks the client's credentials, the
redirect_uri and the PKCE verifier (S256) before it answers with a signed ID token. ``tweak`` bends
the next ID token (claims, times, signing key, algorithm) for the refusal tests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

CLIENT_ID = "qaid-inbox"
CLIENT_SECRET = "provider-secret-for-tests"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Provider:
    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.other = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # not published
        self.user: dict[str, Any] = {"sub": "sub-ana", "email": "ana@spital.example", "email_verified": True,
                                     "name": "Dr Ana Ionescu"}  # fmt: skip
        self.tweak: dict[str, Any] = {}
        self.codes: dict[str, dict[str, str]] = {}
        self.token_requests = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def discovery(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "code_challenge_methods_supported": ["S256"]}  # fmt: skip

    def jwks(self) -> dict[str, Any]:
        rsa_jwk = {**RSAAlgorithm.to_jwk(self.rsa.public_key(), as_dict=True), "kid": "rsa-1", "use": "sig"}
        ec_jwk = {**ECAlgorithm.to_jwk(self.ec.public_key(), as_dict=True), "kid": "ec-1", "use": "sig"}
        return {"keys": [rsa_jwk, ec_jwk]}

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        iat, exp = self.tweak.get("times", (0, 300))
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now + iat, "exp": now + exp, "nonce": nonce,
                  **self.user, **self.tweak.get("claims", {})}  # fmt: skip
        alg = self.tweak.get("alg", "RS256")
        if alg == "none":
            header = _b64(json.dumps({"alg": "none", "kid": "rsa-1"}).encode())
            return f"{header}.{_b64(json.dumps(claims).encode())}."
        if alg == "HS256":  # a "signature" with the client secret, which the inbox also knows
            return jwt.encode(
                claims, CLIENT_SECRET.ljust(32, "x"), algorithm="HS256", headers={"kid": "rsa-1"}
            )
        key, kid = {"RS256": (self.rsa, "rsa-1"), "ES256": (self.ec, "ec-1")}[alg]
        if self.tweak.get("key") == "other":
            key = self.other
        return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        self.token_requests += 1
        pair = base64.b64decode(authorization.removeprefix("Basic ")).decode() if authorization else ""
        if pair != f"{CLIENT_ID}:{CLIENT_SECRET}":
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        challenge = _b64(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
        if challenge != grant["code_challenge"] or form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE or redirect_uri mismatch"}
        return 200, {"access_token": "at", "token_type": "Bearer", "id_token": self.id_token(grant["nonce"])}

    def authorize(self, query: dict[str, str]) -> str:
        """Where the browser goes next: back to the client with a code (the user is signed in here)."""
        assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
        assert query["code_challenge_method"] == "S256" and set(query["scope"].split()) >= {"openid", "email"}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {k: query[k] for k in ("nonce", "code_challenge", "redirect_uri")}
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any], location: str = "") -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if location:
                    self.send_header("Location", location)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration" and "discovery" in provider.tweak:
                    status, body = provider.tweak["discovery"]  # a bent discovery answer
                    self._send(status, {**provider.discovery(), **body}, f"{provider.issuer}/elsewhere")
                elif url.path == "/.well-known/openid-configuration":
                    self._send(200, provider.discovery())
                elif url.path == "/jwks":
                    self._send(200, provider.jwks())
                elif url.path == "/authorize":
                    self._send(302, {}, provider.authorize(query))
                else:
                    self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                form = {k: v[0] for k, v in parse_qs(body).items()}
                if urlsplit(self.path).path != "/token":
                    self._send(404, {"error": "not_found"})
                    return
                self._send(*provider.token(form, self.headers.get("Authorization", "")))

        return Handler
