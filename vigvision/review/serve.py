"""Start Streamlit for the review app: nothing looked up off this machine, and only this machine's
browser pages may use it.

Streamlit's WebSocket origin check, given a page from an origin it does not know, asks the network
for this machine's addresses: a UDP "connect" to 8.8.8.8 for the internal one and an HTTP request to
checkip.amazonaws.com for the external one. The app serves on 127.0.0.1 and has no use for either:
both are answered with the loopback address before the server starts, so nothing is looked up.

Two more guards go in front of every request (:class:`Guard`): a Host header that is not the
address the app serves on is refused (a foreign web page that makes its own name resolve to 127.0.0.1,
"DNS rebinding", cannot read the app), and no page of another site may show the app in a frame
(``X-Frame-Options``, CSP ``frame-ancestors``: no clicks made unseen through an invisible frame).

    python -m vigvision.review.serve run app.py --server.address 127.0.0.1 ...   (as ``streamlit run``)
"""
from __future__ import annotations

import sys

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
#: What every answer carries: no framing by other sites, no guessing of content types, no referrer sent.
HEADERS = ((b"x-frame-options", b"SAMEORIGIN"),
           (b"content-security-policy", b"frame-ancestors 'self'"),
           (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"))


def no_lookups() -> None:
    """Answer Streamlit's address look-ups with the loopback address (no socket is opened)."""
    from streamlit import net_util

    net_util._internal_ip = "127.0.0.1"
    net_util._external_ip = "127.0.0.1"
    net_util.get_internal_ip = lambda: "127.0.0.1"
    net_util.get_external_ip = lambda: "127.0.0.1"


def allowed_hosts(address: str) -> set[str] | None:
    """The host names a request may name for an app serving on ``address`` (None: any, when it serves
    on every interface, as the user asked with a warning)."""
    if address in ("0.0.0.0", "::", ""):
        return None
    return {address.strip("[]"), *LOOPBACK_NAMES}


def _host_name(host: str) -> str:
    """'127.0.0.1:8501' -> '127.0.0.1'; '[::1]:8501' -> '::1'."""
    if host.startswith("["):
        return host[1:].split("]")[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Guard:
    """ASGI middleware: refuse a foreign Host header; add :data:`HEADERS` to every HTTP answer."""

    def __init__(self, app, hosts: set[str] | None):
        self.app, self.hosts = app, hosts

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
        if self.hosts is not None and _host_name(host).lower() not in self.hosts:
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})   # answered 403 before accepting
            body = f"vigvision: this app answers to {', '.join(sorted(self.hosts))} only, not {host!r}\n".encode()
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"), *HEADERS]})
            return await send({"type": "http.response.body", "body": body})

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                known = {k.lower() for k, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []),
                                                  *((k, v) for k, v in HEADERS if k not in known)]}
            await send(message)
        return await self.app(scope, receive, with_headers if scope["type"] == "http" else send)


def guard(address: str) -> None:
    """Put :class:`Guard` in front of the server Streamlit builds (before its own middleware)."""
    from starlette.middleware import Middleware
    from streamlit.web.server.starlette import starlette_app

    streamlit_middleware = starlette_app.create_streamlit_middleware
    starlette_app.create_streamlit_middleware = lambda: [Middleware(Guard, hosts=allowed_hosts(address)),
                                                         *streamlit_middleware()]


def _address(argv: list[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "--server.address" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--server.address="):
            return arg.split("=", 1)[1]
    return "127.0.0.1"


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    no_lookups()
    guard(_address(argv))
    from streamlit.web import cli

    sys.argv = ["streamlit", *argv]
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
