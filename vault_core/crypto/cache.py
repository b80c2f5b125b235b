"""A bounded, expiring cache of unwrapped data keys, so hot objects skip a KMS round trip."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["KeyCache"]


class KeyCache:
    """Thread-safe LRU of at most ``max_entries`` keys, each kept at most ``ttl_seconds``.

    Entries are indexed by an opaque digest (never the key) and remember the wrapping-key id, so
    destroying a wrapping key can evict every data key it protected from this process at once.
    """

    def __init__(
        self,
        max_entries: int = 1024,
        ttl_seconds: float = 300.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create an empty cache; ``max_entries`` 0 disables caching."""
        if max_entries < 0 or ttl_seconds < 0:
            raise ValueError("max_entries and ttl_seconds must not be negative")
        self.max_entries = max_entries
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._entries: OrderedDict[bytes, tuple[float, str, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, index: bytes) -> bytes | None:
        """Return the cached key for ``index`` if present and not expired."""
        with self._lock:
            entry = self._entries.get(index)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._entries[index]
                return None
            self._entries.move_to_end(index)
            return entry[2]

    def put(self, index: bytes, key_id: str, key: bytes) -> None:
        """Remember ``key`` (protected by ``key_id``), evicting the least recently used."""
        if self.max_entries == 0:
            return
        with self._lock:
            self._entries[index] = (self._clock() + self.ttl_seconds, key_id, key)
            self._entries.move_to_end(index)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def evict_key_id(self, key_id: str) -> None:
        """Forget every data key protected by ``key_id`` (used when it is destroyed)."""
        with self._lock:
            for index in [i for i, e in self._entries.items() if e[1] == key_id]:
                del self._entries[index]

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
