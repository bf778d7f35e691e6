"""Real servers for tests and measurements: the README's production start (gunicorn, DEBUG
off) on a loopback port, and a small HTTP client with cookies that signs in the way a
browser does (CSRF token from the form, session cookie back)."""

import base64
import hashlib
import hmac
import http.cookiejar
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def totp(secret: str, step: int = 0) -> str:
    """The code an authenticator app shows for this base32 secret now (RFC 6238: 30-second
    steps, six digits); `step` moves one step on (1) or back (-1)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int(time.time() // 30) + step
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_environment(**overrides) -> dict[str, str]:
    """What the README's production start sets, for a plain-HTTP server on loopback."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(
        DEBUG="0",
        SECRET_KEY="live-" + "0123456789abcdef" * 4,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        HTTPS="0",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="ERROR",
        ACCESS_LOG="/dev/null",
    )
    environment.update(overrides)
    return environment


def collect_static(environment: dict[str, str], project: Path = PROJECT) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=project,
        env=environment,
        check=True,
    )


def static_sources_digest(project: Path = PROJECT) -> str:
    """What a production collectstatic reads: the project's static files, and the installed
    packages' (named by the lock file that installed them)."""
    digest = hashlib.sha256()
    for path in sorted([*(project / "static").rglob("*"), project / "requirements" / "dev.txt"]):
        if path.is_file():
            digest.update(str(path.relative_to(project)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def collected_static(project: Path = PROJECT) -> str:
    """A production collectstatic's folder (hashed names, every file compressed), made once
    for these static files and kept in .cache/: compressing them takes over a minute, and
    the tests' servers each need one. Safe for several test processes at once."""
    import fcntl

    cache = project / ".cache" / "collected-static"
    cache.mkdir(parents=True, exist_ok=True)
    folder = cache / static_sources_digest(project)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "staticfiles.json").exists():
            building = Path(tempfile.mkdtemp(dir=cache))
            collect_static(production_environment(STATIC_ROOT=str(building)), project)
            building.rename(folder)
    return str(folder)


@contextmanager
def gunicorn(
    environment: dict[str, str],
    workers: int = 2,
    project: Path = PROJECT,
    pids=None,
    log_path: Path | None = None,
):
    """A production server; yields its base URL and stops it whatever happens. The master
    process's id is appended to `pids` when given; its log goes to `log_path` if given."""
    port = free_port()
    # A file, not a pipe: nobody reads a pipe while the server runs, and once its buffer is
    # full every worker that logs an error blocks.
    if log_path is None:
        log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log")  # noqa: SIM115
    else:
        log = open(log_path, "w+b")  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "orientacion.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        cwd=project,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    if pids is not None:
        pids.append(process.pid)
    try:
        wait_until_serving(url, process, log.name)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def wait_until_serving(url: str, process, log: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn stopped: " + Path(log).read_text()[-2000:])
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)  # noqa: S310 -- loopback
            return
        except urllib.error.HTTPError:
            return  # it answers, if only to say it is unwell
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def concurrently(task, times: int, parallel: int = 8) -> list:
    """`task()` run `times` times, `parallel` at once, as many browsers would: one request
    at a time would always meet the same gunicorn worker (the one just idle)."""
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        return list(pool.map(lambda _index: task(), range(times)))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies shared across every server it talks to, as one browser behind a load
    balancer; redirects are returned, not followed."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )

    def request(self, url: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        response.text = response.read().decode(errors="replace")
        return response

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def set_cookie(self, name: str, value: str, host: str = "127.0.0.1") -> None:
        for cookie in list(self.cookies):
            if cookie.name == name:
                self.cookies.clear(cookie.domain, cookie.path, cookie.name)
        self.cookies.set_cookie(
            http.cookiejar.Cookie(
                0,
                name,
                value,
                None,
                False,
                host,
                False,
                False,
                "/",
                True,
                False,
                None,
                False,
                None,
                None,
                {},
            )
        )

    def post_form(self, page_url: str, action_url: str, data: dict, headers=None):
        """Open the page holding the form (for its CSRF token), then post to it."""
        page = self.request(page_url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        referer = {"Referer": page_url, **(headers or {})}
        return self.request(action_url, {**data, "csrfmiddlewaretoken": token}, referer)

    def sign_in(self, base_url: str, username: str, password: str, headers=None):
        login = base_url + "/accounts/login/"
        return self.post_form(
            login, login, {"login": username, "password": password}, headers=headers
        )

    def second_factor(self, base_url: str, code: str):
        """Give the code the sign-in asks for after the password."""
        page = base_url + "/accounts/2fa/authenticate/"
        return self.post_form(page, page, {"code": code})

    def sign_out(self, base_url: str):
        return self.post_form(base_url + "/", base_url + "/accounts/logout/", {})
