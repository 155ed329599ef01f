#!/bin/sh
# Before removal (deb: remove; rpm: $1 = 0; apk: pre-deinstall, which has no argument), stop
# the service; an upgrade (deb: upgrade, rpm: $1 = 1) leaves it running for postinstall.
set -e

case "$1" in
remove | 0 | "")
	if [ -d /run/systemd/system ]; then
		systemctl disable --now uptty.service >/dev/null 2>&1 || true
	fi
	;;
esac
