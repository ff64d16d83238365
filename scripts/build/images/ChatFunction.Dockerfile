# ChatFunction: the FastAPI app under AWS Lambda Web Adapter (response streaming), as a container image.
# Its dependency closure (LiteLLM, the ONNX embedder, qdrant-client: 427 MiB) does not fit a 250 MiB zip
# package; see docs/deploy.md. `sam build` builds it from the repository root (template.yaml Metadata).
#
# Packages: scripts/build/requirements/ChatFunction.txt, the lines of requirements.lock and
# requirements-models.lock this function needs, hashes included (regenerate: make requirements).
# Pruning and bytecode: the same scripts as the zip artifacts.

# The adapter release published as layer LambdaAdapterLayerX86:26; bump both together.
FROM public.ecr.aws/awsguru/aws-lambda-adapter:1.0.0-rc1 AS adapter

FROM public.ecr.aws/lambda/python:3.13
COPY --from=adapter /lambda-adapter /opt/extensions/lambda-adapter
# The template keeps AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap (the zip form's wrapper); here it only passes on.
RUN printf '#!/bin/sh\nexec "$@"\n' > /opt/bootstrap && chmod 755 /opt/bootstrap

COPY scripts/build/requirements/ChatFunction.txt /tmp/requirements.txt
RUN python -m pip install --no-cache-dir --disable-pip-version-check --no-deps --require-hashes \
        --only-binary=:all: --no-compile --target "${LAMBDA_TASK_ROOT}" -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt
COPY scripts/build/prune.py scripts/build/bytecode.py /tmp/build/
RUN python /tmp/build/prune.py "${LAMBDA_TASK_ROOT}"

COPY layers/shared/minirag ${LAMBDA_TASK_ROOT}/minirag
COPY functions/api/asgi.py functions/api/handler.py functions/api/run.sh ${LAMBDA_TASK_ROOT}/
RUN python /tmp/build/bytecode.py "${LAMBDA_TASK_ROOT}" /var/task && rm -rf /tmp/build

ENV AWS_LWA_INVOKE_MODE=response_stream \
    AWS_LWA_READINESS_CHECK_PATH=/health \
    PORT=8080 \
    LITELLM_LOCAL_MODEL_COST_MAP=True
# AWS base images start the runtime interface client; the adapter (an extension) needs the web server.
ENTRYPOINT ["/var/task/run.sh"]
