"""Seed a running, migrated stack with `n` historical complaints, so the benchmarks can measure
acceptance and end-to-end latency with a year of data already stored (issue 9, deliverable 4).

    timings = await seed({"intake": url, "cases": url, "notify": url, "credit": url,
                          "publish": url}, 1_000_000)

What one complaint leaves behind, as the services would have written it (created over the past
year, districts d01-d10, mostly closed or registered):

- intake: the complaint (its idempotency key and request hash, real AES-GCM ciphertext of the
  worker's name, identity number and phone), its three R-INT-3 deadlines, its employer (R-INT-6
  totals; most employers also in credit's register), its events in the outbox (sent) and the
  events it consumed in the inbox (case decisions, case closed, notice delivered, register change);
- cases: roughly one case per complaint (one in twenty joins the case of the complaint before it):
  the case, its complaints, its timeline, its official number (number_sequences moved on), its
  rectification deadline, its hash-chained audit entries (the chain stays verifiable), its sent
  events and the accepted complaints it consumed;
- notify: the notice to the worker (registration answer, or correction notice) delivered through
  the filing channel, the event it came from (inbox) and the delivery event (outbox, sent);
- credit: the employers' register rows (version 1) and their change events (sent);
- publish: nothing: the seeded cases end without a penalty, so there is nothing to disclose.

Nothing seeded is work for the running services: every outbox row is sent, every notice
delivered, and every deadline is completed, already fired, or open but due a year or more from
now. Outbox and inbox rows are kept only within the services' retention periods (what a stack
applying them holds; `outbox_retention_hours=None`, `inbox_retention_hours=None` keep the whole
year, in which case start the stack with OUTBOX_RETENTION_HOURS / INBOX_RETENTION_HOURS above 9000
or its retention job deletes them while the benchmark runs).

Seeded employers are named `存量<run tag>批<number>号...` with credit codes `9199<4 chars>...`
(no such region), so live complaints never match a seeded employer or join a seeded case. Every
run has its own tag: seeding again adds to what is there.

Rows are generated inside PostgreSQL: one session computes each chunk of complaints
(`INSERT ... SELECT` over `generate_series`, deterministic pseudo-random attributes) and the chunk
is copied (binary COPY) into a session of each service, which derives its own rows from it with
`INSERT ... SELECT`; only the ciphertexts and the audit chain's hashes are computed here. The ids
are uniformly random UUIDs, but a complaint's other ids (case, notice, events, deadlines,
idempotency key, tracking code) share their first digits with it, so each chunk writes every
random-key index in one ordered sweep instead of at random (what makes 1M fit in minutes). The
services are seeded at once; their tables are VACUUMed and ANALYZEd at the end (so autovacuum has
nothing to do during the benchmark). Returns the seconds each service took (and `total`).
Measured on the 2-core machine, shared with other work: 10k in ~2 s, 1M in ~3.5 min, ~1.5 GB of
this process's memory at 1M.

    python -m bench.seed --n 10000 --db-suffix _bench1234   # the stack's databases
"""

# ruff: noqa: S608  (SQL built from this module's constants and numbers only, never from input)

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import io
import json
import math
import os
import random
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from labor_runtime.audit import GENESIS
from labor_runtime.crypto import FieldCipher
from labor_runtime.db import asyncpg_dsn
from labor_runtime.settings import DEV_FIELD_KEY, ServiceSettings

SERVICES = ("intake", "cases", "notify", "credit", "publish")
# Complaints per chunk (a transaction per service): a quarter of the run, so the services work on
# one chunk while the next is computed, at most 250k (each chunk sweeps every index once, ~1 KB
# per complaint held here). A multiple of 20: a joined pair never straddles two chunks.
CHUNK_MIN, CHUNK_MAX = 20_000, 250_000
EMPLOYERS_PER_COMPLAINT = 0.45
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CODE_REGION = "9199"  # 统一社会信用代码 region 99xxxx does not exist: no live code starts so
AUDIT_LOCK = 0x4C41424F52  # labor_runtime.audit's advisory lock: the chain is appended alone


def _default_hours(name: str, fallback: float) -> float:
    info = ServiceSettings.model_fields.get(name)
    value = info.default if info is not None else None
    return float(value) if isinstance(value, int | float) else fallback


DEFAULT_OUTBOX_RETENTION_HOURS = _default_hours("outbox_retention_hours", 24 * 7)
DEFAULT_INBOX_RETENTION_HOURS = _default_hours("inbox_retention_hours", 24 * 30)


@dataclass
class Run:
    """What every service's seeding shares: the same n, tag and clock derive the same rows."""

    n: int
    tag: str  # lower-case hex: ids, names, keys of this run
    code_tag: str  # 4 credit-code characters of this run
    salt: int
    anchor: datetime  # "now" of the seeded history; everything seeded happened before it
    outbox_since: datetime | None
    inbox_since: datetime | None
    cipher: FieldCipher
    case_prefix: str
    case_base: dict[int, int] = field(default_factory=dict)  # year -> last case number before

    @property
    def employers(self) -> int:
        return max(1, math.ceil(self.n * EMPLOYERS_PER_COMPLAINT))

    def chunks(self) -> list[tuple[int, int]]:
        size = min(CHUNK_MAX, max(CHUNK_MIN, math.ceil(self.n / 4 / 20) * 20))
        return [(lo, min(lo + size, self.n)) for lo in range(0, self.n, size)]

    def earliest(self, i: int) -> datetime:
        """No complaint from i on was received before this (see `_plan_sql`: rp)."""
        return self.anchor - timedelta(days=365) + (i / self.n) * timedelta(days=364)


# --- SQL building blocks ------------------------------------------------------------------------


def _lit(value: datetime | None) -> str:
    return "'-infinity'::timestamptz" if value is None else f"'{value.isoformat()}'::timestamptz"


def _functions(run: Run) -> list[str]:
    """Session-local helpers (pg_temp: gone with the connection): a deterministic uniform
    number in [0, 1) per (key, salt), a version-4-looking UUID per (kind, key), and one that
    shares its leading digits with another id."""
    return [
        f"""CREATE FUNCTION pg_temp.su(k bigint, s int) RETURNS double precision
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
            $$ SELECT (hashint8extended(k, {run.salt}::bigint * 1000 + s) & 2147483647)::float8
                      / 2147483648.0 $$""",
        f"""CREATE FUNCTION pg_temp.suuid(kind text, k bigint) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
            $$ SELECT overlay(overlay(md5('{run.tag}:' || kind || ':' || k) placing '4' from 13)
                              placing '8' from 17)::uuid::text $$""",
        # The same, but sharing its first 8 hex digits with the id `near` (e.g. the complaint's):
        # still uniformly random, yet rows sorted by complaint id are sorted by these ids too,
        # so every index a chunk writes to is swept in order instead of hit at random.
        """CREATE FUNCTION pg_temp.sid(kind text, k bigint, near text) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
            $$ SELECT left(near, 8) || substr(pg_temp.suuid(kind, k), 9) $$""",
    ]


def complaint_id(tag: str, i: int) -> str:
    """The id `pg_temp.suuid('c', i)` gives complaint i (the ciphertexts are bound to it)."""
    h = hashlib.md5(f"{tag}:c:{i}".encode(), usedforsecurity=False).hexdigest()
    h = h[:12] + "4" + h[13:16] + "8" + h[17:]
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _credit_code_sql(e: str, run: Run) -> str:
    """GB 32100-2015 code of employer `e`: region 9199, the run's 4 characters, e in base 31 and
    the check character (weights 3^i mod 31), computed by arithmetic alone."""
    prefix = CODE_REGION + run.code_tag
    base = sum(CREDIT_CODE_ALPHABET.index(c) * pow(3, p, 31) for p, c in enumerate(prefix))
    digits = [f"(({e}) / {31 ** k} % 31)" for k in range(8, -1, -1)]  # positions 8..16
    chars = " || ".join(f"substr('{CREDIT_CODE_ALPHABET}', {d}::int + 1, 1)" for d in digits)
    total = " + ".join([str(base), *(f"{d} * {pow(3, 8 + j, 31)}" for j, d in enumerate(digits))])
    check = f"substr('{CREDIT_CODE_ALPHABET}', ((31 - ({total}) % 31) % 31)::int + 1, 1)"
    return f"('{prefix}' || {chars} || {check})"


SUFFIXES = ("建筑工程有限公司", "劳务派遣有限公司", "餐饮管理有限公司", "服装制造有限公司",
            "物业服务有限公司", "电子科技有限公司")
