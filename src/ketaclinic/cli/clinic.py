"""``ketaclinic run``, ``ketaclinic demo`` and ``ketaclinic audit verify``."""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ketaclinic.cli import CliError, setup_django
from ketaclinic.paths import var_dir

if TYPE_CHECKING:
    from ketaclinic.audit.verify import ChainReport
    from ketaclinic.audit.witness import WitnessLog


def register(subparsers: Any) -> None:
    run = subparsers.add_parser("run", help="migrate, load the demo clinic if empty, and serve")
    run.add_argument("--bind", default="127.0.0.1:8000", help="address:port (default %(default)s)")
    run.add_argument(
        "--workers", type=int, default=2, help="gunicorn workers (default %(default)s)"
    )
    run.add_argument(
        "--demo-patients",
        type=int,
        default=50,
        metavar="N",
        help="patients in the demo clinic loaded into an empty database",
    )
    run.add_argument("--no-serve", action="store_true", help="set up and exit (for scripts)")
    run.add_argument(
        "--no-worker",
        action="store_true",
        help="do not start a task worker beside the server (its workers run elsewhere)",
    )
    run.set_defaults(handler=_run)

    demo = subparsers.add_parser("demo", help="load the synthetic demo clinic")
    demo.add_argument(
        "--patients",
        type=_positive_int,
        default=50,
        metavar="N",
        help="number of synthetic patients (default %(default)s; 100000 works)",
    )
    demo.add_argument("--seed", type=int, default=2026, help="random seed (default %(default)s)")
    demo.add_argument(
        "--bulk-above",
        type=_positive_int,
        default=None,
        metavar="N",
        help="patients charted through the services; the rest come from the bulk generator "
        "(default 500; docs/demo.md)",
    )
    demo.set_defaults(handler=_demo)
    demo_sub = demo.add_subparsers(dest="demo_command", metavar="SUBCOMMAND")
    totp = demo_sub.add_parser("totp", help="print the current 2FA code of a demo account")
    totp.add_argument("username")
    totp.set_defaults(handler=_demo_totp)

    audit = subparsers.add_parser("audit", help="audit trail tools")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="SUBCOMMAND", required=True)
    verify = audit_sub.add_parser(
        "verify", help="check every clinic's audit hash chain end to end, against the witness"
    )
    verify.add_argument(
        "--clinic",
        metavar="CLINIC",
        help="check only this clinic's chain: its code (UUID) or name, or 'system'",
    )
    verify.add_argument(
        "--witness",
        action="append",
        type=Path,
        metavar="PATH",
        help="a witness file (repeat for each app server's file and rotated files; .gz too); "
        "default: AUDIT_WITNESS_PATH",
    )
    verify.add_argument(
        "--checkpoint",
        action="store_true",
        help="when every chain verifies, append a checkpoint of each chain's end to this "
        "server's witness file (run nightly, so that idle clinics stay witnessed)",
    )
    verify.set_defaults(handler=_audit_verify)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--patients must be a whole number, not {text!r}"
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError("--patients must be 0 or more")
    return value


def prepare_local_environment() -> Path:
    """Defaults for a single-machine install: data and generated secrets under var/."""
    var = var_dir()
    var.mkdir(parents=True, exist_ok=True)
    for name in ("SECRET_KEY", "AUDIT_HMAC_KEY"):
        path = var / name.lower()
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        if not os.environ.get(name):
            os.environ.setdefault(f"{name}_FILE", str(path))
    # Served on this machine over plain HTTP: cookies cannot require HTTPS here.
    os.environ.setdefault("HTTPS", "False")
    # No mail server configured (the demo): portal invitations are printed on this
    # console instead of failing; set EMAIL_HOST to send them (docs/deploy.md).
    if not os.environ.get("EMAIL_HOST"):
        os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    return var


