"""gunicorn's settings for the README's production start (`gunicorn -c gunicorn.conf.py
orientacion.wsgi`). Each reads an environment variable, and the command line wins."""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Sync workers: the app's pages are short, CPU-bound requests.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
# A request slower than this is a stuck worker: gunicorn replaces it. Report charts, the
# slowest pages, take well under a second.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Workers are replaced one by one after a few thousand requests, which bounds any slow
# growth of memory (the per-worker caches are rebuilt on demand).
max_requests = int(os.environ.get("MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("ACCESS_LOG", "-")
# The access log never holds a shared link's secret (its path).
logger_class = "orientacion.gunicorn_logging.RedactingLogger"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Only these addresses may tell gunicorn the request came over HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Load WeasyPrint and its fonts as the worker starts, so the first PDF report a
    worker makes costs a user no more than any other (about a second less)."""
    from assessments import downloads

    downloads.warm_up_pdf()
