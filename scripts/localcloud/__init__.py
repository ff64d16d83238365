"""The platform on one machine: a local AWS endpoint provisioned from template.yaml, the functions'
event sources (SQS pollers, schedules) and the API under uvicorn. `python -m scripts.localcloud`."""

from scripts.localcloud.cloud import LocalCloud
from scripts.localcloud.provision import Stack, provision, provision_stack

__all__ = ["LocalCloud", "Stack", "provision", "provision_stack"]
