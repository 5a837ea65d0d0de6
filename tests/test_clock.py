"""One local time zone per enterprise: days begin at local midnight (not 08:00, UTC's midnight), and
every page shows stored UTC times in the enterprise's zone."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app import clock
from app.drill import service as drill
from app.drill.models import Flashcard, FlashcardReview
from app.org.models import Enterprise

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026-03-02 23:30 and 2026-03-03 00:30 in Shanghai: the same UTC day (15:30 and 16:30 UTC on 03-02).
LATE = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
JUST_AFTER_MIDNIGHT = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)


def test_local_days_turn_at_local_midnight():
    assert clock.local_day(LATE, SHANGHAI) == date(2026, 3, 2)
    assert clock.local_day(JUST_AFTER_MIDNIGHT, SHANGHAI) == date(2026, 3, 3)
    assert clock.today_start(JUST_AFTER_MIDNIGHT, SHANGHAI) == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    assert clock.today_start(LATE, SHANGHAI) == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    # The zone is the enterprise's setting: the same instants are one day in London.
    london = ZoneInfo("Europe/London")
    assert clock.local_day(LATE, london) == clock.local_day(JUST_AFTER_MIDNIGHT, london) == date(2026, 3, 2)


def test_streaks_count_local_days():
    days = {clock.local_day(LATE, SHANGHAI), clock.local_day(JUST_AFTER_MIDNIGHT, SHANGHAI)}
    assert clock.streak(days, date(2026, 3, 3)) == 2
    assert clock.streak(days, date(2026, 3, 4)) == 2  # today not reviewed yet: the streak holds until midnight
    assert clock.streak(days, date(2026, 3, 5)) == 0
    assert clock.streak(set(), date(2026, 3, 3)) == 0


def test_times_print_in_the_zone_and_naive_times_are_refused():
    assert clock.format_local(JUST_AFTER_MIDNIGHT, SHANGHAI, clock.SHORT) == "03-03 00:30"
    assert clock.format_local(None, SHANGHAI) == ""
    with pytest.raises(ValueError):
        clock.local_day(datetime(2026, 3, 2, 15, 30), SHANGHAI)
    assert clock.zone("Not/AZone") == SHANGHAI and clock.zone(None) == SHANGHAI
    assert clock.is_time_zone("Asia/Urumqi") and not clock.is_time_zone("Mars/Base") and not clock.is_time_zone("")


def _review(session, person, card, when):
    session.add(
        FlashcardReview(
            person_id=person.id, flashcard_id=card.id, rating="good", reviewed_at=when, received_at=when, due_after=when
        )
    )


@pytest.fixture
def reviewer(world, session):
    """The worker with two reviews: 23:30 and 00:30 Shanghai time, an hour apart across midnight."""
    worker = world.a.people["worker"]
    card = Flashcard(
        post_id=world.a.post.id, key="k1", kind="risk", front="前", back="后", source="R1", digest="d", post_version=1
    )
    session.add(card)
    session.flush()
    _review(session, worker, card, LATE)
    _review(session, worker, card, JUST_AFTER_MIDNIGHT)
    session.commit()
    return worker


def test_todays_reviews_and_the_streak_follow_the_enterprises_midnight(session, reviewer):
    one_am = JUST_AFTER_MIDNIGHT + timedelta(minutes=30)  # 01:00 on 03-03
    assert drill.reviews_today(session, person=reviewer, now=one_am) == 1
    assert drill.streak_days(session, person=reviewer, now=one_am) == 2
    # 03-03 07:59 in Shanghai is still the same day (UTC's day turned at 08:00 and used to reset it)
    assert drill.reviews_today(session, person=reviewer, now=datetime(2026, 3, 2, 23, 59, tzinfo=UTC)) == 1
    assert drill.reviews_today(session, person=reviewer, now=datetime(2026, 3, 3, 0, 1, tzinfo=UTC)) == 1


def test_another_enterprise_zone_is_its_own(session, world, reviewer):
    enterprise = session.get(Enterprise, world.a.enterprise.id)
    enterprise.time_zone = "Europe/London"
    session.add(enterprise)
    session.commit()
    one_am = JUST_AFTER_MIDNIGHT + timedelta(minutes=30)
    assert drill.reviews_today(session, person=reviewer, now=one_am) == 2  # both on 03-02 in London
    assert drill.streak_days(session, person=reviewer, now=one_am) == 1


def test_pages_show_stored_utc_times_in_local_time(client, world, session):
    """A run started at 15:46 UTC shows as 23:46 on the leader's page; a quiz started at 16:30 UTC
    shows as 03-03 00:30 in the worker's history."""
    worker, leader = world.a.people["worker"], world.a.people["leader"]
    headers = world.auth(worker)
    items = client.get(f"/api/drill/checklists/{world.a.post.id}", headers=headers).json()["items"]
    start = world.clock() - timedelta(hours=16, minutes=14)  # 2026-03-01 15:46 UTC
    run = client.post(
        f"/api/drill/checklists/{world.a.post.id}/runs",
        json={
            "items": [
                {"id": item["id"], "confirmed_at": (start + timedelta(seconds=20 * n)).isoformat()}
                for n, item in enumerate(items)
            ]
        },
        headers=headers,
    )
    assert run.status_code == 201, run.text
    page = client.get("/drill/signoff", headers={**world.auth(leader), "accept": "text/html"})
    assert "03-01 23:46 开始" in page.text
    assert "23:46:00" in page.text and "15:46" not in page.text  # each confirmation's time too

    world.clock.now = JUST_AFTER_MIDNIGHT
    headers = world.auth(worker)
    started = client.post("/api/quizzes", json={"post_id": world.a.post.id, "mode": "practice"}, headers=headers)
    assert started.status_code == 201, started.text
    history = client.get("/quiz/history", headers={**headers, "accept": "text/html"})
    assert "03-03 00:30" in history.text and "03-02 16:30" not in history.text
    assert re.search(r'data-time-zone="Asia/Shanghai"', history.text)  # the zone the phone's scripts use
    assert client.get("/api/me", headers=headers).json()["enterprise"]["time_zone"] == "Asia/Shanghai"