INDUSTRIES = ("construction", "labor_dispatch", "catering", "manufacturing", "property",
              "manufacturing")
DISTRICT_NAMES = ("鼓楼区", "台江区", "仓山区", "晋安区", "马尾区", "长乐区", "闽侯县", "连江县",
                  "罗源县", "闽清县")
SUMMARIES = ("项目完工后工资一直未结清", "连续三个月未发放工资", "包工头失联，工资无人支付",
             "离职后工资未结算", "加班费和最后一个月工资未支付")
REFUSALS = ("不属于劳动保障监察管辖范围 (not within labour inspection jurisdiction)",
            "投诉事项已由劳动人事争议仲裁委员会受理 (already before labour arbitration)",
            "现有证据不足以证明存在欠薪 (the evidence does not show arrears)")
CLOSE_REASON = "工资已全额支付 (wages paid in full)"
# intake/complaints/rules.py MATERIAL_LABELS: how the correction notice words each missing item
ITEMS = ("ARRAY(SELECT CASE m WHEN 'identity_proof' THEN 'worker''s identity proof (身份证明)' "
         "ELSE 'preliminary evidence of the arrears: payslip, chat record, attendance record or "
         "similar (初步证据)' END FROM unnest(p.missing) AS m)")
SOURCE_INTAKE, SOURCE_CASES, SOURCE_NOTIFY, SOURCE_CREDIT = (
    "/services/intake", "/services/cases", "/services/notify", "/services/credit")


