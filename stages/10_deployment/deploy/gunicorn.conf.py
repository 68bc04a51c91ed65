"""Gunicorn's settings for one replica of the Shop API.

TODO 10.3: Gunicorn is the process manager, uvicorn-worker's UvicornWorker
the worker that runs the app. Bind every interface on port 8000, take the
number of workers from WEB_CONCURRENCY (2 by default), trust proxy headers
from the load balancer's network only (never "*"), and give requests in
flight a graceful_timeout of a few seconds to finish on SIGTERM.

TODO 10.6: every line as JSON: logconfig_dict with app.core.logging's
JsonFormatter for Gunicorn's loggers and the root logger, and accesslog =
None (the app writes its own access lines).
"""

# TODO 10.3: these two are a first try; the docstring says what a replica needs.
bind = "127.0.0.1:8000"
workers = 1
