#!/usr/bin/env python3
"""Python baseline for the XLSX reader: openpyxl in read-only (streaming)
mode, keeping each row's SKU and quantity as the reader does.

    python3 bench/xlsx_openpyxl.py FILE SHEET [RUNS]

Prints one line per run: the seconds one read of the sheet took.
"""
import sys
import time

import openpyxl


def read(path, sheet):
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = 0
    stock = {}
    for row in wb[sheet].iter_rows(values_only=True):
        rows += 1
        if rows > 1 and row[0] is not None:
            stock[row[0]] = row[2]
    wb.close()
    return len(stock)


path, sheet = sys.argv[1], sys.argv[2]
for _ in range(int(sys.argv[3]) if len(sys.argv) > 3 else 1):
    start = time.perf_counter()
    read(path, sheet)
    print(f"{time.perf_counter() - start:.3f}")
