"""Who may call which route: one declarative table for the five services (issue 10, finding 8 and
the authorization matrix). `tests/authz/test_access_matrix.py` checks it against the routes the apps
mount and against their answers; `python -m tests.authz.access` writes `docs/access.md` from it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Credential(StrEnum):
    PUBLIC = "none (public)"
    CLOCK = "none (development clock control only; absent in production)"
    STAFF = "staff bearer token"
    CHANNEL = "channel API key"
    PARTNER = "partner API key"
    INGEST = "partner or channel API key with `ingest:<source>`, or a staff token of ops / officer_a"


class Reach(StrEnum):
    NONE = "-"
    DISTRICT = "own district (others' objects: 404)"
    CITY = "city-wide data"
    CITY_WIDE = "city-wide data, city-wide callers only"


PUBLIC, CLOCK, STAFF = Credential.PUBLIC, Credential.CLOCK, Credential.STAFF
CHANNEL, PARTNER, INGEST = Credential.CHANNEL, Credential.PARTNER, Credential.INGEST
CITY, CITY_WIDE = Reach.CITY, Reach.CITY_WIDE

G = frozenset({"grid_worker"})
A = frozenset({"officer_a"})
B = frozenset({"reviewer_b"})
C = frozenset({"executor_c"})
BC = frozenset({"brigade_chief"})
DC = frozenset({"detachment_chief"})
OPS = frozenset({"ops"})
STAFF_ROLES = G | A | B | C | BC | DC | OPS
# Roles of DOMAIN.md that never pass a staff guard: the complainant files through a channel.
ALL_ROLES = ("complainant", *sorted(STAFF_ROLES))
INGEST_ROLES = OPS | A


@dataclass(frozen=True)
class Access:
    service: str
    method: str
    path: str
    credential: Credential
    roles: frozenset[str] = frozenset()
    scope: str = ""
    reach: Reach | None = None
    # Its answer carries personal data (a party's addresses, proofs of service, a complainant's
    # identity or words, a banned person): never for ops (DOMAIN.md).
    personal: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return self.service, self.method, self.path

    @property
    def effective_reach(self) -> Reach:
        if self.reach is not None:
            return self.reach
        return Reach.DISTRICT if self.credential is STAFF else Reach.NONE

    @property
    def effective_roles(self) -> frozenset[str]:
        return INGEST_ROLES if self.credential is INGEST else self.roles


ROUTES: tuple[Access, ...] = (
    Access("intake", "GET", "/healthz", PUBLIC),
    Access("intake", "GET", "/readyz", PUBLIC),
    Access("intake", "GET", "/metrics", PUBLIC),
    Access("intake", "POST", "/v1/ops/clock", CLOCK),
    Access("intake", "POST", "/v1/complaints", CHANNEL, scope="complaints:write"),
    Access("intake", "POST", "/v1/complaints/batch", CHANNEL, scope="complaints:write"),
    Access("intake", "GET", "/v1/complaints/{tracking_code}", PUBLIC),
    Access("intake", "GET", "/v1/complaints/by-id/{complaint_id}/complainant", STAFF, BC | DC | A | B,
           personal=True),
    Access("intake", "GET", "/v1/complaints/by-id/{complaint_id}/text", STAFF, BC | DC | A | B,
           personal=True),
    Access("intake", "POST", "/v1/complaints/{tracking_code}/materials", PUBLIC),
    Access("intake", "GET", "/v1/complaints", STAFF, BC | DC | A | B),
    Access("intake", "GET", "/v1/complaints/by-id/{complaint_id}/handling", STAFF, BC | DC | G | A | B),
    Access("intake", "POST", "/v1/complaints/by-id/{complaint_id}/assignment", STAFF, BC | DC | A),
    Access("intake", "POST", "/v1/complaints/by-id/{complaint_id}/phone-confirmation", STAFF, BC | DC | A),
    Access("intake", "POST", "/v1/complaints/by-id/{complaint_id}/registration-answer/told",
            STAFF, BC | DC | A),
    Access("intake", "POST", "/v1/complaints/by-id/{complaint_id}/correction-notice/told",
            STAFF, BC | DC | A),
    Access("intake", "POST", "/v1/complaints/by-id/{complaint_id}/mediation", STAFF, G),
    Access("intake", "POST", "/v1/complaints/by-id/{complaint_id}/escalation", STAFF, BC | G | A),
    Access("intake", "GET", "/v1/deadlines/overdue", STAFF, BC | DC | G | A | B),
    Access("intake", "GET", "/v1/deadlines/on-time-rate", STAFF, BC | DC | G | A | B),
    Access("intake", "GET", "/v1/employers", STAFF, BC | DC | G | A | B),
    # The register is the city's; the complaints it lists are the caller's district's.
    Access("intake", "GET", "/v1/employers/{employer_id}", STAFF, BC | DC | G | A | B, reach=CITY),
    Access("cases", "GET", "/healthz", PUBLIC),
    Access("cases", "GET", "/readyz", PUBLIC),
    Access("cases", "GET", "/metrics", PUBLIC),
    Access("cases", "POST", "/v1/ops/clock", CLOCK),
    Access("cases", "GET", "/v1/cases", STAFF, BC | DC | C | A | B),
    Access("cases", "GET", "/v1/cases/{case_id}", STAFF, BC | DC | C | A | B),
    Access("cases", "GET", "/v1/cases/{case_id}/timeline", STAFF, BC | DC | C | A | B),
    Access("cases", "POST", "/v1/cases/{case_id}/registration-form", STAFF, A),
    Access("cases", "GET", "/v1/cases/{case_id}/registration-form", STAFF, BC | DC | C | A | B),
    Access("cases", "POST", "/v1/cases/{case_id}/registration-form/review", STAFF, B),
    Access("cases", "POST", "/v1/cases/{case_id}/registration", STAFF, BC),
    Access("cases", "POST", "/v1/cases/{case_id}/close", STAFF, BC),
    Access("cases", "POST", "/v1/cases/{case_id}/rectification-order", STAFF, A),
    Access("cases", "POST", "/v1/cases/{case_id}/rectification", STAFF, A),
    Access("cases", "GET", "/v1/cases/{case_id}/rectification", STAFF, BC | DC | C | A | B),
    Access("cases", "POST", "/v1/cases/{case_id}/penalty-proposal", STAFF, A),
    Access("cases", "GET", "/v1/cases/{case_id}/penalty-proposal", STAFF, BC | DC | C | A | B),
    Access("cases", "POST", "/v1/cases/{case_id}/penalty-proposal/review", STAFF, B),
    Access("cases", "POST", "/v1/cases/{case_id}/decision", STAFF, DC),
    Access("cases", "GET", "/v1/cases/{case_id}/decision", STAFF, BC | DC | C | A | B),
    Access("cases", "POST", "/v1/cases/{case_id}/hearing", STAFF, A),
    Access("cases", "GET", "/v1/cases/{case_id}/hearing", STAFF, BC | DC | C | A | B),
    Access("cases", "POST", "/v1/cases/{case_id}/hearing/record", STAFF, A),
    Access("cases", "GET", "/v1/documents/{document_id}/verify", PUBLIC),
    Access("cases", "GET", "/v1/documents/{document_id}/pdf", STAFF, BC | DC | C | A | B),
    Access("cases", "GET", "/v1/documents/{document_id}/signatures", STAFF, BC | DC | C | A | B),
    Access("cases", "POST", "/v1/cases/{case_id}/evidence", STAFF, A),
    Access("cases", "GET", "/v1/cases/{case_id}/evidence", STAFF, BC | DC | C | A | B),
    Access("cases", "GET", "/v1/cases/{case_id}/evidence/verify", STAFF, BC | DC | C | A | B),
    Access("cases", "POST", "/v1/payments", STAFF, C),
    Access("cases", "GET", "/v1/cases/{case_id}/execution", STAFF, BC | DC | C | A | B),
    Access("cases", "POST", "/v1/cases/{case_id}/court-enforcement", STAFF, C),
    Access("cases", "POST", "/v1/cases/{case_id}/incidents", STAFF, BC | DC | G | A),
    Access("cases", "GET", "/v1/cases/{case_id}/major-case", STAFF, BC | DC | C | A | B),
    Access("cases", "GET", "/v1/major-cases", STAFF, BC | DC | C | A | B),
    Access("cases", "GET", "/v1/major-cases/{major_case_id}", STAFF, BC | DC | C | A | B),
    Access("cases", "PUT", "/v1/major-cases/{major_case_id}/task-force", STAFF, BC | DC),
    Access("cases", "POST", "/v1/major-cases/{major_case_id}/milestones/{milestone}", STAFF, BC | DC | A),
    Access("cases", "POST", "/v1/major-cases/{major_case_id}/sanctions", STAFF, DC),
    Access("cases", "POST", "/v1/oversight/review-draws", STAFF, DC, reach=CITY_WIDE),
    Access("cases", "GET", "/v1/oversight/review-draws/{month}", STAFF, BC | DC | B, reach=CITY),
    Access("cases", "GET", "/v1/public/review-draws/{month}", PUBLIC),
    Access("cases", "GET", "/v1/metrics/cases", STAFF, BC | DC | OPS),
    Access("cases", "PUT", "/v1/ops/calendar/{year}", STAFF, DC | OPS, reach=CITY_WIDE),
    Access("cases", "GET", "/v1/ops/calendar/{year}", STAFF, BC | DC | C | A | OPS | B, reach=CITY),
    Access("cases", "GET", "/v1/leads", STAFF, BC | DC | C | A | B),
    Access("cases", "POST", "/v1/leads/{lead_id}/take", STAFF, BC | A),
    Access("cases", "POST", "/v1/leads/{lead_id}/dismiss", STAFF, BC | A),
    Access("credit", "GET", "/healthz", PUBLIC),
    Access("credit", "GET", "/readyz", PUBLIC),
    Access("credit", "GET", "/metrics", PUBLIC),
    Access("credit", "POST", "/v1/ops/clock", CLOCK),
    Access("credit", "GET", "/v1/employers/{credit_code}", STAFF, BC | DC | C | G | A | B),
    Access("credit", "GET", "/v1/employers/{credit_code}/file", STAFF, BC | DC | C | G | A | B),
    Access("credit", "PUT", "/v1/employers/{credit_code}", STAFF, G | A),
    Access("credit", "POST", "/v1/grids/load", STAFF, DC | OPS, reach=CITY),
    Access("credit", "GET", "/v1/grids/coverage", STAFF, BC | DC | C | G | A | OPS | B),
    Access("credit", "GET", "/v1/grids", STAFF, BC | DC | C | G | A | OPS | B),
    Access("credit", "GET", "/v1/grids/{code}", STAFF, BC | DC | C | G | A | OPS | B),
    Access("credit", "PUT", "/v1/grids/{code}/workers", STAFF, BC | DC | OPS),
    Access("credit", "POST", "/v1/ingest/{source}/batches", INGEST),
    Access("credit", "POST", "/v1/ingest/{source}/records", INGEST),
    Access("credit", "GET", "/v1/ingest/batches/{batch_id}", INGEST),
    Access("credit", "GET", "/v1/ingest/batches/{batch_id}/rejections", INGEST),
    Access("credit", "GET", "/v1/ingest/batches", INGEST),
    Access("credit", "GET", "/v1/warnings", STAFF, BC | DC | C | G | A | B),
    Access("credit", "GET", "/v1/employers/{credit_code}/warnings", STAFF, BC | DC | C | G | A | B),
    Access("credit", "PUT", "/v1/projects/{project_id}", STAFF, BC | G | A),
    Access("credit", "GET", "/v1/projects/{project_id}", STAFF, BC | DC | C | G | A | B),
    Access("credit", "PUT", "/v1/projects/{project_id}/deposit", STAFF, A),
    Access("credit", "GET", "/v1/deposits/coverage", STAFF, BC | DC | C | G | A | B),
    Access("credit", "POST", "/v1/employers/{credit_code}/findings", STAFF, C | A),
    Access("credit", "GET", "/v1/employers/{credit_code}/conduct", STAFF, BC | DC | C | G | A | B),
    Access("credit", "GET", "/v1/employers/{credit_code}/grade", STAFF, BC | DC | C | G | A | B),
    Access("credit", "GET", "/v1/blacklist/candidates", STAFF, BC | DC | C | G | A | B),
    Access("credit", "POST", "/v1/blacklist", STAFF, C),
    Access("credit", "GET", "/v1/blacklist", STAFF, BC | DC | C | G | A | B),
    Access("credit", "GET", "/v1/blacklist/{entry_id}", STAFF, BC | DC | C | G | A | B),
    Access("credit", "POST", "/v1/blacklist/{entry_id}/review", STAFF, B),
    Access("credit", "POST", "/v1/blacklist/{entry_id}/defence", STAFF, C | A),
    Access("credit", "POST", "/v1/blacklist/{entry_id}/defence/decision", STAFF, B),
    Access("credit", "GET", "/v1/credit-documents/{document_id}", PUBLIC),
    Access("credit", "GET", "/v1/sanctions", STAFF, BC | DC | C | G | A | B),
    Access("credit", "GET", "/v1/sanctions/{sanction_id}", STAFF, BC | DC | C | G | A | B),
    Access("credit", "PUT", "/v1/sanctions/{sanction_id}/person", STAFF, A, personal=True),
    Access("credit", "GET", "/v1/sanctions/{sanction_id}/person", PARTNER, scope="sanctions:market_ban",
           personal=True),
    Access("credit", "POST", "/v1/blacklist/{entry_id}/repair", STAFF, C | A),
    Access("credit", "GET", "/v1/repairs/{repair_id}", STAFF, BC | DC | C | G | A | B),
    Access("credit", "POST", "/v1/repairs/{repair_id}/first-review", STAFF, BC),
    Access("credit", "POST", "/v1/repairs/{repair_id}/second-review", STAFF, DC),
    Access("credit", "POST", "/v1/repairs/{repair_id}/objections/{objection_id}/decision", STAFF, DC),
    Access("notify", "GET", "/healthz", PUBLIC),
    Access("notify", "GET", "/readyz", PUBLIC),
    Access("notify", "GET", "/metrics", PUBLIC),
    Access("notify", "POST", "/v1/ops/clock", CLOCK),
    Access("notify", "POST", "/v1/address-confirmations", STAFF, BC | DC | C | G | A),
    Access("notify", "GET", "/v1/address-confirmations", STAFF, BC | DC | C | G | A | B, personal=True),
    Access("notify", "GET", "/v1/address-confirmations/{confirmation_id}",
            STAFF, BC | DC | C | G | A | B, personal=True),
    Access("notify", "GET", "/v1/address-confirmations/{confirmation_id}/artefact",
            STAFF, BC | DC | C | G | A | B, personal=True),
    Access("notify", "POST", "/v1/address-confirmations/{confirmation_id}/withdraw",
            STAFF, BC | DC | C | G | A),
    Access("notify", "GET", "/v1/deliveries", STAFF, BC | DC | C | G | A | B, personal=True),
    Access("notify", "GET", "/v1/deliveries/{delivery_id}", STAFF, BC | DC | C | A | B, personal=True),
    Access("notify", "GET", "/v1/deliveries/{delivery_id}/proof", STAFF, BC | DC | C | A | B,
           personal=True),
    Access("notify", "POST", "/v1/deliveries/{delivery_id}/in-person", STAFF, BC | DC | C | G | A),
    Access("notify", "POST", "/v1/deliveries/{delivery_id}/postal", STAFF, BC | DC | C | A),
    Access("notify", "GET", "/v1/proof-chains/{case_id}", STAFF, BC | DC | C | A | B, personal=True),
    Access("notify", "GET", "/v1/documents/{document_id}", STAFF, BC | DC | C | A | B, personal=True),
    Access("notify", "GET", "/v1/documents/{document_id}/verify", PUBLIC),
    Access("notify", "GET", "/v1/worker-notices", STAFF, BC | DC | A, personal=True),
    Access("notify", "POST", "/v1/channels/wechat/read-receipts", PUBLIC),
    Access("publish", "GET", "/healthz", PUBLIC),
    Access("publish", "GET", "/readyz", PUBLIC),
    Access("publish", "GET", "/metrics", PUBLIC),
    Access("publish", "POST", "/v1/ops/clock", CLOCK),
    Access("publish", "GET", "/v1/disclosures", PUBLIC),
    Access("publish", "GET", "/v1/disclosures/{disclosure_id}", PUBLIC),
    Access("publish", "GET", "/v1/feed", PARTNER, scope="disclosures:read"),
    Access("publish", "POST", "/v1/partners", STAFF, OPS, reach=CITY),
    Access("publish", "GET", "/v1/partners", STAFF, OPS, reach=CITY),
    Access("publish", "GET", "/v1/partners/{partner_id}", STAFF, OPS, reach=CITY),
    Access("publish", "PUT", "/v1/partners/{partner_id}/subscriptions", STAFF, OPS, reach=CITY),
    Access("publish", "PUT", "/v1/partners/{partner_id}/webhook", STAFF, OPS, reach=CITY),
    Access("publish", "GET", "/v1/partners/{partner_id}/deliveries", STAFF, OPS, reach=CITY),
    Access("publish", "GET", "/v1/platform-submissions", STAFF, OPS, reach=CITY),
    Access("publish", "POST", "/v1/platform-submissions/{submission_id}/submitted", STAFF, OPS, reach=CITY),
    Access("publish", "GET", "/v1/repair-notices", PUBLIC),
    Access("publish", "GET", "/v1/repair-notices/{repair_id}", PUBLIC),
    Access("publish", "POST", "/v1/repair-notices/{repair_id}/objections", PUBLIC),
    Access("publish", "GET", "/v1/repair-notices/{repair_id}/objections", STAFF, BC | DC | B,
           personal=True),
)

# Which kind of object a path parameter names, per service: a DISTRICT route that names one is
# probed object by object (`tests/authz/objects.py`); parameters not listed name no object of a
# district (a year, a month, an ingest source, a milestone).
OBJECTS: dict[tuple[str, str], str] = {
    ("intake", "complaint_id"): "complaint",
    ("intake", "employer_id"): "intake_employer",
    ("cases", "case_id"): "case",
    ("cases", "document_id"): "case_document",
    ("cases", "major_case_id"): "major_case",
    ("cases", "lead_id"): "lead",
    ("credit", "credit_code"): "employer",
    ("credit", "code"): "grid",
    ("credit", "project_id"): "project",
    ("credit", "entry_id"): "blacklist_entry",
    ("credit", "sanction_id"): "sanction",
    ("credit", "repair_id"): "repair",
    ("credit", "objection_id"): "repair_objection",
    ("credit", "batch_id"): "ingest_batch",
    ("notify", "confirmation_id"): "address_confirmation",
    ("notify", "delivery_id"): "delivery",
    ("notify", "case_id"): "proof_chain",
    ("notify", "document_id"): "notify_document",
    ("publish", "repair_id"): "repair_notice",
    ("publish", "partner_id"): "partner",
    ("publish", "submission_id"): "platform_submission",
    ("publish", "disclosure_id"): "disclosure",
}
NOT_OBJECTS = frozenset({"year", "month", "source", "milestone"})

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"


def render() -> str:
    """docs/access.md: the table above, for people."""
    lines = [
        "# Which credential each route needs",
        "",
        "Generated from `tests/authz/access.py` (`python -m tests.authz.access`); a test fails while",
        "this file is out of date, and the authorization matrix test checks every row against the",
        "running services. Staff tokens carry `roles` and a `district` claim: a district code, or",
        "`city` for the city detachment; `detachment_chief` and `ops` are city-wide without one, any",
        "other role without one is refused (403). Another district's object answers 404, exactly as",
        "a missing one. Mint development tokens with `make token ROLE=officer_a DISTRICT=d01`.",
        "A route whose answer carries personal data is never open to `ops` (DOMAIN.md).",
        "",
        "| service | method | route | credential | roles / key scope | reach | personal data |",
        "|---|---|---|---|---|---|---|",
    ]
    for entry in ROUTES:
        who = ", ".join(sorted(entry.effective_roles)) or (f"`{entry.scope}`" if entry.scope else "anyone")
        lines.append(f"| {entry.service} | {entry.method} | `{entry.path}` | {entry.credential} | {who} "
                     f"| {entry.effective_reach} | {'yes' if entry.personal else ''} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
