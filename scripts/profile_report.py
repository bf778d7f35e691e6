#!/usr/bin/env python
"""Where the server time of a cached report goes: the benchmark's data, then cProfile over
many requests in process, by cumulative time.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/orientacion_bench \\
        .venv/bin/python scripts/profile_report.py [report|round|answer] [requests]

It resets that database, as scripts/benchmark.py does.
"""

import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts import benchmark  # noqa: E402  (sets up Django on the benchmark's database)


def main():
    page = sys.argv[1] if len(sys.argv) > 1 else "report"
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    benchmark.reset_database()
    manager, report, _big, draft, round_of_ten = benchmark.make_data()
    client = benchmark.Client()
    client.force_login(manager)
    url = {
        "report": benchmark.reverse("assessment_report", args=[report.pk]),
        "round": benchmark.reverse("assessment_report", args=[round_of_ten.pk]),
        "answer": benchmark.reverse("assessment_answer", args=[draft.pk]),
    }[page]
    for _ in range(20):
        benchmark.get_ok(client, url)
    started = time.perf_counter()
    for _ in range(requests):
        benchmark.get_ok(client, url)
    plain = (time.perf_counter() - started) * 1000 / requests
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        benchmark.get_ok(client, url)
    profiler.disable()
    print(f"{page} ({url}): {plain:.2f} ms a request without the profiler, {requests} requests")
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(45)


if __name__ == "__main__":
    main()
