from datetime import UTC, datetime, timedelta

import jwt

SECRET_KEY = "read-me-from-the-settings-not-from-the-code-0123456789"
ALGORITHM = "HS256"


def create_access_token(user_id: int, lifetime: timedelta = timedelta(minutes=30)) -> str:
    issued = datetime.now(UTC)
    claims = {"sub": str(user_id), "iat": issued, "exp": issued + lifetime}
    return jwt.encode(claims, SECRET_KEY, algorithm=ALGORITHM)


def decode_access_token(token: str) -> dict:
    # algorithms: the only ones accepted, whatever the token's header says.
    # require: a token without these claims is invalid, not "valid forever".
    return jwt.decode(
        token, SECRET_KEY, algorithms=[ALGORITHM], options={"require": ["exp", "iat", "sub"]}
    )


token = create_access_token(42)
header, payload, signature = token.split(".")  # three base64url parts
print(jwt.decode(token, options={"verify_signature": False}))  # anyone can read it
print(decode_access_token(token)["sub"])  # "42": only the key holder can trust it
