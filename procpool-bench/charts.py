#!/usr/bin/env python3
"""Draws the comparison tables of docs/BENCHMARKS.md as SVG charts and embeds them.

For every Markdown table with a ratio column (a header cell containing "ratio" or " / "), one SVG
is written to bench-charts/ next to the Markdown file: one bar per row, the ratio of procpool to
the peer of that row on a logarithmic axis centred on 1x, labelled with the row's text and both
measured values, coloured by the row's pass/FAIL when the table has a result, grey otherwise. The
chart's title is the section heading and the Java version the lines above the table name. An image
line is put right after each table (old ones are dropped first), so rerunning it is harmless and
every harness script calls it after rewriting its section.

Usage: python3 procpool-bench/charts.py [docs/BENCHMARKS.md]        (python3 standard library only)
"""
import html
import math
import os
import re
import sys

WIDTH = 880
ROW = 30
LABEL_W = 430
AXIS_LO, AXIS_HI = 1 / 100, 100  # ratios shown from 0.01x to 100x; beyond, the bar is clipped


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def number(text):
    m = re.search(r"(\d[\d,]*\.?\d*)\s*×?", text.replace("\u202f", ""))
    return float(m.group(1).replace(",", "")) if m else None


def x_of(ratio):
    r = min(max(ratio, AXIS_LO), AXIS_HI)
    span = math.log10(AXIS_HI) - math.log10(AXIS_LO)
    return LABEL_W + 20 + (math.log10(r) - math.log10(AXIS_LO)) / span * (WIDTH - LABEL_W - 40)


def svg(title, rows):
    h = 60 + ROW * len(rows) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{h}" viewBox="0 0 {WIDTH} {h}" '
           'font-family="DejaVu Sans, Verdana, sans-serif" font-size="11">',
           f'<rect width="{WIDTH}" height="{h}" fill="#fff"/>',
           f'<text x="10" y="22" font-size="14" font-weight="bold">{html.escape(title)}</text>',
           '<text x="10" y="40" fill="#555">procpool ÷ peer (log scale; which side is better depends on the row: '
           'times and memory want less, rates want more)</text>']
    top = 52
    one = x_of(1)
    for tick in (0.01, 0.1, 1, 10, 100):
        x = x_of(tick)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ROW * len(rows)}" '
                   f'stroke="{"#333" if tick == 1 else "#ddd"}" stroke-width="{1.5 if tick == 1 else 1}"/>')
        out.append(f'<text x="{x:.1f}" y="{top + ROW * len(rows) + 14}" text-anchor="middle" fill="#555">{tick:g}×</text>')
    for i, (label, values, ratio, result) in enumerate(rows):
        y = top + i * ROW
        colour = {"pass": "#2e8b57", "fail": "#c0392b"}.get(result, "#7f8c9d")
        short = label if len(label) <= 70 else label[:67] + "…"
        out.append(f'<text x="10" y="{y + 13}"><title>{html.escape(label)}</title>{html.escape(short)}</text>')
        out.append(f'<text x="10" y="{y + 25}" fill="#777" font-size="10">{html.escape(values[:95])}</text>')
        x = x_of(ratio)
        left, right = min(x, one), max(x, one)
        out.append(f'<rect x="{left:.1f}" y="{y + 6}" width="{max(right - left, 1.5):.1f}" height="16" fill="{colour}"/>')
        anchor, tx = ("start", right + 4) if ratio >= 1 else ("end", left - 4)
        out.append(f'<text x="{tx:.1f}" y="{y + 18}" text-anchor="{anchor}" font-weight="bold">{ratio:.2f}×</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:50]


def main():
    md = sys.argv[1] if len(sys.argv) > 1 else "docs/BENCHMARKS.md"
    charts_dir = os.path.join(os.path.dirname(md) or ".", "bench-charts")
    os.makedirs(charts_dir, exist_ok=True)
    lines = [l for l in open(md, encoding="utf-8").read().split("\n") if not l.startswith("![chart: ")]
    out, heading, java, written, i = [], "Benchmarks", "", [], 0
    section = "Benchmarks"
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
            if line.startswith("## "):
                section = "Workers vs references" if heading == "Results" else heading
            m = re.search(r"Java (\d+)", line)
            java = f"Java {m.group(1)}" if m else ""
        else:
            m = re.search(r"\b(?:Java|JDK|VM) ?(\d{2})\b", line)
            if m and not line.startswith("|"):
                java = f"Java {m.group(1)}"
        if not (line.startswith("|") and i + 1 < len(lines) and re.match(r"^\|[\s:|-]+\|$", lines[i + 1].strip())):
            out.append(line)
            i += 1
            continue
        header = cells(line)
        table = [line, lines[i + 1]]
        i += 2
        while i < len(lines) and lines[i].startswith("|"):
            table.append(lines[i])
            i += 1
        out.extend(table)
        ratio_col = next((k for k, h in enumerate(header)
                          if re.search(r"\bratio\b", h.lower()) or " / " in h or h.lower().startswith("vs ")), None)
        if ratio_col is None:
            continue
        result_col = next((k for k, h in enumerate(header) if h.lower() in ("result", "")), None)
        rows = []
        for row in table[2:]:
            c = cells(row)
            if len(c) <= ratio_col or number(c[ratio_col]) is None or number(c[ratio_col]) <= 0:
                continue
            values = " · ".join(f"{header[k]}: {c[k]}" for k in range(1, ratio_col) if k < len(c) and c[k])
            result = c[result_col].lower() if result_col is not None and result_col < len(c) else ""
            rows.append((c[0].replace("`", ""), values.replace("`", ""), number(c[ratio_col]), result))
        if not rows:
            continue
        base = re.split(r" \(|: ", section)[0].replace("`", "")
        title = f"{base} — {java}" if java else base
        name = f"{len(written) + 1:02d}-{slug(title)}.svg"
        with open(os.path.join(charts_dir, name), "w", encoding="utf-8") as f:
            f.write(svg(title, rows))
        written.append(name)
        out.append("")
        out.append(f"![chart: {title}](bench-charts/{name})")
    for old in os.listdir(charts_dir):
        if old.endswith(".svg") and old not in written:
            os.remove(os.path.join(charts_dir, old))
    text = "\n".join(out)
    text = re.sub(r"\n{3,}(!\[chart: )", r"\n\n\1", text)
    with open(md, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"charts.py: {len(written)} charts in {charts_dir}")


if __name__ == "__main__":
    main()
