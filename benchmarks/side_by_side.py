"""Side by side with the original MiniRAG: the same documents and questions, the same fake model, interleaved.

Run: make side-by-side ORIG=/path/to/mini-chat-rag [SBS_ARGS=--quick]
     PYTHONPATH=layers/shared:. .venv/bin/python -m benchmarks.side_by_side /path/to/checkout [--quick]
The original (a checkout of mrwind-up-bird/mini-chat-rag, not downloaded here) runs unmodified from its
own virtualenv with Postgres, Redis, its ARQ worker and a Qdrant stand-in (benchmarks/original_stack.py);
ours is `make run` (benchmarks/localrun.py: DynamoDB Local, moto for SQS/S3, pollers, uvicorn). Both point
at one OpenAI-protocol fake (tests/support/fake_openai.py, its own process, 1536-dimensional embeddings)
for chat and embeddings. Per size both ingest the same generated documents, then take turns (original,
ours, original, ours...) at: sequential chats (non-streamed latency, time to the first `delta` frame),
chats/s with 4 clients, and list/one-source reads with 4 clients, with the CPU of each system's processes.
"""

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import sbs_measure as m
from benchmarks.localrun import local_run
from benchmarks.original_stack import running_original
from benchmarks.results import command_line, machine, write_section
from benchmarks.sbs_profile import py_spy, recording, summarise, table

ROOT = Path(__file__).resolve().parents[1]
VECTORS = {
    "edge": "qdrant-edge-py: Qdrant's own engine with payload indexes, as its Qdrant server would search; "
    "our embedded default runs the same engine",
    "local": "qdrant-client's local mode: every point scored in Python, slower than its Qdrant server",
}
PRESETS: dict[str, dict[str, Any]] = {
    "quick": {"sizes": "300", "rounds": 2, "chats": 8, "concurrent": 16, "reads": 60},
    "full": {"sizes": "2000,10000", "rounds": 3, "chats": 30, "concurrent": 60, "reads": 300},
}
CHUNKS_PER_DOC = 15  # sbs_measure.DOC_MB of markdown at the original's 512-character chunks (measured)
# Our chunk size is in tokens: 80 with 10 of overlap cuts these documents into about as many chunks as the
# original's 512/64 characters (at our default 200/32 the same size in chunks would be 2.5x the text).
OUR_BOT = {"chunk_size": 80, "chunk_overlap": 10}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("orig", type=Path, help="a checkout of the original MiniRAG (mini-chat-rag)")
    parser.add_argument("--quick", action="store_true", help="small sizes, few requests: a couple of minutes")
    parser.add_argument("--sizes", help="chunks in the tenant, comma-separated (quick 300; full 2000,10000)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per size (quick 2; full 3)")
    parser.add_argument(
        "--chats", type=int, help="sequential chats per round, each of non-streamed and streamed"
    )
    parser.add_argument("--concurrent", type=int, help="chats per round at --clients clients")
    parser.add_argument("--reads", type=int, help="reads per kind per round at --clients clients")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--profile", action="store_true", help="py-spy our server during extra chat and read phases"
    )
    parser.add_argument(
        "--original-vectors",
        choices=["edge", "local"],
        default="edge",
        help="the original's Qdrant stand-in: Qdrant's engine (qdrant-edge-py, as its Qdrant server) or "
        "qdrant-client's local mode (brute force in Python)",
    )
    parser.add_argument(
        "--deps-date", help="install the original's dependencies as PyPI had them then (YYYY-MM-DD)"
    )
    parser.add_argument("--write-key", default="side-by-side", help="RESULTS.md section")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    for key, value in PRESETS["quick" if args.quick else "full"].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.size_list = sorted(int(s) for s in str(args.sizes).split(","))
    if min(args.size_list) < CHUNKS_PER_DOC or args.rounds < 1 or args.chats < 1:
        parser.error("sizes must be at least 10 chunks, rounds and chats at least 1")
    return args


