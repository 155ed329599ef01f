package monitor

import "github.com/uptty/uptty/track"

// The tracked state of a service is defined in package track, which the UI and history use
// without depending on how services are checked; the monitor hands out those very types.
type (
	// State is track.State.
	State = track.State
	// Status is track.Status.
	Status = track.Status
	// Detail is track.Detail.
	Detail = track.Detail
	// Saved is track.Saved.
	Saved = track.Saved
	// Outage is track.Outage.
	Outage = track.Outage
	// Event is track.Event.
	Event = track.Event
	// EventKind is track.EventKind.
	EventKind = track.EventKind
	// Check is track.Check.
	Check = track.Check
	// Fact is track.Fact.
	Fact = track.Fact
	// Phase is track.Phase.
	Phase = track.Phase
	// Sample is track.Sample.
	Sample = track.Sample
	// Spark is track.Spark.
	Spark = track.Spark
)

// The states and event kinds, as in track.
const (
	Unknown  = track.Unknown
	Up       = track.Up
	Degraded = track.Degraded
	Pending  = track.Pending
	Down     = track.Down
	Paused   = track.Paused

	StateChanged  = track.StateChanged
	OutageStarted = track.OutageStarted
	OutageEnded   = track.OutageEnded
)

// The bounds on what a Tracker keeps, as in track.
const (
	SparkCap  = track.SparkCap
	SampleCap = track.SampleCap
	RecentCap = track.RecentCap
	OutageCap = track.OutageCap
)

// States lists every state in display order.
func States() []State { return track.States() }

// SparkOf returns the newest SparkCap of samples, oldest first.
func SparkOf(samples ...Sample) Spark { return track.SparkOf(samples...) }
