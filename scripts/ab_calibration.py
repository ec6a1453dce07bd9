"""Print the A/B engines' calibration table: false winners, coverage and power, per engine.

    PYTHONPATH=. .venv/bin/python scripts/ab_calibration.py [--tests 2000] [--engine sequential]

Seeded A/A simulations through `aigym.abtest`'s analysis (`analyze`, the function
`analyze_test` calls, on the same sufficient statistics): quality at one look and at 10
looks, log-normal cost at a 90/10 split at one and 10 looks, and the power to find a true
3% quality lift at the planned size (checked at 10 looks) against Welch's fixed-horizon test
at the final look. See aigym/abtest/_calibration.py for the scenarios.
"""

from __future__ import annotations

import argparse

from aigym.abtest import ENGINES
from aigym.abtest._calibration import calibration_table


def main() -> None:
    """Parse the options and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=2000, help="simulated tests per cell")
    parser.add_argument("--engine", choices=ENGINES, action="append", help="repeatable")
    args = parser.parse_args()
    engines = tuple(args.engine) if args.engine else ENGINES
    for row in calibration_table(args.tests, engines):
        print(row)


if __name__ == "__main__":
    main()
