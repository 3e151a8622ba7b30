"""Issue 18 renamed and split modules; every old import path still gives the same objects."""
from __future__ import annotations

import importlib

import pytest

# old module -> new module: every public name of the new one is the same object under the old
RENAMED = {
    "cdnotes.hessian": "cdnotes.layer_hessian",
    "cdnotes.hessian.explicit": "cdnotes.layer_hessian.explicit",
    "cdnotes.hessian.spectrum": "cdnotes.layer_hessian.eigenvalues",
    "cdnotes.hessian.structure": "cdnotes.layer_hessian.structure",
    "cdnotes.hessian._common": "cdnotes.layer_hessian.inputs",
    "cdnotes.spectral": "cdnotes.spectral_domain",
}


@pytest.mark.parametrize("old, new", sorted(RENAMED.items()))
def test_an_old_path_gives_the_new_objects(old, new):
    old_module, new_module = importlib.import_module(old), importlib.import_module(new)
    assert old_module.__all__ == new_module.__all__
    for name in new_module.__all__:
        assert getattr(old_module, name) is getattr(new_module, name), f"{old}.{name}"


@pytest.mark.parametrize("package", ["cdnotes.benchmarking", "cdnotes.explorer",
                                     "cdnotes.claims.checks", "cdnotes.spectral_domain"])
def test_a_split_package_re_exports_its_modules_names(package):
    """Every public name of a split package's modules imports from the package itself."""
    import pkgutil
    root = importlib.import_module(package)
    for info in pkgutil.iter_modules(root.__path__):
        module = importlib.import_module(f"{package}.{info.name}")
        names = getattr(module, "__all__", None) or [
            n for n, v in vars(module).items()
            if not n.startswith("_") and getattr(v, "__module__", None) == module.__name__]
        for name in names:
            assert getattr(root, name) is getattr(module, name), f"{package}.{name}"


def test_the_timing_names_still_import_from_benchmarking():
    from cdnotes import benchmarking, timing
    for name in timing.__all__:
        assert getattr(benchmarking, name) is getattr(timing, name)
