"""The config fields of remote-search sources (`nyxcore`), part of every source's config model."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

Authority = Literal["mandatory", "guideline", "informational"]


class RemoteConfigFields(BaseModel):
    base_url: Annotated[str, StringConstraints(max_length=2048)] | None = None
    api_token: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        None, description="write-only: stored encrypted; responses show has_api_token"
    )
    authority: list[Authority] | Authority | None = None
    limit: int | None = Field(None, ge=1, le=50)