@dataclass(frozen=True)
class Row:
    metric: str
    original: float
    ours: float
    higher_is_better: bool = False
    digits: int = 1


def ratio_table(rows: list[Row]) -> list[str]:
    """Markdown: each metric for both systems and ours / original; `goal` says which side of 1 is ours."""
    lines = ["| metric | original | ours | ours / original | better when |", "|---|---|---|---|---|"]
    for row in rows:
        ratio = f"{row.ours / row.original:.2f}" if row.original else "n/a"
        goal = ">= 1" if row.higher_is_better else "<= 1"
        lines.append(
            f"| {row.metric} | {row.original:,.{row.digits}f} | {row.ours:,.{row.digits}f} | {ratio} | {goal} |"
        )
    return lines


@contextmanager
def fake_openai() -> Iterator[str]:
    """The repository's OpenAI-protocol fake in a process of its own; yields its base URL."""
    code = (
        "import time\nfrom tests.support.fake_openai import FakeOpenAI\n"
        "with FakeOpenAI(reply='It is in the handbook [1].', embedding_dim=1536) as fake:\n"
        "    print(fake.base_url, flush=True)\n    time.sleep(10**6)\n"
    )
    env = os.environ | {"PYTHONPATH": f"{ROOT / 'layers' / 'shared'}:{ROOT}"}
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE)  # noqa: S603
    try:
        assert child.stdout is not None
        yield child.stdout.readline().decode().strip()
    finally:
        child.terminate()
        child.wait(10)


def measure_round(system: m.System, args: argparse.Namespace) -> dict[str, Any]:
    offset = system.turns
    latencies = m.sequential(system, args.chats, offset, m.chat)
    firsts = m.sequential(system, args.chats, offset + args.chats + 1, m.first_delta)
    base = offset + 2 * args.chats + 2
    chats = m.concurrent(system, args.clients, args.concurrent, lambda h, i: m.chat(h, system, base + i))
    system.turns += 2 * args.chats + 2 + args.concurrent + args.clients
    source = system.sources[0]
    bots = m.concurrent(
        system, args.clients, args.reads, lambda h, i: h.get("/v1/bot-profiles").raise_for_status()
    )
    one = m.concurrent(
        system, args.clients, args.reads, lambda h, i: h.get(f"/v1/sources/{source}").raise_for_status()
    )
    return {"latency": latencies, "first": firsts, "chats": chats, "bots": bots, "source": one}


