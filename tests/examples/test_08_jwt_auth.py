"""Stage 8's README examples, each imported and driven the way the lesson says
it behaves."""

from __future__ import annotations

import jwt
import pytest
from fastapi.testclient import TestClient

from tests.examples.support import load_example

STAGE = "08_jwt_auth"


def test_a_password_hash_is_argon2id_salted_and_verifiable(capsys) -> None:
    example = load_example(STAGE, "password_hashing.py")
    assert example.stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert example.password_hash.verify("correct-horse-battery", example.stored)
    assert capsys.readouterr().out.startswith("$argon2id$")


def test_a_token_is_readable_by_anyone_and_trusted_only_with_the_key(capsys) -> None:
    example = load_example(STAGE, "tokens.py")
    assert example.decode_access_token(example.token)["sub"] == "42"
    forged = jwt.encode({"sub": "1", "iat": 0, "exp": 2**40}, "another-key-" * 4)
    with pytest.raises(jwt.InvalidSignatureError):
        example.decode_access_token(forged)
    no_exp = jwt.encode({"sub": "1", "iat": 0}, example.SECRET_KEY)
    with pytest.raises(jwt.MissingRequiredClaimError):
        example.decode_access_token(no_exp)
    assert "'sub': '42'" in capsys.readouterr().out


def test_the_login_and_the_current_user() -> None:
    client = TestClient(load_example(STAGE, "current_user.py").app)
    refused = client.post("/token", data={"username": "ada", "password": "wrong"})
    unknown = client.post("/token", data={"username": "bob", "password": "wrong"})
    assert refused.status_code == unknown.status_code == 401
    assert refused.json() == unknown.json() == {"detail": "Incorrect username or password"}
    assert refused.headers["www-authenticate"] == "Bearer"
    token = client.post("/token", data={"username": "ada", "password": "s3cret-pw"}).json()
    assert token["token_type"] == "bearer"
    me = client.get("/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.json() == {"id": 1, "username": "ada"}
    for headers in ({}, {"Authorization": "Bearer garbage"}):
        response = client.get("/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
    scheme = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert scheme["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == "token"


def test_401_403_and_404() -> None:
    client = TestClient(load_example(STAGE, "authorization.py").app)
    assert client.delete("/products/5").status_code == 401
    assert client.delete("/products/5", headers={"X-User": "2"}).status_code == 403
    assert client.delete("/products/5", headers={"X-User": "1"}).status_code == 204
    assert client.get("/orders/10", headers={"X-User": "2"}).status_code == 200
    theirs = client.get("/orders/10", headers={"X-User": "3"})
    missing = client.get("/orders/99", headers={"X-User": "3"})
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert client.get("/orders/11", headers={"X-User": "1"}).status_code == 200