def _run(args: argparse.Namespace) -> int:
    var = prepare_local_environment()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    from ketaclinic.lib.db import refresh_planner_statistics

    refresh_planner_statistics()
    from ketaclinic.demo import clinic_is_empty

    if clinic_is_empty():
        print(f"Empty database: loading the demo clinic ({args.demo_patients} synthetic patients)")
        _load_demo(args.demo_patients, seed=2026)
        _print_demo_logins()
    if args.no_serve:
        return 0
    print(f"Serving ketaclinic at http://{args.bind}  (Ctrl-C to stop)", flush=True)
    os.environ["KETACLINIC_WORKER"] = "0" if args.no_worker else "1"
    # The gunicorn of this virtual environment, replacing this process (Ctrl-C reaches it).
    beside = Path(sys.executable).with_name("gunicorn")
    gunicorn = str(beside) if beside.exists() else (shutil.which("gunicorn") or "gunicorn")
    os.execv(  # noqa: S606 (fixed argument list, no shell)
        gunicorn, [gunicorn, *gunicorn_arguments(args.bind, args.workers, var)]
    )


def gunicorn_arguments(bind: str, workers: int, var: Path) -> list[str]:
    """gunicorn's command line, with its proxy trust set for this application.

    * ``--forwarder-headers ''``: gunicorn would otherwise take ``SCRIPT_NAME``
      and ``PATH_INFO`` *headers* from any address in ``--forwarded-allow-ips``
      (127.0.0.1 by default, so any local reverse proxy passes them through).
      ketaclinic is always served at the root, so no client may move it.
    * ``--forwarded-allow-ips``: only the proxies named in
      ``TRUSTED_PROXY_IPS`` may set the scheme headers (``X-Forwarded-Proto``);
      by default the local machine, where docs/deploy.md puts the proxy.
    * ``--control-socket`` under var/: gunicorn's default is one socket per
      user in the home directory, so two instances on one machine would talk
      to each other's arbiter.
    * ``--config``: its hooks start the task worker beside the server and stop it
      with the server (``ketaclinic.cli.gunicorn_config``).
    * ``--preload``: the application (with the ICD-10-CM code set, see
      ``ketaclinic.wsgi``) is loaded once in the arbiter and shared by the
      workers it forks, instead of once per worker on its first request.
    """
    return [
        "ketaclinic.wsgi",
        "--config",
        "python:ketaclinic.cli.gunicorn_config",
        "--preload",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--forwarder-headers",
        "",
        "--forwarded-allow-ips",
        os.environ.get("TRUSTED_PROXY_IPS", "127.0.0.1,::1"),
        "--control-socket",
        str(var / "gunicorn.ctl"),
        "--access-logfile",
        "-",
        "--access-logformat",
        '%(t)s "%(m)s %(U)s" %(s)s',
    ]


def _demo(args: argparse.Namespace) -> int:
    prepare_local_environment()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from ketaclinic.demo import clinic_is_empty

    if not clinic_is_empty():
        raise CliError("the database already holds a clinic; the demo loads into an empty database")
    _load_demo(args.patients, seed=args.seed, bulk_above=args.bulk_above)
    _print_demo_logins()
    return 0


def _load_demo(patients: int, *, seed: int, bulk_above: int | None = None) -> None:
    import time

    from tqdm import tqdm

    from ketaclinic.demo import BULK_ABOVE, load_demo, row_counts

    above = BULK_ABOVE if bulk_above is None else bulk_above
    began = time.perf_counter()
    with tqdm(total=patients, unit="patient", disable=patients < 1000 or None) as bar:
        load_demo(patients, seed=seed, progress=bar.update, bulk_above=above)
    if patients > above:  # the bulk generator ran: say what it made and how long it took
        elapsed = time.perf_counter() - began
        print(f"Demo clinic generated in {elapsed:.0f} s ({elapsed / 60:.1f} min):")
        for name, count in row_counts().items():
            print(f"  {name:<28} {count:>12,}")


