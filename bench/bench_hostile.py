"""Build each hostile workbook in a temp folder and time `allocator validate` and `optimize` on it.

Every file is written straight as zip parts (no spreadsheet library) by a subprocess of its
own, then each command runs in its own subprocess; the script reports the wall time, the
child's CPU time (user + system), its peak RSS (``os.wait4``; the measuring process stays
small, since Linux starts a child's peak at its parent's size) and the first line of the
message. It reads nothing but what it builds (and ``/dev/zero``). On a shared machine the
wall time varies with the load: ``--repeat 5`` runs each command five times and reports the
best and the median.

    python bench/bench_hostile.py              # the table, as docs/hostile_files.md shows it
    python bench/bench_hostile.py --only fifo  # one kind
    python bench/bench_hostile.py --repeat 5   # best / median of five runs
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_S = 60.0
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                    for i in range(1, 10)) + "]>")


def base_book(folder: Path) -> Path:
    """A small valid fleet workbook (2 sites, 24 months), the start of every variant."""
    from allocator.synthetic import synthetic_fleet  # in the builder process only
    from allocator.workbook.fleet_writer import write_fleet

    return write_fleet(synthetic_fleet(sites=2, months=24, seed=1), folder / "base.xlsx")


def rewrite(base: Path, out: Path, change: Callable[[dict[str, bytes]], None],
            compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """Copy ``base`` to ``out`` with its parts (name -> bytes) changed by ``change``."""
    with zipfile.ZipFile(base) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    change(parts)
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out


def sheet_part(parts: dict[str, bytes], sheet: str) -> str:
    """The zip path of ``sheet`` (the writer names parts sheet1.xml, ... in workbook order)."""
    names = re.findall(rb'<sheet [^>]*name="([^"]+)"', parts["xl/workbook.xml"])
    return f"xl/worksheets/sheet{[n.decode() for n in names].index(sheet) + 1}.xml"


# --------------------------------------------------------------------------- the files


def declared_bomb(folder: Path, base: Path) -> Path:
    """A few-KB file whose zip directory says one sheet unpacks to 4 GB."""
    path = rewrite(base, folder / "bomb.xlsx", lambda parts: None)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, info.header_offset + 22, 4_000_000_000)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46:central + 46 + length] == info.filename.encode():
            struct.pack_into("<I", data, central + 24, 4_000_000_000)
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))
    return path


def ratio_bomb(folder: Path, base: Path) -> Path:
    """A 20 MB part of blanks compressed to 20 KB (1,000 times)."""
    def change(parts: dict[str, bytes]) -> None:
        parts["xl/worksheets/sheet99.xml"] = b"<worksheet>" + b" " * 20_000_000 + b"</worksheet>"
    return rewrite(base, folder / "ratio.xlsx", change)


def _strings_with(prolog: str, text: str) -> Callable[[dict[str, bytes]], None]:
    def change(parts: dict[str, bytes]) -> None:
        parts["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0"?>{prolog}<sst xmlns="{MAIN}" count="1" uniqueCount="1">'
            f"<si><t>{text}</t></si></sst>").encode()
    return change


def billion_laughs(folder: Path, base: Path) -> Path:
    """Shared strings whose DTD expands one entity to 10^9 'lol's."""
    return rewrite(base, folder / "laughs.xlsx", _strings_with(LAUGHS, "&lol9;"))


def external_entity(folder: Path, base: Path) -> Path:
    """Shared strings with an external entity reading /etc/passwd (XXE)."""
    dtd = '<!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    return rewrite(base, folder / "xxe.xlsx", _strings_with(dtd, "&x;"))


def far_cell(folder: Path, base: Path) -> Path:
    """One value at XFD1048576: a 17-billion-cell grid for a dense reader."""
    def change(parts: dict[str, bytes]) -> None:
        part = sheet_part(parts, "Sites")
        parts[part] = parts[part].replace(
            b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    return rewrite(base, folder / "far.xlsx", change)


def ods_repeats(folder: Path, base: Path) -> Path:
    """An .ods cell repeated 100 x 100,000 times by its attributes: 10 million cells."""
    table = ('<table:table table:name="Notes"><table:table-row table:number-rows-repeated='
             '"100000"><table:table-cell table:number-columns-repeated="100" '
             'office:value-type="float" office:value="1"/></table:table-row></table:table>')
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        f"<office:body><office:spreadsheet>{table}</office:spreadsheet></office:body>"
        "</office:document-content>")
    path = folder / "repeats.ods"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
    return path


def many_sheets(folder: Path, base: Path, count: int = 100_000) -> Path:
    """``count`` sheet entries in workbook.xml, all pointing to one empty worksheet part."""
    def change(parts: dict[str, bytes]) -> None:
        entries = "".join(f'<sheet name="N{i}" sheetId="{1000 + i}" r:id="rIdN{i}"/>'
                          for i in range(count - 4))
        rels = "".join(f'<Relationship Id="rIdN{i}" Type="{REL}/worksheet" '
                       'Target="worksheets/empty.xml"/>' for i in range(count - 4))
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
            b"</sheets>", entries.encode() + b"</sheets>")
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>", rels.encode() + b"</Relationships>")
        parts["xl/worksheets/empty.xml"] = (f'<worksheet xmlns="{MAIN}"><sheetData/>'
                                            "</worksheet>").encode()
    return rewrite(base, folder / "sheets.xlsx", change)


def many_strings(folder: Path, base: Path, count: int = 8_800_000) -> Path:
    """``count`` distinct 6-letter shared strings (194 MB unpacked, under the size cap)."""
    import numpy as np  # in the builder process only

    letters = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)
    picks = letters[np.random.default_rng(0).integers(0, 52, (count, 6))]
    rows = np.full((count, 22), ord(" "), np.uint8)
    rows[:, :7] = np.frombuffer(b"<si><t>", np.uint8)
    rows[:, 7:13] = picks
    rows[:, 13:22] = np.frombuffer(b"</t></si>", np.uint8)

    def change(parts: dict[str, bytes]) -> None:
        head = f'<sst xmlns="{MAIN}" count="{count}" uniqueCount="{count}">'.encode()
        parts["xl/sharedStrings.xml"] = head + rows.tobytes() + b"</sst>"
    return rewrite(base, folder / "strings.xlsx", change)


def five_million_cells(folder: Path, base: Path, rows: int = 500_000,
                       columns: int = 10) -> Path:
    """A Sites sheet of ``rows`` x ``columns`` cells, every capacity a word: one fault a row."""
    def change(parts: dict[str, bytes]) -> None:
        letters = [chr(65 + c) for c in range(columns)]
        header = "".join(f'<c r="{x}1" t="inlineStr"><is><t>{name}</t></is></c>' for x, name in
                         zip(letters, ["site", "capacity_mw", "power_price_usd_mwh"]
                             + [f"n{c}" for c in range(3, columns)], strict=True))
        body = [f'<row r="1">{header}</row>']
        for r in range(2, rows + 2):
            body.append(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>S{r}</t></is></c>'
                        f'<c r="B{r}" t="inlineStr"><is><t>big{r % 97}</t></is></c>'
                        + "".join(f'<c r="{x}{r}"><v>{(r * 7 + c) % 1000}</v></c>'
                                  for c, x in enumerate(letters[2:])) + "</row>")
        part = sheet_part(parts, "Sites")
        parts[part] = (f'<worksheet xmlns="{MAIN}"><sheetData>{"".join(body)}</sheetData>'
                       "</worksheet>").encode()
    return rewrite(base, folder / f"cells{rows * columns}.xlsx", change)


def cells_at_cap(folder: Path, base: Path) -> Path:
    """Just under the cell cap: 330,000 rows x 3 columns, every capacity a word (accepted by
    the guards; the reader then reports a fault per row)."""
    return five_million_cells(folder, base, rows=330_000, columns=3)


def fifo(folder: Path, base: Path) -> Path:
    """A named pipe no one writes to: opening it to read blocks for ever."""
    path = folder / "pipe.xlsx"
    os.mkfifo(path)
    return path


def dev_zero(folder: Path, base: Path) -> Path:
    """``/dev/zero``: a character device that reads zeros without end."""
    return Path("/dev/zero")


KINDS: dict[str, tuple[str, Callable[[Path, Path], Path]]] = {
    "bomb": ("zip bomb (4 GB declared)", declared_bomb),
    "ratio": ("zip bomb (1,000x compression)", ratio_bomb),
    "laughs": ("DTD entities (billion laughs)", billion_laughs),
    "xxe": ("DTD external entity (XXE)", external_entity),
    "far": ("one cell at XFD1048576", far_cell),
    "ods": (".ods with 10 M repeated cells", ods_repeats),
    "sheets": ("100,000 sheet entries", many_sheets),
    "strings": ("8.8 M shared strings", many_strings),
    "cells": ("5 M-cell sheet, a fault per row", five_million_cells),
    "cap": ("990,000-cell sheet (under the cap), a fault per row", cells_at_cap),
    "devzero": ("/dev/zero", dev_zero),
    "fifo": ("a FIFO (named pipe)", fifo),
}


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    """One command on one file: exit code (None on timeout), seconds (wall and CPU), peak RSS,
    message."""

    kind: str
    command: str
    exit_code: int | None
    seconds: float
    peak_rss_mib: float
    message: str
    cpu_seconds: float = 0.0


def first_message(code: int, stderr: str, stdout: str, folder: Path) -> str:
    """The first problem line (after the ``Error: N problems in ...:`` head), path shortened;
    for a success, the first line of stdout."""
    lines = [line.strip() for line in (stdout if code == 0 else stderr).splitlines()
             if line.strip()]
    if len(lines) > 1 and lines[0].startswith("Error:") and lines[0].endswith(":"):
        lines = lines[1:]
    text = lines[0] if lines else ""
    return text.replace(str(folder) + os.sep, "")


def measure(kind: str, command: str, path: Path, out: Path, timeout_s: float) -> Run:
    """Run ``allocator COMMAND PATH`` in a subprocess; kill it after ``timeout_s``."""
    args = [sys.executable, "-m", "allocator", command, str(path)]
    if command == "optimize":
        args += ["-o", str(out), "--overwrite"]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as std:
        child = subprocess.Popen(args, stdout=std, stderr=err, start_new_session=True)
        deadline = started + timeout_s
        status, usage = 0, None
        while usage is None:
            pid, status, rusage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                usage = rusage
            elif time.perf_counter() > deadline:
                os.killpg(child.pid, signal.SIGKILL)
            else:
                time.sleep(0.01)
        seconds = time.perf_counter() - started
        child.returncode = 0  # reaped by wait4
        err.seek(0)
        std.seek(0)
        stderr, stdout = err.read().decode(errors="replace"), std.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    timed_out = code == -signal.SIGKILL
    message = (f"(killed after {timeout_s:.0f} s)" if timed_out
               else first_message(code, stderr, stdout, out.parent))
    return Run(kind, command, None if timed_out else code, seconds, usage.ru_maxrss / 1024,
               message, usage.ru_utime + usage.ru_stime)


def build(kind: str, folder: Path) -> Path:
    """Build ``kind`` in ``folder`` in a subprocess (so this process stays small)."""
    done = subprocess.run([sys.executable, __file__, "--build", kind, str(folder)],
                          capture_output=True, text=True, check=True)
    return Path(done.stdout.strip())


def runs(kinds: list[str], timeout_s: float = TIMEOUT_S, repeat: int = 1
         ) -> Iterator[list[Run]]:
    """Each kind's file built in a temp folder, then validate and optimize on it, ``repeat``
    times each."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for kind in kinds:
            label = KINDS[kind][0]
            path = build(kind, folder)
            for command in ("validate", "optimize"):
                yield [measure(label, command, path, folder / "out.xlsx", timeout_s)
                       for _ in range(repeat)]
            if path.parent == folder and path.exists():
                path.unlink()


