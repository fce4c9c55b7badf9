"""The documents: docs/results.md and README.md's versions table are what benchmarks/make_results.py writes now
from the cards and benchmarks/results/ (so they cannot go stale), the generator reads whatever a benchmark records,
and the README stays a short read whose links lead somewhere."""
import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

import make_results  # benchmarks/ is on the tests' path (pytest.ini)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo_copy(tmp_path):
    """A repository with the shipped cards, a copy of the benchmarks' results, the README and docs/results.md."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "checkpoints").symlink_to(REPO / "checkpoints")
    shutil.copytree(REPO / "benchmarks" / "results", tmp_path / "benchmarks" / "results")
    for name in ("README.md", "docs/results.md"):
        shutil.copy(REPO / name, tmp_path / name)
    return tmp_path


def test_results_and_readme_table_are_what_the_generator_writes_now():
    for path, text in make_results.expected(REPO).items():
        assert path.read_text() == text, f"{path.name} is stale: run `python benchmarks/make_results.py`"


def test_a_figure_edited_by_hand_is_found(repo_copy):
    readme = repo_copy / "README.md"
    row = next(line for line in readme.read_text().splitlines() if line.startswith("| `fernet-soft-mixedcw-ens-v7`"))
    readme.write_text(readme.read_text().replace(row, row.replace("%", "1%", 1)))
    expected = make_results.expected(repo_copy)
    assert expected[readme] != readme.read_text()
    assert expected[repo_copy / "docs" / "results.md"] == (repo_copy / "docs" / "results.md").read_text()


def test_readme_table_has_each_shipped_version_with_its_card_figures(repo_copy):
    table = make_results.expected(repo_copy)[repo_copy / "README.md"]
    for card in make_results.shipped(REPO / "checkpoints"):
        row = next(line for line in table.splitlines() if line.startswith(f"| `{card.name}`"))
        assert f"{card.accuracy('test', 'ferplus'):.2%}" in row and f"{card.accuracy('test'):.2%}" in row


def test_a_new_benchmark_record_appears_with_its_command_and_cpu(repo_copy):
    results = repo_copy / "benchmarks" / "results"
    run = {"command": "python benchmarks/analyze_throughput.py --photos 8", "measured": "2026-12-07 10:00 UTC",
           "cpu": "Some CPU 9000", "cores": 2, "load_average": 1.5, "conditions": None,
           "rows": [{"kind": "video", "workers": 1, "frames/s per worker": 12.75}]}
    (results / "analyze_throughput.json").write_text(json.dumps({"title": "Collections", "runs": [run]}))
    (results / "other_shape.json").write_text(json.dumps({"cost": {"core_hours": 1234.5}, "model": "m-v1"}))
    (results / "made_up").mkdir()
    nested = {"shifts": {"blur": {"fer2013": {"accuracy": 0.5, "n": 10, "recall": {"fear": 0.25}}}}}
    (results / "made_up" / "v1.json").write_text(json.dumps(nested))
    (results / "made_up" / "v1.csv").write_text("shift,accuracy\nblur,0.5\n")  # the same figures: not twice
    text = make_results.expected(repo_copy)[repo_copy / "docs" / "results.md"]
    assert "### made_up/v1\n" in text and "| blur | fer2013 | 0.5 | 10 | 0.25 |" in text
    assert "| blur | 0.5 |" not in text
    assert "`python benchmarks/analyze_throughput.py --photos 8`: 2026-12-07 10:00 UTC, CPU Some CPU 9000" in text
    assert "| video | 1 | 12.75 |" in text
    assert "- core_hours: 1234.5" in text and "- model: m-v1" in text


def test_a_text_only_result_is_listed_not_read(repo_copy):
    (repo_copy / "benchmarks" / "results" / "notes.txt").write_text("12.3 frames/s\n")
    text = make_results.expected(repo_copy)[repo_copy / "docs" / "results.md"]
    assert "`benchmarks/results/notes.txt`" in text and "12.3 frames/s" not in text


def test_readme_is_a_short_read_that_does_not_narrate_its_making():
    text = (REPO / "README.md").read_text()
    assert len(text.splitlines()) <= 250
    assert not re.search(r"\bsittings?\b", text, re.IGNORECASE)


def test_readme_links_lead_to_files():
    text = (REPO / "README.md").read_text()
    targets = {t.split("#")[0] for t in re.findall(r"\]\(([^)\s]+)\)", text) if "://" not in t}
    missing = [t for t in targets if t and not (REPO / t).exists()]
    assert not missing


def readme_commands() -> list[str]:
    """Each `python -m fer ...` line of the README's shell blocks, without its comment and [optional] parts."""
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, re.DOTALL)
    lines = [line.split(" #")[0] for block in blocks for line in block.splitlines()]
    return [re.sub(r"\[[^\]]*\]", "", line).strip() for line in lines if line.startswith("python -m fer ")]


@pytest.mark.parametrize("command", readme_commands())
def test_readme_commands_are_ones_the_cli_takes(command):
    from fer.cli import build_parser

    argv = shlex.split(command)[3:]
    if argv != ["--help"]:
        build_parser().parse_args(argv)  # an unknown verb or option exits with status 2
