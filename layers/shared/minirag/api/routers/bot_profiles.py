from fastapi import APIRouter, status

from minirag.api.deps import AnyPrincipalDep, PrincipalDep, ServicesDep
from minirag.api.knowledge_schemas import BotCreate, BotModelCheck, BotPublic, BotUpdate, BotWidgetSettings
from minirag.api.paging import PagerDep

router = APIRouter(prefix="/v1/bot-profiles", tags=["bot-profiles"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_bot(body: BotCreate, services: ServicesDep, principal: PrincipalDep) -> BotPublic:
    credentials = body.credentials.domain() if body.credentials else None
    fields = body.model_dump(exclude={"credentials"})
    return BotPublic.of(services.bots.create(principal, fields, credentials))


@router.get("")
def list_bots(
    services: ServicesDep, principal: PrincipalDep, page: PagerDep, include_inactive: bool = True
) -> list[BotPublic]:
    bots = services.bots.list(principal, include_inactive=include_inactive)
    return [BotPublic.of(b) for b in page(bots, newest_first=True)]


@router.get("/{bot_id}")
def get_bot(bot_id: str, services: ServicesDep, principal: PrincipalDep) -> BotPublic:
    return BotPublic.of(services.bots.get(principal, bot_id))


@router.get("/{bot_id}/model-check")
def check_bot_model(bot_id: str, services: ServicesDep, principal: PrincipalDep) -> BotModelCheck:
    problem = services.chat.model_problem(principal, bot_id)
    return BotModelCheck(ready=problem is None, problem=problem)


@router.get("/{bot_id}/widget-settings")
def get_widget_settings(bot_id: str, services: ServicesDep, principal: AnyPrincipalDep) -> BotWidgetSettings:
    """A widget route: the embedded widget reads its bot's greeting with its widget key."""
    return BotWidgetSettings.of(services.bots.for_widget(principal, bot_id))


@router.patch("/{bot_id}")
def update_bot(bot_id: str, body: BotUpdate, services: ServicesDep, principal: PrincipalDep) -> BotPublic:
    credentials = body.credentials.domain() if body.credentials is not None else None
    fields = body.model_dump(exclude_unset=True, exclude={"credentials"})
    return BotPublic.of(services.bots.update(principal, bot_id, fields, credentials))


@router.delete("/{bot_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_bot(bot_id: str, services: ServicesDep, principal: PrincipalDep) -> None:
    services.bots.deactivate(principal, bot_id)
