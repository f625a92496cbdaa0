"""Check the integration's Home Assistant imports against the newest release.

Home Assistant 2026.3+ needs Python 3.14, which the development machine may lack,
so the newest wheel is downloaded (not installed) and read: every module and
name the integration imports from ``homeassistant`` must be defined there.
Names that exist only through a deprecation ``__getattr__`` count as missing.

    scripts/check-ha-latest [--if-reachable]     (runs this file with the project's venv)

--if-reachable: when the package registry cannot be reached, say so and exit 0.
"""

from __future__ import annotations

import ast
from pathlib import Path
import re
import subprocess
import sys
import zipfile

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "victron_vebus"
CACHE = ROOT / ".ha-latest"
PYTHON_VERSION = "3.14.2"
# Python 3.14 allows `except A, B:` (PEP 758); older parsers need the parentheses.
_BARE_EXCEPT_TUPLE = re.compile(r"^(\s*except\*?\s+)(?!\()([^:\n]+?,[^:\n]+?)(\s+as\s+\w+)?:", re.M)
_TOP_LEVEL = re.compile(r"^(?:async\s+def|def|class)\s+(\w+)|^(\w+)\s*(?::[^=]*)?=", re.M)


def parse_newer(source: str) -> ast.Module | None:
    """Parse source written for a newer Python than this one, if it can be made to."""
    try:
        return ast.parse(source)
    except SyntaxError:
        pass
    try:
        return ast.parse(_BARE_EXCEPT_TUPLE.sub(r"\1(\2)\3:", source))
    except SyntaxError:
        return None


def download() -> Path | None:
    CACHE.mkdir(exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--python-version",
        PYTHON_VERSION,
        "--only-binary=:all:",
        "--dest",
        str(CACHE),
        "homeassistant",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [
            line for line in result.stderr.splitlines() if not line.startswith("WARNING: Location")
        ]
        print("\n".join(lines[-5:]), file=sys.stderr)
        return None
    wheels = sorted(CACHE.glob("homeassistant-*.whl"), key=_version_key)
    return wheels[-1] if wheels else None


def _version_key(path: Path) -> tuple[int, ...]:
    version = path.name.split("-")[1]
    parts = []
    for piece in version.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def our_imports() -> list[tuple[Path, int, str, str | None]]:
    """(file, line, module, name or None for a plain module import)."""
    found = []
    for path in sorted(INTEGRATION.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "homeassistant" or node.module.startswith("homeassistant."):
                    for alias in node.names:
                        found.append((path, node.lineno, node.module, alias.name))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("homeassistant."):
                        found.append((path, node.lineno, alias.name, None))
    return found


class Wheel:
    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path)
        self.files = set(self.zip.namelist())
        self._names: dict[str, set[str]] = {}

    def module_file(self, module: str) -> str | None:
        base = module.replace(".", "/")
        for candidate in (f"{base}.py", f"{base}/__init__.py"):
            if candidate in self.files:
                return candidate
        return None

    def names(self, module: str, seen: frozenset[str] = frozenset()) -> set[str]:
        if module in self._names:
            return self._names[module]
        file = self.module_file(module)
        if file is None or module in seen:
            return set()
        source = self.zip.read(file).decode()
        tree = parse_newer(source)
        package = module if file.endswith("__init__.py") else module.rpartition(".")[0]
        names: set[str] = set()
        if tree is None:
            # Syntax this Python cannot read: fall back to top-level definitions by line.
            for match in _TOP_LEVEL.finditer(source):
                names.add(match.group(1) or match.group(2))
            names |= {
                name.strip().split(" as ")[-1]
                for block in re.findall(
                    r"^from\s+\S+\s+import\s+\(?([^)\n]*(?:\n[^)]*)?)\)?", source, re.M
                )
                for name in block.replace("\n", ",").split(",")
                if name.strip()
            }
        else:
            for node in tree.body:
                names |= self._defined(node, package, seen | {module})
        self._names[module] = names
        return names

    def _defined(self, node: ast.stmt, package: str, seen: frozenset[str]) -> set[str]:
        names: set[str] = set()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.TypeAlias):
            names.add(node.name.id)
        elif isinstance(node, ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, source]) if source else ".".join(base)
            for alias in node.names:
                if alias.name == "*":
                    names |= {n for n in self.names(source, seen) if not n.startswith("_")}
                else:
                    names.add(alias.asname or alias.name)
        elif isinstance(node, ast.If | ast.Try):
            for child in [
                *node.body,
                *getattr(node, "orelse", []),
                *getattr(node, "finalbody", []),
            ]:
                names |= self._defined(child, package, seen)
            for handler in getattr(node, "handlers", []):
                for child in handler.body:
                    names |= self._defined(child, package, seen)
        return names


def main() -> int:
    if_reachable = "--if-reachable" in sys.argv[1:]
    wheel_path = download()
    if wheel_path is None:
        if if_reachable:
            print("check-ha-latest: the package registry is not reachable; skipped")
            return 0
        print("check-ha-latest: could not download the newest Home Assistant", file=sys.stderr)
        return 1
    version = wheel_path.name.split("-")[1]
    wheel = Wheel(wheel_path)
    problems = []
    imports = our_imports()
    for path, line, module, name in imports:
        where = f"{path.relative_to(ROOT)}:{line}"
        if wheel.module_file(module) is None:
            problems.append(f"{where}: module {module} is gone")
            continue
        if name is None:
            continue
        submodule = f"{module}.{name}"
        if name in wheel.names(module) or wheel.module_file(submodule) is not None:
            continue
        problems.append(f"{where}: {module}.{name} is gone (or only deprecated)")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(
            f"check-ha-latest: {len(problems)} import(s) break on Home Assistant {version}",
            file=sys.stderr,
        )
        return 1
    print(
        f"check-ha-latest: {len(imports)} Home Assistant imports exist in {version}, "
        "the newest release"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
