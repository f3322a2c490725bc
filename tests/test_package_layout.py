"""The package shows the course's dictionary: model, schemes (numpy), nets (torch only), apps, and tests that
mirror it. Issue 12: the torch boundary is a folder boundary, schemes and networks name each other, no module
is long without a stated reason, and the README's module table matches the tree."""

import ast
import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pdelib"
MODULES = sorted(
    ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for path in PACKAGE.rglob("*.py")
)
NUMPY_ONLY = [name for name in MODULES if not name.startswith(("pdelib.nets", "pdelib.apps", "pdelib.plots"))]
WITHOUT_TORCH = [name for name in MODULES if not name.startswith("pdelib.nets")]

#: Scheme module -> the network module it is (both first docstring lines name the other).
DICTIONARY = {
    "pdelib.schemes.explicit": "pdelib.nets.resnet",
    "pdelib.schemes.fsi": "pdelib.nets.fsi",
    "pdelib.schemes.implicit": "pdelib.nets.recurrent",
    "pdelib.schemes.multigrid": "pdelib.nets.unet",
    "pdelib.schemes.explicit2d": "pdelib.nets.resnet2d",
}
MAX_LINES = 600


def source(module: str) -> Path:
    path = ROOT.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def first_docstring_line(module: str) -> str:
    return ast.get_docstring(ast.parse(source(module).read_text())).splitlines()[0]


