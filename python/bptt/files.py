# SPDX-License-Identifier: GPL-3.0-or-later
"""files — bptt.read: any file the command or a lesson writes. Models,
data and gradients go through the library's strict readers; the column
files of the instruments and the lessons (docs/files.md, "Instrument
output") are split into their named datasets here, each column a NumPy
array."""
import re

import numpy as np

from . import _lib
from .core import Data, Gradient, Model

_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_.+-]*$")


class Table(dict):
    """One dataset: column name → array (float, or str for a column of
    words), in the file's order; .name (None for an unnamed first dataset),
    .columns, and .comments (the other comment lines)."""

    def __init__(self, name, columns, comments):
        super().__init__(columns)
        self.name = name
        self.columns = list(columns)
        self.comments = comments

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self):
        n = len(next(iter(self.values()))) if self else 0
        return f"<bptt.Table {self.name!r}: {n} rows of {' '.join(self.columns)}>"


class Datasets(dict):
    """The datasets of a column file, name → Table in the file's order; an
    unnamed dataset (the first one of most instruments) is keyed by its
    position, and d[i] also gives the i-th dataset whatever its name."""

    def __getitem__(self, key):
        if isinstance(key, int) and not dict.__contains__(self, key):
            return list(self.values())[key]
        return dict.__getitem__(self, key)


def _refuse(path, line, msg):
    raise _lib.FileError(f"{path}:{line}: {msg}", _lib.EFORMAT, str(path), line)


def _column(values):
    try:
        return np.array([float(v) for v in values], dtype=float)
    except ValueError:
        return np.array(values, dtype=str)


def _dataset(path, index, comments, rows):
    """comments: [(line, text)] before the first row; rows: [(line, fields)]."""
    texts = [t for _, t in comments]
    if rows:
        ncols = len(rows[0][1])
    else:
        ncols = len(texts[-1].split()) if texts else 0

    def header(i):
        words = texts[i].split()
        return len(words) == ncols and all(_WORD.match(w) for w in words)

    # the column line, and the dataset's name: the last one-word comment line
    # before it (other lines, such as a lesson's "# param n = 32" or a
    # "# label: …", may come before or between them)
    heads = [i for i in range(len(texts)) if header(i)]
    h, j = (heads[0] if heads else None), None
    for i in heads:
        ones = [k for k in range(i) if len(texts[k].split()) == 1]
        if ones:
            h, j = i, ones[-1]
            break
    name = texts[j].strip() if j is not None else None
    if h is None:
        line = comments[0][0] if comments else (rows[0][0] if rows else 0)
        _refuse(path, line, f"dataset {index + 1} has no comment line naming its {ncols} columns")
    names = texts[h].split()
    for line, fields in rows:
        if len(fields) != ncols:
            _refuse(path, line, f"a row of {len(fields)} fields, but the dataset has "
                                f"{ncols} columns ({' '.join(names)})")
    cols = {c: _column([f[j] for _, f in rows]) for j, c in enumerate(names)}
    other = [t for i, t in enumerate(texts) if i not in (h, j)]
    return Table(name, cols, other)


def read_columns(path):
    """A column file of an instrument or a lesson as Datasets."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
    except OSError as e:
        raise _lib.FileError(f"{path}: cannot open: {e.strerror}", _lib.EIO, str(path)) from None
    sets = Datasets()
    comments, rows, blank = [], [], 0

    def flush():
        if comments or rows:
            t = _dataset(path, len(sets), comments, rows)
            sets[t.name if t.name is not None else len(sets)] = t

    for i, line in enumerate(lines, 1):
        line = line.rstrip("\r")
        if not line.strip():
            blank += 1
            continue
        if blank >= 2 and (comments or rows):
            flush()
            comments, rows = [], []
        blank = 0
        if line.lstrip().startswith("#"):
            if not rows:
                comments.append((i, line.lstrip()[1:].strip()))
            continue
        rows.append((i, line.split("#", 1)[0].split()))
    flush()
    if not sets:
        _refuse(path, len(lines), "no dataset: neither a bptt file nor columns")
    return sets


def _kind(path):
    """The header word of a bptt text file, or None for a column file."""
    try:
        with open(path, "rb") as f:
            for raw in f:
                fields = raw.split(b"#", 1)[0].split()
                if fields:
                    return fields[0].decode(errors="replace")
    except OSError as e:
        raise _lib.FileError(f"{path}: cannot open: {e.strerror}", _lib.EIO, str(path)) from None
    return None


def read(path):
    """Reads any file bptt writes: a model file gives a Model, a data file
    Data, a gradient file a Gradient, and a column file (the instruments'
    output, a lesson's .dat) its Datasets. A refused file raises
    bptt.FileError whose message is "FILE:LINE: what is wrong"."""
    kind = _kind(path)
    if kind == "bptt-model":
        return Model.load(path)
    if kind == "bptt-data":
        return Data.load(path)
    if kind == "bptt-grad":
        return Gradient.load(path)
    if kind is not None and kind.startswith("bptt-"):
        # the library's reader says what is wrong with the header
        return Model.load(path)
    return read_columns(path)
