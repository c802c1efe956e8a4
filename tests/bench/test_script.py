"""``scripts/bench``: the README table it rewrites and its command line."""

from __future__ import annotations

from pathlib import Path

from scripts import bench


def _results() -> dict[str, object]:
    return {
        "mode": "full",
        "started": "2026-11-30 15:00 UTC",
        "commit": "abc1234",
        "machine": {
            "cpu": "Example CPU",
            "cores": 2,
            "ram_gib": 23.5,
            "load": [0.25, 0.5, 0.75],
            "python": "3.14.10",
            "homeassistant": "2026.10.4",
        },
        "sizes": [
            {
                "receivers": 10,
                "channels": 40,
                "latency": {"count": 203, "p50": 1.5, "missed": 0},
                "side_by_side": {"ratio_p50": 1700.0},
            }
        ],
    }


def test_update_readme_replaces_only_the_table(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        f"# Title\n\nbefore\n\n{bench.README_BEGIN}\nold table\n{bench.README_END}\n\nafter\n",
        encoding="utf-8",
    )
    assert bench.update_readme(readme, _results())
    text = readme.read_text(encoding="utf-8")
    assert "old table" not in text
    assert text.startswith(f"# Title\n\nbefore\n\n{bench.README_BEGIN}\nMeasured on Example CPU, ")
    assert "2 cores, 23.5 GiB RAM, Python 3.14.10, Home Assistant 2026.10.4" in text
    assert "full run of 2026-11-30 15:00 UTC (commit abc1234)" in text
    assert "| N = 10 (40 ch) |" in text
    assert "| 10 | – | – | 1700× |" in text
    assert text.endswith(f"{bench.README_END}\n\nafter\n")
    # Twice gives the same text.
    assert bench.update_readme(readme, _results())
    assert readme.read_text(encoding="utf-8") == text


def test_update_readme_without_markers_leaves_the_file(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n", encoding="utf-8")
    assert not bench.update_readme(readme, _results())
    assert readme.read_text(encoding="utf-8") == "# Title\n"


def test_command_line() -> None:
    args = bench.build_parser().parse_args(["--quick", "--sizes", "2,5", "--no-wire"])
    assert args.quick
    assert args.sizes == "2,5"
    assert args.no_wire
    assert not args.no_venue


def test_wire_section_reports_every_case() -> None:
    wire = bench.wire_section(400)
    assert set(wire["cases"]) == set(bench.LINES)
    for case in wire["cases"].values():
        assert case["one_per_segment_us"] > 0
        assert case["batched_us"] > 0
    assert wire["receiver_state_kib"] > 0
