#!/usr/bin/python3
"""The loading benchmark's peer (issue 27): what a data team would write instead of
wiqaya-etl, doing a fair minimum of the same work on the same NDJSON file, with the
standard library and psycopg2: parse each line, validate the required fields and every
code against config/codelists, normalise names (NFKC, case-folded, spaces squeezed),
keyed BLAKE2b of the case reference and of each person's identifiers, and COPY one row a
person into one unlogged table. No linkage, no rejects file, no analytics.

usage: load_peer.py CODELISTS_DIR FILE DSN  (prints: records accepted rejected seconds)"""
import csv
import hashlib
import io
import json
import os
import re
import sys
import time
import unicodedata

import psycopg2


def codelists(folder):
    lists = {}
    for name in os.listdir(folder):
        if name.endswith(".csv"):
            with open(os.path.join(folder, name), newline="", encoding="utf-8") as f:
                lists[name[:-4]] = {row["code"] for row in csv.DictReader(f)}
    return lists


def normal(s):
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", s).casefold()).strip()


def main():
    folder, path, dsn = sys.argv[1:4]
    lists = codelists(folder)
    key = hashlib.blake2b(b"peer benchmark key").digest()[:32]
    month = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
    started = time.monotonic()
    out = io.StringIO()
    records = accepted = 0

    def h(*parts):
        return hashlib.blake2b("\x00".join(parts).encode(), key=key, digest_size=32).hexdigest()

    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            records += 1
            try:
                c = json.loads(line)
                ok = (c["agency"] in lists["agencies"] and c["region"] in lists["regions"]
                      and month.match(c["reported"]) and c["detection"] in lists["detection"]
                      and c["status"] in lists["status"]
                      and all(o in lists["offences"] for o in c["offences"])
                      and all(t in lists["technology"] for t in c.get("technology", []))
                      and c["victims"])
                people = [("v", p) for p in c["victims"]] + [("o", p) for p in c.get("offenders", [])]
                for _, p in people:
                    ok = ok and p.get("sex", "unknown") in lists["sex"]
            except (ValueError, KeyError, TypeError):
                ok = False
            if not ok:
                continue
            accepted += 1
            case_key = h(c["agency"], c["case_ref"])
            for role, p in people:
                ident = p.get("identity") or {}
                nid = h("id", ident.get("id_country", "XX"), ident["national_id"]) if ident.get("national_id") else ""
                demo = (h("demo", normal(ident.get("given_name", "")), normal(ident.get("family_name", "")),
                          ident.get("birth_date", "")) if ident.get("family_name") else "")
                age = p.get("age")
                out.write("\t".join([case_key, c["agency"], c["reported"][:7], c["region"],
                                     "{" + ",".join(c["offences"]) + "}", role, p.get("sex", "unknown"),
                                     "\\N" if age is None else str(age), nid or "\\N", demo or "\\N"]) + "\n")
    conn = psycopg2.connect(dsn)
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS peer_load")
    cur.execute("CREATE UNLOGGED TABLE peer_load (case_key text, agency text, reported text, region text,"
                " offences text[], role text, sex text, age int, national_token text, demo_token text)")
    out.seek(0)
    cur.copy_expert("COPY peer_load FROM STDIN", out)
    conn.commit()
    conn.close()
    print(records, accepted, records - accepted, round(time.monotonic() - started, 3))


if __name__ == "__main__":
    main()
