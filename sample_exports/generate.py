"""Deterministic synthetic ATS export in the canonical shape (contract ``ats-export-v1``).

Scenario
--------
A Japanese software company (head office in Tokyo, small offices abroad) has used one ATS for
five years. About 70% of its applicants live in Japan, 10% in the US and the rest in the EU,
the UK and Asia. Hiring teams configured their pipelines differently, so stage names and
rejection reasons come in three vocabularies: the canonical codes, Japanese (書類選考, 一次面接,
社風不一致 ...) and English (Phone Screen, Not a culture fit ...), plus a few names no seed maps.

Candidates apply one to four times (parallel applications weeks apart, re-applications years
apart). Each application walks up the pipeline (応募 → 書類選考 → 一次面接 → ... → 内定 → 入社)
and ends rejected, withdrawn, offer_declined or hired; applications whose process had not ended
when the last batch was exported are ``active``. Interviews produce evaluations, offer stages
produce offers, applications record consent (``retention`` / ``recontact``), and a few people
later withdraw consent, ask for erasure or to stop contact, or are contacted by the company.

Exports
-------
``<out_dir>/canonical/<batch_id>/<entity>.csv`` (or ``.parquet``), one directory per batch,
30 days apart, the last one at 03:00 on ``end_date``. Batch 1 is a full export of the state at
its cutoff; later batches are deltas: new rows, updated versions of mutable rows (an application
``active`` in one batch is ``rejected`` with ``closed_at`` in a later one) and identical
re-deliveries of some rows. Timestamps are Asia/Tokyo local time; in CSV about 5% carry
``+09:00`` and 3% are converted to UTC with ``Z`` (some of those fall on the previous date).

Boundary cases
--------------
The first ``len(boundary_case_labels())`` candidates are hand-made cases placed exactly on the
rule boundaries relative to ``end_date`` (3 and 36 months since closing, retention periods,
consent expiry, 180-day outreach cooldown, month ends, leap days, events dated after
``end_date``, consent ties). :func:`boundary_case_labels` names them.

How
---
Everything is built by SQL in one in-memory DuckDB connection. Randomness is
``hash(key, salt, seed)``, never ``random()``. Every table holding rows to be written is in key
order, either sorted explicitly or derived from a sorted table by order-preserving steps only
(unnest, filter, projection, inserts in key order), and files are written by filtered scans,
which keep that order; Parquet files are written single-threaded. So the same arguments give
byte-identical files whatever the number of threads. Ids and texts stay numbers and indexes
until the files are written, which keeps 1,000,000 candidates well under a minute.
Internally all times are naive local timestamps; the last batch cutoff decides what "has
happened" (an application whose process would end later is exported as ``active``), except for
the boundary cases, which deliberately contain rows dated after ``end_date``.
"""

from __future__ import annotations

import calendar
import os
import shutil
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from string import Template

import duckdb

from loader.contract import CANONICAL_ENTITIES
from loader.intake import write_manifest

# --------------------------------------------------------------------------------------------
# Vocabularies that appear in the export (the seeds map them; see the contract)
# --------------------------------------------------------------------------------------------

CANONICAL_STAGES = (
    "applied",
    "screening",
    "first_interview",
    "second_interview",
    "final_interview",
    "offer",
    "hired",
)

# Pipeline vocabularies, index = vocabulary code used internally (0, 1, 2); position = stage order.
STAGE_VOCABULARIES = {
    "canonical": CANONICAL_STAGES,
    "ja": ("応募", "書類選考", "一次面接", "二次面接", "最終面接", "内定", "入社"),
    "en": (
        "Application Review",
        "Phone Screen",
        "Technical Interview",
        "Onsite Interview",
        "Final Interview",
        "Offer",
        "Hired",
    ),
}
# Extra stages of Japanese pipelines and the canonical stage they stand for.
EXTRA_STAGES = {"適性検査": "screening", "役員面接": "final_interview"}
# Stage names no seed maps (about 0.5% of stage events).
UNMAPPED_STAGES = ("リファラル面談", "Coding Test")
_STAGE_NAMES = tuple(
    dict.fromkeys([*sum(STAGE_VOCABULARIES.values(), ()), *EXTRA_STAGES, *UNMAPPED_STAGES])
)

# Rejection reasons by the category they are meant to map to, per vocabulary language.
# Canonical-vocabulary pipelines use the category code itself.
REJECTION_REASONS = {
    "preferred_other_candidate": {"ja": ("他候補者決定",), "en": ("Hired another candidate",)},
    "culture_fit": {"ja": ("社風不一致", "カルチャーフィット不一致"), "en": ("Not a culture fit",)},
    "headcount_budget": {
        "ja": ("採用枠充足", "予算都合"),
        "en": ("Position filled", "Budget constraints"),
    },
    "timing": {"ja": ("時期不一致",), "en": ("Timing",)},
    "offer_conditions": {"ja": ("条件不一致", "年収条件不一致"), "en": ("Compensation",)},
    "candidate_withdrew": {
        "ja": ("辞退", "他社決定"),
        "en": ("Candidate withdrew", "Accepted another offer"),
    },
    "skills_gap": {"ja": ("スキル不足", "経験不足"), "en": ("Lacking skills/qualifications",)},
    "disqualified": {
        "ja": ("経歴詐称",),
        "en": ("Failed background check", "Spam", "Duplicate"),
    },
    "other": {"ja": ("その他",), "en": ("Other",)},
}
UNMAPPED_REJECTION_REASONS = ("面接日程調整不可", "Reason unknown (legacy)")
DECLINE_REASONS = {
    "ja": ("条件不一致", "年収条件不一致", "勤務地不一致", "入社時期不一致", "他社決定"),
    "en": ("Compensation", "Relocation not possible", "Accepted another offer"),
}

ENTITIES = CANONICAL_ENTITIES

# Output columns per entity, in contract order: (name, kind, SQL expression over the entity's
# row table, which keeps numbers and indexes; ids and texts are made while writing).
# Columns of kind "ts" are formatted as ISO 8601 text in CSV.
_CANDIDATE_ID = "'C' || candidate_no"
_APPLICATION_ID = "'A' || application_no"
_COLUMNS = {
    "candidates": (
        ("candidate_id", "text", "'C' || sort_key"),
        ("full_name", "text", "full_name"),
        ("email", "text", "email"),
        ("phone", "text", "phone"),
        ("country", "text", "country"),
        ("region", "text", "region"),
        ("created_at", "ts", "created_at"),
        ("updated_at", "ts", "updated_at"),
        ("is_deleted", "bool", "is_deleted"),
    ),
    "jobs": (
        ("job_id", "text", "'J' || sort_key"),
        ("title", "text", "title"),
        ("job_family", "text", "job_family"),
        ("department", "text", "department"),
        ("country", "text", "country"),
        ("status", "text", "status"),
        ("opened_at", "ts", "opened_at"),
        ("closed_at", "ts", "closed_at"),
        ("updated_at", "ts", "updated_at"),
    ),
    "applications": (
        ("application_id", "text", "'A' || sort_key"),
        ("candidate_id", "text", _CANDIDATE_ID),
        ("job_id", "text", "'J' || job_no"),
        ("applied_at", "ts", "applied_at"),
        ("status", "text", "status"),
        ("closed_at", "ts", "closed_at"),
        ("rejection_reason", "text", "rejection_reason"),
        ("updated_at", "ts", "updated_at"),
    ),
    "stage_events": (
        ("stage_event_id", "text", "'S' || sort_key"),
        ("application_id", "text", _APPLICATION_ID),
        ("stage", "text", "stage_name(stage_idx)"),
        ("entered_at", "ts", "entered_at"),
    ),
    "evaluations": (
        ("evaluation_id", "text", "'E' || sort_key"),
        ("application_id", "text", _APPLICATION_ID),
        ("stage", "text", "stage_name(stage_idx)"),
        ("evaluated_at", "ts", "evaluated_at"),
        ("rating", "int", "rating"),
        ("strengths", "text", "strength_text(strengths_idx)"),
        ("concerns", "text", "concern_text(concerns_idx)"),
    ),
    "offers": (
        ("offer_id", "text", "'O' || sort_key"),
        ("application_id", "text", _APPLICATION_ID),
        ("extended_at", "ts", "extended_at"),
        ("status", "text", "status"),
        ("decline_reason", "text", "decline_reason"),
        ("updated_at", "ts", "updated_at"),
    ),
    "consent_events": (
        ("consent_event_id", "text", "'CE' || sort_key"),
        ("candidate_id", "text", _CANDIDATE_ID),
        ("purpose", "text", "purpose"),
        ("action", "text", "action"),
        ("recorded_at", "ts", "recorded_at"),
        ("expires_at", "ts", "expires_at"),
        ("notice_version", "text", "notice_version"),
        ("channel", "text", "channel"),
    ),
    "privacy_requests": (
        ("request_id", "text", "'PR' || sort_key"),
        ("candidate_id", "text", _CANDIDATE_ID),
        ("request_type", "text", "request_type"),
        ("received_at", "ts", "received_at"),
        ("completed_at", "ts", "completed_at"),
    ),
    "outreach_events": (
        ("outreach_id", "text", "'OR' || sort_key"),
        ("candidate_id", "text", _CANDIDATE_ID),
        ("sent_at", "ts", "sent_at"),
        ("channel", "text", "channel"),
        ("cohort", "text", "cohort"),
        ("outcome", "text", "outcome"),
        ("outcome_at", "ts", "outcome_at"),
    ),
    "openings": (
        ("opening_id", "text", "'OP' || sort_key"),
        ("job_id", "text", "'J' || job_no"),
        ("situation", "text", "situation_text(situation_idx)"),
        ("language", "text", "language"),
        ("target_cohorts", "text", "target_cohorts"),
        ("opened_on", "text", "strftime(opened_on, '%Y-%m-%d')"),
        ("closes_on", "text", "strftime(closes_on, '%Y-%m-%d')"),
        ("updated_at", "ts", "updated_at"),
    ),
}

BATCH_SPACING_DAYS = 30
HISTORY_DAYS = 1826  # five years of applications before the last batch
MIN_CANDIDATES = 200

# --------------------------------------------------------------------------------------------
# Reference lists for realistic values
# --------------------------------------------------------------------------------------------


def _weighted(weights: dict) -> list:
    """Expand {value: weight} into a list in which each value appears weight times."""
    return [value for value, weight in weights.items() for _ in range(weight)]


# JIS X 0401 prefecture codes: every prefecture once, the big ones more often (13 = Tokyo)
_JP_PREFECTURES = [f"{code:02d}" for code in range(1, 48)] + _weighted(
    {"13": 40, "14": 10, "27": 9, "11": 6, "12": 5, "23": 6, "40": 4, "28": 4, "26": 3, "01": 2}
)
# country: (weight out of 100, regions (weighted), calling code, name style)
_COUNTRIES = {
    "JP": (70, _JP_PREFECTURES, "81", "ja"),
    "US": (10, _weighted({"CA": 6, "NY": 4, "WA": 3, "TX": 2, "MA": 2, "IL": 1}), "1", "western"),
    "DE": (2, ["BE", "BY", "HH", "NW", "HE"], "49", "western"),
    "FR": (2, ["IDF", "ARA", "OCC", "PAC"], "33", "western"),
    "GB": (2, ["ENG", "ENG", "ENG", "SCT", "WLS"], "44", "western"),
    "NL": (1, ["NH", "ZH", "UT"], "31", "western"),
    "IE": (1, ["D", "CO", "G"], "353", "western"),
    "ES": (1, ["MD", "CT", "AN"], "34", "western"),
    "IT": (1, ["MI", "RM", "TO"], "39", "western"),
    "SG": (1, [], "65", "east_asian"),
    "KR": (2, ["11", "26", "41"], "82", "east_asian"),
    "IN": (2, ["KA", "MH", "TN", "DL"], "91", "south_asian"),
    "CN": (2, ["SH", "BJ", "GD"], "86", "east_asian"),
    "TW": (1, ["TPE"], "886", "east_asian"),
    "AU": (1, ["NSW", "VIC"], "61", "western"),
    "CA": (1, ["ON", "BC"], "1", "western"),
}