def main() -> None:
    """Print the hostile-file table (markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=list(KINDS),
                        help="Measure only this kind (repeatable).")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S,
                        help="Kill a command after this many seconds.")
    parser.add_argument("--repeat", type=int, default=1,
                        help="Run each command this many times: best / median.")
    parser.add_argument("--build", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        kind, folder = args.build[0], Path(args.build[1])
        base = folder / "base.xlsx"
        if not base.exists():
            base_book(folder)
        print(KINDS[kind][1](folder, base))
        return
    print("| file | command | exit | time | CPU | peak RSS | message |")
    print("|---|---|---|---|---|---|---|")
    for repeats in runs(args.only or list(KINDS), args.timeout, max(1, args.repeat)):
        run = repeats[0]
        exit_code = "timeout" if run.exit_code is None else str(run.exit_code)
        message = run.message if len(run.message) <= 160 else run.message[:157] + "..."
        print(f"| {run.kind} | {run.command} | {exit_code} | "
              f"{_spread([r.seconds for r in repeats])} | "
              f"{_spread([r.cpu_seconds for r in repeats])} | "
              f"{max(r.peak_rss_mib for r in repeats):,.0f} MiB | "
              f"{message.replace('|', '/')} |", flush=True)


def _spread(seconds: list[float]) -> str:
    """``1.23 s``, or ``best / median`` of several runs."""
    if len(seconds) == 1:
        return f"{seconds[0]:.2f} s"
    return f"{min(seconds):.2f} / {statistics.median(seconds):.2f} s"


if __name__ == "__main__":
    main()
