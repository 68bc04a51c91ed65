"""Stage 8, requirement 8.2: POST /auth/token trades the OAuth2 password form
for a signed JWT, and every failed login gets the same 401.

The checks read the token as anyone can (its claims are only base64), and
check its signature with the SECRET_KEY the app was given."""

import time

import jwt
import pytest

from checks.support import body_of, expect, expect_header, expect_status, fail
from checks.support.accounts import BAD_CREDENTIALS, FAST, login_response, signup
from checks.support.tokens import header_of

pytestmark = pytest.mark.env(**FAST)

LIFETIME_MINUTES = 15  # the checks' ACCESS_TOKEN_EXPIRE_MINUTES


@pytest.mark.req("8.2")
def test_a_login_answers_an_hs256_jwt_naming_the_user(client, data, environment):
    """POST /auth/token answers a JWT: HS256 with SECRET_KEY, sub the id, exp = iat + 15 min."""
    account = signup(client, data)
    response = login_response(client, account.username, account.password)
    expect_status(
        response, 200, "POST /auth/token with a user's username and password should answer 200"
    )
    body = body_of(response)
    expect(
        isinstance(body, dict)
        and isinstance(body.get("access_token"), str)
        and str(body.get("token_type", "")).lower() == "bearer",
        "POST /auth/token should answer the OAuth2 token response",
        expected='{"access_token": "<a JWT>", "token_type": "bearer"}',
        response=response,
    )
    account.token = body["access_token"]
    header = header_of(account.token)
    expect(
        header.get("alg") == "HS256",
        f"the token's header says alg {header.get('alg')!r}",
        expected='{"alg": "HS256", "typ": "JWT"}',
        response=response,
    )
    key = environment["SECRET_KEY"]
    try:
        claims = jwt.decode(
            account.token,
            key,
            algorithms=["HS256"],
            options={"verify_exp": False, "verify_iat": False, "verify_sub": False},
        )
    except jwt.InvalidSignatureError:
        fail(
            "the token's signature does not check out with the SECRET_KEY the app was given: "
            "is the key written in the code (the tutorial's example key?) instead of read "
            "from the settings (settings.secret_key.get_secret_value())?",
            expected="a JWT signed with HS256 and SECRET_KEY",
            response=response,
        )
    except jwt.PyJWTError as error:
        fail(f"the token cannot be read: {error}", expected="a JWT", response=response)
    expect(
        claims.get("sub") == str(account.id),
        f"the token's sub is {claims.get('sub')!r}: it names the user by their id, as a string "
        "(RFC 7519 makes sub a string; PyJWT refuses a number when it decodes)",
        expected=f'"sub": "{account.id}"',
        got=str(claims),
        response=response,
    )
    issued, expires = claims.get("iat"), claims.get("exp")
    expect(
        isinstance(issued, int | float) and abs(issued - time.time()) < 120,
        "the token has no iat (issued at) of now",
        expected="iat: the time of the login, in seconds since 1970",
        got=str(claims),
        response=response,
    )
    expect(
        isinstance(expires, int | float) and abs(expires - issued - LIFETIME_MINUTES * 60) <= 5,
        "the token should expire ACCESS_TOKEN_EXPIRE_MINUTES (15 in the checks) after it was "
        "issued: a token without exp is valid forever",
        expected=f"exp = iat + {LIFETIME_MINUTES * 60}",
        got=str(claims),
        response=response,
    )


@pytest.mark.req("8.2")
def test_every_failed_login_gets_the_same_401(client, data):
    """A wrong password and an unknown user get one 401 with WWW-Authenticate; JSON is a 422."""
    account = signup(client, data)
    wrong = login_response(client, account.username, account.password + "x")
    unknown = login_response(client, data.username(), account.password)
    for response, what in ((wrong, "a wrong password"), (unknown, "an unknown username")):
        expect_status(response, 401, f"POST /auth/token with {what} should answer 401")
        expect_header(response, "WWW-Authenticate", "Bearer")
        expect(
            body_of(response) == BAD_CREDENTIALS,
            f"POST /auth/token with {what} should answer the one message for every failed "
            "login: a different one for unknown users tells an attacker which usernames exist",
            expected=f"401 {BAD_CREDENTIALS}",
            response=response,
        )
    response = client.post(
        "/auth/token", json={"username": account.username, "password": account.password}
    )
    expect_status(
        response,
        422,
        "POST /auth/token with a JSON body should answer 422: the OAuth2 password flow (and "
        "Swagger UI's Authorize) sends form fields, read with OAuth2PasswordRequestForm",
    )
