"""The reference inbox's own settings: the one place the workbench's fixed choices live.

The secrets stay where they were (``qaid.config.Settings``: ``inbox_secrets`` for the webhook
signature, ``inbox_token`` for tools reading the JSON API); doctors' passwords live hashed in the
inbox's SQLite file (``python -m inbox doctors add``), never in settings or the environment. The
OpenID Connect provider's settings (``inbox_oidc_*``, ``inbox_public_url``) are read there too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorkbenchSettings:
    # A session ends after this long without a request (a doctor walked away from a shared PC) ...
    session_idle_s: float = 30 * 60
    # ... and after this long in any case (one shift), however busy.
    session_max_s: float = 12 * 60 * 60
    # Failed sign-ins per user name within the window before further tries are refused for it.
    signin_max_failures: int = 5
    signin_window_s: float = 15 * 60
    # scrypt cost (RFC 7914): n=2**14, r=8, p=1 takes ~16 MiB and tens of ms per hash.
    scrypt_n: int = 2**14
    scrypt_r: int = 8
    scrypt_p: int = 1
    min_password_chars: int = 12
    max_note_chars: int = 4000
    # Keeping a received transcript's images (inbox/images.py): each request to the hub is bounded by
    # the timeout; all of a transcript's images together by the first budget when it is received (in
    # the background, after the hub has its answer) and by the second when a doctor's PDF or FHIR
    # download asks again for images still missing (the doctor waits for that one).
    image_timeout_s: float = 10.0
    image_receive_budget_s: float = 120.0
    image_download_budget_s: float = 15.0
    # OpenID Connect sign-in (inbox/oidc.py): each request to the provider is bounded by the timeout
    # and its answer by the byte limit; its discovery document and keys are re-read after the TTL (and
    # the keys at most this often when a token names an unknown key, a rotation). A started sign-in
    # must come back within the pending TTL; ID token times get the leeway for clock skew, and one
    # issued longer ago than the maximum age is refused.
    oidc_timeout_s: float = 5.0
    oidc_max_bytes: int = 256 * 1024
    oidc_discovery_ttl_s: float = 60 * 60
    oidc_jwks_refresh_s: float = 60.0
    oidc_pending_ttl_s: float = 10 * 60
    oidc_pending_max: int = 1000
    oidc_leeway_s: float = 60.0
    oidc_max_age_s: float = 10 * 60


DEFAULT = WorkbenchSettings()
SESSION_COOKIE = "qaid_inbox_session"
# Over https the cookie carries the __Host- prefix: the browser then insists on Secure, Path=/ and
# no Domain, so a sibling sub-domain cannot plant or overwrite it.
SECURE_SESSION_COOKIE = "__Host-qaid_inbox_session"
SIGNIN_CSRF_COOKIE = "qaid_inbox_signin"
# Binds a started OpenID Connect sign-in to the browser that started it (SameSite=Lax: the provider
# sends the browser back with a cross-site navigation, which a Strict cookie would not accompany).
OIDC_COOKIE = "qaid_inbox_oidc"
