"""The one place adapters are chosen: builds the Services container from Settings."""

import contextlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from botocore.config import Config

from minirag.adapters import aws
from minirag.adapters.dynamodb.bots import DynamoBotRepository
from minirag.adapters.dynamodb.curated import DynamoCuratedRepository
from minirag.adapters.dynamodb.evaluations import DynamoEvaluationRepository
from minirag.adapters.dynamodb.gaps import DynamoGapRepository, GroundedChatRepository
from minirag.adapters.dynamodb.ratelimit import DynamoRateLimiter
from minirag.adapters.dynamodb.sessions import DynamoSessionRepository
from minirag.adapters.dynamodb.sources import DynamoSourceRepository
from minirag.adapters.dynamodb.stats import DynamoStatsRepository
from minirag.adapters.dynamodb.tables import DynamoConfig, DynamoTables
from minirag.adapters.dynamodb.tenants import DynamoTenantRepository
from minirag.adapters.dynamodb.tokens import DynamoTokenRepository
from minirag.adapters.dynamodb.users import DynamoUserRepository
from minirag.adapters.dynamodb.webhooks import DynamoWebhookRepository
from minirag.adapters.dynamodb.widget_keys import DynamoWidgetKeyRepository
from minirag.adapters.embedders import OFFLINE_PREFIX, EmbedderRegistry
from minirag.adapters.http_fetch import SafeFetcher, UrlPolicy
from minirag.adapters.http_fetch.model_endpoints import ModelEndpointPolicy
from minirag.adapters.litellm_chat import RoutedChatModel, cost_usd, is_offline, load_litellm
from minirag.adapters.litellm_rerank import LiteLLMReranker
from minirag.adapters.model_prices import price_per_million
from minirag.adapters.remote_search.nyxcore import NyxCoreSearch
from minirag.adapters.s3 import S3BlobStore
from minirag.adapters.secrets import load_keys, qdrant_api_key
from minirag.adapters.sitemaps import expand_sitemap
from minirag.adapters.sqs import SqsQueue, queue_depths
from minirag.config import Settings, provider_api_bases
from minirag.domain.chunking import Document
from minirag.domain.errors import MiniRAGError
from minirag.domain.gaps import DEFAULT_NOT_FOUND_PHRASES
from minirag.domain.knowledge import BotProfile, SourceType
from minirag.domain.models_io import ModelRequest
from minirag.ports import ChatModel, Clock, Embedder, VectorStore
from minirag.security.crypto import SecretBox
from minirag.security.jwt_codec import JwtCodec
from minirag.security.passwords import PasswordHasher
from minirag.services.api_tokens import ApiTokenService
from minirag.services.auth import AuthService, LoginLimits
from minirag.services.bots import BotDefaults, BotService
from minirag.services.budget import RequestBudget
from minirag.services.chat import ChatService
from minirag.services.clock import SystemClock
from minirag.services.content import ContentLoader
from minirag.services.curated import CuratedService
from minirag.services.evaluation import EvaluationService
from minirag.services.events import EventPublisher
from minirag.services.export import ExportService
from minirag.services.gaps import GapService, GapSettings
from minirag.services.health import HealthService
from minirag.services.ingestion import IngestionService, IngestSettings
from minirag.services.knowledge import KnowledgeService
from minirag.services.refresh import RefreshService
from minirag.services.remote_search import RemoteSources
from minirag.services.reranking import Reranking
from minirag.services.retrieval import RetrievalSettings, Retriever
from minirag.services.sources import SourceService
from minirag.services.stats import StatsService
from minirag.services.tenants import TenantService
from minirag.services.uploads import UploadLimits, UploadService
from minirag.services.users import UserService
from minirag.services.warmup import ModelWarmup
from minirag.services.webhooks import WebhookService
from minirag.services.widget_keys import WidgetKeyService
from minirag.services.work import WorkRouter


@dataclass
class Services:
    settings: Settings
    clock: Clock
    box: SecretBox
    tenants: TenantService
    auth: AuthService
    api_tokens: ApiTokenService
    users: UserService
    health: HealthService
    bots: BotService
    sources: SourceService
    uploads: UploadService
    ingestion: IngestionService
    vectors: VectorStore
    embedders: EmbedderRegistry
    retriever: Retriever
    chat: ChatService
    widget_keys: WidgetKeyService
    webhooks: WebhookService
    events: EventPublisher
    webhook_queue: SqsQueue
    refresh: RefreshService
    stats: StatsService
    export: ExportService
    evaluation: EvaluationService
    work: WorkRouter
    knowledge: KnowledgeService
    curated: CuratedService
    gaps: GapService
    warmup: ModelWarmup | None = None


