"""Reading a file for import: its bytes (gzip-compressed or not), its JSON, which format it
is, and that format's reader. Every way a file can be wrong is one ``InputFileError``: the
file, the format it was read as, the place in it and what is wrong there.

The formats are told apart by the keys only their writer writes: ``format:
"perfbench-run"`` (perfbench), ``context`` (Google Benchmark), ``machine_info``
(pytest-benchmark), a string ``version`` beside ``benchmarks`` (pyperf).
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from perfbench.errors import InputFileError
from perfbench.interchange import google_benchmark_json, perfbench_format, pyperf_json, pytest_benchmark_json
from perfbench.interchange.document_reading import Malformed
from perfbench.interchange.imported_run import FileSource, ImportedRun

_GZIP_MAGIC = b"\x1f\x8b"

# (format name, recognises a document, reads it with the lane its results go to)
Reader = Callable[[Mapping[str, Any], FileSource, str], ImportedRun]
FORMATS: tuple[tuple[str, Callable[[Mapping[str, Any]], bool], Reader], ...] = (
    (perfbench_format.NAME, perfbench_format.is_perfbench, lambda d, s, _lane: perfbench_format.read_perfbench(d, s)),
    (google_benchmark_json.NAME, google_benchmark_json.is_google_benchmark, google_benchmark_json.read_google_benchmark),
    (pytest_benchmark_json.NAME, pytest_benchmark_json.is_pytest_benchmark, pytest_benchmark_json.read_pytest_benchmark),
    (pyperf_json.NAME, pyperf_json.is_pyperf, pyperf_json.read_pyperf),
)
# the lane a foreign file's results go to unless --lane names one
DEFAULT_LANES = {google_benchmark_json.NAME: google_benchmark_json.SOURCE, pyperf_json.NAME: pyperf_json.SOURCE,
                 pytest_benchmark_json.NAME: pytest_benchmark_json.SOURCE}
KNOWN = ("a perfbench export (`perfbench export --format json`), Google Benchmark "
         "(--benchmark_out_format=json), pyperf (-o FILE, .json or .json.gz) or pytest-benchmark (--benchmark-json)")


def read_run_file(path: Path, lane: str | None = None) -> ImportedRun:
    """The run in the file at ``path``. ``lane``: where a foreign format's results go (default:
    the tool's name); a perfbench file keeps its own lanes, so a lane for it is refused."""
    try:
        content = path.read_bytes()
    except OSError as error:
        raise InputFileError(f"{path}: cannot read it ({error.strerror})") from None
    document = _document(path, content)
    for name, recognises, read in FORMATS:
        if recognises(document):
            if lane is not None and name == perfbench_format.NAME:
                raise InputFileError(f"{path}: --lane applies to other tools' files; a perfbench export keeps "
                                     "the lanes it was measured in (import it without --lane)")
            try:
                return read(document, FileSource.of(path, content), lane or DEFAULT_LANES.get(name, ""))
            except Malformed as error:
                raise InputFileError(f"{path}: not a valid {name} file: {error}") from None
            except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
                # a value of a shape no reader check foresaw: still this file's fault, still one line
                raise InputFileError(f"{path}: not a valid {name} file ({type(error).__name__}: {error})") from None
    raise InputFileError(f"{path}: JSON of no format perfbench imports (top-level keys: "
                         f"{', '.join(sorted(document)[:6]) or 'none'}); it reads {KNOWN}")


def _document(path: Path, content: bytes) -> dict[str, Any]:
    if content.startswith(_GZIP_MAGIC):
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError, zlib.error) as error:
            raise InputFileError(f"{path}: a gzip file that does not decompress ({error})") from None
    try:
        document = json.loads(content)
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not a JSON file (not UTF-8 text); perfbench imports {KNOWN}") from None
    except json.JSONDecodeError as error:
        raise InputFileError(f"{path}: not valid JSON: {error.msg} at line {error.lineno} column {error.colno}; "
                             f"perfbench imports {KNOWN}") from None
    if not isinstance(document, dict):
        raise InputFileError(f"{path}: JSON of no format perfbench imports (a {type(document).__name__}, not an "
                             f"object); it reads {KNOWN}")
    return document
