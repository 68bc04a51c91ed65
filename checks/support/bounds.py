"""Both sides of every stated bound, from one table per stage.

Each stage that states bounds keeps them in `checks/stage_NN/bounds.py` as
lines of text, one bound a line:

    2.4 POST /users body username len 3..32
    3.1 GET /products/{product_id} path product_id int 1..
    3.7 PATCH /products/{product_id}/price body price num >0
    3.4 POST /products body tags items ..10
    3.4 POST /products body tags[] len 1..30
    7.1 setting EMAIL_DELAY_SECONDS num 0..60
    - POST /users body username len 3..32        (stated by an earlier stage)

The requirement comes first; "-" marks a bound this stage's models carry from
an earlier stage whose criterion states it (and whose checks try it), while no
criterion of this stage does. The kinds: `len` a string's length, `int` an
integer, `num` a number (`>a` above a, `a..b` from a to b), `items` a list's
length; `name[]` is each item of the list `name`, `a[].b` the field b of each
item of the list a. `check(bound, ...)` sends the value just inside (accepted)
and the value just outside (422 at the field's loc); for a setting it starts
the app with each (it starts, or its start-up is refused).

tests/test_bounds.py reads every bound from each solution's `app.openapi()`
and its Settings model, and fails for one that no line here covers, and for a
line that no model holds: a new bound cannot go unchecked.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from checks.support.answers import has_error, sent
from checks.support.data import RandomData
from checks.support.failures import body_of, expect, expect_status, fail, todo

_LINE = re.compile(
    r"^(?P<req>\d+\.\d+|-)\s+(?:(?P<method>[A-Z]+)\s+(?P<path>/\S*)\s+(?P<where>body|query|header|path)"
    r"|(?P<setting>setting))\s+(?P<name>\S+)\s+(?P<kind>len|int|num|items)\s+"
    r"(?P<range>>?-?[\d_]*(?:\.\d+)?(?:\.\.[\d_]*(?:\.\d+)?)?)$"
)


@dataclass(frozen=True)
class Bound:
    """One line of a stage's bounds table, parsed."""

    requirement: str | None  # None: "-", an earlier stage's criterion states it
    method: str  # "" for a setting
    path: str  # the environment variable's name for a setting
    where: str  # body | query | header | path | setting
    name: str  # the field; "tags[]" an item of tags, "changes[].price" a field of each item
    kind: str  # len | int | num | items
    low: float | None
    high: float | None
    exclusive_low: bool = False

    @property
    def key(self) -> tuple[Any, ...]:
        """What the schema says, without the requirement: to match against it."""
        return (self.method, self.path, self.where, self.name, self.kind, self.low, self.high,
                self.exclusive_low)  # fmt: skip

    def __str__(self) -> str:
        low = "" if self.low is None else f"{'>' if self.exclusive_low else ''}{_text(self.low)}"
        high = "" if self.high is None else _text(self.high)
        span = low if self.exclusive_low and high == "" else f"{low}..{high}"
        place = "setting" if self.where == "setting" else f"{self.method} {self.path} {self.where}"
        return f"{place} {self.name} {self.kind} {span}"


def _text(number: float) -> str:
    return f"{int(number):_}" if float(number).is_integer() else f"{number:g}"


def _number(text: str) -> float | None:
    return float(text) if text else None


def parse(text: str) -> list[Bound]:
    """The bounds of a table (one a line, `#` starts a comment)."""
    bounds = []
    for raw in text.strip().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"not a bound: {raw!r}")
        span = match["range"]
        exclusive = span.startswith(">")
        low_text, _, high_text = span.lstrip(">").partition("..")
        setting = match["setting"] is not None
        bounds.append(
            Bound(
                requirement=None if match["req"] == "-" else match["req"],
                method="" if setting else match["method"],
                path=match["name"] if setting else match["path"],
                where="setting" if setting else match["where"],
                name=match["name"],
                kind=match["kind"],
                low=_number(low_text),
                high=_number(high_text),
                exclusive_low=exclusive,
            )
        )
    return bounds