def dynamo_config(settings: Settings) -> DynamoConfig:
    host = settings.dynamodb_endpoint_url or settings.aws_endpoint_url
    local = host is not None
    return DynamoConfig(
        table_name=settings.table_name,
        region=settings.aws_region,
        host=host,
        access_key="test" if local else None,
        secret_key="test" if local else None,
        max_retries=settings.dynamodb_max_retries,
        timeout_seconds=settings.dynamodb_timeout_seconds,
    )


def aws_client(settings: Settings, service: str) -> Any:
    return aws.aws_client(
        service,
        region=settings.aws_region,
        endpoint_url=settings.aws_endpoint_url,
        config=Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=10),
    )


def vector_store(settings: Settings) -> VectorStore:
    """Imported here, not at module top: qdrant-client alone costs about a second of every cold start."""
    if settings.qdrant_url:
        from qdrant_client import QdrantClient

        from minirag.adapters.qdrant import QdrantVectorStore

        client = QdrantClient(
            url=settings.qdrant_url, api_key=qdrant_api_key(settings), timeout=10, check_compatibility=False
        )
        return QdrantVectorStore(client)
    if settings.vector_process and settings.vector_process_key:
        from minirag.adapters.edge_process import EdgeProcessVectorStore

        return EdgeProcessVectorStore(settings.vector_process, bytes.fromhex(settings.vector_process_key))
    if settings.embedded_vector_store == "qdrant-local":
        from minirag.adapters.qdrant import QdrantVectorStore, local_client

        return QdrantVectorStore(local_client(settings.data_dir / "qdrant"))
    from minirag.adapters.qdrant_edge import QdrantEdgeVectorStore

    return QdrantEdgeVectorStore(settings.data_dir / "qdrant-edge")


def parse_document(data: bytes, **kwargs: Any) -> Document:
    from minirag.adapters.parsers import parse_document as parse

    return parse(data, **kwargs)


def point_id(*parts: object) -> str:
    from minirag.adapters.qdrant import point_id as make

    return make(*parts)


def remote_sources(
    settings: Settings, policy: UrlPolicy, sources: DynamoSourceRepository, box: SecretBox, clock: Clock
) -> RemoteSources:
    """Remote-search protocols by source type. Their fetcher follows no redirect: a Bearer token must not
    be carried to wherever a redirect points."""
    fetcher = SafeFetcher(policy, timeout_s=10.0, max_bytes=2 * 1024 * 1024, max_redirects=0)
    timeout_s = settings.remote_search_timeout_seconds
    return RemoteSources(
        searchers={SourceType.NYXCORE: NyxCoreSearch(fetcher, search_timeout_s=timeout_s)},
        sources=sources,
        unseal=box.decrypt,
        clock=clock,
        timeout_s=timeout_s,
    )


def provider_keys_in_environment() -> bool:
    return any(
        name.endswith(("_API_KEY", "_API_TOKEN")) and not name.startswith("MINIRAG_") for name in os.environ
    )


def model_warmup(settings: Settings, embedders: EmbedderRegistry, model: ChatModel) -> ModelWarmup:
    """What a first answer would load: the default chat model (LiteLLM, seconds to import, unless the default
    is the built-in model, which needs none) and the offline embedder's query session when the default
    embedder is the offline one. With the built-in default, LiteLLM is loaded afterwards only when the
    environment holds a provider's key (bots that name a provider's model are then likely): importing it
    holds the interpreter for seconds, and a chat that runs beside the import took 3x a warm one."""

    def chat_model() -> None:
        # A missing provider key is checked again per bot; LiteLLM is loaded either way, which is the point.
        with contextlib.suppress(MiniRAGError):
            model.check(model=settings.default_model, api_key=None, api_base=None)
        if is_offline(settings.default_model):
            ask = [
                {"role": "system", "content": "[1] Warm-up\nThe answer."},
                {"role": "user", "content": "Answer?"},
            ]
            request = ModelRequest(model=settings.default_model, messages=ask, temperature=0.0, max_tokens=8)
            for _ in model.stream(request):
                pass

    steps: dict[str, Callable[[], object]] = {"chat model": chat_model}
    if settings.default_embedding_model.startswith(OFFLINE_PREFIX):
        steps["embedder"] = lambda: embedders.offline().embed(["warm-up"])
    later: dict[str, Callable[[], object]] = {}
    if is_offline(settings.default_model) and provider_keys_in_environment():
        later["litellm"] = load_litellm
    return ModelWarmup(steps, later=later)


