"""The site's Jinja environment renders what a plain Jinja environment renders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jinja2
import pytest
from markupsafe import Markup

from newsgen import reads, render
from newsgen.chrome import Chrome
from newsgen.feeds import iso_seconds
from newsgen.models import Article
from newsgen.render import make_site_env

from conftest import site_config, write_files

SOURCE = """\
{% macro m(x) %}<b>{{ x }}</b>{% endmacro %}
{% set captured %}{{ s }}{{ n }}{% endset %}
{{ s }}|{{ sub }}|{{ mark }}|{{ n }}|{{ f }}|{{ html }}|{{ nothing }}|{{ m(s) }}
{{ neg }}|{{ flag }}|{{ mark_sub }}|{{ int_sub }}|{{ s | safe }}
{{ captured }}|{{ captured | length }}|{{ s ~ mark }}|{{ s | e }}|{{ s | upper }}
{% filter upper %}{{ s }}{% endfilter %}|{% autoescape false %}{{ s }}{% endautoescape %}
{% autoescape true %}{{ s }}{% endautoescape %}|{{ [s, mark] | join(', ') }}
"""


GLOBALS = """\
{% from "g_macro.html" import shown %}
{{ own }}|{{ late }}|{{ config.title }}|{{ newsgen_version is defined }}|{{ shown() }}
{% include "g_include.html" %}
"""
G_MACRO = "{% macro shown() %}{{ late }} {{ own is defined }}{% endmacro %}"


INHERITANCE = {
    "templates/i_base.html": """\
