"""The witness: a keyed checkpoint of every audit record, appended to a file outside the database.

The hash chains make a changed, inserted or removed row evident, except at the end: someone
who can write the database can delete a chain's newest rows and point its head row at the
new last one. The witness closes that gap. After each audit record's transaction commits,
one line is appended to ``AUDIT_WITNESS_PATH``::

    w1 chain=3 seq=1042 hash=<64 hex> at=2026-11-27T15:30:00.123456Z mac=<64 hex>

``mac`` is HMAC-SHA256 over the line up to `` mac=`` with the witness key, which is derived
from ``AUDIT_HMAC_KEY`` (so a line cannot be forged without that key, and a witness MAC can
never be confused with a chain hash). ``ketaclinic audit verify`` compares the chains with
the lines: a witnessed record that is no longer in its chain means rows were removed from
the end; a witnessed hash that differs from the chain's means the chain was rewritten.

Lines are written with one ``write()`` on a descriptor opened with ``O_APPEND``: POSIX makes
the move to the end and the write one step, and a line of under 200 bytes is written whole
on local Linux file systems, so every gunicorn worker of a server can share one file. The
file is opened for each line so that rotation by renaming needs no signal. A line that
cannot be written never undoes the clinical write (it is written after the commit): the
error is logged and ``verify`` reports the chain's witness as behind. See docs/security.md
for what this does and does not detect, and docs/deploy.md for several servers.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import hmac
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import transaction

__all__ = [
    "Checkpoint",
    "WitnessLog",
    "WitnessProblem",
    "append_checkpoint",
    "format_line",
    "read_witness",
    "witness_on_commit",
]

logger = logging.getLogger("ketaclinic.audit.witness")

VERSION = "w1"
#: The witness key is K = HMAC-SHA256(AUDIT_HMAC_KEY, [1]_32 || Label || 0x00 || Context ||
#: [256]_32): NIST SP 800-108r1's KDF in counter mode [SP800-108r1], one 256-bit block. A
#: separate key means a witness MAC can never be replayed as a chain hash, or the other way.
_KDF_INPUT = (
    (1).to_bytes(4, "big")
    + b"ketaclinic audit witness"
    + b"\x00"
    + b"w1"
    + (256).to_bytes(4, "big")
)
# search, not match: lines shipped through syslog or journald arrive with a prefix.
_LINE = re.compile(
    r"(?P<body>w1 chain=(?P<chain>\d+) seq=(?P<seq>\d+) hash=(?P<hash>[0-9a-f]{64})"
    r" at=(?P<at>\S+)) mac=(?P<mac>[0-9a-f]{64})\s*$"
)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The witness saw record ``seq`` of ``chain`` with ``hash`` at time ``at``."""

    chain: int
    seq: int
    hash: str
    at: str


@dataclass(frozen=True, slots=True)
class WitnessProblem:
    """A witness line that cannot be trusted or read."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"witness {self.path} line {self.line}: {self.reason}"


@dataclass(slots=True)
class WitnessLog:
    """Every checkpoint read from one or more witness files, by chain and sequence number."""

    paths: tuple[str, ...] = ()
    seen: dict[int, dict[int, str]] = field(default_factory=dict)
    problems: list[WitnessProblem] = field(default_factory=list)
    lines: int = 0

    def newest(self, chain: int) -> int | None:
        """The highest sequence number witnessed for ``chain``, if any."""
        seqs = self.seen.get(chain)
        return max(seqs) if seqs else None


def _key() -> bytes:
    return _derive_key(settings.AUDIT_HMAC_KEY)


@functools.lru_cache(maxsize=4)
def _derive_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _KDF_INPUT, hashlib.sha256).digest()


def _mac(body: str) -> str:
    return hmac.new(_key(), body.encode(), hashlib.sha256).hexdigest()


def format_line(checkpoint: Checkpoint) -> bytes:
    """One witness line, newline included (about 190 bytes)."""
    body = (
        f"{VERSION} chain={checkpoint.chain} seq={checkpoint.seq} "
        f"hash={checkpoint.hash} at={checkpoint.at}"
    )
    return f"{body} mac={_mac(body)}\n".encode()


def append_checkpoint(chain: int, seq: int, hash_: str, path: Path | None = None) -> bool:
    """Append the checkpoint of one record; log an error and return False if it fails."""
    target = Path(settings.AUDIT_WITNESS_PATH) if path is None else path
    at = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    data = format_line(Checkpoint(chain, seq, hash_, at))
    try:
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
        try:
            written = os.write(fd, data)
        finally:
            os.close(fd)
    except OSError as exc:
        written, reason = -1, exc.strerror or type(exc).__name__
    else:
        reason = "short write (disk full?)"
    if written == len(data):
        return True
    # No PHI here: a chain key and a sequence number only.
    logger.error(
        "audit witness: could not append record #%s of chain %s to %s (%s); "
        "`ketaclinic audit verify` will report this chain's witness as behind",
        seq,
        chain,
        target,
        reason,
    )
    return False


def witness_on_commit(chain: int, seq: int, hash_: str) -> None:
    """Append the checkpoint once the current transaction commits (never if it rolls back)."""
    transaction.on_commit(partial(append_checkpoint, chain, seq, hash_), robust=True)


def read_witness(paths: Iterable[Path]) -> WitnessLog:
    """Read and check every line of the given witness files (``.gz`` files too).

    Raises:
        OSError: a file cannot be read.
    """
    log = WitnessLog()
    for path in paths:
        log.paths += (str(path),)
        for number, text in _lines(path):
            log.lines += 1
            _add_line(log, str(path), number, text)
    return log


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as stream:
        for number, text in enumerate(stream, start=1):
            if text.strip():
                yield number, text


def _add_line(log: WitnessLog, path: str, number: int, text: str) -> None:
    match = _LINE.search(text)
    if match is None:
        log.problems.append(WitnessProblem(path, number, "not a witness line (cut short?)"))
        return
    if not hmac.compare_digest(match["mac"], _mac(match["body"])):
        log.problems.append(
            WitnessProblem(
                path,
                number,
                f"its MAC does not verify (record #{match['seq']} of chain {match['chain']}: "
                "the line was altered, or written with another key)",
            )
        )
        return
    chain, seq = int(match["chain"]), int(match["seq"])
    seen = log.seen.setdefault(chain, {})
    earlier = seen.setdefault(seq, match["hash"])
    if earlier != match["hash"]:
        log.problems.append(
            WitnessProblem(
                path,
                number,
                f"record #{seq} of chain {chain} was witnessed before with another hash "
                "(the chain was rewritten, or the database was restored from a backup)",
            )
        )
