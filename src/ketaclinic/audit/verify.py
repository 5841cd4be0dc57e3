"""Checking the hash chains, one chain at a time, against their head rows."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ketaclinic.accounts.models import Clinic
from ketaclinic.audit.chain import GENESIS_HASH, SYSTEM_CHAIN, event_values, link_hash
from ketaclinic.audit.models import AuditEvent, ChainHead

__all__ = ["ChainReport", "all_chains", "chain_label", "verify_chain", "verify_chains"]


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The verdict on one chain. ``broken_seq``/``broken_id`` name the first bad record."""

    chain: int
    label: str
    ok: bool
    checked: int
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class _Break:
    seq: int | None
    row_id: int | None
    reason: str


def chain_label(chain: int) -> str:
    """How a chain is named in reports: its clinic's name and code, or "the system chain"."""
    if chain == SYSTEM_CHAIN:
        return "the system chain"
    clinic = Clinic.objects.filter(pk=chain).values_list("name", "code").first()
    if clinic is None:
        return f"clinic id {chain} (no such clinic)"
    return f'clinic "{clinic[0]}" ({clinic[1]})'


def all_chains() -> list[int]:
    """Every chain that has a head row or a record."""
    keys = set(ChainHead.objects.values_list("chain", flat=True))
    keys.update(AuditEvent.objects.values_list("chain", flat=True).distinct())
    return sorted(keys)


def verify_chains(chains: Iterable[int] | None = None) -> list[ChainReport]:
    """Verify the given chains (default: all of them), one report each."""
    keys = all_chains() if chains is None else list(chains)
    return [verify_chain(chain) for chain in keys]


def verify_chain(chain: int, batch_size: int = 5000) -> ChainReport:
    """Walk one chain in order and return where it first breaks, if anywhere."""
    label = chain_label(chain)
    expected_prev, checked = GENESIS_HASH, 0
    for event in _iter_events(chain, batch_size):
        broken = _check_link(event, checked + 1, expected_prev)
        if broken is not None:
            return ChainReport(chain, label, False, checked, *_fields(broken))
        expected_prev = event.hash
        checked += 1
    broken = _check_end(chain, checked, expected_prev)
    if broken is not None:
        return ChainReport(chain, label, False, checked, *_fields(broken))
    return ChainReport(chain, label, True, checked)


def _fields(broken: _Break) -> tuple[int | None, int | None, str]:
    return broken.seq, broken.row_id, broken.reason


def _check_link(event: AuditEvent, expected_seq: int, expected_prev: str) -> _Break | None:
    if event.seq != expected_seq:
        return _Break(
            expected_seq,
            None,
            f"record #{expected_seq} is missing (next present is #{event.seq})",
        )
    if event.prev_hash != expected_prev:
        return _Break(event.seq, event.pk, "its link to the previous record does not match")
    if not hmac.compare_digest(event.hash, link_hash(event.prev_hash, event_values(event))):
        return _Break(
            event.seq, event.pk, "its content does not match its hash (the row was changed)"
        )
    return None


def _check_end(chain: int, checked: int, last_hash: str) -> _Break | None:
    """Is the end of the chain where the head row says it is?"""
    head = ChainHead.objects.filter(chain=chain).values_list("seq", "hash").first()
    if head is None:
        if checked == 0:
            return None
        return _Break(None, None, f"the chain holds {checked} records but has no head row")
    if head[0] > checked:
        return _Break(
            checked + 1,
            None,
            f"the chain ends at #{checked} but the head says #{head[0]} "
            "(records were removed from the end)",
        )
    if head[0] < checked:
        return _Break(
            head[0] + 1,
            None,
            f"the head row says the chain ends at #{head[0]}, but it goes on to #{checked} "
            "(the head row was rewritten)",
        )
    if head[1] != last_hash:
        return _Break(
            checked,
            None,
            f"the head row's hash is not record #{checked}'s (the head row was rewritten)",
        )
    return None


def _iter_events(chain: int, batch_size: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        batch = list(
            AuditEvent.objects.filter(chain=chain, seq__gt=last).order_by("seq")[:batch_size]
        )
        if not batch:
            return
        yield from batch
        last = batch[-1].seq
