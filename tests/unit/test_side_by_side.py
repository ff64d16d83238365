"""The side-by-side benchmark's pure parts: its options, its ratio table, its percentiles and the profile
summary. The benchmark itself (two stacks, minutes of load) is run by `make side-by-side`, not here."""

from pathlib import Path

import pytest

from benchmarks.sbs_measure import percentile
from benchmarks.sbs_profile import summarise
from benchmarks.side_by_side import Row, parse_args, ratio_table


def test_quick_mode_takes_its_small_preset_and_explicit_options_win() -> None:
    args = parse_args(["/tmp/orig", "--quick", "--rounds", "5"])

    assert args.orig == Path("/tmp/orig")
    assert args.size_list == [300] and args.rounds == 5 and args.clients == 4
    assert (args.chats, args.concurrent, args.reads) == (8, 16, 60)


def test_full_mode_sorts_its_sizes() -> None:
    args = parse_args(["/tmp/orig", "--sizes", "10000,2000"])

    assert args.size_list == [2000, 10000] and args.rounds == 3 and not args.quick
    assert args.original_vectors == "edge"


def test_a_size_below_one_document_is_refused() -> None:
    with pytest.raises(SystemExit):
        parse_args(["/tmp/orig", "--sizes", "5"])


def test_ratio_table_gives_ours_over_the_original_and_which_side_of_one_is_better() -> None:
    rows = [
        Row("chats/s, 4 clients", 8.0, 10.0, higher_is_better=True),
        Row("CPU ms per chat", 40.0, 30.0, digits=0),
        Row("never measured", 0.0, 3.0),
    ]

    lines = ratio_table(rows)

    assert lines[0] == "| metric | original | ours | ours / original | better when |"
    assert lines[2] == "| chats/s, 4 clients | 8.0 | 10.0 | 1.25 | >= 1 |"
    assert lines[3] == "| CPU ms per chat | 40 | 30 | 0.75 | <= 1 |"
    assert lines[4] == "| never measured | 0.0 | 3.0 | n/a | <= 1 |"


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]

    assert percentile(values, 0.5) == 51.0  # index round(0.5 * 99) = 50 (banker's rounding)
    assert percentile(values, 0.95) == 95.0
    assert percentile([3.0], 0.95) == 3.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.5)


def test_profile_summary_counts_self_time_ours_inclusive_and_packages() -> None:
    site = "/x/.venv/lib/python3.13/site-packages"
    ours = "/work/main/layers/shared/minirag/services/chat.py"
    raw = "\n".join(
        [
            f"run (/x/server.py:1);answer ({ours}:10);dumps ({site}/orjson/__init__.py:5) 3",
            f"run (/x/server.py:1);answer ({ours}:12);_make_api_call ({site}/botocore/client.py:9) 1",
            "not a stack line",
        ]
    )

    profile = summarise(raw, top=2)

    assert profile.samples == 4
    assert profile.self_by_function[0] == ("dumps (orjson/__init__.py)", 3)
    assert profile.ours_inclusive == [(f"answer ({'minirag/services/chat.py'})", 4)]
    assert dict(profile.self_by_package) == {"orjson": 3, "botocore": 1}
    assert profile.by_entry == [("answer (minirag/services/chat.py)", 4)]
