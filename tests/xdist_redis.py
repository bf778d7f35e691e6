"""Gives each pytest-xdist worker a Redis database of its own.

The suite empties the Redis database REDIS_URL names before every test, so two workers
sharing one would empty each other's cache mid-test. Loaded with `-p` (pyproject's addopts)
because REDIS_URL must be rewritten before pytest-django reads the settings, and so before
any conftest runs; the servers a test starts inherit the rewritten address.
"""

import os
from urllib.parse import urlsplit

worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", … ; unset without -n
redis_url = os.environ.get("REDIS_URL", "")

if worker and redis_url:
    address = urlsplit(redis_url)
    database = int(address.path.strip("/") or 0)
    # Counting down from the configured database: .ci/run gives 15, the highest Redis has.
    own_database = database - int(worker.removeprefix("gw"))
    if own_database < 0:
        raise RuntimeError(f"{redis_url} leaves no Redis database for xdist worker {worker}")
    os.environ["REDIS_URL"] = address._replace(path=f"/{own_database}").geturl()
