"""A Gunicorn configuration file: plain Python, read by `gunicorn -c`.

Every name Gunicorn knows (bind, workers, …) is a setting; the rest is
ignored. Values come from the environment where the platform decides them.
"""

import os

# Every interface: inside a container, 127.0.0.1 is the container alone.
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# The platform decides how many (WEB_CONCURRENCY is the usual name), not the image.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Gunicorn manages the processes; each worker is uvicorn, running the event loop.
worker_class = "uvicorn_worker.UvicornWorker"

# SIGTERM: stop accepting, give the requests in flight this long, then exit.
graceful_timeout = 10
# A worker that does not check in for this long is killed and replaced.
timeout = 30
# Replace each worker after about this many requests: a slow leak stays small.
max_requests = 2000
max_requests_jitter = 200  # …not all of them at the same moment

# X-Forwarded-For and X-Forwarded-Proto are believed from these addresses only
# (in Compose, nginx comes from the network's range: 172.16.0.0/12). Never "*".
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Gunicorn's own lines and uvicorn's, through one JSON formatter (the app's,
# named as a string: Gunicorn imports it once the app's folder is on the path).
accesslog = None  # the app writes its own access lines, with the request id
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "json_logs.JsonFormatter"}},
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
    },
}
