#!/usr/bin/env python3
"""Check the hand-written evaluation files in eval/written/.

Checks, per file:
  - every non-empty line is valid JSON (an object)
  - required fields are present and have the right types
  - every quote ({"doc", "quote"}) occurs verbatim in the named corpus document after
    whitespace normalisation (" ".join(text.split()) on both sides)
  - expected_instruments are keys of eval/instrument_vocabulary.json (3-7 per written scenario)
  - ids are unique across all written files and do not reuse development ids
  - split is "tune" or "validation"; style / kind / oos_kind take allowed values
  - answerable questions have gold, out-of-scope questions have none
  - paraphrases copy expected_instruments of the development scenario they paraphrase
  - no written question repeats a development question verbatim

Corpus documents are read from corpus/documents/ if it exists, else /work/shared/corpus/.
Standard library only. Exit status 0 when clean, 1 otherwise.

Usage: python3 eval/written/check.py [--quiet]
"""

import json
import os
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
EVAL = os.path.dirname(HERE)
REPO = os.path.dirname(EVAL)

DOC_DIRS = [os.path.join(REPO, "corpus", "documents"), "/work/shared/corpus"]
VOCAB_PATHS = [
    os.path.join(EVAL, "instrument_vocabulary.json"),
    "/work/shared/eval/instrument_vocabulary.json",
]
DEV_DIRS = [EVAL, "/work/shared/eval"]

STYLES = {
    "terse-notes",
    "long-narrative",
    "ministry-memo",
    "bullet-points",
    "non-native-english",
    "numbers-in-words",
    "email",
    "consultant-brief",
}
SPLITS = {"tune", "validation"}
QTYPES = {"fact", "concept", "method", "comparison", "case", "recommendation", "out_of_scope"}
KINDS = {"answerable", "out_of_scope"}
OOS_KINDS = {"detail-not-covered", "unknown-entity", "off-domain", "general-knowledge"}
DIFFICULTIES = {"easy", "medium", "hard"}

errors = []
warnings = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


def norm(text):
    return " ".join(text.split())


def first_existing(paths, want_dir=False):
    for p in paths:
        if os.path.isdir(p) if want_dir else os.path.isfile(p):
            return p
    return None


def load_docs():
    d = first_existing(DOC_DIRS, want_dir=True)
    if not d:
        sys.exit("no corpus directory found")
    docs = {}
    for name in os.listdir(d):
        if name.endswith((".txt", ".md")):
            with open(os.path.join(d, name), encoding="utf-8") as fh:
                docs[name] = norm(fh.read())
    return d, docs


def load_jsonl(path):
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                err(f"{os.path.basename(path)}:{n}", f"invalid JSON ({e})")
                continue
            if not isinstance(obj, dict):
                err(f"{os.path.basename(path)}:{n}", "line is not a JSON object")
                continue
            obj["_line"] = n
            rows.append(obj)
    return rows


def where(fname, row):
    return f"{fname}:{row.get('_line')}:{row.get('id', '?')}"


def need(fname, row, field, typ):
    if field not in row:
        err(where(fname, row), f"missing field '{field}'")
        return False
    if not isinstance(row[field], typ):
        err(where(fname, row), f"field '{field}' should be {typ}")
        return False
    return True


def check_quotes(fname, row, field, docs, allow_empty=True):
    items = row.get(field, [])
    if not isinstance(items, list):
        err(where(fname, row), f"'{field}' is not a list")
        return
    if not items and not allow_empty:
        err(where(fname, row), f"'{field}' is empty")
    seen = set()
    for q in items:
        if (
            not isinstance(q, dict)
            or not isinstance(q.get("doc"), str)
            or not isinstance(q.get("quote"), str)
        ):
            err(where(fname, row), f"bad quote entry in '{field}': {q!r}")
            continue
        if q["doc"] not in docs:
            err(where(fname, row), f"unknown document {q['doc']!r}")
            continue
        nq = norm(q["quote"])
        if len(nq.split()) < 6:
            err(where(fname, row), f"quote too short (<6 words): {nq!r}")
        if nq not in docs[q["doc"]]:
            err(where(fname, row), f"quote not found in {q['doc']}: {nq[:90]!r}")
        if q["quote"] != nq:
            err(where(fname, row), f"quote not stored whitespace-normalised: {q['quote'][:60]!r}")
        key = (q["doc"], nq)
        if key in seen:
            err(where(fname, row), f"duplicate quote in '{field}': {nq[:60]!r}")
        seen.add(key)


