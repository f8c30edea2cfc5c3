"""The library's words, for name look-ups without scanning the whole library per name.

``abstain`` asks two things of the library's folded text (``abstain.searchable_text``): whether
a name (or a variant of it, perhaps a part of a word: "brazil" in "brazilian") occurs in it, and
whether a word occurs as a whole word. At 300,000 chunks that text is about 400 MB, held in
memory and scanned once per variant. ``LibraryText`` is a ``str`` of the library's distinct
folded words (one space apart) that answers both the same way:

- a regular expression that matches within one word (``\\bword\\b``) finds a match in it exactly
  when it finds one in the library's text;
- ``phrase in library`` tells whether the library's text holds ``phrase``: a phrase without a
  space is looked up in the words; one of several words through the pairs of words that follow
  each other somewhere in a title or chunk (its first word ending a word, its last one starting
  one, the words between met in turn). For three words or more, each pair is checked, not the
  whole run; phrases that would only run from one chunk into the next do not count.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from assistant.index.chunk_table import ChunkTable

BATCH = 2000  # texts folded and numbered at once
BOUNDARY = "\x00"  # between two texts of a batch: no pair runs across it
WORDS_FILE = "words.npz"


def fold(text: str) -> str:
    """Lower case, curly apostrophes and quotes straightened, accents kept, spaces single."""
    text = unicodedata.normalize("NFC", text).replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text.lower())


class LibraryText(str):
    """The library's distinct folded words, one space apart; ``in`` looks up phrases."""

    numbers: dict[str, int]  # word -> id
    starts: np.ndarray  # offset of each word in the string
    pairs: np.ndarray  # sorted unique (first word id << 32 | second word id)

    @classmethod
    def of(cls, texts: Iterable[str]) -> LibraryText:
        """The words and word pairs of ``texts`` (titles and chunk texts)."""
        numbers: defaultdict[str, int] = defaultdict()
        numbers.default_factory = numbers.__len__  # a new word gets the next number
        boundary = numbers[BOUNDARY]
        pairs = np.zeros(0, dtype=np.int64)
        for batch in _batches(texts, BATCH):
            words = fold(f" {BOUNDARY} ".join(batch)).split()
            ids = np.fromiter(map(numbers.__getitem__, words), dtype=np.int64, count=len(words))
            inside = (ids[:-1] != boundary) & (ids[1:] != boundary)
            pairs = np.union1d(pairs, ((ids[:-1] << 32) | ids[1:])[inside])
        return cls._of_words(list(numbers), pairs)

    @classmethod
    def _of_words(cls, words: list[str], pairs: np.ndarray) -> LibraryText:
        found = cls(" ".join(words))
        found.numbers = {word: n for n, word in enumerate(words)}
        found.starts = np.cumsum([0] + [len(w) + 1 for w in words[:-1]], dtype=np.int64)
        found.pairs = pairs
        return found

    def save(self, path: Path) -> None:
        """Write the words and pairs to ``path`` (``load`` reads them back)."""
        words = np.frombuffer(str(self).encode("utf-8"), dtype=np.uint8)
        with path.open("wb") as out:
            np.savez(out, words=words, pairs=self.pairs)

    @classmethod
    def load(cls, path: Path) -> LibraryText:
        """The ``LibraryText`` saved at ``path``."""
        with np.load(path, allow_pickle=False) as data:
            words = data["words"].tobytes().decode("utf-8").split(" ")
            return cls._of_words(words, data["pairs"].astype(np.int64))

    @classmethod
    def of_table(cls, table: ChunkTable) -> LibraryText:
        """The words of the documents' titles and of every chunk of ``table``."""
        titles = {str(d.metadata.get("title", "")) for d in table.heads()}
        return cls.of([*titles, *table.texts()])

    def __contains__(self, phrase: object) -> bool:
        if not isinstance(phrase, str):
            raise TypeError("'in <LibraryText>' requires a string")
        words = phrase.split(" ")
        if len(words) == 1:
            return str.__contains__(self, phrase)
        if "" in words:  # a space at an end, or two in a row: no folded name has them
            return False
        chain = [self._ending(words[0])]
        for word in words[1:-1]:
            if word not in self.numbers:
                return False
            chain.append(np.array([self.numbers[word]], dtype=np.int64))
        chain.append(self._starting(words[-1]))
        return all(self._follows(a, b) for a, b in itertools.pairwise(chain))

    def _word_ids(self, pattern: str) -> np.ndarray:
        positions = [m.start() for m in re.finditer(pattern, self)]
        return np.searchsorted(self.starts, positions, side="right").astype(np.int64) - 1

    def _ending(self, part: str) -> np.ndarray:
        """Ids of the words that end with ``part``."""
        return self._word_ids(rf"{re.escape(part)}(?= |$)")

    def _starting(self, part: str) -> np.ndarray:
        """Ids of the words that start with ``part``."""
        return self._word_ids(rf"(?<![^ ]){re.escape(part)}")

    def _follows(self, first: np.ndarray, second: np.ndarray) -> bool:
        """Whether a word of ``first`` is followed by a word of ``second`` somewhere."""
        if not len(first) or not len(second):
            return False
        bounds = np.searchsorted(self.pairs, np.stack([first << 32, (first + 1) << 32]))
        for lo, hi, word in zip(bounds[0], bounds[1], first, strict=True):
            if hi > lo and np.isin(self.pairs[lo:hi] - (word << 32), second).any():
                return True
        return False


def _batches(items: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
