"""The web screen's HTTP routes (starlette): the page, its live feed, its buttons.

Kept apart from `web_screen.py` so that starlette is imported only when `--screen web` is asked
for. Every route checks the session's token first: a request without it (another page, another
program on this machine) gets 403, and so can neither read the session nor send commands.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import TYPE_CHECKING, AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, \
    StreamingResponse
from starlette.routing import Route

if TYPE_CHECKING:
    from coach.app.web_screen import WebScreen

FORBIDDEN = "This page belongs to a massage-coach session; open the address it printed."


def make_app(screen: "WebScreen") -> Starlette:
    """The starlette app serving `screen`."""

    def allowed(request: Request) -> bool:
        given = request.query_params.get("token", "")
        return secrets.compare_digest(given.encode(), screen.token.encode())

    def forbidden() -> Response:
        return PlainTextResponse(FORBIDDEN, status_code=403)

    async def page(request: Request) -> Response:
        if not allowed(request):
            return forbidden()
        return HTMLResponse(screen.page, headers={"Cache-Control": "no-store"})

    async def feed(request: Request) -> Response:
        """Server-sent events: the snapshot now, then each time it changes."""
        if not allowed(request):
            return forbidden()

        async def stream() -> AsyncIterator[str]:
            sent = -1
            yield "retry: 1000\n\n"
            while not screen.closing:
                version, payload = screen.latest()
                if version != sent:
                    sent = version
                    yield f"data: {payload}\n\n"
                await asyncio.sleep(0.1)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store",
                                          "X-Accel-Buffering": "no"})

    async def command(request: Request) -> Response:
        """A button: {"command": "next"} -> the same event the voice would send."""
        if not allowed(request):
            return forbidden()
        try:
            body = await request.json()
            button = str(body.get("command", ""))
        except (ValueError, AttributeError):
            return JSONResponse({"error": "send JSON like {\"command\": \"next\"}"},
                                status_code=400)
        if not screen.send(button):
            return JSONResponse({"error": f"unknown command {button!r}"}, status_code=400)
        return JSONResponse({"sent": button})

    return Starlette(routes=[
        Route("/", page),
        Route("/events", feed),
        Route("/command", command, methods=["POST"]),
    ])
