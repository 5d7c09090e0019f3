// Package cronsched reads CronJob schedules the way the CronJob controller
// does, for validate (is it one?) and plan (how far apart are its runs?).
package cronsched

import (
	"fmt"
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
