"""The schedule picker: what it shows is written as the rule's cron, read back the same, and said in words."""

from datetime import UTC, datetime, time

import pytest

from tidings.automation.picker import WEEK, WEEKDAYS, Mode, Picker, from_cron, in_words, to_cron
from tidings.automation.schedule import check_schedule, next_run, next_runs
from tidings.core.errors import InvalidInput

LISBON = "Europe/Lisbon"


@pytest.mark.parametrize(
    ("picker", "cron", "words"),
    [
        (Picker(days=frozenset({1, 4}), times=(time(9),)), "0 9 * * 1,4", "Mondays and Thursdays at 09:00"),
        (
            Picker(times=(time(9), time(12, 30), time(17))),
            "0 9,17 * * 1-5; 30 12 * * 1-5",
            "Weekdays at 09:00, 12:30 and 17:00",
        ),
        (Picker(days=frozenset(WEEK), times=(time(8), time(20))), "0 8,20 * * *", "Every day at 08:00 and 20:00"),
        (Picker(days=frozenset({0, 6}), times=(time(10),)), "0 10 * * 0,6", "Weekends at 10:00"),
        (
            Picker(days=frozenset({1, 3, 5}), times=(time(7, 5),)),
            "5 7 * * 1,3,5",
            "Mondays, Wednesdays and Fridays at 07:05",
        ),
        (
            Picker(mode=Mode.HOURS, days=frozenset(WEEK), every=3, start=time(8), end=time(20)),
            "0 8-20/3 * * *",
            "Every 3 hours from 08:00 to 20:00, every day",
        ),
        (
            Picker(mode=Mode.HOURS, days=WEEKDAYS, every=1, start=time(9, 15), end=time(17, 15)),
            "15 9-17 * * 1-5",
            "Every hour from 09:15 to 17:15 on weekdays",
        ),
        (Picker(mode=Mode.CRON, cron="0 9 1 * *"), "0 9 1 * *", "Custom schedule (0 9 1 * *)"),
    ],
)
def test_a_picked_schedule_is_one_cron_read_back_the_same(picker: Picker, cron: str, words: str) -> None:
    assert to_cron(picker) == cron
    assert from_cron(cron) == picker
    assert in_words(cron, LISBON) == f"{words}, {LISBON}"


def test_times_in_any_order_make_the_same_cron() -> None:
    assert to_cron(Picker(times=(time(17), time(9), time(12, 30)))) == "0 9,17 * * 1-5; 30 12 * * 1-5"


def test_every_few_hours_over_the_whole_day_and_ending_on_the_last_run() -> None:
    assert to_cron(Picker(mode=Mode.HOURS, days=frozenset(WEEK), every=2, start=time(0), end=time(23, 59))) == (
        "0 */2 * * *"
    )
    assert in_words("0 */2 * * 0,6", LISBON) == f"Every 2 hours from 00:00 to 22:00 at weekends, {LISBON}"
    # "Until 21:00" every 4 hours from 08:00 runs last at 20:00, and says so.
    picker = Picker(mode=Mode.HOURS, days=frozenset({2}), every=4, start=time(8), end=time(21))
    assert to_cron(picker) == "0 8-20/4 * * 2"
    assert in_words("0 8-20/4 * * 2", LISBON) == f"Every 4 hours from 08:00 to 20:00 on Tuesdays, {LISBON}"


@pytest.mark.parametrize(
    "cron", ["0 9 * * mon", "0 9 1-7 * 1", "*/15 9 * * *", "0 9 * 1 *", "0 9 * * 1; 0 10 * * 2", "0 9-17/5 * * *"]
)
def test_what_the_picker_cannot_show_opens_as_the_raw_cron(cron: str) -> None:
    assert from_cron(cron) == Picker(mode=Mode.CRON, cron=cron)


@pytest.mark.parametrize(
    ("picker", "message"),
    [
        (Picker(days=frozenset()), "Choose at least one day of the week."),
        (Picker(times=()), "Add at least one time of day."),
        (Picker(times=tuple(time(h) for h in range(7))), "A rule runs at most 6 times a day"),
        (Picker(mode=Mode.HOURS, every=5), "Choose to run every 1, 2, 3, 4, 6, 8, 12 hours."),
        (Picker(mode=Mode.HOURS, start=time(20), end=time(8)), "The last time of the day must be after the first."),
        (Picker(mode=Mode.CRON, cron="every day"), "five cron fields"),
    ],
)
def test_a_choice_that_names_no_time_is_refused_on_the_schedule(picker: Picker, message: str) -> None:
    with pytest.raises(InvalidInput) as refusal:
        to_cron(picker)
    assert message in refusal.value.message
    assert refusal.value.details == {"field": "schedule"}


def test_several_crons_are_tidied_and_run_in_order_each_time_once() -> None:
    assert check_schedule(" 0 9 * * 1 ;30  12 * * 1;0 9 * * 1 ") == "0 9 * * 1; 30 12 * * 1"
    monday = datetime(2026, 12, 7, 8, tzinfo=UTC)  # 08:00 in Lisbon (UTC+0 in winter)
    assert next_run("0 9 * * 1; 30 12 * * 1", after=monday, time_zone=LISBON) == datetime(2026, 12, 7, 9, tzinfo=UTC)
    runs = next_runs("0 9 * * 1; 30 12 * * 1", after=monday, time_zone=LISBON)
    assert [run.astimezone(UTC) for run in runs] == [
        datetime(2026, 12, 7, 9, tzinfo=UTC),
        datetime(2026, 12, 7, 12, 30, tzinfo=UTC),
        datetime(2026, 12, 14, 9, tzinfo=UTC),
    ]


def test_a_summer_run_is_read_in_the_zones_summer_time() -> None:
    runs = next_runs("0 9 * * *", after=datetime(2026, 7, 1, tzinfo=UTC), time_zone=LISBON, count=1)
    assert runs[0].astimezone(UTC) == datetime(2026, 7, 1, 8, tzinfo=UTC)


def test_too_many_crons_are_refused() -> None:
    with pytest.raises(InvalidInput) as refusal:
        check_schedule("; ".join(f"{m} 9 * * *" for m in range(9)))
    assert "at most 8" in refusal.value.message
