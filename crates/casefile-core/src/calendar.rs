//! Business-time arithmetic on a support calendar: open windows per local day, holidays, DST.
//!
//! A calendar opens once a day on its weekdays, from `open` to `close` local time, except on
//! holidays. Windows are turned into UTC instants day by day, so a day on which the clocks
//! change is as long as it really is. An opening time that falls in a DST gap opens at the
//! first instant after the gap; one that falls twice (DST ends) opens at the earlier instant.

use std::collections::BTreeSet;

use chrono::{
    DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeDelta, TimeZone as _, Utc, Weekday,
};
use chrono_tz::Tz;

use crate::profile::schema::{CalendarSpec, HolidaySet};

/// How far ahead the arithmetic looks before giving up on a calendar that never opens.
const HORIZON_DAYS: u32 = 3 * 366;

/// A calendar ready for arithmetic.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// The vendor's time zone.
    pub time_zone: Tz,
    days: BTreeSet<u32>,
    open_minutes: u32,
    close_minutes: u32,
    holidays: BTreeSet<NaiveDate>,
    holiday_sets: Vec<HolidaySet>,
}

/// The calendar never opens within the horizon, so no instant can be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the support calendar has no open hours in the next three years; check its days and holidays"
)]
pub struct NeverOpen;

impl Calendar {
    /// Builds the calendar a profile describes.
    pub fn new(spec: &CalendarSpec) -> Calendar {
        Calendar {
            time_zone: spec.time_zone.0,
            days: spec
                .days
                .iter()
                .map(|day| day.weekday().num_days_from_monday())
                .collect(),
            open_minutes: spec.open.0,
            close_minutes: spec.close.0,
            holidays: spec.holidays.clone(),
            holiday_sets: spec.holiday_sets.clone(),
        }
    }

    /// Whether support works on this local date at all.
    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        self.days.contains(&date.weekday().num_days_from_monday())
            && !self.holidays.contains(&date)
            && !self.holiday_sets.iter().any(|set| is_holiday(*set, date))
    }

    /// The open window on a local date, as UTC instants, or `None` on a closed day.
    pub fn window(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.is_business_day(date) {
            return None;
        }
        let open = self.instant(date, self.open_minutes);
        let close = self.instant(date, self.close_minutes);
        (open < close).then_some((open, close))
    }

    /// The first open instant at or after `at` (`at` itself when support is open).
    pub fn clock_start(&self, at: DateTime<Utc>) -> Result<DateTime<Utc>, NeverOpen> {
        self.add_business_time(at, TimeDelta::zero())
    }

    /// `at` plus `duration` counted only while the calendar is open.
    ///
    /// A target that ends exactly at closing time is due at closing time, not at the next opening.
    pub fn add_business_time(
        &self,
        at: DateTime<Utc>,
        duration: TimeDelta,
    ) -> Result<DateTime<Utc>, NeverOpen> {
        let mut remaining = duration;
        let mut date = self.local_date(at).pred_opt().ok_or(NeverOpen)?;
        for _ in 0..HORIZON_DAYS {
            if let Some((open, close)) = self.window(date) {
                let start = open.max(at);
                if start < close {
                    let available = close - start;
                    if remaining <= available {
                        return Ok(start + remaining);
                    }
                    remaining -= available;
                }
            }
            date = date.succ_opt().ok_or(NeverOpen)?;
        }
        Err(NeverOpen)
    }

    /// The same local time of day as `start`, `count` business days after `start`'s date.
    ///
    /// `start` should be a clock start (inside a window); the result is clamped into the
    /// target day's window, so a short day cannot push it past closing time.
    pub fn add_business_days(
        &self,
        start: DateTime<Utc>,
        count: u32,
    ) -> Result<DateTime<Utc>, NeverOpen> {
        let local = start.with_timezone(&self.time_zone);
        let minutes = local
            .time()
            .signed_duration_since(NaiveTime::MIN)
            .num_minutes();
        let minutes = u32::try_from(minutes).unwrap_or(0);
        let mut date = local.date_naive();
        let mut counted = 0;
        for _ in 0..HORIZON_DAYS {
            date = date.succ_opt().ok_or(NeverOpen)?;
            if let Some((open, close)) = self.window(date) {
                counted += 1;
                if counted == count {
                    let at_same_time = self.instant(date, minutes.max(self.open_minutes));
                    return Ok(at_same_time.clamp(open, close));
                }
            }
        }
        Err(NeverOpen)
    }

    /// The close of the first business day after the local date of `at`.
    pub fn next_business_day_close(&self, at: DateTime<Utc>) -> Result<DateTime<Utc>, NeverOpen> {
        let mut date = self.local_date(at);
        for _ in 0..HORIZON_DAYS {
            date = date.succ_opt().ok_or(NeverOpen)?;
            if let Some((_, close)) = self.window(date) {
                return Ok(close);
            }
        }
        Err(NeverOpen)
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.time_zone).date_naive()
    }

    /// The instant of local `minutes` after midnight on `date` (1440 is the next midnight).
    fn instant(&self, date: NaiveDate, minutes: u32) -> DateTime<Utc> {
        let (date, minutes) = if minutes >= 1440 {
            (
                date.checked_add_days(Days::new(1)).unwrap_or(date),
                minutes - 1440,
            )
        } else {
            (date, minutes)
        };
        let mut local = date.and_time(NaiveTime::MIN) + TimeDelta::minutes(i64::from(minutes));
        // A local time in a DST gap does not exist: move forward to the first one that does.
        for _ in 0..=180 {
            if let Some(instant) = self.time_zone.from_local_datetime(&local).earliest() {
                return instant.with_timezone(&Utc);
            }
            local += TimeDelta::minutes(1);
        }
        // No real zone has a gap over three hours; fall back to reading the time as UTC.
        local.and_utc()
    }
}

