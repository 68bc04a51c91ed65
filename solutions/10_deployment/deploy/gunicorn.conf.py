"""Gunicorn's settings for one replica of the Shop API.

Gunicorn is the process manager: it starts `workers` processes, restarts one
that dies, and on SIGTERM stops them gracefully. Each worker is uvicorn
(uvicorn-worker's UvicornWorker), which runs the asyncio event loop and speaks
ASGI to FastAPI. Every value can be changed from the environment, without a
new image.
"""

import os

# Every interface of the container: 127.0.0.1 would be the container itself,
# out of nginx's reach.
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# Two processes by default; WEB_CONCURRENCY is the variable hosting platforms
# set. An async worker serves many requests at once, so a worker per core is
# plenty; more replicas scale further than more workers.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))

# uvicorn-worker's class, not uvicorn.workers.UvicornWorker: that one is
# deprecated and warns at every start.
worker_class = "uvicorn_worker.UvicornWorker"

# SIGTERM: stop accepting, finish the requests in flight for up to
# graceful_timeout seconds, then exit. Less than the container runtime's own
# grace (10 s for `docker stop` unless stop_grace_period says more).
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "8"))
# A worker that does not report in for this long is killed and replaced.
timeout = 30
# Keep a connection from nginx open between requests for a few seconds.
keepalive = 5

# X-Forwarded-For and X-Forwarded-Proto are believed from these addresses
# only: the load balancer's network. "*" would let any client say it is
# anyone. Compose's networks are in 172.16.0.0/12 by default.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "172.16.0.0/12")

# The app writes its own access lines (app/core/middleware.py), with the
# request id; Gunicorn's would repeat them without it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")

# Every line as JSON, Gunicorn's and uvicorn's included: one formatter for all.
# The formatter is named as a string, imported once the app is on the path.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "app.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
