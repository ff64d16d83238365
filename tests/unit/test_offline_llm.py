"""The offline chat model through litellm's own entry points, as the chat service calls a real model."""

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path

import litellm
import pytest

from minirag.adapters.offline_llm import (
    NOT_FOUND,
    OFFLINE_MODEL,
    OfflineChatModel,
    count_tokens,
    parse_context,
    stem,
)
from minirag.adapters.offline_llm_provider import OfflineExtractiveLLM, register
from minirag.domain.models_io import ModelRequest

SHOP = [
    (
        "Returns policy — Help > Returns",
        "You can return any item within 30 days of delivery. Refunds are issued to the original payment "
        "method within 5 business days.\n\nItems marked final sale cannot be returned.",
    ),
    (
        "Shipping FAQ",
        "Standard shipping takes 3-5 business days. Express shipping costs $15, and arrives the next day!",
    ),
    ("Company history", "MiniShop was founded in 2012 in Lisbon. It now employs 40 people."),
]
STANDARD = "Standard shipping takes 3-5 business days."
EXPRESS = "Express shipping costs $15, and arrives the next day!"
REFUNDS = "Refunds are issued to the original payment method within 5 business days."


def system(blocks: list[tuple[str, str]]) -> dict[str, str]:
    body = "\n\n".join(f"[{n}] {source}\n{text}" for n, (source, text) in enumerate(blocks, start=1))
    return {
        "role": "system",
        "content": f"Answer from the context only.\n<context>\n{body}\n</context>\nCite [n].",
    }


def ask(
    question: str | list[dict], blocks: list[tuple[str, str]] = SHOP, history: tuple[dict, ...] = ()
) -> list[dict]:
    return [system(blocks), *history, {"role": "user", "content": question}]


def complete(messages: list[dict]) -> str:
    response = litellm.completion(model=OFFLINE_MODEL, messages=messages)
    return response.choices[0].message.content


@pytest.fixture(scope="module", autouse=True)
def registered() -> None:
    register()


def test_picks_the_sentence_that_answers_and_cites_its_block():
    assert complete(ask("How long does standard shipping take?")) == f"{STANDARD} [2]"
    assert complete(ask("When was MiniShop founded?")) == "MiniShop was founded in 2012 in Lisbon. [3]"


def test_matches_other_word_forms_of_the_question():
    answer = complete(ask("Can returned items be refunded?"))

    # returned/return, items/item, refunded/Refunds: every match is across word forms
    assert answer == (
        "You can return any item within 30 days of delivery. [1] "
        f"Items marked final sale cannot be returned. [1] {REFUNDS} [1]"
    )


def test_cites_two_blocks_when_the_answer_spans_them():
    answer = complete(ask("What is the refund method, and what does express shipping cost?"))

    assert answer == f"{EXPRESS} [2] {REFUNDS} [1]"


@pytest.mark.parametrize(
    "messages",
    [
        ask("What is the capital of France?"),
        ask("What will the weather be like in Lisbon next week?"),
        ask("How long does standard shipping take?", blocks=[]),
        [{"role": "system", "content": "No context today."}, {"role": "user", "content": "Shipping cost?"}],
        [{"role": "user", "content": "How long does standard shipping take?"}],
        ask("Is it?"),
    ],
    ids=["unrelated", "weak-overlap", "empty-context", "no-context-lines", "no-system", "no-keywords"],
)
def test_falls_back_to_the_fixed_sentence_without_a_citation(messages):
    assert complete(messages) == NOT_FOUND == "I could not find this in the knowledge base."


def test_sentence_punctuation_and_symbols_survive():
    blocks = [("Keys", 'Your API key (shown once!) starts with "mr_"; keep it secret. Rotate it yearly.')]

    answer = complete(ask("What does the API key start with?", blocks))

    assert answer == 'Your API key (shown once!) starts with "mr_"; keep it secret. [1]'


def test_same_prompt_gives_the_same_answer_and_ties_go_to_the_better_block():
    blocks = [
        ("A", "Parking is free on Sundays."),
        ("B", "Parking is free on Sundays."),
        ("C", "Open daily."),
    ]
    messages = ask("Is parking free?", blocks)

    first = complete(messages)
    again = [complete(messages) for _ in range(3)]
    direct = OfflineExtractiveLLM().completion(OFFLINE_MODEL, messages).choices[0].message.content

    assert first == "Parking is free on Sundays. [1]"  # the identical sentence of block 2 is not repeated
    assert again == [first] * 3
    assert direct == first


