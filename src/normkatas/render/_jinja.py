"""The one jinja2 environment of the renderers (imported lazily: jinja2 is slow to load).

- ``autoescape`` is on for ``*.html.j2`` and ``*.xml.j2`` templates;
- ``StrictUndefined``: a typo in a template is an error, not an empty string;
- ``finalize`` runs every printed string through `clean`, so no template can
  forget to neutralise student text (and the output stays valid XML 1.0);
- compiled templates are kept in the grader's cache folder (``spec.cache``).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from normkatas.render import _view
from normkatas.render._jinja_free import fence, html_text, md
from normkatas.render._sanitize import clean

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _finalize(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, Markup):
        return clean(value)
    return value


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """The templates compiled once, in the grader's cache folder (jinja2 checks each
    against its source and its own version); none where caching is off."""
    from normkatas.spec.cache import cache_dir

    folder = cache_dir()
    if folder is None:
        return None
    try:
        (folder / "templates").mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder / "templates"))


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        bytecode_cache=_bytecode_cache(),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html.j2", "xml.j2", "svg.j2"),
            default_for_string=False,
            default=False,
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters["md"] = md
    env.filters["fence"] = fence
    env.filters["h"] = html_text
    env.globals["view"] = _view
    return env


def render_template(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
