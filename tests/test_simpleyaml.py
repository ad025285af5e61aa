"""The front-matter fast path reads what YAML reads, or leaves the text to YAML."""

from __future__ import annotations

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsgen.frontmatter import _loader, split_front_matter
from newsgen.simpleyaml import implicit_resolvers, plain_is_text, simple_mapping

# Pieces that YAML reads in its own ways: numbers, booleans, nulls, sexagesimals, comments,
# escapes, anchors, tags, flow collections, mapping indicators, odd characters.
SCALARS = ["Poverty", "Armenia", "2022-01-14T20:02:16+08:00", "yes", "No", "on", "~", "null",
           "1", "1.5", "-3", "0x1F", "1_000", "12:30", "1e3", ".inf", "Doe, Jane", "AT&T",
           "&anchor x", "*alias", "!!str x", "[a, b]", "{a: b}", "a: b", "a:b", "a #b", "a#b",
           "C#", "x:", "|", ">", "-", "- x", "?x", "%x", "@x", "`x`", "é", "e\u0301",
           "Việt Nam", "a\tb", "a\u2028b", "a\x85b", "\ufeffx", "a\x07b", "https://x.org/a?b=1",
           "it's", "say \"hi\"", "back\\slash", "  padded  ", "", " "]


def quoted(text: str, style: str) -> str:
    if style == "double":
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if style == "single":
        return "'" + text.replace("'", "''") + "'"
    if style == "raw-double":
        return f'"{text}"'
    return text


scalar = st.builds(quoted, st.sampled_from(SCALARS) | st.text(max_size=12),
                   st.sampled_from(["double", "single", "raw-double", "plain"]))
key = st.sampled_from(["title", "topics", "summary", "on", "yes", "null", "1", "_x", "a-b",
                       "Title", "x y", "date"])
line = st.one_of(
    st.builds(lambda k, v, gap, tail: f"{k}:{gap}{v}{tail}", key, scalar,
              st.sampled_from([" ", "  ", "", "\t"]), st.sampled_from(["", " ", "  # note"])),
    st.builds(lambda k: f"{k}:", key),
    st.builds(lambda indent, v: f"{indent}-{' '}{v}", st.sampled_from(["", " ", "  ", "    "]),
              scalar),
    st.sampled_from(["", "  ", "# comment", "  continued text", "- top", "  - - nested",
                     "  sub: value", "<<: *x"]),
)


def yaml_reads(lines: list[str]) -> object:
    try:
        return yaml.load("\n".join(lines), Loader=_loader())
    except (yaml.YAMLError, ValueError):
        return "error"


@settings(max_examples=800, deadline=None)
@given(st.lists(line, max_size=8))
@example(["title: \"We \\\"are\\\" here\"", "topics:", "  - Poverty", "  - 'It''s'"])
@example(["title: 12:30"])
@example(["title: x", "topics:", "  - a", "    - b"])
@example(["on: x"])
@example(["title: a #b"])
@example(["title: a  # note"])
@example(["title: \"a\x07b\""])
@example(["title: a\u2028b"])
@example(["title: \"a\x85b\""])
@example(["title: \"\ufeffx\""])
@example(["title: a", "title: b"])
@example(["summary: one", "  two"])
def test_the_fast_path_reads_what_yaml_reads(lines: list[str]) -> None:
    fast = simple_mapping(lines, plain_is_text)
    if fast is not None:
        assert fast == yaml_reads(lines)


def test_the_usual_front_matter_takes_the_fast_path() -> None:
    lines = ['title: "Armenia delays \\"review\\""', "date: 2022-01-14T20:02:16+08:00",
             "source: The Civic Record", "author: 'Doe, Jane'", "topics:", '  - "Poverty"',
             "  - Armenia", "", "summary: Prices run 23.6 percent above the average."]
    assert simple_mapping(lines, plain_is_text) == {
        "title": 'Armenia delays "review"', "date": "2022-01-14T20:02:16+08:00",
        "source": "The Civic Record", "author": "Doe, Jane", "topics": ["Poverty", "Armenia"],
        "summary": "Prices run 23.6 percent above the average."}


def test_what_the_fast_path_leaves_is_still_read_by_yaml() -> None:
    text = "---\ntitle: x\ncount: 3\nflag: yes\ntopics: [a, b]\n---\nBody\n"
    assert split_front_matter(text, "a.md").data == {
        "title": "x", "count": 3, "flag": True, "topics": ["a", "b"]}


def test_the_resolvers_copied_from_pyyaml_are_its_own() -> None:
    """Which plain values are text is decided without PyYAML, from a copy of its implicit
    resolvers (see ``simpleyaml``): the same patterns, for the same first characters, in
    the same order, as the front-matter loader uses (all but timestamps)."""
    def table(resolvers: dict) -> dict:
        return {first: [(tag, regexp.pattern, regexp.flags) for tag, regexp in entries]
                for first, entries in resolvers.items() if entries}

    assert table(implicit_resolvers()) == table(_loader().yaml_implicit_resolvers)
    assert "tag:yaml.org,2002:timestamp" not in str(table(implicit_resolvers()))


def test_simple_front_matter_is_read_without_importing_pyyaml() -> None:
    import subprocess
    import sys

    code = ("import sys\n"
            "from newsgen.frontmatter import split_front_matter\n"
            "fm = split_front_matter('---\\ntitle: \"A\"\\ntopics:\\n  - Poverty\\n---\\n"
            "Body\\n', 'a.md')\n"
            "assert fm.data == {'title': 'A', 'topics': ['Poverty']}, fm.data\n"
            "print('yaml' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"