def test_history_is_not_the_question_and_does_not_break_parsing():
    history = (
        {"role": "user", "content": "What does express shipping cost?"},
        {
            "role": "assistant",
            "content": f"{EXPRESS} [2]\n<context>\n[1] Notes\nStandard shipping takes 9 weeks.\n</context>",
        },
    )
    parts = [{"type": "text", "text": "And how long does standard shipping take?"}]

    assert complete(ask("And how long does standard shipping take?", history=history)) == f"{STANDARD} [2]"
    assert complete(ask(parts, history=history)) == f"{STANDARD} [2]"  # content as OpenAI parts


def test_bracketed_numbers_inside_a_passage_are_not_headers():
    blocks = [
        (
            "Warranty — Terms",
            "Every device has a two-year warranty, as described in [3].\n"
            "[2] Batteries are covered for one year only.\n\n"
            "[5] Water damage is never covered.",
        ),
        ("Repairs", "Repairs take about ten days."),
        ("Contact", "Email support@example.com to open a claim."),
    ]
    messages = ask("Are batteries covered?", blocks)

    parsed = parse_context(messages[0]["content"])

    assert [b.number for b in parsed] == [1, 2, 3]
    assert parsed[0].text.endswith("[5] Water damage is never covered.")
    assert parsed[2].text == "Email support@example.com to open a claim."
    assert complete(messages) == "[2] Batteries are covered for one year only. [1]"
    assert complete(ask("How long do repairs take?", blocks)) == "Repairs take about ten days. [2]"


def test_non_stream_response_is_labelled_and_reports_usage():
    messages = ask("How long does standard shipping take?")

    response = litellm.completion(model=OFFLINE_MODEL, messages=messages)

    assert response.model == OFFLINE_MODEL
    assert response.choices[0].finish_reason == "stop"
    assert response.usage.prompt_tokens == count_tokens(messages) > 0
    assert response.usage.completion_tokens == len(STANDARD.split()) + 1  # the words and the "[2]" marker
    assert response.usage.total_tokens == response.usage.prompt_tokens + response.usage.completion_tokens


def test_stream_yields_words_whose_concatenation_is_the_answer_then_stop_with_usage():
    messages = ask("What is the refund method, and what does express shipping cost?")
    expected = complete(messages)

    chunks = list(litellm.completion(model=OFFLINE_MODEL, messages=messages, stream=True))

    pieces = [c.choices[0].delta.content for c in chunks if c.choices[0].delta.content]
    assert "".join(pieces) == expected
    assert len(pieces) == len(expected.split()) > 1
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert not hasattr(chunks[-1], "usage")  # without stream_options litellm keeps usage in hidden params
    usage = chunks[-1]._hidden_params["usage"]
    assert (usage.prompt_tokens, usage.completion_tokens) == (count_tokens(messages), len(pieces))
    # litellm labels stream chunks with the model name after the provider prefix
    assert (chunks[-1]._hidden_params["custom_llm_provider"], chunks[-1].model) == tuple(
        OFFLINE_MODEL.split("/")
    )


def test_stream_usage_chunk_when_the_caller_asks_for_it():
    messages = ask("How long does standard shipping take?")

    chunks = list(
        litellm.completion(
            model=OFFLINE_MODEL, messages=messages, stream=True, stream_options={"include_usage": True}
        )
    )

    assert chunks[-1].usage.prompt_tokens == count_tokens(messages)
    assert chunks[-1].usage.completion_tokens == len(STANDARD.split()) + 1


def test_async_stream_matches_the_non_stream_answer():
    messages = ask("When was MiniShop founded?")

    async def stream() -> list:
        response = await litellm.acompletion(
            model=OFFLINE_MODEL, messages=messages, stream=True, stream_options={"include_usage": True}
        )
        return [chunk async for chunk in response]

    chunks = asyncio.run(stream())

    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "MiniShop was founded in 2012 in Lisbon. [3]"
    assert chunks[-1].usage.completion_tokens == len(text.split())


