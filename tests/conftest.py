import pytest
from django.core.management import call_command

from assessments.models import QuestionBank


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }


@pytest.fixture
def bank(db) -> QuestionBank:
    call_command("loaddata", "fixtures/question_bank.json", verbosity=0)
    return QuestionBank.objects.get(version=1)
