//go:build !linux

package monitor

// newAlarm is a Go timer: the timerfd alarm is Linux's (see alarm_linux.go).
func newAlarm() alarm { return newGoAlarm() }
