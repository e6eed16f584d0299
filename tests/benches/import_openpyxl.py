"""The peer of benches/import.rs: openpyxl in read-only mode reads every cell of the same file.

Prints the seconds and the peak resident memory; exits 1 with a message when openpyxl is missing
(pip install openpyxl).
"""
import resource
import sys
import time

try:
    import openpyxl
except ImportError:
    sys.exit("openpyxl is not installed (pip install openpyxl)")

path = sys.argv[1]
start = time.perf_counter()
book = openpyxl.load_workbook(path, read_only=True, data_only=True)
rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"openpyxl {openpyxl.__version__} read-only: {len(rows)} rows in {seconds:.3f} s, peak RSS {peak_mb:.0f} MB")
print(f"openpyxl seconds: {seconds:.3f}")
