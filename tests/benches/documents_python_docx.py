"""The peer of benches/documents.rs: python-docx builds the same equipment list as a .docx.

Landscape A4, the title, a table of 10 fixed-width columns whose heading row repeats, a merged
category row before every quarter, the lines, a total row; every run gets the East Asian font and
every row is kept from splitting, as jiaofu's form does. Prints the median seconds of 3 runs;
exits 1 with a message when python-docx is missing (pip install python-docx).

usage: documents_python_docx.py LINES OUT.docx
"""
import statistics
import sys
import time

try:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt
except ImportError:
    sys.exit("python-docx is not installed (pip install python-docx)")

COLUMNS = [("序号", 2), ("设备名称", 6), ("品牌", 3), ("型号", 5), ("规格参数", 8),
           ("数量", 2), ("单位", 2), ("单价（元）", 3), ("金额（元）", 4), ("备注", 4)]
CATEGORIES = ["一、前端设备", "二、传输设备", "三、存储设备", "四、显示设备"]


def east_asian(run, font="宋体", size=10.5):
    run.font.name = "Times New Roman"
    run.font.size = Pt(size)
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


def set_text(cell, text):
    paragraph = cell.paragraphs[0]
    east_asian(paragraph.add_run(text))


def row_property(row, tag):
    tr_pr = row._tr.get_or_add_trPr()
    element = OxmlElement(tag)
    tr_pr.append(element)


def build(lines, out):
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(2))
    east_asian(section.header.paragraphs[0].add_run("某某系统集成有限公司  协议设备清单"))
    east_asian(document.add_paragraph().add_run("协议设备清单"), "黑体", 18)

    width = Cm(25.7)
    total_weight = sum(w for _, w in COLUMNS)
    widths = [int(width * w / total_weight) for _, w in COLUMNS]
    table = document.add_table(rows=0, cols=len(COLUMNS))
    table.style = "Table Grid"
    table.autofit = False
    table._tbl.tblPr.append(OxmlElement("w:tblLayout"))
    table._tbl.tblPr[-1].set(qn("w:type"), "fixed")

    def add_row(values):
        row = table.add_row()
        row_property(row, "w:cantSplit")
        for cell, value, w in zip(row.cells, values, widths):
            cell.width = w
            set_text(cell, value)
        return row

    heading = add_row([label for label, _ in COLUMNS])
    row_property(heading, "w:tblHeader")
    per_category = lines // len(CATEGORIES)
    for n in range(lines):
        if n % per_category == 0:
            row = table.add_row()
            row_property(row, "w:cantSplit")
            merged = row.cells[0].merge(row.cells[-1])
            set_text(merged, CATEGORIES[n // per_category])
        add_row([str(n + 1), f"网络摄像机 {n:04}", "海康威视", f"DS-2CD{n:04}", "400万像素 红外 50 米",
                 "2", "台", "1200.00", "2400.00", f"机房 {n % 40}"])
    row = table.add_row()
    merged = row.cells[0].merge(row.cells[-1])
    set_text(merged, f"合计：{2400 * lines:.2f}")
    east_asian(document.add_paragraph().add_run("甲方：签字：＿＿＿＿ 日期：＿＿＿＿    乙方：签字：＿＿＿＿ 日期：＿＿＿＿"))
    document.save(out)


def main():
    lines, out = int(sys.argv[1]), sys.argv[2]
    times = []
    for _ in range(3):
        start = time.perf_counter()
        build(lines, out)
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    print(f"python-docx {docx.__version__ if hasattr(docx, '__version__') else ''}: {lines} lines in {seconds:.3f} s (median of 3)")
    print(f"python-docx seconds: {seconds:.3f}")


main()
