"""Reads printed forms back as a person filing them would, and says what is wrong.

Usage: form_quality.py NAME=FILE.docx:FILE.pdf ...
Prints one JSON object: {"NAME": {"pages": N, "findings": ["...", ...]}, ...}.

For each form:
- the .docx opens with python-docx (a strict reader: a package Word would repair fails here);
- on the PDF LibreOffice printed, with Noto CJK: no page is blank between header and footer; no
  page holds only the parties' sign-and-stamp block, nor a single table row carried over above it;
  every party's cell of that block is at least 45 mm tall (room for a 公章 of 40-42 mm).
"""

import json
import sys

import docx
import pdfplumber

MM = 72 / 25.4
# The forms' margins (twips / 20 = points): the header above, the footer below.
BODY_TOP = 1500 / 20
BODY_BOTTOM = 1300 / 20
SEAL_MM = 45


def is_party_table(rows):
    """The sign-and-stamp block: one row, every cell with a 签字 and a 日期 line."""
    if len(rows) != 1 or not rows[0]:
        return False
    return all(cell and "签字" in cell and "日期" in cell for cell in rows[0])


def check(name, docx_path, pdf_path):
    findings = []
    try:
        docx.Document(docx_path)
    except Exception as e:  # what python-docx refuses, Word would want to repair
        findings.append(f"python-docx cannot open it: {e}")
    with pdfplumber.open(pdf_path) as pdf:
        pages = len(pdf.pages)
        for number, page in enumerate(pdf.pages, start=1):
            bottom = page.height - BODY_BOTTOM
            body = [w for w in page.extract_words() if w["top"] >= BODY_TOP - 2 and w["bottom"] <= bottom + 2]
            images = [i for i in page.images if i["top"] >= BODY_TOP - 2 and i["bottom"] <= bottom + 2]
            if not body and not images:
                findings.append(f"page {number} is blank")
                continue
            tables = sorted(page.find_tables(), key=lambda t: t.bbox[1])
            parties = [t for t in tables if is_party_table(t.extract())]
            for t in parties:
                for cell in t.rows[0].cells:
                    if cell is None:
                        continue
                    height = (cell[3] - cell[1]) / MM
                    if height < SEAL_MM - 0.5:
                        findings.append(f"page {number}: a party's block is {height:.1f} mm tall, not {SEAL_MM}")
            if not parties:
                continue
            block = parties[0]
            above = [w for w in body if w["bottom"] <= block.bbox[1] + 1]
            if not above:
                findings.append(f"page {number} holds only the sign-and-stamp block")
                continue
            # A table carried over from the page before, as the first thing on this one: its
            # heading row repeats, and one row under it alone is an orphan.
            if number > 1:
                carried = [t for t in tables if t is not block and t.bbox[3] <= block.bbox[1] + 1]
                first_word = min(w["top"] for w in above)
                if carried and carried[0].bbox[1] <= first_word + 1 and len(carried) == 1:
                    rows = len(carried[0].rows) - 1
                    if rows < 2:
                        findings.append(f"page {number} holds a single row of the table above the block")
    return {"pages": pages, "findings": findings}


def main():
    out = {}
    for arg in sys.argv[1:]:
        name, paths = arg.split("=", 1)
        docx_path, pdf_path = paths.rsplit(":", 1)
        out[name] = check(name, docx_path, pdf_path)
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
