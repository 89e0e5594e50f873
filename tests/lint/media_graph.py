#!/usr/bin/env python3
"""The engine's media modules must form a one-way graph.

Reads engine/src/media/**/*.rs, finds which media module every path in a `use` or in code
refers to (`super::…`, `crate::media::…`, `self::…`, and in `use` a child's name), and
fails, printing the cycle, when the module graph has one.

The rule:
- A node is a file module (`send/video.rs` is `media::send::video`, `net/mod.rs` is
  `media::net`); inline modules (`mod tests { … }`) belong to their file's node.
- A path names the deepest module it walks through. When it then names an item that module
  only re-exports (`pub use error::MediaError` in `media/mod.rs`), it is followed to the
  module that defines the item: reaching a sibling through the parent's re-export is still
  reaching the sibling.
- An edge from a module to itself or to one of its own descendants is not counted: a parent
  wiring its children is the tree itself. Every other edge counts, a child's use of what
  its parent defines included, so children may depend on each other and on their ancestors
  only one way.

Exits 1 and prints each edge of the cycle with the file and line that makes it; otherwise
prints `media graph: N modules, M edges, no cycle`. Python 3 standard library only.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MEDIA = ROOT / "engine" / "src" / "media"

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def module_of(path):
    """The module path (a tuple below `media`) a file defines."""
    parts = list(path.relative_to(MEDIA).with_suffix("").parts)
    if parts[-1] == "mod":
        parts.pop()
    return tuple(parts)


def strip_comments_and_strings(text):
    """The source with comments and string/char literals blanked (newlines kept), so that
    paths in docs and messages are not read as dependencies."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r'r(#*)"', text[i:]).group(1)
            end = text.find('"' + hashes, i + 2 + len(hashes))
            j = n if end < 0 else end + 1 + len(hashes)
            out.append(" " + "\n" * text.count("\n", i, j))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4]) or re.match(r"'\\u\{[0-9a-fA-F]+\}'", text[i:i + 12]):
            j = text.find("'", i + 2) + 1
            out.append("' '")
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_use_tree(text, i):
    """Parses a use tree at text[i:]; returns (list of segment lists, end index). A group
    `{a, b::{c, self}}` expands to one segment list per leaf; `self` keeps the prefix."""
    paths, segs = [], []
    while True:
        m = re.compile(r"\s*(" + IDENT + r"|\*|\{)").match(text, i)
        if not m:
            return [segs] if segs else [], i
        tok = m.group(1)
        i = m.end()
        if tok == "{":
            while True:
                sub, i = parse_use_tree(text, i)
                for s in sub:
                    paths.append(segs + ([] if s == ["self"] else s))
                m = re.compile(r"\s*([,}])").match(text, i)
                if not m:
                    return paths, i
                i = m.end()
                if m.group(1) == "}":
                    return paths, i
                if re.compile(r"\s*\}").match(text, i):
                    i = re.compile(r"\s*\}").match(text, i).end()
                    return paths, i
        if tok == "*":
            return [segs], i
        segs.append(tok)
        m = re.compile(r"\s*::").match(text, i)
        if not m:
            # `as name` renames: the path is what it is.
            return [segs], i
        i = m.end()


class Module:
    def __init__(self, name, path):
        self.name = name
        self.path = path
        self.children = set()
        # name -> (segments relative to this module's scope, line): what `pub use` re-exports
        self.reexports = {}
        # (kind, segments, line, inline depth): every path this module's code names
        self.refs = []


