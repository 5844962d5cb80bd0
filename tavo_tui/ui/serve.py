"""Serving the TUI to a browser (textual-serve): one app process per browser tab, behind a per-run secret.

textual-serve itself checks nothing: any web page the user visits could open its WebSocket (browsers allow
cross-origin WebSockets) and drive the app with the user's stored keys. So every run makes a secret token,
prints a URL holding it (as Jupyter does), and refuses the page, the WebSocket and downloads without it;
the page sets it as a SameSite=Strict cookie for the WebSocket that follows. A WebSocket upgrade whose
`Origin` is not the page's own is refused too.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

COOKIE = "tavo_serve_token"
# Paths that reach the app or its files; /static holds only textual-serve's own page assets.
GUARDED_PREFIXES = ("/ws", "/download")


class ServeUnavailable(RuntimeError):
    """textual-serve is not installed."""


def new_token() -> str:
    return secrets.token_urlsafe(24)


def same_token(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def origin_allowed(origin: str | None, host: str | None) -> bool:
    """A WebSocket may come from a page on the server's own host:port (or from a non-browser client, which
    sends no Origin); a page elsewhere may not."""
    if origin is None:
        return True
    parts = urlsplit(origin)
    return bool(host) and parts.scheme in ("http", "https") and parts.netloc.lower() == (host or "").lower()


def refusal(path: str, has_token: bool, origin_ok: bool) -> str | None:
    """Why a request is refused (None: let it through). Pure, so the rules are tested without a server."""
    if path == "/" and not has_token:
        return "open the address printed by `tavo-tui serve` (it holds this run's token)"
    if path.startswith(GUARDED_PREFIXES):
        if not has_token:
            return "this run's token is missing: open the address printed by `tavo-tui serve`"
        if not origin_ok:
            return "cross-origin request refused"
    return None


def serve_in_browser(command: str, *, host: str, port: int, token: str,
                     on_ready: Callable[[str], None] | None = None) -> None:
    """Run `command` (the tavo-tui command line) for each browser session until interrupted. `on_ready` gets
    the URL to open, token included, once the server listens."""
    try:
        from aiohttp import web
        from textual_serve.server import Server
    except ImportError:
        raise ServeUnavailable("textual-serve is not installed (pip install textual-serve)") from None

    @web.middleware
    async def guard(request: web.Request, handler: Callable[[web.Request], Awaitable[Any]]) -> Any:
        given = request.query.get("token")
        has_token = same_token(given, token) or same_token(request.cookies.get(COOKIE), token)
        reason = refusal(request.path, has_token, origin_allowed(request.headers.get("Origin"), request.host))
        if reason is not None:
            raise web.HTTPForbidden(text=f"tavo-tui serve: {reason}\n")
        response = await handler(request)
        if request.path == "/" and same_token(given, token) and isinstance(response, web.StreamResponse):
            response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/")
        return response

    class GuardedServer(Server):  # type: ignore[misc]
        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.middlewares.append(guard)
            return app

        async def on_startup(self, app: web.Application) -> None:
            if on_ready is not None:
                on_ready(f"{self.public_url}/?token={token}")

    GuardedServer(command, host=host, port=port, title="tavo-tui").serve()
