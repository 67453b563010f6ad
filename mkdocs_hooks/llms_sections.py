"""llms.txt lists the Markdown pages under the nav's sections, in the site's language.

mkdocs-llmstxt takes its sections from its `sections` option. mkdocs.zh.yml inherits
mkdocs.yml, and INHERIT merges mappings key by key, so a Chinese `sections` would be
added to the English one, not replace it. Neither config sets the option: this hook
sets it from the nav, whose titles each config already gives in its language.
Notebook pages are left out (their outputs are figures and long tables).
"""


def pages(entry) -> list[str]:
    """The .md pages under a nav entry: a path, a {title: entry} or a list."""
    if isinstance(entry, str):
        return [entry] if entry.endswith(".md") else []
    if isinstance(entry, dict):
        return [page for value in entry.values() for page in pages(value)]
    return [page for item in entry for page in pages(item)]


def on_config(config):
    sections = {}
    for item in config.nav:
        ((title, entry),) = item.items()
        if pages(entry):
            sections[title] = pages(entry)
    config.plugins["llmstxt"].config["sections"] = sections
    return config