# -- the values on either side ------------------------------------------------


def _value(bound: Bound, size: float, data: RandomData, like: list[Any] | None) -> Any:
    if bound.kind == "len":
        # Letters of every script: a bound counts characters, not bytes. A header
        # is latin-1 on the wire, so it gets ASCII.
        return data.token(int(size)) if bound.where == "header" else data.letters(int(size))
    if bound.kind == "items":
        # As many copies of a valid item as the case needs (or short tokens).
        return [like[0] if like else data.token(6) for _ in range(int(size))]
    if bound.kind == "int":
        return int(size)
    return size


def sides(bound: Bound) -> list[tuple[str, float, bool]]:
    """(what, size, accepted) for each end of the bound: the end itself (or the
    smallest step past an exclusive one), then one step beyond it."""
    step = 0.01 if bound.kind == "num" else 1
    cases: list[tuple[str, float, bool]] = []
    if bound.low is not None:
        inside = bound.low + step if bound.exclusive_low else bound.low
        outside = bound.low if bound.exclusive_low else bound.low - step
        cases.append((f"the lowest allowed, {_show(bound, inside)}", inside, True))
        if not (bound.kind in ("len", "items") and outside < 0):
            cases.append((f"one step below, {_show(bound, outside)}", outside, False))
    if bound.high is not None:
        cases.append((f"the highest allowed, {_show(bound, bound.high)}", bound.high, True))
        beyond = bound.high + step
        cases.append((f"one step above, {_show(bound, beyond)}", beyond, False))
    return cases


def _show(bound: Bound, size: float) -> str:
    if bound.kind == "len":
        return f"{_text(size)} characters"
    if bound.kind == "items":
        return f"{_text(size)} items"
    return _text(round(size, 2))


# -- sending them -------------------------------------------------------------


@dataclass
class Request:
    """A valid request of one operation, to change one field of."""

    method: str
    path: str  # with {name} placeholders, filled from path_values
    json: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    path_values: dict[str, Any] = field(default_factory=dict)

    def send(self, client: Any) -> httpx.Response:
        """Send this request through `client`."""
        path = self.path.format(**self.path_values)
        return client.request(
            self.method, path, json=self.json, params=self.params, headers=self.headers
        )


# (client, data, product fields) -> a valid request for the operation, creating
# what it needs; the fields go into every product it creates.
Builder = Callable[[Any, RandomData, dict[str, Any]], Request]


def _place(request: Request, bound: Bound, size: float, data: RandomData) -> Request:
    outer, listed, inner = bound.name.partition("[]")
    if bound.where == "path":
        request.path_values[bound.name] = _value(bound, size, data, None)
    elif bound.where == "header":
        request.headers[bound.name] = _value(bound, size, data, None)
    elif bound.where == "query":
        value = _value(bound, size, data, None)
        request.params[outer] = [value] if listed else value
    else:
        body = request.json = dict(request.json or {})
        current = body.get(outer)
        like = current if isinstance(current, list) else None
        if not listed:
            body[outer] = _value(bound, size, data, like)
        elif not inner:
            body[outer] = [_value(bound, size, data, None)]
        else:
            items = [dict(item) for item in current or [{}]]
            items[0][inner.lstrip(".")] = _value(bound, size, data, None)
            body[outer] = items
    return request


def _loc(bound: Bound) -> list[Any]:
    outer, listed, inner = bound.name.partition("[]")
    loc: list[Any] = [bound.where, outer]
    if listed:
        loc.append(0)
        if inner:
            loc.append(inner.lstrip("."))
    return loc


def _still_to_do(requirement: str | None) -> bool:
    """Whether the learner's app (the one imported last) still holds `TODO N.k`:
    a missing bound is then the skeleton's starting state, not a mistake."""
    package = sys.modules.get("app")
    folders = list(getattr(package, "__path__", []))
    if requirement is None or not folders:
        return False
    marker = re.compile(rf"TODO {re.escape(requirement)}(?!\d)")
    return any(
        marker.search(path.read_text(encoding="utf-8", errors="replace"))
        for path in Path(folders[0]).rglob("*.py")
    )


