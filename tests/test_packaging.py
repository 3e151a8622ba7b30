"""What ``pip install`` ships, and the dependency lists that must agree with pyproject.toml."""
import zipfile
from pathlib import Path

from cdnotes.measurements import available_measurements, load_measurement

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_holds_every_module_and_the_measurements(built_wheel):
    names = set(zipfile.ZipFile(built_wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "cdnotes").rglob("*.py")
               if "__pycache__" not in p.parts}
    assert "cdnotes/measurements/__init__.py" in modules
    assert not modules - names, f"missing from the wheel (a subpackage without __init__.py?): {sorted(modules - names)}"
    data = {p.relative_to(ROOT).as_posix() for p in (ROOT / "cdnotes" / "measurements").glob("*.json")}
    assert len(data) >= 2 and not data - names, f"measurements missing from the wheel: {sorted(data - names)}"


def test_measurements_load_by_name():
    names = available_measurements()
    shipped = sorted(p.stem for p in (ROOT / "cdnotes" / "measurements").glob("*.json"))
    assert names == shipped
    assert {"cdlinear_speed_cupy_h100", "gpu_vs_cpu_h100", "shfin_mnist1d",
            "conditioning_training", "spectral_training", "structured_digits_mnist1d",
            "peers_cpu", "peers_cpu_run1", "peers_cpu_run2", "structured_speed_cpu",
            "network_hessian_digits"} <= set(names)
    gpu = load_measurement("gpu_vs_cpu_h100")
    assert gpu["benchmark"] == "gpu_vs_cpu" and gpu["rows"] and "device" in gpu["environment"]
    assert load_measurement("cdlinear_speed_cupy_h100.json")["benchmark"] == "cdlinear_speed"
    try:
        load_measurement("nope")
    except KeyError as err:
        assert "gpu_vs_cpu_h100" in str(err)
    else:
        raise AssertionError("an unknown name must raise KeyError")


def _pyproject():
    try:
        import tomllib
    except ImportError:                     # Python 3.10 (pytest depends on tomli there)
        import tomli as tomllib
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _specs(lines):
    """{canonical name: specifier string} of requirement strings; a name listed twice must agree."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    out = {}
    for line in lines:
        req = Requirement(line)
        name, spec = canonicalize_name(req.name), str(req.specifier)
        assert out.setdefault(name, spec) == spec, f"{name} listed as {out[name]!r} and {spec!r}"
    return out


def test_environment_yml_matches_pyproject():
    """environment.yml (conda, Binder) lists what `pip install -e '.[book,test]'` installs."""
    import yaml

    project = _pyproject()["project"]
    extras = project["optional-dependencies"]
    wanted = _specs(project["dependencies"] + extras["book"] + extras["test"])

    env = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    conda = [d for d in env if isinstance(d, str)]
    pip = next(d["pip"] for d in env if isinstance(d, dict) and "pip" in d)
    local = [line for line in pip if line.startswith(("-e", "."))]
    assert local == ["-e ."], "environment.yml must install the package itself (`-e .` under pip)"
    listed = _specs([d for d in conda if d.split(">")[0].split("=")[0] != "pip"]
                    + [line for line in pip if line not in local])
    python = listed.pop("python")
    assert python == project["requires-python"]
    assert listed == wanted, (
        f"only in environment.yml: {sorted(set(listed) - set(wanted))}; "
        f"only in pyproject.toml: {sorted(set(wanted) - set(listed))}; "
        f"different bounds: {sorted(k for k in set(listed) & set(wanted) if listed[k] != wanted[k])}")


def test_publish_workflow_builds_with_make_and_deploys_the_html():
    import yaml

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    on = workflow.get("on", workflow.get(True))          # YAML 1.1 reads the key `on` as True
    assert on["push"]["branches"] == ["main"]
    assert workflow["permissions"]["pages"] == "write" and workflow["permissions"]["id-token"] == "write"
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    assert any(s.get("run", "").strip() == "make book" for s in steps)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "_build/html"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in steps)


def test_load_measurement_reads_non_finite_markers_back_as_floats():
    """network_hessian_digits holds κ = ∞ cells (the paper's Theorem-1 reading), written as {"__float__": "inf"} markers."""
    import json
    import math

    from cdnotes.results import read_json

    raw = (ROOT / "cdnotes" / "measurements" / "network_hessian_digits.json").read_text()
    assert '"__float__"' in raw
    loaded = load_measurement("network_hessian_digits")
    assert '"__float__"' not in json.dumps(loaded, allow_nan=True)
    assert loaded == read_json(ROOT / "cdnotes" / "measurements" / "network_hessian_digits.json")
    assert any(isinstance(x, float) and not math.isfinite(x)
               for r in loaded["records"] for x in r["paper_kappa"].values())
