"""Rows of a running Simak installation (people, merges, mentions, follow-ups in every
status, deliveries, ideas and groups, digests, alerts, audit, users), written at any older
schema revision: columns that revision lacks are left out, required columns the rows do
not name get a filler. For upgrade tests (test_migrations.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def t(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


BRAND = "kopi-senja"
TEXTS = [
    "Kopi Senja hari ini enak banget, baristanya ramah 😍",
    "@kopisenja saya kena double charge, tolong refund segera!",
    "Kopi Senja please add oat milk, would be nice",
    "pesanan di app Kopi Senja gak bisa login udah 3 hari, kecewa",
    "makasih Kopi Senja, latte nya mantap seperti biasa",
    "Kopi Senja AC mati, panas banget 🥵 tolong diperbaiki",
    "Kopi Senja kasirnya jutek, sudah dua kali begini",
    "Kopi Senja tolong tambah menu tanpa gula ya",
    "Kopi Senja — great flat white, 10/10 ☕",
    "Kopi Senja struk saya salah, dibayar 2x",
    "Kopi Senja bikin oat milk dong pls",
    "Kopi Senja, add a loyalty card please",
    "Kopi Senja: wifi mati terus 😤",
]
# person of each mention (None: anonymous)
AUTHOR = [1, 2, 3, 5, 1, 6, 7, 8, 3, 2, 1, 3, None]
HANDLE = {1: 1, 2: 2, 3: 4, 5: 5, 6: 6, 7: 7, 8: 8}
FU_STATUS = {  # mention index -> follow-up status (one open conversation per person)
    1: ("open", 2),
    2: ("approved", 3),
    3: ("snoozed", 5),
    5: ("sending", 6),
    6: ("unknown", 7),
    7: ("failed", 8),
    9: ("sent", 2),
    0: ("done", 1),
    4: ("dismissed", 1),
    12: ("handed_to_staff", None),
    8: ("sent", 3),
}
DELIVERY = {5: "sending", 6: "unknown", 7: "failed", 9: "sent", 12: "handed_to_staff", 8: "sent"}


def rows() -> dict[str, list[dict[str, Any]]]:
    d: dict[str, list[dict[str, Any]]] = {}
    d["people"] = [
        {"id": 1, "display_name": "Rina", "created_at": t(0)},
        {"id": 2, "display_name": "Budi Santoso", "email": "budi@example.id", "created_at": t(0)},
        {"id": 3, "display_name": "Sarah K", "created_at": t(0)},
        {"id": 4, "display_name": "budi (mastodon)", "created_at": t(0), "merged_into_id": 2},
        {
            "id": 5,
            "display_name": "Joko",
            "created_at": t(0),
            "do_not_contact_at": t(5),
            "do_not_contact_by": "dina",
            "do_not_contact_reason": "asked us to stop",
        },
        {"id": 6, "display_name": "Ayu 🌸", "created_at": t(0)},
        {"id": 7, "display_name": "Dewi", "created_at": t(0)},
        {"id": 8, "display_name": "Made", "created_at": t(0)},
    ]
    d["handles"] = [
        {"id": 1, "person_id": 1, "platform": "x", "key": "rina_ngopi", "handle": "rina_ngopi"},
        {"id": 2, "person_id": 2, "platform": "x", "key": "budi99", "handle": "budi99"},
        {
            "id": 3,
            "person_id": 2,
            "platform": "mastodon",
            "key": "budi@m.social",
            "handle": "budi@m.social",
        },
        {"id": 4, "person_id": 3, "platform": "reddit", "key": "sarah_k", "handle": "sarah_k"},
        {"id": 5, "person_id": 5, "platform": "x", "key": "joko", "handle": "joko"},
        {
            "id": 6,
            "person_id": 6,
            "platform": "email",
            "key": "ayu@example.id",
            "email": "ayu@example.id",
        },
        {"id": 7, "person_id": 7, "platform": "x", "key": "dewi", "handle": "dewi"},
        {"id": 8, "person_id": 8, "platform": "x", "key": "made", "handle": "made"},
    ]
    d["person_merges"] = [
        {
            "id": 1,
            "kept_id": 2,
            "merged_id": 4,
            "handle_ids": [3],
            "reason": "same email",
            "actor": "dina",
            "at": t(2),
            "folded": [],
        },
    ]
    d["merge_suggestions"] = [
        {
            "id": 1,
            "person_id": 1,
            "other_id": 6,
            "reason": "similar name",
            "status": "open",
            "created_at": t(2),
        },
    ]
    d["mentions"] = []
    d["classifications"] = []
    for i, text in enumerate(TEXTS):
        pid = AUTHOR[i]
        status = "routed" if i in FU_STATUS or i in (10, 11) else "classified"
        d["mentions"].append(
            {
                "id": i + 1,
                "platform": "x",
                "external_id": f"x-{i + 1}",
                "source": "export",
                "brand": BRAND,
                "person_id": pid,
                "handle_id": HANDLE.get(pid) if pid else None,
                "author_handle": f"user{i}",
                "author_name": f"User {i}",
                "text": text,
                "text_hash": f"{i:064d}",
                "lang": "id",
                "url": f"https://x.example/{i + 1}",
                "created_at": t(i),
                "fetched_at": t(i + 0.5),
                "raw_json": '{"k": "v"}',
                "status": status,
            }
        )
        label = "idea" if i in (2, 7, 10, 11) else "praise" if i in (0, 4, 8) else "complaint"
        d["classifications"].append(
            {
                "id": i + 1,
                "mention_id": i + 1,
                "labels": [label],
                "praise": 0.1,
                "complaint": 0.8,
                "idea": 0.1,
                "lang": "id",
                "model": "keywords",
                "created_at": t(i + 0.6),
                "is_current": True,
                "severity": "high" if i == 1 else "normal",
            }
        )
    d["mentions"].append(
        {  # a duplicate, and one never classified
            "id": 14,
            "platform": "x",
            "external_id": "x-14",
            "source": "export",
            "brand": BRAND,
            "text": TEXTS[0],
            "text_hash": f"{0:064d}",
            "created_at": t(14),
            "fetched_at": t(14),
            "raw_json": "{}",
            "status": "duplicate",
            "duplicate_of_id": 1,
        }
    )
    d["mentions"].append(
        {
            "id": 15,
            "platform": "x",
            "external_id": "x-15",
            "source": "export",
            "brand": BRAND,
            "text": "Kopi Senja baru buka?",
            "text_hash": "f" * 64,
            "created_at": t(15),
            "fetched_at": t(15),
            "raw_json": "{}",
            "status": "new",
        }
    )
    d["classifications"].append(
        {  # a corrected, no longer current classification
            "id": 20,
            "mention_id": 2,
            "labels": ["praise"],
            "praise": 0.6,
            "complaint": 0.2,
            "idea": 0.2,
            "lang": "id",
            "model": "keywords",
            "created_at": t(1),
            "is_current": False,
        }
    )
    d["followups"] = []
    d["followup_events"] = []
    d["followup_mentions"] = []
    d["deliveries"] = []
    for n, (i, (status, pid)) in enumerate(sorted(FU_STATUS.items()), start=1):
        label = d["classifications"][i]["labels"][0]
        d["followups"].append(
            {
                "id": n,
                "mention_id": i + 1,
                "person_id": pid,
                "status": status,
                "label": label,
                "priority": 70,
                "due_at": t(i + 24),
                "channel": "email" if pid else "manual",
                "lang": "id",
                "subject": "Tentang Kopi Senja",
                "draft": f"Halo, terima kasih {n} 🙏",
                "idempotency_key": f"simak-fu-{n}",
                "created_at": t(i + 1),
                "updated_at": t(i + 2),
                "sent_at": t(i + 3) if status == "sent" else None,
                "version": 3,
                "snoozed_until": t(48) if status == "snoozed" else None,
                "approved_by": "dina" if status not in ("open", "snoozed", "dismissed") else None,
                "approved_at": t(i + 2) if status not in ("open", "snoozed", "dismissed") else None,
                "recipient": {"email": "x@example.id"} if pid else None,
                "brand": BRAND,
                "last_post_at": t(i),
                "kind": "conversation",
                "severity": "normal",
                "severity_score": 0.0,
            }
        )
        d["followup_events"].append(
            {
                "followup_id": n,
                "from_status": None,
                "to_status": "open",
                "actor": "simak",
                "at": t(i + 1),
            }
        )
        if status != "open":
            d["followup_events"].append(
                {
                    "followup_id": n,
                    "from_status": "open",
                    "to_status": status,
                    "actor": "dina",
                    "at": t(i + 2),
                    "note": "catatan ✓",
                }
            )
        d["followup_mentions"].append({"mention_id": i + 1, "followup_id": n, "added_at": t(i + 1)})
        if i in DELIVERY:
            dstatus = DELIVERY[i]
            d["deliveries"].append(
                {
                    "followup_id": n,
                    "attempt": 1,
                    "channel": "email",
                    "recipient": {"email": "x@example.id"},
                    "idempotency_key": f"simak-fu-{n}-1",
                    "subject": "Tentang Kopi Senja",
                    "body": "Halo",
                    "status": dstatus,
                    "claimed_by": "host:1",
                    "lease_expires_at": t(i + 3),
                    "started_at": t(i + 2),
                    "finished_at": None if dstatus == "sending" else t(i + 2.1),
                    "detail": "SMTP 451" if dstatus == "failed" else None,
                }
            )
    d["ideas"] = [
        {
            "id": 1,
            "mention_id": 3,
            "person_id": 3,
            "brand": BRAND,
            "group_key": "oat",
            "title": "oat milk",
            "status": "planned",
            "created_at": t(3),
            "group_id": 1,
        },
        {
            "id": 2,
            "mention_id": 11,
            "person_id": 1,
            "brand": BRAND,
            "group_key": "oat",
            "title": "oat milk",
            "status": "planned",
            "created_at": t(11),
            "group_id": 1,
        },
        {
            "id": 3,
            "mention_id": 12,
            "person_id": 3,
            "brand": BRAND,
            "group_key": "loyalty",
            "title": "loyalty card",
            "status": "new",
            "created_at": t(12),
            "group_id": 2,
        },
        {
            "id": 4,
            "mention_id": 8,
            "person_id": 8,
            "brand": BRAND,
            "group_key": "sugar",
            "title": "menu tanpa gula",
            "status": "considering",
            "created_at": t(8),
            "group_id": None,
        },
    ]
    d["idea_groups"] = [
        {
            "id": 1,
            "brand": BRAND,
            "title": "Oat milk",
            "renamed": True,
            "status": "planned",
            "note": "Q1",
            "space": "emb-v1",
            "centroid": b"\x00\x01" * 16,
            "size": 2,
            "created_at": t(3),
            "updated_at": t(11),
        },
        {
            "id": 2,
            "brand": BRAND,
            "title": "Loyalty card",
            "renamed": False,
            "status": "new",
            "space": "emb-v1",
            "centroid": b"\x02" * 32,
            "size": 1,
            "created_at": t(12),
            "updated_at": t(12),
        },
    ]
    d["digests"] = [
        {
            "id": 1,
            "brand": BRAND,
            "day": "2026-11-20",
            "status": "sent",
            "holder": "h",
            "created_at": t(20),
            "sent_at": t(20),
        },
        {
            "id": 2,
            "brand": BRAND,
            "day": "2026-11-21",
            "status": "sending",
            "holder": "h",
            "created_at": t(44),
        },
    ]
    d["alerts"] = [
        {
            "id": 1,
            "brand": BRAND,
            "label": "complaint",
            "day": "2026-11-20",
            "observed": 9,
            "expected": 2.5,
            "p_value": 0.001,
            "status": "sent",
            "holder": "h",
            "created_at": t(10),
            "sent_at": t(10),
        },
    ]
    d["audit_log"] = [
        {
            "id": 1,
            "at": t(2),
            "actor": "dina",
            "action": "followup.approve",
            "entity": "followup",
            "entity_id": "2",
            "detail": '{"v": 2}',
        },
        {
            "id": 2,
            "at": t(3),
            "actor": "dina",
            "action": "people.merge",
            "entity": "person",
            "entity_id": "2",
            "detail": "kept 2, merged 4",
        },
    ]
    d["users"] = [
        {
            "id": 1,
            "name": "dina",
            "role": "admin",
            "password_hash": "scrypt$x",
            "disabled": False,
            "created_at": t(0),
        },
        {
            "id": 2,
            "name": "andi",
            "role": "staff",
            "password_hash": "scrypt$y",
            "disabled": True,
            "created_at": t(0),
        },
    ]
    d["person_notes"] = [
        {"id": 1, "person_id": 2, "author": "dina", "text": "prefers email", "at": t(4)},
    ]
    d["source_state"] = [
        {
            "name": "export",
            "platform": "files",
            "cursor": '{"offset": 10}',
            "last_run_at": t(20),
            "last_success_at": t(20),
            "consecutive_failures": 0,
            "fetched_last_run": 3,
            "stored_last_run": 3,
            "reads_last_run": 1,
            "warnings_last_run": 0,
            "last_warning": "line 3: no text",
        },
    ]
    d["leases"] = [
        {"name": "source:export", "holder": "h", "acquired_at": t(20), "expires_at": t(20.1)}
    ]
    return d


# insertion order (parents first); tables created later are skipped while absent
ORDER = [
    "people",
    "handles",
    "person_merges",
    "merge_suggestions",
    "mentions",
    "classifications",
    "idea_groups",
    "followups",
    "followup_events",
    "followup_mentions",
    "deliveries",
    "ideas",
    "digests",
    "alerts",
    "audit_log",
    "users",
    "person_notes",
    "source_state",
    "leases",
]


def _filler(col: sa.Column[Any]) -> Any:
    ty = col.type
    if isinstance(ty, sa.Boolean):
        return False
    if isinstance(ty, (sa.Integer, sa.Float, sa.Numeric)):
        return 0
    if isinstance(ty, sa.DateTime):
        return T0
    if isinstance(ty, sa.JSON):
        return {}
    if isinstance(ty, sa.LargeBinary):
        return b""
    return "x"


def fill(conn: sa.Connection) -> dict[str, list[str]]:
    """Insert the dataset; return table -> columns written (to compare after upgrading)."""
    meta = sa.MetaData()
    meta.reflect(conn)
    written: dict[str, list[str]] = {}
    data = rows()
    for name in ORDER:
        if name not in meta.tables:
            continue
        table = meta.tables[name]
        cols = set(table.c.keys())
        for row in data[name]:
            values = {k: v for k, v in row.items() if k in cols}
            for c in table.c:
                if (
                    c.name not in values
                    and not c.nullable
                    and c.server_default is None
                    and not c.primary_key
                ):
                    values[c.name] = _filler(c)
            conn.execute(table.insert(), values)
        written[name] = sorted(cols - {"group_key", "group_id"} if name == "ideas" else cols)
        if conn.dialect.name == "postgresql" and "id" in cols and data[name]:
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT max(id) FROM {name}))"
            )
    return written


def snapshot(
    conn: sa.Connection, written: dict[str, list[str]]
) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for name, cols in written.items():
        q = ", ".join(f'"{c}"' for c in cols)
        got = [tuple(r) for r in conn.exec_driver_sql(f"SELECT {q} FROM {name}").all()]
        out[name] = sorted(got, key=repr)
    return out
