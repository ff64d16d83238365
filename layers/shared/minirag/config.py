"""Settings: read once when wiring (bootstrap), never at import time."""

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINIRAG_", extra="ignore")

    env: Literal["local", "test", "dev", "prod"] = "local"
    data_dir: Path = Path(".data")

    # AWS
    aws_region: str = Field("us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    aws_endpoint_url: str | None = Field(None, validation_alias=AliasChoices("AWS_ENDPOINT_URL"))
    # The SDKs' service-specific endpoint: `make run` puts DynamoDB Local here and moto at aws_endpoint_url.
    dynamodb_endpoint_url: str | None = Field(
        None,
        validation_alias=AliasChoices(
            "AWS_ENDPOINT_URL_DYNAMODB", "MINIRAG_DYNAMODB_ENDPOINT_URL", "dynamodb_endpoint_url"
        ),
    )
    table_name: str = "minirag"
    ingest_queue_url: str | None = None
    webhook_queue_url: str | None = None
    ingest_dlq_url: str | None = None
    webhook_dlq_url: str | None = None
    uploads_bucket: str | None = None
    secrets_arn: str | None = None  # Secrets Manager secret holding jwt_secret and fernet_keys

    # Keys. Local runs generate and keep them under data_dir; deployed runs read them from Secrets Manager.
    jwt_secret: str | None = None
    fernet_keys: str | None = None  # comma-separated, newest first (MultiFernet rotation)
    jwt_expires_seconds: int = 3600

    # Password hashing (Argon2id). Defaults follow OWASP's recommendation; tests lower them for speed.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 1

    # Abuse limits
    signup_per_ip_per_hour: int = 10
    login_attempts_per_ip_per_15min: int = 60
    login_failures_before_lockout: int = 10
    lockout_seconds: int = 900
    api_token_requests_per_minute: int = 1200  # 0 turns the per-token limit off

    # HTTP
    max_body_bytes: int = 1_048_576
    cors_origins: str = "*"

    # DynamoDB client behaviour
    dynamodb_max_retries: int = 3
    dynamodb_timeout_seconds: float = 5.0

    # Models and vectors
    default_model: str = "minirag/offline-extractive"
    default_embedding_model: str = "offline/all-minilm-l6-v2"
    qdrant_url: str | None = None
    # Without qdrant_url: Qdrant's engine in process (fast), or qdrant-client's local mode (brute force).
    embedded_vector_store: Literal["qdrant-edge", "qdrant-local"] = "qdrant-edge"
    # Set by `make run`: the embedded store served by a process of its own (adapters/edge_process.py).
    vector_process: str | None = None
    vector_process_key: str | None = None
    qdrant_api_key: str | None = None
    qdrant_api_key_secret_arn: str | None = None  # in AWS: the key read from Secrets Manager
    default_chunk_tokens: int = 200
    default_chunk_overlap: int = 32
    embed_batch_size: int = 32

    # Ingestion
    allow_private_urls: bool = False  # MINIRAG_ALLOW_PRIVATE_URLS=1: local development and tests only
    # Comma-separated URLs of self-hosted model servers that bots may use although they are private.
    model_endpoint_allowlist: str = ""
    max_upload_bytes: int = 4 * 1024 * 1024
    max_presigned_upload_bytes: int = 50 * 1024 * 1024
    max_text_source_bytes: int = 900_000
    parse_cpu_seconds: float = 60.0  # CPU budget per document in the ingest worker (its timeout is 300 s)
    upload_parse_cpu_seconds: float = 10.0  # the same for the direct upload, parsed inside a 29 s request
    ingest_max_attempts: int = 3

    # Load LiteLLM and the offline embedder before the first chat: in the background under `make run`,
    # during the init phase of the streaming chat function. Off: they load on first use.
    warm_models: bool = True

    # Chat
    retrieval_mode: Literal["hybrid", "dense", "sparse"] = "hybrid"
    # adaptive: score-aware fusion (services/fusion.py; benchmarks/RESULTS.md "Fusion"); rrf and weighted
    # (Qdrant's DBSF) fuse inside the vector store
    retrieval_fusion: Literal["adaptive", "rrf", "weighted"] = "adaptive"
    rewrite_followups: bool = True
    sse_keepalive_seconds: float = 15.0
    model_timeout_seconds: float = 60.0
    remote_search_timeout_seconds: float = 3.0  # per turn, for all remote-search (NyxCore) sources together
    rerank_timeout_seconds: float = 2.0  # per turn; then the fused order stands
    export_inline_bytes: int = 5_000_000  # larger exports go to S3 (Lambda responses stop at 6 MB)

    # Gaps and curated answers (domain/gaps.py)
    curated_threshold: float = 0.8  # a bot's default: question similarity that answers with a curated answer
    gap_similarity: float = 0.65  # two badly answered questions this similar form one gap group
    gap_min_score: float | None = (
        None  # a top retrieval score under this is a gap (fused scores are relative)
    )
    gap_alert_count: int = 3  # a gap group reaching this many questions sends the chat.gap webhook event
    # "|"-separated phrases that mean "could not find it" in real models' answers, beside the built-in ones
    not_found_phrases: str = ""

    # Webhooks
    webhook_max_attempts: int = 8
    webhook_timeout_seconds: float = 10.0
    webhook_backoff_scale: float = 1.0  # 0 in tests: retries come back at once
    # how old a process's read of a tenant's subscriptions may be when it decides whether to send an event
    webhook_subscriptions_max_age_seconds: float = Field(default=5.0, ge=0)


def provider_api_bases() -> dict[str, str]:
    """The model providers' endpoint variables the operator set (OPENAI_API_BASE, OLLAMA_API_BASE...):
    litellm reads them itself, and the outbound policy trusts them because no tenant can set them."""
    names = [name for name in os.environ if name.endswith("_API_BASE") or name == "OPENAI_BASE_URL"]
    return {name: os.environ[name] for name in names if os.environ[name].strip()}
