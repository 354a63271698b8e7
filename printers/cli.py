"""``adminduk print-agent`` and ``adminduk print-test`` (need no database; run on a kiosk PC).

Registered through the ``flask.commands`` entry points in ``setup.cfg`` (the core never imports them), so every
``adminduk`` (a ``FlaskGroup``) lists them without creating the app.
"""
from __future__ import annotations

import logging
import warnings

import click


@click.command("print-agent")
@click.option("--server", required=True, help="Base URL of the adminduk server, e.g. http://10.0.0.2:5000")
@click.option("--token", required=True, envvar="ADMINDUK_KIOSK_TOKEN",
              help="The kiosk's device token (or set ADMINDUK_KIOSK_TOKEN).")
@click.option("--printer", required=True, help="Local printer URI, e.g. usb://04b8:0e15 or serial:///dev/ttyUSB0")
@click.option("--profile", default="generic-80", show_default=True, help="Printer profile (TM-T20II, POS-5890, ...).")
@click.option("--timeout", default=5.0, show_default=True, type=float, help="Seconds per printer operation.")
@click.option("--poll", "poll_seconds", default=30.0, show_default=True, type=float,
              help="Seconds between checks for missed jobs (events wake it sooner).")
@click.option("--once", is_flag=True, help="Print what is waiting now and exit.")
def print_agent_cmd(server, token, printer, profile, timeout, poll_seconds, once):
    """Print this kiosk's tickets on a printer attached to this PC."""
    from printers.agent import PrintAgent
    from printers.profiles import get_profile

    try:
        get_profile(profile)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="--profile") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    agent = PrintAgent(server, token, printer, profile, timeout=timeout, poll_seconds=poll_seconds)
    if once:
        try:
            n = agent.sync()
        except PermissionError as exc:
            raise click.ClickException(str(exc)) from None
        except Exception as exc:
            raise click.ClickException(f"cannot reach {server}: {exc}") from None
        click.echo(f"{n} ticket(s) printed.")
        return
    click.echo(f"Print agent for {server} on {printer} ({profile}); Ctrl+C to stop.")
    try:
        agent.run()
    except PermissionError as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        agent.close()


@click.command("print-test")
@click.argument("printer_uri")
@click.option("--profile", default="generic-80", show_default=True, help="Printer profile (TM-T20II, POS-5890, ...).")
@click.option("--timeout", default=5.0, show_default=True, type=float)
def print_test_cmd(printer_uri, profile, timeout):
    """Print a sample ticket on PRINTER_URI (tcp://, usb://, serial://, cups://, file://, dummy://)."""
    from printers import errors
    from printers.agent import sample_ticket
    from printers.printing import print_ticket
    from printers.profiles import get_profile

    try:
        prof = get_profile(profile)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="--profile") from None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", errors.PrinterWarning)
            sent = print_ticket(printer_uri, sample_ticket(), profile=prof, timeout=timeout)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="PRINTER_URI") from None
    except errors.PrinterError as exc:
        raise click.ClickException(str(exc)) from None
    for w in caught:
        click.echo(f"Warning: {w.message}", err=True)
    click.echo(f"Sample ticket sent to {printer_uri} ({prof.name}, {sent} bytes).")
