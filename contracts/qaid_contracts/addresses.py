"""Which network addresses count as public: the one definition for every client that calls a URL a
hospital registered itself (the hub's ``hub.egress``, the bot's ``qaid_bot.egress``).

Both check every address a host name resolves to before connecting, and connect only to those: a
URL held to public addresses must never reach loopback, the private networks, link-local addresses
(cloud metadata at 169.254.169.254) or another internal service.
"""

from __future__ import annotations

import ipaddress

__all__ = ["not_public"]

# NAT64's well-known prefix embeds an IPv4 address the gateway connects to (RFC 6052).
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def not_public(address: str) -> bool:
    """Loopback, private, link-local (cloud metadata), shared, reserved, multicast... or an IPv6
    address that carries such an IPv4 address (mapped, NAT64, 6to4, Teredo). ``address`` is an IP
    address literal (an IPv6 zone, ``%eth0``, is ignored: a zone is only used with link-local)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = [ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None]
        if ip in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if any(v4 is not None and not v4.is_global for v4 in embedded):
            return True
    return not ip.is_global or ip.is_multicast  # 224.0.0.0/4 counts as "global" in Python