def main():
    quiet = "--quiet" in sys.argv
    doc_dir, docs = load_docs()
    vocab_path = first_existing(VOCAB_PATHS)
    with open(vocab_path, encoding="utf-8") as fh:
        vocab = json.load(fh)
    dev_dir = next(d for d in DEV_DIRS if os.path.isfile(os.path.join(d, "dev_scenarios.jsonl")))
    dev_scen = {r["id"]: r for r in load_jsonl(os.path.join(dev_dir, "dev_scenarios.jsonl"))}
    dev_ids = set(dev_scen)
    dev_qtext = set()
    for fn in ("dev_questions.jsonl", "dev_out_of_scope.jsonl", "dev_followups.jsonl"):
        for r in load_jsonl(os.path.join(dev_dir, fn)):
            dev_ids.add(r["id"])
            if "question" in r:
                dev_qtext.add(norm(r["question"]).lower())
            for t in r.get("turns", []):
                dev_qtext.add(norm(t["question"]).lower())
    dev_desc = {norm(r["description"]).lower() for r in dev_scen.values()}

    all_ids = Counter()
    stats = {}

    # ---------------------------------------------------------------- scenarios
    fname = "scenarios.jsonl"
    rows = load_jsonl(os.path.join(HERE, fname))
    for r in rows:
        all_ids[r.get("id")] += 1
        for f, t in (
            ("id", str),
            ("description", str),
            ("expected_instruments", list),
            ("not_recommended", list),
            ("support", list),
            ("style", str),
            ("split", str),
            ("reasons", list),
        ):
            need(fname, r, f, t)
        if not str(r.get("id", "")).startswith("w-s"):
            err(where(fname, r), "id should start with 'w-s'")
        ei = r.get("expected_instruments", [])
        if not 3 <= len(ei) <= 7:
            err(where(fname, r), f"{len(ei)} expected instruments (need 3-7)")
        if len(set(ei)) != len(ei):
            err(where(fname, r), "duplicate expected instrument")
        for name in ei:
            if name not in vocab:
                err(where(fname, r), f"instrument not in vocabulary: {name!r}")
        if len(r.get("reasons", [])) != len(ei):
            err(where(fname, r), "need one reason per expected instrument")
        for nr in r.get("not_recommended", []):
            if not isinstance(nr, dict) or not nr.get("instrument") or not nr.get("reason"):
                err(where(fname, r), f"bad not_recommended entry {nr!r}")
        check_quotes(fname, r, "support", docs, allow_empty=False)
        if r.get("style") not in STYLES:
            err(where(fname, r), f"bad style {r.get('style')!r}")
        if r.get("split") not in SPLITS:
            err(where(fname, r), f"bad split {r.get('split')!r}")
        if norm(r.get("description", "")).lower() in dev_desc:
            err(where(fname, r), "description copies a development scenario")
    stats[fname] = rows

    # ---------------------------------------------------------------- training scenarios
    fname = "training_scenarios.jsonl"
    rows = load_jsonl(os.path.join(HERE, fname))
    val_desc = {norm(r["description"]).lower() for r in stats["scenarios.jsonl"]}
    for r in rows:
        all_ids[r.get("id")] += 1
        for f, t in (
            ("id", str),
            ("description", str),
            ("expected_instruments", list),
            ("reasons", list),
            ("not_recommended", list),
            ("split", str),
        ):
            need(fname, r, f, t)
        ei = r.get("expected_instruments", [])
        if not 4 <= len(ei) <= 6 or len(set(ei)) != len(ei):
            err(where(fname, r), "need 4-6 distinct expected instruments")
        for name in ei:
            if name not in vocab:
                err(where(fname, r), f"instrument not in vocabulary: {name!r}")
        if len(r.get("reasons", [])) != len(ei):
            err(where(fname, r), "need one reason per expected instrument")
        if r.get("split") != "train":
            err(where(fname, r), "training scenarios have split 'train'")
        if norm(r.get("description", "")).lower() in dev_desc | val_desc:
            err(where(fname, r), "description copies a development or written scenario")
    stats[fname] = rows

    # ---------------------------------------------------------------- paraphrases
    fname = "scenario_paraphrases.jsonl"
    rows = load_jsonl(os.path.join(HERE, fname))
    per_dev = Counter()
    for r in rows:
        all_ids[r.get("id")] += 1
        for f, t in (
            ("id", str),
            ("paraphrase_of", str),
            ("description", str),
            ("expected_instruments", list),
            ("style", str),
            ("split", str),
        ):
            need(fname, r, f, t)
        src = dev_scen.get(r.get("paraphrase_of"))
        if not src:
            err(where(fname, r), f"unknown dev scenario {r.get('paraphrase_of')!r}")
        else:
            per_dev[src["id"]] += 1
            if r.get("expected_instruments") != src["expected_instruments"]:
                err(where(fname, r), "expected_instruments differ from the dev scenario")
            if not str(r.get("id", "")).startswith(f"w-p-{src['id']}-"):
                err(where(fname, r), "id should be w-p-<dev id>-<letter>")
            if norm(r.get("description", "")).lower() == norm(src["description"]).lower():
                err(where(fname, r), "paraphrase identical to the dev description")
        if r.get("style") not in STYLES:
            err(where(fname, r), f"bad style {r.get('style')!r}")
        if r.get("split") not in SPLITS:
            err(where(fname, r), f"bad split {r.get('split')!r}")
    for sid in dev_scen:
        if per_dev[sid] != 3:
            err(fname, f"dev scenario {sid} has {per_dev[sid]} paraphrases (need 3)")
    stats[fname] = rows

    # ---------------------------------------------------------------- questions
    fname = "questions.jsonl"
    rows = load_jsonl(os.path.join(HERE, fname))
    for r in rows:
        all_ids[r.get("id")] += 1
        for f, t in (
            ("id", str),
            ("question", str),
            ("type", str),
            ("answer", str),
            ("gold", list),
            ("difficulty", str),
            ("split", str),
            ("kind", str),
        ):
            need(fname, r, f, t)
        if not str(r.get("id", "")).startswith("w-q"):
            err(where(fname, r), "id should start with 'w-q'")
        if r.get("type") not in QTYPES:
            err(where(fname, r), f"bad type {r.get('type')!r}")
        if r.get("difficulty") not in DIFFICULTIES:
            err(where(fname, r), f"bad difficulty {r.get('difficulty')!r}")
        if r.get("split") not in SPLITS:
            err(where(fname, r), f"bad split {r.get('split')!r}")
        kind = r.get("kind")
        if kind not in KINDS:
            err(where(fname, r), f"bad kind {kind!r}")
        if kind == "answerable":
            check_quotes(fname, r, "gold", docs, allow_empty=False)
            if r.get("type") == "out_of_scope":
                err(where(fname, r), "answerable question typed out_of_scope")
            if r.get("type") == "comparison" and len(r.get("gold", [])) < 2:
                err(where(fname, r), "comparison needs at least two gold quotes")
            if "oos_kind" in r:
                err(where(fname, r), "answerable question has oos_kind")
        elif kind == "out_of_scope":
            if r.get("gold"):
                err(where(fname, r), "out-of-scope question has gold quotes")
            if r.get("type") != "out_of_scope":
                err(where(fname, r), "out-of-scope question should have type out_of_scope")
            if r.get("oos_kind") not in OOS_KINDS:
                err(where(fname, r), f"bad oos_kind {r.get('oos_kind')!r}")
        if norm(r.get("question", "")).lower() in dev_qtext:
            err(where(fname, r), "question repeats a development question")
    stats[fname] = rows

    # ---------------------------------------------------------------- followups
    fname = "followups.jsonl"
    rows = load_jsonl(os.path.join(HERE, fname))
    for r in rows:
        all_ids[r.get("id")] += 1
        for f, t in (("id", str), ("turns", list), ("gold", list), ("answer", str), ("split", str)):
            need(fname, r, f, t)
        if not str(r.get("id", "")).startswith("w-f"):
            err(where(fname, r), "id should start with 'w-f'")
        turns = r.get("turns", [])
        if not 2 <= len(turns) <= 3:
            err(where(fname, r), f"{len(turns)} turns (need 2 or 3)")
        for t in turns:
            if (
                not isinstance(t, dict)
                or not isinstance(t.get("question"), str)
                or not t["question"].strip()
            ):
                err(where(fname, r), f"bad turn {t!r}")
            elif norm(t["question"]).lower() in dev_qtext:
                err(where(fname, r), "turn repeats a development question")
        check_quotes(fname, r, "gold", docs, allow_empty=False)
        if "new_topic" in r and not isinstance(r["new_topic"], bool):
            err(where(fname, r), "new_topic must be boolean")
        if r.get("split") not in SPLITS:
            err(where(fname, r), f"bad split {r.get('split')!r}")
    stats[fname] = rows

    # ---------------------------------------------------------------- ids
    for i, c in all_ids.items():
        if c > 1:
            err("ids", f"duplicate id {i!r} ({c} times)")
        if i in dev_ids:
            err("ids", f"id {i!r} reuses a development id")

    # ---------------------------------------------------------------- report
    if not quiet:
        print(f"corpus: {doc_dir}   vocabulary: {vocab_path}")
        for fn, rows in stats.items():
            sp = Counter(r.get("split") for r in rows)
            line = f"{fn}: {len(rows)} lines; split {dict(sp)}"
            if fn == "questions.jsonl":
                line += f"; kind {dict(Counter(r.get('kind') for r in rows))}"
                kinds = Counter(r.get("oos_kind") for r in rows if r.get("oos_kind"))
                line += f"; oos_kind {dict(kinds)}"
                line += f"; type {dict(Counter(r.get('type') for r in rows))}"
            if fn in ("scenarios.jsonl", "scenario_paraphrases.jsonl"):
                line += f"; style {dict(Counter(r.get('style') for r in rows))}"
            if fn == "followups.jsonl":
                line += f"; new_topic {sum(1 for r in rows if r.get('new_topic'))}"
            print(line)
    for w in warnings:
        print("WARNING", w)
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