def _array(values: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"


def _employer(e: str, run: Run) -> dict[str, str]:
    """SQL expressions of employer `e`'s attributes (the same in every database)."""
    has_code = f"(pg_temp.su({e}, 30) < 0.85)"
    code = f"CASE WHEN {has_code} THEN {_credit_code_sql(e, run)} END"
    name = (f"('存量{run.tag}批' || lpad(({e})::text, 7, '0') || '号' || "
            f"({_array(SUFFIXES)})[1 + (({e}) % 6)::int])")
    address = (f"('福州市' || ({_array(DISTRICT_NAMES)})[1 + (({e}) % 10)::int] || '存量路' || "
               f"(({e}) % 997 + 1) || '号')")
    district = f"('d' || lpad(((({e}) % 10) + 1)::text, 2, '0'))"
    return {
        "has_code": has_code,
        "code": code,
        "name": name,
        "address": address,
        # intake's key (employers/rules.py): the code, else a digest of the normalised name and
        # address (these names and addresses are their own normal form)
        "id": (f"CASE WHEN {has_code} THEN 'cc:' || {_credit_code_sql(e, run)} ELSE 'na:' || "
               f"left(encode(sha256(convert_to({name} || chr(31) || {address}, 'UTF8')), 'hex'), 24) END"),
        "district": district,
        # R-ORG-1: a village grid of the seeded tree (_GRID_TREE), in the employer's district
        "grid": (f"('3501' || lpad(((({e}) % 10) + 1)::text, 2, '0') || "
                 f"lpad((({e}) % 8 + 1)::text, 3, '0') || lpad((({e}) % 12 + 1)::text, 3, '0'))"),
        "registered": f"({has_code} AND pg_temp.su({e}, 31) < 0.7)",
        "registered_at": f"({_lit(run.anchor)} - (1 + pg_temp.su({e}, 32) * 900) * interval '1 day')",
        "industry": f"({_array(INDUSTRIES)})[1 + (({e}) % 6)::int]",
    }


def _envelope(*, event_id: str, source: str, event_type: str, at: str, subject: str, trace: str,
              data: str) -> str:
    """The outbox body: a CloudEvents envelope as labor_contracts.envelope.Envelope writes it."""
    return (f"convert_to(json_build_object('specversion', '1.0', 'id', {event_id}, "
            f"'source', '{source}', 'type', {event_type}, 'time', {at}, 'subject', {subject}, "
            f"'datacontenttype', 'application/json', 'dataschema', "
            f"'https://schemas.inspection.example.gov.cn/events/' || {event_type} || '.json', "
            f"'traceparent', {trace}, 'data', {data})::text, 'UTF8')")


PLAN_TABLE = """
CREATE TEMP TABLE seed_plan (
    i bigint, g bigint, joined boolean, e bigint,
    cid text, kid text, trace text, case_trace text, tracking text,
    channel text, client text, district text,
    status text, case_state text, has_case boolean, immediate boolean, registered boolean,
    wc int, amount numeric(14,2), crime boolean, mass boolean,
    g_wc int, g_amount numeric(14,2), g_cids text[], grounds text,
    received_at timestamptz, opened_at timestamptz, assigned_at timestamptz,
    phone_at timestamptz, decided_at timestamptz, issued_at timestamptz, told_at timestamptz,
    notice_at timestamptz, order_at timestamptz, rectified_at timestamptz, closed_at timestamptz,
    reg_year int, case_seq int, case_number text,
    e_code text, e_name text, e_address text, e_id text,
    project text, summary text, missing text[], handler text, officer text, chief text,
    refusal text
)"""


def _plan_sql(run: Run) -> str:
    """One row per complaint i of [$1, $2): everything every service derives from it. $3: the
    last case number per year before this chunk (JSON)."""
    a = _lit(run.anchor)
    emp = _employer("e", run)
    return f"""
INSERT INTO seed_plan
WITH s1 AS (
    SELECT i, g, i <> g AS joined, (g % 20 = 18 AND g + 1 < {run.n}) AS pair, g % {run.employers} AS e,
           {a} - interval '365 days' + ((g + pg_temp.su(g, 0)) / {run.n}::float8) * interval '364 days'
               + pg_temp.su(g, 9) * interval '20 seconds' AS rp,
           pg_temp.suuid('c', i) AS cid, pg_temp.sid('k', g, pg_temp.suuid('c', g)) AS kid,
           '00-' || md5('{run.tag}:tp:' || i) || '-' || left(md5('{run.tag}:sp:' || i), 16) || '-01'
               AS trace
    FROM (SELECT i, CASE WHEN i % 20 = 19 THEN i - 1 ELSE i END AS g
          FROM generate_series($1::bigint, $2::bigint - 1) AS i) s0
    OFFSET 0
), s2 AS (
    SELECT s1.*, extract(epoch FROM {a} - rp) / 86400.0 AS age, pg_temp.su(g, 1) AS us,
           CASE WHEN pair THEN 1 + floor(pg_temp.su(i, 5) * 2)::int
                ELSE least(80, 1 + floor(-ln(1.0 - pg_temp.su(i, 5)) * 3.5)::int) END AS wc,
           NOT pair AND pg_temp.su(i, 7) < 0.01 AS crime,
           pg_temp.su(i, 2) AS uc
    FROM s1 OFFSET 0  -- computed once, not inlined into the next stage
), s3 AS (
    SELECT s2.*,
           (round((wc * (3000 + pg_temp.su(i, 6) * CASE WHEN pair THEN 9000 ELSE 12000 END))::numeric, -2)
           )::numeric(14,2) AS amount,
           NOT pair AND wc >= 30 AS mass,
           CASE WHEN uc < 0.40 THEN 'hotline_12333' WHEN uc < 0.65 THEN 'window'
                WHEN uc < 0.80 THEN 'sunshine_wage_platform' WHEN uc < 0.95 THEN 'wechat_miniprogram'
                ELSE 'petition_transfer' END AS channel,
           {emp['district']} AS district,
           {emp['code']} AS e_code,
           CASE WHEN age >= 40 THEN CASE WHEN us < 0.04 THEN 'awaiting_materials'
                    WHEN us < 0.16 THEN 'not_registered' WHEN us < 0.84 THEN 'closed' ELSE 'registered' END
                WHEN age >= 14 THEN CASE WHEN us < 0.05 THEN 'awaiting_materials'
                    WHEN us < 0.17 THEN 'not_registered' WHEN us < 0.37 THEN 'closed' ELSE 'registered' END
                ELSE CASE WHEN us < 0.08 THEN 'awaiting_materials' WHEN us < 0.16 THEN 'not_registered'
                    WHEN us < 0.60 THEN 'registered' WHEN us < 0.75 THEN 'received' ELSE 'assigned' END
           END AS raw_status
    FROM s2 OFFSET 0  -- computed once, not inlined into the next stage
), s4 AS (
    SELECT s3.*,
           -- R-CASE-3 (5 workers, 100000 yuan): such a case registers at once, so it is never
           -- pending or refused. A joined pair stays below both thresholds together.
           (wc >= 5 OR amount >= 100000 OR crime OR mass) AS grounds_hold,
           CASE WHEN joined THEN rp + (60 + pg_temp.su(i, 19) * 1740) * interval '1 second'
                ELSE rp END AS received_at,
           rp + (0.05 + pg_temp.su(g, 10) * 1.5) * interval '1 second' AS opened_at
    FROM s3 OFFSET 0  -- computed once, not inlined into the next stage
), s5 AS (
    SELECT s4.*,
           CASE WHEN grounds_hold AND raw_status IN ('received', 'assigned', 'not_registered')
                THEN 'registered' ELSE raw_status END AS status,
           raw_status <> 'awaiting_materials' AS has_case,
           raw_status <> 'awaiting_materials' AND grounds_hold AS immediate
    FROM s4 OFFSET 0  -- computed once, not inlined into the next stage
), s6 AS (
    SELECT s5.*,
           CASE WHEN NOT has_case OR status IN ('received', 'assigned') THEN NULL
                WHEN immediate THEN opened_at + interval '20 milliseconds'
                ELSE rp + least(age * 0.8, 0.1 + pg_temp.su(g, 12) * 7.5
                         + CASE WHEN pg_temp.su(g, 13) < 0.03 AND age > 30
                                THEN 9 + pg_temp.su(g, 14) * 6 ELSE 0 END) * interval '1 day'
           END AS decided_at
    FROM s5 OFFSET 0  -- computed once, not inlined into the next stage
), s7 AS (
    SELECT s6.*,
           CASE status WHEN 'closed' THEN 'closed'
                WHEN 'registered' THEN CASE WHEN pg_temp.su(g, 8) < 0.5
                     AND decided_at < {a} - interval '6 days' THEN 'investigating' ELSE 'registered' END
                WHEN 'not_registered' THEN 'not_registered'
                WHEN 'received' THEN 'registration_pending' WHEN 'assigned' THEN 'registration_pending'
           END AS case_state,
           {a} - decided_at AS span,
           decided_at + (0.1 + pg_temp.su(g, 18) * 0.5) * interval '1 second' AS issued_at
    FROM s6 OFFSET 0  -- computed once, not inlined into the next stage
), s8 AS (
    SELECT s7.*,
           case_state IN ('registered', 'investigating', 'closed') AS registered,
           CASE WHEN case_state IN ('investigating', 'closed') THEN decided_at
                + least((0.5 + pg_temp.su(g, 15) * 4) * interval '1 day', 0.2 * span) END AS order_at,
           issued_at + (0.3 + pg_temp.su(i, 20) * 2.5) * interval '1 second' AS told_at
    FROM s7 OFFSET 0  -- computed once, not inlined into the next stage
), s9 AS (
    SELECT s8.*,
           CASE WHEN case_state = 'closed' THEN order_at
                + least((2 + pg_temp.su(g, 16) * 12) * interval '1 day', 0.3 * span) END AS rectified_at,
           CASE WHEN registered AND NOT joined THEN row_number() OVER (
                PARTITION BY registered AND NOT joined,
                             extract(year FROM decided_at AT TIME ZONE 'Asia/Shanghai')
                ORDER BY g) END AS rn
    FROM s8 OFFSET 0  -- computed once, not inlined into the next stage
), s10 AS (
    SELECT s9.*,
           rectified_at + least((0.2 + pg_temp.su(g, 17) * 3) * interval '1 day', 0.3 * span) AS closed_at,
           CASE WHEN registered THEN extract(year FROM decided_at AT TIME ZONE 'Asia/Shanghai')::int
           END AS reg_year,
           max(rn) OVER (PARTITION BY g) AS g_rn,
           sum(wc) OVER (PARTITION BY g) AS g_wc,
           sum(amount) OVER (PARTITION BY g) AS g_amount,
           array_agg(cid) OVER (PARTITION BY g ORDER BY i
               ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS g_cids
    FROM s9
)
SELECT i, g, joined, e, cid, CASE WHEN has_case THEN kid END, trace,
       CASE WHEN joined THEN '00-' || md5('{run.tag}:tp:' || g) || '-' || left(md5('{run.tag}:sp:' || g), 16)
                             || '-01' ELSE trace END,
       'TS-' || translate(encode(decode(left(replace(cid, '-', ''), 12)
                                        || left(md5('{run.tag}:tc:' || i), 12), 'hex'),
                                 'base64'), '+/', '-_'),
       channel,
       'channel:' || CASE WHEN channel = 'window' THEN 'window_' || district ELSE channel END,
       district, status, case_state, has_case, immediate, registered,
       wc, amount, crime, mass, g_wc, g_amount, g_cids,
       CASE WHEN immediate THEN concat_ws('; ',
           CASE WHEN wc >= 5 THEN 'arrears affect ' || wc || ' workers (≥ 5)' END,
           CASE WHEN amount >= 100000 THEN 'amount ' || amount || ' yuan (≥ 100000)' END,
           CASE WHEN crime
                THEN 'suspected crime of refusing to pay labor remuneration (拒不支付劳动报酬罪)' END,
           CASE WHEN mass THEN 'mass incident (群体性事件)' END) END,
       received_at,
       CASE WHEN has_case THEN opened_at END,
       CASE WHEN status IN ('received', 'awaiting_materials') OR immediate THEN NULL
            ELSE least(received_at + CASE WHEN pg_temp.su(i, 21) < 0.04
                                          THEN 3700 + pg_temp.su(i, 22) * 3000
                                          ELSE 300 + pg_temp.su(i, 22) * 3000 END * interval '1 second',
                       coalesce(decided_at - interval '1 minute', 'infinity')) END,
       CASE WHEN status IN ('received', 'awaiting_materials')
                 OR (status = 'assigned' AND pg_temp.su(i, 24) < 0.5) THEN NULL
            ELSE least(received_at + CASE WHEN pg_temp.su(i, 23) < 0.04 THEN 25 + pg_temp.su(i, 25) * 35
                                          ELSE 1 + pg_temp.su(i, 25) * 19 END * interval '1 hour',
                       {a} - interval '1 minute') END,
       decided_at,
       issued_at,
       told_at,
       CASE WHEN status = 'awaiting_materials'
            THEN received_at + (0.3 + pg_temp.su(i, 20) * 2.5) * interval '1 second' ELSE told_at END,
       order_at, rectified_at, closed_at,
       reg_year,
       CASE WHEN registered THEN coalesce(($3::jsonb ->> reg_year::text)::int, 0) + g_rn END,
       NULL,
       e_code, {emp['name']}, {emp['address']},
       CASE WHEN e_code IS NOT NULL THEN 'cc:' || e_code ELSE 'na:' || left(encode(sha256(convert_to(
           {emp['name']} || chr(31) || {emp['address']}, 'UTF8')), 'hex'), 24) END,
       CASE WHEN pg_temp.su(i, 27) < 0.5 THEN '存量{run.tag}工程' || (e % 50 + 1) || '号标段' END,
       ({_array(SUMMARIES)})[1 + floor(pg_temp.su(i, 26) * 5)::int],
       CASE WHEN status <> 'awaiting_materials' THEN '{{}}'::text[]
            WHEN pg_temp.su(i, 28) < 0.6 THEN ARRAY['preliminary_evidence']
            WHEN pg_temp.su(i, 28) < 0.85 THEN ARRAY['identity_proof']
            ELSE ARRAY['identity_proof', 'preliminary_evidence'] END,
       'officer-' || district || '-' || (1 + floor(pg_temp.su(i, 29) * 8)::int),
       'officer-' || district || '-' || (1 + floor(pg_temp.su(g, 33) * 8)::int),
       'chief-' || district,
       ({_array(REFUSALS)})[1 + floor(pg_temp.su(g, 34) * 3)::int]
FROM s10
"""


def _case_numbers_sql(run: Run) -> str:
    return (f"UPDATE seed_plan SET case_number = '{run.case_prefix}〔' || reg_year || '〕' || "
            "CASE WHEN case_seq < 10000 THEN lpad(case_seq::text, 4, '0') ELSE case_seq::text END "
            "WHERE case_seq IS NOT NULL")


@dataclass
class Plans:
    """The chunks of seed_plan, computed once and copied (binary COPY) into the session of each
    service that derives its rows from them; None ends the feed."""

    feeds: dict[str, asyncio.Queue[bytes | None]]
    numbers: dict[int, int]  # year -> last case number, final once the feed has ended


async def _plan(url: str, run: Run, plans: Plans) -> None:
    """Compute each chunk of complaints (in a session of its own) and hand it to every feed; at
    most one chunk ahead of the slowest consumer."""
    conn = await _connect(url)
    try:
        await _prepare(conn, run)
        for lo, hi in run.chunks():
            await conn.execute("TRUNCATE seed_plan")
            await conn.execute(_plan_sql(run), lo, hi,
                               json.dumps({str(y): v for y, v in plans.numbers.items()}))
            await conn.execute(_case_numbers_sql(run))
            for row in await conn.fetch("SELECT reg_year, max(case_seq) AS last FROM seed_plan "
                                        "WHERE case_seq IS NOT NULL GROUP BY reg_year"):
                plans.numbers[int(row["reg_year"])] = int(row["last"])
            with io.BytesIO() as buffer:
                await conn.copy_from_table("seed_plan", output=buffer, format="binary")
                data = buffer.getvalue()
            for feed in plans.feeds.values():
                await feed.put(data)
            del data
        for feed in plans.feeds.values():
            await feed.put(None)
    finally:
        await conn.close()


async def _planned(conn: Any, feed: asyncio.Queue[bytes | None]) -> AsyncIterator[None]:
    """Each chunk in this session's seed_plan, in a transaction of its own (the caller's rows
    for the chunk commit together)."""
    while (data := await feed.get()) is not None:
        async with conn.transaction():
            await conn.execute("TRUNCATE seed_plan")
            await conn.copy_to_table("seed_plan", source=io.BytesIO(data), format="binary")
            yield


async def _connect(url: str) -> Any:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    # This session only: nothing here outlives the connection.
    for setting in ("SET synchronous_commit = off", "SET TimeZone = 'UTC'", "SET work_mem = '128MB'",
                    "SET temp_buffers = '256MB'", "SET maintenance_work_mem = '256MB'"):
        await conn.execute(setting)
    # Compressed full-page images: a bulk load into large random-key indexes writes mostly those.
    # A superuser setting; without the right, the WAL is only bigger.
    with contextlib.suppress(asyncpg.PostgresError):
        await conn.execute("SET wal_compression = lz4")
    return conn


async def _prepare(conn: Any, run: Run, *, plan: bool = True) -> None:
    for statement in _functions(run):
        await conn.execute(statement)
    if plan:
        await conn.execute(PLAN_TABLE)


async def _vacuum_analyze(conn: Any, tables: tuple[str, ...]) -> None:
    """Statistics for the planner, and the visibility map set now: otherwise autovacuum (which
    runs after inserts too) would do it while the benchmark measures."""
    for table in tables:
        await conn.execute(f"VACUUM (ANALYZE) {table}")


# --- intake -------------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰春燕海波文斌辉鹏飞宇浩"
ID_WEIGHTS = [pow(2, 17 - k, 11) for k in range(17)]


def _identity_number(rng: random.Random) -> str:
    born = f"{rng.randint(1960, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first = f"3501{rng.randint(0, 99):02d}{born}{rng.randint(0, 999):03d}"
    return first + "10X98765432"[sum(int(d) * w for d, w in zip(first, ID_WEIGHTS, strict=True)) % 11]


def _personal_data(run: Run, lo: int, hi: int) -> list[tuple[int, str, str, str]]:
    """The workers' ciphertexts, bound to their complaint ids as intake binds them (R-INT-7)."""
    rng = random.Random(f"{run.tag}:{lo}")  # made-up people
    rows = []
    encrypt = run.cipher.encrypt
    for i in range(lo, hi):
        cid = complaint_id(run.tag, i)
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        phone = f"1{rng.choice('356789')}{rng.randint(0, 999_999_999):09d}"
        rows.append((i, encrypt(name, f"complaints.name:{cid}"),
                     encrypt(_identity_number(rng), f"complaints.id_number:{cid}"),
                     encrypt(phone, f"complaints.phone:{cid}")))
    return rows


def _intake_statements(run: Run) -> list[str]:
    a, osince, isince = _lit(run.anchor), _lit(run.outbox_since), _lit(run.inbox_since)
    far = f"{a} + (365 + pg_temp.su(p.i, 40) * 365) * interval '1 day'"
    accepted_data = """json_build_object('complaint_id', p.cid, 'channel', p.channel,
        'received_at', p.received_at, 'employer', json_build_object('credit_code', p.e_code,
        'name', p.e_name, 'address', p.e_address), 'district', p.district, 'worker_count', p.wc,
        'arrears_amount', p.amount::text, 'suspected_crime', p.crime, 'mass_incident', p.mass,
        'summary', p.summary, 'project', p.project, 'employer_id', p.e_id,
        'linked_complaints', 1, 'total_worker_count', p.wc, 'total_arrears_amount', p.amount::text,
        'grid', NULL)"""
    correction_data = """json_build_object('complaint_id', p.cid, 'tracking_code', p.tracking,
        'channel', p.channel, 'missing', p.missing, 'items', """ + ITEMS + """,
        'issued_at', p.received_at)"""
    answer_data = """json_build_object('complaint_id', p.cid, 'tracking_code', p.tracking,
        'channel', p.channel, 'outcome', CASE WHEN p.registered THEN 'registered' ELSE 'not_registered' END,
        'reason', CASE WHEN p.registered THEN '' ELSE p.refusal END, 'case_id', p.kid,
        'case_number', p.case_number, 'answered_at', p.issued_at)"""
    sent = "{at} + (0.005 + pg_temp.su(p.i, {s}) * 0.2) * interval '1 second'"
    return [
        # the complaint (and its idempotency record: channel client, key and request hash)
        f"""INSERT INTO complaints (id, tracking_code, channel, channel_client, idempotency_key,
            request_sha256, complaint_type, status, status_reason, employer_name,
            employer_credit_code, employer_address, district, worker_count, arrears_amount,
            suspected_crime, mass_incident, summary, complainant_name_enc,
            complainant_id_number_enc, complainant_phone_enc, case_id, received_at, updated_at,
            missing_materials, employer_id, project, handler, assigned_at, phone_confirmed_at,
            registration_answer_issued_at, registration_answer_told_at, registration_answer_told_via)
        SELECT p.cid, p.tracking, p.channel, p.client, pg_temp.sid('ik', p.i, p.cid),
            md5('{run.tag}:rq:' || p.i) || md5('{run.tag}:rq2:' || p.i), 'wage_arrears', p.status,
            CASE p.status WHEN 'not_registered' THEN p.refusal
                 WHEN 'closed' THEN 'closed: the employer put it right (已整改); {CLOSE_REASON}'
                 ELSE '' END,
            p.e_name, p.e_code, p.e_address, p.district, p.wc, p.amount, p.crime, p.mass, p.summary,
            x.name_enc, x.id_number_enc, x.phone_enc,
            CASE WHEN p.decided_at IS NOT NULL THEN p.kid END, p.received_at,
            greatest(p.received_at, p.assigned_at, p.phone_at, p.told_at,
                     p.closed_at + interval '300 milliseconds'),
            p.missing, p.e_id, p.project, CASE WHEN p.assigned_at IS NOT NULL THEN p.handler END,
            p.assigned_at, p.phone_at, p.issued_at, p.told_at,
            CASE WHEN p.told_at IS NOT NULL THEN p.channel END
        FROM seed_plan p JOIN seed_pii x ON x.i = p.i ORDER BY p.cid""",
        # R-INT-3 deadlines: met, met late (fired first), overdue (fired), or open and far ahead
        f"""INSERT INTO timers (id, kind, subject, due_at, payload, created_at, completed_at, fired_at)
        SELECT (left(p.cid, 8) || substr(gen_random_uuid()::text, 9))::uuid, t.kind, p.cid,
            CASE WHEN t.done IS NULL AND t.due > {a} THEN {far} ELSE t.due END,
            '{{}}'::jsonb, p.received_at, t.done,
            CASE WHEN (t.done IS NULL AND t.due <= {a}) OR t.done > t.due
                 THEN t.due + interval '500 milliseconds' END
        FROM seed_plan p CROSS JOIN LATERAL (VALUES
            ('intake.assignment', p.received_at + interval '1 hour', p.assigned_at),
            ('intake.phone_confirmation', p.received_at + interval '24 hours', p.phone_at),
            ('intake.registration_answer', p.received_at + interval '9 days', p.told_at)
        ) AS t(kind, due, done)
        WHERE p.has_case ORDER BY p.cid, t.kind""",
        # events intake wrote: accepted (or the correction notice), then the registration answer
        f"""INSERT INTO outbox (event_id, routing_key, body, traceparent, created_at, available_at,
                                attempts, sent_at)
        SELECT pg_temp.sid('ea', p.i, p.cid), t.type,
            {_envelope(event_id="pg_temp.sid('ea', p.i, p.cid)", source=SOURCE_INTAKE, event_type="t.type",
                       at="p.received_at", subject="p.cid", trace="p.trace",
                       data=f"CASE WHEN p.has_case THEN {accepted_data} ELSE {correction_data} END")},
            p.trace, p.received_at, p.received_at + interval '30 seconds', 1,
            {sent.format(at="p.received_at", s=41)}
        FROM seed_plan p CROSS JOIN LATERAL (SELECT CASE WHEN p.has_case
            THEN 'intake.complaint.accepted.v1' ELSE 'intake.correction_notice.issued.v1' END AS type) t
        WHERE p.received_at >= {osince}
        UNION ALL
        SELECT pg_temp.sid('ra', p.i, p.cid), 'intake.registration_answer.issued.v1',
            {_envelope(event_id="pg_temp.sid('ra', p.i, p.cid)", source=SOURCE_INTAKE,
                       event_type="'intake.registration_answer.issued.v1'", at="p.issued_at",
                       subject="p.cid", trace="p.trace", data=answer_data)},
            p.trace, p.issued_at, p.issued_at + interval '30 seconds', 1,
            {sent.format(at="p.issued_at", s=42)}
        FROM seed_plan p WHERE p.issued_at >= {osince}
        ORDER BY 1""",
        # events intake consumed: the case's decision and closing, the notice delivered
        f"""INSERT INTO inbox (consumer, event_id, event_type, processed_at)
        SELECT 'intake', pg_temp.sid('cr', p.g, p.kid), 'cases.case.registered.v1', p.issued_at
        FROM seed_plan p WHERE p.registered AND NOT p.joined AND p.issued_at >= {isince}
        UNION ALL
        SELECT 'intake', pg_temp.sid('cn', p.g, p.kid), 'cases.case.not_registered.v1', p.issued_at
        FROM seed_plan p WHERE p.case_state = 'not_registered' AND NOT p.joined
            AND p.issued_at >= {isince}
        UNION ALL
        SELECT 'intake', pg_temp.sid('cc', p.g, p.kid), 'cases.case.closed.v1',
            p.closed_at + interval '300 milliseconds'
        FROM seed_plan p WHERE p.closed_at IS NOT NULL AND NOT p.joined AND p.closed_at >= {isince}
        UNION ALL
        SELECT 'intake', pg_temp.sid('wd', p.i, p.cid), 'notify.worker_notice.delivered.v1',
            p.notice_at + interval '200 milliseconds'
        FROM seed_plan p WHERE p.notice_at >= {isince}
        ORDER BY 2""",
        # R-INT-6 totals per employer, summed over the chunks at the end
        """INSERT INTO seed_employers
        SELECT e, count(*) FILTER (WHERE has_case),
            count(*) FILTER (WHERE status IN ('received', 'assigned')),
            coalesce(sum(wc) FILTER (WHERE status IN ('received', 'assigned')), 0),
            coalesce(sum(amount) FILTER (WHERE status IN ('received', 'assigned')), 0),
            min(received_at) FILTER (WHERE has_case),
            max(greatest(received_at, issued_at, closed_at)) FILTER (WHERE has_case)
        FROM seed_plan GROUP BY e""",
    ]


def _intake_employers(run: Run) -> list[str]:
    emp = _employer("s.e", run)
    isince = _lit(run.inbox_since)
    return [
        f"""INSERT INTO employers (id, credit_code, name, address, name_key, address_key, grid,
            district, complaint_count, open_complaints, open_worker_count, open_arrears_amount,
            register_version, register_changed_at, first_seen_at, updated_at)
        SELECT {emp['id']}, {emp['code']}, {emp['name']}, {emp['address']}, {emp['name']},
            {emp['address']}, CASE WHEN {emp['registered']} THEN {emp['grid']} END, {emp['district']},
            coalesce(a.n, 0), coalesce(a.open, 0), coalesce(a.workers, 0), coalesce(a.amount, 0),
            CASE WHEN {emp['registered']} THEN 1 END,
            CASE WHEN {emp['registered']} THEN {emp['registered_at']} END,
            least(a.first_at, CASE WHEN {emp['registered']} THEN {emp['registered_at']} END),
            greatest(a.last_at, CASE WHEN {emp['registered']} THEN {emp['registered_at']} END)
        FROM generate_series(0, {run.employers - 1}) AS s(e)
        LEFT JOIN (SELECT e, sum(n) AS n, sum(open) AS open, sum(workers) AS workers,
                          sum(amount) AS amount, min(first_at) AS first_at, max(last_at) AS last_at
                   FROM seed_employers GROUP BY e) a ON a.e = s.e
        WHERE coalesce(a.n, 0) > 0 OR {emp['registered']}""",
        f"""INSERT INTO inbox (consumer, event_id, event_type, processed_at)
        SELECT 'intake', pg_temp.suuid('ec', s.e), 'credit.employer.changed.v1',
            {emp['registered_at']} + interval '200 milliseconds'
        FROM generate_series(0, {run.employers - 1}) AS s(e)
        WHERE {emp['registered']} AND {emp['registered_at']} >= {isince}""",
    ]


async def _seed_intake(url: str, run: Run, plans: Plans) -> None:
    conn = await _connect(url)
    try:
        await _prepare(conn, run)
        await conn.execute("CREATE TEMP TABLE seed_pii (i bigint PRIMARY KEY, name_enc text, "
                           "id_number_enc text, phone_enc text)")
        await conn.execute("CREATE TEMP TABLE seed_employers (e bigint, n bigint, open bigint, "
                           "workers bigint, amount numeric, first_at timestamptz, last_at timestamptz)")
        statements = _intake_statements(run)
        chunks = run.chunks()
        # the ciphertexts of the next chunk are made while PostgreSQL writes this one
        pending = asyncio.create_task(asyncio.to_thread(_personal_data, run, *chunks[0]))
        index = 0
        async for _ in _planned(conn, plans.feeds["intake"]):
            pii = await pending
            index += 1
            if index < len(chunks):
                pending = asyncio.create_task(asyncio.to_thread(_personal_data, run, *chunks[index]))
            await conn.execute("TRUNCATE seed_pii")
            await conn.copy_records_to_table("seed_pii", records=pii)
            for statement in statements:
                await conn.execute(statement)
        async with conn.transaction():
            for statement in _intake_employers(run):
                await conn.execute(statement)
        await _vacuum_analyze(conn, ("complaints", "employers", "timers", "outbox", "inbox"))
    finally:
        await conn.close()


# --- cases --------------------------------------------------------------------------------------


def _cases_statements(run: Run) -> list[str]:
    a, osince, isince = _lit(run.anchor), _lit(run.outbox_since), _lit(run.inbox_since)
    far = f"{a} + (365 + pg_temp.su(p.g, 43) * 365) * interval '1 day'"
    system = f"'{SOURCE_INTAKE}', 'system'"
    registered_data = """json_build_object('case_id', p.kid, 'case_number', p.case_number,
        'complaint_ids', p.g_cids, 'registered_at', p.decided_at, 'immediate', p.immediate,
        'reason', CASE WHEN p.immediate THEN 'R-CASE-3 immediate registration: ' || p.grounds
                       ELSE 'registration approved (立案审批通过)' END)"""
    refused_data = """json_build_object('case_id', p.kid, 'complaint_ids', p.g_cids,
        'reason', p.refusal, 'decided_at', p.decided_at)"""
    closed_data = f"""json_build_object('case_id', p.kid, 'case_number', p.case_number,
        'complaint_ids', p.g_cids, 'outcome', 'rectified', 'reason', '{CLOSE_REASON}',
        'closed_at', p.closed_at)"""

    def event(kind: str, event_type: str, at: str, data: str, where: str, salt: int) -> str:
        return f"""SELECT pg_temp.sid('{kind}', p.g, p.kid), '{event_type}',
            {_envelope(event_id=f"pg_temp.sid('{kind}', p.g, p.kid)", source=SOURCE_CASES,
                       event_type=f"'{event_type}'", at=at, subject="p.kid", trace="p.case_trace",
                       data=data)},
            p.case_trace, {at}, {at} + interval '30 seconds', 1,
            {at} + (0.005 + pg_temp.su(p.g, {salt}) * 0.2) * interval '1 second'
        FROM seed_plan p WHERE NOT p.joined AND {where} AND {at} >= {osince}"""

    return [
        """INSERT INTO cases (id, case_number, state, district, employer_name,
            employer_credit_code, employer_address, employer_key, worker_count, arrears_amount,
            suspected_crime, mass_incident, summary, immediate_registration, opened_at,
            registered_at, updated_at, traceparent)
        SELECT p.kid, p.case_number, p.case_state, p.district, p.e_name, p.e_code, p.e_address,
            p.e_id, p.g_wc, p.g_amount, p.crime, p.mass, p.summary, p.immediate, p.opened_at,
            CASE WHEN p.registered THEN p.decided_at END,
            greatest(p.opened_at, p.decided_at, p.order_at, p.rectified_at, p.closed_at,
                     j.received_at + interval '300 milliseconds'),
            p.case_trace
        FROM seed_plan p LEFT JOIN seed_plan j ON j.g = p.g AND j.joined
        WHERE p.has_case AND NOT p.joined ORDER BY p.kid""",
        """INSERT INTO case_complaints (complaint_id, case_id, channel, received_at)
        SELECT p.cid, p.kid, p.channel, p.received_at FROM seed_plan p WHERE p.has_case
        ORDER BY p.cid""",
        # the timeline: in each case's order (seq), cases in id order (index locality)
        f"""INSERT INTO case_timeline (case_id, at, action, from_state, to_state, actor, role, reason)
        SELECT case_id, at, action, from_state, to_state, actor, role, reason FROM (
        SELECT 1, p.kid, p.opened_at, 'open', NULL, 'received', {system},
            'complaint ' || p.cid || ' accepted via ' || p.channel
        FROM seed_plan p WHERE p.has_case AND NOT p.joined
        UNION ALL
        SELECT 2, p.kid, p.decided_at, 'register', 'received', 'registered', {system},
            'R-CASE-3 immediate registration: ' || p.grounds
        FROM seed_plan p WHERE p.immediate AND NOT p.joined
        UNION ALL
        SELECT 3, p.kid, p.opened_at, 'await_registration', 'received', 'registration_pending', {system},
            'R-CASE-3 does not apply: awaits registration approval (R-CASE-2)'
        FROM seed_plan p WHERE p.has_case AND NOT p.immediate AND NOT p.joined
        UNION ALL
        SELECT 4, p.kid, p.received_at + interval '300 milliseconds', 'join_complaint',
            'registration_pending', 'registration_pending', {system},
            'R-INT-6 complaint ' || p.cid || ' against the same employer joined the case: now '
            || p.g_wc || ' workers, ' || p.g_amount || ' yuan'
        FROM seed_plan p WHERE p.has_case AND p.joined
        UNION ALL
        SELECT 5, p.kid, p.decided_at, 'register', 'registration_pending', 'registered', p.chief,
            'brigade_chief', 'registration approved (立案审批通过)'
        FROM seed_plan p WHERE p.registered AND NOT p.immediate AND NOT p.joined
        UNION ALL
        SELECT 6, p.kid, p.decided_at, 'refuse_registration', 'registration_pending', 'not_registered',
            p.chief, 'brigade_chief', p.refusal
        FROM seed_plan p WHERE p.case_state = 'not_registered' AND NOT p.joined
        UNION ALL
        SELECT 7, p.kid, p.order_at, 'order_rectification', 'registered', 'investigating', p.officer,
            'officer_a', 'rectification order: pay the wages owed within 15 days (限期整改指令)'
        FROM seed_plan p WHERE p.order_at IS NOT NULL AND NOT p.joined
        UNION ALL
        SELECT 8, p.kid, p.rectified_at, 'record_rectification', 'investigating', 'rectified',
            p.officer, 'officer_a', 'the employer paid the wages owed in full (已整改)'
        FROM seed_plan p WHERE p.rectified_at IS NOT NULL AND NOT p.joined
        UNION ALL
        SELECT 9, p.kid, p.closed_at, 'close', 'rectified', 'closed', p.chief, 'brigade_chief',
            '{CLOSE_REASON}'
        FROM seed_plan p WHERE p.closed_at IS NOT NULL AND NOT p.joined
        ) AS u(k, case_id, at, action, from_state, to_state, actor, role, reason)
        ORDER BY case_id, at, k""",
        # the rectification deadline (15 days): met, met late, overdue, or open and far ahead
        f"""INSERT INTO timers (id, kind, subject, due_at, payload, created_at, completed_at, fired_at)
        SELECT (left(p.kid, 8) || substr(gen_random_uuid()::text, 9))::uuid, 'cases.rectification_due', p.kid,
            CASE WHEN p.rectified_at IS NULL AND t.due > {a} THEN {far} ELSE t.due END,
            '{{}}'::jsonb, p.order_at, p.rectified_at,
            CASE WHEN (p.rectified_at IS NULL AND t.due <= {a}) OR p.rectified_at > t.due
                 THEN t.due + interval '500 milliseconds' END
        FROM seed_plan p CROSS JOIN LATERAL (SELECT p.order_at + interval '15 days' AS due) t
        WHERE p.order_at IS NOT NULL AND NOT p.joined""",
        "INSERT INTO outbox (event_id, routing_key, body, traceparent, created_at, available_at, "
        "attempts, sent_at)\n"
        + event("cr", "cases.case.registered.v1", "p.decided_at", registered_data, "p.registered", 44)
        + "\nUNION ALL\n"
        + event("cn", "cases.case.not_registered.v1", "p.decided_at", refused_data,
                "p.case_state = 'not_registered'", 45)
        + "\nUNION ALL\n"
        + event("cc", "cases.case.closed.v1", "p.closed_at", closed_data, "p.closed_at IS NOT NULL", 46)
        + "\nORDER BY 1",
        f"""INSERT INTO inbox (consumer, event_id, event_type, processed_at)
        SELECT 'cases', pg_temp.sid('ea', p.i, p.cid), 'intake.complaint.accepted.v1', t.at
        FROM seed_plan p CROSS JOIN LATERAL (SELECT CASE WHEN p.joined
            THEN p.received_at + interval '300 milliseconds' ELSE p.opened_at END AS at) t
        WHERE p.has_case AND t.at >= {isince} ORDER BY 2""",
        # R-OVS-2 decisions, chained in time order at the end
        """INSERT INTO seed_audit (at, actor, role, action, subject, reason)
        SELECT p.decided_at, CASE WHEN p.immediate THEN '/services/intake' ELSE p.chief END,
            CASE WHEN p.immediate THEN 'system' ELSE 'brigade_chief' END, 'case.register',
            'case:' || p.kid, CASE WHEN p.immediate THEN 'R-CASE-3 immediate registration: ' || p.grounds
                                   ELSE 'registration approved (立案审批通过)' END
        FROM seed_plan p WHERE p.registered AND NOT p.joined
        UNION ALL
        SELECT p.decided_at, p.chief, 'brigade_chief', 'case.refuse_registration', 'case:' || p.kid,
            p.refusal
        FROM seed_plan p WHERE p.case_state = 'not_registered' AND NOT p.joined
        UNION ALL
        SELECT p.order_at, p.officer, 'officer_a', 'rectification.order', 'case:' || p.kid,
            'rectification order: pay the wages owed within 15 days (限期整改指令)'
        FROM seed_plan p WHERE p.order_at IS NOT NULL AND NOT p.joined
        UNION ALL
        SELECT p.rectified_at, p.officer, 'officer_a', 'rectification.complied', 'case:' || p.kid,
            'the employer paid the wages owed in full (已整改)'
        FROM seed_plan p WHERE p.rectified_at IS NOT NULL AND NOT p.joined
        UNION ALL
        SELECT p.closed_at, p.chief, 'brigade_chief', 'case.close', 'case:' || p.kid, """
        f"""'{CLOSE_REASON}'
        FROM seed_plan p WHERE p.closed_at IS NOT NULL AND NOT p.joined""",
    ]


# The canonical JSON labor_runtime.audit.entry_hash hashes, after the previous hash: the rest of
# `json.dumps([prev_hash, at.isoformat(), actor, role, action, subject, reason],
# ensure_ascii=False)`, made by PostgreSQL (to_json escapes text as json.dumps does).
AUDIT_SUFFIX = """', ' || to_json(to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
    || CASE WHEN date_part('microseconds', at)::bigint % 1000000 = 0 THEN ''
            ELSE to_char(at AT TIME ZONE 'UTC', '.US') END || '+00:00')::text
    || ', ' || to_json(actor)::text || ', ' || to_json(role)::text || ', ' || to_json(action)::text
    || ', ' || to_json(subject)::text || ', ' || to_json(reason)::text || ']'"""
AUDIT_TABLES = (
    "CREATE TEMP TABLE seed_audit (at timestamptz, actor text, role text, action text, "
    "subject text, reason text)",
    "CREATE TEMP TABLE seed_audit_batch (rn bigint, at timestamptz, actor text, role text, "
    "action text, subject text, reason text, suffix text)",
    "CREATE TEMP TABLE seed_audit_hash (rn bigint, hash text)",
)


def _chain(prev: str, suffixes: list[str]) -> list[str]:
    hashes = []
    for suffix in suffixes:
        prev = hashlib.sha256(f'["{prev}"{suffix}'.encode()).hexdigest()
        hashes.append(prev)
    return hashes


async def _append_audit(conn: Any, before: datetime | None) -> None:
    """Append the collected decisions that happened before `before` (all: None) to the audit
    chain, in time order, each hashed on the one before it as labor_runtime.audit.record does
    (verify_chain stays clean). No later chunk has a decision before its first complaint, so the
    chain grows chunk by chunk and still in time order."""
    where, args = ("", ()) if before is None else ("WHERE at < $1", (before,))
    async with conn.transaction():
        await conn.execute("TRUNCATE seed_audit_batch, seed_audit_hash")
        await conn.execute(f"""INSERT INTO seed_audit_batch
            SELECT row_number() OVER (ORDER BY at, subject, action), at, actor, role, action,
                   subject, reason, {AUDIT_SUFFIX}
            FROM seed_audit {where}""", *args)
        await conn.execute(f"DELETE FROM seed_audit {where}", *args)
        await conn.execute("SELECT pg_advisory_xact_lock($1)", AUDIT_LOCK)
        prev = await conn.fetchval("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1") or GENESIS
        suffixes = [r[0] for r in await conn.fetch("SELECT suffix FROM seed_audit_batch ORDER BY rn")]
        hashes = await asyncio.to_thread(_chain, prev, suffixes)
        await conn.copy_records_to_table("seed_audit_hash", records=enumerate(hashes, 1))
        await conn.execute("""INSERT INTO audit_log (at, actor, role, action, subject, reason,
                                                     prev_hash, hash)
            SELECT b.at, b.actor, b.role, b.action, b.subject, b.reason,
                   coalesce(lag(h.hash) OVER (ORDER BY b.rn), $1), h.hash
            FROM seed_audit_batch b JOIN seed_audit_hash h ON h.rn = b.rn ORDER BY b.rn""", prev)


async def _seed_cases(url: str, run: Run, plans: Plans) -> None:
    conn = await _connect(url)
    try:
        await _prepare(conn, run)
        for table in AUDIT_TABLES:
            await conn.execute(table)
        statements = _cases_statements(run)
        chunks = iter(run.chunks())
        async for _ in _planned(conn, plans.feeds["cases"]):
            for statement in statements:
                await conn.execute(statement)
            _, hi = next(chunks)
            await _append_audit(conn, run.earliest(hi))
        async with conn.transaction():  # the official numbers go on after the seeded ones
            for year, last in plans.numbers.items():
                await conn.execute(
                    "INSERT INTO number_sequences (series, year, last) VALUES ('case', $1, $2) "
                    "ON CONFLICT (series, year) DO UPDATE SET last = greatest(number_sequences.last, "
                    "EXCLUDED.last)", year, last)
        await _append_audit(conn, None)
        await _vacuum_analyze(conn, ("cases", "case_complaints", "case_timeline", "timers", "outbox",
                              "inbox", "audit_log", "number_sequences"))
    finally:
        await conn.close()


# --- notify -------------------------------------------------------------------------------------


def _notify_statements(run: Run) -> list[str]:
    osince, isince = _lit(run.outbox_since), _lit(run.inbox_since)
    kind = "CASE WHEN p.has_case THEN 'registration_answer' ELSE 'correction_notice' END"
    issued = "CASE WHEN p.has_case THEN p.issued_at ELSE p.received_at END"
    source = "pg_temp.sid(CASE WHEN p.has_case THEN 'ra' ELSE 'ea' END, p.i, p.cid)"

    def j(value: str) -> str:
        return f"coalesce(to_json({value})::text, 'null')"

    # notify/worker_notices/rules.py notice_body: the JSON the channel received, keys sorted
    answer = (f"""'{{"case_id":' || {j('p.kid')} || ',"case_number":' || {j('p.case_number')}
        || ',"channel":' || {j('p.channel')} || ',"complaint_id":' || {j('p.cid')}
        || ',"issued_at":' || {j('p.issued_at')} || ',"kind":"registration_answer","notice_id":'
        || {j('w.wn')} || ',"outcome":' || CASE WHEN p.registered THEN '"registered","reason":""'
        ELSE '"not_registered","reason":' || {j('p.refusal')} END
        || ',"title":"立案答复 (whether a case is registered)","tracking_code":' || {j('p.tracking')}
        || '}}'""")
    correction = (f"""'{{"channel":' || {j('p.channel')} || ',"complaint_id":' || {j('p.cid')}
        || ',"issued_at":' || {j('p.received_at')} || ',"items":' || {j(ITEMS)}
        || ',"kind":"correction_notice","missing":' || {j('p.missing')} || ',"notice_id":'
        || {j('w.wn')} || ',"title":"一次性补正告知书 (one-time correction notice)","tracking_code":'
        || {j('p.tracking')} || '}}'""")
    delivered = f"""json_build_object('notice_id', w.wn, 'complaint_id', p.cid,
        'kind', {kind}, 'channel', p.channel, 'issued_at', {issued}, 'delivered_at', p.notice_at,
        'status_code', 200, 'attempts', 1)"""
    notice_id = "CROSS JOIN LATERAL (SELECT pg_temp.sid('wn', p.i, p.cid) AS wn OFFSET 0) w"
    return [
        f"""INSERT INTO worker_notices (id, kind, complaint_id, tracking_code, channel,
            source_event_id, issued_at, body, status, attempts, last_status_code, created_at,
            updated_at, delivered_at, receipt_status, receipt_sha256, receipt_excerpt)
        SELECT w.wn, {kind}, p.cid, p.tracking, p.channel, {source}, {issued},
            CASE WHEN p.has_case THEN {answer} ELSE {correction} END,
            'delivered', 1, 200, {issued} + interval '100 milliseconds',
            p.notice_at, p.notice_at, 200, md5('{run.tag}:rc:' || p.i) || md5('{run.tag}:rc2:' || p.i),
            '{{"received":true,"notice_id":"' || w.wn || '"}}'
        FROM seed_plan p {notice_id} WHERE p.notice_at IS NOT NULL ORDER BY p.cid""",
        f"""INSERT INTO inbox (consumer, event_id, event_type, processed_at)
        SELECT 'notify', {source}, CASE WHEN p.has_case THEN 'intake.registration_answer.issued.v1'
            ELSE 'intake.correction_notice.issued.v1' END, {issued} + interval '100 milliseconds'
        FROM seed_plan p WHERE p.notice_at IS NOT NULL AND {issued} >= {isince} ORDER BY 2""",
        f"""INSERT INTO outbox (event_id, routing_key, body, traceparent, created_at, available_at,
                                attempts, sent_at)
        SELECT pg_temp.sid('wd', p.i, p.cid), 'notify.worker_notice.delivered.v1',
            {_envelope(event_id="pg_temp.sid('wd', p.i, p.cid)", source=SOURCE_NOTIFY,
                       event_type="'notify.worker_notice.delivered.v1'", at="p.notice_at",
                       subject="p.cid", trace="p.trace", data=delivered)},
            p.trace, p.notice_at, p.notice_at + interval '30 seconds', 1,
            p.notice_at + (0.005 + pg_temp.su(p.i, 47) * 0.2) * interval '1 second'
        FROM seed_plan p {notice_id} WHERE p.notice_at IS NOT NULL AND p.notice_at >= {osince}
        ORDER BY 1""",
    ]


async def _seed_notify(url: str, run: Run, plans: Plans) -> None:
    conn = await _connect(url)
    try:
        await _prepare(conn, run)
        statements = _notify_statements(run)
        async for _ in _planned(conn, plans.feeds["notify"]):
            for statement in statements:
                await conn.execute(statement)
        await _vacuum_analyze(conn, ("worker_notices", "inbox", "outbox"))
    finally:
        await conn.close()


# --- credit -------------------------------------------------------------------------------------


_GRID_TREE = [
    """INSERT INTO grids (code, name, level, parent_code, district, updated_at)
    VALUES ('350100000000', '福州市', 'city', NULL, NULL, now()) ON CONFLICT DO NOTHING""",
    """INSERT INTO grids (code, name, level, parent_code, district, updated_at)
    SELECT '3501' || lpad(k::text, 2, '0') || '000000', '区县' || k, 'district', '350100000000',
           'd' || lpad(k::text, 2, '0'), now()
    FROM generate_series(1, 10) AS k ON CONFLICT DO NOTHING""",
    """INSERT INTO grids (code, name, level, parent_code, district, updated_at)
    SELECT '3501' || lpad(k::text, 2, '0') || lpad(t::text, 3, '0') || '000', '街道' || k || '-' || t,
           'township', '3501' || lpad(k::text, 2, '0') || '000000', 'd' || lpad(k::text, 2, '0'), now()
    FROM generate_series(1, 10) AS k, generate_series(1, 8) AS t ON CONFLICT DO NOTHING""",
    """INSERT INTO grids (code, name, level, parent_code, district, updated_at)
    SELECT '3501' || lpad(k::text, 2, '0') || lpad(t::text, 3, '0') || lpad(v::text, 3, '0'),
           '社区' || k || '-' || t || '-' || v, 'village',
           '3501' || lpad(k::text, 2, '0') || lpad(t::text, 3, '0') || '000',
           'd' || lpad(k::text, 2, '0'), now()
    FROM generate_series(1, 10) AS k, generate_series(1, 8) AS t, generate_series(1, 12) AS v
    ON CONFLICT DO NOTHING""",
]
"""R-ORG-1 the seeded employers' grid tree: 10 districts of 8 streets of 12 communities."""


async def _seed_credit(url: str, run: Run, plans: Plans) -> None:
    emp = _employer("s.e", run)
    osince = _lit(run.outbox_since)
    changed = f"""json_build_object('credit_code', {emp['code']}, 'name', {emp['name']},
        'address', {emp['address']}, 'grid', {emp['grid']}, 'district', {emp['district']},
        'industry', {emp['industry']}, 'version', 1, 'changed_at', {emp['registered_at']})"""
    trace = f"'00-' || md5('{run.tag}:etp:' || s.e) || '-' || left(md5('{run.tag}:esp:' || s.e), 16) || '-01'"
    statements = [
        *_GRID_TREE,
        f"""INSERT INTO employers (credit_code, name, legal_representative, address, contact_email,
            grid, grid_level, district, industry, size, created_at, updated_at, version)
        SELECT {emp['code']}, {emp['name']},
            substr('{SURNAMES}', 1 + (s.e % {len(SURNAMES)})::int, 1) || '某某', {emp['address']},
            'hr' || s.e || '@{run.tag}.seed.example.cn', {emp['grid']}, 'village', {emp['district']},
            {emp['industry']}, (ARRAY['micro', 'small', 'medium', 'large'])[1 + (s.e % 4)::int],
            {emp['registered_at']}, {emp['registered_at']}, 1
        FROM generate_series(0, {run.employers - 1}) AS s(e) WHERE {emp['registered']}""",
        f"""INSERT INTO outbox (event_id, routing_key, body, traceparent, created_at, available_at,
                                attempts, sent_at)
        SELECT pg_temp.suuid('ec', s.e), 'credit.employer.changed.v1',
            {_envelope(event_id="pg_temp.suuid('ec', s.e)", source=SOURCE_CREDIT,
                       event_type="'credit.employer.changed.v1'", at=emp['registered_at'],
                       subject=emp['code'], trace=trace, data=changed)},
            {trace}, {emp['registered_at']}, {emp['registered_at']} + interval '30 seconds', 1,
            {emp['registered_at']} + interval '50 milliseconds'
        FROM generate_series(0, {run.employers - 1}) AS s(e)
        WHERE {emp['registered']} AND {emp['registered_at']} >= {osince}""",
    ]
    conn = await _connect(url)
    try:
        await _prepare(conn, run, plan=False)
        async with conn.transaction():
            for statement in statements:
                await conn.execute(statement)
        await _vacuum_analyze(conn, ("employers", "outbox"))
    finally:
        await conn.close()


# --- the API ------------------------------------------------------------------------------------


def _dev_cipher() -> FieldCipher:
    """The key the services use unless told otherwise (FIELD_ENCRYPTION_KEYS, as they read it)."""
    return FieldCipher.from_settings(
        os.environ.get("FIELD_ENCRYPTION_KEYS", json.dumps({"dev1": DEV_FIELD_KEY})),
        os.environ.get("FIELD_ENCRYPTION_ACTIVE_KEY", "dev1"))


async def _case_numbers_in_use(url: str) -> dict[int, int]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch("SELECT year, last FROM number_sequences WHERE series = 'case'")
    finally:
        await conn.close()
    return {int(r["year"]): int(r["last"]) for r in rows}


async def seed(database_urls: dict[str, str], n: int, *,
               outbox_retention_hours: float | None = DEFAULT_OUTBOX_RETENTION_HOURS,
               inbox_retention_hours: float | None = DEFAULT_INBOX_RETENTION_HOURS,
               cipher: FieldCipher | None = None,
               case_number_prefix: str | None = None) -> dict[str, float]:
    """Store `n` historical complaints, their cases and everything they left in each service's
    database (the module's docstring says what); returns seconds per service and `total`.

    Outbox and inbox rows older than the retention periods are not seeded (a stack applying them
    holds none); None seeds them all. `cipher`: the services' field cipher (default: the key in
    FIELD_ENCRYPTION_KEYS, else the development key). `case_number_prefix`: cases'
    CASE_NUMBER_PREFIX (default: its setting's default)."""
    if n < 1:
        return {service: 0.0 for service in (*SERVICES, "total")}
    started = time.perf_counter()
    anchor = datetime.now(UTC)

    def since(hours: float | None) -> datetime | None:
        return None if hours is None else datetime.fromtimestamp(anchor.timestamp() - hours * 3600, UTC)

    run = Run(
        n=n, tag=secrets.token_hex(3),
        code_tag="".join(secrets.choice(CREDIT_CODE_ALPHABET) for _ in range(4)),
        salt=secrets.randbelow(2**31), anchor=anchor,
        outbox_since=since(outbox_retention_hours), inbox_since=since(inbox_retention_hours),
        cipher=cipher or _dev_cipher(),
        case_prefix=case_number_prefix or os.environ.get("CASE_NUMBER_PREFIX", "某劳监立"))
    if "'" in run.case_prefix:
        raise ValueError("a case number prefix with a quote")
    if "cases" in database_urls:
        run.case_base = await _case_numbers_in_use(database_urls["cases"])
    seeders: dict[str, Callable[[str, Run, Plans], Awaitable[None]]] = {
        "intake": _seed_intake, "cases": _seed_cases, "notify": _seed_notify,
        "credit": _seed_credit}
    planned = [s for s in ("intake", "cases", "notify") if s in database_urls]
    plans = Plans({s: asyncio.Queue(maxsize=1) for s in planned}, dict(run.case_base))
    timings = dict.fromkeys(SERVICES, 0.0)

    async def timed(service: str) -> None:
        begun = time.perf_counter()
        await seeders[service](database_urls[service], run, plans)
        timings[service] = round(time.perf_counter() - begun, 2)

    try:
        async with asyncio.TaskGroup() as tasks:  # one failing stops the others
            if planned:
                tasks.create_task(_plan(database_urls[planned[0]], run, plans))
            for service in seeders:
                if service in database_urls:
                    tasks.create_task(timed(service))
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from failed
    timings["total"] = round(time.perf_counter() - started, 2)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, required=True, help="complaints to store")
    parser.add_argument("--postgres-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432")
    parser.add_argument("--db-suffix", default="", help="the stack's --db-suffix")
    parser.add_argument("--keep-all-history", action="store_true",
                        help="seed outbox and inbox rows older than the retention periods too")
    args = parser.parse_args()
    urls = {s: f"{args.postgres_url.rstrip('/')}/{s}{args.db_suffix}" for s in SERVICES}
    keep = args.keep_all_history
    print(json.dumps(asyncio.run(seed(
        urls, args.n, outbox_retention_hours=None if keep else DEFAULT_OUTBOX_RETENTION_HOURS,
        inbox_retention_hours=None if keep else DEFAULT_INBOX_RETENTION_HOURS))))


if __name__ == "__main__":
    main()
