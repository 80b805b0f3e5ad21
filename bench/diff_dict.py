"""Baseline for `keycrm-sync diff --against`: what a ten-line script does.

Reads two sku,quantity CSVs into dicts and prints the SKUs whose quantity
differs or that one side lacks.

    python3 bench/diff_dict.py a.csv b.csv > /dev/null
"""
import csv
import sys


def load(path):
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        next(r)
        return {row[0]: row[1] for row in r}


a, b = load(sys.argv[1]), load(sys.argv[2])
w = csv.writer(sys.stdout)
for sku, q in a.items():
    other = b.get(sku)
    if other is None:
        w.writerow(["missing_in_target", sku, q, ""])
    elif other != q:
        w.writerow(["change", sku, other, q])
for sku, q in b.items():
    if sku not in a:
        w.writerow(["missing_in_source", sku, "", q])
