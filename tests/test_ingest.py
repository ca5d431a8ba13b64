"""Ingest: every input kind, encodings, and bad input as a clear InputError."""

from __future__ import annotations

import json

import pytest

from auditor.errors import InputError
from auditor.ingest import parse_bytes, read_document

ARTICLE = "Headline Here\n\nThe minister said the plan would go ahead. Critics disagreed."


def test_plain_text_utf8_with_and_without_bom(tmp_path):
    plain, bom = tmp_path / "a.txt", tmp_path / "b.txt"
    plain.write_text(ARTICLE, encoding="utf-8")
    bom.write_bytes(b"\xef\xbb\xbf" + ARTICLE.encode())
    for path in (plain, bom):
        document = read_document(str(path))
        assert document.text == ARTICLE and document.warnings == []


def test_latin1_is_detected_decoded_and_warned(tmp_path):
    path = tmp_path / "latin.txt"
    text = "Headline Here\n\nLe ministre a déclaré que le café était fermé. " * 5
    path.write_bytes(text.encode("latin-1"))
    document = read_document(str(path))
    assert "déclaré" in document.text
    assert document.warnings and "not UTF-8" in document.warnings[0]


def test_markdown_front_matter_becomes_metadata_and_offsets_index_the_file(tmp_path):
    path = tmp_path / "story.md"
    path.write_text(
        "---\ntitle: A Story\noutlet: The Daily\nauthor: [Ann, Bob]\n"
        "date: 2024-05-01\nurl: https://example.org/x\n---\n" + ARTICLE,
        encoding="utf-8",
    )
    document = read_document(str(path))
    assert document.metadata == {
        "title": "A Story",
        "outlet": "The Daily",
        "author": "Ann, Bob",
        "date": "2024-05-01",
        "url": "https://example.org/x",
    }
    assert document.text.startswith("---") and document.text[document.body_start :] == ARTICLE


def test_html_main_text_and_metadata_through_trafilatura(tmp_path):
    paragraphs = "".join(
        f"<p>The minister said the plan {i} would go ahead, aides said.</p>" for i in range(8)
    )
    html = (
        "<html><head><title>Plan Goes Ahead</title>"
        '<meta name="author" content="Jane Reporter"></head>'
        f"<body><nav>Home | World | Sport</nav><article><h1>Plan Goes Ahead</h1>{paragraphs}"
        "</article><footer>Copyright</footer></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    document = read_document(str(path))
    assert document.text_source == "html-extracted"
    assert "plan 3 would go ahead" in document.text and "Copyright" not in document.text
    assert document.metadata.get("title") == "Plan Goes Ahead"
    assert document.metadata.get("author") == "Jane Reporter"


def test_json_object_with_text_or_body(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"headline": "H", "body": ARTICLE, "outlet": "X", "authors": ["A"]}))
    document = read_document(str(path))
    assert document.text == ARTICLE and document.text_source == "json:body"
    assert document.metadata == {"title": "H", "outlet": "X", "author": "A"}


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        (b"", ".txt", "empty"),
        (b"   \n\t ", ".txt", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), ".txt", "binary"),
        (b"{not json", ".json", "not valid JSON"),
        (b"[1, 2]", ".json", "must be an object"),
        (b'{"title": "x"}', ".json", "no 'text' or 'body'"),
        (b"---\ntitle: [unclosed\n---\nBody.", ".md", "front matter is not valid YAML"),
        (b"---\ntitle: x\nBody never closes", ".md", "never closed"),
        (b"<html><body></body></html>", ".html", "no article text"),
    ],
)
def test_bad_input_is_a_clear_error(tmp_path, content, suffix, message):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_document(str(path))


def test_missing_directory_oversize_and_unknown_type(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_document(str(tmp_path / "nope.txt"))
    with pytest.raises(InputError, match="is a directory"):
        read_document(str(tmp_path))
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 2048)
    with pytest.raises(InputError, match="over the 1,024-byte limit"):
        read_document(str(big), max_bytes=1024)
    odd = tmp_path / "x.pdf"
    odd.write_bytes(b"%PDF")
    with pytest.raises(InputError, match="unsupported file type"):
        read_document(str(odd))


def test_parse_bytes_stdin_style():
    document = parse_bytes(ARTICLE.encode(), name="<stdin>", suffix=".txt")
    assert document.name == "<stdin>" and document.text == ARTICLE


def test_cyrillic_code_page_is_not_mistaken_for_latin(tmp_path):
    path = tmp_path / "ru.txt"
    path.write_bytes(
        ("Заголовок\n\n" + "Москва заявила, что переговоры продолжатся. " * 4).encode("cp1251")
    )
    document = read_document(str(path))
    assert "Москва" in document.text and "cp1251" in document.warnings[0]
