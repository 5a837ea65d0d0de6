"""Settings from the environment (POSTDRILL_* and DATABASE_URL), with safe defaults for a laptop."""

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POSTDRILL_", extra="ignore")

    instance_dir: Path = Field(default=Path("instance"), description="Folder for the SQLite file and the secret")
    database_url: str = Field(
        default="",
        validation_alias=AliasChoices("DATABASE_URL", "POSTDRILL_DATABASE_URL"),
        description="SQLAlchemy URL; empty means a SQLite file in the instance folder",
    )
    secret_key: str = Field(default="", description="JWT/CSRF key; generated once into the instance folder if empty")
    token_minutes: int = Field(default=12 * 60, ge=5, le=60 * 24 * 30)
    join_link_days: int = Field(default=14, ge=1, le=90)
    pass_mark: int = Field(default=80, ge=1, le=100)
    desired_retention: float = Field(default=0.90, ge=0.7, le=0.99, description="FSRS target recall")
    validity_days: int = Field(default=365, ge=1, le=3650)
    secure_cookies: bool = Field(default=False, description="Set the Secure flag (behind HTTPS)")
    # Logins slow down, never lock (see accounts.throttle): failures allowed before each next try waits
    login_max_failures: int = Field(default=5, ge=1, description="Per account from one address or device")
    login_max_failures_per_account: int = Field(default=20, ge=1, description="Per account from everywhere")
    # generous: a plant's whole shift may share one Wi-Fi address
    login_max_failures_per_address: int = Field(default=100, ge=1)
    login_first_wait_seconds: int = Field(default=30, ge=1, description="The first wait; it doubles each failure")
    login_lock_minutes: int = Field(default=15, ge=1, description="The longest wait, and the quiet time that resets")
    remember_device_days: int = Field(default=180, ge=1, le=730, description="How long a phone is remembered")
    # argon2 cost; tests lower it so the suite stays fast, production keeps the library defaults.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=64)
    password_hash_concurrency: int = Field(default=4, ge=1, description="argon2 hashes at once per process")
    sqlite_synchronous: str = Field(default="FULL", pattern="^(FULL|NORMAL)$")
    migrate_on_start: bool = Field(default=True, description="Run migrations when the app starts")
    db_pool_size: int = Field(default=20, ge=1, description="connections kept open per process")
    db_max_overflow: int = Field(default=10, ge=0, description="extra connections under load")
    # FastAPI's native OpenTelemetry. Off unless asked for: nothing here configures a provider, and
    # when on, FastAPI looks up the global providers (environment reads) on every request, ~8 % of
    # the answer path's busy time. On: spans, metrics and logs go to the providers you configure.
    opentelemetry: bool = Field(default=False, description="FastAPI's OpenTelemetry spans, metrics and logs")

    @property
    def max_requests_in_flight(self) -> int:
        """No more requests at work than connections (see middleware.RequestGate), nor than the
        thread pool's 40 threads."""
        return min(self.db_pool_size + self.db_max_overflow, 40)

    def resolved_database_url(self) -> str:
        if self.database_url:
            url = self.database_url
            # Accept the libpq-style scheme people paste and use psycopg 3, the driver we ship.
            if url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url[len("postgres://") :]
            elif url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://") :]
            return url
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.instance_dir / 'postdrill.db').resolve()}"

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once and kept in the instance folder (never in code)."""
        if self.secret_key:
            return self.secret_key
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        key_file = self.instance_dir / "secret_key"
        if not key_file.exists():
            # Write aside, then link into place: several worker processes starting at once agree
            # on one key, and nobody ever reads a half-written file.
            draft = self.instance_dir / f".secret_key.{secrets.token_hex(8)}"
            draft.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            draft.chmod(0o600)
            try:
                os.link(draft, key_file)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        return key_file.read_text(encoding="utf-8").strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
