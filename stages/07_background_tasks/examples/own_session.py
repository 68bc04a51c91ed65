from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str]


sent: list[str] = []


# In a route:  background_tasks.add_task(send_welcome, sessions, user.id)
async def send_welcome(sessions: async_sessionmaker[AsyncSession], user_id: int) -> None:
    async with sessions() as session:  # the task's own session
        user = await session.get(User, user_id)
    if user is None:
        return  # deleted since the signup: nobody to greet
    sent.append(user.email)  # the session is closed: no connection held while we mail