def scan(modules):
    for mod in modules.values():
        text = strip_comments_and_strings(mod.path.read_text())
        # Inline modules: track their braces so `super` inside `mod tests {}` means the file's
        # own module.
        inline_starts = []  # (brace depth at which the inline module's body begins)
        depth = 0
        line = 1
        i, n = 0, len(text)
        pattern = re.compile(
            r"(?P<mod>\bmod\s+" + IDENT + r"\s*\{)"
            r"|(?P<use>\b(?P<vis>pub(?:\s*\([^)]*\))?\s+)?use\s)"
            r"|(?P<path>\b(?:crate\s*::\s*media|super|self)\s*::)"
            r"|(?P<open>\{)|(?P<close>\})|(?P<nl>\n)"
        )
        while i < n:
            m = pattern.search(text, i)
            if not m:
                break
            i = m.end()
            if m.group("nl"):
                line += 1
            elif m.group("open"):
                depth += 1
            elif m.group("close"):
                depth -= 1
                if inline_starts and depth < inline_starts[-1]:
                    inline_starts.pop()
            elif m.group("mod"):
                depth += 1
                inline_starts.append(depth)
            elif m.group("use"):
                trees, end = parse_use_tree(text, i)
                public = bool(m.group("vis"))
                for segs in trees:
                    mod.refs.append(("use", segs, line, len(inline_starts)))
                    if public and not inline_starts and segs:
                        mod.reexports[segs[-1]] = (segs, line)
                line += text.count("\n", i, end)
                i = end
            elif m.group("path"):
                start = m.start()
                segs, end = parse_use_tree(text, start)
                # A path expression has no groups; keep the first (only) one.
                if segs:
                    mod.refs.append(("path", segs[0], line, len(inline_starts)))
                line += text.count("\n", i, end)
                i = max(end, i)


def resolve(modules, scope, segs, is_use, seen=None):
    """The module (tuple) a path names from `scope`, following re-exports; None if it
    leaves media or names nothing known."""
    segs = list(segs)
    if segs[:2] == ["crate", "media"]:
        here, segs = (), segs[2:]
    elif segs and segs[0] in ("super", "self"):
        here = scope
        while segs and segs[0] in ("super", "self"):
            if segs[0] == "super":
                if not here:
                    return None
                here = here[:-1]
            segs = segs[1:]
    elif is_use and segs and segs[0] in modules[scope].children:
        # 2018 paths: a `use` may start with a child module's name.
        here = scope
    else:
        return None
    while segs and here + (segs[0],) in modules:
        here, segs = here + (segs[0],), segs[1:]
    if segs and segs[0] in modules[here].reexports:
        seen = seen or set()
        key = (here, segs[0])
        if key not in seen:
            seen.add(key)
            target, _ = modules[here].reexports[segs[0]]
            found = resolve(modules, here, target, True, seen)
            if found is not None:
                return found
    return here


def build_graph():
    modules = {}
    for path in sorted(MEDIA.rglob("*.rs")):
        name = module_of(path)
        modules[name] = Module(name, path)
    for name in modules:
        if name:
            modules[name[:-1]].children.add(name[-1])
    scan(modules)
    edges = {}  # (from, to) -> (file, line)
    for mod in modules.values():
        for kind, segs, line, inline in mod.refs:
            # Inside an inline module, `super` first climbs to the file's own module.
            scope = mod.name
            segs = list(segs)
            if inline and segs and segs[0] in ("super", "self"):
                ups = next((k for k, s in enumerate(segs) if s != "super"), len(segs))
                if segs[0] == "self" or ups < inline:
                    continue  # an item of the inline modules themselves
                segs = ["self"] + ["super"] * (ups - inline) + segs[ups:]
            target = resolve(modules, scope, segs, kind == "use")
            if target is None or target[: len(mod.name)] == mod.name:
                continue  # outside media, itself, or one of its own descendants
            edges.setdefault((mod.name, target), (mod.path, line))
    return modules, edges


def find_cycle(modules, edges):
    graph = {name: [] for name in modules}
    for a, b in sorted(edges):
        graph[a].append(b)
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def show(name):
    return "::".join(("media",) + name)


def main():
    if not MEDIA.is_dir():
        print(f"media graph: {MEDIA} not found", file=sys.stderr)
        return 2
    modules, edges = build_graph()
    if "-v" in sys.argv[1:]:
        for (a, b), (path, line) in sorted(edges.items()):
            print(f"{show(a)} -> {show(b)}  ({path.relative_to(ROOT)}:{line})")
    cycle = find_cycle(modules, edges)
    if cycle:
        print("media graph: cycle between media modules:", file=sys.stderr)
        for a, b in zip(cycle, cycle[1:]):
            path, line = edges[(a, b)]
            print(f"  {show(a)} -> {show(b)}  ({path.relative_to(ROOT)}:{line})", file=sys.stderr)
        return 1
    print(f"media graph: {len(modules)} modules, {len(edges)} edges, no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