# (kanji, romaji) pairs
_JA_FAMILY = [
    ("佐藤", "Sato"), ("鈴木", "Suzuki"), ("高橋", "Takahashi"), ("田中", "Tanaka"),
    ("伊藤", "Ito"), ("渡辺", "Watanabe"), ("山本", "Yamamoto"), ("中村", "Nakamura"),
    ("小林", "Kobayashi"), ("加藤", "Kato"), ("吉田", "Yoshida"), ("山田", "Yamada"),
    ("佐々木", "Sasaki"), ("山口", "Yamaguchi"), ("松本", "Matsumoto"), ("井上", "Inoue"),
    ("木村", "Kimura"), ("林", "Hayashi"), ("斎藤", "Saito"), ("清水", "Shimizu"),
    ("山崎", "Yamazaki"), ("森", "Mori"), ("池田", "Ikeda"), ("橋本", "Hashimoto"),
    ("阿部", "Abe"), ("石川", "Ishikawa"), ("山下", "Yamashita"), ("中島", "Nakajima"),
    ("石井", "Ishii"), ("小川", "Ogawa"), ("前田", "Maeda"), ("岡田", "Okada"),
    ("長谷川", "Hasegawa"), ("藤田", "Fujita"), ("後藤", "Goto"), ("近藤", "Kondo"),
    ("村上", "Murakami"), ("遠藤", "Endo"), ("青木", "Aoki"), ("坂本", "Sakamoto"),
    ("斉藤", "Saito"), ("福田", "Fukuda"), ("太田", "Ota"), ("西村", "Nishimura"),
    ("藤井", "Fujii"), ("金子", "Kaneko"), ("岡本", "Okamoto"), ("藤原", "Fujiwara"),
    ("中野", "Nakano"), ("三浦", "Miura"),
]  # fmt: skip
_JA_GIVEN = [
    ("翔太", "Shota"), ("大輔", "Daisuke"), ("健太", "Kenta"), ("拓也", "Takuya"),
    ("直樹", "Naoki"), ("亮", "Ryo"), ("翔", "Sho"), ("大樹", "Daiki"), ("達也", "Tatsuya"),
    ("和也", "Kazuya"), ("蓮", "Ren"), ("悠斗", "Yuto"), ("陽翔", "Haruto"), ("湊", "Minato"),
    ("誠", "Makoto"), ("隆", "Takashi"), ("浩", "Hiroshi"), ("健", "Ken"), ("剛", "Tsuyoshi"),
    ("雄太", "Yuta"), ("拓海", "Takumi"), ("諒", "Ryo"), ("修", "Osamu"), ("慎也", "Shinya"),
    ("陽菜", "Hina"), ("美咲", "Misaki"), ("さくら", "Sakura"), ("葵", "Aoi"), ("結衣", "Yui"),
    ("愛", "Ai"), ("彩", "Aya"), ("由美", "Yumi"), ("恵", "Megumi"), ("明美", "Akemi"),
    ("真由美", "Mayumi"), ("千尋", "Chihiro"), ("麻衣", "Mai"), ("香織", "Kaori"),
    ("沙織", "Saori"), ("奈々", "Nana"), ("愛子", "Aiko"), ("優子", "Yuko"), ("智子", "Tomoko"),
    ("美穂", "Miho"), ("綾香", "Ayaka"), ("遥", "Haruka"), ("七海", "Nanami"), ("凛", "Rin"),
    ("芽依", "Mei"), ("真央", "Mao"),
]  # fmt: skip
_WESTERN_GIVEN = [
    "James", "Emma", "Oliver", "Sophie", "Lucas", "Mia", "Noah", "Hannah", "Liam", "Charlotte",
    "Daniel", "Olivia", "Thomas", "Léa", "Maximilian", "Anna", "Jonas", "Laura", "Pierre",
    "Camille", "Luca", "Giulia", "Marco", "Sofia", "Pablo", "Lucía", "Javier", "Carmen", "Sean",
    "Aoife", "Niamh", "Jan", "Sanne", "Daan", "Emily", "Michael", "Sarah", "David", "Jessica",
    "Matthew", "Ashley", "Ryan", "Megan", "Ethan", "Chloe", "Felix", "Zoë", "Hugo", "Elena",
    "Mateo",
]  # fmt: skip
_WESTERN_FAMILY = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor",
    "Anderson", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Martin",
    "Bernard", "Dubois", "Lefèvre", "Moreau", "Rossi", "Russo", "Ferrari", "Bianchi",
    "García", "Fernández", "López", "Martínez", "Sánchez", "Murphy", "Kelly", "O'Brien",
    "Walsh", "de Vries", "Jansen", "van Dijk", "Bakker", "Visser", "Thompson", "White",
    "Harris", "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott",
]  # fmt: skip
_EAST_ASIAN_FAMILY = [
    "Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Wang", "Li", "Zhang", "Liu", "Chen", "Yang",
    "Huang", "Zhao", "Wu", "Lin", "Tan", "Lim", "Ng", "Wong",
]  # fmt: skip
_EAST_ASIAN_GIVEN = [
    "Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun", "Do-yun", "Ji-woo", "Wei", "Fang", "Jing", "Lei",
    "Xin", "Hao", "Mei", "Jun", "Yi", "Hui Min", "Wei Ling", "Jia Hui", "Kai", "Yu-ting",
]  # fmt: skip
_SOUTH_ASIAN_FAMILY = [
    "Sharma", "Patel", "Iyer", "Reddy", "Gupta", "Singh", "Nair", "Rao", "Mehta", "Das",
]  # fmt: skip
_SOUTH_ASIAN_GIVEN = [
    "Priya", "Rahul", "Ananya", "Arjun", "Vikram", "Sneha", "Rohan", "Kavya", "Aditya", "Divya",
]  # fmt: skip

_JP_DOMAINS = ["example.jp", "example.co.jp", "example.ne.jp", "example.com"]
_OTHER_DOMAINS = ["example.com", "example.org", "example.net"]

# title, job_family, department
_JOB_TITLES = [
    ("バックエンドエンジニア", "engineering", "開発本部"),
    ("フロントエンドエンジニア", "engineering", "開発本部"),
    ("Backend Engineer", "engineering", "開発本部"),
    ("Software Engineer", "engineering", "開発本部"),
    ("Site Reliability Engineer", "engineering", "基盤技術部"),
    ("SREエンジニア", "engineering", "基盤技術部"),
    ("iOSエンジニア", "engineering", "開発本部"),
    ("QAエンジニア", "engineering", "品質保証部"),
    ("Engineering Manager", "engineering", "開発本部"),
    ("情報セキュリティエンジニア", "engineering", "基盤技術部"),
    ("データエンジニア", "data", "データ戦略部"),
    ("Data Scientist", "data", "データ戦略部"),
    ("機械学習エンジニア", "data", "データ戦略部"),
    ("Product Manager", "product", "プロダクト部"),
    ("プロダクトマネージャー", "product", "プロダクト部"),
    ("UI/UXデザイナー", "design", "デザイン部"),
    ("Product Designer", "design", "デザイン部"),
    ("営業", "sales", "営業本部"),
    ("法人営業", "sales", "営業本部"),
    ("Account Executive", "sales", "Global Sales"),
    ("インサイドセールス", "sales", "営業本部"),
    ("カスタマーサクセス", "customer_success", "カスタマーサクセス部"),
    ("Customer Success Manager", "customer_success", "Global Sales"),
    ("マーケティング", "marketing", "マーケティング部"),
    ("Marketing Manager", "marketing", "マーケティング部"),
    ("事業開発", "business_development", "事業開発部"),
    ("人事", "corporate", "人事部"),
    ("経理", "corporate", "管理本部"),
    ("法務", "corporate", "管理本部"),
    ("コーポレートIT", "corporate", "管理本部"),
]
_JOB_COUNTRIES = _weighted({"JP": 90, "US": 4, "SG": 3, "DE": 3})

_STRENGTHS = {
    "ja": [
        "プレゼンテーション能力が高い",
        "論理的思考力に優れる",
        "チームでの協働経験が豊富",
        "技術的な知識が深い",
        "コミュニケーションが丁寧",
        "主体性があり自走できる",
        "顧客志向が強い",
        "学習意欲が高い",
        "大規模システムの設計経験がある",
        "設計力が高く、レビューも丁寧",
        "前職での決済基盤の刷新において、要件整理から設計、移行計画の策定までを一貫して主導し、"
        "関係部署との調整を粘り強く重ねながら、障害ゼロでの切り替えを実現した経験を具体的に説明できる。"
        "面接でも論点を整理して話す力が際立っていた。新しい技術の導入にも前向きで、"
        "チーム内の勉強会を自ら企画して継続的に運営し、後輩の育成にも熱心に取り組んできた点も評価が高かった",
    ],
    "en": [
        "Strong system design",
        "Clear communicator",
        "Excellent presentation skills",
        "Deep domain knowledge",
        'Strong "ownership" mindset, drives projects end to end',
        "Customer-focused",
        "Fast learner",
        "Solid coding fundamentals",
        "Led cross-functional projects",
        "Good stakeholder management",
        "Explained, with concrete numbers, how she rebuilt the onboarding funnel of a B2B product,"
        " aligned sales and engineering on one roadmap, and cut the time to first value from six"
        " weeks to ten days; very clear structure when presenting trade-offs",
    ],
}
# What HR writes about the company's situation now (recontact-outreach v1, openings), per
# language; the last one of each is a careless text (a banned phrase) whose drafts must be
# withheld, used for a few openings only.
_SITUATIONS = {
    "ja": [
        "新規事業の立ち上げに伴い、プロダクト開発体制を強化しています。",
        "海外展開に向けた新プロジェクトが始動し、チームを拡充しています。",
        "主力サービスの全面刷新プロジェクトが始まりました。",
        "データ活用を全社で進める新組織を立ち上げました。",
        "新しい大阪拠点の開設に伴い、中核となるメンバーを募集しています。",
        "生成AIを活用した新機能の開発を本格的に開始しました。",
        "大手企業向けの新プランの提供開始に伴い、体制を広げています。",
        "昨年立ち上げたサービスが成長し、次の段階に進む体制づくりを進めています。",
        "人手不足のため急募しています。",
    ],
    "en": [
        "We have started a new project to bring our product to customers in Southeast Asia.",
        "A new platform team has been formed to rebuild our core services.",
        "We are launching a data organisation that serves every department.",
        "Our enterprise plan has launched, and we are growing the team behind it.",
        "We have begun building new features on top of generative AI.",
        "The service we launched last year is growing, and we are preparing its next stage.",
        "We have opened a new office in Singapore and are forming its founding team.",
        "We are short-staffed and need someone urgently.",
    ],
}
_TARGET_COHORTS = [
    "final_interview",
    "culture_fit;final_interview",
    "offer_declined_conditions",
    "timing_headcount",
    "final_interview; timing_headcount",
]

_CONCERNS = {
    "ja": [
        "当社のスピード感に合うか懸念",
        "技術的な深さがやや不足",
        "マネジメント経験が少ない",
        "志望動機がやや弱い",
        "希望年収との乖離",
        "入社可能時期が先",
        "チームの進め方との相性に懸念",
        "英語での業務経験が少ない",
    ],
    "en": [
        "Limited experience at scale",
        "Salary expectations above band",
        "Start date too far out",
        "Prefers fully remote work",
        "Limited people management experience",
        "Answers were sometimes unclear",
        "Ways of working may not match the team",
        "Needs more depth in distributed systems, testing",
    ],
}

