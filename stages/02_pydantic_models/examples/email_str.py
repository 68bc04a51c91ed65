from pydantic import BaseModel, EmailStr, ValidationError


class Contact(BaseModel):
    email: EmailStr


print(Contact(email="Ada@Example.COM").email)  # Ada@example.com

for bad in ("ada.example.com", "ada@", "ada@localhost"):
    try:
        Contact(email=bad)
    except ValidationError as error:
        print(bad, "->", error.errors()[0]["msg"])