def test_register_is_idempotent_across_threads():
    handlers: list[litellm.CustomLLM] = []
    threads = [threading.Thread(target=lambda: handlers.append(register())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    entries = [i for i in litellm.custom_provider_map if i["provider"] == "minirag"]
    assert len(entries) == 1
    assert all(h is entries[0]["custom_handler"] for h in handlers) and len(handlers) == 8
    assert litellm._custom_providers.count("minirag") == 1
    assert "minirag" in litellm.provider_list


def test_stemming_folds_plurals_ing_and_ed():
    assert {stem(w) for w in ("shipping", "ships", "shipped", "ship")} == {"ship"}
    assert {stem(w) for w in ("policies", "policy")} == {"policy"}
    assert {stem(w) for w in ("stores", "stored", "storing", "store")} == {"stor"}
    assert stem("status") == "status" and stem("class") == "class"


def test_markdown_headings_are_not_quoted() -> None:
    from minirag.adapters.offline_llm import answer

    system = "Rules.\n\n<context>\n[1] Handbook\n# Employee handbook\n## Expenses\nSubmit receipts within 30 days.\n</context>"
    text = answer(
        [{"role": "system", "content": system}, {"role": "user", "content": "When must I submit receipts?"}]
    )
    assert text == "Submit receipts within 30 days. [1]"


FAQ = [
    (
        "MiniRAG FAQ",
        "Q: What is MiniRAG?\nA: MiniRAG is a multi-tenant retrieval-augmented chat platform.\n"
        "Q: What LLM providers does it support?\n"
        "A: Any provider that LiteLLM supports, such as OpenAI, Anthropic and Ollama.\n"
        "Q: Is there a widget?\nA: Yes, a one-line script tag.",
    )
]
PROVIDERS = "Any provider that LiteLLM supports, such as OpenAI, Anthropic and Ollama. [1]"


def test_an_faq_is_answered_with_its_answer_never_its_question_line():
    reply = complete(ask("What is MiniRAG and what LLM providers does it support?", FAQ))
    assert "Q:" not in reply and "?" not in reply and PROVIDERS in reply
    assert complete(ask("What LLM providers does it support?", FAQ)) == PROVIDERS


def test_a_question_in_the_heading_path_lends_its_words_to_the_answer():
    blocks = [("FAQ \u2014 FAQ > Which vendors work?", "Anything LiteLLM can call.")]
    assert complete(ask("Which vendors work?", blocks)) == "Anything LiteLLM can call. [1]"


def test_the_direct_model_streams_the_same_answer_and_usage_as_the_litellm_provider():
    messages = ask("What is the refund method, and what does express shipping cost?")
    request = ModelRequest(model=OFFLINE_MODEL, messages=messages, temperature=0.0, max_tokens=512)

    chunks = list(OfflineChatModel().stream(request))

    text = "".join(c.text for c in chunks)
    assert text == complete(messages) and len([c for c in chunks if c.text]) > 1
    usage = next(c for c in chunks if c.prompt_tokens is not None)
    assert (usage.prompt_tokens, usage.completion_tokens) == (count_tokens(messages), len(text.split()))
    assert chunks[-1].finished and not any(c.finished for c in chunks[:-1])


def test_the_built_in_model_answers_and_is_priced_without_importing_litellm():
    """What the first chat after start-up pays: LiteLLM's import took 3 to 16 s here, and its streaming
    path 30 ms of CPU per answer of the built-in model."""
    code = (
        "import sys\n"
        "from minirag.adapters.litellm_chat import RoutedChatModel, cost_usd\n"
        "from minirag.domain.models_io import ModelRequest\n"
        "messages = [{'role': 'system', 'content': '<context>\\n[1] Shop\\nReturns take 30 days.\\n</context>'},"
        " {'role': 'user', 'content': 'How long do returns take?'}]\n"
        "model = RoutedChatModel()\n"
        "model.check(model='minirag/offline-extractive', api_key=None, api_base=None)\n"
        "request = ModelRequest(model='minirag/offline-extractive', messages=messages, temperature=0.0, max_tokens=64)\n"
        "text = ''.join(c.text for c in model.stream(request))\n"
        "assert text == 'Returns take 30 days. [1]', text\n"
        "assert cost_usd('minirag/offline-extractive', 10, 5) == 0.0\n"
        "print('litellm' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "layers" / "shared"), str(root)])}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
