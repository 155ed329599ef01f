package main

import "strings"

// commit and date are stamped by release builds (.goreleaser.yaml) next to main.version:
// -ldflags "-X main.commit=abc1234 -X main.date=2026-12-02T01:00:00Z". A `go build` in a git
// checkout needs neither: since Go 1.24 its version (buildVersion) names the commit.
var commit, date string

// versionLine is what `uptty --version` prints: "uptty v1.2.3 (commit abc1234, built
// 2026-12-02T01:00:00Z)", the parenthesis only with what the build stamped.
func versionLine() string {
	var extra []string
	if commit != "" {
		extra = append(extra, "commit "+commit)
	}
	if date != "" {
		extra = append(extra, "built "+date)
	}
	line := "uptty " + buildVersion()
	if len(extra) > 0 {
		line += " (" + strings.Join(extra, ", ") + ")"
	}
	return line
}