def _is_id(bound: Bound) -> bool:
    return bound.name.endswith("_id")


def _accepted(bound: Bound, status: int) -> bool:
    if _is_id(bound):
        # An id at its lowest is valid and may name nothing, or a product out of
        # stock: any answer but a refusal of the id itself.
        return status < 500 and status != 422
    return 200 <= status < 300


def _not_there_yet(response: httpx.Response, bound: Bound) -> bool:
    """The skeleton's starting state: the route, or the parameter, is missing."""
    if response.status_code == 405:
        return True
    if response.status_code == 404 and not _is_id(bound):
        return True
    return response.status_code == 422 and has_error(response, _loc(bound)[:2], "extra_forbidden")


def check(
    client: Any,
    data: RandomData,
    bound: Bound,
    product_fields: dict[str, Any] | None = None,
) -> None:
    """Send the value just inside the bound and just outside it: accepted, then
    422 at the field's loc. `product_fields` go into each product made for it."""
    requirement = bound.requirement
    build = BUILDERS[(bound.method, bound.path)]
    for what, size, accepted in sides(bound):
        request = _place(build(client, data, product_fields or {}), bound, size, data)
        response = request.send(client)
        said = f"{request.method} {bound.path} with {bound.name} at {what}"
        if _not_there_yet(response, bound):
            todo(f"{sent(response)}: {bound.name} is not taken yet (requirement {requirement})")
        if accepted:
            expect(
                _accepted(bound, response.status_code),
                f"{said} should be accepted: both ends of {bound} are allowed",
                expected="an answer other than 422" if _is_id(bound) else "a 2xx answer",
                response=response,
            )
            continue
        if response.status_code < 500 and response.status_code != 422:
            missing = f"{said} answered {response.status_code}: the bound {bound} is not in place"
            if _still_to_do(requirement):
                todo(f"{missing} (requirement {requirement})")  # the skeleton's starting state
            fail(
                missing,
                expected=f"status 422 with an error at loc {_loc(bound)}",
                response=response,
            )
        expect_status(response, 422, f"{said} should answer 422: the bound is {bound}")
        loc = _loc(bound)
        expect(
            has_error(response, loc),
            f"{said} answered 422, but with no error for {bound.name}",
            expected=f"an error at loc {loc}",
            response=response,
        )


# -- a valid request of each operation ----------------------------------------


def _id_of(response: httpx.Response, what: str) -> int:
    expect(
        response.status_code in (200, 201) and isinstance(body_of(response), dict),
        f"creating {what} to try a bound on failed",
        expected="status 201 with the new record",
        response=response,
    )
    return body_of(response)["id"]


def _user(data: RandomData) -> dict[str, Any]:
    return {"username": data.username(), "email": data.email(), "password": data.password()}


def _product(data: RandomData, **fields: Any) -> dict[str, Any]:
    return {"name": data.product_name(), "price": data.price(), **fields}


def _new_product(client: Any, data: RandomData, **fields: Any) -> int:
    return _id_of(client.post("/products", json=_product(data, **fields)), "a product")


def _new_user(client: Any, data: RandomData) -> int:
    return _id_of(client.post("/users", json=_user(data)), "a user")


def _on_product(method: str, path: str, body: Callable[[RandomData], Any] | None = None) -> Builder:
    def build(client: Any, data: RandomData, fields: dict[str, Any]) -> Request:
        product_id = _new_product(client, data, **fields)
        return Request(
            method, path, json=body(data) if body else None, path_values={"product_id": product_id}
        )

    return build


def _on_user(method: str) -> Builder:
    def build(client: Any, data: RandomData, fields: dict[str, Any]) -> Request:
        return Request(method, "/users/{user_id}", path_values={"user_id": _new_user(client, data)})

    return build


