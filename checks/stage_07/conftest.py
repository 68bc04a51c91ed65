"""Stage 7's checks start from a known mail delay, whatever the shell running the
grader exported (a learner may have tried EMAIL_DELAY_SECONDS=2 by hand): every
signup would wait that long, and the checks would crawl into their time limits.
The checks that need a delay set their own before the app is imported."""

import pytest


@pytest.fixture(autouse=True)
def no_mail_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMAIL_DELAY_SECONDS", "0")