# Weighted picks used by the SQL (lists of 100 entries unless noted).
_APPS_PER_CANDIDATE = _weighted({1: 30, 2: 30, 3: 25, 4: 15})
_CANDIDATE_HOURS = _weighted(
    {0: 2, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 2, 7: 3, 8: 4, 9: 5, 10: 6, 11: 6, 12: 6}
    | {13: 6, 14: 6, 15: 6, 16: 6, 17: 6, 18: 7, 19: 8, 20: 9, 21: 9, 22: 7, 23: 4}
)
_FURTHEST_REJECTED = _weighted({1: 2, 2: 22, 3: 28, 4: 21, 5: 26, 6: 1})
_FURTHEST_WITHDRAWN = _weighted({1: 10, 2: 25, 3: 35, 4: 18, 5: 12})
_CATEGORIES = {
    "rejected_early": _weighted(
        {"skills_gap": 50, "preferred_other_candidate": 10, "culture_fit": 5}
        | {"headcount_budget": 10, "timing": 5, "disqualified": 5, "other": 15}
    ),
    "rejected_mid": _weighted(
        {"skills_gap": 35, "culture_fit": 20, "preferred_other_candidate": 20}
        | {"headcount_budget": 8, "timing": 5, "disqualified": 2, "other": 10}
    ),
    "rejected_late": _weighted(
        {"preferred_other_candidate": 35, "culture_fit": 25, "headcount_budget": 12, "timing": 8}
        | {"skills_gap": 10, "offer_conditions": 3, "disqualified": 2, "other": 5}
    ),
    "withdrawn": _weighted(
        {"candidate_withdrew": 70, "timing": 15, "other": 10, "offer_conditions": 5}
    ),
    "offer_declined": _weighted({"offer_conditions": 55, "candidate_withdrew": 35, "timing": 10}),
}
_RATINGS = {
    "passed": _weighted({3: 25, 4: 50, 5: 25}),
    "failed": _weighted({1: 10, 2: 35, 3: 40, 4: 12, 5: 3}),
    "culture": _weighted({3: 30, 4: 50, 5: 20}),
    "withdrew": _weighted({2: 10, 3: 40, 4: 40, 5: 10}),
}
_OUTCOMES = _weighted(
    {"no_response": 55, "not_interested": 15, "interested": 15, "reapplied": 10, "opt_out": 5}
)


# --------------------------------------------------------------------------------------------
# Boundary cases (hand-made candidates exactly on the rule boundaries relative to end_date)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _App:
    """One application of a boundary case (vocabulary 1 = Japanese pipeline)."""

    closed_at: datetime | None  # when the status became final; None while active
    applied_at: datetime | None = None  # default: 60 days before closing, 21:10
    status: str = "rejected"
    furthest: int = 5  # canonical stage order reached (5 = final_interview)
    reason: str | None = "社風不一致"
    category: str | None = "culture_fit"  # only steers evaluation ratings
    vocab: int = 1
    closed_at_empty: bool = False  # export closed_at empty: closed_on falls back to updated_at
    tz: int = 0  # 0 local, 1 +09:00, 2 UTC "Z" for all its timestamps
    events_until: datetime | None = None  # end of the stage-event span (default: closed_at)
    decline_reason: str | None = None  # of its offer, when it reached one
    tie_offer: bool = False  # add a second declined offer with the same extended_at

    def applied(self) -> datetime:
        if self.applied_at is not None:
            return self.applied_at
        assert self.closed_at is not None
        return datetime.combine(self.closed_at.date() - timedelta(days=60), time(21, 10))


@dataclass(frozen=True)
class _Consent:
    purpose: str
    action: str
    recorded_at: datetime
    expires_at: datetime | None = None
    tz: int = 0


@dataclass(frozen=True)
class _Case:
    label: str
    apps: tuple[_App, ...]
    country: str = "JP"
    region: str | None = "13"
    # None: retention and recontact granted at the first application, without expiry
    consents: tuple[_Consent, ...] | None = None
    extra_consents: tuple[_Consent, ...] = ()
    outreach: tuple[tuple[datetime, str | None, datetime | None, int], ...] = ()  # sent, outcome
    privacy: tuple[tuple[str, datetime], ...] = ()  # request_type, received_at
    deleted_at: datetime | None = None
    twin_of: str | None = None  # same name, e-mail and phone as that case's candidate


def _add_months(day: date, months: int) -> date:
    """Calendar months, clamped to the month's end (as DuckDB's ``+ interval``)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _at(day: date, hour: int = 18, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def _boundary_cases(d: date, quality_faults: bool = False) -> list[_Case]:
    """The hand-made cases, in candidate order (candidate 1 is the first). With
    ``quality_faults``, the last case's active application has a typo in its year."""
    cases: list[_Case] = []

    def add(label: str, day: date | None, hour: int = 18, minute: int = 0, **kw) -> None:
        """A case with one application, closed on ``day`` at hour:minute (None: active)."""
        app_kw = {k: kw.pop(k) for k in list(kw) if k in _App.__dataclass_fields__}
        closed_at = _at(day, hour, minute) if day else None
        cases.append(_Case(label, (_App(closed_at, **app_kw),), **kw))

    def no_retention(day: date) -> tuple[_Consent, ...]:
        applied = _App(_at(day)).applied()
        return (_Consent("recontact", "granted", applied),)

    # too_recent (3 months) and outside_lookback (36 months), exact and one day either side
    for months in (3, 36):
        for delta in (-1, 0, 1):
            suffix = {-1: "minus_1d", 0: "exact", 1: "plus_1d"}[delta]
            add(f"close_{months}m_{suffix}", _add_months(d, -months) + timedelta(days=delta))
    # the same boundaries written in UTC / with an offset: the local date is what counts
    for months in (3, 36):
        day = _add_months(d, -months) + timedelta(days=1)
        add(f"close_{months}m_plus_1d_utc_z", day, 0, 30, tz=2)
    add("close_3m_plus_1d_offset", _add_months(d, -3) + timedelta(days=1), 0, 30, tz=1)
    # closed_at empty: closed_on comes from updated_at
    add(
        "close_3m_plus_1d_no_closed_at",
        _add_months(d, -3) + timedelta(days=1),
        10,
        0,
        closed_at_empty=True,
    )
    add("close_36m_no_closed_at_utc_z", _add_months(d, -36), 1, 0, closed_at_empty=True, tz=2)
    # month ends and leap days, where month arithmetic clamps
    for months in (3, 4, 36, 37):
        first = _add_months(d, -months).replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        add(f"close_month_end_{months}m", last)
    leap_year = next(
        y
        for y in range(d.year, d.year - 9, -1)
        if calendar.isleap(y) and date(y, 2, 29) <= _add_months(d, -3)
    )
    feb29 = date(leap_year, 2, 29)
    add("close_feb29", feb29)
    add("close_feb29_no_retention_consent", feb29, consents=no_retention(feb29))
    # retention periods of the JP policy (months come from the seed), with and without consent
    for months in (6, 12, 24, 36, 48):
        for delta in (-1, 0, 1):
            day = _add_months(d, -months) + timedelta(days=delta)
            suffix = {-1: "minus_1d", 0: "exact", 1: "plus_1d"}[delta]
            add(f"retention_{months}m_{suffix}_consent", day)
            add(f"retention_{months}m_{suffix}_no_consent", day, consents=no_retention(day))
    # other jurisdictions: California's 4-year legal floor, Germany's short period
    for months, country, region in ((48, "US", "CA"), (6, "DE", "BE")):
        for delta in (-1, 0, 1):
            day = _add_months(d, -months) + timedelta(days=delta)
            suffix = {-1: "minus_1d", 0: "exact", 1: "plus_1d"}[delta]
            add(
                f"{country.lower()}_{months}m_{suffix}_no_consent",
                day,
                country=country,
                region=region,
                reason="Not a culture fit",
                vocab=2,
                consents=no_retention(day),
            )

    # consent expiring around D (valid only when the expiry date is after D)
    ten_months = _add_months(d, -10)
    applied = _App(_at(ten_months)).applied()
    for label, expiry in (
        ("recontact_expires_on_d", _at(d, 12)),
        ("recontact_expires_d_minus_1", _at(d - timedelta(days=1), 12)),
        ("recontact_expires_d_plus_1", _at(d + timedelta(days=1), 12)),
    ):
        consents = (
            _Consent("retention", "granted", applied),
            _Consent("recontact", "granted", applied, expiry),
        )
        add(label, ten_months, consents=consents)
    consents = (
        _Consent("retention", "granted", applied),
        _Consent("recontact", "granted", applied, _at(d + timedelta(days=1), 0, 30), tz=2),
    )
    add("recontact_expires_d_plus_1_utc_z", ten_months, consents=consents)
    for label, expiry in (
        ("retention_consent_expires_on_d", _at(d, 12)),
        ("retention_consent_expires_d_plus_1", _at(d + timedelta(days=1), 12)),
    ):
        consents = (
            _Consent("retention", "granted", applied, expiry),
            _Consent("recontact", "granted", applied),
        )
        add(label, ten_months, consents=consents)

    # outreach cooldown (180 days)
    for days in (179, 180, 181):
        sent = _at(d - timedelta(days=days), 14)
        add(f"outreach_{days}d", ten_months, outreach=((sent, "no_response", None, 0),))
    sent = _at(d - timedelta(days=179), 1)  # local D-179, UTC date D-180
    add("outreach_179d_utc_z", ten_months, outreach=((sent, None, None, 2),))
    sent = _at(d - timedelta(days=200), 14)
    add(
        "opt_out_outcome_after_d",
        ten_months,
        outreach=((sent, "opt_out", _at(d + timedelta(days=1), 9), 0),),
    )
    add("opt_out_without_outcome_at", ten_months, outreach=((sent, "opt_out", None, 0),))

    # rows dated after D (ignored when building as of D)
    cases.append(
        _Case(
            "reapplied_after_d",
            (
                _App(_at(ten_months)),
                _App(
                    None,
                    applied_at=_at(d + timedelta(days=3), 20),
                    status="active",
                    furthest=1,
                    reason=None,
                    events_until=_at(d + timedelta(days=4)),
                ),
            ),
            extra_consents=(_Consent("recontact", "granted", _at(d + timedelta(days=3), 20)),),
        )
    )
    add(
        "closed_after_d",
        d + timedelta(days=5),
        11,
        furthest=3,
        applied_at=_at(d - timedelta(days=40), 22),
        reason="スキル不足",
        category="skills_gap",
    )
    add(
        "hired_after_d",
        d + timedelta(days=7),
        10,
        status="hired",
        furthest=7,
        reason=None,
        category=None,
        applied_at=_at(d - timedelta(days=70), 22),
    )
    add(
        "stage_events_after_d",
        None,
        status="active",
        furthest=3,
        reason=None,
        category=None,
        applied_at=_at(d - timedelta(days=20), 23),
        events_until=_at(d + timedelta(days=12)),
    )
    add(
        "consent_withdrawn_after_d",
        ten_months,
        extra_consents=(_Consent("recontact", "withdrawn", _at(d + timedelta(days=2), 8)),),
    )
    add(
        "consent_granted_after_d",
        ten_months,
        consents=(
            _Consent("retention", "granted", applied),
            _Consent("recontact", "granted", _at(d + timedelta(days=1), 9)),
        ),
    )
    add("erasure_after_d", ten_months, privacy=(("erasure", _at(d + timedelta(days=1), 9)),))
    add("erasure_before_d", ten_months, privacy=(("erasure", _at(d - timedelta(days=30), 9)),))
    add("stop_use_before_d", ten_months, privacy=(("stop_use", _at(d - timedelta(days=5))),))
    add("deleted_after_d", ten_months, deleted_at=_at(d + timedelta(days=2), 10))
    add("deleted_before_d", ten_months, deleted_at=_at(d - timedelta(days=20), 10))
    add(
        "created_after_d",
        None,
        status="active",
        furthest=1,
        reason=None,
        category=None,
        applied_at=_at(d + timedelta(days=2), 21),
        events_until=_at(d + timedelta(days=3)),
    )

    # consent ties: granted and withdrawn with the same recorded_at (withdrawn wins)
    tie = _at(d - timedelta(days=60), 10)
    add(
        "consent_tie_same_recorded_at",
        ten_months,
        extra_consents=(
            _Consent("recontact", "granted", tie),
            _Consent("recontact", "withdrawn", tie),
        ),
    )
    add(
        "consent_tie_mixed_offsets",
        ten_months,
        extra_consents=(
            _Consent("recontact", "granted", tie),
            _Consent("recontact", "withdrawn", tie, tz=2),
        ),
    )
    add(
        "retention_consent_tie",
        ten_months,
        extra_consents=(
            _Consent("retention", "withdrawn", tie, tz=1),
            _Consent("retention", "granted", tie),
        ),
    )

    # reasons and offers
    add("disqualified_falsified_history", ten_months, reason="経歴詐称", category="disqualified")
    add("disqualified_spam", ten_months, reason="Spam", category="disqualified", vocab=2)
    add(
        "offer_declined_conditions",
        ten_months,
        status="offer_declined",
        furthest=6,
        reason=None,
        category=None,
        decline_reason="年収条件不一致",
    )
    add(
        "offer_declined_two_offers_same_extended_at",
        ten_months,
        status="offer_declined",
        furthest=6,
        reason=None,
        category=None,
        decline_reason="他社決定",
        tie_offer=True,
    )
    add(
        "withdrawn_without_reason",
        ten_months,
        status="withdrawn",
        furthest=3,
        reason=None,
        category=None,
    )
    add("unmapped_reason", ten_months, reason="面接日程調整不可", category="other")
    cases.append(
        _Case(
            "hired_earlier_rejected_later",
            (
                _App(
                    _at(_add_months(d, -40)), status="hired", furthest=7, reason=None, category=None
                ),
                _App(_at(ten_months)),
            ),
        )
    )
    cases.append(
        _Case(
            "active_and_closed",
            (
                _App(_at(ten_months)),
                _App(
                    None,
                    applied_at=_at(d - timedelta(days=10), 20),
                    status="active",
                    furthest=2,
                    reason=None,
                    category=None,
                    events_until=_at(d - timedelta(1)),
                ),
            ),
        )
    )
    add("same_email_a", ten_months)
    add("same_email_b", _add_months(d, -14), twin_of="same_email_a")
    # Data-quality hold (rule set v1.1): a long-expired record with an active application.
    # With quality_faults its applied_at carries a typo in the year (2062 for 2026): that row
    # is quarantined (in the future), and without the hold the person would look closed
    # since five years and be purged. Without, it is applied for ten days before D. (Vendor
    # exports are converted from exports without the typo: their mappings differ in which
    # rows a far-future date quarantines.)
    typo = (
        datetime(2062, d.month, min(d.day, 28), 10, 0)
        if quality_faults
        else _at(d - timedelta(days=10), 10)
    )
    cases.append(
        _Case(
            "expired_with_active_application",
            (
                _App(_at(_add_months(d, -60))),
                _App(
                    None,
                    applied_at=typo,
                    status="active",
                    furthest=1,
                    reason=None,
                    category=None,
                    events_until=typo,
                ),
            ),
        )
    )
    return cases