def gap_settings(settings: Settings) -> GapSettings:
    phrases = [p.strip() for p in settings.not_found_phrases.split("|") if p.strip()]
    return GapSettings(
        similarity=settings.gap_similarity,
        min_score=settings.gap_min_score,
        alert_count=settings.gap_alert_count,
        not_found_phrases=(*DEFAULT_NOT_FOUND_PHRASES, *phrases),
    )


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    embedder_for: Callable[[BotProfile], Embedder] | None = None,
    chat_model: ChatModel | None = None,
) -> Services:
    """`embedder_for` lets tests put a failing embedder in front of the real one."""
    clock = clock or SystemClock()
    keys = load_keys(settings)
    box = SecretBox(keys.fernet_keys)
    tables = DynamoTables(dynamo_config(settings))
    tenants = DynamoTenantRepository(tables)
    users = DynamoUserRepository(tables)
    tokens = DynamoTokenRepository(tables)
    bot_repo = DynamoBotRepository(tables)
    source_repo = DynamoSourceRepository(tables)
    limiter = DynamoRateLimiter(tables)
    budget = RequestBudget(limiter)  # one per process: it holds the units this process has reserved
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    jwt = JwtCodec(keys.jwt_secret, settings.jwt_expires_seconds)
    limits = LoginLimits(
        attempts_per_ip_per_15min=settings.login_attempts_per_ip_per_15min,
        failures_before_lockout=settings.login_failures_before_lockout,
        lockout_seconds=settings.lockout_seconds,
        token_requests_per_minute=settings.api_token_requests_per_minute,
    )
    queue = SqsQueue(aws_client(settings, "sqs"), settings.ingest_queue_url or "")
    blobs = S3BlobStore(aws_client(settings, "s3"), settings.uploads_bucket or "")
    vectors = vector_store(settings)
    local = settings.env in ("local", "test")  # never on a deployed stage: see LOCAL_PRIVATE_HINT
    policy = UrlPolicy(allow_private=settings.allow_private_urls, local_hint=local)
    fetcher = SafeFetcher(policy)
    endpoints = ModelEndpointPolicy(
        policy,
        trusted=settings.model_endpoint_allowlist.split(","),
        provider_bases=provider_api_bases(),
    )
    bots = BotService(
        bots=bot_repo,
        box=box,
        clock=clock,
        work_queue=queue,
        defaults=BotDefaults(settings.default_model, settings.default_embedding_model),
        check_endpoint=endpoints.check,
    )
    embedders = EmbedderRegistry(
        credentials=bots.credentials, batch_size=settings.embed_batch_size, endpoints=endpoints
    )
    sources = SourceService(
        sources=source_repo,
        bots=bot_repo,
        blobs=blobs,
        queue=queue,
        vectors=vectors,
        urls=policy,
        clock=clock,
        max_text_bytes=settings.max_text_source_bytes,
        seal=box.encrypt,
    )
    content = ContentLoader(
        blobs=blobs,
        fetcher=fetcher,
        parse=partial(parse_document, cpu_seconds=settings.parse_cpu_seconds),
        sources=source_repo,
        clock=clock,
        expand_sitemap=lambda url: expand_sitemap(fetcher, url),
        max_blob_bytes=settings.max_presigned_upload_bytes,
    )
    ingest_settings = IngestSettings(
        chunk_tokens=settings.default_chunk_tokens,
        chunk_overlap=settings.default_chunk_overlap,
        batch_size=settings.embed_batch_size,
        max_attempts=settings.ingest_max_attempts,
    )
    stats_repo = DynamoStatsRepository(tables)
    webhook_repo = DynamoWebhookRepository(tables)
    webhook_queue = SqsQueue(aws_client(settings, "sqs"), settings.webhook_queue_url or "")
    events = EventPublisher(
        webhooks=webhook_repo,
        queue=webhook_queue,
        clock=clock,
        hint_ttl_s=settings.webhook_subscriptions_max_age_seconds,
    )
    pick_embedder = embedder_for or embedders.for_bot
    remote = remote_sources(settings, policy, source_repo, box, clock)
    chat_repo = GroundedChatRepository(tables)
    gaps = GapService(
        gaps=DynamoGapRepository(tables),
        bots=bot_repo,
        embedder_for=pick_embedder,
        clock=clock,
        settings=gap_settings(settings),
        publish=events.publish,
        chats=chat_repo,
        queue=queue,
    )
    curated = CuratedService(
        curated=DynamoCuratedRepository(tables),
        bots=bot_repo,
        vectors=vectors,
        embedder_for=pick_embedder,
        clock=clock,
        point_id=point_id,
        default_threshold=settings.curated_threshold,
        on_gap_answered=gaps.answered,
    )
    retriever = Retriever(
        sources=source_repo,
        vectors=vectors,
        embedder_for=pick_embedder,
        settings=RetrievalSettings(settings.retrieval_mode, settings.retrieval_fusion),
        remote=remote,
        rerank=Reranking(
            reranker=LiteLLMReranker(endpoints),
            credentials=bots.credentials,
            timeout_s=settings.rerank_timeout_seconds,
        ),
        curated=curated.live,
    )
    model = chat_model or RoutedChatModel(endpoints)
    warmup = model_warmup(settings, embedders, model)
    chat = ChatService(
        bots=bot_repo,
        chats=chat_repo,
        retriever=retriever,
        model=model,
        credentials=bots.credentials,
        cost=cost_usd,
        clock=clock,
        cursors=box,
        model_timeout_s=settings.model_timeout_seconds,
        on_message=lambda c, m: events.publish(
            c.tenant_id,
            "chat.message",
            {"chat_id": c.id, "message_id": m.id, "bot_profile_id": c.bot_profile_id},
        ),
        count_feedback=stats_repo.add_feedback,
        rewrite_followups=settings.rewrite_followups,
        executor=ThreadPoolExecutor(max_workers=4, thread_name_prefix="retrieval"),
        curated=curated,
        gaps=gaps,
    )
    ingestion = IngestionService(
        sources=source_repo,
        bots=bot_repo,
        vectors=vectors,
        queue=queue,
        content=content,
        embedder_for=pick_embedder,
        clock=clock,
        settings=ingest_settings,
        point_id=point_id,
        notify=events.publish,
        count_embedding_tokens=lambda tenant_id, n: stats_repo.add_totals(
            tenant_id=tenant_id, embedding_tokens=n
        ),
        remote=remote,
    )
    evaluation = EvaluationService(
        runs=DynamoEvaluationRepository(tables),
        bots=bot_repo,
        retriever=retriever,
        queue=queue,
        clock=clock,
        cursors=box,
    )
    widget_keys = WidgetKeyService(
        keys=DynamoWidgetKeyRepository(tables), bots=bot_repo, limiter=limiter, budget=budget, clock=clock
    )
    knowledge = KnowledgeService(
        bots=bot_repo,
        sources=sources,
        retriever=retriever,
        chat=chat,
        clock=clock,
        count_retrieval=stats_repo.add_retrieval,
        count_key_use=widget_keys.count_message,
    )
    return Services(
        curated=curated,
        gaps=gaps,
        warmup=warmup,
        knowledge=knowledge,
        settings=settings,
        clock=clock,
        box=box,
        tenants=TenantService(
            tenants=tenants,
            limiter=limiter,
            hasher=hasher,
            clock=clock,
            signups_per_hour=settings.signup_per_ip_per_hour,
        ),
        auth=AuthService(
            tenants=tenants,
            users=users,
            tokens=tokens,
            sessions=DynamoSessionRepository(tables),
            limiter=limiter,
            budget=budget,
            hasher=hasher,
            jwt=jwt,
            clock=clock,
            limits=limits,
        ),
        api_tokens=ApiTokenService(tokens=tokens, users=users, clock=clock),
        users=UserService(users=users, tokens=tokens, hasher=hasher, clock=clock),
        health=HealthService(
            checks={
                "dynamodb": tenants.ping,
                "vectors": vectors.ping,
                "queue": queue.ping,
                "blobs": blobs.ping,
            },
            models=warmup,
            depths=lambda: queue_depths(
                aws_client(settings, "sqs"),
                {
                    "ingest": settings.ingest_queue_url,
                    "ingest_dlq": settings.ingest_dlq_url,
                    "webhooks": settings.webhook_queue_url,
                    "webhooks_dlq": settings.webhook_dlq_url,
                },
            ),
        ),
        bots=bots,
        sources=sources,
        uploads=UploadService(
            sources=sources,
            repository=source_repo,
            blobs=blobs,
            queue=queue,
            parse=partial(parse_document, cpu_seconds=settings.upload_parse_cpu_seconds),
            clock=clock,
            limits=UploadLimits(settings.max_upload_bytes, settings.max_presigned_upload_bytes),
        ),
        ingestion=ingestion,
        vectors=vectors,
        embedders=embedders,
        retriever=retriever,
        chat=chat,
        webhooks=WebhookService(
            webhooks=webhook_repo,
            sender=fetcher,
            urls=policy,
            publisher=events,
            box=box,
            clock=clock,
            max_attempts=settings.webhook_max_attempts,
            timeout_s=settings.webhook_timeout_seconds,
            backoff_scale=settings.webhook_backoff_scale,
        ),
        events=events,
        webhook_queue=webhook_queue,
        refresh=RefreshService(sources=source_repo, queue=queue, clock=clock),
        evaluation=evaluation,
        work=WorkRouter(ingestion=ingestion, evaluation=evaluation, gaps=gaps, curated=curated),
        export=ExportService(
            chats=chat_repo,
            chat=chat,
            blobs=blobs,
            clock=clock,
            inline_limit_bytes=settings.export_inline_bytes,
        ),
        stats=StatsService(stats=stats_repo, bots=bot_repo, clock=clock, prices=price_per_million),
        widget_keys=widget_keys,
    )
