"""frontdoor: the admin CLI. `frontdoor run` starts the platform; more commands for operators."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from frontdoor_cli.platform import Platform
from frontdoor_cli.stack import StackError
from triage.entrypoints.cli import simulate_app

app = typer.Typer(help="Front Door: the single front door for early concerns about a child's SEND.",
                  no_args_is_help=True)
# `frontdoor triage simulate`: what another ranges policy would change (read-only)
app.add_typer(simulate_app, name="triage")
console = Console()


def _home() -> Path:
    return Path(os.environ.get("FRONTDOOR_HOME", ".frontdoor")).resolve()


@app.command()
def run() -> None:
    """Start PostgreSQL, the broker and the four services; Ctrl-C stops everything cleanly."""
    started = time.monotonic()
    platform = Platform(home=_home(), database_url=os.environ.get("DATABASE_URL"),
                        bootstrap=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        with console.status("Starting PostgreSQL and the broker"):
            platform.start_stack()
        with console.status("Starting intake, triage, early-years and notifications"):
            platform.start_services()
            platform.seed_demo()
        _print_where(platform, time.monotonic() - started)
        while all(p.poll() is None for p in platform.procs.values()):
            time.sleep(0.5)
        dead = [n for n, p in platform.procs.items() if p.poll() is not None]
        console.print(f"[red]{', '.join(dead)} stopped unexpectedly; see {platform.logs}[/red]")
        raise typer.Exit(1)
    except KeyboardInterrupt:
        console.print("\nStopping Front Door…")
    except StackError as err:
        console.print(f"[red]Could not start: {err}[/red]")
        raise typer.Exit(1) from None
    finally:
        platform.stop()
        console.print("Stopped.")


def where_lines(platform: Platform) -> list[str]:
    """What `make run` prints once the platform is up: where to go, one place a line."""
    p = platform.ports
    return [
        f"  Intake JSON API     http://127.0.0.1:{p['intake']}/api/v1   (docs: /docs)",
        f"  Submit a concern    POST http://127.0.0.1:{p['intake']}/api/v1/concerns",
        f"  Concern form        http://127.0.0.1:{p['intake']}/concerns",
        f"  FHIR R4 door        http://127.0.0.1:{p['intake']}/fhir/metadata   (what it accepts)",
        f"  Early-years panel   http://127.0.0.1:{p['early-years']}/panel",
        f"  Council report      http://127.0.0.1:{p['intake']}/reports/front-door   (council admin)",
        f"  Dev mailbox         http://127.0.0.1:{p['notifications']}/dev/mailbox",
        f"  Triage health       http://127.0.0.1:{p['triage']}/health",
        f"  PostgreSQL          {platform.database_url}",
        f"  Kafka (Tansu)       {platform.bootstrap}",
        f"  State and logs      {platform.home}",
        f"  Demo credentials    {platform.credentials_file}",
        "                      (mode 0600: one user per role, one partner)",
        f"  Staff sign-in       http://127.0.0.1:{p['intake']}/sign-in",
        "  Partner token       curl -s -u demo-partner:<client_secret from the file> "
        f"-d grant_type=client_credentials http://127.0.0.1:{p['intake']}/oauth/token",
        "  Partner hears back  Kafka topic partner.demo-partner.status.v1   (its concerns' statuses)",
    ]


def _print_where(platform: Platform, seconds: float) -> None:
    console.print(f"\n[bold green]Front Door is running[/bold green] (started in {seconds:.1f}s)\n")
    for line in where_lines(platform):
        # never broken by rich at the console's width: a path or a command must copy whole
        console.print(line, soft_wrap=True, highlight=False)
    console.print("\nPress Ctrl-C to stop.")


contracts_app = typer.Typer(help="Contract documents: JSON Schemas and AsyncAPI.")
app.add_typer(contracts_app, name="contracts")


@contracts_app.command("export")
def contracts_export() -> None:
    """Write docs/schemas/*.json (one per contract version) and docs/asyncapi/*.json."""
    from frontdoor_cli import docs

    changed = docs.write({**docs.contract_schemas(), **docs.asyncapi_docs()})
    for path in changed:
        console.print(f"wrote {path.relative_to(docs.ROOT)}")
    console.print(f"{len(changed)} file(s) changed")


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    from frontdoor_cli.stack import EmbeddedPostgres

    return EmbeddedPostgres(_home() / "postgres").url


@app.command()
def replay(topic: str | None = typer.Option(None, help="Only this topic"),
           since: datetime | None = typer.Option(None, help="Only events created since (ISO 8601)")) -> None:
    """Re-drive events from every service's outbox (after a broker lost its topics); consumers dedupe."""
    from frontdoor_cli.ops import replay as do_replay

    counts = asyncio.run(do_replay(_database_url(), since=since, topic=topic))
    for schema, n in counts.items():
        console.print(f"{schema}: {n} event(s) queued for re-publication")


dlq_app = typer.Typer(help="Dead letters: events a service could not handle, with the reason.")
app.add_typer(dlq_app, name="dlq")


@dlq_app.command("list")
def dlq_list(all_: bool = typer.Option(False, "--all", help="Include ones already replayed")) -> None:
    """List dead letters in every service (id, service, topic, offset, reason)."""
    from rich.table import Table

    from frontdoor_cli.ops import dead_letters

    rows = asyncio.run(dead_letters(_database_url(), replayed=all_))
    table = Table("id", "service", "topic", "partition/offset", "when", "reason", "replayed")
    for r in rows:
        table.add_row(str(r["id"]), r["service"], r["topic"], f"{r['partition']}/{r['offset']}",
                      f"{r['dead_at']:%Y-%m-%d %H:%M:%S}", r["reason"][:120],
                      f"{r['replayed_at']:%Y-%m-%d %H:%M}" if r["replayed_at"] else "")
    console.print(table)
    console.print(f"{len(rows)} dead letter(s)")


@dlq_app.command("show")
def dlq_show(dead_letter_id: int) -> None:
    """Show one dead letter: where it came from, why, and its headers (the payload is not printed:
    it may hold data about a child; decrypt or inspect it in the service if you must)."""
    from frontdoor_cli.ops import dead_letters

    rows = [r for r in asyncio.run(dead_letters(_database_url(), replayed=True)) if r["id"] == dead_letter_id]
    if not rows:
        console.print(f"[red]no dead letter {dead_letter_id}[/red]")
        raise typer.Exit(1)
    r = rows[0]
    for key in ("service", "topic", "partition", "offset", "consumer_group", "error_type", "reason",
                "dead_at", "replayed_at"):
        console.print(f"[bold]{key}[/bold]: {r[key]}")
    console.print(f"[bold]headers[/bold]: {r['headers']}")
    console.print(f"[bold]payload[/bold]: {len(r['payload'] or b'')} bytes")


@dlq_app.command("replay")
def dlq_replay(ids: list[int] = typer.Argument(None, help="Dead letter ids; none means all not yet replayed"),
               service: str | None = typer.Option(None, help="Only this service's dead letters")) -> None:
    """Re-publish dead letters to their original topics after a fix; consumers' inboxes dedupe."""
    from frontdoor_cli.ops import replay_dead_letters

    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    n = asyncio.run(replay_dead_letters(_database_url(), bootstrap, ids or None, service))
    console.print(f"{n} dead letter(s) re-published")


@app.command()
def audit(reference: str = typer.Option(..., "--reference", help="The concern reference, e.g. FD-7K3M-9QXP")) -> None:
    """Print a concern's access history: every read and change, who, when, what and why."""
    from rich.table import Table

    from frontdoor_cli.ops import audit_history

    rows = asyncio.run(audit_history(_database_url(), reference))
    table = Table("when", "who", "kind/role", "what", "why", "via")
    for r in rows:
        table.add_row(f"{r['at']:%Y-%m-%d %H:%M:%S}", r["actor"], f"{r['actor_kind']}/{r['actor_role'] or '-'}",
                      r["action"], r["why"], r["channel"])
    console.print(table)
    console.print(f"{len(rows)} audit line(s) for {reference}")


accounts_app = typer.Typer(help="The council's staff accounts and partner systems (where Front Door signs people in).")
app.add_typer(accounts_app, name="accounts")


def _accounts(action: Any) -> Any:
    """Run an account use case on intake's database; a refusal is printed naming the field, exit 1."""
    from frontdoor_shared.db import make_engine
    from intake.service_layer.accounts import AccountRefused

    async def run() -> Any:
        engine = make_engine(_database_url(), pool_size=1)
        try:
            return await action(engine)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except AccountRefused as err:
        console.print(f"[red]{err}[/red]", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


@accounts_app.command("add-user")
def accounts_add_user(email: str = typer.Option(...), name: str = typer.Option(...),
                      role: str = typer.Option(..., help="referrer, panel-member, panel-chair, council-admin or "
                                                         "data-protection-officer"),
                      organisation: str = typer.Option(...),
                      panel: str | None = typer.Option(None, help="The panel's id, for a panel member or chair")
                      ) -> None:
    """Add a member of staff; prints a random password to hand them securely (shown once, only its hash stored)."""
    from intake.service_layer import accounts

    user_id, password = _accounts(lambda engine: accounts.add_user(
        engine, email=email, name=name, role=role, organisation=organisation, panel_id=panel))
    print(f"added {user_id} ({role}); password, shown once: {password}")


@accounts_app.command("reset-password")
def accounts_reset_password(email: str = typer.Option(...)) -> None:
    """A new random password for a member of staff (the old one stops working, and every session
    they have open ends)."""
    from intake.service_layer import accounts

    password = _accounts(lambda engine: accounts.reset_password(engine, email))
    print(f"new password, shown once: {password}")


@accounts_app.command("disable-user")
def accounts_disable_user(email: str = typer.Option(...),
                          enable: bool = typer.Option(False, "--enable", help="Let them sign in again")) -> None:
    """Stop a member of staff signing in (their history stays theirs); every session they have open
    ends on every service within seconds; --enable undoes it."""
    from intake.service_layer import accounts

    _accounts(lambda engine: accounts.set_user_disabled(engine, email, not enable))
    console.print(f"{email}: {'can sign in' if enable else 'can no longer sign in; their sessions end'}")


@accounts_app.command("end-sessions")
def accounts_end_sessions(email: str | None = typer.Option(None, help="A member of staff's email address"),
                          client_id: str | None = typer.Option(None, help="A partner system's client id")) -> None:
    """End every session a member of staff (or every token a partner system) holds, on every service,
    within seconds, leaving the account as it is: a lost laptop, a leaked token. They sign in again."""
    from intake.service_layer import accounts

    reference = _accounts(lambda engine: accounts.end_every_session(engine, email=email, client_id=client_id))
    console.print(f"{reference}: every session open now ends")


@accounts_app.command("add-partner")
def accounts_add_partner(client_id: str = typer.Option(...), name: str = typer.Option(...),
                         scope: list[str] = typer.Option(..., help="Repeat for each: concerns:write, concerns:read, "
                                                                   "referrals:<pathway>:read"),
                         status_events: bool = typer.Option(True, help="Tell it on partner.<client id>.status.v1 "
                                                                       "what became of each concern it sends")) -> None:
    """Add a partner system (OAuth2 client credentials); prints its secret (shown once, never stored)."""
    from frontdoor_shared import topics
    from intake.service_layer import accounts

    secret = _accounts(lambda engine: accounts.add_partner(engine, client_id=client_id, name=name, scopes=scope,
                                                           status_events=status_events))
    print(f"added partner {client_id} ({' '.join(scope)}); client secret, shown once: {secret}")
    if status_events:
        print(f"it hears back on {topics.partner_status(client_id)}: give it read access to that topic alone "
              f"(Kafka: a prefixed ACL on partner.{client_id}.)")


@accounts_app.command("partner-status-events")
def accounts_partner_status_events(client_id: str = typer.Option(...),
                                   on: bool = typer.Option(..., "--on/--off", help="Start or stop them")) -> None:
    """Start or stop telling a partner system, on its own topic, what became of each concern it sends."""
    from intake.service_layer import accounts

    topic = _accounts(lambda engine: accounts.set_partner_status_events(engine, client_id, on))
    console.print(f"{client_id}: status events {'on, on ' + topic if on else 'off'}")


@accounts_app.command("disable-partner")
def accounts_disable_partner(client_id: str = typer.Option(...),
                             enable: bool = typer.Option(False, "--enable", help="Let it get tokens again")) -> None:
    """Stop a partner system getting tokens (those it holds are refused by every service within
    seconds); --enable undoes it."""
    from intake.service_layer import accounts

    _accounts(lambda engine: accounts.set_partner_disabled(engine, client_id, not enable))
    console.print(f"{client_id}: {'can get tokens' if enable else 'can no longer get tokens; its tokens end'}")


@accounts_app.command("list")
def accounts_list() -> None:
    """Every member of staff and partner system (no passwords or secrets: only their hashes are kept)."""
    from rich.markup import escape
    from rich.table import Table

    from intake.service_layer import accounts

    users, partners = _accounts(accounts.list_accounts)
    staff = Table("email", "name", "role", "organisation", "panel", "signs in", "role from")
    for u in users:
        staff.add_row(*(escape(str(v or "-")) for v in (u.email, u.name, u.role, u.organisation, u.panel_id)),
                      "no" if u.disabled else "yes", "council's directory" if u.managed_by == "provider" else "here")
    console.print(staff)
    systems = Table("partner (client id)", "name", "scopes", "tokens", "hears back")
    systems.columns[0].no_wrap = True
    for c in partners:
        systems.add_row(escape(c.client_id), escape(c.name), escape(c.scopes), "no" if c.disabled else "yes",
                        "yes" if c.status_events else "no")
    console.print(systems)
    console.print(f"{len(users)} member(s) of staff, {len(partners)} partner system(s)")


keys_app = typer.Typer(help="Secrets and keys for a production deployment.")
app.add_typer(keys_app, name="keys")


@keys_app.command("generate")
def keys_generate() -> None:
    """Print fresh secrets and key pairs as environment lines for deploy/.env (keep them secret)."""
    import json
    import secrets

    from joserfc.jwk import ECKey

    from frontdoor_shared.at_rest import generate_kek
    from frontdoor_shared.sealed import generate_keypair

    private, public = generate_keypair()
    partner = ECKey.generate_key("P-256", {"kid": "intake-partner-1", "use": "enc"}, private=True)
    print(f"FRONTDOOR_AUTH_SECRET={secrets.token_urlsafe(48)}")
    print(f"INTAKE_MATCH_KEY={secrets.token_urlsafe(48)}")
    print(f"NOTIFICATIONS_PRIVATE_KEY={private}")
    print(f"INTAKE_NOTIFICATIONS_PUBLIC_KEY={public}")
    print(f"EARLY_YEARS_NOTIFICATIONS_PUBLIC_KEY={public}")
    print(f"INTAKE_PARTNER_PRIVATE_JWK='{json.dumps(partner.as_dict(private=True))}'")
    for service in ("INTAKE", "EARLY_YEARS", "NOTIFICATIONS"):
        key_id = f"{service.lower().replace('_', '-')}-{datetime.now(UTC):%Y%m%d}"
        print(f"{service}_DATA_KEYS='{json.dumps({key_id: generate_kek()})}'")
        print(f"{service}_DATA_KEY_ID={key_id}")


@keys_app.command("check-partners")
def keys_check_partners(path: Path = typer.Argument(..., help="The file INTAKE_PARTNER_SIGNING_KEYS_FILE names")
                        ) -> None:
    """Check the partners' signing keys file as intake reads it at start-up: each partner and its
    key ids, or the mistake (partner, key and why) and exit code 1."""
    from rich.markup import escape
    from rich.table import Table

    from intake.adapters.partner_signing import PartnerKeysError, load_partner_keys

    try:
        signing = load_partner_keys(path, "refuse")
    except PartnerKeysError as err:
        console.print(f"[red]{escape(str(err))}[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
    table = Table("partner (client id)", "signing key ids")
    for partner, keys in sorted(signing.keys.items()):
        table.add_row(escape(partner), ", ".join(escape(str(k.kid)) for k in keys.keys))
    console.print(table)
    console.print(f"{len(signing.keys)} partner(s): each must sign every concern it sends on partner.concerns.v1")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-wrap every data key under the current key-encryption key, beside the running services.

    First add the new key to INTAKE_DATA_KEYS / EARLY_YEARS_DATA_KEYS / NOTIFICATIONS_DATA_KEYS, make
    it the *_DATA_KEY_ID and restart the services (they read with any configured key, so nothing stops); then run this
    with the same environment. When it reports 0 left, remove the old key."""
    from frontdoor_cli.ops import rotate_data_keys

    for service, (rewrapped, left) in asyncio.run(rotate_data_keys(_database_url())).items():
        console.print(f"{service}: {rewrapped} data key(s) re-wrapped, {left} still under an older key")


if __name__ == "__main__":
    app()
