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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.index.chunk_table import ChunkTable

BATCH = 2000  # texts folded and numbered at once
BOUNDARY = "\x00"  # between two texts of a batch: no pair runs across it
WORDS_FILE = "words.npz"
COUNTS_FILE = "word_counts.npz"  # the counts the words were taken from (``WordCounts``)
LOW = (1 << 32) - 1  # the second word of a pair code


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
        return WordCounts.of(texts).library()

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


@dataclass
class WordCounts:
    """How often each folded word, and each pair of words that follow each other, occurs in
    some texts. Counts of texts can be added and taken away (``plus``): an ingest updates the
    library's words from the texts that changed, without reading the others again."""

    words: list[str]
    counts: np.ndarray  # int64, per word
    pairs: np.ndarray  # sorted unique codes: first word's number << 32 | second word's
    pair_counts: np.ndarray  # int64, per pair

    @classmethod
    def of(cls, texts: Iterable[str]) -> WordCounts:
        """The counts of the words and word pairs of ``texts``."""
        numbers: defaultdict[str, int] = defaultdict()
        numbers.default_factory = numbers.__len__  # a new word gets the next number
        boundary = numbers[BOUNDARY]
        counts = np.zeros(1, dtype=np.int64)
        codes, weights = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        for batch in _batches(texts, BATCH):
            words = fold(f" {BOUNDARY} ".join(batch)).split()
            ids = np.fromiter(map(numbers.__getitem__, words), dtype=np.int64, count=len(words))
            counts = _padded(counts, len(numbers)) + np.bincount(ids, minlength=len(numbers))
            inside = (ids[:-1] != boundary) & (ids[1:] != boundary)
            found, times = np.unique(((ids[:-1] << 32) | ids[1:])[inside], return_counts=True)
            codes.append(found)
            weights.append(times)
        counts[boundary] = 0
        pairs, pair_counts = _summed(np.concatenate(codes), np.concatenate(weights))
        return cls(list(numbers), counts, pairs, pair_counts).compact()

    def plus(self, other: WordCounts, sign: int = 1) -> WordCounts:
        """These counts with ``other``'s added (``sign`` 1) or taken away (-1)."""
        numbers = {word: n for n, word in enumerate(self.words)}
        for word in other.words:
            numbers.setdefault(word, len(numbers))
        remap = np.fromiter(map(numbers.__getitem__, other.words), dtype=np.int64)
        counts = _padded(self.counts, len(numbers))
        counts[remap] += sign * other.counts  # each of other's words has its own number
        moved = (remap[other.pairs >> 32] << 32) | remap[other.pairs & LOW]
        pairs, pair_counts = _summed(
            np.concatenate([self.pairs, moved]),
            np.concatenate([self.pair_counts, sign * other.pair_counts]),
        )
        return WordCounts(list(numbers), counts, pairs, pair_counts).compact()

    def compact(self) -> WordCounts:
        """The same counts without the words and pairs counted zero times. (In a difference
        of counts, ``plus(other, -1)``, counts may be negative, and a word counted zero times
        may still be in a pair: it is kept.)"""
        held = self.pair_counts != 0
        pairs = self.pairs[held]
        kept = self.counts != 0
        kept[pairs >> 32] = kept[pairs & LOW] = True
        number = np.cumsum(kept) - 1  # in the same order: the pair codes stay sorted
        pairs = (number[pairs >> 32] << 32) | number[pairs & LOW]
        words = [word for word, keep in zip(self.words, kept, strict=True) if keep]
        return WordCounts(words, self.counts[kept], pairs, self.pair_counts[held])

    def library(self) -> LibraryText:
        """The ``LibraryText`` of the words and pairs counted, words in sorted order: the same
        texts give the same ``LibraryText`` however they were counted."""
        order = sorted(range(len(self.words)), key=self.words.__getitem__)
        number = np.zeros(len(order), dtype=np.int64)
        number[order] = np.arange(len(order), dtype=np.int64)
        pairs = np.sort((number[self.pairs >> 32] << 32) | number[self.pairs & LOW])
        return LibraryText._of_words([self.words[n] for n in order], pairs)

    def save(self, path: Path) -> None:
        words = np.frombuffer(" ".join(self.words).encode("utf-8"), dtype=np.uint8)
        with path.open("wb") as out:
            np.savez(
                out, words=words, counts=self.counts, pairs=self.pairs, pair_counts=self.pair_counts
            )

    @classmethod
    def load(cls, path: Path) -> WordCounts:
        with np.load(path, allow_pickle=False) as data:
            text = data["words"].tobytes().decode("utf-8")
            return cls(
                text.split(" ") if text else [],
                data["counts"].astype(np.int64),
                data["pairs"].astype(np.int64),
                data["pair_counts"].astype(np.int64),
            )


def _padded(counts: np.ndarray, size: int) -> np.ndarray:
    return np.concatenate([counts, np.zeros(size - len(counts), dtype=np.int64)])


def _summed(codes: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct codes, sorted, and the sum of the weights of each."""
    distinct, which = np.unique(codes, return_inverse=True)
    return distinct, np.bincount(which, weights, len(distinct)).astype(np.int64)


def _batches(items: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
