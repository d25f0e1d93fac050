"""The client's address, as login throttling (django-axes) keys it.

Behind the fronting web server every request comes from the proxy's address: keyed on that, one
person's wrong passwords would lock everyone out. X-Forwarded-For is believed only when the
request comes from a proxy listed in TRUSTED_PROXIES (addresses or networks); then the client is
the right-most address in the header that is not itself a trusted proxy. Anything else — no
trusted proxy configured, a forged header from a client, a malformed address — uses REMOTE_ADDR.
"""

import ipaddress

from django.conf import settings


def _networks() -> list:
    return [ipaddress.ip_network(value, strict=False) for value in settings.TRUSTED_PROXIES]


def _is_trusted(address: str, networks: list) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks()
    if not networks or not _is_trusted(remote, networks):
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([a for a in forwarded if a]):
        if _is_trusted(address, networks):
            continue
        try:
            return str(ipaddress.ip_address(address))
        except ValueError:
            return remote  # a garbled header: throttle on the proxy rather than on nonsense
    return remote