def imported_modules(module: str) -> set[str]:
    """Top-level names of every module an ``import`` statement in ``module`` names (at any depth)."""
    names = set()
    for node in ast.walk(ast.parse(source(module).read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.partition(".")[0])
    return names


#: Runs in a fresh interpreter. A first child imports the ``probe`` modules and reports every module that loaded;
#: the parent imports those that are not pdelib's (nor torch, whatever loaded it). Then, for each module, a forked
#: child imports it and reports the top-level names in its ``sys.modules``: a fork starts from the parent's memory,
#: so each module is imported into an interpreter holding those libraries and nothing of pdelib, and all of pdelib
#: that it loads shows in its report, as would torch (issue 16: one interpreter instead of 63, 60 s -> a few).
FORK_IMPORTS = """
import json, os, sys

def in_child(module):
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        status = 0
        try:
            __import__(module)
            report = " ".join(sys.modules)
        except BaseException as error:
            report, status = f"ERROR {error!r}", 1
        with os.fdopen(write_end, "w") as pipe:
            pipe.write(report)
        os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        report = pipe.read()
    os.waitpid(pid, 0)
    return report

probe, modules = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for module in probe:
    for name in in_child(module).split():
        if not name.startswith(("pdelib", "torch", "ERROR", "__main__")) and name not in sys.modules:
            try:
                __import__(name)
            except Exception:
                pass
reports = {module: in_child(module) for module in modules}
print(json.dumps({module: report if report.startswith("ERROR") else " ".join(sorted({name.partition(".")[0]
                  for name in report.split()})) for module, report in reports.items()}))
"""


def loaded_after_imports(modules: list[str], probe: tuple[str, ...] = ()) -> dict[str, set[str]]:
    """For each module, the top-level names in ``sys.modules`` after importing it into a fresh interpreter that
    holds only the third-party libraries the ``probe`` modules load (one interpreter for all, a fork per module)."""
    result = subprocess.run([sys.executable, "-c", FORK_IMPORTS, json.dumps(probe), json.dumps(modules)],
                            capture_output=True, text=True, cwd=ROOT, check=True)
    reports = json.loads(result.stdout)
    failed = {module: report for module, report in reports.items() if report.startswith("ERROR")}
    assert not failed, f"modules that do not import: {failed}"
    return {module: set(report.split()) for module, report in reports.items()}


@cache
def loaded_without_torch() -> dict[str, set[str]]:
    """Every module outside nets, each imported after the libraries the apps load were (torch never is)."""
    return loaded_after_imports(WITHOUT_TORCH, probe=("pdelib.apps", "pdelib.plots", "pdelib.plots2d"))


@cache
def loaded_without_plotting() -> dict[str, set[str]]:
    """The model and scheme modules, each imported after the libraries that they load together were."""
    return loaded_after_imports(NUMPY_ONLY, probe=tuple(NUMPY_ONLY))


def test_the_tree_has_the_four_rooms():
    for package in ("schemes", "nets", "apps"):
        assert (PACKAGE / package / "__init__.py").is_file()
    assert not (PACKAGE / "apps.py").exists()


@pytest.mark.parametrize("module", WITHOUT_TORCH)
def test_no_import_statement_names_torch_outside_nets(module):
    assert "torch" not in imported_modules(module)


@pytest.mark.parametrize("module", WITHOUT_TORCH)
def test_importing_a_module_outside_nets_loads_no_torch(module):
    assert "torch" not in loaded_without_torch()[module]


@pytest.mark.parametrize("module", NUMPY_ONLY)
def test_model_and_scheme_modules_load_no_plotting_or_widgets(module):
    assert not {"matplotlib", "ipywidgets", "ipympl"} & loaded_without_plotting()[module]


def test_import_pdelib_loads_numpy_only():
    assert not {"torch", "matplotlib", "ipywidgets", "scipy", "numba"} & loaded_after_imports(["pdelib"])["pdelib"]


@pytest.mark.parametrize("scheme, network", DICTIONARY.items())
def test_scheme_and_network_name_each_other_in_their_first_docstring_line(scheme, network):
    assert network in first_docstring_line(scheme)
    assert scheme in first_docstring_line(network)


@pytest.mark.parametrize("module", MODULES)
def test_every_module_names_its_chapter_or_its_role(module):
    line = first_docstring_line(module)
    assert re.search(r"chapters? \d\d|all chapters|pdelib|widget apps|numerical schemes|networks|checks", line, re.I), line


@pytest.mark.parametrize("module", MODULES)
def test_no_module_is_long_without_a_stated_reason(module):
    text = source(module).read_text()
    if len(text.splitlines()) > MAX_LINES:
        assert "longer than" in ast.get_docstring(ast.parse(text)), f"{module}: {len(text.splitlines())} lines"


def test_each_chapter_widget_has_its_own_module():
    import pdelib.apps

    for name in pdelib.apps.__all__:
        cls = getattr(pdelib.apps, name)
        if isinstance(cls, type) and name.endswith("App") and name != "App":
            assert cls.__module__ != "pdelib.apps.base", name
            owners = [c for c in vars(sys.modules[cls.__module__]).values()
                      if isinstance(c, type) and c.__module__ == cls.__module__ and c.__name__.endswith("App")]
            assert owners == [cls], f"{cls.__module__} holds {owners}"


def test_the_public_names_stay_short():
    import pdelib
    import pdelib.apps

    assert pdelib.apps.TimeStepApp.__name__ == "TimeStepApp"
    assert pdelib.ExplicitScheme.__module__ == "pdelib.schemes.explicit"
    assert pdelib.schemes.implicit.SemiImplicitScheme.__module__ == "pdelib.schemes.implicit"


@pytest.mark.parametrize("module", [m for m in MODULES if m.startswith(("pdelib.schemes.", "pdelib.nets.", "pdelib.apps."))
                                    and m.rpartition(".")[2] != "base"])
def test_tests_mirror_the_package(module):
    _, package, name = module.split(".")
    tests = ROOT / "tests" / package
    assert (tests / f"test_{name}.py").is_file() or any(
        name in path.stem.removeprefix("test_").split("_and_") for path in tests.glob("test_*.py")
    ), f"no test module for {module} in tests/{package}/"


def test_readme_module_table_matches_the_tree():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## The helper package `pdelib`", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`(pdelib(?:\.\w+)+)`", table))
    modules = {m for m in MODULES if m != "pdelib" and not m.rpartition(".")[2].startswith("_")}
    assert listed == modules, f"missing from README: {sorted(modules - listed)}; not in the tree: {sorted(listed - modules)}"
