"""WeasyPrint's side of bench_render: lays the permit's HTML out N times in
one process (after one warm-up) and prints the times as JSON."""

import json
import sys
import time

import weasyprint

html_path, count = sys.argv[1], int(sys.argv[2])
with open(html_path, encoding="utf-8") as handle:
    html = handle.read()
base = html_path.rsplit("/", 1)[0] + "/"
pdf = weasyprint.HTML(string=html, base_url=base).write_pdf()
seconds = []
for _ in range(count):
    started = time.perf_counter()
    pdf = weasyprint.HTML(string=html, base_url=base).write_pdf()
    seconds.append(time.perf_counter() - started)
print(json.dumps({"version": weasyprint.__version__, "seconds": seconds, "bytes": len(pdf)}))
