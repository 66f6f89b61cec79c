"""Reading StableHLO and optimized HLO text: ops, their source locations, highlighting.

StableHLO printed with `debug_info=True` carries MLIR locations. cellax's lowering gives
every op of an equation `loc("<primitive>"("<file>":<line>:0))`, usually through
aliases (`loc(#loc12)`, `#loc12 = loc("sin"(#loc3))`, `#loc3 = loc("f.py":4:0)`).
`parse_stablehlo` resolves them and returns the text without locations (what a reader
wants) plus, for each op line, the op name and its (primitive, file, line).

Optimized HLO carries `metadata={op_name="jit/sin" stack_frame_id=7}` with the frames in
tables at the top of the module (FileNames, FunctionNames, FileLocations, StackFrames),
or `source_file=... source_line=...` directly. `parse_hlo` returns each instruction with
its (primitive, file, line): the primitive is the frame's function name (the location
name the lowering gave it) or the last component of op_name.
"""
from __future__ import annotations

import re

from cellax_notebook.views._base import esc

# ---------------------------------------------------------------------------------------
# MLIR locations

_LOC_DEF = re.compile(r"^#(loc\d*)\s*=\s*loc\((.*)\)\s*$")
_ALIAS = re.compile(r"#(loc\d*)\b")
_NAME_LOC = re.compile(r'^"((?:[^"\\]|\\.)*)"\s*\(')
_FILE_LOC = re.compile(r'"((?:[^"\\]|\\.)*)":(\d+):(\d+)')
_BARE_NAME = re.compile(r'^"((?:[^"\\]|\\.)*)"$')


def _unescape(s: str) -> str:
    return s.replace('\\"', '"').replace("\\\\", "\\")


def _find_locs(line: str) -> list[tuple[int, int]]:
    """(start, end) spans of ` loc(...)` groups in a line, parentheses balanced."""
    spans = []
    i = 0
    while True:
        j = line.find("loc(", i)
        if j < 0:
            return spans
        if j > 0 and (line[j - 1].isalnum() or line[j - 1] in "_#."):
            i = j + 4
            continue
        depth, k, in_str = 0, j + 3, False
        while k < len(line):
            c = line[k]
            if in_str:
                if c == "\\":
                    k += 1
                elif c == '"':
                    in_str = False
            elif c == '"':
                in_str = True
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        start = j - 1 if j > 0 and line[j - 1] == " " else j
        spans.append((start, k + 1))
        i = k + 1


class _Locs:
    def __init__(self, defs: dict):
        self.defs = defs
        self.cache: dict = {}

    def expand(self, body: str, depth: int = 0) -> str:
        if depth > 30:
            return body
        return _ALIAS.sub(lambda m: self.expand(self.defs.get(m.group(1), "unknown"),
                                                depth + 1), body)

    def resolve(self, body: str) -> dict | None:
        """{"name", "file", "line"} of a location body, or None when it says nothing."""
        if body in self.cache:
            return self.cache[body]
        full = self.expand(body.strip())
        name = None
        m = _NAME_LOC.match(full) or _BARE_NAME.match(full)
        if m:
            # A name stack may prefix the primitive ("transpose/mul").
            name = _unescape(m.group(1)).rsplit("/", 1)[-1]
        file = line = None
        for fm in _FILE_LOC.finditer(full):
            f = _unescape(fm.group(1))
            if f and f != "-":
                file, line = f, int(fm.group(2))
                break
        if name is not None and _FILE_LOC.fullmatch(full):
            name = None  # a bare file location has no name
        out = None if name is None and file is None else {"name": name, "file": file,
                                                            "line": line}
        self.cache[body] = out
        return out


_OP = re.compile(r'^\s*(?:%[^=]*=\s*)?"?([a-z_][\w]*\.[\w.]+|call|return)\b')
_SKIP_OPS = {"func.func", "builtin.module"}


