"""Checking the hash chains, one chain at a time, against their head rows and the witness."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ketaclinic.accounts.models import Clinic
from ketaclinic.audit.chain import GENESIS_HASH, SYSTEM_CHAIN, event_values, link_hash
from ketaclinic.audit.models import AuditEvent, ChainHead
from ketaclinic.audit.witness import WitnessLog

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
    #: The highest sequence number the witness saw in this chain (None: never witnessed).
    witnessed_seq: int | None = None
    #: The hash of the last record checked (the genesis hash for an empty chain).
    last_hash: str = GENESIS_HASH

    @property
    def witness_behind(self) -> bool:
        """Intact, but the newest records have no checkpoint: their removal would go unseen."""
        return self.ok and (self.witnessed_seq or 0) < self.checked


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


def all_chains(witness: WitnessLog | None = None) -> list[int]:
    """Every chain that has a head row, a record, or a witness line."""
    keys = set(ChainHead.objects.values_list("chain", flat=True))
    # order_by(): the default ordering's columns would join the DISTINCT, one row per record.
    keys.update(AuditEvent.objects.order_by().values_list("chain", flat=True).distinct())
    if witness is not None:
        keys.update(witness.seen)
    return sorted(keys)


def verify_chains(
    chains: Iterable[int] | None = None, witness: WitnessLog | None = None
) -> list[ChainReport]:
    """Verify the given chains (default: all of them), one report each."""
    keys = all_chains(witness) if chains is None else list(chains)
    return [verify_chain(chain, witness) for chain in keys]


def verify_chain(
    chain: int, witness: WitnessLog | None = None, batch_size: int = 5000
) -> ChainReport:
    """Walk one chain in order and return where it first breaks, if anywhere.

    The head row is read before the walk, as the witness is (by the caller): records
    appended while the chain is being walked come after both, so a live clinic's chain
    never looks cut short.
    """
    label = chain_label(chain)
    seen = witness.seen.get(chain, {}) if witness is not None else {}
    newest = witness.newest(chain) if witness is not None else None
    head = _head(chain)
    expected_prev, checked, hash_at_head = GENESIS_HASH, 0, GENESIS_HASH
    for event in _iter_events(chain, batch_size):
        broken = _check_link(event, checked + 1, expected_prev) or _check_witnessed(event, seen)
        if broken is not None:
            return ChainReport(chain, label, False, checked, *_fields(broken), newest)
        expected_prev = event.hash
        checked += 1
        if head is not None and event.seq == head[0]:
            hash_at_head = event.hash
    broken = _check_witnessed_end(label, checked, seen) or _check_head(
        chain, checked, head, hash_at_head
    )
    if broken is not None:
        return ChainReport(chain, label, False, checked, *_fields(broken), newest)
    return ChainReport(chain, label, True, checked, witnessed_seq=newest, last_hash=expected_prev)


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


def _check_witnessed(event: AuditEvent, seen: dict[int, str]) -> _Break | None:
    witnessed = seen.get(event.seq)
    if witnessed is None or hmac.compare_digest(witnessed, event.hash):
        return None
    return _Break(
        event.seq,
        event.pk,
        f"the witness saw record #{event.seq} with hash {witnessed}, but the chain's record "
        f"has hash {event.hash} (the chain was rewritten from here or before)",
    )


def _check_witnessed_end(label: str, checked: int, seen: dict[int, str]) -> _Break | None:
    newest = max(seen) if seen else 0
    if newest <= checked:
        return None
    return _Break(
        checked + 1,
        None,
        f"the witness saw record #{newest} of {label} with hash {seen[newest]}, "
        f"but the chain ends at #{checked} (records were removed from the end)",
    )


def _check_head(
    chain: int, checked: int, head: tuple[int, str] | None, hash_at_head: str
) -> _Break | None:
    """Is the end of the chain where its head row said it was before the walk?"""
    if head is not None and head[0] > checked:
        return _Break(
            checked + 1,
            None,
            f"the chain ends at #{checked} but the head says #{head[0]} "
            "(records were removed from the end)",
        )
    if head is not None and head[1] != hash_at_head:
        return _Break(
            head[0],
            None,
            f"the head row's hash is not record #{head[0]}'s (the head row was rewritten)",
        )
    after = _head(chain)  # read again: a first record may have come during the walk
    if after is None:
        if checked == 0:
            return None
        return _Break(None, None, f"the chain holds {checked} records but has no head row")
    if after[0] < checked:
        return _Break(
            after[0] + 1,
            None,
            f"the head row says the chain ends at #{after[0]}, but it goes on to #{checked} "
            "(the head row was rewritten)",
        )
    return None


def _head(chain: int) -> tuple[int, str] | None:
    return ChainHead.objects.filter(chain=chain).values_list("seq", "hash").first()


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
