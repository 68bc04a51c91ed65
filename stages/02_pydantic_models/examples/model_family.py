from pydantic import BaseModel


class UserBase(BaseModel):  # what both directions share
    username: str
    email: str


class UserCreate(UserBase):  # what a client sends to POST /users
    password: str


class UserPublic(UserBase):  # what the API sends back
    id: int
