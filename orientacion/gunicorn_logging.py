"""gunicorn's access log without the secrets of shared links: the path of a link is its
key (/s/<secret>/…), and a log is read by more people, and kept longer, than the link."""

import re

from gunicorn.glogging import Logger

SHARED_LINK = re.compile(r"/s/[^/\s?]+")
# The request line, the path and the referrer (a shared page sends none; a page that
# links to one might).
REDACTED_ATOMS = ("r", "U", "f")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in REDACTED_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = SHARED_LINK.sub("/s/[secret]", atoms[name])
        return atoms
