package config

// Internals for the tests in package config_test, which load configs with probe's kinds.

var LabelProblem = labelProblem

// CheckURL is checkURL with the given kinds.
func CheckURL(kinds []KindSpec, raw string) (scheme, problem string) {
	return newKindSet(kinds).checkURL(raw)
}

// KeyNames lists the keys a config may have: a service's, under expect, and at the top.
func KeyNames(kinds []KindSpec) (service, expect, top []string) {
	ks := newKindSet(kinds)
	return ks.serviceKeys, ks.expectKeys, topKeys()
}

// AlertKeys and MaintenanceKeys are the keys of an alert and of a maintenance window.
var AlertKeys, MaintenanceKeys = alertKeys, maintenanceKeys
