"""The app's configuration, read from the environment by pydantic-settings.

Nothing else in the app reads `os.environ`. Routes ask for the settings with
`SettingsDep` (app/api/deps.py), so a test can hand them other settings with
`app.dependency_overrides[get_settings]`, and every value is parsed and
validated in one place, with an error that names the variable.
"""

import secrets
from datetime import UTC, datetime
from functools import lru_cache
from typing import Literal, Self

from pydantic import (
    AwareDatetime,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Each field is read from the environment variable of the same name, in any
    case (`app_name` from APP_NAME), then from a `.env` file, then its default."""

    model_config = SettingsConfigDict(
        env_file=".env",
        # The environment and a .env file hold other programs' variables too.
        extra="ignore",
        # A refused setting is named, its value is not: the values around it
        # (a DATABASE_URL with its password) must not reach a log.
        hide_input_in_errors=True,
    )

    # Where this process runs. In production it is one replica of several,
    # and every setting the replicas must agree on has to be given.
    environment: Literal["development", "production"] = "development"

    app_name: str = "Shop API"
    database_url: str = "sqlite+aiosqlite:///./shop.db"
    # No secret is written in the code. Without SECRET_KEY each process makes
    # up its own, so nothing signed with it survives a restart: set it
    # wherever that matters. SecretStr keeps it out of reprs, logs and tracebacks.
    secret_key: SecretStr = Field(
        default_factory=lambda: SecretStr(secrets.token_urlsafe(32)),
        # HS256 signs with this key: a short one can be guessed offline from
        # any token (RFC 8725, section 3.5). 32 bytes is the floor.
        min_length=32,
    )
    access_token_expire_minutes: int = Field(default=30, gt=0)
    # Argon2id's cost: memory in KiB, and passes over it. The defaults are
    # pwdlib's (PasswordHash.recommended()), above OWASP's floor of 19 MiB and
    # 2 passes. A test suite lowers them to hash in a millisecond.
    argon2_memory_cost: int = Field(default=65536, ge=32)
    argon2_time_cost: int = Field(default=3, ge=1)
    # The first admin, created at startup when all three are set and no user
    # has this username yet: nobody can make themselves an admin by request.
    first_admin_username: str | None = None
    first_admin_email: str | None = None
    first_admin_password: SecretStr | None = None
    # How long the stand-in mail server takes to take a message, in seconds
    # (EMAIL_DELAY_SECONDS): 0 by default, a few seconds to feel a slow one.
    email_delay_seconds: float = Field(default=0, ge=0, le=60)
    # When v1 became deprecated, and when it will stop answering: every v1
    # response says both (Deprecation, RFC 9745; Sunset, RFC 8594). Aware
    # datetimes only: "2027-06-01T00:00:00Z" names one instant the world over,
    # "2027-06-01T00:00:00" a different one in every time zone.
    v1_deprecated_at: AwareDatetime = datetime(2026, 12, 1, tzinfo=UTC)
    v1_sunset_at: AwareDatetime = datetime(2027, 6, 1, tzinfo=UTC)

    @field_validator("v1_sunset_at")
    @classmethod
    def sunset_after_deprecation(cls, sunset: datetime, info: ValidationInfo) -> datetime:
        # A version cannot go away before it was announced as going: refuse
        # to start rather than send clients a Sunset they cannot act on.
        deprecated = info.data.get("v1_deprecated_at")
        if deprecated is not None and sunset <= deprecated:
            raise ValueError("V1_SUNSET_AT must be later than V1_DEPRECATED_AT")
        return sunset

    # TODO 10.4: a model_validator(mode="after") that refuses to start when
    # ENVIRONMENT is "production" and SECRET_KEY was not given
    # ("secret_key" not in self.model_fields_set), with a message naming it.


# Cached: the environment is read and validated once per process, and every
# request shares the same Settings object. A plain `def` on purpose: lru_cache
# on an `async def` would cache the coroutine, which can be awaited only once.
# FastAPI runs it in a worker thread; after the first call that costs little.
@lru_cache
def get_settings() -> Settings:
    """The app's settings, as a dependency: routes take `SettingsDep`."""
    return Settings()
