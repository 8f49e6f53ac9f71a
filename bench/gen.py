#!/usr/bin/env python3
"""Deterministic benchmark data for sendledger (bench/run calls this; usable on its own).

Everything is a pure function of (seed, size): the same arguments give the same bytes, so a
figure measured on one machine can be reproduced on another. Files go under bench/data/
(ignored by git). Each output is skipped when a stamp beside it says it was already made
with the same generator version, seed and size.

Outputs (N = rows):
  canonical-N.csv            canonical CSV (issue 3 header), several vendors, 1,000 accounts
  sendon-N/acct-0002/sendon-N.cp949.csv
                             a Sendon-like result export in CP949 (Korean headers), the same
                             kind of messages, one account (the inbox sub-folder names it)
  cells-N.csv                N x 11 cells (ids, numbers, Korean text, date-times) for XLSX
  night-N/<vendor>-<day>.csv a night of N records in several vendor files (canonical for now)
  accounts.csv               1,000 accounts (id,name,anchor_day,time_zone,plan,currency,
                             rounding,vat_rate,locale)
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import sys

GEN_VERSION = 4  # bump when the output of any generator changes

CANONICAL_HEADER = [
    "vendor", "account", "message_id", "batch_id", "sent_at", "completed_at", "channel",
    "status", "refundable", "reason_code", "reason_text", "units", "category", "sender",
    "recipient", "fallback_of", "vendor_cost",
]

KST = dt.timezone(dt.timedelta(hours=9))
N_ACCOUNTS = 1000
# Accounts whose statements the benchmark times: the heaviest and the lightest account by
# message count, both anchored on the 15th so that one cycle (2026-10-15) covers both.
HEAVY_ACCOUNT = "acct-0001"
LIGHT_ACCOUNT = "acct-1000"
STATEMENT_CYCLE = "2026-10-15"
CANONICAL_MONTH = (2026, 10)        # canonical and sendon files: October 2026 (KST)
NIGHT_DAY = dt.date(2026, 11, 24)    # the night's records: one KST day
NIGHT_AS_OF = "2026-11-25"

VENDORS = [  # name, message id prefix, share of rows, reports vendor cost?
    ("sendon", "SO", 0.40, True),
    ("channeltalk", "CT", 0.30, True),
    ("ktcommunis", "KT", 0.20, True),
    ("godomall", "GM", 0.10, False),
]

CHANNELS = [  # channel, weight
    ("SMS", 33), ("LMS", 20), ("MMS", 3), ("ALIMTALK", 30), ("FRIENDTALK", 3),
    ("FRIENDTALK:IMAGE", 2), ("EMAIL", 6), ("CALL", 2), ("KAKAO_COUNSEL", 1),
]
COST = {"SMS": "9.9", "LMS": "29", "MMS": "85", "ALIMTALK": "7.5", "FRIENDTALK": "13.2",
        "FRIENDTALK:IMAGE": "18.5", "EMAIL": "0.45", "CALL": "0.35", "KAKAO_COUNSEL": "11"}

FAIL_REFUNDABLE = [
    ("3018", "메시지를 전송할 수 없음 (수신 거부, 스팸 차단)"),
    ("E915", "단말기 전원 꺼짐, 음영 지역"),
    ("2001", "결번 또는 번호 이동된 번호"),
    ("3016", "카카오톡 미사용자"),
    ("E104", "수신 단말기 메시지함 초과"),
]
FAIL_NOT_REFUNDABLE = [
    ("P001", "포인트 부족으로 발송 실패"),
    ("A002", "메시지 인증번호 불일치"),
    ("C001", "수신자 연락처 정보 없음"),
]
EXCLUDED = [
    ("10000", "잘못된 사용자 또는 연락처 정보"),
    ("10001", "중복 연락처: 이미 이 연락처로 발송됨"),
    ("10002", "연동 오류 (외부 메신저 연결 끊김, 서비스 차단)"),
    ("10004", "사용량 한도 도달"),
    ("10006", "마케팅 수신 거부"),
    ("11000", "발송 시간 제한 (야간 광고 발송 금지)"),
]
PENDING = [("ME09", "전송 결과 불확실 (통신사 응답 대기)"), ("3005", "카카오 결과 불확실")]

CAMPAIGNS = [
    "campaign:11월 블랙프라이데이, 쿠폰", "campaign:가을 신상품 안내", "campaign:VIP 감사 이벤트",
    "one-time:배송 지연 안내", "one-time:설문 조사, 리뷰 요청", "reply-notification",
    "TPL_ORDER_CONFIRM", "TPL_DELIVERY_START", "TPL_PASSWORD_RESET", "campaign:장바구니 리마인드",
]
BRANDS = ["@오늘의꽃집", "@한빛서점", "@바다수산", "@초록마켓", "@도담베이커리", "@모두의캠핑",
          "@서울안경원", "@하루한잔커피"]
BODIES = [
    "[오늘의꽃집] 주문하신 상품이 발송되었습니다. 송장번호: {n}",
    "(광고)[한빛서점] 가을 독서 주간, 전 도서 10% 할인!\n무료수신거부 080-123-4567",
    "[바다수산] 고객님, 인증번호는 [{n4}] 입니다.",
    "[초록마켓] 장바구니에 담긴 상품이 곧 품절됩니다, 지금 확인하세요.",
    "(광고)[모두의캠핑] 주말 특가: 텐트, 타프, 의자 최대 40% 할인\n무료거부 0801234567",
    "[도담베이커리] 예약하신 케이크 픽업 시간은 {h}시입니다.",
    "[서울안경원] 맞춤 렌즈가 입고되었습니다. 방문 부탁드립니다.",
]


def _ri(rng: random.Random, a: int, b: int) -> int:
    """rng.randint(a, b), several times faster (uniform enough for test data)."""
    return a + int(rng.random() * (b - a + 1))


_EPOCH_KST = dt.datetime(1970, 1, 1, 9, tzinfo=KST)
_HOUR_CACHE: dict[int, tuple[str, str]] = {}


def kst(ts: int) -> tuple[str, str]:
    """(ISO 8601 with +09:00, local 'YYYY-MM-DD HH:MM:SS') for a Unix time, cached per hour."""
    h, rem = divmod(ts, 3600)
    pre = _HOUR_CACHE.get(h)
    if pre is None:
        d = dt.datetime.fromtimestamp(h * 3600, KST)
        pre = _HOUR_CACHE[h] = (f"{d:%Y-%m-%dT%H}:", f"{d:%Y-%m-%d %H}:")
    ms = f"{rem // 60:02d}:{rem % 60:02d}"
    return f"{pre[0]}{ms}+09:00", f"{pre[1]}{ms}"


def _weights_zipf(n: int, s: float = 0.8) -> list[float]:
    return [1.0 / (i ** s) for i in range(1, n + 1)]


def account_ids() -> list[str]:
    return [f"acct-{i:04d}" for i in range(1, N_ACCOUNTS + 1)]


def write_accounts(path: str, seed: int) -> None:
    rng = random.Random(seed * 7 + 1)
    tmp = path + ".tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "name", "anchor_day", "time_zone", "plan", "currency", "rounding",
                    "vat_rate", "locale"])
        names = ["꽃집", "서점", "수산", "마켓", "베이커리", "캠핑", "안경원", "커피", "약국", "학원"]
        for i, acct in enumerate(account_ids(), start=1):
            if acct in (HEAVY_ACCOUNT, LIGHT_ACCOUNT):
                anchor = 15
            else:
                anchor = rng.choice([1, 1, 1, 5, 10, 15, 15, 20, 25, 28, 29, 30, 31])
            english = rng.random() < 0.1
            name = f"Shop {i:04d}" if english else f"{rng.choice(names)} {i:04d}호점"
            w.writerow([acct, name, anchor, "Asia/Seoul", rng.choice(["standard", "standard", "business"]),
                        "KRW", rng.choice(["floor", "half-even", "half-up"]), "0.1",
                        "en" if english else "ko"])
    os.replace(tmp, path)


class Messages:
    """An endless, deterministic stream of delivery messages (dicts of canonical fields)."""

    def __init__(self, seed: int, start: dt.datetime, seconds: float, n: int,
                 vendors=None, account_pool=None):
        self.rng = random.Random(seed)
        self.start = int(start.timestamp())
        self.step = seconds / max(n, 1)
        self.vendors = vendors or VENDORS
        accts = account_pool or account_ids()
        self.accts = accts
        self.acct_cum = _cum(_weights_zipf(len(accts)))
        self.vendor_cum = _cum([v[2] for v in self.vendors])
        self.chan_names = [c for c, _ in CHANNELS]
        self.chan_cum = _cum([w for _, w in CHANNELS])
        self.seq = 0
        self.t = 0.0
        self.batch_left = 0
        self.batch = None
        self.pending_fallback = None

    def _batch(self):
        rng = self.rng
        if self.batch_left <= 0:
            self.batch_left = rng.choice([1, 1, 1, 2, 5, 20, 50, 200, 500])
            v = self.vendors[_pick(self.vendor_cum, rng.random())]
            acct = self.accts[_pick(self.acct_cum, rng.random())]
            chan = self.chan_names[_pick(self.chan_cum, rng.random())]
            cat = rng.choice(CAMPAIGNS)
            self.batch = (v, acct, chan, cat, f"B{v[1]}{self.seq:010d}", rng.choice(BRANDS),
                          f"02-{_ri(rng, 1000, 9999)}-{_ri(rng, 1000, 9999)}")
        self.batch_left -= 1
        return self.batch

    def __iter__(self):
        return self

    def __next__(self) -> dict:
        rng = self.rng
        self.seq += 1
        self.t += self.step * (0.5 + rng.random())
        ts = self.start + int(self.t)
        sent_iso, sent_local = kst(ts)
        fb = self.pending_fallback
        self.pending_fallback = None
        (vname, vprefix, _, has_cost), acct, chan, cat, batch, brand, phone = self._batch()
        if fb is not None:  # a fallback LMS for a failed Alimtalk just before it
            vname, vprefix, has_cost, acct, cat, batch, brand = fb["vendor"], fb["prefix"], fb["cost"], fb["account"], fb["category"], fb["batch_id"], fb["brand"]
            chan = "LMS"
        mid = f"{vprefix}{sent_local[0:4]}{sent_local[5:7]}{sent_local[8:10]}{self.seq:09d}{rng.getrandbits(24):06x}"
        r = rng.random()
        reason_code = reason_text = ""
        refundable = "false"
        if r < 0.895:
            status = "DELIVERED"
        elif r < 0.935:
            status, refundable = "FAILED", "true"
            reason_code, reason_text = rng.choice(FAIL_REFUNDABLE)
        elif r < 0.955:
            status = "FAILED"
            reason_code, reason_text = rng.choice(FAIL_NOT_REFUNDABLE)
        elif r < 0.975:
            status = "EXCLUDED"
            reason_code, reason_text = rng.choice(EXCLUDED)
        elif r < 0.99:
            status = "PENDING"
            reason_code, reason_text = rng.choice(PENDING)
        elif r < 0.996:
            status = "SCHEDULED"
        else:
            status = "CANCELLED"
        if chan == "EMAIL":
            recipient = f"user{_ri(rng, 1, 999999)}@example.com"
            sender = "no-reply@shop.example.com"
        else:
            recipient = f"010-{_ri(rng, 1000, 9999)}-{_ri(rng, 1000, 9999)}"
            sender = brand if chan.startswith(("ALIMTALK", "FRIENDTALK", "KAKAO")) else phone
        if chan == "CALL":
            units = _ri(rng, 5, 900)
        elif chan == "LMS":
            units = rng.choice([1, 1, 1, 2, 3])
        else:
            units = 1
        completed = ""
        if status in ("DELIVERED", "FAILED"):
            completed = kst(ts + _ri(rng, 1, 40))[0]
        cost = ""
        if has_cost and status == "DELIVERED":
            cost = COST[chan] if chan != "CALL" else f"{0.35 * units:.2f}".rstrip("0").rstrip(".")
        if chan == "ALIMTALK" and status == "FAILED" and rng.random() < 0.5:
            self.pending_fallback = {"vendor": vname, "prefix": vprefix, "cost": has_cost,
                                     "account": acct, "category": cat, "batch_id": batch,
                                     "brand": brand, "id": mid}
        return {
            "vendor": vname, "account": acct, "message_id": mid, "batch_id": batch,
            "sent_at": sent_iso, "completed_at": completed, "_local": sent_local,
            "channel": chan, "status": status, "refundable": refundable,
            "reason_code": reason_code, "reason_text": reason_text, "units": units,
            "category": cat, "sender": sender, "recipient": recipient,
            "fallback_of": fb["id"] if fb is not None else "", "vendor_cost": cost,
        }


def _cum(weights):
    total = float(sum(weights))
    out, acc = [], 0.0
    for w in weights:
        acc += w / total
        out.append(acc)
    out[-1] = 1.0
    return out


def _pick(cum, x):
    import bisect
    return min(bisect.bisect_left(cum, x), len(cum) - 1)


def month_span(year: int, month: int):
    start = dt.datetime(year, month, 1, tzinfo=KST)
    nxt = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=KST)
    return start, (nxt - start).total_seconds()


def write_canonical(path: str, n: int, seed: int) -> None:
    start, secs = month_span(*CANONICAL_MONTH)
    msgs = Messages(seed, start, secs, n)
    tmp = path + ".tmp"
    with open(tmp, "w", newline="", encoding="utf-8", buffering=1 << 20) as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(CANONICAL_HEADER)
        for _ in range(n):
            m = next(msgs)
            w.writerow([m[k] for k in CANONICAL_HEADER])
    os.replace(tmp, path)


SENDON_HEADER = ["발송 요청 일시", "메시지 유형", "메시지 본문", "발신정보", "수신번호", "처리상태", "발송 현황"]
SENDON_TYPE = {"SMS": "SMS", "LMS": "LMS", "MMS": "MMS", "ALIMTALK": "알림톡", "FRIENDTALK": "친구톡",
               "FRIENDTALK:IMAGE": "친구톡(이미지)"}


def write_sendon(path: str, n: int, seed: int, account: str = "acct-0002") -> None:
    """A Sendon-like result export: Korean headers, KST local times, CP949, one account."""
    start, secs = month_span(*CANONICAL_MONTH)
    only = [("sendon", "SO", 1.0, True)]
    msgs = Messages(seed + 101, start, secs, n, vendors=only, account_pool=[account])
    rng = random.Random(seed + 202)
    tmp = path + ".tmp"
    with open(tmp, "w", newline="", encoding="cp949", buffering=1 << 20) as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(SENDON_HEADER)
        made = 0
        while made < n:
            m = next(msgs)
            kind = SENDON_TYPE.get(m["channel"])
            if kind is None:  # Sendon sends text and Kakao messages only
                continue
            st = m["status"]
            if st == "DELIVERED":
                proc, result = "처리완료", "성공"
            elif st == "FAILED" and m["refundable"] == "true":
                proc, result = "처리완료", "실패 (환급대상)"
            elif st == "FAILED" or st == "EXCLUDED":
                proc, result = "처리실패", "실패"
            elif st == "PENDING":
                proc, result = rng.choice(["진행중", "즉시 발송중"]), "발송중"
            elif st == "SCHEDULED":
                proc, result = "예약 접수", ""
            else:
                proc, result = rng.choice(["예약 취소", "예약 취소중"]), ""
            body = rng.choice(BODIES).format(n=_ri(rng, 10**11, 10**12 - 1),
                                             n4=_ri(rng, 1000, 9999), h=_ri(rng, 10, 20))
            w.writerow([m["_local"], kind, body, m["sender"], m["recipient"], proc, result])
            made += 1
    os.replace(tmp, path)


CELLS_HEADER = ["메시지ID", "계정", "발송일시", "채널", "상태", "사유", "수신번호", "건수", "단가", "금액",
                "분류"]
STATUS_KO = {"DELIVERED": "성공", "FAILED": "실패", "EXCLUDED": "제외", "PENDING": "발송중",
             "SCHEDULED": "예약", "CANCELLED": "취소"}
PRICE = {"SMS": 9.9, "LMS": 29.0, "MMS": 85.0, "ALIMTALK": 7.5, "FRIENDTALK": 13.2,
         "FRIENDTALK:IMAGE": 18.5, "EMAIL": 0.45, "CALL": 0.35, "KAKAO_COUNSEL": 11.0}


def write_cells(path: str, n: int, seed: int) -> None:
    """N rows x 11 columns: text ids, repeated Korean text (shared strings), numbers, date-times
    (`YYYY-MM-DD HH:MM:SS`, column 3), some fields quoted because they hold commas."""
    start, secs = month_span(*CANONICAL_MONTH)
    msgs = Messages(seed + 303, start, secs, n)
    tmp = path + ".tmp"
    with open(tmp, "w", newline="", encoding="utf-8", buffering=1 << 20) as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(CELLS_HEADER)
        for _ in range(n):
            m = next(msgs)
            rec = m["recipient"]
            masked = rec[:4] + "****" + rec[8:] if rec.startswith("010-") else rec[0] + "***" + rec[rec.index("@"):]
            units = m["units"]
            price = PRICE[m["channel"]]
            billed = m["status"] == "DELIVERED"
            amount = round(price * units, 2) if billed else 0
            w.writerow([m["message_id"], m["account"], m["_local"], m["channel"],
                        STATUS_KO[m["status"]], m["reason_text"], masked, units,
                        _num(price), _num(amount), m["category"]])
    os.replace(tmp, path)


def _num(x: float) -> str:
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return s if s else "0"


def write_night(folder: str, n: int, seed: int) -> list[str]:
    """A night: N records of one KST day, one file per vendor (canonical CSV for now)."""
    os.makedirs(folder, exist_ok=True)
    start = dt.datetime(NIGHT_DAY.year, NIGHT_DAY.month, NIGHT_DAY.day, tzinfo=KST)
    names = []
    remaining = n
    for i, v in enumerate(VENDORS):
        rows = remaining if i == len(VENDORS) - 1 else int(n * v[2])
        remaining -= rows
        name = f"{v[0]}-{NIGHT_DAY.isoformat()}.csv"
        path = os.path.join(folder, name)
        msgs = Messages(seed + 1000 + i, start, 86400.0, rows, vendors=[v])
        tmp = path + ".tmp"
        with open(tmp, "w", newline="", encoding="utf-8", buffering=1 << 20) as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(CANONICAL_HEADER)
            for _ in range(rows):
                m = next(msgs)
                w.writerow([m[k] for k in CANONICAL_HEADER])
        os.replace(tmp, path)
        names.append(name)
    return names


def _stamp_ok(path: str, key: dict) -> bool:
    try:
        with open(path + ".stamp") as f:
            return json.load(f) == key and os.path.exists(path)
    except (OSError, ValueError):
        return False


def _stamp(path: str, key: dict) -> None:
    with open(path + ".stamp", "w") as f:
        json.dump(key, f)


def ensure(kind: str, n: int, seed: int, data_dir: str) -> str:
    """Make one data set unless it is already there; return its path."""
    key = {"gen": GEN_VERSION, "kind": kind, "rows": n, "seed": seed}
    if kind == "canonical":
        path = os.path.join(data_dir, f"canonical-{n}.csv")
        make = lambda: write_canonical(path, n, seed)
    elif kind == "sendon":
        path = os.path.join(data_dir, f"sendon-{n}", "acct-0002", f"sendon-{n}.cp949.csv")
        make = lambda: write_sendon(path, n, seed)
    elif kind == "cells":
        path = os.path.join(data_dir, f"cells-{n}.csv")
        make = lambda: write_cells(path, n, seed)
    elif kind == "night":
        path = os.path.join(data_dir, f"night-{n}")
        make = lambda: write_night(path, n, seed)
    elif kind == "accounts":
        path = os.path.join(data_dir, "accounts.csv")
        make = lambda: write_accounts(path, seed)
    else:
        raise ValueError(kind)
    if not _stamp_ok(path, key):
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        make()
        _stamp(path, key)
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=["canonical", "sendon", "cells", "night", "accounts"])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
    a = ap.parse_args()
    print(ensure(a.kind, a.rows, a.seed, a.data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
