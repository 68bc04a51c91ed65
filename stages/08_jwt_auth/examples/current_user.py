from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pydantic import BaseModel

SECRET_KEY = "read-me-from-the-settings-not-from-the-code-0123456789"
password_hash = PasswordHash.recommended()
# One user, kept in a dict: the shop keeps them in the database.
USERS = {"ada": {"id": 1, "username": "ada", "hashed_password": password_hash.hash("s3cret-pw")}}
DUMMY_HASH = password_hash.hash("no account has this password")

app = FastAPI()
# Reads "Authorization: Bearer <token>"; 401 by itself when it is missing.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class User(BaseModel):
    id: int
    username: str


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, {"WWW-Authenticate": "Bearer"})


@app.post("/token")
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    # A plain def: FastAPI runs it in a worker thread, so hashing blocks no one.
    user = USERS.get(form.username)
    valid = password_hash.verify(form.password, user["hashed_password"] if user else DUMMY_HASH)
    if user is None or not valid:
        raise unauthorized("Incorrect username or password")
    now = datetime.now(UTC)
    claims = {"sub": str(user["id"]), "iat": now, "exp": now + timedelta(minutes=30)}
    return Token(access_token=jwt.encode(claims, SECRET_KEY, algorithm="HS256"))


def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> User:
    try:
        claims = jwt.decode(
            token, SECRET_KEY, algorithms=["HS256"], options={"require": ["exp", "iat", "sub"]}
        )
    except jwt.InvalidTokenError:
        raise unauthorized("Could not validate credentials") from None
    user = next((u for u in USERS.values() if str(u["id"]) == claims["sub"]), None)
    if user is None:
        raise unauthorized("Could not validate credentials")
    return User(id=user["id"], username=user["username"])


CurrentUserDep = Annotated[User, Depends(get_current_user)]


@app.get("/me")
def read_me(user: CurrentUserDep) -> User:
    return user
