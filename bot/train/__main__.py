"""`python -m bot.train stance [options]`: train the models the bot ships (needs the `train` extra)."""
from __future__ import annotations

import argparse
import sys

from bot.train import stance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.train", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    stance.configure_parser(commands.add_parser("stance", help="fine-tune and export the stance model"))
    args = parser.parse_args(argv)
    if args.command == "stance":
        return stance.train(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