def parse_stablehlo(text: str) -> tuple[str, list[dict]]:
    """(text without locations, ops). Each op: {"line": 0-based line of the display
    text, "op": "stablehlo.sine", "loc": {"name", "file", "line"} | None}."""
    defs = {}
    kept = []
    for raw in text.splitlines():
        m = _LOC_DEF.match(raw)
        if m:
            defs[m.group(1)] = m.group(2)
        else:
            kept.append(raw)
    locs = _Locs(defs)
    out_lines: list[str] = []
    ops: list[dict] = []
    regions: list = []  # per open `{`: the op index whose location is on its closing line
    for raw in kept:
        spans = _find_locs(raw)
        trailing = None
        if spans and not raw[spans[-1][1]:].strip():
            s, e = spans[-1]
            body = raw[s:e].strip()[4:-1]
            trailing = locs.resolve(body)
        clean = raw
        for s, e in reversed(spans):
            clean = clean[:s] + clean[e:]
        clean = clean.rstrip()
        if not clean.strip() and raw.strip() and spans:
            continue  # a line that held only a location
        lineno = len(out_lines)
        out_lines.append(clean)
        stripped = clean.strip()
        if stripped.startswith("}"):
            owner = regions.pop() if regions else None
            if owner is not None and ops[owner]["loc"] is None:
                ops[owner]["loc"] = trailing
            if stripped.endswith("{"):
                regions.append(owner)
            continue
        m = _OP.match(clean)
        idx = None
        if m and m.group(1) not in _SKIP_OPS and not stripped.startswith("module"):
            ops.append({"line": lineno, "op": m.group(1), "loc": trailing})
            idx = len(ops) - 1
        if stripped.endswith("{"):
            regions.append(idx if idx is not None and trailing is None else None)
    return "\n".join(out_lines), ops


# ---------------------------------------------------------------------------------------
# Optimized HLO

_SECTION = re.compile(r"^(FileNames|FunctionNames|FileLocations|StackFrames)\s*$")
_TABLE_ROW = re.compile(r"^\s*(\d+)\s+(.*)$")
_KV = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s,}]+)')
_INSTR = re.compile(r"^\s*(?:ROOT\s+)?%?([\w.\-]+)\s*=\s*")
_OPCODE = re.compile(r"\s([a-z][\w\-]*)\(")
_METADATA = re.compile(r"metadata=\{([^}]*)\}")


def _kv(s: str) -> dict:
    out = {}
    for k, v in _KV.findall(s):
        out[k] = _unescape(v[1:-1]) if v.startswith('"') else v
    return out


def parse_hlo(text: str) -> list[dict]:
    """Instructions: {"line", "name", "opcode", "loc": {"name", "file", "line"} | None,
    "op_name": str}."""
    tables: dict = {"FileNames": {}, "FunctionNames": {}, "FileLocations": {},
                    "StackFrames": {}}
    section = None
    lines = text.splitlines()
    for raw in lines:
        m = _SECTION.match(raw)
        if m:
            section = m.group(1)
            continue
        if section:
            if not raw.strip():
                section = None
                continue
            r = _TABLE_ROW.match(raw)
            if r:
                val = r.group(2).strip()
                tables[section][r.group(1)] = (_unescape(val[1:-1]) if val.startswith('"')
                                               else _kv(val))

    def frame_loc(fid: str) -> dict | None:
        fr = tables["StackFrames"].get(fid)
        if not isinstance(fr, dict):
            return None
        fl = tables["FileLocations"].get(fr.get("file_location_id", ""))
        if not isinstance(fl, dict):
            return None
        return {"name": tables["FunctionNames"].get(fl.get("function_name_id", "")),
                "file": tables["FileNames"].get(fl.get("file_name_id", "")),
                "line": int(fl["line"]) if str(fl.get("line", "")).isdigit() else None}

    instrs = []
    for i, raw in enumerate(lines):
        m = _INSTR.match(raw)
        if not m or raw.lstrip().startswith(("HloModule", "ENTRY")):
            continue
        rest = raw[m.end():]
        op = _OPCODE.search(" " + rest)
        md = _METADATA.search(raw)
        loc = None
        op_name = ""
        if md:
            meta = _kv(md.group(1))
            op_name = meta.get("op_name", "")
            if "stack_frame_id" in meta:
                loc = frame_loc(meta["stack_frame_id"])
            if loc is None and "source_file" in meta:
                loc = {"name": None, "file": meta["source_file"],
                       "line": int(meta["source_line"]) if meta.get(
                           "source_line", "").isdigit() else None}
            if loc is not None and not loc.get("name") and op_name:
                loc["name"] = op_name.rsplit("/", 1)[-1]
            if loc is None and op_name:
                loc = {"name": op_name.rsplit("/", 1)[-1], "file": None, "line": None}
        instrs.append({"line": i, "name": m.group(1), "opcode": op.group(1) if op else "",
                       "loc": loc, "op_name": op_name})
    return instrs


