import secrets
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# What every replica must be given, the same for all, before it may serve.
REQUIRED_IN_PRODUCTION = ("secret_key", "database_url")


class Settings(BaseSettings):
    """Twelve-factor configuration: one image, and the environment says the rest."""

    model_config = SettingsConfigDict(extra="ignore", hide_input_in_errors=True)

    environment: Literal["development", "production"] = "development"
    # Handy on a laptop, wrong for a replica: each container would get a
    # shop.db of its own, and each replica its own users.
    database_url: str = "sqlite+aiosqlite:///./shop.db"
    # Made up when not given: fine for one process, fatal for two, which
    # would each reject the other's tokens.
    secret_key: SecretStr = Field(
        default_factory=lambda: SecretStr(secrets.token_urlsafe(32)), min_length=32
    )

    @model_validator(mode="after")
    def given_in_production(self) -> Self:
        # model_fields_set holds what was really given (here, by the
        # environment), not what a default filled in.
        missing = [name for name in REQUIRED_IN_PRODUCTION if name not in self.model_fields_set]
        if self.environment == "production" and missing:
            names = ", ".join(name.upper() for name in missing)
            raise ValueError(f"{names} must be set when ENVIRONMENT=production")
        return self