/// Whether `date` is a holiday of `set`.
pub fn is_holiday(set: HolidaySet, date: NaiveDate) -> bool {
    match set {
        HolidaySet::UsFederal => {
            us_federal_holidays(date.year()).contains(&date)
            // 1 January of next year, observed on 31 December when it falls on a Saturday.
            || us_federal_holidays(date.year() + 1).contains(&date)
        }
    }
}

/// United States federal holidays of `year`, on their observed dates (5 U.S.C. 6103).
pub fn us_federal_holidays(year: i32) -> Vec<NaiveDate> {
    let fixed = |month: u32, day: u32| NaiveDate::from_ymd_opt(year, month, day).map(observed);
    let nth = |month: u32, weekday: Weekday, n: u8| {
        NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
    };
    let last_monday_of_may = (1..=5)
        .rev()
        .find_map(|n| NaiveDate::from_weekday_of_month_opt(year, 5, Weekday::Mon, n));
    let mut holidays: Vec<NaiveDate> = [
        fixed(1, 1),
        nth(1, Weekday::Mon, 3),
        nth(2, Weekday::Mon, 3),
        last_monday_of_may,
        if year >= 2021 { fixed(6, 19) } else { None },
        fixed(7, 4),
        nth(9, Weekday::Mon, 1),
        nth(10, Weekday::Mon, 2),
        fixed(11, 11),
        nth(11, Weekday::Thu, 4),
        fixed(12, 25),
    ]
    .into_iter()
    .flatten()
    .collect();
    holidays.sort();
    holidays
}

/// A holiday on a Saturday is observed on Friday, one on a Sunday on Monday.
fn observed(date: NaiveDate) -> NaiveDate {
    match date.weekday() {
        Weekday::Sat => date.pred_opt().unwrap_or(date),
        Weekday::Sun => date.succ_opt().unwrap_or(date),
        _ => date,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("test date")
    }

    #[test]
    fn us_federal_holidays_2026_are_on_their_observed_dates() {
        let expected = [
            "2026-01-01",
            "2026-01-19",
            "2026-02-16",
            "2026-05-25",
            "2026-06-19",
            "2026-07-03",
            "2026-09-07",
            "2026-10-12",
            "2026-11-11",
            "2026-11-26",
            "2026-12-25",
        ];
        let expected: Vec<NaiveDate> = expected.iter().map(|text| date(text)).collect();
        assert_eq!(us_federal_holidays(2026), expected);
    }

    #[test]
    fn new_year_on_a_saturday_is_observed_on_the_last_day_of_the_year_before() {
        // 1 January 2028 is a Saturday.
        assert!(is_holiday(HolidaySet::UsFederal, date("2027-12-31")));
        assert!(!is_holiday(HolidaySet::UsFederal, date("2027-12-30")));
    }
}
