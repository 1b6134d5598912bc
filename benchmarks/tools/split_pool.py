#!/usr/bin/env python3
"""Splits one database's question pool (JSONL) into a locked set and a development set, at random.

The unit of the split is a conversation: a question and every follow-up that chains from it go to the
same side. Conversations are stratified by the tier of their first question and by language (French or
not), so both sides get the same mix; within each stratum they are shuffled with the seed and dealt to
the locked side until it holds at least the given share of that stratum's questions. Unanswerable
questions form strata of their own (by language). Lines keep their pool order within each side, so follow-ups still come
after the question they follow.

    split_pool.py POOL.jsonl LOCKED.jsonl DEV.jsonl --seed 20261201 [--locked-share 0.5]
    split_pool.py POOL.jsonl LOCKED.jsonl --all-locked          (a database with no development set)
"""
import argparse
import json
import random


def strata(items):
    """Conversations (lists of ids, root first), grouped by (answerable, tier, French) of their root."""
    root_of = {}
    for item in items:
        parent = item.get("followup_of")
        root_of[item["id"]] = root_of[parent] if parent else item["id"]
    by_id = {item["id"]: item for item in items}
    groups = {}
    for item in items:
        groups.setdefault(root_of[item["id"]], []).append(item["id"])
    result = {}
    for root, ids in groups.items():
        head = by_id[root]
        key = (head.get("answerable", True), head.get("tier") or "", "french" in head.get("tags", []))
        result.setdefault(key, []).append(ids)
    return [result[key] for key in sorted(result)]


def deal(groups, share, rng):
    groups = sorted(groups)
    rng.shuffle(groups)
    total = sum(len(g) for g in groups)
    locked, taken = set(), 0
    for group in groups:
        if taken >= share * total:
            break
        locked.update(group)
        taken += len(group)
    return locked


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("pool")
    parser.add_argument("locked")
    parser.add_argument("dev", nargs="?")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--locked-share", type=float, default=0.5)
    parser.add_argument("--all-locked", action="store_true")
    args = parser.parse_args()

    with open(args.pool, encoding="utf-8") as f:
        items = [json.loads(line) for line in f if line.strip()]
    if args.all_locked:
        locked = {item["id"] for item in items}
    else:
        rng = random.Random(args.seed)
        locked = set()
        for stratum in strata(items):
            locked |= deal(stratum, args.locked_share, rng)

    def write(path, keep):
        with open(path, "w", encoding="utf-8") as f:
            for item in items:
                if keep(item["id"]):
                    f.write(json.dumps(item, ensure_ascii=False) + "\n")

    write(args.locked, lambda id: id in locked)
    if args.dev:
        write(args.dev, lambda id: id not in locked)


if __name__ == "__main__":
    main()
