#!/usr/bin/env python3
"""Python baseline for the XML readers: what a short script using the standard
library's iterparse does with the same generated document.

For each record (CommerceML <Предложение>, YML <offer>) it keeps the SKU and
the quantities, as the reader does, and clears the element so that memory
stays flat. It prints the median throughput of several runs, in wall time and
in CPU time (the Go benchmarks' cpu-MB/s).

    python3 bench/xml_iterparse.py FILE RECORD [RUNS]
    python3 bench/xml_iterparse.py bench/out/offers.xml Предложение 5
"""
import os
import statistics
import sys
import time
import xml.etree.ElementTree as ET


def local(tag):
    return tag.rsplit("}", 1)[-1]


def read(path, record):
    records = quantities = 0
    for _, elem in ET.iterparse(path, events=("end",)):
        if local(elem.tag) != record:
            continue
        records += 1
        sku = elem.get("id")
        for child in elem:
            name = local(child.tag)
            if name in ("Артикул", "vendorCode") and sku is None:
                sku = (child.text or "").strip()
            elif name in ("Количество", "stock_quantity", "quantity_in_stock", "quantity"):
                quantities += 1
            elif name == "Склад" and child.get("КоличествоНаСкладе") is not None:
                quantities += 1
        elem.clear()
    return records, quantities


def main():
    path, record = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    size = os.path.getsize(path)
    rates, cpu_rates = [], []
    for _ in range(runs):
        start, cpu_start = time.perf_counter(), time.process_time()
        records, quantities = read(path, record)
        rates.append(size / (time.perf_counter() - start) / 1e6)
        cpu_rates.append(size / (time.process_time() - cpu_start) / 1e6)
    print(f"python iterparse {os.path.basename(path)}: {records} records, {quantities} quantities, "
          f"median {statistics.median(rates):.1f} MB/s, {statistics.median(cpu_rates):.1f} MB/s of CPU time, "
          f"of {runs} runs ({size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
