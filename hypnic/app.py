"""The Typer application every command module registers on."""

import typer

app = typer.Typer(
    name="hypnic",
    help="Record and analyse hypnic jerks (sleep starts) with Bluetooth accelerometers. "
    "Not a medical device.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
