"""Stage 2's README examples, each imported and driven the way the lesson says
it behaves."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from tests.examples.support import load_example

STAGE = "02_pydantic_models"


def printed(capsys: pytest.CaptureFixture[str], name: str) -> list[str]:
    load_example(STAGE, name)
    return capsys.readouterr().out.splitlines()


def error_types(error: ValidationError) -> list[tuple[str, tuple[int | str, ...]]]:
    return [(e["type"], e["loc"]) for e in error.errors()]


def test_a_model_converts_what_fits_and_lists_every_problem(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert printed(capsys, "contract.py") == [
        "24.5",
        "{'name': 'Brass lantern', 'price': 24.5, 'description': None}",
        "2",
    ]


def test_a_model_parameter_is_read_from_the_json_body() -> None:
    client = TestClient(load_example(STAGE, "body_parameter.py").app)
    sent = {"name": "Brass lantern", "price": 24.5}
    assert client.post("/products", json=sent).json() == sent
    response = client.post("/products", params=sent)  # not from the query string
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_the_public_model_has_an_id_and_no_password() -> None:
    family = load_example(STAGE, "model_family.py")
    assert set(family.UserCreate.model_fields) == {"username", "email", "password"}
    assert set(family.UserPublic.model_fields) == {"username", "email", "id"}


def test_field_constraints_are_inclusive_and_gt_refuses_zero() -> None:
    models = load_example(STAGE, "field_constraints.py")
    models.ProductBase(name="x" * 100, price=0.01, description="d" * 500)
    for bad, field in (
        ({"name": "", "price": 1}, "name"),
        ({"name": "x" * 101, "price": 1}, "name"),
        ({"name": "x", "price": 0}, "price"),
        ({"name": "x", "price": 1, "description": "d" * 501}, "description"),
    ):
        with pytest.raises(ValidationError) as caught:
            models.ProductBase.model_validate(bad)
        assert [loc for _, loc in error_types(caught.value)] == [(field,)]
    assert models.UserBase(username="ada").username == "ada"
    with pytest.raises(ValidationError):
        models.UserBase(username="al")


def test_email_str_normalises_the_domain_and_refuses_bad_addresses(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines = printed(capsys, "email_str.py")
    assert lines[0] == "Ada@example.com"
    assert [line.split(" ->")[0] for line in lines[1:]] == [
        "ada.example.com",
        "ada@",
        "ada@localhost",
    ]


def test_the_return_type_drops_what_it_does_not_declare() -> None:
    client = TestClient(load_example(STAGE, "response_filtering.py").app)
    response = client.get("/users/7")
    assert response.json() == {"id": 7, "username": "ada"}
    assert "argon2" not in response.text


def test_an_unknown_key_is_extra_forbidden() -> None:
    model = load_example(STAGE, "extra_forbid.py").ProductCreate
    with pytest.raises(ValidationError) as caught:
        model.model_validate({"name": "Lamp", "price": 9.5, "id": 1})
    assert error_types(caught.value) == [("extra_forbidden", ("id",))]
    assert model.model_json_schema()["additionalProperties"] is False


def test_the_schema_example_is_in_the_schema_and_valid() -> None:
    model = load_example(STAGE, "schema_examples.py").UserCreate
    examples = model.model_json_schema()["examples"]
    assert model.model_validate(examples[0]).username == "ada_lovelace"


def test_a_note_is_created_with_201_and_read_back() -> None:
    client = TestClient(load_example(STAGE, "notes_api.py").app)
    created = client.post("/notes", json={"text": "buy milk"})
    assert created.status_code == 201
    assert created.json() == {"id": 1, "text": "buy milk"}
    assert created.headers["location"] == "/notes/1"
    assert client.get("/notes/1").json() == created.json()
    assert client.get("/notes/2").json() == {"detail": "Note not found"}
    refused = client.post("/notes", json={"text": "x", "id": 9})
    assert refused.json()["detail"][0]["type"] == "extra_forbidden"
