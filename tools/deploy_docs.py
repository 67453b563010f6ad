"""Deploys one version of the manual, both languages, to the gh-pages branch with mike.

The published layout is <base>/<language>/<version>/<page>: each language is a mike
deployment of its own (deploy prefix en/ or zh/, each with its versions.json), so
that Material's version selector stays in the reader's language, and each page's
language links point to the other language's same version (mkdocs_hooks/versions.py).
<base>/<language>/ redirects to the default version: `latest` once a release has
been deployed with that alias, `dev` before. <base>/index.html is docs/index.html,
which picks the reader's language.

    python tools/deploy_docs.py dev                       # main
    python tools/deploy_docs.py 0.2.0 --alias latest      # the release v0.2.0

The commits stay local (nothing is pushed): the Pages workflow pushes the branch,
and `make docs-serve` serves it. Both languages are built at once, by MkDocs as
mike would run it (`MIKE_DOCS_VERSION` set; mike's plugin is in mkdocs.yml), and
then committed with mike's own deploy, default and commit functions, one language
after the other: `mike deploy` builds and commits one config at a time.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from mike import commands, git_utils
from mike.app_version import version as mike_version

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = {"en": "mkdocs.yml", "zh": "mkdocs.zh.yml"}
LATEST = "latest"
# GitHub Pages may not serve a symbolic link: an alias is a tree of redirects.
ALIAS_TYPE = commands.AliasType.redirect
BUILD_ENVIRONMENT = {
    "NO_MKDOCS_2_WARNING": "1",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
}


def package_version() -> str:
    text = (ROOT / "src/lossbook/__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)[1]


def title(version: str) -> str:
    """What the version selector shows: the package's version, also for `dev`."""
    return f"dev ({package_version()})" if version == "dev" else version


def build(version: str, configs: dict[str, Path], site_url: str, out: Path) -> None:
    """Builds every language at once into out/<language>, as mike builds a version.

    Fails on a build that fails or logs a warning (a notebook kernel's own
    warnings aside).
    """
    # Not GIT_DIR (--git-dir), which names the repository of the commits only.
    env = {name: value for name, value in os.environ.items() if name != "GIT_DIR"}
    env.update(BUILD_ENVIRONMENT, MIKE_DOCS_VERSION=version)
    for language in configs:
        # mike's plugin appends the version: <site_url><language>/<version>/.
        env[f"LOSSBOOK_SITE_URL_{language.upper()}"] = f"{site_url}{language}/"
    logs = {language: out / f"build-{language}.log" for language in configs}
    builds = {
        language: subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "build", "--strict"]
            + ["--config-file", str(config), "--site-dir", str(out / language)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=logs[language].open("w"),
        )
        for language, config in configs.items()
    }
    for language, process in builds.items():
        process.wait()
        stderr = logs[language].read_text(encoding="utf-8")
        warned = "WARNING" in stderr.replace("[IPKernelApp] WARNING", "")
        if process.returncode or warned:
            sys.exit(f"{configs[language].name} failed ({version}):\n{stderr[-4000:]}")


def commit_version(
    version: str, aliases: list[str], sites: dict[str, Path], branch: str
) -> None:
    """Commits each language's build as <language>/<version>, with its aliases."""
    for language, site in sites.items():
        # mike reads only these two settings of the MkDocs config to deploy a build.
        config = {"site_dir": str(site), "use_directory_urls": True}
        message = f"Deploy {version} of the {language} manual with mike {mike_version}"
        with commands.deploy(
            config,
            version,
            title(version),
            aliases,
            update_aliases=True,
            alias_type=ALIAS_TYPE,
            branch=branch,
            message=message,
            deploy_prefix=language,
        ):
            pass  # mike's deploy commits the build that is already there


def commit_defaults(version: str, languages: list[str], branch: str) -> None:
    """<language>/ redirects to `latest` if there is one, else `dev`, else `version`."""
    for language in languages:
        versions = commands.list_versions(branch, language)
        default = next(v for v in (LATEST, "dev", version) if versions.find(v))
        try:
            commands.set_default(
                default,
                branch=branch,
                message=f"{language}/ goes to {default}",
                deploy_prefix=language,
            )
        except git_utils.GitEmptyCommit:
            pass  # already the default


def commit_root_index(branch: str) -> None:
    """<base>/index.html sends readers to their language (docs/index.html)."""
    page = (ROOT / "docs/index.html").read_text(encoding="utf-8")
    try:
        with git_utils.Commit(branch, "index.html picks a language") as commit:
            commit.add_file(git_utils.FileInfo("index.html", page))
    except git_utils.GitEmptyCommit:
        pass  # unchanged


def deploy(
    version: str,
    *,
    aliases: list[str],
    configs: dict[str, Path],
    site_url: str,
    branch: str = "gh-pages",
) -> None:
    with tempfile.TemporaryDirectory(prefix="lossbook-docs-") as folder:
        out = Path(folder)
        build(version, configs, site_url, out)
        commit_version(version, aliases, {lang: out / lang for lang in configs}, branch)
    commit_defaults(version, list(configs), branch)
    commit_root_index(branch)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("version", help="dev, or a release such as 0.2.0")
    parser.add_argument("--alias", action="append", default=[], help="e.g. latest")
    parser.add_argument(
        "--site-url",
        default=os.environ.get("LOSSBOOK_SITE_URL", "http://127.0.0.1:8000/"),
        help="the address the branch is served at, ending with / "
        "(default: $LOSSBOOK_SITE_URL or http://127.0.0.1:8000/)",
    )
    parser.add_argument(
        "--config-dir",
        type=Path,
        default=ROOT,
        help="the folder of mkdocs.yml and mkdocs.zh.yml (default: the project's)",
    )
    parser.add_argument("--branch", default="gh-pages")
    parser.add_argument(
        "--git-dir",
        help="the repository to commit to (default: the one around the current folder)",
    )
    args = parser.parse_args(argv)
    if not args.site_url.endswith("/"):
        parser.error("--site-url must end with /")
    configs = {lang: args.config_dir.resolve() / name for lang, name in CONFIGS.items()}
    if args.git_dir:
        # Read by mike's git commands, not by the builds (see build).
        os.environ["GIT_DIR"] = str(Path(args.git_dir).resolve())
    deploy(
        args.version,
        aliases=args.alias,
        configs=configs,
        site_url=args.site_url,
        branch=args.branch,
    )


if __name__ == "__main__":
    main()
