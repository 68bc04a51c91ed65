"""Stage 4: the repository class itself, called directly, without HTTP."""

import pytest

from checks.stage_04.shop import as_dict, repository_class
from checks.support import expect
from checks.support.answers import expect_equal, show
from checks.support.shop import full_product, new_user


def _fresh():
    return repository_class()()


def _add(records, fields, what="add"):
    return as_dict(records.add(**fields), f"{what}(…)")


def _without_password(user):
    return {key: value for key, value in user.items() if key != "password"}


@pytest.mark.req("4.1")
def test_add_gives_ids_from_one_and_get_reads_back(app, data):
    """add() stores records under ids 1, 2, 3…; get() reads each back, and None for others."""
    products = _fresh().products
    expect(
        products.all() == [],
        "a new Repository().products.all() is not empty",
        expected="[]",
        got=repr(products.all()),
    )
    bodies = [full_product(data) for _ in range(data.integer(3, 5))]
    added = [_add(products, body) for body in bodies]
    expect(
        [record.get("id") for record in added] == list(range(1, len(bodies) + 1)),
        f"add() gave the ids {[record.get('id') for record in added]}",
        expected=f"the ids {list(range(1, len(bodies) + 1))}: a counter from 1",
    )
    for record, body in zip(added, bodies, strict=True):
        expect_equal(
            record,
            {**body, "id": record["id"]},
            "add() returned a record that is not made of the fields it was given",
        )
        stored = products.get(record["id"])
        expect(
            stored is not None,
            f"get({record['id']}) returned None for a record just added",
            expected=show(record),
        )
        expect(
            as_dict(stored, f"get({record['id']})") == record,
            f"get({record['id']}) does not return the record that add() stored",
            expected=show(record),
            got=show(as_dict(stored, "get")),
        )
    unknown = len(bodies) + data.integer(1, 999)
    expect(
        products.get(unknown) is None,
        f"get({unknown}) found something, but no record has that id",
        expected="None",
        got=repr(products.get(unknown)),
    )


@pytest.mark.req("4.1")
def test_all_lists_every_record_oldest_first(app, data):
    """all() returns every record in the order they were added."""
    products = _fresh().products
    added = [_add(products, full_product(data)) for _ in range(data.integer(3, 6))]
    listed = [as_dict(record, "all()") for record in products.all()]
    expect(
        listed == added,
        "all() does not list every record, oldest first",
        expected=f"the records with ids {[r['id'] for r in added]}, in this order",
        got=f"the records with ids {[r.get('id') for r in listed]}",
    )


@pytest.mark.req("4.1")
def test_ids_are_never_handed_out_again(app, data):
    """After deletes, add() still gives a new id: never one that was handed out before."""
    products = _fresh().products
    added = [_add(products, full_product(data)) for _ in range(3)]
    # Delete the newest and the oldest: len() + 1 and max() + 1 both reuse an id then.
    for record in (added[2], added[0]):
        expect(
            products.delete(record["id"]) is True,
            f"delete({record['id']}) of a stored record did not return True",
            expected="True",
        )
    again = _add(products, full_product(data))
    used = [record["id"] for record in added]
    expect(
        again["id"] not in used,
        f"after deleting records {used[2]} and {used[0]}, add() gave the id {again['id']}, "
        "which was handed out before: count ids (itertools.count), do not derive them from "
        "len() or max()",
        expected=f"an id that is none of {used}",
    )
    listed = [as_dict(record, "all()")["id"] for record in products.all()]
    expect(
        listed == [used[1], again["id"]],
        f"after the deletes, all() lists the ids {listed}",
        expected=f"the ids {[used[1], again['id']]}, in this order",
    )


