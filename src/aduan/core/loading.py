"""What an idempotent loader reports back: how many rows it saw, created and updated."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LoadResult:
    total: int = 0
    created: int = 0
    updated: int = 0

    @property
    def unchanged(self) -> int:
        return self.total - self.created - self.updated

    def __iadd__(self, other: LoadResult) -> LoadResult:
        self.total += other.total
        self.created += other.created
        self.updated += other.updated
        return self
