"""Stage 8, requirement 8.1: with its default settings, the app hashes at
OWASP's minimum cost or above (Argon2id, m ≥ 19 MiB, t ≥ 2).

The only check that pays for a real hash (a third of a second): the others
lower the cost through ARGON2_MEMORY_COST and ARGON2_TIME_COST."""

import pytest

from checks.stage_08.hashes import (
    MIN_MEMORY_KIB,
    MIN_PASSES,
    argon2_parameters,
    expect_argon2id,
)
from checks.support import expect
from checks.support.accounts import signup, stored_hash


@pytest.mark.req("8.1")
@pytest.mark.timeout(30)
def test_the_default_cost_is_at_least_owasps_minimum(client, data, database_url):
    """Without ARGON2_* settings, the stored hash is Argon2id with m ≥ 19456 KiB and t ≥ 2."""
    account = signup(client, data)
    column, value = stored_hash(database_url, account.username)
    hashed = expect_argon2id(column, value, account.password)
    memory, passes, lanes = argon2_parameters(column, hashed)
    expect(
        memory >= MIN_MEMORY_KIB and passes >= MIN_PASSES,
        f"the stored hash costs m={memory} KiB, t={passes}: below OWASP's minimum for "
        "Argon2id, so each guess is cheap for an attacker. Keep pwdlib's defaults "
        "(PasswordHash.recommended(): m=65536, t=3, p=4) unless the settings lower them",
        expected=f"m ≥ {MIN_MEMORY_KIB} (19 MiB) and t ≥ {MIN_PASSES}",
        got=f"m={memory}, t={passes}, p={lanes}",
    )
