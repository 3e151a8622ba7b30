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
    assert available_measurements() == ["cdlinear_speed_cupy_h100", "gpu_vs_cpu_h100"]
    gpu = load_measurement("gpu_vs_cpu_h100")
    assert gpu["benchmark"] == "gpu_vs_cpu" and gpu["rows"] and "device" in gpu["environment"]
    assert load_measurement("cdlinear_speed_cupy_h100.json")["benchmark"] == "cdlinear_speed"
    try:
        load_measurement("nope")
    except KeyError as err:
        assert "gpu_vs_cpu_h100" in str(err)
    else:
        raise AssertionError("an unknown name must raise KeyError")