def size_rows(size: int, ingest: dict[str, dict[str, float]], rounds: dict[str, list[dict[str, Any]]],
              rss: dict[str, float], turns: dict[str, int]) -> list[Row]:  # fmt: skip
    o, u = rounds["original"], rounds["ours"]

    def pooled(runs: list[dict[str, Any]], key: str, q: float) -> float:
        return m.percentile([x for r in runs for x in r[key]], q) * 1000

    def med(runs: list[dict[str, Any]], phase: str, key: str) -> float:
        return m.median([r[phase][key] for r in runs])

    io, iu = ingest["original"], ingest["ours"]
    rows = [
        Row(f"ingest wall s ({io['docs']:.0f} docs; chunks {io['chunks']:.0f} / {iu['chunks']:.0f})", io["wall_s"], iu["wall_s"]),
        Row("ingest CPU s, app processes", io["app"], iu["app"]),
        Row("ingest CPU s, app + engines + vector store process", io["app"] + io["engines"] + io["search"],
            iu["app"] + iu["engines"] + iu["search"]),
        Row("chat p50 ms, non-streamed, 1 client", pooled(o, "latency", 0.5), pooled(u, "latency", 0.5), digits=0),
        Row("chat p95 ms, non-streamed, 1 client", pooled(o, "latency", 0.95), pooled(u, "latency", 0.95), digits=0),
        Row("first delta p50 ms, streamed", pooled(o, "first", 0.5), pooled(u, "first", 0.5), digits=0),
        Row("first delta p95 ms, streamed", pooled(o, "first", 0.95), pooled(u, "first", 0.95), digits=0),
        Row("chats/s, 4 clients", med(o, "chats", "rate"), med(u, "chats", "rate"), higher_is_better=True),
        Row("CPU ms per chat, app (both: vector search excluded, it runs in a process of its own)",
            med(o, "chats", "app_ms"), med(u, "chats", "app_ms")),
        Row("CPU ms per chat, app + vector search (original: its engine's query CPU; ours: the vector process)",
            med(o, "chats", "app_ms") + med(o, "chats", "query_ms"), med(u, "chats", "app_ms") + med(u, "chats", "search_ms")),
        Row("CPU ms per chat, app + the whole vector store process (original: its Qdrant stand-in)",
            med(o, "chats", "app_ms") + med(o, "chats", "search_ms"), med(u, "chats", "app_ms") + med(u, "chats", "search_ms")),
        Row("CPU ms per chat, engines (Postgres + Redis / DynamoDB Local)", med(o, "chats", "engines_ms"),
            med(u, "chats", "engines_ms")),
    ]  # fmt: skip
    for phase, label in (("bots", "GET /v1/bot-profiles"), ("source", "GET /v1/sources/{id}")):
        rows += [
            Row(f"{label} reads/s, 4 clients", med(o, phase, "rate"), med(u, phase, "rate"), higher_is_better=True),
            Row(f"{label} CPU ms per read, app", med(o, phase, "app_ms"), med(u, phase, "app_ms"), digits=2),
            Row(f"{label} CPU ms per read, engines", med(o, phase, "engines_ms"), med(u, phase, "engines_ms"), digits=2),
        ]  # fmt: skip
    rows.append(
        Row(f"resident MB of the app and vector store processes after {turns['original']} / {turns['ours']} turns", rss["original"], rss["ours"], digits=0)
    )  # fmt: skip
    return rows


def run(args: argparse.Namespace, publish: Callable[[list[str], list[str]], None]) -> None:
    """Measures every size, publishing the report after each (a later failure keeps the earlier sizes)."""
    os.environ["MINIRAG_API_TOKEN_REQUESTS_PER_MINUTE"] = str(10**9)  # the limiter still runs; never trips
    report: list[str] = []
    profile: list[str] = []
    with fake_openai() as base:
        os.environ |= {"OPENAI_API_BASE": base, "OPENAI_BASE_URL": base, "OPENAI_API_KEY": "sk-fake"}
        with (
            running_original(args.orig.resolve(), base, args.deps_date, args.original_vectors) as orig,
            local_run() as ours_run,
        ):
            original = m.System("original", orig.url, [orig.pids["api"], orig.pids["worker"]],
                                [orig.pids["postgres"], orig.pids["redis"]], {}, search_pid=orig.pids["qdrant"],
                                search_url=orig.standin_url)  # fmt: skip
            engine = ours_run.engine_pid()
            ours = m.System("ours", ours_run.url, [ours_run.pid], [engine] if engine else [], OUR_BOT,
                            search_pid=ours_run.vector_pid())  # fmt: skip
            systems = [original, ours]
            slug = f"sbs-{int(time.time())}"
            for system in systems:
                m.setup_tenant(system, slug)
                # Warm-up: the first job loads each worker's libraries. One document alone: two first jobs at
                # once race in the original's ensure_collection (both create it; the second gets a 400).
                m.ingest(system, 1)
            for size in args.size_list:
                report += measure_size(systems, size, args)
                publish(report, profile)
            if args.profile:
                profile = profile_ours(ours, args)
                publish(report, profile)