def _print_demo_logins() -> None:
    import base64

    from ketaclinic.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_PATIENT_LOGINS

    print(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
    print("Staff also need a TOTP code: add the key to an authenticator app, or run")
    print("`ketaclinic demo totp USERNAME` to print the current code.")
    for a in DEMO_ACCOUNTS:
        key = base64.b32encode(bytes.fromhex(a.totp_secret_hex)).decode().rstrip("=")
        print(f"  {a.username:<12} {a.role:<10} TOTP key {key}")
    for username in DEMO_PATIENT_LOGINS:
        print(f"  {username:<12} patient    (portal; no second factor)")
    print()


def _demo_totp(args: argparse.Namespace) -> int:
    prepare_local_environment()
    setup_django()
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = (
        TOTPDevice.objects.filter(user__username=args.username, confirmed=True)
        .select_related("user__clinic")
        .first()
    )
    if device is None:
        raise CliError(f"username: no demo account {args.username!r} with an authenticator")
    if not device.user.clinic.is_demo:
        raise CliError("username: codes are printed only for accounts of the demo clinic")
    print(f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}")
    return 0


def _audit_verify(args: argparse.Namespace) -> int:
    prepare_local_environment()
    setup_django()
    from ketaclinic.audit.verify import verify_chains

    witness = _read_witness(args.witness)
    chains = None if args.clinic is None else [_chain_of_clinic(args.clinic)]
    reports = verify_chains(chains, witness)
    for problem in witness.problems if witness else ():
        print(f"audit witness BROKEN: {problem}", file=sys.stderr)
    for report in reports:
        _print_chain_report(report)
    broken = [r for r in reports if not r.ok]
    bad_lines = len(witness.problems) if witness else 0
    checked = sum(r.checked for r in reports)
    if broken or bad_lines:
        print(
            f"audit chains BROKEN: {len(broken)} of {_count(len(reports), 'chain')} broken, "
            f"{_count(bad_lines, 'witness line')} bad; {_count(checked, 'record')} checked.",
            file=sys.stderr,
        )
        return 1
    print(
        f"audit chains OK: {_count(checked, 'record')} verified in {_count(len(reports), 'chain')}."
    )
    if args.checkpoint:
        _checkpoint(reports)
    return 0


def _checkpoint(reports: list[ChainReport]) -> None:
    """Witness the end of every verified chain, so a later cut shows without a new record."""
    from django.conf import settings

    from ketaclinic.audit.witness import append_checkpoint

    ends = [r for r in reports if r.checked > 0]
    written = sum(append_checkpoint(r.chain, r.checked, r.last_hash) for r in ends)
    print(
        f"audit witness: {written} of {len(ends)} chain ends checkpointed to "
        f"{settings.AUDIT_WITNESS_PATH}."
    )
    if written < len(ends):
        raise CliError(f"--checkpoint: could not write to {settings.AUDIT_WITNESS_PATH}")


def _read_witness(paths: list[Path] | None) -> WitnessLog | None:
    """The witness files named on the command line, else the configured one if it exists."""
    from django.conf import settings

    from ketaclinic.audit.witness import read_witness

    if not paths:
        default = Path(settings.AUDIT_WITNESS_PATH)
        if not default.exists():
            print(
                f"audit witness: no witness file at {default}; removal of the newest "
                "records cannot be detected (give --witness PATH)",
                file=sys.stderr,
            )
            return None
        paths = [default]
    try:
        return read_witness(paths)
    except OSError as exc:
        raise CliError(f"--witness: cannot read {exc.filename}: {exc.strerror}") from None


def _chain_of_clinic(text: str) -> int:
    """The chain key of a clinic named by its code or its name (or 'system')."""
    import uuid

    from ketaclinic.accounts.models import Clinic
    from ketaclinic.audit.chain import SYSTEM_CHAIN

    if text == "system":
        return SYSTEM_CHAIN
    try:
        matches = list(Clinic.objects.filter(code=uuid.UUID(text)).values_list("pk", flat=True))
    except ValueError:
        matches = list(Clinic.objects.filter(name=text).values_list("pk", flat=True))
    if not matches:
        raise CliError(f"--clinic: no clinic with the code or name {text!r}")
    if len(matches) > 1:
        raise CliError(f"--clinic: {len(matches)} clinics are named {text!r}; give its code")
    return matches[0]


def _print_chain_report(report: ChainReport) -> None:
    if report.ok:
        witnessed = (
            "witnessed to the end"
            if not report.witness_behind
            else f"witness behind: last witnessed #{report.witnessed_seq or 0} of {report.checked}"
        )
        print(f"{report.label}: OK, {_count(report.checked, 'record')} verified; {witnessed}")
        return
    where = "" if report.broken_seq is None else f" at record #{report.broken_seq}"
    if report.broken_id is not None:
        where += f" (row id {report.broken_id})"
    print(
        f"{report.label}: audit chain BROKEN{where}: {report.reason}. "
        f"{_count(report.checked, 'record')} before it intact.",
        file=sys.stderr,
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
