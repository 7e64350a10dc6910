"""Rewrite a program's AST so that reads and writes of its shared variables are recorded.

Only the program's own code is rewritten, never the tracing layer or the standard library.
What counts as a candidate is decided from the code alone:

- a module-level name that some function declares `global` (`counter`, `balance`);
- an attribute name that some function other than `__init__` assigns (`self.balance -= x`,
  `Account.total += 1`): every access to an attribute of that name is a candidate;
- the items of a module-level container that some function assigns into (`accounts[i] -= x`,
  `stock["apples"] = n`).

The recorder then keeps only the candidates that more than one thread touched.

Each access becomes an operation on a proxy that performs it and records it in one step, with
the same bytecode shape as the original: `counter` becomes `__hilos_g__.counter` (a read
through a C `tp_getattro`), `counter += 1` becomes `__hilos_g__.counter += 1` (read, add,
write, as LOAD_GLOBAL/BINARY_OP/STORE_GLOBAL were), `self.balance` becomes
`__hilos_a__[self, "balance"]` and `accounts[i]` becomes `__hilos_i__[accounts, i, "accounts"]`.
Attribute and subscript operations do not check the interpreter's eval breaker, so the threads
switch where they would have switched in the original (a function call would add switch points,
and with them lost updates that plain CPython would not have). Every new node carries the
location of the one it replaces, so tracebacks point at the same lines and columns.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from .tracing.shared import ATTRIBUTES, GLOBALS, ITEMS

__all__ = ["Candidates", "find_candidates", "instrument"]

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass
class Candidates:
    """What the program's code may share between threads."""

    globals: set[str] = field(default_factory=set)
    attributes: set[str] = field(default_factory=set)
    containers: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.globals or self.attributes or self.containers)


def _targets(node: ast.AST) -> Iterator[ast.expr]:
    """The assignment targets of a statement, unpacked (a, b = ... gives a and b)."""
    if isinstance(node, ast.Assign):
        stack = list(node.targets)
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        stack = [node.target]
    elif isinstance(node, ast.Delete):
        stack = list(node.targets)
    elif isinstance(node, ast.For | ast.AsyncFor):
        stack = [node.target]
    elif isinstance(node, ast.withitem) and node.optional_vars is not None:
        stack = [node.optional_vars]
    else:
        return
    while stack:
        target = stack.pop()
        if isinstance(target, ast.Tuple | ast.List):
            stack.extend(target.elts)
        elif isinstance(target, ast.Starred):
            stack.append(target.value)
        else:
            yield target


def _module_definitions(tree: ast.Module) -> set[str]:
    """Names the module binds to functions, classes and imports: code, not data."""
    names: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(stmt.name)
        elif isinstance(stmt, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).partition(".")[0] for alias in stmt.names)
    return names


