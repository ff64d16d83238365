# IngestFunction: parse, chunk, embed (offline ONNX model or any LiteLLM provider) and index, as a container
# image: its dependency closure (421 MiB) does not fit a 250 MiB zip package; see docs/deploy.md.
# `sam build` builds it from the repository root (template.yaml Metadata).
#
# Packages: scripts/build/requirements/IngestFunction.txt, the lines of requirements.lock and
# requirements-models.lock this function needs, hashes included (regenerate: make requirements).
FROM public.ecr.aws/lambda/python:3.13

COPY scripts/build/requirements/IngestFunction.txt /tmp/requirements.txt
RUN python -m pip install --no-cache-dir --disable-pip-version-check --no-deps --require-hashes \
        --only-binary=:all: --no-compile --target "${LAMBDA_TASK_ROOT}" -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt
COPY scripts/build/prune.py scripts/build/bytecode.py /tmp/build/
RUN python /tmp/build/prune.py "${LAMBDA_TASK_ROOT}"

COPY layers/shared/minirag ${LAMBDA_TASK_ROOT}/minirag
COPY functions/__init__.py ${LAMBDA_TASK_ROOT}/functions/__init__.py
COPY functions/ingest/ ${LAMBDA_TASK_ROOT}/functions/ingest/
RUN python /tmp/build/bytecode.py "${LAMBDA_TASK_ROOT}" /var/task && rm -rf /tmp/build

ENV LITELLM_LOCAL_MODEL_COST_MAP=True
# The handler as a module path from /var/task; template.yaml's ImageConfig.Command says the same.
CMD ["functions.ingest.handler.handler"]