def boundary_case_labels() -> dict[str, str]:
    """candidate_id -> label of each hand-made boundary case (same for every end_date)."""
    cases = _boundary_cases(date(2026, 11, 27))
    return {_candidate_id(no): case.label for no, case in enumerate(cases, start=1)}


def _candidate_id(candidate_no: int) -> str:
    return f"C{candidate_no}"


# --------------------------------------------------------------------------------------------
# SQL helpers
# --------------------------------------------------------------------------------------------


def _lit(value) -> str:
    """Render a Python value as a DuckDB literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_lit(v) for v in value) + "]"
    raise TypeError(f"no literal for {value!r}")


def _ascii(name: str) -> str:
    """E-mail-safe form of a romanized name: accents stripped, letters only, lower case."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain if ch.isalpha()).lower()


def _values(rows: Iterable[Sequence], names: str) -> str:
    """A VALUES table from Python rows, e.g. ``(VALUES (1, 'a')) t(no, name)``."""
    body = ",\n".join("(" + ", ".join(_lit(v) for v in row) + ")" for row in rows)
    return f"(VALUES {body}) t({names})"


def _reference_sql() -> str:
    """Small lookup tables the generator joins against (one row per value, equality joins)."""
    pools = {
        "ja": (_JA_FAMILY, _JA_GIVEN, True),
        "western": (_WESTERN_FAMILY, _WESTERN_GIVEN, False),
        "east_asian": (_EAST_ASIAN_FAMILY, _EAST_ASIAN_GIVEN, True),
        "south_asian": (_SOUTH_ASIAN_FAMILY, _SOUTH_ASIAN_GIVEN, False),
    }

    def romanized(names: list) -> list[tuple[str, str]]:
        """(name, e-mail form); Japanese names come with their romaji."""
        return [(n[0], _ascii(n[1])) if isinstance(n, tuple) else (n, _ascii(n)) for n in names]

    country_rows, family_rows, given_rows = [], [], []
    for country, (_, regions, code, style) in _COUNTRIES.items():
        family, given, family_first = pools[style]
        country_rows.append((country, len(regions), code, style, len(family), len(given),
                             family_first))  # fmt: skip
    for style, (family, given, _) in pools.items():
        family_rows += [(style, i, *n) for i, n in enumerate(romanized(family), start=1)]
        given_rows += [(style, i, *n) for i, n in enumerate(romanized(given), start=1)]
    countries = _values(
        country_rows,
        "country, n_regions, calling_code, name_style, n_family, n_given, family_first",
    )
    regions = _values(
        [(c, i, r) for c, spec in _COUNTRIES.items() for i, r in enumerate(spec[1], start=1)],
        "country, idx, region",
    )
    family = _values(family_rows, "name_style, idx, name, ascii")
    given = _values(given_rows, "name_style, idx, name, ascii")
    titles = _values(
        [(i, *row) for i, row in enumerate(_JOB_TITLES, start=1)],
        "title_no, title, job_family, department",
    )
    reason_rows = []
    for category, labels in REJECTION_REASONS.items():
        reason_rows += [(category, 0, [category]), (category, 1, list(labels["ja"]))]
        reason_rows.append((category, 2, list(labels["en"])))
    reasons = _values(reason_rows, "category, vocab, labels")
    return f"""
        CREATE TABLE countries AS SELECT * FROM {countries};
        CREATE TABLE regions AS SELECT * FROM {regions};
        CREATE TABLE family_names AS SELECT * FROM {family};
        CREATE TABLE given_names AS SELECT * FROM {given};
        CREATE TABLE job_titles AS SELECT * FROM {titles};
        CREATE TABLE reason_labels AS SELECT * FROM {reasons};
    """


def _macros_sql(seed: int, cutoffs: list[datetime]) -> str:
    batch_of = " ".join(f"WHEN t <= {_lit(c)} THEN {i}" for i, c in enumerate(cutoffs, start=1))
    # stage codes: 1..7 = canonical order; 11 = unmapped stage after 'applied';
    # 21 = 適性検査 after 書類選考; 51 = 役員面接 after 最終面接
    stage_index: list[int | None] = [None] * (3 * 64)
    for vocab, names in enumerate(STAGE_VOCABULARIES.values()):
        for order, name in enumerate(names, start=1):
            stage_index[vocab * 64 + order] = _STAGE_NAMES.index(name) + 1
        unmapped = UNMAPPED_STAGES[0 if vocab == 1 else 1]
        stage_index[vocab * 64 + 11] = _STAGE_NAMES.index(unmapped) + 1
    for code, name in ((21, "適性検査"), (51, "役員面接")):
        stage_index[64 + code] = _STAGE_NAMES.index(name) + 1
    return f"""
        -- uniform hash of (key, salt) for this seed; every random choice goes through it
        CREATE MACRO h(k, salt) AS hash(k, salt, {seed}::BIGINT);
        CREATE MACRO rnd(k, salt) AS (h(k, salt) >> 11) / 9007199254740992.0;  -- [0, 1)
        CREATE MACRO rint(k, salt, lo, hi) AS
            lo + (h(k, salt) % (hi - lo + 1)::UBIGINT)::BIGINT;  -- integer in [lo, hi]
        CREATE MACRO pick(l, k, salt) AS l[1 + (h(k, salt) % len(l)::UBIGINT)::BIGINT];
        -- timestamp style in CSV: 0 local, 1 local with +09:00 (5%), 2 UTC with Z (3%)
        CREATE MACRO tz_style(k, salt) AS
            CASE WHEN h(k, salt) % 100 < 3 THEN 2 WHEN h(k, salt) % 100 < 8 THEN 1 ELSE 0 END;
        CREATE MACRO iso_ts(t, tz) AS CASE tz
            WHEN 0 THEN strftime(t, '%Y-%m-%dT%H:%M:%S')
            WHEN 1 THEN strftime(t, '%Y-%m-%dT%H:%M:%S+09:00')
            ELSE strftime(t - INTERVAL 9 HOUR, '%Y-%m-%dT%H:%M:%SZ') END;
        -- a staff action on t's day, during office hours (09:00-19:59)
        CREATE MACRO at_office_hours(t, k, salt) AS
            date_trunc('day', t) + to_seconds(rint(k, salt, 9 * 3600, 20 * 3600 - 1));
        -- a candidate's action on day t, more often in the evening
        CREATE MACRO at_candidate_hour(t, k, salt) AS date_trunc('day', t)
            + to_seconds(pick({_lit(_CANDIDATE_HOURS)}, k, salt) * 3600
                         + rint(k, salt || '_s', 0, 3599));
        -- the first batch whose cutoff is at or after t; later rows go to the last batch
        CREATE MACRO batch_of(t) AS
            CASE WHEN t IS NULL THEN NULL {batch_of} ELSE {len(cutoffs)} END;
        CREATE MACRO cutoff_of(b) AS {_lit(cutoffs)}[b];
        -- the latest of the change times that fall into batch b (NULL: no change there)
        CREATE MACRO updated_in(changes, b) AS
            list_max(list_filter(changes, lambda t: batch_of(t) = b));
        -- the batches in which any of the change times fall, in order
        CREATE MACRO change_batches(changes) AS
            list_sort(list_distinct(list_transform(changes, lambda t: batch_of(t))));
        -- a later batch that delivers a row of batch b again, for a share of the rows
        CREATE MACRO redelivery(k, b, share, salt) AS
            CASE WHEN b < {len(cutoffs)} AND rnd(k, salt) < share
                 THEN b + 1 + (h(k, salt || '_batch') % ({len(cutoffs)} - b)::UBIGINT)::BIGINT
            END;
        CREATE MACRO notice_version(t) AS
            CASE WHEN t < TIMESTAMP '2025-01-20' THEN '2023-04' ELSE '2025-01' END;
        -- stage codes (see _macros_sql) -> index into the stage names, canonical order
        CREATE MACRO stage_index(vocab, code) AS {_lit(stage_index)}[vocab * 64 + code + 1];
        CREATE MACRO stage_order(code) AS
            CASE code WHEN 11 THEN NULL WHEN 21 THEN 2 WHEN 51 THEN 5 ELSE code END;
        -- texts stored as small integers until the files are written
        CREATE MACRO stage_name(i) AS {_lit(_STAGE_NAMES)}[i];
        CREATE MACRO strength_text(i) AS {_lit(_STRENGTHS["ja"] + _STRENGTHS["en"])}[i];
        CREATE MACRO concern_text(i) AS {_lit(_CONCERNS["ja"] + _CONCERNS["en"])}[i];
        CREATE MACRO situation_text(i) AS {_lit(_SITUATIONS["ja"] + _SITUATIONS["en"])}[i];
    """


# --------------------------------------------------------------------------------------------
# The generation steps (each a few SQL statements, run in order)
# --------------------------------------------------------------------------------------------

_CANDIDATES_SQL = """
-- Step: people. Country (70% JP), region, name, e-mail and phone; boundary cases override
-- the country and region and may share a twin's identity (name_key).
CREATE TABLE people AS
WITH base AS (
    SELECT r.candidate_no,
           coalesce(b.country, pick($countries, r.candidate_no, 'country')) AS country,
           b.candidate_no IS NOT NULL AS is_boundary, b.region AS boundary_region,
           coalesce(b.name_key, r.candidate_no) AS name_key, b.deleted_at AS boundary_deleted_at
    FROM range(1, $n + 1) r(candidate_no)
    LEFT JOIN b_candidates b USING (candidate_no)
), drawn AS (
    SELECT base.*, co.calling_code, co.name_style, co.family_first,
           CASE WHEN co.n_regions > 0
                THEN 1 + (h(candidate_no, 'region') % co.n_regions::UBIGINT)::BIGINT END
               AS region_idx,
           1 + (h(name_key, 'family') % co.n_family::UBIGINT)::BIGINT AS family_idx,
           1 + (h(name_key, 'given') % co.n_given::UBIGINT)::BIGINT AS given_idx
    FROM base JOIN countries co USING (country)
)
SELECT d.candidate_no, d.country, d.is_boundary, d.boundary_deleted_at,
       tz_style(d.candidate_no, 'tz') AS tz,
       CASE WHEN d.is_boundary THEN d.boundary_region ELSE r.region END AS region,
       CASE WHEN d.family_first THEN f.name || ' ' || g.name
            ELSE g.name || ' ' || f.name END AS full_name,
       -- one address per person (the name_key makes it unique; twins share it), so
       -- cross-source identity merges only the planted twins
       g.ascii || '.' || f.ascii || '.' || name_key::VARCHAR
           || '@' || CASE WHEN d.name_style = 'ja' THEN pick($jp_domains, name_key, 'domain')
                          ELSE pick($other_domains, name_key, 'domain') END AS email,
       CASE WHEN rnd(name_key, 'no_phone') < 0.05 THEN NULL
            WHEN d.country = 'JP' THEN pick(['090', '090', '080', '080', '070', '03', '06'],
                                            name_key, 'phone_prefix')
                 || '-' || lpad(rint(name_key, 'phone_a', 0, 9999)::VARCHAR, 4, '0')
                 || '-' || lpad(rint(name_key, 'phone_b', 0, 9999)::VARCHAR, 4, '0')
            WHEN d.calling_code = '1' THEN '+1 ' || pick(['415', '650', '212', '206', '617',
                                                          '312', '512', '416'], name_key, 'area')
                 || ' ' || rint(name_key, 'phone_x', 200, 999)::VARCHAR
                 || ' ' || lpad(rint(name_key, 'phone_a', 0, 9999)::VARCHAR, 4, '0')
            ELSE '+' || d.calling_code || ' ' || rint(name_key, 'phone_a', 10, 99)::VARCHAR
                 || ' ' || rint(name_key, 'phone_b', 1000000, 9999999)::VARCHAR END AS phone
FROM drawn d
LEFT JOIN regions r ON r.country = d.country AND r.idx = d.region_idx
JOIN family_names f ON f.name_style = d.name_style AND f.idx = d.family_idx
JOIN given_names g ON g.name_style = d.name_style AND g.idx = d.given_idx;
"""