# ---------------------------------------------------------------------------------------
# Highlighting (Python-side, so the HTML needs no script for it)


def _highlighter(patterns: list[tuple[str, str]]):
    rx = re.compile("|".join(f"(?P<g{i}>{p})" for i, (p, _) in enumerate(patterns)))
    classes = [c for _, c in patterns]

    def highlight(s: str) -> str:
        out = []
        pos = 0
        for m in rx.finditer(s):
            if m.start() > pos:
                out.append(esc(s[pos:m.start()]))
            cls = classes[int(m.lastgroup[1:])]
            out.append(f'<span class="{cls}">{esc(m.group(0))}</span>' if cls else
                       esc(m.group(0)))
            pos = m.end()
        out.append(esc(s[pos:]))
        return "".join(out)
    return highlight


_NUM = r"(?<![\w.%#@])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?\b"

highlight_stablehlo = _highlighter([
    (r'"(?:stablehlo|chlo|mhlo|func|sdy)\.[\w.]+"', "cx-op"),  # generic-form op names
    (r'"(?:[^"\\]|\\.)*"', "cx-str"),
    (r"tensor<[^>]*>", "cx-ty"),
    (r"\b(?:i1|i8|i16|i32|i64|ui8|ui32|ui64|f16|bf16|f32|f64|index)\b", "cx-ty"),
    (r"\b(?:stablehlo|chlo|mhlo|func|sdy|shape|arith|tensor)\.[\w.]+", "cx-op"),
    (r"%[\w#:.\-]+", "cx-v"),
    (r"@[\w.$\-]+", "cx-sym"),
    (r"\b(?:module|attributes|private|public|return|call|applies|across|"
     r"dimensions|init|dims|contracting_dims|batching_dims|precision|cond|do)\b", "cx-kw"),
    (r"\b[a-z_]+(?=\s*=\s)", "cx-pn"),
    (_NUM, "cx-num"),
])

highlight_hlo = _highlighter([
    (r"metadata=\{[^}]*\}", "cx-meta"),
    (r'"(?:[^"\\]|\\.)*"', "cx-str"),
    (r"\b(?:ROOT|ENTRY|HloModule)\b", "cx-kw"),
    (r"\b(?:pred|[fsu]\d+|bf16|c64|c128|token|f8e\w+)\[[^\]]*\](?:\{[^}]*\})?", "cx-ty"),
    (r"%[\w.\-]+", "cx-v"),
    (r"(?<=\s)[a-z][\w\-]*(?=\()", "cx-op"),
    (r"\b[a-z_]+(?==)", "cx-pn"),
    (_NUM, "cx-num"),
])

highlight_jaxpr = _highlighter([
    (r"\b(?:lambda|let|in)\b", "cx-kw"),
    (r"\b(?:bool|float0|(?:bf|f|i|u|c|s)\d+|f8e\w+)\[[^\]]*\]", "cx-ty"),
    (r"\b[a-z_]\w*(?==)", "cx-pn"),
    (_NUM, "cx-num"),
])


def highlight_eqn(text: str, primitive: str) -> str:
    """An equation's text with its primitive name marked, the rest as jaxpr tokens."""
    m = re.search(r"(?:^|= )(" + re.escape(primitive) + r")(?=[\[\s]|$)", text)
    if not m:
        return highlight_jaxpr(text)
    s, e = m.span(1)
    return (highlight_jaxpr(text[:s]) + f'<span class="cx-prim">{esc(text[s:e])}</span>'
            + highlight_jaxpr(text[e:]))
