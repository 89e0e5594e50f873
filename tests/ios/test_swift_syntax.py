"""The hand-written Swift parses (tree-sitter's Swift grammar: no compiler exists here), and
stays within the issue's budget of lines."""

import tree_sitter
import tree_sitter_swift

from ios import handwritten_swift, relative

BUDGET = 1200
PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))


def syntax_errors(source):
    """(line, column, what) of each error or missing token, outermost first."""
    found = []
    stack = [PARSER.parse(source).root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            row, column = node.start_point
            what = f"missing {node.type}" if node.is_missing else "syntax error"
            found.append((row + 1, column + 1, what))
        elif node.has_error:
            stack.extend(reversed(node.children))
    return found


def test_the_grammar_reports_a_broken_file():
    # Guards the check itself: a grammar that accepted anything would pass every file.
    assert syntax_errors(b"struct A { func f( { }\n") != []
    assert syntax_errors(b"import SwiftUI\nstruct A: View { var body: some View { Text(\"a\") } }\n") == []


def test_every_handwritten_swift_file_parses():
    files = handwritten_swift()
    assert files, "no Swift in ios/"
    problems = [
        f"{relative(path)}:{line}:{column}: {what}"
        for path in files
        for line, column, what in syntax_errors(path.read_bytes())
    ]
    assert not problems, "\n".join(problems)


def test_the_handwritten_swift_is_within_its_budget():
    lines = {relative(path): path.read_text().count("\n") for path in handwritten_swift()}
    total = sum(lines.values())
    print(f"     hand-written Swift: {total} lines in {len(lines)} files (budget {BUDGET})")
    assert total < BUDGET, "\n".join(f"{n:5} {p}" for p, n in sorted(lines.items(), key=lambda x: -x[1]))
