from fastapi import FastAPI

app = FastAPI(
    title="Shop API",
    version="1.0.0",
    description="Markdown is allowed here: **bold**, `code`, lists.",
)
