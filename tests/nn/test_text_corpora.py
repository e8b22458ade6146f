"""Offline text corpora: Python's help topics, the standard library's docstrings, your own files."""

from __future__ import annotations

import pytest

from nn.data import datasets as D


def test_tokenize_keeps_words_and_apostrophes():
    assert D.tokenize("Don't PANIC: 42 towels, word2vec!") == [
        "don't",
        "panic",
        "towels",
        "word",
        "vec",
    ]
    assert D.tokenize("Mixed Case", lowercase=False) == ["Mixed", "Case"]


def test_stdlib_corpus_is_larger_and_starts_with_the_help_topics():
    help_topics = D.text_corpus()
    corpus = D.stdlib_corpus()
    assert corpus[: len(help_topics)] == help_topics
    assert len(corpus) > 3 * len(help_topics)  # the docstrings add far more text
    vocab = D.build_vocab(corpus, min_count=5)
    for word in ("thread", "socket", "encode", "directory", "argument"):
        assert word in vocab.word_to_index, word
    assert corpus == D.stdlib_corpus()  # the same order every time


def test_file_corpus_reads_your_files(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("The cat sat.\nIt's here.", encoding="utf-8")
    b.write_text("Le café", encoding="utf-8")
    assert D.file_corpus(a) == ["the", "cat", "sat", "it's", "here"]
    assert D.file_corpus([a, str(b)]) == ["the", "cat", "sat", "it's", "here", "le", "caf"]
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("caf\xe9 au lait".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1\.txt.*not utf-8 text.*encoding="):
        D.file_corpus(latin)
    assert D.file_corpus(latin, encoding="latin-1") == ["caf", "au", "lait"]
    (tmp_path / "empty.txt").write_text("123 456")
    with pytest.raises(ValueError, match="no words"):
        D.file_corpus(tmp_path / "empty.txt")
    with pytest.raises(FileNotFoundError):
        D.file_corpus(tmp_path / "missing.txt")
