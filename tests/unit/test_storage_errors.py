"""Storage exceptions map to their documented domain errors, whatever botocore put under them."""

import pytest
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
from pynamodb.exceptions import PutError, QueryError, TransactWriteError

from minirag.adapters.dynamodb.tables import storage_errors
from minirag.domain.errors import DependencyUnavailableError


@pytest.mark.parametrize(
    "error",
    [
        PutError("m", cause=ReadTimeoutError(endpoint_url="http://x")),
        QueryError("m", cause=ConnectionClosedError(endpoint_url="http://x")),
        TransactWriteError("m", cause=ReadTimeoutError(endpoint_url="http://x")),
        PutError("m", cause=EndpointConnectionError(endpoint_url="http://x")),
        PutError("m"),
    ],
    ids=["read-timeout", "connection-closed", "transaction-timeout", "unreachable", "no-cause"],
)
def test_errors_without_a_response_are_the_store_unavailable(error: Exception) -> None:
    with pytest.raises(DependencyUnavailableError) as raised, storage_errors():
        raise error
    assert raised.value.retry_after > 0
