def search(names: list[str], q: str) -> list[str]:
    """The names that contain q, whatever the case."""
    return [name for name in names if q.casefold() in name.casefold()]


if __name__ == "__main__":
    print(search(["Desk lamp", "LAMP OIL", "Tea towel"], "Lamp"))  # ['Desk lamp', 'LAMP OIL']