<title>{% block title %}Base {{ s }}{% endblock %}</title>
{% for n in [1, 2] %}{% block item scoped %}[{{ n }}]{% endblock %}{% endfor %}
{% block body required %}{% endblock %}|{{ self.title() }}
{% include "i_part.html" %}
""",
    "templates/i_part.html": "{% block part %}part {{ s }}{% endblock %}",
    "templates/i_middle.html": """\
{% extends "i_base.html" %}
{% block title %}Middle, {{ super() }}{% endblock %}
{% block body %}{% block inner %}inner{% endblock %} {{ mark }}{% endblock %}
""",
    "templates/i_child.html": """\
{% extends "i_middle.html" %}
{% block item %}({{ n }}: {{ super() }}){% endblock %}
{% block inner %}child {{ s }}{% endblock %}
""",
    "templates/i_maybe.html": """\
{% if parent %}{% extends parent %}{% endif %}
{% block body %}maybe {{ s }}{% endblock %}
""",
}


class HasHtml:
    def __html__(self) -> str:
        return "<em>already safe</em>"


class Sub(str):
    pass


class MarkupSub(Markup):
    def __html__(self) -> str:
        return "<b>its own html</b>"


class IntSub(int):
    def __str__(self) -> str:
        return "<int>"


VALUES: dict[str, Any] = {
    "s": "<a href=\"x\" title='y'>Tom & Jerry é \u2028</a>", "sub": Sub("<sub & 'q'>"),
    "mark": Markup("<i>ok</i>"), "n": 3, "f": 1.5, "html": HasHtml(), "nothing": None,
    "neg": -5, "flag": True, "mark_sub": MarkupSub("<i>markup</i>"), "int_sub": IntSub(4),
}


def plain_twin(env: jinja2.Environment) -> jinja2.Environment:
    """A jinja2.Environment with the same options, filters, tests and globals."""
    twin = jinja2.Environment(loader=env.loader, autoescape=env.autoescape,
                              undefined=env.undefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)
    twin.filters.update(env.filters)
    twin.tests.update(env.tests)
    twin.globals.update(env.globals)
    return twin


@pytest.fixture
def envs(tmp_path: Path) -> tuple[jinja2.Environment, jinja2.Environment]:
    write_files(tmp_path, {"templates/t.html": SOURCE, "templates/t.txt": SOURCE,
                           "templates/u.html": "{{ undefined_name }}",
                           "templates/g.html": GLOBALS, "templates/g_macro.html": G_MACRO,
                           "templates/g_include.html": "{{ own }}, {{ late }}",
                           **INHERITANCE})
    env = make_site_env(site_config(tmp_path), Chrome((), {}))
    return env, plain_twin(env)


@pytest.mark.parametrize("name", ["t.html", "t.txt"])
def test_output_is_escaped_as_jinja_escapes_it(envs, name: str) -> None:
    env, twin = envs
    ours = env.get_template(name).render(**VALUES)
    assert ours == twin.get_template(name).render(**VALUES)
    if name == "t.html":
        assert "Tom &amp; Jerry" in ours and "<i>ok</i>" in ours
        if render._ESCAPE_INNER is not None:  # the fast escaping is in use
            namespace = env.get_template(name).root_render_func.__globals__
            assert namespace["escape"] is render._escape_output
    else:
        assert "Tom & Jerry" in ours


def test_templates_from_strings_escape_the_same(envs) -> None:
    env, twin = envs
    assert env.from_string(SOURCE).render(**VALUES) == twin.from_string(SOURCE).render(**VALUES)


def test_undefined_output_still_fails(envs) -> None:
    env, _ = envs
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("u.html").render()


def test_date_filters_tell_equal_moments_in_other_zones_apart(envs) -> None:
    """The date filters keep their text per datetime object: two datetimes that are equal
    (the same instant) in different zones still show their own date and time."""
    env, twin = envs
    source = "{{ a | isoformat }} {{ b | isoformat }} {{ a | display_time }} " \
             "{{ b | display_time }} {{ a | display_date }} {{ b | display_date }}"
    a = datetime(2024, 1, 2, 23, 30, tzinfo=UTC)
    b = a.astimezone(timezone(timedelta(hours=7)))
    assert a == b
    for _ in range(2):
        ours = env.from_string(source).render(a=a, b=b)
        assert ours == twin.from_string(source).render(a=a, b=b)
    assert ours == ("2024-01-02T23:30:00+00:00 2024-01-03T06:30:00+07:00 23:30 06:30 "
                    "2 January 2024 3 January 2024")


def test_template_globals_are_jinjas(envs) -> None:
    """Template-level globals come before the environment's, which templates see live,
    in templates, imports and includes."""
    rendered = []
    for env in envs:
        template = env.get_template("g.html", globals={"own": "own value"})
        env.globals["late"] = "set after loading"
        rendered.append(template.render())
        assert dict(template.globals) == {**env.globals, "own": "own value"}
        assert list(template.globals) == list({**env.globals, "own": "own value"})
        assert "own" in template.globals and len(template.globals) == len(env.globals) + 1
        env.globals["late"] = "changed"
        rendered.append(template.render())
    assert rendered[:2] == rendered[2:]
    assert "set after loading" in rendered[0] and "changed" in rendered[1]


CALLS = """\
{% macro m(a, b=2) %}{{ a }}-{{ b }}{{ varargs }}{{ kwargs }}{% if caller is defined %}
[{{ caller(7) }}]{% endif %}{% endmacro %}
{% macro plain(a) %}<{{ a }}>{% endmacro %}
{{ m(1) }}|{{ m(1, b=3) }}|{{ m(1, 2, 3, x=4) }}|{% call(n) m(5) %}in {{ n }}{% endcall %}
{% for i in [1, 2] %}{{ plain(i) }}{{ plain(a=loop.index) }}{% endfor %}
{{ [1] | map('string') | join }}|{% set f = plain %}{{ f('x') }}|{{ m(b=1, a=0) }}
{{ with_context() }}|{{ with_env() }}|{{ callable_object() }}|{{ stopper() is defined }}
{{ when.isoformat(sep=' ') }}|{{ 'a,b'.split(',') | join(' ') }}|{{ size([1, 2]) }}
{{ next_item(iterator) is defined }}
"""


class TakesContext:
    @jinja2.pass_context
    def __call__(self, context: Any) -> str:
        return f"object in {context.name}"


def stopper() -> None:
    raise StopIteration


@pytest.mark.parametrize("extension", ["html", "txt"])
def test_calls_are_jinjas(envs, extension: str) -> None:
    """Macros and other callables are called as Jinja calls them: arguments, caller,
    varargs and kwargs, and what a callable asks to be passed."""
    values = {"with_context": jinja2.pass_context(lambda context: context.name),
              "with_env": jinja2.pass_environment(lambda env: type(env).__name__ != ""),
              "callable_object": TakesContext(), "stopper": stopper,
              "when": datetime(2024, 1, 2, 3, 4, tzinfo=UTC), "size": len, "next_item": next}
    rendered = [env.from_string(CALLS).render(iterator=iter(()), **values) for env in envs]
    assert rendered[0] == rendered[1]
    assert "<1><1>" in rendered[0] and "[in 7]" in rendered[0] and "False" in rendered[0]
    assert "2024-01-02 03:04:00+00:00|a b|2\nFalse" in rendered[0]


@pytest.mark.parametrize("moment", [
    datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), datetime(2024, 1, 2, 3, 4, 5, 678, tzinfo=UTC),
    datetime(2024, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=5, minutes=30, seconds=7))),
    datetime(2024, 1, 2, 3, 4, 5), datetime(2024, 1, 2, 3, 4, 5, 999999)])
def test_iso_seconds_is_isoformat_to_the_second(moment: datetime) -> None:
    assert iso_seconds(moment) == moment.isoformat(timespec="seconds")


def test_iso_seconds_of_a_date_fails_as_isoformat_does() -> None:
    with pytest.raises(TypeError):
        iso_seconds(date(2024, 1, 2))  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "extra"), [
    ("i_child.html", {}), ("i_middle.html", {}), ("i_maybe.html", {"parent": "i_base.html"}),
    ("i_maybe.html", {"parent": None})])
def test_inheritance_renders_as_jinja_renders_it(envs, name: str, extra: dict[str, Any]) -> None:
    rendered = [env.get_template(name).render(**VALUES, **extra) for env in envs]
    assert rendered[0] == rendered[1]
    assert "maybe" in rendered[0] if name == "i_maybe.html" else "Middle, Base" in rendered[0]


def test_a_required_block_left_out_still_fails(envs) -> None:
    for env in envs:
        with pytest.raises(jinja2.TemplateRuntimeError, match="Required block"):
            env.get_template("i_base.html").render(**VALUES)


def test_blocks_and_parents_are_joined_where_they_are_called(envs) -> None:
    """What SiteCodeGenerator relies on: Jinja compiles a parent template's and a block's
    output to ``yield from`` lines that it can rewrite (else it compiles as Jinja does)."""
    env, _ = envs
    for name in ("i_middle.html", "i_base.html"):
        code = env.compile(env.loader.get_source(env, name)[0], name, raw=True)
        assert "yield from" not in code and "yield environment.concat(" in code


def test_date_texts_stay_right_once_the_memo_is_full(monkeypatch) -> None:
    """The per-datetime memo is emptied when full (memory flat at 100,000 articles):
    every date still shows its own text, before and after."""
    monkeypatch.setattr(render, "DATE_MEMO", 3)
    shown = render.per_datetime(iso_seconds)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(minutes=n) for n in range(10)]
    for _ in range(2):
        assert [shown(m) for m in moments] == [m.isoformat() for m in moments]


def test_a_build_without_the_cache_renders_alike_and_notes_no_reads(tmp_path: Path) -> None:
    """``--no-cache`` keeps no page fingerprints: its environment renders the same text
    without noting which article fields the templates read."""
    write_files(tmp_path, {"templates/a.html": (
        "{{ story.title }}|{{ story['summary'] }}|{{ stories | map(attribute='url') | join }}"
        "|{{ story.nope is defined }}")})
    story = Article(source_path="articles/a.md", title="A <title>",
                    date=datetime(2024, 1, 2, tzinfo=UTC), slug="a", url="/2024/01/a/",
                    body_utf8=b"<p>Body</p>", summary="S & s")
    tracked = make_site_env(site_config(tmp_path), Chrome((), {}))
    untracked = make_site_env(site_config(tmp_path), Chrome((), {}), track=False)
    reads.collect()
    text = tracked.get_template("a.html").render(story=story, stories=[story])
    assert text == "A &lt;title&gt;|S &amp; s|/2024/01/a/|False"
    assert reads.collect() == ((story.url,), ())
    assert untracked.get_template("a.html").render(story=story, stories=[story]) == text
    assert reads.collect() == ((), ())