@pytest.mark.req("4.1")
def test_delete_removes_and_says_whether_it_did(app, data):
    """delete() returns True and the record is gone; again, or for an unknown id, False."""
    products = _fresh().products
    first, second = (_add(products, full_product(data)) for _ in range(2))
    expect(
        products.delete(first["id"]) is True,
        f"delete({first['id']}) did not return True for a stored record",
        expected="True",
    )
    expect(
        products.get(first["id"]) is None,
        f"get({first['id']}) still finds a deleted record",
        expected="None",
    )
    expect(
        products.delete(first["id"]) is False,
        f"delete({first['id']}) a second time did not return False",
        expected="False: there was nothing to delete",
    )
    unknown = second["id"] + data.integer(1, 999)
    expect(
        products.delete(unknown) is False,
        f"delete({unknown}) of an id nobody has did not return False",
        expected="False",
    )
    expect_equal(
        as_dict(products.get(second["id"]), "get"), second, "deleting one record changed another"
    )


@pytest.mark.req("4.1")
def test_update_changes_the_fields_given_and_keeps_id_and_place(app, data):
    """update() changes only the fields given, keeps the id and the record's place in all()."""
    products = _fresh().products
    added = [_add(products, full_product(data)) for _ in range(3)]
    target = added[0]
    price = round(target["price"] + data.price(1, 50), 2)
    updated = products.update(target["id"], price=price)
    expect(
        updated is not None,
        f"update({target['id']}, price=…) of a stored record returned None",
        expected=show({**target, "price": price}),
    )
    changed = {**target, "price": price}
    expect(
        as_dict(updated, "update(…)") == changed,
        "update() should change the fields it is given and keep every other one",
        expected=show(changed),
        got=show(as_dict(updated, "update")),
    )
    expect_equal(
        as_dict(products.get(target["id"]), "get"),
        changed,
        "update() returned the changed record but get() still finds the old one: store it",
    )
    order = [as_dict(record, "all()")["id"] for record in products.all()]
    expect(
        order == [record["id"] for record in added],
        f"after updating record {target['id']}, all() lists the ids {order}: an update should "
        "not move a record (assign to its key; do not delete and add it again)",
        expected=f"the ids {[record['id'] for record in added]}, in this order",
    )
    unknown = added[-1]["id"] + data.integer(1, 999)
    expect(
        products.update(unknown, price=price) is None,
        f"update({unknown}, …) of an id nobody has should return None",
        expected="None",
    )
    expect(
        products.get(unknown) is None,
        f"update({unknown}, …) created a record",
        expected="None from get()",
    )


@pytest.mark.req("4.1")
def test_the_repository_owns_the_ids(app, data):
    """An id among the fields of add() or update() is ignored: ids are the repository's."""
    products = _fresh().products
    first = _add(products, full_product(data))
    foreign = first["id"] + data.integer(100, 999)
    second = _add(products, {**full_product(data), "id": foreign}, "add")
    expect(
        second["id"] == first["id"] + 1,
        f"add(…, id={foreign}) stored the record under the caller's id {second['id']}",
        expected=f"the next id, {first['id'] + 1}: the repository gives ids, callers do not",
    )
    updated = as_dict(products.update(first["id"], id=foreign), "update(…)")
    expect(
        updated["id"] == first["id"] and products.get(foreign) is None,
        f"update({first['id']}, id={foreign}) changed the record's id",
        expected=f"the record keeps the id {first['id']}",
    )


@pytest.mark.req("4.1")
def test_users_are_kept_apart_from_products(app, data):
    """Repository().users is a store of its own: users get their own ids, and no password."""
    repository = repository_class()()
    repository.products.add(**full_product(data))
    user = new_user(data)
    stored = as_dict(repository.users.add(**_without_password(user)), "users.add(…)")
    expect_equal(
        stored,
        {**_without_password(user), "id": 1},
        "Repository().users.add(username=…, email=…) should store a user under the id 1, "
        "whatever the products' ids are",
    )
    expect_equal(
        [as_dict(u, "users.all()") for u in repository.users.all()],
        [stored],
        "Repository().users.all() does not list the one user added",
    )