_JOBS_SQL = """
-- Step: jobs. The first $n_evergreen are year-round postings (通年採用) open for the whole
-- history (jobs 1-3 use the canonical, Japanese and English pipelines); the others are open
-- for 45-540 days somewhere in the history.
CREATE TABLE jobs AS
WITH j AS (
    SELECT job_no, job_no <= $n_evergreen AS evergreen,
           CASE WHEN job_no <= 3 THEN job_no - 1
                ELSE pick([0, 1, 1, 2], job_no, 'vocab') END AS vocab,
           CASE WHEN job_no <= 3 THEN 'JP' ELSE pick($job_countries, job_no, 'country') END
               AS country,
           1 + (h(job_no, 'title') % $n_titles::UBIGINT)::BIGINT AS title_no,
           at_office_hours(CASE WHEN job_no <= $n_evergreen
               THEN $history_start - to_days(rint(job_no, 'open_days', 400, 800))
               ELSE $history_start - INTERVAL 90 DAY
                    + to_seconds((rnd(job_no, 'opened') * $job_open_seconds)::BIGINT) END,
               job_no, 'opened_time') AS opened_at,
           rint(job_no, 'duration', 45, 540) AS duration_days
    FROM range(1, $n_jobs + 1) r(job_no)
), c AS (
    SELECT *, CASE WHEN NOT evergreen
                   THEN at_office_hours(opened_at + to_days(duration_days), job_no, 'closed_time')
              END AS planned_close
    FROM j
), s AS (
    SELECT *, CASE WHEN planned_close <= $c_last THEN planned_close END AS closed_at,
           at_office_hours($c_last - to_days(rint(job_no, 'hold_days', 2, 120)), job_no,
                           'hold_time') AS planned_hold
    FROM c
)
SELECT job_no, vocab, country, t.title, t.job_family,
       t.department, opened_at, closed_at, tz_style(job_no, 'tz') AS tz,
       CASE WHEN closed_at IS NOT NULL
            THEN CASE WHEN rnd(job_no, 'filled') < 0.65 THEN 'filled' ELSE 'closed' END
            WHEN rnd(job_no, 'hold') < 0.12 AND planned_hold > opened_at THEN 'on_hold'
            ELSE 'open' END AS final_status,
       CASE WHEN final_status = 'on_hold' THEN planned_hold END AS hold_at
FROM s JOIN job_titles t USING (title_no);

-- The jobs a candidate can apply to in a month (opened before it, not closed during it),
-- numbered 1..n per month.
CREATE TABLE job_months AS
SELECT m.month, j.job_no, row_number() OVER (PARTITION BY m.month ORDER BY j.job_no) AS idx
FROM (SELECT unnest(generate_series(date_trunc('month', $history_start),
                                    date_trunc('month', $c_last + INTERVAL 62 DAY),
                                    INTERVAL 1 MONTH)) AS month) m
JOIN jobs j ON j.opened_at < m.month
           AND (j.closed_at IS NULL OR j.closed_at >= m.month + INTERVAL 1 MONTH);
CREATE TABLE job_month_sizes AS SELECT month, count(*) AS n FROM job_months GROUP BY month;
"""

_OPENINGS_SQL = """
-- Step: openings (recontact-outreach v1): why the company hires for a job now, written by
-- HR. 60% of the jobs have them: a Japanese one for jobs in Japan (35% also in English),
-- an English one elsewhere (20% also in Japanese); numbered job_no * 2 (ja) and + 1 (en).
-- An opening of a job still open starts 5-200 days before the last cutoff (8% start
-- 1-20 days after it), 20% of them close 20-120 days after they start (before or after
-- D); an opening of a job that closed ended with it. 30% target some cohorts only; 4% of
-- the texts are careless (a banned phrase). One version, written a few days before it
-- starts (at the latest an hour before the last cutoff); 3% re-delivered.
CREATE TABLE openings AS
WITH j AS (
    SELECT job_no, country, opened_at, closed_at, final_status
    FROM jobs
    WHERE rnd(job_no, 'has_openings') < 0.6 AND opened_at < $c_last
), l AS (
    SELECT j.*, u.language,
           job_no * 2 + CASE WHEN u.language = 'ja' THEN 0 ELSE 1 END AS opening_no
    FROM j, (SELECT unnest(['ja', 'en']) AS language) u
    WHERE CASE WHEN j.country = 'JP'
               THEN u.language = 'ja' OR rnd(j.job_no, 'also_en') < 0.35
               ELSE u.language = 'en' OR rnd(j.job_no, 'also_ja') < 0.2 END
), d AS (
    SELECT *,
           CASE WHEN closed_at IS NOT NULL
                    THEN CAST(opened_at AS DATE) + CAST(rint(opening_no, 'late', 0, 30) AS INTEGER)
                WHEN rnd(opening_no, 'future') < 0.08
                    THEN CAST($c_last AS DATE) + CAST(rint(opening_no, 'ahead', 1, 20) AS INTEGER)
                ELSE greatest(CAST(opened_at AS DATE), CAST($c_last AS DATE)
                              - CAST(rint(opening_no, 'since', 5, 200) AS INTEGER))
           END AS opened_on
    FROM l
), c AS (
    SELECT *,
           CASE WHEN closed_at IS NOT NULL THEN greatest(opened_on, CAST(closed_at AS DATE))
                WHEN rnd(opening_no, 'closes') < 0.2
                    THEN opened_on + CAST(rint(opening_no, 'length', 20, 120) AS INTEGER)
           END AS closes_on,
           least(at_office_hours(opened_on - CAST(rint(opening_no, 'written', 1, 10) AS INTEGER),
                                 opening_no, 'written_time'),
                 $c_last - INTERVAL 1 HOUR) AS updated_at
    FROM d
)
SELECT opening_no AS sort_key, job_no, language, opened_on, closes_on, updated_at,
       CASE WHEN language = 'ja' THEN 0 ELSE $n_situations_ja END
       + CASE WHEN rnd(opening_no, 'careless') < 0.04
              THEN CASE WHEN language = 'ja' THEN $n_situations_ja ELSE $n_situations_en END
              ELSE rint(opening_no, 'situation', 1, CASE WHEN language = 'ja'
                        THEN $n_situations_ja ELSE $n_situations_en END - 1)
         END AS situation_idx,
       CASE WHEN rnd(opening_no, 'targeted') < 0.3
            THEN pick($target_cohorts, opening_no, 'cohorts') END AS target_cohorts,
       tz_style(opening_no, 'tz') AS tz,
       batch_of(updated_at) AS batch_no,
       redelivery(opening_no, batch_of(updated_at), 0.03, 'opening') AS redelivered_in
FROM c
ORDER BY opening_no;
"""

