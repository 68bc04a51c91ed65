from typing import Annotated, Protocol

from fastapi import BackgroundTasks, Depends, FastAPI


class EmailSender(Protocol):
    async def send(self, *, to: str, subject: str, body: str) -> None: ...


class ConsoleSender:
    async def send(self, *, to: str, subject: str, body: str) -> None:
        print(f"To: {to}\nSubject: {subject}\n\n{body}")


def get_email_sender() -> EmailSender:
    return ConsoleSender()


EmailSenderDep = Annotated[EmailSender, Depends(get_email_sender)]
app = FastAPI()


@app.post("/signups", status_code=201)
async def sign_up(email: str, background_tasks: BackgroundTasks, sender: EmailSenderDep) -> None:
    # The sender the dependency gave, handed to the task: an override reaches it.
    background_tasks.add_task(sender.send, to=email, subject="Welcome", body="Hello!")
