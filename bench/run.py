"""`make bench`: every benchmark in turn; JSON results in bench/results/. Not part of the tests.

    python -m bench.run [--quick] [--skip-credit-grades]
"""

from __future__ import annotations

import argparse
import asyncio

from bench import credit_grades, credit_ingest, e2e, intake, load, messaging


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--skip-credit-ingest", action="store_true",
                        help="leave out the shared-data ingestion benchmark (1,000,000 rows)")
    parser.add_argument("--skip-credit-grades", action="store_true",
                        help="skip the city-scale grade recomputation (minutes at 500,000 employers)")
    args = parser.parse_args()
    seconds = 4 if args.quick else 10
    messaging.write("relay", asyncio.run(messaging.relay_throughput(20_000, 500)))
    messaging.write("latency", asyncio.run(messaging.publish_consume_latency(1000, seconds)))
    messaging.write("intake", asyncio.run(intake.main(seconds, [1, 16, 64], 18101)))
    messaging.write("intake_batch", asyncio.run(intake.main(seconds, [1, 16, 64], 18101, batch=50)))
    if not args.skip_credit_ingest:
        messaging.write("credit_ingest",
                        asyncio.run(credit_ingest.main(100_000 if args.quick else 1_000_000)))
    messaging.write("e2e", e2e.main(5 if args.quick else 20, 18201))
    if not args.skip_credit_grades:  # R-CRD-2 recomputation of the whole register
        messaging.write("credit_grades",
                        credit_grades.main(employers=50_000 if args.quick else 500_000))
    # open loop on a whole stack, with the bare reference beside intake (writes results/load.json)
    load.run_and_write(rates=[10, 40] if args.quick else [50, 100, 300, 600],
                       seconds=10 if args.quick else 20, ratio_seconds=3 if args.quick else 5)


if __name__ == "__main__":
    main()
