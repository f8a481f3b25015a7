"""One formatter for every tabular output: list, diagnose, signatures list, merge --stats, stats.

It speaks OpenStack-CLI (cliff) habits, the same way for every view:
`-f table|value|json|yaml|csv|markdown`, `-c COLUMN` (repeatable, checked
against the view's real columns), `--sort-column`, `--noindent` (JSON on one
line) and `--max-width` (the table fits it by shortening the columns that may
be cut, with an ellipsis).  A view declares its columns once in a
`TableSpec`, gives rows of JSON-ready values, and `register_table` makes one
renderer per format out of them — a new tabular view (`stats`) is a spec, a
row function and one call.

What each format writes, for scripts as much as for people:

- `table`: for reading and pasting — a column's `display` may shorten its
  value (short unique ids, human durations); missing values are `-`.
- `value`: the values only, space-separated, one row a line (`-c id -f value`
  in a shell loop); missing values are empty.
- `csv`: a header, then full values: missing values empty, booleans `true` /
  `false`, numbers as numbers (pandas reads them as such), lists comma-joined.
- `json` / `yaml`: full values, lists as lists, missing values null.
- `markdown`: a pipe table with every cell escaped.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from migtrace.errors import RenderError
from migtrace.reports._format import md_escape
from migtrace.reports._registry import Renderer, RenderOptions, load_view, register
from migtrace.reports.neutral import csv_cell

#: Every tabular view offers these formats (cliff's names).
FORMATS: tuple[str, ...] = ("table", "value", "json", "yaml", "csv", "markdown")
#: Formats for people: they show the view's compact columns and a closing (total) row.
HUMAN: tuple[str, ...] = ("table", "markdown")
#: What the table prints for a missing value.
TABLE_MISSING = "-"
#: Space between two table columns.
GUTTER = "  "

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a tabular view.

    `name` is the JSON/CSV key and what `-c` takes (the table `header` is
    accepted too); `display` turns a row into the table's text for this
    column (a short id, a human duration); `shrink` lets `--max-width` cut the
    column down to `min_width` with an ellipsis; numbers may align right.
    """

    name: str
    header: str = ""
    display: Callable[[Row], str] | None = None
    shrink: bool = False
    min_width: int = 8
    right: bool = False
    #: cut at the start instead (`…/nova/nova-compute.log`): the end of a path says the most
    cut_left: bool = False

    @property
    def title(self) -> str:
        """The table header."""
        return self.header or self.name


class UnknownColumnError(RenderError):
    """A `-c` / `--sort-column` names a column the view does not have (a usage error)."""


@dataclass(frozen=True, slots=True)
class TableSpec:
    """The columns of one tabular view, and which of them each kind of format shows by default."""

    view: str
    columns: tuple[Column, ...]
    #: the human formats' (table, markdown) columns when no -c is given (empty: `full`)
    table: tuple[str, ...] = ()
    #: the machine formats' (value, csv, json, yaml) columns when no -c is given (empty: every column)
    full: tuple[str, ...] = ()
    #: the formats `register_table` registers for the view
    formats: tuple[str, ...] = FORMATS
    #: formats of the view that another module renders as a document, not as these rows: -c,
    #: --sort-column cannot apply to them (diagnose's JSON and Markdown)
    documents: tuple[str, ...] = ()
    #: a closing row for the human formats (table, markdown): totals, computed from the shown rows
    footer: Callable[[Sequence[Row]], Row] | None = None
    #: whether the table fits the terminal (or 100 columns) unless told otherwise; a view whose table
    #: is a longer text (diagnose) only fits an explicit --max-width
    fit: bool = True

    def names(self) -> tuple[str, ...]:
        """Return every column name, in order."""
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        """Return a column by name or table header (any case); raise `UnknownColumnError` listing the valid ones."""
        wanted = name.strip().lower()
        for c in self.columns:
            if wanted in (c.name.lower(), c.title.lower()):
                return c
        raise UnknownColumnError(f"unknown column {name!r} for {self.view} (valid: {', '.join(self.names())})")

    def resolve(self, names: Sequence[str]) -> tuple[str, ...]:
        """Return the column names `names` refer to (headers accepted), checking every one."""
        return tuple(self.column(n).name for n in names)

    def shown(self, fmt: str, wanted: Sequence[str] = ()) -> tuple[Column, ...]:
        """Return the columns a format shows: `wanted`, else the format's default."""
        names = self.resolve(wanted) if wanted else (self.table if fmt in HUMAN and self.table else self.full)
        return tuple(self.column(n) for n in names) if names else self.columns


