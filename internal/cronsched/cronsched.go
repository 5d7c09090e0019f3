// Package cronsched reads CronJob schedules the way the CronJob controller
// does, for validate (is it one?) and plan (how far apart are its runs?).
package cronsched

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// epoch is where MaxGap starts counting: a fixed instant, so that the same
// schedule always gives the same answer.
var epoch = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// MaxGap parses a schedule as the CronJob controller does (robfig/cron's
// standard five fields, or a descriptor such as @daily) and returns the
// longest time between two runs over a year, in UTC.
func MaxGap(schedule string) (time.Duration, error) {
	sched, err := cron.ParseStandard(schedule)
	if err != nil {
		return 0, err
	}
	end := epoch.AddDate(1, 0, 1)
	var longest time.Duration
	prev := sched.Next(epoch)
	if prev.IsZero() {
		return 0, fmt.Errorf("the schedule %q never runs", schedule)
	}
	for prev.Before(end) {
		next := sched.Next(prev)
		if next.IsZero() {
			return 0, fmt.Errorf("the schedule %q stops running", schedule)
		}
		longest = max(longest, next.Sub(prev))
		prev = next
	}
	return longest, nil
}

// descriptors are the schedules robfig/cron's standard parser names, in
// five fields.
var descriptors = map[string]string{
	"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
	"@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}

// ShiftMinute returns schedule with its minute moved later by minutes,
// within the same hour (past :59 it wraps to the start of that hour), and
// true; only a schedule that runs at one fixed minute (a number as its
// minute field, or a descriptor such as @daily) can be shifted, and any
// other is returned as it is, with false. The shifted schedule runs in the
// same hours, so its gaps are the original's.
func ShiftMinute(schedule string, minutes int) (string, bool) {
	fields := strings.Fields(schedule)
	if d, ok := descriptors[schedule]; ok {
		fields = strings.Fields(d)
	}
	if len(fields) != 5 {
		return schedule, false
	}
	m, err := strconv.Atoi(fields[0])
	if err != nil || m < 0 || m > 59 || strings.HasPrefix(fields[0], "+") {
		return schedule, false
	}
	if minutes%60 == 0 {
		return schedule, true
	}
	fields[0] = strconv.Itoa(((m+minutes)%60 + 60) % 60)
	return strings.Join(fields, " "), true
}
