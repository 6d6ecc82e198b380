"""The README's main job runs end to end and writes what it says it writes."""
import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_trains_every_task_and_writes_its_pictures(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "demo.py"), "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    table = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert table[0] == "| task | metric | measured | published |"
    tasks = " ".join(table)
    for task in ["Iris", "XOR", "Trapezoid", "Digits", "make_moons", "autoencoder", "CNN",
                 "LSTM memory"]:
        assert task in tasks
    iris_accuracy = float(next(r for r in table if r.startswith("| Iris")).split(" | ")[2])
    assert iris_accuracy == 1.0
    autoencoder = next(r for r in table if "autoencoder" in r).split(" | ")[2]
    error, pca_error = (float(v) for v in re.findall(r"\d\.\d+", autoencoder))
    assert error < pca_error  # the non-linear code beats PCA's with as many components
    cnn_accuracy = float(next(r for r in table if "CNN" in r).split(" | ")[2])
    assert cnn_accuracy > 0.977  # beats the MLP of the digits tutorial
    lstm_accuracy = float(next(r for r in table if "LSTM" in r).split(" | ")[2].split()[0])
    assert lstm_accuracy > 0.9  # chance is 0.25
    for name in ["iris_loss.png", "xor_boundary.png", "trapezoid_fit.png", "digits_history.png",
                 "autoencoder_reconstructions.png", "cnn_feature_maps.png",
                 "gradient_through_time.png"]:
        assert (tmp_path / name).stat().st_size > 1000
    assert (tmp_path / "neuron_graph.svg").read_text().lstrip().startswith("<?xml")


def test_help_gives_the_whole_description():
    result = subprocess.run([sys.executable, str(ROOT / "demo.py"), "--help"],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    words = " ".join(result.stdout.split())
    doc = ast.get_docstring(ast.parse((ROOT / "demo.py").read_text()))
    for paragraph in doc.split("\n\n"):
        assert " ".join(paragraph.split()) in words
    assert "--out OUT" in words and "(default: out)" in words
