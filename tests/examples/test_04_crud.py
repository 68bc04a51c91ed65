"""Stage 4's examples do what its README says they do."""

from __future__ import annotations

import runpy

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from tests.examples.support import example_path, load_example

STAGE = "04_crud"


def test_note_store_hands_out_ids_that_never_come_back() -> None:
    store_module = load_example(STAGE, "note_store.py")
    store = store_module.NoteStore()
    first, second = store.add(text="buy milk"), store.add(text="call Ada")
    assert (first.id, second.id) == (1, 2)
    # The id goes last: a caller cannot choose it.
    assert store.add(text="x", id=99).id == 3
    updated = store.update(first.id, text="buy oat milk")
    assert updated is not None
    assert updated.text == "buy oat milk"
    # An update keeps the record's place; all() stays oldest first.
    assert [note.id for note in store.all()] == [1, 2, 3]
    assert store.delete(first.id) is True
    assert store.delete(first.id) is False
    assert store.get(first.id) is None
    assert store.update(first.id, text="y") is None
    assert store.add(text="later").id == 4  # never 1 again


def test_note_store_demo_prints_what_the_readme_says(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(example_path(STAGE, "note_store.py")), run_name="__main__")
    assert capsys.readouterr().out.split() == ["True", "False", "2"]


def test_create_note_answers_201_with_location() -> None:
    client = TestClient(load_example(STAGE, "create_note.py").app)
    response = client.post("/notes", json={"text": "buy milk"})
    assert response.status_code == 201
    assert response.json() == {"id": 1, "text": "buy milk"}
    assert response.headers["location"] == "/notes/1"
    assert client.post("/notes", json={"text": "call Ada"}).headers["location"] == "/notes/2"
    # extra="forbid": a client cannot send an id.
    assert client.post("/notes", json={"id": 5, "text": "x"}).status_code == 422


def test_read_note_raises_a_404() -> None:
    client = TestClient(load_example(STAGE, "read_note.py").app)
    assert client.get("/notes/1").json() == {"id": 1, "text": "buy milk"}
    missing = client.get("/notes/2")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Note not found"}


def test_exclude_unset_keeps_only_what_was_sent(capsys: pytest.CaptureFixture[str]) -> None:
    update = load_example(STAGE, "exclude_unset.py").NoteUpdate
    changes = update.model_validate({"pinned": True})
    assert changes.model_fields_set == {"pinned"}
    assert changes.model_dump() == {"text": None, "pinned": True}
    assert changes.model_dump(exclude_unset=True) == {"pinned": True}
    assert update.model_validate({"text": None}).model_dump(exclude_none=True) == {}
    runpy.run_path(str(example_path(STAGE, "exclude_unset.py")), run_name="__main__")
    assert capsys.readouterr().out.splitlines() == [
        "{'pinned'}",
        "{'text': None, 'pinned': True}",
        "{'pinned': True}",
        "{}",
    ]


def test_not_null_refuses_only_a_null_that_was_sent() -> None:
    example = load_example(STAGE, "not_null.py")
    assert example.NoteUpdate.model_validate({}).model_dump(exclude_unset=True) == {}
    with pytest.raises(ValidationError) as refused:
        example.NoteUpdate.model_validate({"text": None})
    assert refused.value.errors()[0]["loc"] == ("text",)
    # null clears the colour; the bounds are the create model's.
    assert example.NoteUpdate.model_validate({"colour": None}).model_dump(exclude_unset=True) == {
        "colour": None
    }
    for model in (example.NoteCreate, example.NoteUpdate):
        with pytest.raises(ValidationError):
            model.model_validate({"text": "x" * 501})


def test_delete_note_answers_204_then_404() -> None:
    client = TestClient(load_example(STAGE, "delete_note.py").app)
    first = client.delete("/notes/1")
    assert first.status_code == 204
    assert first.content == b""
    again = client.delete("/notes/1")
    assert again.status_code == 404
    assert again.json() == {"detail": "Note not found"}


def test_search_names_ignores_case() -> None:
    search = load_example(STAGE, "search_names.py").search
    assert search(["Desk lamp", "LAMP OIL", "Tea towel"], "Lamp") == ["Desk lamp", "LAMP OIL"]
    assert search(["Straße"], "STRASSE") == ["Straße"]  # casefold, not lower


def test_things_api_is_a_whole_crud_api() -> None:
    client = TestClient(load_example(STAGE, "things_api.py").app)
    created = client.post("/things", json={"name": "Lamp", "note": "brass"})
    assert created.status_code == 201
    assert created.headers["location"] == "/things/1"
    client.post("/things", json={"name": "Kettle"})
    assert [t["id"] for t in client.get("/things", params={"limit": 1, "offset": 1}).json()] == [2]
    assert client.get("/things", params={"limit": 101}).status_code == 422
    # PATCH changes what was sent; null clears the note, and is refused for the name.
    patched = client.patch("/things/1", json={"name": "Desk lamp"})
    assert patched.json() == {"id": 1, "name": "Desk lamp", "note": "brass"}
    assert client.patch("/things/1", json={"note": None}).json()["note"] is None
    assert client.patch("/things/1", json={"name": None}).status_code == 422
    assert client.patch("/things/1", json={"name": "x" * 101}).status_code == 422
    # PUT replaces: what is left out takes its default.
    client.patch("/things/1", json={"note": "brass"})
    assert client.put("/things/1", json={"name": "Lamp"}).json() == {
        "id": 1,
        "name": "Lamp",
        "note": None,
    }
    assert client.put("/things/9", json={"name": "X"}).status_code == 404
    assert client.delete("/things/1").status_code == 204
    assert client.delete("/things/1").status_code == 404