def _order(client: Any, data: RandomData, fields: dict[str, Any]) -> Request:
    # Stock enough for the largest order a bound allows.
    product_id = _new_product(client, data, **{**fields, "stock": 1_000})
    return Request("POST", "/orders", json={"product_id": product_id, "quantity": 1})


def _read_order(client: Any, data: RandomData, fields: dict[str, Any]) -> Request:
    order_id = _id_of(_order(client, data, fields).send(client), "an order")
    return Request("GET", "/orders/{order_id}", path_values={"order_id": order_id})


def _price_changes(client: Any, data: RandomData, fields: dict[str, Any]) -> Request:
    change = {"product_id": _new_product(client, data, **fields), "price": data.price()}
    return Request("POST", "/products/price-changes", json={"changes": [change]})


def _plain(method: str, path: str, **path_values: Any) -> Builder:
    return lambda client, data, fields: Request(method, path, path_values=dict(path_values))


BUILDERS: dict[tuple[str, str], Builder] = {
    ("POST", "/users"): lambda client, data, fields: Request("POST", "/users", json=_user(data)),
    ("GET", "/users"): _plain("GET", "/users"),
    ("GET", "/users/{user_id}"): _on_user("GET"),
    ("DELETE", "/users/{user_id}"): _on_user("DELETE"),
    ("POST", "/products"): lambda client, data, fields: Request(
        "POST", "/products", json=_product(data, **fields)
    ),
    ("GET", "/products"): _plain("GET", "/products"),
    ("GET", "/categories/{category}/products"): _plain(
        "GET", "/categories/{category}/products", category="garden"
    ),
    ("GET", "/products/{product_id}"): _on_product("GET", "/products/{product_id}"),
    ("DELETE", "/products/{product_id}"): _on_product("DELETE", "/products/{product_id}"),
    ("PUT", "/products/{product_id}"): _on_product(
        "PUT", "/products/{product_id}", lambda data: _product(data)
    ),
    ("PATCH", "/products/{product_id}"): _on_product(
        "PATCH", "/products/{product_id}", lambda data: {}
    ),
    ("PATCH", "/products/{product_id}/price"): _on_product(
        "PATCH", "/products/{product_id}/price", lambda data: {"price": data.price()}
    ),
    ("POST", "/products/price-changes"): _price_changes,
    ("POST", "/orders"): _order,
    ("GET", "/orders/{order_id}"): _read_order,
    ("GET", "/outbox"): _plain("GET", "/outbox"),
    ("GET", "/audit"): _plain("GET", "/audit"),
}


def stated(bounds: list[Bound]) -> list[str]:
    """The requirements that state bounds, in order: one check each."""
    return sorted(
        {b.requirement for b in bounds if b.requirement},
        key=lambda r: [int(x) for x in r.split(".")],
    )


def of(bounds: list[Bound], requirement: str) -> list[Bound]:
    """The bounds that `requirement` states."""
    return [bound for bound in bounds if bound.requirement == requirement]


def check_setting(bound: Bound, start: Callable[[], None], monkeypatch: Any) -> None:
    """Start the app with the setting just inside its bound (it starts) and just
    outside (its start-up is refused). `start()` imports the app afresh and runs
    its lifespan; it raises when the app does not start."""
    for what, size, accepted in sides(bound):
        value = int(size) if bound.kind == "int" else round(size, 2)
        monkeypatch.setenv(bound.path, str(value))
        try:
            start()
        except NotImplementedError:
            raise  # a TODO: to do
        except Exception as error:  # any refusal to start will do
            expect(
                not accepted,
                f"the app did not start with {bound.path}={value} ({what}): both ends of "
                f"{bound} are allowed",
                expected="the app starts",
                got=f"{type(error).__name__}: {str(error)[:300]}",
            )
            continue
        if not accepted:
            missing = (
                f"the app started with {bound.path}={value} ({what}): the bound {bound} "
                "is not in place"
            )
            if _still_to_do(bound.requirement):
                todo(f"{missing} (requirement {bound.requirement})")
            fail(
                missing,
                expected=f"the start-up refused: a ValidationError naming {bound.path}",
                got="the app started",
            )


