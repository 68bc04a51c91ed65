import asyncio

from fastapi import BackgroundTasks, FastAPI, status
from pydantic import BaseModel, EmailStr

app = FastAPI()


class Signup(BaseModel):
    email: EmailStr


async def send_welcome(address: str) -> None:
    await asyncio.sleep(0.5)  # a slow mail server
    print(f"welcome sent to {address}")


@app.post("/signups", status_code=status.HTTP_201_CREATED)
async def sign_up(signup: Signup, background_tasks: BackgroundTasks) -> Signup:
    background_tasks.add_task(send_welcome, signup.email)
    return signup  # the client has its 201 now; send_welcome runs after
