"""The canonical layout, rule by rule: each case is an input and what ``nomad fmt`` (Nomad
1.6.1, HashiCorp's hclwrite) writes for it, recorded from the real binary.

The whole-file comparison against the binary itself is
tests/integration/test_fmt_nomad_differential.py.
"""

from __future__ import annotations

import pytest

from ncplan.fmt import format_hcl

CASES = {
    'indent_blocks': (
        'job "x" {\ngroup "g" {\n    task "t" {\ndriver = "docker"\n}\n}\n}\n',
        'job "x" {\n  group "g" {\n    task "t" {\n      driver = "docker"\n    }\n  }\n}\n'),
    'align_equals_in_a_run': (
        'a = 1\nlonger = 2\n\nb = 3\n',
        'a      = 1\nlonger = 2\n\nb = 3\n'),
    'align_comments_in_a_run': (
        'a = 1 # one\nlonger = "two" // two\nc = [] /* not a line comment */\n',
        'a      = 1     # one\nlonger = "two" // two\nc      = [] /* not a line comment */\n'),
    'spaces_between_tokens': (
        'a=f( 1 ,2 )\nb=x [ 0 ] . y\nc=[ 1,2 ]\nd={a=1}\ne={}\n',
        'a = f(1, 2)\nb = x[0].y\nc = [1, 2]\nd = { a = 1 }\ne = {}\n'),
    'minus_negation_or_subtraction': (
        'a = - 1\nb = x -1\nc = [ -1, x - -1 ]\nd = ( -x )\n',
        'a = -1\nb = x - 1\nc = [-1, x - -1]\nd = (-x)\n'),
    'bang_and_comparisons': (
        'a = ! x\nb = x==y&&y!=z||z>=1\n',
        'a = !x\nb = x == y && y != z || z >= 1\n'),
    'interpolations_lose_inner_spaces': (
        'a = "x ${ y } %{ if z }w%{ endif }"\nb = "${ {a=1} }"\n',
        'a = "x ${y} %{if z}w%{endif}"\nb = "${ { a = 1 } }"\n'),
    'for_in_keyword': (
        'a = [for x in [1,2]: x]\nb = {for k,v in m: k=>v}\n',
        'a = [for x in [1, 2] : x]\nb = { for k, v in m : k => v }\n'),
    'heredoc_body_untouched': (
        'a = <<-EOT\n      keep   ${ x }\n   as is\n    EOT\nb   = 1\n',
        'a = <<-EOT\n      keep   ${x}\n   as is\n    EOT\nb = 1\n'),
    'multiline_brackets': (
        'a = [\n1,\n[\n2,\n],\n]\nb = f(\nx,\ny)\n',
        'a = [\n  1,\n  [\n    2,\n  ],\n]\nb = f(\n  x,\ny)\n'),
    'unbalanced_lines': (
        'a = [1,\n  2, [3,\n4]]\n',
        'a = [1,\n  2, [3,\n4]]\n'),
    'trailing_blank_at_eof': (
        'a = 1\n  ',
        'a = 1\n  '),
    'crlf_line_ends': (
        'a=1\r\nbb = 2 # c\r\n',
        'a  = 1\r\nbb = 2 # c\r\n'),
    'splats_and_ellipsis': (
        'a = x [*] . y\nb = f(x ...)\n',
        'a = x[*].y\nb = f(x...)\n'),
    'single_line_block': (
        'a {   b = 1   }\nempty   {   }\n',
        'a { b = 1 }\nempty {}\n'),
    'wide_characters_align_by_grapheme': (
        'm = {\n  "éé" = 1 # a\n  bb = 2 # b\n}\n',
        'm = {\n  "éé" = 1 # a\n  bb   = 2 # b\n}\n'),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_layout_is_hclwrite_s(name: str) -> None:
    source, expected = CASES[name]
    formatted = format_hcl(source)
    assert formatted.problems == ()
    assert formatted.text == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_formatting_twice_changes_nothing_more(name: str) -> None:
    once = format_hcl(CASES[name][0]).text
    assert format_hcl(once).text == once


def test_a_byte_order_mark_is_dropped_as_hclwrite_drops_it() -> None:
    assert format_hcl("\ufeffa=1\n").text == "a = 1\n"


def test_a_syntax_error_leaves_the_text_and_says_where() -> None:
    formatted = format_hcl('a = {\n  b = 1\n')
    assert not formatted.ok
    assert formatted.text == 'a = {\n  b = 1\n'
    assert [(p.line, p.column) for p in formatted.problems] == [(1, 5)]


def test_an_empty_file_stays_empty() -> None:
    assert format_hcl("").text == ""
    assert format_hcl("\n\n").text == "\n\n"
