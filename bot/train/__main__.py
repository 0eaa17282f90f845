"""`python -m bot.train stance|speaker|speaker-threshold [options]`: train the models the bot ships (needs the `train` extra)."""
from __future__ import annotations

import argparse
import sys

from bot.train import speaker, speaker_threshold, stance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.train", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    stance.configure_parser(commands.add_parser("stance", help="fine-tune and export the stance model"))
    speaker.configure_parser(commands.add_parser("speaker", help="fine-tune and export the speaker tagger"))
    speaker_threshold.configure_parser(commands.add_parser(
        "speaker-threshold", help="choose the speaker tagger's confidence threshold on held-out train articles"))
    args = parser.parse_args(argv)
    if args.command == "stance":
        return stance.train(args)
    if args.command == "speaker":
        return speaker.train(args)
    if args.command == "speaker-threshold":
        return speaker_threshold.choose(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
