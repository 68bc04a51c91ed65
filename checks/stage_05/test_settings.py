"""Stage 5: settings from the environment, through a cached get_settings."""

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings

from checks.stage_05.shop import call, override
from checks.support import body_of, expect, expect_json, expect_status, fail, todo
from workbook.engine.app_loader import load_app

NAMES = ("Corner Shop", "Acme Store", "Bazaar", "General Store", "Trading Post")


@pytest.fixture
def configured(environment, monkeypatch, data, request):
    """The environment of a deployment (set before the app is imported), and a
    client for the app it configures."""
    values = {
        **environment,
        "APP_NAME": f"{data.choice(NAMES)} {data.token(4)}",
        "ACCESS_TOKEN_EXPIRE_MINUTES": str(data.integer(5, 240)),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values, request.getfixturevalue("client")


def _settings():
    settings = call("get_settings")
    expect(
        isinstance(settings, BaseSettings),
        f"get_settings() returned {type(settings).__name__}: it should build a Settings, "
        "a subclass of pydantic_settings.BaseSettings",
        expected="an instance of Settings(BaseSettings)",
    )
    return settings


def _greeting(client, name):
    response = client.get("/")
    expect_status(response, 200)
    return response, {"message": f"Welcome to the {name}"}


@pytest.mark.req("5.2")
def test_settings_come_from_the_environment(configured):
    """get_settings() reads APP_NAME, DATABASE_URL, SECRET_KEY and ACCESS_TOKEN_EXPIRE_MINUTES."""
    env, _client = configured
    settings = _settings()
    for field, variable in [("app_name", "APP_NAME"), ("database_url", "DATABASE_URL")]:
        expect(
            getattr(settings, field, None) == env[variable],
            f"settings.{field} is {getattr(settings, field, '(missing)')!r}, not the value of "
            f"the environment variable {variable}",
            expected=f"settings.{field} == {env[variable]!r}",
        )
    minutes = getattr(settings, "access_token_expire_minutes", None)
    expect(
        minutes == int(env["ACCESS_TOKEN_EXPIRE_MINUTES"]) and type(minutes) is int,
        f"settings.access_token_expire_minutes is {minutes!r}: it should be read from "
        "ACCESS_TOKEN_EXPIRE_MINUTES and typed int, so pydantic converts the text",
        expected=f"settings.access_token_expire_minutes == {env['ACCESS_TOKEN_EXPIRE_MINUTES']}",
    )
    secret = getattr(settings, "secret_key", None)
    expect(
        isinstance(secret, SecretStr),
        f"settings.secret_key is a {type(secret).__name__}: declare it `secret_key: SecretStr`, "
        "so that printing or logging the settings does not show it",
        expected="settings.secret_key: SecretStr",
    )
    expect(
        secret.get_secret_value() == env["SECRET_KEY"],
        "settings.secret_key does not hold the value of the environment variable SECRET_KEY",
        expected="settings.secret_key.get_secret_value() == os.environ['SECRET_KEY']",
    )
    expect(
        env["SECRET_KEY"] not in repr(settings),
        "repr(settings) shows the secret key: anything that logs the settings leaks it",
        expected="secret_key=SecretStr('**********') in repr(settings)",
    )


@pytest.mark.req("5.2")
def test_greeting_names_the_app_from_the_environment(configured):
    """With APP_NAME set, GET / answers {"message": "Welcome to the <APP_NAME>"}."""
    env, client = configured
    _settings()
    response, wanted = _greeting(client, env["APP_NAME"])
    expect(
        body_of(response) == wanted,
        f"APP_NAME is {env['APP_NAME']!r}, but GET / does not greet with it: read_root should "
        "take `settings: SettingsDep` and use settings.app_name",
        expected=f"status 200 {wanted}",
        response=response,
    )
    secret = env["SECRET_KEY"]
    for path in ("/", "/openapi.json"):
        response = client.get(path)
        expect(
            secret not in response.text,
            f"GET {path} shows the SECRET_KEY",
            expected="no secret in any response",
            response=response,
        )


@pytest.mark.req("5.2")
def test_greeting_defaults_to_shop_api(environment, monkeypatch, request):
    """Without APP_NAME, the app is called "Shop API": GET / greets as before."""
    monkeypatch.delenv("APP_NAME", raising=False)
    client = request.getfixturevalue("client")
    settings = _settings()
    expect(
        getattr(settings, "app_name", None) == "Shop API",
        f"without APP_NAME, settings.app_name is {getattr(settings, 'app_name', '(missing)')!r}",
        expected='app_name: str = "Shop API"',
    )
    response, wanted = _greeting(client, "Shop API")
    expect_json(response, wanted, exact=True)


@pytest.mark.req("5.2")
def test_greeting_follows_an_overridden_get_settings(client, app, data):
    """With get_settings overridden, GET / greets with the overriding settings' app_name."""
    settings = _settings()
    name = f"{data.choice(NAMES)} {data.token(4)}"
    other = type(settings)(app_name=name)
    override(app, "get_settings", lambda: other)
    response, wanted = _greeting(client, name)
    expect(
        body_of(response) == wanted,
        "GET / ignored the settings get_settings was overridden with: read_root must get "
        "them as a parameter, `settings: SettingsDep`, not build Settings() itself, read "
        "os.environ or use a module-level settings object",
        expected=f"status 200 {wanted}",
        response=response,
    )


@pytest.mark.req("5.3")
def test_get_settings_returns_one_settings_object(app):
    """get_settings() returns the very same Settings object on every call."""
    first = _settings()
    expect(
        call("get_settings") is first,
        "get_settings() built a new Settings on its second call, reading and validating the "
        "whole environment again: cache it with @lru_cache",
        expected="get_settings() is get_settings()",
    )


@pytest.mark.req("5.3")
def test_environment_is_read_once(configured, monkeypatch, data):
    """A change to APP_NAME after the first request does not change GET /."""
    env, client = configured
    _settings()
    response, wanted = _greeting(client, env["APP_NAME"])
    if body_of(response) != wanted:
        todo("GET / does not greet with APP_NAME yet (requirement 5.2 comes first)")
    later = f"{data.choice(NAMES)} {data.token(5)}"
    monkeypatch.setenv("APP_NAME", later)
    response = client.get("/")
    expect_status(response, 200)
    expect(
        body_of(response) == wanted,
        f"APP_NAME changed to {later!r} after the first request, and GET / followed it: the "
        "settings are read again on every request. Cache get_settings with @lru_cache, and "
        "read the settings only through it",
        expected=f"status 200 {wanted}, as for the first request",
        response=response,
    )


@pytest.mark.req("5.2")
@pytest.mark.env(ACCESS_TOKEN_EXPIRE_MINUTES="abc")
def test_a_bad_variable_stops_the_start(target, environment):
    """ACCESS_TOKEN_EXPIRE_MINUTES=abc fails at startup (the lifespan) with an error naming it."""
    try:
        # Imported here, not by the `app` fixture: an app that reads its settings
        # at import fails there, which is a failed start too.
        with TestClient(load_app(target)):
            pass
    except Exception as error:  # whatever the lifespan raised: it must name the variable
        text = str(error).lower()
        expect(
            "access_token_expire_minutes" in text,
            "the app refused to start with ACCESS_TOKEN_EXPIRE_MINUTES=abc, but the error "
            f"does not name the variable: {str(error)[:300]}",
            expected="an error that names access_token_expire_minutes",
        )
        return
    try:
        call("get_settings")
    except ValidationError:
        fail(
            "with ACCESS_TOKEN_EXPIRE_MINUTES=abc the app started, and only get_settings() "
            "fails: the first request that needs the settings would be a 500. Call "
            "get_settings() in the app's lifespan, before the yield",
            expected="the start to fail with a ValidationError naming the variable",
        )
    fail(
        "with ACCESS_TOKEN_EXPIRE_MINUTES=abc the settings were accepted: "
        "access_token_expire_minutes should be an int",
        expected="a ValidationError naming access_token_expire_minutes",
    )