_APPLICATIONS_SQL = """
-- Step: when each ordinary candidate applied. The latest application is drawn with a density
-- rising towards the end (the company grows, 9% in the last four months); earlier ones go
-- back by a short gap (parallel applications) or a long one (re-application years later) and
-- stop at the history start.
CREATE TABLE app_dates AS
WITH c AS (
    SELECT candidate_no, pick($apps_per_candidate, candidate_no, 'n_apps') AS n_apps,
           CASE WHEN rnd(candidate_no, 'hiring_push') < 0.09  -- this year's hiring push
                THEN $c_last - to_seconds(rint(candidate_no, 'recent', 86400, 120 * 86400))
                ELSE $history_start + to_seconds((cbrt(rnd(candidate_no, 'latest'))
                                                  * $latest_span_seconds)::BIGINT) END AS latest,
           list_transform([0, 1, 2], lambda i: CASE WHEN rnd(candidate_no, 'gap_kind' || i) < 0.55
                                        THEN rint(candidate_no, 'gap' || i, 1, 40)
                                        ELSE rint(candidate_no, 'gap' || i, 300, 1200) END) AS gaps
    FROM range($k + 1, $n + 1) r(candidate_no)
), kept AS (
    SELECT candidate_no, latest,
           list_filter([0, gaps[1], gaps[1] + gaps[2], gaps[1] + gaps[2] + gaps[3]][1:n_apps],
                       lambda o: latest - to_days(o) >= $history_start) AS offsets
    FROM c
), a AS (
    SELECT candidate_no, latest, len(offsets) AS n_kept, unnest(offsets) AS offset_days,
           unnest(range(len(offsets))) AS back
    FROM kept
)
SELECT candidate_no * 4 + n_kept - back - 1 AS application_no, candidate_no,
       n_kept - back AS seq,
       at_candidate_hour(latest - to_days(offset_days),
                         candidate_no * 4 + n_kept - back - 1, 'applied') AS applied_at
FROM a;

-- Step: how each ordinary application goes: job (one open that month), planned final status
-- and furthest stage, rejection category, pipeline quirks and pace.
CREATE TABLE app_outcomes AS
WITH m AS (
    SELECT d.*, date_trunc('month', d.applied_at) AS month,
           1 + (h(d.application_no, 'job') % z.n::UBIGINT)::BIGINT AS job_idx
    FROM app_dates d JOIN job_month_sizes z ON z.month = date_trunc('month', d.applied_at)
), a AS (
    SELECT m.* EXCLUDE (month, job_idx), jm.job_no,
           h(application_no, 'status') % 1000 AS r_status
    FROM m JOIN job_months jm ON jm.month = m.month AND jm.idx = m.job_idx
), s AS (
    SELECT a.*, j.vocab,
           CASE WHEN r_status < 55 THEN 'hired' WHEN r_status < 95 THEN 'offer_declined'
                WHEN r_status < 235 THEN 'withdrawn' ELSE 'rejected' END AS status_plan,
           CASE status_plan WHEN 'hired' THEN 7 WHEN 'offer_declined' THEN 6
                WHEN 'withdrawn' THEN pick($furthest_withdrawn, application_no, 'furthest')
                ELSE pick($furthest_rejected, application_no, 'furthest') END AS furthest
    FROM a JOIN jobs j USING (job_no)
)
SELECT *,
       CASE WHEN status_plan = 'withdrawn' THEN pick($cat_withdrawn, application_no, 'category')
            WHEN status_plan = 'offer_declined'
                 THEN pick($cat_offer_declined, application_no, 'category')
            WHEN status_plan = 'rejected' AND furthest <= 2
                 THEN pick($cat_rejected_early, application_no, 'category')
            WHEN status_plan = 'rejected' AND furthest <= 4
                 THEN pick($cat_rejected_mid, application_no, 'category')
            WHEN status_plan = 'rejected'
                 THEN pick($cat_rejected_late, application_no, 'category') END AS category,
       -- share of final applications whose reason is left empty
       rnd(application_no, 'no_reason') < CASE status_plan WHEN 'rejected' THEN 0.11
           WHEN 'withdrawn' THEN 0.3 WHEN 'offer_declined' THEN 0.4 ELSE 1 END AS no_reason,
       rnd(application_no, 'unmapped_reason') < 0.004 AS unmapped_reason,
       furthest >= 5 AND rnd(application_no, 'skip_second') < 0.3 AS skip_second,
       vocab = 1 AND furthest >= 3 AND rnd(application_no, 'aptitude') < 0.4 AS aptitude,
       vocab = 1 AND furthest >= 5 AND rnd(application_no, 'exec') < 0.35 AS exec_interview,
       rnd(application_no, 'unmapped_stage') < 0.02 AS unmapped_stage,
       furthest >= 3 AND rnd(application_no, 'repeat') < 0.05 AS repeat_first,
       status_plan = 'offer_declined' AND rnd(application_no, 'revised') < 0.1 AS revised_offer,
       status_plan = 'rejected' AND rnd(application_no, 'night') < 0.05 AS night_close,
       rnd(application_no, 'closed_at_empty') < 0.03 AS closed_at_empty,
       rint(application_no, 'pace', 7 * 86400, 28 * 86400) AS pace_seconds
FROM s;

-- Step: all applications (ordinary and boundary) with their stage codes, planned closing and
-- what the last batch shows: a process that would end after the last cutoff is still active.
CREATE TABLE apps AS
WITH plan AS (
    SELECT o.application_no, o.candidate_no, o.seq, o.applied_at, o.job_no, o.vocab,
           o.status_plan, o.furthest, o.category,
           CASE WHEN o.unmapped_reason AND o.category IS NOT NULL
                THEN pick($unmapped_reasons, o.application_no, 'unmapped_label')
                WHEN NOT o.no_reason THEN pick(l.labels, o.application_no, 'reason') END AS reason,
           NULL::VARCHAR AS decline_reason, NULL::TIMESTAMP AS closed_exact,
           NULL::TIMESTAMP AS events_until_exact, o.closed_at_empty, false AS tie_offer,
           false AS allow_future, o.skip_second, o.aptitude, o.exec_interview, o.unmapped_stage,
           o.repeat_first, o.revised_offer, o.night_close, o.pace_seconds,
           tz_style(o.application_no, 'tz') AS tz
    FROM app_outcomes o LEFT JOIN reason_labels l USING (category, vocab)
    UNION ALL
    SELECT application_no, candidate_no, seq, applied_at, vocab + 1 AS job_no, vocab,
           status AS status_plan, furthest, category, reason, decline_reason,
           closed_at AS closed_exact, coalesce(events_until, closed_at) AS events_until_exact,
           closed_at_empty, tie_offer, true AS allow_future, false, false, false, false, false,
           false, false, NULL::BIGINT, tz
    FROM b_apps
), coded AS (
    SELECT *, flatten(list_transform(
               list_filter(range(1, furthest + 1), lambda x: NOT (skip_second AND x = 4)),
               lambda x: CASE WHEN x = 1 AND unmapped_stage THEN [1, 11]
                              WHEN x = 2 AND aptitude THEN [2, 21]
                              WHEN x = 3 AND repeat_first THEN [3, 3]
                              WHEN x = 5 AND exec_interview THEN [5, 51]
                              ELSE [x] END)) AS codes
    FROM plan
), timed AS (
    SELECT *, coalesce(events_until_exact,
                       applied_at + to_seconds(pace_seconds * len(codes))) AS events_until
    FROM coded
), closing AS (
    SELECT *, CASE WHEN allow_future THEN closed_exact
                   WHEN night_close  -- automated rejection mails go out after midnight
                   THEN date_trunc('day', events_until)
                        + to_seconds(rint(application_no, 'night_time', 0, 7199))
                   ELSE at_office_hours(events_until, application_no, 'closed_time') END
               AS closed_plan,
           (epoch(events_until) - epoch(applied_at)) / len(codes) AS step_seconds
    FROM timed
), staged AS (
    -- when each stage is entered: applied at applied_at, then one step of the pace apart
    -- (with jitter, each on a different day, during office hours); hired = the closing
    SELECT *, list_transform(range(len(codes)), lambda i: CASE
               WHEN i = 0 THEN applied_at
               WHEN status_plan = 'hired' AND i = len(codes) - 1 THEN closed_plan
               ELSE at_office_hours(applied_at + to_seconds((step_seconds
                        * (i + 0.6 * rnd(application_no * 16 + i, 'jitter')))::BIGINT),
                    application_no * 16 + i, 'stage_time') END) AS stage_times
    FROM closing
)
SELECT *,
       -- stages entered after the last cutoff have not happened (except in boundary cases)
       CASE WHEN allow_future THEN len(codes)
            ELSE len(list_filter(stage_times, lambda t: t <= $c_last)) END AS n_entered,
       closed_plan IS NULL OR (closed_plan > $c_last AND NOT allow_future) AS unfinished,
       CASE WHEN unfinished THEN 'active' ELSE status_plan END AS status,
       CASE WHEN NOT unfinished THEN closed_plan END AS closed_at,
       CASE WHEN unfinished THEN NULL
            WHEN closed_at_empty THEN closed_plan
            ELSE closed_plan + to_seconds(rint(application_no, 'update_lag', 0, 5400)) END
           AS final_updated_at
FROM staged
ORDER BY application_no;
"""

_EVENTS_SQL = """
-- Step: stage events, one per stage entered, in key order (derived from apps by unnest and
-- projection only). batch_no: the batch after the event; redelivered_in: a later batch that
-- sends the same row again (1%).
CREATE TABLE stage_events AS
WITH e AS (
    SELECT application_no, vocab, status_plan, furthest, category, allow_future,
           unnest(codes[1:n_entered]) AS code, unnest(stage_times[1:n_entered]) AS entered_at,
           unnest(range(n_entered)) AS i
    FROM apps
)
SELECT application_no * 16 + i AS sort_key, application_no, entered_at,
       stage_index(vocab, code) AS stage_idx, stage_order(code) AS ord, allow_future,
       status_plan, furthest, category, vocab, tz_style(application_no * 16 + i, 'tz') AS tz,
       batch_of(entered_at) AS batch_no,
       redelivery(application_no * 16 + i, batch_of(entered_at), 0.01, 'stage') AS redelivered_in
FROM e;

-- Step: evaluations for 80% of interviews, written 1-4 hours after them. Ratings: candidates
-- who passed the stage mostly 4, those rejected there mostly 2-3 (culture-fit rejections 4).
-- Strengths and concerns (sometimes empty) in the pipeline's language.
CREATE TABLE evaluations AS
WITH e AS (
    SELECT sort_key, application_no, stage_idx, ord, allow_future, status_plan, furthest,
           category, entered_at + to_seconds(rint(sort_key, 'eval_lag', 3600, 4 * 3600))
               AS evaluated_at,
           vocab = 2 OR (vocab = 0 AND rnd(application_no, 'lang') < 0.5) AS english
    FROM stage_events
    WHERE ord BETWEEN 3 AND 5 AND rnd(sort_key, 'evaluated') < 0.8
)
SELECT sort_key, application_no, stage_idx, evaluated_at, tz_style(sort_key, 'etz') AS tz,
       CASE WHEN ord < furthest OR status_plan IN ('hired', 'offer_declined')
                 THEN pick($ratings_passed, sort_key, 'rating')
            WHEN status_plan = 'withdrawn' THEN pick($ratings_withdrew, sort_key, 'rating')
            WHEN category = 'culture_fit' THEN pick($ratings_culture, sort_key, 'rating')
            ELSE pick($ratings_failed, sort_key, 'rating') END::INTEGER AS rating,
       CASE WHEN rnd(sort_key, 'no_strengths') >= 0.1
            THEN CASE WHEN english THEN $n_strengths_ja ELSE 0 END
                 + rint(sort_key, 'strengths', 1, CASE WHEN english THEN $n_strengths_en
                                                       ELSE $n_strengths_ja END) END
           AS strengths_idx,
       CASE WHEN rnd(sort_key, 'no_concerns') >= 0.15
            THEN CASE WHEN english THEN $n_concerns_ja ELSE 0 END
                 + rint(sort_key, 'concerns', 1, CASE WHEN english THEN $n_concerns_en
                                                      ELSE $n_concerns_ja END) END
           AS concerns_idx,
       batch_of(evaluated_at) AS batch_no,
       redelivery(sort_key, batch_of(evaluated_at), 0.01, 'evaluation') AS redelivered_in
FROM e WHERE evaluated_at <= $c_last OR allow_future;

-- Step: offers, extended at the offer stage event. Hired: accepted halfway to the hire;
-- offer_declined: declined at closing (10% after a first, declined offer and a revised one);
-- rejected after an offer: rescinded. Undecided by the last cutoff: pending.
CREATE TABLE offer_plan AS
WITH o AS (
    SELECT s.application_no, s.entered_at AS offered_at, s.allow_future,
           a.status_plan, a.closed_plan, a.revised_offer, a.tie_offer, a.vocab,
           a.decline_reason AS boundary_reason, a.candidate_no <= $k AS is_boundary,
           epoch(a.closed_plan) - epoch(s.entered_at) AS to_close
    FROM stage_events s JOIN apps a USING (application_no)
    WHERE s.ord = 6
), offers AS (
    SELECT application_no * 2 AS offer_no, application_no, allow_future,
           offered_at AS extended_at,
           CASE status_plan WHEN 'hired' THEN 'accepted' WHEN 'offer_declined' THEN 'declined'
                WHEN 'rejected' THEN 'rescinded' END AS final_status,
           CASE WHEN status_plan = 'hired' THEN offered_at + to_seconds((to_close / 2)::BIGINT)
                WHEN revised_offer THEN offered_at + to_seconds((to_close * 0.3)::BIGINT)
                ELSE closed_plan END AS decided_at,
           CASE WHEN status_plan <> 'offer_declined' THEN NULL
                WHEN is_boundary THEN boundary_reason
                WHEN revised_offer
                     THEN CASE vocab WHEN 1 THEN '年収条件不一致' ELSE 'Compensation' END
                WHEN rnd(application_no, 'no_decline_reason') < 0.2 THEN NULL
                WHEN vocab = 1 THEN pick($decline_ja, application_no, 'decline_reason')
                ELSE pick($decline_en, application_no, 'decline_reason') END AS decline_reason
    FROM o
    UNION ALL  -- the revised offer after a declined first one
    SELECT application_no * 2 + 1, application_no, allow_future,
           at_office_hours(offered_at + to_seconds((to_close * 0.5)::BIGINT), application_no,
                           'revised_time'),
           'declined', closed_plan,
           CASE WHEN rnd(application_no, 'no_decline_reason') < 0.2 THEN NULL
                WHEN vocab = 1 THEN pick($decline_ja, application_no, 'decline_reason')
                ELSE pick($decline_en, application_no, 'decline_reason') END
    FROM o WHERE revised_offer
    UNION ALL  -- boundary case: a second declined offer with the same extended_at
    SELECT application_no * 2 + 1, application_no, allow_future, offered_at,
           'declined', closed_plan - INTERVAL 1 DAY, '年収条件不一致'
    FROM o WHERE tie_offer
)
SELECT *, tz_style(offer_no, 'tz') AS tz,
       CASE WHEN decided_at <= $c_last OR allow_future THEN decided_at END AS decided_visible
FROM offers
ORDER BY offer_no;
"""