def _function_bodies(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _own_nodes(function: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's body, not those of functions or classes nested in it."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def find_candidates(tree: ast.Module) -> Candidates:
    """What the code may share: see the module docstring."""
    found = Candidates()
    code = _module_definitions(tree)
    module_names = {
        target.id for stmt in tree.body for target in _targets(stmt) if isinstance(target, ast.Name)
    }
    for function in _function_bodies(tree):
        for node in _own_nodes(function):
            if isinstance(node, ast.Global):
                found.globals.update(n for n in node.names if n not in code)
            for target in _targets(node):
                if isinstance(target, ast.Attribute) and function.name != "__init__":
                    found.attributes.add(target.attr)
                elif (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and not isinstance(target.slice, ast.Slice)
                ):
                    found.containers.add(target.value.id)
    # A container is shared data only if the module made it (not a local list of a function).
    found.containers &= module_names - code
    return found


class _Scope:
    """Which candidate names a scope binds itself (so they are not the module's there)."""

    def __init__(self, kind: str, local: set[str], parent: _Scope | None) -> None:
        self.kind = kind  # module | class | function
        self.local = local
        self.parent = parent

    def is_global(self, name: str) -> bool:
        scope: _Scope | None = self
        first = True
        while scope is not None and scope.kind != "module":
            # A class body's own names are seen only by the class body itself.
            if (scope.kind == "function" or first) and name in scope.local:
                return False
            first = False
            scope = scope.parent
        return True


def _bound_names(node: ast.AST, params: ast.arguments | None) -> set[str]:
    """Names a function, lambda, comprehension or class body binds, unless declared global."""
    bound: set[str] = set()
    declared: set[str] = set()
    if params is not None:
        for arg in (*params.posonlyargs, *params.args, *params.kwonlyargs):
            bound.add(arg.arg)
        for extra in (params.vararg, params.kwarg):
            if extra is not None:
                bound.add(extra.arg)
    if isinstance(node, _COMPREHENSIONS):
        for generator in node.generators:
            bound.update(t.id for t in ast.walk(generator.target) if isinstance(t, ast.Name))
    body = [node.body] if isinstance(node, ast.Lambda) else getattr(node, "body", [])
    stack: list[ast.AST] = list(body) if isinstance(body, list) else [body]
    while stack:
        child = stack.pop()
        if isinstance(child, ast.Global | ast.Nonlocal):
            if isinstance(child, ast.Global):
                declared.update(child.names)
            else:
                bound.update(child.names)  # a closure's variable: not the module's
            continue
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(child.name)
            stack.extend(child.decorator_list)
            continue
        if isinstance(child, ast.Lambda | ast.GeneratorExp | ast.ListComp):
            continue
        if isinstance(child, ast.SetComp | ast.DictComp):
            continue
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store | ast.Del):
            bound.add(child.id)
        elif isinstance(child, ast.Import | ast.ImportFrom):
            bound.update((a.asname or a.name).partition(".")[0] for a in child.names)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            bound.add(child.name)
        elif isinstance(child, ast.MatchAs | ast.MatchStar) and child.name:
            bound.add(child.name)
        stack.extend(ast.iter_child_nodes(child))
    return bound - declared


class _Rewriter(ast.NodeTransformer):
    def __init__(self, found: Candidates) -> None:
        self.found = found
        self.scope = _Scope("module", set(), None)

    # -- scopes ----------------------------------------------------------------------------

    def _in_scope(self, node: ast.AST, kind: str, params: ast.arguments | None) -> ast.AST:
        outer = self.scope
        self.scope = _Scope(kind, _bound_names(node, params), outer)
        try:
            return self.generic_visit(node)
        finally:
            self.scope = outer

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        # Decorators and defaults belong to the enclosing scope; the body to its own.
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        self._visit_defaults(node.args)
        node.body = self._body(node.body, "function", node.args)
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def _body(self, body: list[ast.stmt], kind: str, args: ast.arguments | None) -> list[ast.stmt]:
        done = self._in_scope(ast.Module(body=body, type_ignores=[]), kind, args)
        assert isinstance(done, ast.Module)
        return done.body

    def _visit_defaults(self, args: ast.arguments) -> None:
        args.defaults = [self.visit(d) for d in args.defaults]
        args.kw_defaults = [d if d is None else self.visit(d) for d in args.kw_defaults]

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        self._visit_defaults(node.args)
        outer = self.scope
        self.scope = _Scope("function", _bound_names(node, node.args), outer)
        try:
            node.body = self.visit(node.body)
        finally:
            self.scope = outer
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.bases = [self.visit(b) for b in node.bases]
        node.keywords = [self.visit(k) for k in node.keywords]
        node.body = self._body(node.body, "class", None)
        return node

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
    ) -> ast.AST:
        # The first iterable is evaluated in the enclosing scope; the rest inside.
        generators = node.generators
        generators[0].iter = self.visit(generators[0].iter)
        first_iter = generators[0].iter
        outer = self.scope
        self.scope = _Scope("function", _bound_names(node, None), outer)
        try:
            for field_name, value in ast.iter_fields(node):
                if field_name == "generators":
                    for k, generator in enumerate(value):
                        generator.target = self.visit(generator.target)
                        if k:
                            generator.iter = self.visit(generator.iter)
                        generator.ifs = [self.visit(test) for test in generator.ifs]
                elif isinstance(value, ast.AST):
                    setattr(node, field_name, self.visit(value))
        finally:
            self.scope = outer
        generators[0].iter = first_iter
        return node

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    # -- accesses --------------------------------------------------------------------------

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.found.globals and self.scope.is_global(node.id):
            proxy = ast.copy_location(ast.Name(GLOBALS, ast.Load()), node)
            return ast.copy_location(ast.Attribute(proxy, node.id, node.ctx), node)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        value = self.visit(node.value)
        if node.attr not in self.found.attributes:
            node.value = value
            return node
        key = ast.Tuple([value, ast.copy_location(ast.Constant(node.attr), node)], ast.Load())
        proxy = ast.copy_location(ast.Name(ATTRIBUTES, ast.Load()), node)
        return ast.copy_location(ast.Subscript(proxy, ast.copy_location(key, node), node.ctx), node)

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        base = node.value
        if (
            isinstance(base, ast.Name)
            and base.id in self.found.containers
            and not isinstance(node.slice, ast.Slice)
            and self.scope.is_global(base.id)
        ):
            container = self.visit(base)
            index = self.visit(node.slice)
            label = ast.copy_location(ast.Constant(base.id), node)
            key = ast.copy_location(ast.Tuple([container, index, label], ast.Load()), node)
            proxy = ast.copy_location(ast.Name(ITEMS, ast.Load()), node)
            return ast.copy_location(ast.Subscript(proxy, key, node.ctx), node)
        return self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        # `counter: int = 0` stores into __annotations__ only for a plain name: keep it one.
        if isinstance(node.target, ast.Name):
            node.annotation = self.visit(node.annotation)
            if node.value is not None:
                node.value = self.visit(node.value)
            return node
        return self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> ast.AST:
        node.value = self.visit(node.value)  # its target must stay a plain name
        return node


def instrument(tree: ast.Module, found: Candidates | None = None) -> ast.Module:
    """Return `tree` rewritten so that accesses to its candidates go through the proxies."""
    found = find_candidates(tree) if found is None else found
    if not found:
        return tree
    rewritten = _Rewriter(found).visit(tree)
    assert isinstance(rewritten, ast.Module)
    return ast.fix_missing_locations(rewritten)
