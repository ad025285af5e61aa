"""Macro calls answered from the build's memo render what Jinja renders, and note the
same article reads for the page's fingerprint."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import jinja2
import pytest
from test_render import plain_twin

from newsgen import reads
from newsgen.chrome import Chrome
from newsgen.models import Article
from newsgen.render import make_site_env

from conftest import site_config, write_files

TEMPLATES = {
    # Imported without context: sees its arguments and the globals alone.
    "templates/parts.html": """\
{% macro card(article, level=2) %}<h{{ level }}>{{ article.title }}</h{{ level }}>{% endmacro %}
{% macro shown(value) %}[{{ value }}:{{ value.__class__.__name__ }}]{% endmacro %}
{% macro items(values) %}{{ values | join(',') }}{% endmacro %}
{% macro body(article) %}{{ article.body_html }}{% endmacro %}
{% macro with_caller() %}({{ caller() }}){% endmacro %}
{% macro pair(a, b=0) %}{{ a }}-{{ b }}{% endmacro %}
""",
    # Imported with context: sees the page's variables.
    "templates/ctx_parts.html": "{% macro where() %}on {{ page_name }}{% endmacro %}",
    "templates/page.html": """\
{% from "parts.html" import card, shown, items, body, with_caller, pair %}
{% from "ctx_parts.html" import where with context %}
{% macro local(x) %}{{ page_name }}/{{ x }}/{{ later }}{% endmacro %}
{% set later = "set" %}{{ local(1) }}{% set later = "set again" %}
{{ card(first) }}{{ card(first, level=3) }}{{ card(first, 3) }}{{ card(second) }}
{{ shown(1) }}{{ shown(True) }}{{ shown(1.0) }}{{ shown('1') }}{{ shown(none) }}
{{ items(values) }}{{ local(1) }}{{ where() }}
{{ pair(1, b=2) }} {{ pair(b=1, a=2) }} {{ pair(a=1, b=2) }} {{ pair(1, 2) }} {{ pair(2) }}
{% call with_caller() %}{{ page_name }}{% endcall %}
{% if with_body %}{{ body(first) }}{% endif %}
""",
}


def _article(title: str, url: str) -> Article:
    return Article(source_path=f"articles/{url.strip('/')}.md", title=title,
                   date=datetime(2024, 1, 30, tzinfo=UTC), slug=url.strip("/"), url=url,
                   body_utf8=f"<p>{title} body</p>".encode(), summary="")


@pytest.fixture
def envs(tmp_path: Path) -> tuple[jinja2.Environment, jinja2.Environment]:
    write_files(tmp_path, TEMPLATES)
    env = make_site_env(site_config(tmp_path), Chrome((), {}))
    return env, plain_twin(env)


def test_remembered_calls_render_as_jinja_renders_them(envs) -> None:
    """Across pages, a macro imported without context is answered from the memo; macros
    that see the page (its own, which sees variables set between its calls, or one
    imported with context), calls with a list (which can change between calls) and
    calls with a caller are rendered each time."""
    env, twin = envs
    first, second = _article("First", "/a/"), _article("Second", "/b/")
    values = ["x"]
    for page_name in ("one", "two", "three"):
        context = {"first": first, "second": second, "values": values,
                   "page_name": page_name, "with_body": False}
        ours = env.get_template("page.html").render(**context)
        assert ours == twin.get_template("page.html").render(**context)
        assert f"{page_name}/1/set<h2>" in ours and f"{page_name}/1/set again" in ours
        assert f"on {page_name}" in ours and f"({page_name})" in ours
        assert "[1:int][True:bool][1.0:float][1:str][None:NoneType]" in ours
        assert ",".join(values) in ours
        assert "1-2 2-1 1-2 1-2 2-0" in ours
        values.append(page_name)  # the list changes between pages
    assert env.macro_memo._texts, "nothing was remembered"


def test_a_remembered_call_notes_the_reads_rendering_noted(envs) -> None:
    """The page's fingerprint reads: the same whether the card and body macros were
    rendered for this page or answered from the memo."""
    env, _ = envs
    first, second = _article("First", "/a/"), _article("Second", "/b/")
    context = {"first": first, "second": second, "values": [], "page_name": "p",
               "with_body": True}
    found = []
    for _ in range(3):
        reads.collect()
        env.get_template("page.html").render(**context)
        found.append(reads.collect())
    assert found[0] == (("/a/", "/b/"), ("/a/",))
    assert found[1] == found[2] == found[0]


def test_reads_noted_before_a_remembered_call_are_kept(envs) -> None:
    env, _ = envs
    first, second = _article("First", "/a/"), _article("Second", "/b/")
    template = env.from_string('{% from "parts.html" import card %}'
                               "{{ other.title }}{{ card(first) }}")
    for _ in range(2):
        reads.collect()
        assert template.render(first=first, other=second) == "Second<h2>First</h2>"
        assert reads.collect() == (("/a/", "/b/"), ())