_SPECS: dict[str, TableSpec] = {}


def table_spec(view: str) -> TableSpec:
    """Return the column spec of a tabular view (`RenderError` for a view without one)."""
    load_view(view)
    if view not in _SPECS:
        load_view("*")
    try:
        return _SPECS[view]
    except KeyError:
        raise RenderError(f"{view} is not a tabular view (tabular: {', '.join(sorted(_SPECS))})") from None


def tabular_views() -> tuple[str, ...]:
    """Return the views registered through `register_table`."""
    load_view("*")
    return tuple(sorted(_SPECS))


def register_table(spec: TableSpec, rows: Callable[[Any, RenderOptions], Sequence[Row]],
                   description: str = "") -> TableSpec:
    """Register the spec and one renderer per format in `spec.formats` for its view."""
    _SPECS[spec.view] = spec
    for fmt in spec.formats:
        def render(data: Any, options: RenderOptions, fmt: str = fmt) -> str:
            return render_rows(spec, rows(data, options), fmt, options)
        register(Renderer(view=spec.view, name=fmt, suffix=f".{'md' if fmt == 'markdown' else fmt}",
                          render=render, description=f"{description} ({fmt})" if description else fmt))
    return spec


# --------------------------------------------------------------------------- cells


def text_cell(value: Any) -> str:
    """Return a full value as text: lists comma-joined, booleans `true`/`false`, missing empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(text_cell(v) for v in value)
    return str(value)


def cell(value: Any) -> str:
    """Return a value as the table shows it: `-` when missing, floats to ms, lists comma-joined."""
    if value is None or (isinstance(value, (list, tuple)) and not value):
        return TABLE_MISSING
    if isinstance(value, float):
        return f"{value:.3f}"
    return text_cell(value)


def _table_cell(column: Column, row: Row) -> str:
    if column.display is not None:
        return column.display(row)
    return cell(row.get(column.name))


# --------------------------------------------------------------------------- rows


def _sort_key(value: Any) -> tuple[int, Any]:
    """Order missing values last and never compare a number with a string."""
    if value is None:
        return (2, "")
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, text_cell(value).lower())


def sort_rows(spec: TableSpec, rows: Sequence[Row], options: RenderOptions) -> list[Row]:
    """Return the rows sorted by `options.sort_columns` (stable; missing values last)."""
    keys = spec.resolve(options.sort_columns)
    if not keys:
        return list(rows)
    return sorted(rows, key=lambda r: tuple(_sort_key(r.get(k)) for k in keys), reverse=options.sort_descending)


def render_rows(spec: TableSpec, rows: Sequence[Row], fmt: str, options: RenderOptions) -> str:
    """Render rows of a view in one of FORMATS, honouring -c, --sort-column, --noindent, --max-width."""
    columns = spec.shown(fmt, options.columns)
    ordered = sort_rows(spec, rows, options)
    if fmt in ("json", "yaml"):
        data = [{c.name: r.get(c.name) for c in columns} for r in ordered]
        if fmt == "yaml":
            import yaml  # noqa: PLC0415 - only `-f yaml` needs PyYAML (`timeline` and `-f json` start without it)

            return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        return json.dumps(data, indent=None if options.noindent else 2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return _csv(columns, ordered)
    if fmt == "value":
        return "".join(" ".join(text_cell(r.get(c.name)) for c in columns) + "\n" for r in ordered)
    if spec.footer is not None and ordered:
        ordered.append(spec.footer(ordered))
    if fmt == "markdown":
        return _markdown([c.title for c in columns], [[cell(r.get(c.name)) for c in columns] for r in ordered])
    if fmt == "table":
        return aligned(columns, [[_table_cell(c, r) for c in columns] for r in ordered], options.max_width)
    raise RenderError(f"unknown {spec.view} format {fmt!r} (known: {', '.join(spec.formats)})")


def _csv(columns: Sequence[Column], rows: Sequence[Row]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c.name for c in columns])
    # a cell a spreadsheet would evaluate (=HYPERLINK(…), +1, @SUM) is written as text
    writer.writerows([csv_cell(text_cell(r.get(c.name))) for c in columns] for r in rows)
    return buf.getvalue()


def _markdown(headers: Sequence[str], cells: Sequence[Sequence[str]]) -> str:
    out = ["| " + " | ".join(md_escape(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(md_escape(x) for x in row) + " |" for row in cells]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- the aligned table


def ellipsize(text: str, width: int, left: bool = False) -> str:
    """Cut text to `width` characters, ending (`left`: starting) with `…` when anything was cut."""
    if len(text) <= width:
        return text
    if width <= 0:
        return ""
    return "…" + text[len(text) - width + 1:] if left else text[: width - 1] + "…"


def fit_widths(columns: Sequence[Column], widths: list[int], max_width: int) -> list[int]:
    """Shrink the columns that may be cut, widest first, until the table fits `max_width` (0: no limit)."""
    fitted = list(widths)
    if max_width <= 0:
        return fitted
    excess = sum(fitted) + len(GUTTER) * (len(fitted) - 1) - max_width
    while excess > 0:
        room = [(fitted[i] - c.min_width, i) for i, c in enumerate(columns) if c.shrink and fitted[i] > c.min_width]
        if not room:
            break  # only columns that must stay whole are left: the table stays wider
        # take from the widest cuttable column, a little at a time, so cuts spread over several columns
        _, widest = max(room, key=lambda x: (fitted[x[1]], x[1]))
        second = max((fitted[i] for _, i in room if i != widest), default=columns[widest].min_width)
        cut = min(excess, fitted[widest] - columns[widest].min_width, max(fitted[widest] - second, 1))
        fitted[widest] -= cut
        excess -= cut
    return fitted


def aligned(columns: Sequence[Column], cells: Sequence[Sequence[str]], max_width: int = 0) -> str:
    """Write an aligned table (header, dashes, rows) fitted to `max_width`; trailing spaces trimmed."""
    headers = [c.title for c in columns]
    natural = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(headers)]
    widths = fit_widths(columns, natural, max_width)

    def line(values: Sequence[str]) -> str:
        parts = []
        for c, w, v in zip(columns, widths, values, strict=True):
            v = ellipsize(v, w, c.cut_left)
            parts.append(v.rjust(w) if c.right else v.ljust(w))
        return GUTTER.join(parts).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)]) + "\n"


# --------------------------------------------------------------------------- ad-hoc tables


def listing(rows: Sequence[Row], columns: Sequence[str], fmt: str = "table",
            headers: Sequence[str] | None = None, indent: str = "", max_width: int = 0,
            shrink: Sequence[str] = ()) -> str:
    """Render rows without a registered spec (a table inside a larger text, such as diagnose's).

    JSON and YAML keep every key of the rows; the text formats show `columns`
    under `headers` (default: the names); the table fits `max_width` by
    cutting the `shrink` columns.
    """
    if fmt == "json":
        return json.dumps([dict(r) for r in rows], indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        import yaml  # noqa: PLC0415 - see above

        return yaml.safe_dump([dict(r) for r in rows], sort_keys=False, allow_unicode=True)
    titles = list(headers or columns)
    cols = tuple(Column(name=n, header=h, shrink=n in shrink, min_width=12)
                 for n, h in zip(columns, titles, strict=True))
    if fmt == "csv":
        return _csv(cols, rows)
    if fmt == "value":
        return "".join(" ".join(text_cell(r.get(c)) for c in columns) + "\n" for r in rows)
    if fmt == "markdown":
        return _markdown(titles, [[cell(r.get(c)) for c in columns] for r in rows])
    table = aligned(cols, [[cell(r.get(c)) for c in columns] for r in rows], max_width)
    return "\n".join((indent + line).rstrip() for line in table.splitlines()) + "\n"
