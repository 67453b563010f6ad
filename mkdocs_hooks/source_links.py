"""Each page's links to its source file, where the build knows the repository.

The Pages workflow sets `LOSSBOOK_REPOSITORY_URL` (from `github.server_url` and
`github.repository`) and `LOSSBOOK_SOURCE_REF` (the branch it builds); each page
then links to its file under docs/<language>/ there, to edit it or to view it
(overrides/partials/actions.html). A local build, without them, has no such links
rather than dead ones. Not MkDocs's `repo_url`: with it, Material's header fetches
the repository's stars and forks from api.github.com on every page, a request
outside the site.
"""

import os
from pathlib import Path


def edit_uri(repository: str, ref: str, docs_dir: str, config_file: str) -> str:
    root = Path(config_file).resolve().parent
    docs = Path(docs_dir).resolve().relative_to(root).as_posix()
    return f"{repository.rstrip('/')}/edit/{ref}/{docs}/"


def on_config(config):
    repository = os.environ.get("LOSSBOOK_REPOSITORY_URL")
    if repository:
        ref = os.environ.get("LOSSBOOK_SOURCE_REF") or "main"
        config.edit_uri = edit_uri(
            repository, ref, config.docs_dir, config.config_file_path
        )
    return config
