"""Connecting to a checked address while speaking to the original host name.

How pinning works: the policy resolved the host once and checked every address (policy.py). The request is
then built with the URL's host replaced by one of those checked addresses, so httpx connects to exactly that
address and never resolves the name again: a DNS answer that changes between the check and the connection
(DNS rebinding) has nothing left to change. What the server sees is unchanged:
- the Host header is set to the original host[:port], so virtual hosting works;
- for https, httpcore's `sni_hostname` request extension makes the TLS handshake send the original host name
  as SNI *and* verify the certificate against it (it becomes the server_hostname of SSLContext.wrap_socket,
  with check_hostname on), so a certificate for the IP, or for another name, is refused as usual.
Every request (every redirect hop) gets a fresh client, so no pooled connection is reused: a pool keyed by
IP could otherwise carry a request for one host name over a TLS session verified for another.
"""

import httpx

from minirag.adapters.http_fetch.addresses import is_ip_literal
from minirag.adapters.http_fetch.policy import VettedUrl


def pinned_request(
    client: httpx.Client,
    vetted: VettedUrl,
    address: str,
    *,
    method: str,
    headers: dict[str, str],
    content: bytes | None = None,
) -> httpx.Request:
    """A request to vetted.url that will connect to `address` (one of vetted.addresses) and nothing else."""
    if address not in vetted.addresses:
        raise ValueError("only an address the policy checked may be connected to")
    extensions: dict[str, object] = {}
    if vetted.url.scheme == "https" and not is_ip_literal(vetted.host):
        extensions["sni_hostname"] = vetted.host
    safe_headers = {k: v for k, v in headers.items() if k.lower() != "host"}
    safe_headers["Host"] = vetted.url.netloc.decode("ascii")
    return client.build_request(
        method,
        vetted.url.copy_with(host=address),
        headers=safe_headers,
        content=content,
        extensions=extensions,
    )
