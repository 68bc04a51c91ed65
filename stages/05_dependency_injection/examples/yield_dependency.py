from collections.abc import Iterator


def get_unit_of_work() -> Iterator[None]:
    print("before the route: begin")
    try:
        yield  # the route runs here
    except Exception:
        print("the route raised: roll back")
        raise  # let FastAPI turn the exception into the response
    print("the route returned: commit")
