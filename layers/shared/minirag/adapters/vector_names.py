"""Collection names and point ids shared by both vector stores; imports nothing heavy."""

import re
import uuid

PREFIX = "minirag_"
_NAMESPACE = uuid.UUID("6f1c1f55-3c39-4c57-9a3c-5d0d3f7f2a10")


def point_id(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in parts)))


def collection_name(model: str) -> str:
    return PREFIX + re.sub(r"[^a-z0-9]+", "_", model.lower()).strip("_")
