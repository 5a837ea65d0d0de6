"""The installable, offline side of the drill: the manifest, the service worker (served from the
site root so its scope covers every page), the offline shell page it falls back to, and the small
session answer the phone asks for before it syncs what it queued offline.

Nothing here holds a person's data: the shell is the same for everyone (so it can be cached before
login) and renders from what the phone saved on its last online visit of /drill.
"""

import hashlib
import json
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app.security import OptionalPerson, csrf_token
from app.web import HTMX_PATH, TEMPLATE_DIR, static_url, templates

router = APIRouter(include_in_schema=False)

OFFLINE_PAGE = "/drill/offline"
SHELL_FILES = ("css/app.css", HTMX_PATH, "js/pwa.js", "js/offline.js", "js/checklist.js", "icon.svg")
THEME = "#b3261e"


def shell_urls() -> list[str]:
    """What the service worker keeps so the drill opens with no signal: the hashed static URLs the
    shell page itself links, and the shell page."""
    return [*(static_url(path) for path in SHELL_FILES), OFFLINE_PAGE]


@lru_cache(maxsize=1)
def _worker_version() -> str:
    # A changed asset or worker script changes these bytes, and so the browser installs the new worker.
    source = (TEMPLATE_DIR / "offline" / "sw.js").read_bytes()
    return hashlib.sha256(source + json.dumps(shell_urls()).encode()).hexdigest()[:12]


@router.get("/sw.js")
def service_worker(request: Request) -> Response:
    body = templates.get_template("offline/sw.js").render(
        version=_worker_version(), shell=shell_urls(), offline_page=OFFLINE_PAGE
    )
    return Response(
        body,
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"},
    )


def manifest() -> dict[str, Any]:
    return {
        "name": "岗位练兵",
        "short_name": "岗位练兵",
        "description": "两单两卡：闪卡、手指口述、练习和竞赛",
        "lang": "zh-CN",
        "dir": "ltr",
        "id": "/drill",
        "start_url": "/drill",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f6f6f4",
        "theme_color": THEME,
        "icons": [
            {"src": static_url("icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
            {"src": static_url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static_url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
        ],
    }


@router.get("/manifest.webmanifest")
def web_manifest() -> Response:
    return Response(
        json.dumps(manifest(), ensure_ascii=False),
        media_type="application/manifest+json",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get(OFFLINE_PAGE, response_class=HTMLResponse)
def offline_shell(request: Request) -> Response:
    """Public on purpose: the service worker caches it at install, which may be before login."""
    return templates.TemplateResponse(request, "offline/shell.html", {"offline_page": OFFLINE_PAGE})


@router.get("/offline/session")
def offline_session(request: Request, person: OptionalPerson) -> JSONResponse:
    """Who is logged in and the CSRF token, for a page that came from the cache (its own copy of
    the token may be stale) and wants to sync. Same-origin only: no CORS, so no other site reads it."""
    return JSONResponse(
        {
            "person_id": person.id if person else None,
            "csrf_token": csrf_token(request),
        },
        headers={"Cache-Control": "no-store"},
    )
