"""DBOS in the test process (the jobs suite's `worker`), the fake platform, and staff."""

from tests.admin.conftest import staff, staff_client
from tests.jobs.conftest import fake, worker

__all__ = ["fake", "staff", "staff_client", "worker"]
