"""`make demo` (`recontact demo`): the first command a new user runs (issue 13).

One generated export through the whole job — generate, load, dbt build, the compliance
checks — with one line per step, the summary, an explanation for every warning the
sample plants, and where the evidence report is; at most about 40 lines in all.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loader.paths import ENVIRONMENT
from orchestration import cli


@pytest.mark.slow  # a whole demo: one build and the four compliance suites
def test_the_demo_runs_end_to_end_quietly_and_explains_its_warnings(tmp_path, monkeypatch, capsys):
    for field, (variable, _) in ENVIRONMENT.items():
        monkeypatch.setenv(variable, str(tmp_path / field))
    assert cli.main(["demo", "--candidates", "400", "--as-of", "2026-11-27"]) == 0
    output = capsys.readouterr().out
    lines = output.splitlines()
    assert len(lines) <= 45, output
    assert "compliance checks: 4 of 4 suites passed" in output
    assert "decided as of 2026-11-27" in output and "candidates evaluated" in output
    warned = re.findall(r"^    (warn_\w+): ", output, flags=re.M)
    assert warned and "not planted" not in output  # every warning is explained
    assert set(warned) <= set(cli.PLANTED_WARNINGS)
    assert re.search(r"outreach drafts \(step 3\): [\d,]+ ready", output)
    (report,) = re.findall(r"evidence report: (\S+)", output)
    assert (tmp_path / "audit_dir") in Path(report).parents
    assert Path(report).is_file()
