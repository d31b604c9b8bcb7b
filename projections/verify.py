"""`evalctl verify`: replays the whole log and compares the result with the live read model,
naming every difference (a read model edited by hand, a projection bug, a lost update): each
card, the summary columns the standings read, and the roster."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.scoring import tally_of
from projections.read_model import ReadModel
from projections.reader import cards_as_stored
from projections.replay import replay_all


@dataclass(frozen=True)
class Difference:
    subject_id: str
    period: str | None
    what: str

    def __str__(self) -> str:
        where = f"{self.subject_id} {self.period}" if self.period else self.subject_id
        return f"{where}: {self.what}"


def _describe(live: dict | None, replayed: dict | None) -> str:
    if live is None:
        return "读模型中缺少这张考评表"
    if replayed is None:
        return "读模型中多出这张考评表(重放日志得不到)"
    fields = [k for k in ("total", "bonus", "vetoed", "veto_reasons") if live.get(k) != replayed.get(k)]
    if fields:
        return ";".join(f"{k}: 读模型 {live.get(k)},重放 {replayed.get(k)}" for k in fields)
    if live.get("sections") != replayed.get("sections"):
        return "分项得分不一致"
    return "明细条目不一致"


def verify(read_model: ReadModel, on_page: Callable[[int], None] | None = None) -> tuple[int, list[Difference]]:
    read_model.catch_up()
    with read_model.store.snapshot() as cur:
        position = read_model.writer.position(cur)
    live_cards = {(s, p): card for s, p, card in read_model.all_cards()}
    stored = cards_as_stored(read_model.store)
    live_subjects = {s["subject_id"]: s for kind in ("hall", "window", "worker")
                     for s in read_model.subjects_of_kind(kind)}
    book, replayed = replay_all(read_model.recorder, read_model.mapper, read_model.rulebooks, position, on_page)
    differences = []
    for key in sorted(set(live_cards) | set(replayed) | set(stored)):
        live = live_cards.get(key)
        again = replayed[key].as_dict() if key in replayed else None
        if live != again:
            differences.append(Difference(key[0], key[1], _describe(live, again)))
        elif key in stored and again is not None:
            summary = stored[key]
            tally = {k: v.as_json() for k, v in tally_of(replayed[key].lines).items()}
            if (summary["total"], summary["vetoed"], summary["tally"]) != (replayed[key].total, again["vetoed"], tally):
                differences.append(Difference(key[0], key[1], f"排名用的汇总列 {summary} 与考评表不一致"))
    live_books = {r.version: r for r in read_model.library().all()}
    replayed_books = {r.version: r for r in book.library().all()}
    for version in sorted(set(live_books) | set(replayed_books)):
        if live_books.get(version) != replayed_books.get(version):
            differences.append(Difference(f"考评标准 {version}", None, "读模型所知的版本与重放日志得到的不一致"))
    for subject_id in sorted(set(live_subjects) | set(book.subjects)):
        live, again = live_subjects.get(subject_id), book.subjects.get(subject_id)
        if live is not None:
            live = {k: v for k, v in live.items() if k != "created_position"}
        if again is not None:
            again = {k: v for k, v in again.items() if k != "position"}
        if live != again:
            differences.append(Difference(subject_id, None, f"对象信息不一致:读模型 {live},重放 {again}"))
    return position, differences
