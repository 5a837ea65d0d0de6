"""The baseline for bench/answering.py: a bare FastAPI app with one `GET /ping`, served by uvicorn
with the same settings as `postdrill serve`."""

from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, bool]:
        return {"ok": True}

    return app