def measure_size(systems: list[m.System], size: int, args: argparse.Namespace) -> list[str]:
    docs = max(3, round(size / CHUNKS_PER_DOC))
    ingest = {}
    for system in systems:
        ingest[system.name] = m.ingest(system, docs)
        print(f"{system.name}: ingested to {docs} docs: {ingest[system.name]}", flush=True)
    rounds: dict[str, list[dict[str, Any]]] = {s.name: [] for s in systems}
    for r in range(args.rounds):
        for system in systems:
            rounds[system.name].append(measure_round(system, args))
            last = rounds[system.name][-1]
            print(f"round {r + 1} {system.name}: chats/s {last['chats']['rate']:.1f} app CPU ms/chat "
                  f"{last['chats']['app_ms']:.0f}; list reads/s {last['bots']['rate']:.0f}", flush=True)  # fmt: skip
    rss = {s.name: s.rss() for s in systems}
    turns = {s.name: s.turns for s in systems}
    chunks = {s.name: m.chunk_count(s) for s in systems}
    rows = size_rows(size, ingest, rounds, rss, turns)
    title = (f"### ~{size:,} chunks (original {chunks['original']:,}, ours {chunks['ours']:,}; "
             f"{systems[0].docs} documents), {args.rounds} rounds; failed ingestions queued again so far: "
             f"original {systems[0].retries}, ours {systems[1].retries}")  # fmt: skip
    lines = [title, "", *ratio_table(rows), ""]
    print("\n".join(lines), flush=True)
    return lines


def profile_ours(ours: m.System, args: argparse.Namespace) -> list[str]:
    if py_spy() is None:
        return ["py-spy is not installed (.venv/bin/pip install py-spy): no profile."]
    pid = ours.app_pids[0]
    lines: list[str] = []
    with recording(pid) as chats:
        result = m.concurrent(
            ours, args.clients, args.concurrent * 2, lambda h, i: m.chat(h, ours, 10**6 + i)
        )
    lines += table(summarise(chats.read_text()), f"Our server during {args.concurrent * 2} chats at "
                   f"{args.clients} clients ({result['app_ms']:.0f} ms CPU per chat)")  # fmt: skip
    with recording(pid) as reads:
        result = m.concurrent(
            ours, args.clients, args.reads * 2, lambda h, i: h.get("/v1/bot-profiles").raise_for_status()
        )
    lines += ["", *table(summarise(reads.read_text()), f"Our server during {args.reads * 2} GET /v1/bot-profiles "
                         f"at {args.clients} clients ({result['app_ms']:.1f} ms CPU per read)")]  # fmt: skip
    print("\n".join(lines), flush=True)
    return lines


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    header = f"Machine: {machine()}.\n\nCommand: `{command_line()}`"
    print(header, flush=True)
    started = time.perf_counter()

    def publish(report: list[str], profile: list[str]) -> None:
        body = "\n".join([
            f"## Side by side with the original MiniRAG ({'quick' if args.quick else 'full'}: `benchmarks/side_by_side.py`)",
            "", header, "",
            "Both on this machine at once, the same fake OpenAI-protocol model (chat and 1536-d embeddings, 0 ms), "
            "the same generated markdown documents and questions, interleaved rounds (original, ours, ...). "
            "App processes: the original's uvicorn API and ARQ worker; our `make run` process (API, pollers, "
            "handlers, moto for SQS/S3). Engines: Postgres (fsync off) and Redis; DynamoDB Local (in memory). "
            f"The original's vector store is a Qdrant stand-in process ({VECTORS[args.original_vectors]}), "
            "reported with and without its CPU: its queries alone (inside the engine), and the whole "
            "process (HTTP, JSON and validation of 1536 floats per query included). Ours is `make run`'s "
            "vector store process (the same engine behind a Unix socket, adapters/edge_process.py); it "
            "serves nothing but vector calls, so its whole CPU is counted as our search. "
            "Latencies pool every round; rates and CPU are the median of rounds.", "",
            *report,
            *(["### Where our server's CPU goes (py-spy)", "", *profile, ""] if profile else []),
            f"Run time so far {time.perf_counter() - started:.0f} s.",
        ])  # fmt: skip
        if not args.no_write:
            suffix = "" if args.original_vectors == "edge" else "-local-vectors"
            write_section(f"{args.write_key}-{'quick' if args.quick else 'full'}{suffix}", body)

    run(args, publish)


if __name__ == "__main__":
    main()