_PEOPLE_EVENTS_SQL = """
-- Step: consent events. At the first application 70% grant retention (30% of them with an
-- expiry 1-2 years later) and 55% grant recontact (25% expiring after 1-3 years); later
-- applications mostly repeat the first answer. 14% of those who granted later withdraw one
-- purpose (by e-mail or in the portal), a quarter of them grant it again later. Up to four
-- events per application (slots 0-3), numbered application_no * 8 + slot; the boundary cases
-- come first (their numbers are the smallest).
CREATE TABLE consent_events AS
SELECT consent_no AS sort_key, candidate_no, purpose, action, recorded_at, expires_at,
       notice_version(recorded_at) AS notice_version, channel, tz,
       batch_of(recorded_at) AS batch_no,
       redelivery(consent_no, batch_of(recorded_at), 0.01, 'consent') AS redelivered_in
FROM b_consents ORDER BY consent_no;

INSERT INTO consent_events
WITH a AS (
    SELECT application_no, candidate_no, seq, applied_at,
           rnd(candidate_no, 'retention') < 0.70 AS first_retention,
           rnd(candidate_no, 'recontact') < CASE WHEN first_retention THEN 0.70 ELSE 0.2 END
               AS first_recontact,
           seq = 1 AND (first_retention OR first_recontact)
               AND rnd(candidate_no, 'withdraw') < 0.14 AS withdraws,
           at_candidate_hour(applied_at + to_days(rint(candidate_no, 'withdraw_days', 30, 900)),
                             candidate_no, 'withdraw_time') AS withdrawn_at
    FROM apps WHERE candidate_no > $k
), slots AS (
    SELECT *, unnest([0, 1, 2, 3]) AS slot FROM a
), e AS (
    SELECT application_no * 8 + slot AS consent_no, candidate_no,
           CASE WHEN slot = 0 THEN 'retention' WHEN slot = 1 THEN 'recontact'
                WHEN first_recontact
                     AND (NOT first_retention OR rnd(candidate_no, 'withdraw_which') < 0.7)
                THEN 'recontact' ELSE 'retention' END AS purpose,
           CASE WHEN slot = 2 THEN 'withdrawn' ELSE 'granted' END AS action,
           CASE WHEN slot <= 1 THEN applied_at
                WHEN slot = 2 THEN withdrawn_at
                ELSE at_candidate_hour(withdrawn_at
                                       + to_days(rint(candidate_no, 'regrant_days', 30, 400)),
                                       candidate_no, 'regrant_time') END AS recorded_at,
           CASE WHEN slot = 0 AND seq = 1 THEN first_retention
                WHEN slot = 1 AND seq = 1 THEN first_recontact
                WHEN slot <= 1  -- later applications mostly repeat the first answer
                THEN rnd(application_no * 2 + slot, 'again')
                     < CASE WHEN (slot = 0 AND first_retention) OR (slot = 1 AND first_recontact)
                            THEN 0.6 ELSE 0.1 END
                WHEN slot = 2 THEN withdraws
                ELSE withdraws AND rnd(candidate_no, 'regrant') < 0.25 END AS happens,
           CASE WHEN slot <= 1 AND rnd(application_no * 8 + slot, 'expires')
                                   < CASE slot WHEN 0 THEN 0.30 ELSE 0.25 END
                THEN applied_at + to_days(CASE slot
                    WHEN 0 THEN rint(application_no * 8 + slot, 'days', 365, 730)
                    ELSE rint(application_no * 8 + slot, 'days', 365, 1095) END) END
               AS expires_at,
           CASE WHEN slot <= 1 AND rnd(application_no, 'portal') < 0.2 THEN 'ats_portal'
                WHEN slot <= 1 THEN 'web_form'
                WHEN slot = 2 AND rnd(candidate_no, 'withdraw_channel') < 0.6 THEN 'email'
                ELSE 'ats_portal' END AS channel
    FROM slots
)
SELECT consent_no, candidate_no, purpose, action, recorded_at, expires_at,
       notice_version(recorded_at), channel, tz_style(consent_no, 'tz'), batch_of(recorded_at),
       redelivery(consent_no, batch_of(recorded_at), 0.01, 'consent')
FROM e WHERE happens AND recorded_at <= $c_last;

-- Step: privacy requests: 1% erasure, 0.5% stop_use, 1% stop_contact, received some time after
-- the first application; 70% are completed within 30 days (shown if done by the cutoff of the
-- batch that delivers the request).
CREATE TABLE privacy_requests AS
WITH p AS (
    SELECT candidate_no, min(applied_at) AS first_applied, rnd(candidate_no, 'privacy') AS r
    FROM apps WHERE candidate_no > $k GROUP BY candidate_no
), r AS (
    SELECT candidate_no,
           CASE WHEN r < 0.01 THEN 'erasure' WHEN r < 0.015 THEN 'stop_use'
                ELSE 'stop_contact' END AS request_type,
           at_candidate_hour(first_applied + to_seconds((rnd(candidate_no, 'received')
               * (epoch($c_last) - epoch(first_applied)))::BIGINT), candidate_no, 'received_time')
               AS received_at
    FROM p WHERE r < 0.025
), requests AS (
    SELECT candidate_no * 4 + CASE request_type WHEN 'erasure' THEN 0 WHEN 'stop_use' THEN 1
                                                ELSE 2 END AS request_no,
           candidate_no, request_type, received_at,
           CASE WHEN rnd(candidate_no, 'completed') < 0.7
                THEN at_office_hours(received_at
                                     + to_days(rint(candidate_no, 'completion', 1, 30)),
                                     candidate_no, 'completed_time') END AS planned_completion
    FROM r WHERE received_at <= $c_last
    UNION ALL
    SELECT request_no, candidate_no, request_type, received_at, NULL FROM b_privacy
)
SELECT request_no AS sort_key, candidate_no, request_type, received_at,
       CASE WHEN planned_completion <= cutoff_of(batch_of(received_at))
            THEN planned_completion END AS completed_at,
       tz_style(request_no, 'tz') AS tz, batch_of(received_at) AS batch_no,
       redelivery(request_no, batch_of(received_at), 0.01, 'request') AS redelivered_in
FROM requests
ORDER BY request_no;

-- Step: outreach. 35% of people with a finished, not hired application were contacted
-- 100-1000 days after their last closing (a quarter twice), in the cohort their last
-- application suggests. Outcomes: mostly no response, 5% opt-out (30% of them without
-- outcome_at); outcomes not known by the last cutoff are empty. A row is delivered once its
-- outcome is known.
CREATE TABLE outreach_events AS
WITH last_closed AS (
    SELECT candidate_no,
           arg_max({'status': status, 'furthest': furthest, 'category': category},
                   (closed_at, application_no)) AS app,
           max(closed_at) AS closed_on
    FROM apps
    WHERE candidate_no > $k AND status IN ('rejected', 'withdrawn', 'offer_declined')
      AND candidate_no NOT IN (SELECT candidate_no FROM apps WHERE status = 'hired')
    GROUP BY candidate_no
), sends AS (
    SELECT candidate_no, app, n.i,
           at_office_hours(closed_on + to_days(rint(candidate_no, 'first_send', 100, 1000)
                           + n.i * rint(candidate_no, 'second_send', 200, 500)),
                           candidate_no * 4 + n.i, 'send_time') AS sent_at
    FROM last_closed CROSS JOIN (VALUES (0), (1)) n(i)
    WHERE rnd(candidate_no, 'outreach') < 0.35
      AND (n.i = 0 OR rnd(candidate_no, 'outreach_twice') < 0.25)
), o AS (
    SELECT candidate_no * 4 + i AS outreach_no, candidate_no, sent_at,
           pick(['email', 'email', 'email', 'email', 'email', 'email', 'email', 'linkedin',
                 'linkedin', 'phone'], candidate_no * 4 + i, 'channel') AS channel,
           CASE WHEN app.status = 'offer_declined' THEN 'offer_declined_conditions'
                WHEN app.furthest >= 5 THEN 'final_interview'
                WHEN app.category = 'culture_fit' THEN 'culture_fit'
                ELSE 'timing_headcount' END AS cohort,
           pick($outcomes, candidate_no * 4 + i, 'outcome') AS planned_outcome,
           CASE WHEN planned_outcome = 'no_response'
                  OR (planned_outcome = 'opt_out' AND rnd(candidate_no * 4 + i, 'no_at') < 0.3)
                THEN NULL
                ELSE at_candidate_hour(sent_at + to_days(rint(candidate_no * 4 + i,
                                                              'outcome_days', 1, 21)),
                                       candidate_no * 4 + i, 'outcome_time') END
               AS planned_outcome_at
    FROM sends WHERE sent_at <= $c_last
), outreach AS (
    SELECT outreach_no, candidate_no, sent_at, channel, cohort,
           CASE WHEN coalesce(planned_outcome_at, sent_at) <= $c_last THEN planned_outcome END
               AS outcome,
           CASE WHEN planned_outcome_at <= $c_last THEN planned_outcome_at END AS outcome_at,
           tz_style(outreach_no, 'tz') AS tz
    FROM o
    UNION ALL
    SELECT outreach_no, candidate_no, sent_at, 'email', 'final_interview', outcome, outcome_at,
           tz
    FROM b_outreach
)
SELECT outreach_no AS sort_key, * EXCLUDE (outreach_no),
       batch_of(coalesce(outcome_at, sent_at)) AS batch_no,
       redelivery(outreach_no, batch_of(coalesce(outcome_at, sent_at)), 0.01, 'outreach')
           AS redelivered_in
FROM outreach
ORDER BY outreach_no;
"""

# Mutable entities: one row per batch in which the entity changed (its latest version as of
# that batch's cutoff, updated_at = the latest change in the batch). The final version of 3%
# of them is re-delivered unchanged in a later batch.
_ROWS_SQL = """
-- Step: candidate rows. A candidate is created just before the first application; the row
-- changes with every application and with the deletion of 1% of candidates (after their
-- last application, in a batch after the one that created them).
CREATE TABLE candidate_facts AS
WITH a AS (
    SELECT candidate_no, min(applied_at) AS first_applied, max(applied_at) AS last_applied,
           list(applied_at) AS applied
    FROM apps GROUP BY candidate_no
), c AS (
    SELECT p.*, a.last_applied, a.applied,
           a.first_applied - to_seconds(rint(p.candidate_no, 'created', 60, 900)) AS created_at
    FROM people p JOIN a USING (candidate_no)
), d AS (
    SELECT *, greatest(last_applied, cutoff_of(batch_of(created_at))) AS deletable_from
    FROM c
)
SELECT * EXCLUDE (boundary_deleted_at, deletable_from),
       CASE WHEN is_boundary THEN boundary_deleted_at
            WHEN rnd(candidate_no, 'deleted') < 0.01 AND deletable_from < $c_last
            THEN deletable_from + to_seconds((rnd(candidate_no, 'deleted_at')
                 * (epoch($c_last) - epoch(deletable_from)))::BIGINT) END AS deleted_at
FROM d
ORDER BY candidate_no;

CREATE TABLE candidate_rows AS
WITH c AS (
    SELECT *, list_concat([created_at, deleted_at], applied) AS changes FROM candidate_facts
), v AS (
    SELECT *, unnest(change_batches(changes)) AS batch_no FROM c
)
SELECT candidate_no AS sort_key, batch_no, tz, full_name, email, phone, country, region,
       created_at, updated_in(changes, batch_no) AS updated_at,
       CASE WHEN batch_of(deleted_at) <= batch_no THEN true
            WHEN h(candidate_no, 'blank_deleted') % 100 < 5 THEN NULL  -- empty means false
            ELSE false END AS is_deleted,
       CASE WHEN batch_no = batch_of(list_max(changes))
            THEN redelivery(candidate_no, batch_no, 0.03, 'candidate') END AS redelivered_in
FROM v;

-- Step: job rows: a version when opened, put on hold and closed.
CREATE TABLE job_rows AS
WITH c AS (SELECT *, [opened_at, hold_at, closed_at] AS changes FROM jobs),
v AS (
    SELECT *, unnest(change_batches(changes)) AS batch_no FROM c
)
SELECT job_no AS sort_key, batch_no, tz, title, job_family, department, country,
       CASE WHEN batch_of(closed_at) <= batch_no THEN final_status
            WHEN batch_of(hold_at) <= batch_no THEN 'on_hold' ELSE 'open' END AS status,
       opened_at,
       CASE WHEN batch_of(closed_at) <= batch_no THEN closed_at END AS closed_at,
       updated_in(changes, batch_no) AS updated_at,
       CASE WHEN batch_no = batch_of(list_max(changes))
            THEN redelivery(job_no, batch_no, 0.03, 'job') END AS redelivered_in
FROM v;

-- Step: application rows: a version in every batch in which a stage was entered or the
-- application closed; active until the batch that holds its closing.
CREATE TABLE application_rows AS
WITH c AS (
    SELECT *, list_concat(stage_times[1:n_entered], [final_updated_at]) AS changes FROM apps
), v AS (
    SELECT *, unnest(change_batches(changes)) AS batch_no FROM c
)
SELECT application_no AS sort_key, batch_no, tz, candidate_no, job_no, applied_at,
       batch_of(final_updated_at) <= batch_no AS is_final,
       CASE WHEN is_final THEN status ELSE 'active' END AS status,
       CASE WHEN is_final AND NOT closed_at_empty THEN closed_at END AS closed_at,
       CASE WHEN is_final THEN reason END AS rejection_reason,
       updated_in(changes, batch_no) AS updated_at,
       CASE WHEN is_final AND batch_no = batch_of(list_max(changes))
            THEN redelivery(application_no, batch_no, 0.03, 'application') END AS redelivered_in
FROM v;

-- Step: offer rows: pending when extended, final when decided.
CREATE TABLE offer_rows AS
WITH c AS (SELECT *, [extended_at, decided_visible] AS changes FROM offer_plan),
v AS (
    SELECT *, unnest(change_batches(changes)) AS batch_no FROM c
)
SELECT offer_no AS sort_key, batch_no, tz, application_no, extended_at,
       batch_of(decided_visible) <= batch_no AS is_final,
       CASE WHEN is_final THEN final_status ELSE 'pending' END AS status,
       CASE WHEN is_final THEN decline_reason END AS decline_reason,
       updated_in(changes, batch_no) AS updated_at,
       CASE WHEN is_final AND batch_no = batch_of(list_max(changes))
            THEN redelivery(offer_no, batch_no, 0.03, 'offer') END AS redelivered_in
FROM v;
"""

