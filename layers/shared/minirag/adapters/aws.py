"""AWS clients made by botocore itself.

boto3 adds nothing we use on top of botocore's clients (no resources, no managed transfers) and costs
about 0.1 s of every cold start (its import pulls s3transfer). One botocore session per process, as
boto3's default session does; clients are created under a lock because a session is not thread-safe.
"""

import threading
from typing import Any

from botocore.config import Config
from botocore.credentials import Credentials
from botocore.session import Session, get_session

_lock = threading.Lock()
_session: Session | None = None


def _shared_session() -> Session:
    global _session
    if _session is None:
        _session = get_session()
    return _session


def aws_client(
    service: str, *, region: str, endpoint_url: str | None = None, config: Config | None = None
) -> Any:
    with _lock:
        return _shared_session().create_client(
            service, region_name=region, endpoint_url=endpoint_url, config=config
        )


def aws_credentials() -> Credentials | None:
    """The credentials botocore's chain finds (environment, shared files, container or instance role);
    refreshable ones refresh themselves when read. None when the chain finds nothing."""
    with _lock:
        return _shared_session().get_credentials()
