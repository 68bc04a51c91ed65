"""What the stage 10 (deployment) checks stand on, one module per job:

- `tools`: find nginx, hadolint and Docker Compose, or say how to install them;
- `findings`: what a rule found (file, line, fix) and how a check reports it;
- `dockerfile`, `dockerignore`, `hadolint`: the Dockerfile and its build context;
- `compose`: compose.yaml, read with PyYAML and, where it exists, by Compose;
- `nginx_conf`: the learner's nginx.conf rewritten to loopback ports;
- `nginx_server`: that rewritten config tested and served by a real nginx;
- `backends`: Gunicorn backends started from the learner's gunicorn.conf.py;
- `traffic`: the requests a check sends through nginx, and which backend
  answered each one.

Everything runs natively on loopback: no Docker engine is needed. A tool that
is missing makes a check fail with the way to install it, never pass.
"""
