"""The Swift classes that implement the core's callback protocols (AppListener, EulaStorage,
CameraController, …) implement each requirement under the name and argument labels the glue
declares. Without a compiler, a mislabelled `func onRequest(_ request:)` would first fail in
Xcode; this reads the generated glue and the hand-written Swift's syntax trees."""

import re
from collections import defaultdict

from ios import handwritten_swift, relative
from test_glue_names import generated_glue
from test_swift_syntax import PARSER


def glue_protocols():
    """{protocol: {"name(label:...)"}} for the glue's foreign traits (AnyObject protocols)."""
    protocols = {}
    for path in generated_glue().glob("*.swift"):
        source = path.read_text()
        for name, body in re.findall(r"^public protocol (\w+): AnyObject, Sendable \{(.*?)^\}", source, re.S | re.M):
            protocols[name] = {
                func + "(" + "".join(label + ":" for label in re.findall(r"(\w+):", params)) + ")"
                for func, params in re.findall(r"^\s*func (\w+)\(([^)]*)\)", body, re.M)
            }
    return protocols


def signature(function):
    name = next(c for c in function.children if c.type == "simple_identifier").text.decode()
    labels = [
        next(c for c in p.children if c.type == "simple_identifier").text.decode()
        for p in function.children if p.type == "parameter"
    ]
    return f"{name}({''.join(label + ':' for label in labels)})"


def declared_types():
    """{type name: (conformances, method signatures, where)} over its declaration and extensions."""
    types = defaultdict(lambda: (set(), set(), []))
    for path in handwritten_swift():
        stack = [PARSER.parse(path.read_bytes()).root_node]
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            if node.type != "class_declaration":
                continue
            name = node.child_by_field_name("name")
            conformances, methods, where = types[name.text.decode().split("<")[0]]
            where.append(f"{relative(path)}:{node.start_point[0] + 1}")
            for child in node.children:
                if child.type == "inheritance_specifier":
                    conformances.add(child.text.decode())
                if child.type in ("class_body", "enum_class_body"):
                    methods.update(signature(f) for f in child.children if f.type == "function_declaration")
    return types


def test_the_protocols_are_read_from_the_glue():
    protocols = glue_protocols()
    assert protocols.get("CameraController") == {"onRequest(request:)"}, protocols
    assert protocols.get("EulaStorage") == {"load()", "save(data:)"}, protocols


def test_every_implementation_has_the_glue_s_names_and_labels():
    protocols = glue_protocols()
    implemented, problems = set(), []
    for name, (conformances, methods, where) in declared_types().items():
        for protocol in conformances & protocols.keys():
            implemented.add(protocol)
            missing = protocols[protocol] - methods
            if missing:
                problems.append(f"{where[0]}: {name} conforms to {protocol} without {sorted(missing)}")
    assert not problems, "\n".join(problems)
    # The app needs these three; SessionListener is the older API the app model replaced.
    assert {"AppListener", "EulaStorage", "CameraController"} <= implemented, implemented