# The table holding each entity's rows: sort_key, batch_no, redelivered_in, tz and the
# values of the columns, sorted by sort_key (then batch_no).
_ROW_TABLES = {
    "candidates": "candidate_rows",
    "jobs": "job_rows",
    "applications": "application_rows",
    "stage_events": "stage_events",
    "evaluations": "evaluations",
    "offers": "offer_rows",
    "consent_events": "consent_events",
    "privacy_requests": "privacy_requests",
    "outreach_events": "outreach_events",
    "openings": "openings",
}


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerationResult:
    out_dir: Path
    batches: list[str]  # batch ids written, in order
    row_counts: dict[str, dict[str, int]]  # batch_id -> entity -> rows written


def generate_export(
    out_dir: Path,
    candidates: int,
    seed: int = 1,
    end_date: date = date(2026, 11, 27),
    batches: int = 4,
    file_format: str = "csv",
    progress: Callable[[str], None] | None = None,
    quality_faults: bool = False,
) -> GenerationResult:
    """Write a synthetic canonical export to ``<out_dir>/canonical/<batch_id>/<entity>.<ext>``.

    ``quality_faults`` plants one unreadable row (boundary case
    ``expired_with_active_application``: a typo in the year of an active application), so
    that the data-quality hold of rule set v1.1 has a person to hold.

    ``file_format`` is ``csv``, ``parquet`` or ``mixed`` (odd batches CSV, even ones Parquet).
    The export is written to a temporary directory and renamed into place at the end, so a
    failure never leaves a partial export; an existing non-empty ``canonical`` directory is
    refused.
    """
    if file_format not in ("csv", "parquet", "mixed"):
        raise ValueError(f"file_format must be csv, parquet or mixed, not {file_format!r}")
    if candidates < MIN_CANDIDATES:
        raise ValueError(f"candidates must be at least {MIN_CANDIDATES}, not {candidates}")
    if batches < 1:
        raise ValueError(f"batches must be at least 1, not {batches}")
    out_dir = Path(out_dir)
    target = out_dir / "canonical"
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty; refusing to overwrite an export")
    report = progress or (lambda message: None)

    cutoffs = [
        datetime.combine(end_date - timedelta(days=BATCH_SPACING_DAYS * (batches - i)), time(3))
        for i in range(1, batches + 1)
    ]
    batch_ids = [c.strftime("%Y-%m-%dT%H%M") for c in cutoffs]
    c_last = cutoffs[-1]
    history_start = c_last - timedelta(days=HISTORY_DAYS)
    n_jobs = max(20, candidates // 50)
    params = {
        "seed": seed,
        "n": candidates,
        "batches": batches,
        "n_jobs": n_jobs,
        "n_evergreen": max(3, n_jobs // 20),
        "n_titles": len(_JOB_TITLES),
        "c_last": _lit(c_last),
        "history_start": _lit(history_start),
        "job_open_seconds": (HISTORY_DAYS + 90) * 86400,
        # the latest application falls at least a day before the last cutoff
        "latest_span_seconds": (HISTORY_DAYS - 1) * 86400,
        "countries": _lit(_weighted({c: spec[0] for c, spec in _COUNTRIES.items()})),
        "job_countries": _lit(_JOB_COUNTRIES),
        "apps_per_candidate": _lit(_APPS_PER_CANDIDATE),
        "furthest_rejected": _lit(_FURTHEST_REJECTED),
        "furthest_withdrawn": _lit(_FURTHEST_WITHDRAWN),
        "unmapped_reasons": _lit(UNMAPPED_REJECTION_REASONS),
        "decline_ja": _lit(DECLINE_REASONS["ja"]),
        "decline_en": _lit(DECLINE_REASONS["en"]),
        "outcomes": _lit(_OUTCOMES),
        "jp_domains": _lit(_JP_DOMAINS),
        "other_domains": _lit(_OTHER_DOMAINS),
    }
    params |= {f"cat_{name}": _lit(values) for name, values in _CATEGORIES.items()}
    params |= {f"ratings_{name}": _lit(values) for name, values in _RATINGS.items()}
    params |= {f"n_strengths_{lang}": len(values) for lang, values in _STRENGTHS.items()}
    params |= {f"n_concerns_{lang}": len(values) for lang, values in _CONCERNS.items()}
    params |= {f"n_situations_{lang}": len(values) for lang, values in _SITUATIONS.items()}
    params["target_cohorts"] = _lit(_TARGET_COHORTS)

    # Bounded memory: beyond the limit DuckDB spills to a directory beside the export (the
    # tables of 10M candidates take ~29 GB held in memory). RECONTACT_GENERATE_MEMORY
    # overrides the limit.
    out_dir.mkdir(parents=True, exist_ok=True)
    spill = out_dir / f".generate-spill-{os.getpid()}"
    con = duckdb.connect(
        config={
            "memory_limit": os.environ.get("RECONTACT_GENERATE_MEMORY", "3GB"),
            "temp_directory": str(spill),
        }
    )
    try:
        report("setting up reference data and boundary cases")
        con.execute(_macros_sql(seed, cutoffs))
        con.execute(_reference_sql())
        params["k"] = _load_boundary_cases(con, end_date, quality_faults)

        for label, sql in (
            ("people", _CANDIDATES_SQL),
            ("jobs", _JOBS_SQL),
            ("openings", _OPENINGS_SQL),
            ("applications", _APPLICATIONS_SQL),
            ("stage events, evaluations and offers", _EVENTS_SQL),
            ("consents, privacy requests and outreach", _PEOPLE_EVENTS_SQL),
            ("row versions per batch", _ROWS_SQL),
        ):
            report(f"building {label}")
            con.execute(Template(sql).substitute(params))

        staging = out_dir / f".canonical.tmp-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            row_counts = _write_batches(con, staging, batch_ids, file_format, report)
            if target.exists():
                target.rmdir()  # empty, checked above
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    report(f"done: {len(batch_ids)} batches in {target}")
    return GenerationResult(out_dir=out_dir, batches=batch_ids, row_counts=row_counts)


def _write_batches(
    con: duckdb.DuckDBPyConnection,
    staging: Path,
    batch_ids: list[str],
    file_format: str,
    report: Callable[[str], None],
) -> dict[str, dict[str, int]]:
    """COPY every (batch, entity) with rows to its file, then the batch's manifest
    (loader/intake.py); return the row counts."""
    counts = {}
    for entity in ENTITIES:
        table = _ROW_TABLES[entity]
        counts[entity] = dict(
            con.execute(
                f"SELECT b, count(*) FROM (SELECT batch_no AS b FROM {table} UNION ALL"
                f" SELECT redelivered_in FROM {table} WHERE redelivered_in IS NOT NULL)"
                " GROUP BY b"
            ).fetchall()
        )
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    row_counts: dict[str, dict[str, int]] = {}
    for batch_no, batch_id in enumerate(batch_ids, start=1):
        fmt = file_format if file_format != "mixed" else ("csv", "parquet")[(batch_no + 1) % 2]
        # Parquet row groups depend on how threads split the scan: write them single-threaded
        con.execute(f"SET threads = {1 if fmt == 'parquet' else threads}")
        batch_dir = staging / batch_id
        batch_dir.mkdir(parents=True)
        row_counts[batch_id] = {}
        for entity in ENTITIES:
            rows = counts[entity].get(batch_no, 0)
            if rows == 0:
                continue
            columns = ", ".join(
                f"iso_ts({expr}, tz) AS {name}"
                if kind == "ts" and fmt == "csv"
                else f"{expr} AS {name}"
                for name, kind, expr in _COLUMNS[entity]
            )
            options = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet"
            path = batch_dir / f"{entity}.{fmt}"
            # row tables are sorted by sort_key; a filtered scan keeps that order
            con.execute(
                f"COPY (SELECT {columns} FROM {_ROW_TABLES[entity]}"
                f" WHERE batch_no = {batch_no} OR redelivered_in = {batch_no})"
                f" TO {_lit(str(path))} ({options})"
            )
            row_counts[batch_id][entity] = rows
            report(f"batch {batch_no}/{len(batch_ids)}: {entity} {rows:,} rows")
        previous = batch_ids[batch_no - 2] if batch_no > 1 else None
        write_manifest(batch_dir, row_counts[batch_id], previous_batch_id=previous)
    return row_counts


def _load_boundary_cases(
    con: duckdb.DuckDBPyConnection, end_date: date, quality_faults: bool = False
) -> int:
    """Create the b_* tables holding the boundary cases; return how many candidates they use."""
    cases = _boundary_cases(end_date, quality_faults)
    by_label = {case.label: no for no, case in enumerate(cases, start=1)}
    candidates, apps, consents, outreach, privacy = [], [], [], [], []
    for no, case in enumerate(cases, start=1):
        name_key = by_label[case.twin_of] if case.twin_of else None
        candidates.append((no, case.country, case.region, name_key, case.deleted_at))
        first_app_no = no * 4
        for seq, app in enumerate(case.apps, start=1):
            apps.append(
                (no * 4 + seq - 1, no, seq, app.applied(), app.vocab, app.status, app.furthest,
                 app.category, app.reason, app.decline_reason, app.closed_at, app.events_until,
                 app.closed_at_empty, app.tie_offer, app.tz)
            )  # fmt: skip
        applied = case.apps[0].applied()
        default = (
            _Consent("retention", "granted", applied),
            _Consent("recontact", "granted", applied),
        )
        listed = (default if case.consents is None else case.consents) + case.extra_consents
        for i, c in enumerate(listed):
            consents.append(
                (first_app_no * 8 + i, no, c.purpose, c.action, c.recorded_at, c.expires_at,
                 "web_form" if c.recorded_at == applied else "ats_portal", c.tz)
            )  # fmt: skip
        for i, (sent, outcome, outcome_at, tz) in enumerate(case.outreach):
            outreach.append((no * 4 + i, no, sent, outcome, outcome_at, tz))
        for i, (request_type, received) in enumerate(case.privacy):
            privacy.append((no * 4 + i, no, request_type, received))

    con.execute(
        "CREATE TABLE b_candidates (candidate_no BIGINT, country VARCHAR, region VARCHAR,"
        " name_key BIGINT, deleted_at TIMESTAMP);"
        "CREATE TABLE b_apps (application_no BIGINT, candidate_no BIGINT, seq BIGINT,"
        " applied_at TIMESTAMP, vocab INTEGER, status VARCHAR, furthest BIGINT,"
        " category VARCHAR, reason VARCHAR, decline_reason VARCHAR, closed_at TIMESTAMP,"
        " events_until TIMESTAMP, closed_at_empty BOOLEAN, tie_offer BOOLEAN, tz INTEGER);"
        "CREATE TABLE b_consents (consent_no BIGINT, candidate_no BIGINT, purpose VARCHAR,"
        " action VARCHAR, recorded_at TIMESTAMP, expires_at TIMESTAMP, channel VARCHAR,"
        " tz INTEGER);"
        "CREATE TABLE b_outreach (outreach_no BIGINT, candidate_no BIGINT, sent_at TIMESTAMP,"
        " outcome VARCHAR, outcome_at TIMESTAMP, tz INTEGER);"
        "CREATE TABLE b_privacy (request_no BIGINT, candidate_no BIGINT, request_type VARCHAR,"
        " received_at TIMESTAMP);"
    )
    for table, rows in (
        ("b_candidates", candidates),
        ("b_apps", apps),
        ("b_consents", consents),
        ("b_outreach", outreach),
        ("b_privacy", privacy),
    ):
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    return len(cases)
