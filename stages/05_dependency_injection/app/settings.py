"""The app's configuration, read from the environment by pydantic-settings.

Nothing else in the app reads `os.environ`. Routes ask for the settings with
`SettingsDep` (app/dependencies.py), so a test can hand them other settings
with `app.dependency_overrides[get_settings]`, and every value is parsed and
validated in one place, with an error that names the variable.
"""

import secrets
from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Each field is read from the environment variable of the same name, in any
    case (`app_name` from APP_NAME), then from a `.env` file, then its default."""

    # TODO 5.2: app_name ("Shop API" by default), database_url, secret_key (a
    # SecretStr) and access_token_expire_minutes


def get_settings() -> Settings:
    """The app's settings, as a dependency: routes take `SettingsDep`."""
    # TODO 5.3: cache it with @lru_cache, so the environment is read once per process.
    raise NotImplementedError("TODO 5.2: Settings(BaseSettings) reads the environment, secret_key as SecretStr; GET / greets with its app_name")