# -- reading them from a schema (tests/test_bounds.py, on the solutions) -----


def _kinds(schema: dict[str, Any]) -> list[tuple[str, float | None, float | None, bool]]:
    found = []
    if "minLength" in schema or "maxLength" in schema:
        found.append(("len", schema.get("minLength"), schema.get("maxLength"), False))
    if "minItems" in schema or "maxItems" in schema:
        found.append(("items", schema.get("minItems"), schema.get("maxItems"), False))
    numeric = ("minimum", "maximum", "exclusiveMinimum")
    if any(key in schema for key in numeric):
        kind = "int" if schema.get("type") == "integer" else "num"
        exclusive = "exclusiveMinimum" in schema
        low = schema.get("exclusiveMinimum", schema.get("minimum"))
        found.append((kind, low, schema.get("maximum"), exclusive))
    return [(k, _float(a), _float(b), e) for k, a, b, e in found]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _walk(schema: Any, components: dict[str, Any], name: str, seen: tuple[str, ...] = ()):
    """(name, kind, low, high, exclusive) for every bound under `schema`."""
    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        ref = schema["$ref"].rsplit("/", 1)[-1]
        if ref not in seen:
            yield from _walk(components[ref], components, name, (*seen, ref))
        return
    # A nullable field's bounds sit in one branch of anyOf; an integer field's
    # type is there too.
    for kind in _kinds(schema):
        yield (name, *kind)
    for key in ("anyOf", "allOf", "oneOf"):
        for branch in schema.get(key, []):
            yield from _walk(branch, components, name, seen)
    if "items" in schema:
        yield from _walk(schema["items"], components, f"{name}[]", seen)
    for field_name, field_schema in schema.get("properties", {}).items():
        inner = f"{name}.{field_name}" if name else field_name
        yield from _walk(field_schema, components, inner, seen)


def from_openapi(spec: dict[str, Any]) -> list[Bound]:
    """Every bound an OpenAPI document states on parameters and JSON bodies."""
    components = spec.get("components", {}).get("schemas", {})
    bounds = []
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            found = []
            for parameter in operation.get("parameters", []):
                for name, *kind in _walk(
                    parameter.get("schema", {}), components, parameter["name"]
                ):
                    found.append((parameter["in"], name, *kind))
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                for name, *kind in _walk(body.get("schema", {}), components, ""):
                    found.append(("body", name, *kind))
            for where, name, kind, low, high, exclusive in found:
                bounds.append(
                    Bound(None, method.upper(), path, where, name, kind, low, high, exclusive)
                )
    return bounds


def from_settings(schema: dict[str, Any]) -> list[Bound]:
    """Every bound a Settings model's JSON schema states, by environment variable."""
    bounds = []
    for name, *kind in _walk(schema, schema.get("$defs", {}), ""):
        variable = name.upper()
        bounds.append(Bound(None, "", variable, "setting", variable, *kind))
    return bounds


def line(bound: Bound) -> str:
    """The table line for a bound (without its requirement)."""
    return str(bound)


def http_requirements(table: list[Bound]) -> list[Any]:
    """One pytest parameter per requirement that states a bound of a request
    (not a setting), marked with that requirement: a stage's test_bounds.py
    parametrises its check with them."""
    return [
        pytest.param(requirement, marks=pytest.mark.req(requirement))
        for requirement in stated(table)
        if any(bound.where != "setting" for bound in of(table, requirement))
    ]


def check_requests(client: Any, data: RandomData, table: list[Bound], requirement: str) -> None:
    """Both sides of each request bound `requirement` states, on a product that
    has nothing but a name and a price."""
    for bound in of(table, requirement):
        if bound.where != "setting":
            check(client, data, bound, {})
